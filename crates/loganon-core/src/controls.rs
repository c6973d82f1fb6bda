//! Control bytes in log text: whether a buffer holds one.
//!
//! A control byte here is `0x00..=0x1f` other than tab, `\n` and `\r`, and
//! DEL (`0x7f`). No web server writes one unescaped (Apache and nginx write
//! `\xNN`), so a line that holds one is damaged or hostile, and what a
//! format reads around it is a guess: the engine reads such a line again
//! whole once the rules have rewritten it (see `engine/line.rs`).
//!
//! Hand-written SIMD because it runs over every byte of every chunk: with
//! AVX2 (found at run time) a 32-byte block costs eight instructions, two
//! lookups of 16 entries by the byte's nibbles; elsewhere a branch-free
//! fold (about four times the instructions).

/// Whether `bytes` hold a control byte (see the module documentation).
pub fn has_control(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: AVX2 is present (checked at run time just above).
        return unsafe { has_control_avx2(bytes) };
    }
    has_control_plain(bytes)
}

fn has_control_plain(bytes: &[u8]) -> bool {
    use crate::decode::is_control;
    // (a fold, not `any`: no branch per byte)
    bytes.iter().fold(false, |acc, &b| acc | is_control(b))
}

#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    use std::sync::OnceLock;
    static AVX2: OnceLock<bool> = OnceLock::new();
    *AVX2.get_or_init(|| std::arch::is_x86_feature_detected!("avx2"))
}

/// Each byte's class is `HI[high nibble] & LO[low nibble]`: bit 0, the
/// bytes `0x00..=0x0f` but tab, `\n` and `\r`; bit 1, `0x10..=0x1f`; bit 2,
/// `0x7f`. A byte at or above `0x80` has a high nibble of 8 or more, whose
/// entries are 0.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn has_control_avx2(bytes: &[u8]) -> bool {
    use std::arch::x86_64::*;
    const HI: [i8; 16] = [1, 2, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0];
    const LO: [i8; 16] = [3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 3, 3, 2, 3, 7];
    let n = bytes.len() / 32 * 32;
    // SAFETY: the loads are unaligned and stay within `bytes` (i + 32 <= n
    // <= len); the tables are 16 bytes, loaded whole.
    let found = unsafe {
        let hi = _mm256_broadcastsi128_si256(_mm_loadu_si128(HI.as_ptr() as *const __m128i));
        let lo = _mm256_broadcastsi128_si256(_mm_loadu_si128(LO.as_ptr() as *const __m128i));
        let nibble = _mm256_set1_epi8(0x0f);
        let mut acc = _mm256_setzero_si256();
        let mut i = 0;
        while i < n {
            let v = _mm256_loadu_si256(bytes.as_ptr().add(i) as *const __m256i);
            let h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
            let l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble));
            acc = _mm256_or_si256(acc, _mm256_and_si256(h, l));
            i += 32;
        }
        _mm256_testz_si256(acc, acc) == 0
    };
    found || has_control_plain(&bytes[n..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_in_every_position() {
        for b in 0..=255u8 {
            let want = (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0x7f;
            for len in [1, 31, 32, 33, 64, 95] {
                for at in [0, len / 2, len - 1] {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    assert_eq!(has_control(&v), want, "byte {b:#04x} at {at} of {len}");
                    assert_eq!(has_control_plain(&v), want, "byte {b:#04x} at {at} of {len}");
                }
            }
        }
        assert!(!has_control(b""));
        assert!(!has_control(b"GET / HTTP/1.1\t200\r\n\xff\xfe"));
    }
}
