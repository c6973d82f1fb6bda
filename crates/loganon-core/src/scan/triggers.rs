//! Where the scanner looks: the trigger bytes of a line, found 16 bytes at
//! a time ([`Triggers`]), the cheap tests that let the engine skip a span
//! ([`is_inert`], [`may_hold_personal`]), and the bounds of the quoted
//! fields that hold escapes ([`first_escape`], [`field_start`],
//! [`field_end`]).

use crate::addr::is_digit;

use super::bytes::CLASS;

/// Bytes other than letters and digits at which a recogniser starts
/// (`. : @ = -`) or an escape does (`% \\ &`).
static STARTS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (CLASS[b] != 0 && !(b as u8).is_ascii_alphanumeric())
            || b == b'%' as usize
            || b == b'\\' as usize
            || b == b'&' as usize;
        b += 1;
    }
    t
};

/// Whether `span` can hold anything the scanner finds that has a
/// punctuation trigger or an escape byte in it (not the shapes made of
/// letters and digits only: `Bearer`/`Basic` credentials, cards and IBANs
/// without separators). A cheap test for short spans (JSON keys) before the
/// scan proper.
#[inline]
pub(crate) fn may_hold_personal(span: &[u8]) -> bool {
    span.iter().any(|&b| STARTS[b as usize])
}

/// Whether `span` holds nothing [`super::scan`] could take, whatever surrounds it:
/// spaces, runs of at most 12 digits and lone dashes only (the status and
/// size of a CLF line, ` 200 39982 `), at most 32 bytes. A card number has
/// at least 13 digits, an address, a MAC or an IBAN separators or letters, a
/// phone number a `+`, and a dash alone starts nothing. The engine skips
/// such spans: most are the few bytes between the fields it scans apart.
#[inline]
pub fn is_inert(span: &[u8]) -> bool {
    if span.len() > 32 {
        return false;
    }
    // the length of the token in hand, whether it is a dash, and the digits
    // so far (a card's groups may be spaced: 12 digits in all at most)
    let (mut run, mut dash, mut digits) = (0u8, false, 0u8);
    for &b in span {
        match b {
            b' ' => (run, dash) = (0, false),
            b'0'..=b'9' if !dash && digits < 12 => (run, digits) = (run + 1, digits + 1),
            b'-' if run == 0 => (run, dash) = (1, true),
            _ => return false,
        }
    }
    true
}

/// Where the last `" ` in `span[..first]` ends (0 when there is none). An
/// escaped quote (`\\" `) is no field end, nor one that opens a quoted
/// local part (`" j"@example.com`, read up to its `"@` in all of `span`).
pub(super) fn field_start(span: &[u8], first: usize) -> usize {
    let before = &span[..first];
    let mut end = before.len();
    while let Some(k) = memchr::memrchr(b'"', &before[..end]) {
        // (`name=" x"`, `"name":" x"`: a quote after `=` or `:` opens a
        // value, it ends no field)
        if before.get(k + 1) == Some(&b' ')
            && (k == 0 || !(before[k - 1] == b'\\' || after_name(before, k)))
            && !colon_after(before, k + 1)
            && !opens_local_part(span, k)
        {
            return k + 2;
        }
        end = k;
    }
    0
}

/// Whether the quote at `k` follows a `=` or `:`, plain or escaped
/// (`%3D`, `\\x3d`, `\\u003D`, `%253D`), spaces and control bytes between
/// (`"token":\0" x"`, which the decoder reads through): it opens a value
/// (`token%3D" "`).
fn after_name(t: &[u8], k: usize) -> bool {
    let mut k = k;
    while k > 1 && (matches!(t[k - 1], b' ' | b'\t') || crate::decode::is_control(t[k - 1])) {
        k -= 1;
    }
    matches!(t[k - 1], b'=' | b':')
        || (k >= 3
            && matches!(t[k - 2], b'3')
            && matches!(t[k - 1], b'D' | b'd' | b'A' | b'a')
            && matches!(t[k - 3], b'%' | b'x' | b'X' | b'0' | b'5'))
}

/// Whether the quote at `k` may open an email's quoted local part: the
/// next quote, within 256 bytes, is followed by `@`. (Such a `" ` ends no
/// field: the view that holds an escape runs over the whole address.)
fn opens_local_part(t: &[u8], k: usize) -> bool {
    let rest = &t[k + 1..t.len().min(k + 257)];
    memchr::memchr(b'"', rest).is_some_and(|q| rest.get(q + 1) == Some(&b'@'))
}

/// Whether spaces from `k` lead to a `:`: the quote before them closes a
/// name (`"password" : "x"`), no field, and the pair is read whole.
fn colon_after(t: &[u8], mut k: usize) -> bool {
    while k < t.len() && matches!(t[k], b' ' | b'\t') {
        k += 1;
    }
    t.get(k) == Some(&b':')
}

/// Where the first `" ` in `span[last..]` ends its field (after the quote),
/// or the span's length; an offset into `span`. An escaped quote (`\\" `)
/// is no field end. (The bytes before `last` are read to tell whether a
/// quote opens a value: `"token":\0" x"`, the escape a control byte.)
pub(super) fn field_end(span: &[u8], last: usize) -> usize {
    let mut i = last;
    while let Some(k) = memchr::memchr(b'"', &span[i..]) {
        let q = i + k;
        if span.get(q + 1) == Some(&b' ')
            && (q == 0 || !(span[q - 1] == b'\\' || after_name(span, q)))
            && !colon_after(span, q + 1)
            && !opens_local_part(span, q)
        {
            // the quote stays with its field (`name="%3A" x` closes there)
            return q + 1;
        }
        i = q + 1;
    }
    span.len()
}

/// The offset of the first escape in `span`, if it holds one (a `%`, `\\`
/// or `&` that starts one, or a control byte). Short spans (a client field) are looked at
/// byte by byte, which costs less than setting up the SIMD search.
#[inline(always)]
pub(super) fn first_escape(span: &[u8]) -> Option<usize> {
    // a short span (a client field) most often holds none: a branch-free
    // test first, cheaper than setting up the SIMD search
    if span.len() < 32
        && !span.iter().fold(false, |acc, &b| {
            acc | matches!(b, b'%' | b'\\' | b'&') | (b < 0x20) | (b == 0x7f)
        })
    {
        return None;
    }
    let first = crate::decode::next_escape_byte(span)?;
    crate::decode::has_escape(&span[first..]).then_some(first)
}

/// The triggers of a line: a trigger byte (`. : @ = -`, `B`, `b`), a `+`
/// before a digit (a phone number; a `+` that ends a block, whatever
/// follows), the start of a run of five digits (a card number or an IBAN
/// without separators has one: 13 digits over two 16-byte blocks leave at
/// least seven in one of them, and the ten or more digits of an IBAN's
/// account number at least five), or four digits, a space and a digit (a
/// card number grouped by spaces: of its groups at 0, 5 and 10, one such
/// six bytes lies in a block wherever the blocks fall).
///
/// Hand-written SIMD: on x86_64, SSE2 (always present there) compares 16
/// bytes against the triggers at once. This loop is the floor of the whole
/// engine's cost (every byte of every line passes through it); the block
/// compare made the engine about 1.3x faster than a per-byte table lookup.
/// The mask of the last block is kept: the triggers of a dense block (a
/// time `10:00:00`, an address, `- -`) cost one compare, not one each.
/// Blocks tile the line from where the scan resumes, so the digit-run rule
/// above holds whatever the handlers skip. (Elsewhere than on x86_64 the
/// scan goes byte by byte and keeps no mask.)
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) struct Triggers {
    /// the start of the block `bits` describes (`usize::MAX`: none yet)
    blk: usize,
    /// bit k: a trigger at `blk + k`
    bits: u32,
}

impl Triggers {
    pub(super) const NONE: Triggers = Triggers {
        blk: usize::MAX,
        bits: 0,
    };

    /// The offset of the next trigger at or after `i`. (Inlined into the
    /// scan loop: out of line, its call cost 3% of the worker's
    /// instructions on the Apache log.)
    #[inline(always)]
    pub(super) fn next(&mut self, s: &[u8], mut i: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if s.len() >= 16 {
            if i >= self.blk && i - self.blk < 16 {
                let m = self.bits >> (i - self.blk);
                if m != 0 {
                    return Some(i + m.trailing_zeros() as usize);
                }
                i = self.blk + 16;
            }
            use std::arch::x86_64::*;
            // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned
            // and stay within `s` (p + 16 <= len).
            unsafe {
                let dot = _mm_set1_epi8(b'.' as i8);
                let colon = _mm_set1_epi8(b':' as i8);
                let at = _mm_set1_epi8(b'@' as i8);
                let eq = _mm_set1_epi8(b'=' as i8);
                let dash = _mm_set1_epi8(b'-' as i8);
                let case = _mm_set1_epi8(0x20);
                let bee = _mm_set1_epi8(b'b' as i8);
                let plus = _mm_set1_epi8(b'+' as i8);
                let space = _mm_set1_epi8(b' ' as i8);
                // digits: '0'..'9' moved to -128..-119, the least signed values
                let shift = _mm_set1_epi8(0x50);
                let ten = _mm_set1_epi8(-118);
                let block = |p: usize| {
                    let v = _mm_loadu_si128(s.as_ptr().add(p) as *const __m128i);
                    let m = _mm_or_si128(
                        _mm_or_si128(
                            _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon)),
                            _mm_cmpeq_epi8(v, at),
                        ),
                        _mm_or_si128(
                            _mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, dash)),
                            _mm_cmpeq_epi8(_mm_or_si128(v, case), bee),
                        ),
                    );
                    let digit = _mm_cmplt_epi8(_mm_add_epi8(v, shift), ten);
                    let dm = _mm_movemask_epi8(digit) as u32;
                    // bit k: digits at k..k+5
                    let d2 = dm & (dm >> 1);
                    let d4 = d2 & (d2 >> 2);
                    // a `+` before a digit (or at the block's end)
                    let pm = _mm_movemask_epi8(_mm_cmpeq_epi8(v, plus)) as u32 & ((dm >> 1) | 0x8000);
                    // four digits, a space, a digit
                    let sm = _mm_movemask_epi8(_mm_cmpeq_epi8(v, space)) as u32;
                    (_mm_movemask_epi8(m) as u32) | (d4 & (dm >> 4)) | pm | (d4 & (sm >> 4) & (dm >> 5))
                };
                while i + 16 <= s.len() {
                    let bits = block(i);
                    if bits != 0 {
                        self.blk = i;
                        self.bits = bits;
                        return Some(i + bits.trailing_zeros() as usize);
                    }
                    i += 16;
                }
                // the tail: the last 16 bytes, less those before `i`
                if i < s.len() {
                    let p = s.len() - 16;
                    let bits = (block(p) >> (i - p)) << (i - p);
                    if bits != 0 {
                        self.blk = p;
                        self.bits = bits;
                        return Some(p + bits.trailing_zeros() as usize);
                    }
                }
                return None;
            }
        }
        let mut run = 0;
        while i < s.len() {
            let b = s[i];
            if CLASS[b as usize] != 0 {
                return Some(i);
            }
            if is_digit(b) {
                run += 1;
                if run == 5 {
                    return Some(i - 4);
                }
            } else {
                if run == 4 && b == b' ' && s.get(i + 1).is_some_and(|&c| is_digit(c)) {
                    return Some(i - 4);
                }
                run = 0;
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use crate::scan::scan;
    use crate::scan::testing::Rec;

    #[test]
    fn inert_spans() {
        assert!(is_inert(b" 200 39982 "));
        assert!(is_inert(b" 304 - "));
        assert!(is_inert(b" "));
        assert!(is_inert(b""));
        assert!(!is_inert(b" 200 4111111111111111 "));
        assert!(!is_inert(b" 200 4111-1111-1111-1111 "));
        assert!(!is_inert(b" 0-1-2-3-4-5 "));
        assert!(!is_inert(b" 200 -1 "));
        assert!(!is_inert(b" 411 1111111111 "));
        assert!(!is_inert(b" 200 1.2 "));
        assert!(!is_inert(&[b' '; 33]));
    }

    proptest::proptest! {
        /// An inert span finds nothing, alone and between the fields of a
        /// CLF line (the bytes around it are context).
        #[test]
        fn inert_spans_find_nothing(
            span in proptest::collection::vec(proptest::sample::select(b"0123456789- ".to_vec()), 0..33),
        ) {
            if is_inert(&span) {
                let mut line = b"\"GET / HTTP/1.1\"".to_vec();
                let from = line.len();
                line.extend_from_slice(&span);
                let to = line.len();
                line.extend_from_slice(b"\"-\"");
                let mut r = Rec::default();
                scan(&line, from, to, &Rules::default(), &mut r);
                proptest::prop_assert!(r.0.is_empty(), "{:?}: {:?}", String::from_utf8_lossy(&span), r.0);
                scan(&span, 0, span.len(), &Rules::default(), &mut r);
                proptest::prop_assert!(r.0.is_empty(), "{:?}: {:?}", String::from_utf8_lossy(&span), r.0);
            }
        }

        /// 13 digits or more are never inert (a card may hide there, its
        /// groups spaced), however spaces split them.
        #[test]
        fn thirteen_digits_are_not_inert(groups in proptest::collection::vec(1usize..8, 1..6), pad in 0usize..3) {
            let mut span = vec![b' '; pad];
            for g in &groups {
                span.extend(std::iter::repeat_n(b'4', *g));
                span.push(b' ');
            }
            let digits: usize = groups.iter().sum();
            proptest::prop_assert_eq!(is_inert(&span), digits <= 12 && span.len() <= 32);
        }
    }
}
