//! Seeing through encodings: a span of a line is decoded through all its
//! layers (percent-encoding to any depth, JSON and C `\` escapes, HTML
//! entities) into a plain view, with each decoded byte mapped back to the
//! source bytes it came from. The scanner looks for personal data in the view;
//! its findings are replaced in the source over whole escapes, so a
//! replacement never cuts an escape in half and a JSON string stays valid.
//!
//! Layers are peeled one at a time until nothing changes (`%252540` ->
//! `%2540` -> `%40` -> `@`), mixed in any order (`\u0025` -> `%`). Every
//! escape is longer than what it stands for, so this ends; it is capped at
//! [`MAX_LAYERS`] all the same.
//!
//! Hand-written rather than a crate's decoder: one pass recognises all the
//! escape families at once, keeps the byte map the rewriter needs, and costs
//! nothing on spans that hold no `%`, `\` or `&` (the caller checks with
//! `memchr3` before coming here).

/// How many layers are peeled at most.
pub const MAX_LAYERS: usize = 16;

/// A byte that stands for something decoded that is not a separator: an
/// unknown named HTML entity or a lone UTF-16 surrogate. It is not ASCII, so
/// the scanner treats it like a letter of a word, an email or a domain name:
/// it joins tokens rather than splitting them (fail closed).
pub const OPAQUE: u8 = 0xFF;

/// The decoded view of a span and, per decoded byte, the source range it
/// came from (absolute offsets into the line): [`Decoded::range`].
///
/// After one layer (the common case) the map is sparse: one entry per
/// escape, bytes between escapes standing for themselves. Only a second
/// layer builds a range per byte (`start`, `end`).
#[derive(Default, Debug)]
pub struct Decoded {
    /// The decoded bytes.
    pub text: Vec<u8>,
    /// per escape of the first layer: (first decoded byte, how many, source range)
    escapes: Vec<(u32, u32, u32, u32)>,
    /// the span's first source offset
    from: u32,
    /// per decoded byte, once a second layer was peeled
    dense: bool,
    start: Vec<u32>,
    end: Vec<u32>,
    next: (Vec<u8>, Vec<u32>, Vec<u32>),
}

/// Named HTML entities that stand for separators or characters that matter
/// to the scanner. Others become [`OPAQUE`].
const ENTITIES: &[(&[u8], u8)] = &[
    (b"amp", b'&'),
    (b"lt", b'<'),
    (b"gt", b'>'),
    (b"quot", b'"'),
    (b"apos", b'\''),
    (b"nbsp", b' '),
    (b"commat", b'@'),
    (b"period", b'.'),
    (b"colon", b':'),
    (b"equals", b'='),
    (b"percnt", b'%'),
    (b"sol", b'/'),
    (b"bsol", b'\\'),
    (b"quest", b'?'),
    (b"num", b'#'),
    (b"plus", b'+'),
    (b"lowbar", b'_'),
    (b"hyphen", b'-'),
    (b"dash", b'-'),
    (b"semi", b';'),
    (b"comma", b','),
    (b"excl", b'!'),
    (b"dollar", b'$'),
    (b"lsqb", b'['),
    (b"rsqb", b']'),
    (b"lbrack", b'['),
    (b"rbrack", b']'),
    (b"Tab", b'\t'),
    (b"NewLine", b'\n'),
];

#[inline]
fn hex(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'a'..=b'f' => Some(u32::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(b - b'A' + 10)),
        _ => None,
    }
}

fn hex_n(t: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = t.get(at..at + n)?;
    s.iter().try_fold(0u32, |acc, &b| Some(acc << 4 | hex(b)?))
}

/// Writes the UTF-8 of `cp` (or [`OPAQUE`] when it is no scalar value).
fn utf8(cp: u32, out: &mut [u8; 4]) -> usize {
    match char::from_u32(cp) {
        Some(c) => c.encode_utf8(out).len(),
        None => {
            out[0] = OPAQUE;
            1
        }
    }
}

/// A control byte that shows nothing where a log is read (not a tab or a
/// line end): the scanner reads through it, as if it were an escape of the
/// byte after it.
#[inline]
pub fn is_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

/// A run of control bytes and terminal escape sequences (`ESC [ 0 m`) at
/// `t[i]` and the byte after it: the run stands for that byte
/// (`jdoe\0@example.com` reads `jdoe@example.com`). `None` at the end.
/// Before a `%`, `\\` or `&` the run stands for nothing and that byte is
/// left to start an escape of its own: `\\`, a NUL, `\\\\0` pairs the two
/// backslashes after the NUL, as `check` pairs them (it removes control
/// bytes), and not the first one with a backslash the run took.
fn control_at(t: &[u8], i: usize, out: &mut [u8; 4]) -> Option<(usize, usize)> {
    let mut j = i;
    while j < t.len() && is_control(t[j]) {
        if t[j] == 0x1b && t.get(j + 1) == Some(&b'[') {
            let mut k = j + 2;
            while k < t.len() && (t[k].is_ascii_digit() || t[k] == b';') && k - j < 32 {
                k += 1;
            }
            if t.get(k).is_some_and(|&b| (0x40..=0x7e).contains(&b)) {
                j = k + 1;
                continue;
            }
        }
        j += 1;
    }
    let &b = t.get(j)?;
    if matches!(b, b'%' | b'\\' | b'&') {
        return Some((j - i, 0));
    }
    out[0] = b;
    Some((j - i + 1, 1))
}

/// The escape at `t[i]` (a `%`, `\`, `&` or a control byte), if it is one:
/// how many bytes it takes, and what it stands for in `out` (the returned
/// length).
fn escape_at(t: &[u8], i: usize, out: &mut [u8; 4]) -> Option<(usize, usize)> {
    if is_control(t[i]) {
        return control_at(t, i, out);
    }
    match t[i] {
        b'%' => {
            if let Some(v) = hex_n(t, i + 1, 2) {
                out[0] = v as u8;
                return Some((3, 1));
            }
            // IIS's `%uXXXX`
            if matches!(t.get(i + 1), Some(b'u' | b'U')) {
                let cp = hex_n(t, i + 2, 4)?;
                return Some((6, utf8(cp, out)));
            }
            None
        }
        b'\\' => {
            let c = *t.get(i + 1)?;
            let simple = match c {
                b'"' | b'\\' | b'/' | b'\'' => Some(c),
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'v' => Some(0x0b),
                b'0' => Some(0),
                _ => None,
            };
            if let Some(b) = simple {
                out[0] = b;
                return Some((2, 1));
            }
            match c {
                b'x' | b'X' => {
                    out[0] = hex_n(t, i + 2, 2)? as u8;
                    Some((4, 1))
                }
                b'u' | b'U' => {
                    let hi = hex_n(t, i + 2, 4)?;
                    if (0xD800..0xDC00).contains(&hi) && t.get(i + 6) == Some(&b'\\') && t.get(i + 7) == Some(&b'u') {
                        if let Some(lo) = hex_n(t, i + 8, 4).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            return Some((12, utf8(cp, out)));
                        }
                    }
                    Some((6, utf8(hi, out)))
                }
                _ => None,
            }
        }
        _ => entity_at(t, i, out),
    }
}

/// An HTML entity at `t[i] == b'&'`: `&#64;`, `&#x40;` (the `;` may be
/// missing, as browsers accept), or a named one with its `;`.
fn entity_at(t: &[u8], i: usize, out: &mut [u8; 4]) -> Option<(usize, usize)> {
    if t.get(i + 1) == Some(&b'#') {
        let (radix, mut k) = match t.get(i + 2) {
            Some(b'x' | b'X') => (16, i + 3),
            _ => (10, i + 2),
        };
        let digits = k;
        let mut cp: u32 = 0;
        while k < t.len() {
            let d = if radix == 16 {
                hex(t[k])
            } else {
                t[k].is_ascii_digit().then(|| u32::from(t[k] - b'0'))
            };
            let Some(d) = d else { break };
            cp = cp.saturating_mul(radix).saturating_add(d);
            k += 1;
        }
        // (no digits; or more than eight that stand for no character: they
        // are read as text, where a card number may be, `&#4111111111111111`,
        // as `check` reads them; padded ones are an entity, `&#x0000000040;`)
        if k == digits || (k - digits > 8 && cp > 0x10_FFFF) {
            return None;
        }
        match t.get(k) {
            Some(b';') => k += 1,
            // more digits may still come out of a deeper layer
            // (`&#x4%30;` is `&#x40;`): not an entity yet
            Some(b'%' | b'\\' | b'&') => return None,
            _ => {}
        }
        return Some((k - i, utf8(cp, out)));
    }
    // a named entity ends in `;` within 33 bytes: most `&` of a query
    // string have none, and end here
    memchr::memchr(b';', &t[i + 1..t.len().min(i + 35)])?;
    let mut k = i + 1;
    while k < t.len() && t[k].is_ascii_alphanumeric() && k - i <= 32 {
        k += 1;
    }
    let name = &t[i + 1..k];
    if name.len() < 2 || t.get(k) != Some(&b';') || !name[0].is_ascii_alphabetic() {
        return None;
    }
    out[0] = ENTITIES.iter().find(|(n, _)| *n == name).map_or(OPAQUE, |&(_, b)| b);
    Some((k + 1 - i, 1))
}

/// The offset of the next `%`, `\\`, `&` or control byte in `t` (a tab or
/// a line end too: [`escape_at`] tells).
///
/// Hand-written SSE2, 16 bytes a step, for the same reason as
/// [`last_escape_byte`]: memchr's three-byte search is fast on long text
/// but large, and it shared the instruction cache with the scanner.
#[inline]
pub fn next_escape_byte(t: &[u8]) -> Option<usize> {
    // (moved only by the SSE2 path)
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned
        // and stay within `t` (i + 16 <= len).
        unsafe {
            let pct = _mm_set1_epi8(b'%' as i8);
            let bsl = _mm_set1_epi8(b'\\' as i8);
            let amp = _mm_set1_epi8(b'&' as i8);
            let ctl = _mm_set1_epi8(0x1f);
            let del = _mm_set1_epi8(0x7f);
            while i + 16 <= t.len() {
                let v = _mm_loadu_si128(t.as_ptr().add(i) as *const __m128i);
                let m = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, pct), _mm_cmpeq_epi8(v, bsl)),
                    _mm_or_si128(
                        _mm_cmpeq_epi8(v, amp),
                        // control bytes: below 0x20 (tabs and line ends are
                        // sorted out by `escape_at`), and DEL
                        _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl), _mm_cmpeq_epi8(v, del)),
                    ),
                );
                let bits = _mm_movemask_epi8(m) as u32;
                if bits != 0 {
                    return Some(i + bits.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
    }
    t[i..]
        .iter()
        .position(|&b| matches!(b, b'%' | b'\\' | b'&') || b < 0x20 || b == 0x7f)
        .map(|k| i + k)
}

/// The offset of the last `%`, `\\`, `&` or control byte in `t`.
///
/// Hand-written SSE2 from the end, 16 bytes a step: it runs once for each
/// span with an escape, and memchr's reverse search brought a large block
/// of code into the instruction cache for that one call.
#[inline]
pub fn last_escape_byte(t: &[u8]) -> Option<usize> {
    // (moved only by the SSE2 path)
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut end = t.len();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned
        // and stay within `t` (end >= 16, so end - 16..end is in bounds).
        unsafe {
            let pct = _mm_set1_epi8(b'%' as i8);
            let bsl = _mm_set1_epi8(b'\\' as i8);
            let amp = _mm_set1_epi8(b'&' as i8);
            let ctl = _mm_set1_epi8(0x1f);
            let del = _mm_set1_epi8(0x7f);
            while end >= 16 {
                let v = _mm_loadu_si128(t.as_ptr().add(end - 16) as *const __m128i);
                let m = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, pct), _mm_cmpeq_epi8(v, bsl)),
                    _mm_or_si128(
                        _mm_cmpeq_epi8(v, amp),
                        _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl), _mm_cmpeq_epi8(v, del)),
                    ),
                );
                let bits = _mm_movemask_epi8(m) as u32;
                if bits != 0 {
                    return Some(end - 16 + 31 - bits.leading_zeros() as usize);
                }
                end -= 16;
            }
        }
    }
    t[..end]
        .iter()
        .rposition(|&b| matches!(b, b'%' | b'\\' | b'&') || b < 0x20 || b == 0x7f)
}

/// Whether `t` holds at least one escape.
pub fn has_escape(t: &[u8]) -> bool {
    let mut scratch = [0u8; 4];
    let mut i = 0;
    while let Some(k) = next_escape_byte(&t[i..]) {
        if escape_at(t, i + k, &mut scratch).is_some() {
            return true;
        }
        i += k + 1;
    }
    false
}

impl Decoded {
    /// The source range decoded byte `k` came from.
    #[inline]
    pub fn range(&self, k: usize) -> (usize, usize) {
        if self.dense {
            return (self.start[k] as usize, self.end[k] as usize);
        }
        let k = k as u32;
        // the last escape that starts at or before `k`
        let i = self.escapes.partition_point(|e| e.0 <= k);
        if i == 0 {
            let s = self.from + k;
            return (s as usize, s as usize + 1);
        }
        let (d, n, s, e) = self.escapes[i - 1];
        if k < d + n {
            (s as usize, e as usize)
        } else {
            let s = e + (k - d - n);
            (s as usize, s as usize + 1)
        }
    }

    /// Decodes `src[from..to]` through all its layers. Returns false when
    /// nothing was decoded (the span holds no escape).
    #[inline(never)]
    pub fn decode(&mut self, src: &[u8], from: usize, to: usize) -> bool {
        let span = &src[from..to];
        self.text.clear();
        self.escapes.clear();
        self.dense = false;
        self.from = from as u32;
        // the first layer straight from the source
        let mut i = 0;
        let mut buf = [0u8; 4];
        // whether a second layer can hold an escape: a decoded `%`, `\\` or
        // `&`, or one of the source that was no escape shortly before decoded
        // bytes (`&%2364;` is `&#64;` after one layer)
        let mut deeper = false;
        let mut stray_at = usize::MAX;
        while let Some(k) = next_escape_byte(&span[i..]) {
            let at = i + k;
            let Some((len, n)) = escape_at(span, at, &mut buf) else {
                stray_at = at + 1;
                i = at + 1;
                continue;
            };
            // (an escape is at most 40 bytes long: `&#x%34%30;` is one)
            // (a run of control bytes that stands for nothing brings the
            // bytes around it together)
            deeper |= (stray_at != usize::MAX && at - stray_at < 40)
                || n == 0
                || buf[..n]
                    .iter()
                    .any(|&b| matches!(b, b'%' | b'\\' | b'&') || is_control(b));
            let run_from = self.escapes.last().map_or(0, |e| (e.3 - self.from) as usize);
            self.text.extend_from_slice(&span[run_from..at]);
            self.escapes.push((
                self.text.len() as u32,
                n as u32,
                (from + at) as u32,
                (from + at + len) as u32,
            ));
            self.text.extend_from_slice(&buf[..n]);
            i = at + len;
        }
        let Some(&(_, _, _, last_end)) = self.escapes.last() else {
            return false;
        };
        self.text.extend_from_slice(&span[(last_end - self.from) as usize..]);
        if !deeper || !has_escape(&self.text) {
            return true;
        }
        // more layers: a range per byte from here on
        self.start.clear();
        self.end.clear();
        let mut src_pos = self.from;
        let mut k = 0u32;
        for &(d, n, s, e) in &self.escapes {
            while k < d {
                self.start.push(src_pos);
                self.end.push(src_pos + 1);
                src_pos += 1;
                k += 1;
            }
            for _ in 0..n {
                self.start.push(s);
                self.end.push(e);
            }
            k += n;
            src_pos = e;
        }
        while (k as usize) < self.text.len() {
            self.start.push(src_pos);
            self.end.push(src_pos + 1);
            src_pos += 1;
            k += 1;
        }
        self.dense = true;
        for _ in 1..MAX_LAYERS {
            if !has_escape(&self.text) || !self.layer() {
                break;
            }
        }
        true
    }

    /// Peels one more layer; false when nothing was decoded.
    fn layer(&mut self) -> bool {
        let (t, s, e) = (&self.text, &self.start, &self.end);
        let (nt, ns, ne) = &mut self.next;
        nt.clear();
        ns.clear();
        ne.clear();
        let mut changed = false;
        let mut i = 0;
        let mut buf = [0u8; 4];
        while let Some(k) = next_escape_byte(&t[i..]) {
            let at = i + k;
            match escape_at(t, at, &mut buf) {
                Some((len, n)) => {
                    nt.extend_from_slice(&t[i..at]);
                    ns.extend_from_slice(&s[i..at]);
                    ne.extend_from_slice(&e[i..at]);
                    let (from, to) = (s[at], e[at + len - 1]);
                    for &b in &buf[..n] {
                        nt.push(b);
                        ns.push(from);
                        ne.push(to);
                    }
                    i = at + len;
                    changed = true;
                }
                None => {
                    nt.extend_from_slice(&t[i..=at]);
                    ns.extend_from_slice(&s[i..=at]);
                    ne.extend_from_slice(&e[i..=at]);
                    i = at + 1;
                }
            }
        }
        if !changed {
            return false;
        }
        nt.extend_from_slice(&t[i..]);
        ns.extend_from_slice(&s[i..]);
        ne.extend_from_slice(&e[i..]);
        std::mem::swap(&mut self.text, nt);
        std::mem::swap(&mut self.start, ns);
        std::mem::swap(&mut self.end, ne);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(s: &str) -> (String, Vec<(u32, u32)>) {
        let mut d = Decoded::default();
        if !d.decode(s.as_bytes(), 0, s.len()) {
            return (s.to_string(), Vec::new());
        }
        let m = (0..d.text.len())
            .map(|k| {
                let (a, b) = d.range(k);
                (a as u32, b as u32)
            })
            .collect();
        (String::from_utf8_lossy(&d.text).into_owned(), m)
    }

    #[test]
    fn escape_byte_searches_find_the_first_and_last() {
        for n in 0..70 {
            for k in 0..n {
                for c in [b'%', b'\\', b'&'] {
                    let mut t = vec![b'a'; n];
                    t[k] = c;
                    assert_eq!(last_escape_byte(&t), Some(k), "{n} {k}");
                    assert_eq!(next_escape_byte(&t), Some(k), "{n} {k}");
                    if k + 1 < n {
                        t[k + 1] = b'%';
                        assert_eq!(next_escape_byte(&t), Some(k), "{n} {k}");
                        t[k + 1] = b'a';
                    }
                    if k > 0 {
                        t[k - 1] = b'&';
                        assert_eq!(last_escape_byte(&t), Some(k), "{n} {k}");
                    }
                }
            }
            assert_eq!(last_escape_byte(&vec![b'a'; n]), None);
            assert_eq!(next_escape_byte(&vec![b'a'; n]), None);
        }
    }

    #[test]
    fn every_family_and_depth() {
        assert_eq!(view("198%2E51%2E100%2E7").0, "198.51.100.7");
        assert_eq!(view("a%252540b").0, "a@b");
        assert_eq!(view("a%25252540b").0, "a@b");
        assert_eq!(view(r"john\u0040example.com").0, "john@example.com");
        assert_eq!(view(r"\ud83d\ude00!").0, "\u{1F600}!");
        assert_eq!(view(r"{\x22ip\x22:\x2245.67.89.12\x22}").0, r#"{"ip":"45.67.89.12"}"#);
        assert_eq!(view("&amp;token=abc&#64;&#x40;&#64x").0, "&token=abc@@@x");
        assert_eq!(view(r"\u0025\u0034\u0030").0, "@");
        assert_eq!(view("%u0040").0, "@");
        assert_eq!(view("&#x%34%30;").0, "@");
        assert_eq!(view("&%2364;").0, "@");
        assert_eq!(view("%%34%30").0, "@");
        assert_eq!(view("a&#x4%30;b").0, "a@b");
        assert_eq!(view("a&#6%34;b").0, "a@b");
        assert_eq!(view("a&ouml;b").0, "a\u{FFFD}b");
        assert_eq!(view("a&b=c %zz \\q").0, "a&b=c %zz \\q");
    }

    #[test]
    fn map_covers_whole_escapes() {
        let (t, m) = view("x%2540y");
        assert_eq!(t, "x@y");
        assert_eq!(m, [(0, 1), (1, 6), (6, 7)]);
        let (t, m) = view(r"\u00e9");
        assert_eq!(t, "é");
        assert_eq!(m, [(0, 6), (0, 6)]);
    }

    #[test]
    fn control_bytes_are_read_through() {
        // a run of control bytes stands for the byte after it
        let (t, m) = view("a\u{0}\u{1}@b");
        assert_eq!(t, "a@b");
        assert_eq!(m, [(0, 1), (1, 4), (4, 5)]);
        // a terminal's escape sequence too
        assert_eq!(view("1\u{1b}[0;31m.2").0, "1.2");
        // tabs and line ends are no control bytes here; one at the end stays
        assert_eq!(view("a\tb").0, "a\tb");
        assert_eq!(view("ab\u{0}").0, "ab\u{0}");
        // an escape behind a control byte is decoded in the next layer
        assert_eq!(view("a\u{0}%40b").0, "a@b");
        // a long run, and a control byte from an escape, are read through
        // (found by the `engine` fuzz target: `cc=41` and 66 NULs)
        assert_eq!(view(&format!("41{}11", "\u{0}".repeat(100))).0, "4111");
        assert_eq!(view("41%00%0011").0, "4111");
    }
}
