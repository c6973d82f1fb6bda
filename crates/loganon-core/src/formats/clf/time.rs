//! Whether a CLF time is the plain `[dd/Mon/yyyy:hh:mm:ss +zzzz]`, in a
//! few vector compares: it runs on every CLF line.

/// Whether a CLF time is the plain `[dd/Mon/yyyy:hh:mm:ss +zzzz]` (then it
/// holds nothing to scan).
///
/// Four 8-byte words tested against masks made from that pattern, rather
/// than a byte loop: this runs on every CLF line, and the loop cost about
/// a tenth of the whole parse.
pub(crate) fn is_plain_time(t: &[u8]) -> bool {
    let Ok(t) = <&[u8; 28]>::try_from(t) else {
        return false;
    };
    #[cfg(target_arch = "x86_64")]
    {
        plain_time_sse2(t)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        plain_time_words(t)
    }
}

/// [`is_plain_time`] on two 16-byte blocks (bytes 0..16 and 12..28): a
/// class test per byte (literal, digit, letter, sign) in a few vector
/// compares, a third of the word version's instructions.
#[cfg(target_arch = "x86_64")]
fn plain_time_sse2(t: &[u8; 28]) -> bool {
    use std::arch::x86_64::*;
    let block = |v: __m128i, m: &TimeBlock| -> bool {
        // SAFETY: SSE2 is part of the x86_64 baseline; the template is 16
        // bytes.
        unsafe {
            let lit = _mm_movemask_epi8(_mm_cmpeq_epi8(
                v,
                _mm_loadu_si128(m.template.as_ptr() as *const __m128i),
            ));
            let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
            let digit = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
            let x = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8(b'a' as i8));
            let alpha = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(25)), x));
            let sign = _mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_or_si128(v, _mm_set1_epi8(0x06)),
                _mm_set1_epi8(0x2f),
            ));
            ((lit & m.lit) | (digit & m.digit) | (alpha & m.alpha) | (sign & m.sign)) == 0xffff
        }
    };
    // SAFETY: both loads lie within the 28 bytes of `t` (0..16, 12..28).
    let (a, b) = unsafe {
        (
            _mm_loadu_si128(t.as_ptr() as *const __m128i),
            _mm_loadu_si128(t.as_ptr().add(12) as *const __m128i),
        )
    };
    block(a, &TIME_BLOCKS[0]) && block(b, &TIME_BLOCKS[1])
}

/// What each byte of one 16-byte block of the plain time must be: its
/// template byte (for literals) and, as movemask bits, which class it is.
#[cfg(target_arch = "x86_64")]
struct TimeBlock {
    template: [u8; 16],
    lit: i32,
    digit: i32,
    alpha: i32,
    sign: i32,
}

#[cfg(target_arch = "x86_64")]
const fn time_block(at: usize) -> TimeBlock {
    let mut m = TimeBlock {
        template: [0; 16],
        lit: 0,
        digit: 0,
        alpha: 0,
        sign: 0,
    };
    let mut k = 0;
    while k < 16 {
        m.template[k] = PLAIN_TIME[at + k];
        match TIME_KIND[at + k] {
            b'L' => m.lit |= 1 << k,
            b'D' => m.digit |= 1 << k,
            b'A' => m.alpha |= 1 << k,
            _ => m.sign |= 1 << k,
        }
        k += 1;
    }
    m
}

#[cfg(target_arch = "x86_64")]
const TIME_BLOCKS: [TimeBlock; 2] = [time_block(0), time_block(12)];

/// [`is_plain_time`] on four 8-byte words (SWAR), where SSE2 is not there.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn plain_time_words(t: &[u8; 28]) -> bool {
    let word = |k: usize| {
        u64::from_le_bytes([
            t[k],
            t[k + 1],
            t[k + 2],
            t[k + 3],
            t[k + 4],
            t[k + 5],
            t[k + 6],
            t[k + 7],
        ])
    };
    TIME_WORDS.iter().all(|m| {
        let w = word(m.at);
        // literal bytes equal; digits are 0x30..=0x39 (high nibble 3, and
        // still 3 after adding 6); letters, lower-cased, are 0x61..=0x7a
        // (ASCII, at least 0x61, and at most 0x7a: bit 0x80 set after
        // adding 0x1f, not after adding 5); a sign is + or -
        let digits = w & m.digit;
        let x = (w | 0x2020_2020_2020_2020) & m.alpha;
        let top = 0x8080_8080_8080_8080 & m.alpha;
        (w & m.lit_mask) == m.lit
            && (digits & HIGH) == (0x3030_3030_3030_3030 & m.digit)
            && ((digits + (0x0606_0606_0606_0606 & m.digit)) & HIGH) == (0x3030_3030_3030_3030 & m.digit)
            && x & top == 0
            && (x + (0x1f1f_1f1f_1f1f_1f1f & m.alpha)) & top == top
            && (x + (0x0505_0505_0505_0505 & m.alpha)) & top == 0
            && ((w & m.sign) | (0x0606_0606_0606_0606 & m.sign)) == (0x2f2f_2f2f_2f2f_2f2f & m.sign)
    })
}

const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;

/// What each byte of one word of the plain time must be.
struct TimeWord {
    at: usize,
    lit_mask: u64,
    lit: u64,
    digit: u64,
    alpha: u64,
    sign: u64,
}

/// `L` a literal byte of `PLAIN_TIME`, `D` a digit, `A` a letter, `S` `+`
/// or `-` (`+` is 0x2b, `-` 0x2d: with bits 0x06 set both are 0x2f).
const PLAIN_TIME: &[u8; 28] = b"[00/Jan/0000:00:00:00 +0000]";
const TIME_KIND: &[u8; 28] = b"LDDLAAALDDDDLDDLDDLDDLSDDDDL";

const fn time_word(at: usize) -> TimeWord {
    let mut m = TimeWord {
        at,
        lit_mask: 0,
        lit: 0,
        digit: 0,
        alpha: 0,
        sign: 0,
    };
    let mut k = 0;
    while k < 8 {
        let shift = 8 * k as u32;
        let b = PLAIN_TIME[at + k] as u64;
        match TIME_KIND[at + k] {
            b'L' => {
                m.lit_mask |= 0xff << shift;
                m.lit |= b << shift;
            }
            b'D' => m.digit |= 0xff << shift,
            b'A' => m.alpha |= 0xff << shift,
            _ => m.sign |= 0xff << shift,
        }
        k += 1;
    }
    m
}

const TIME_WORDS: [TimeWord; 4] = [time_word(0), time_word(8), time_word(16), time_word(20)];

#[cfg(test)]
mod plain_time_tests {
    use super::{is_plain_time, plain_time_words};

    /// The vector and the word versions agree on every one-byte change.
    #[test]
    fn both_versions_agree() {
        let good = *b"[01/Jan/2026:10:00:00 +0000]";
        for k in 0..28 {
            for b in 0..=255u8 {
                let mut t = good;
                t[k] = b;
                assert_eq!(is_plain_time(&t), plain_time_words(&t), "{k} {b}");
            }
        }
    }

    #[test]
    fn plain_times_and_others() {
        assert!(is_plain_time(b"[01/Jan/2026:10:00:00 +0000]"));
        assert!(is_plain_time(b"[31/Dec/1999:23:59:59 -0730]"));
        for t in [
            &b"[01/Jan/2026:10:00:00+00:00]"[..],
            b"[2026-01-01T10:00:00+00:00]",
            b"[01/Jan/2026:10:00:00 *0000]",
            b"[01/J4n/2026:10:00:00 +0000]",
            b"[01/Jan/2026:1.:00:00 +0000]",
            b"[01/Jan/2026:10:00:0: +0000]",
            b"[01/Jan/2026:10:00:00 +000a]",
            b"[0a/Jan/2026:10:00:00 +0000]",
            b"[01/Jan/2026 10:00:00 +0000]",
            b"[01/Jan/2026:10:00:00 +0000",
            b"[01/Jan/1.2.3.4:00:00 +0000]",
        ] {
            assert!(!is_plain_time(t), "{}", String::from_utf8_lossy(t));
        }
        // every byte changed to something else, one at a time
        let good = *b"[01/Jan/2026:10:00:00 +0000]";
        for k in 0..28 {
            for b in [b'@', b'.', b'=', b'%', b'\\', b'[', b'{', b'`', 0xff, 0xc1] {
                if good[k] == b {
                    continue;
                }
                let mut t = good;
                t[k] = b;
                assert!(!is_plain_time(&t), "{k} {b}");
            }
        }
    }
}
