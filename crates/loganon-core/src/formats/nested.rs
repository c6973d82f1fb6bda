//! Lines inside JSON strings: a Docker json-file record (`{"log":"<access
//! line>\n",...}`), a `msg` holding serialized JSON, a logged request body.
//! One layer of JSON string escapes is undone, with the source range of
//! every decoded byte kept, so that the inner line can be recognised and the
//! roles of its fields applied to the bytes they came from.

/// Whether a JSON string's content may hold a line or an object worth
/// recognising: it ends with `\n` (a Docker record's line), or it holds an
/// escaped quote (a CLF request or quoted user, a JSON key: an object
/// anywhere, `done {\"user\":...}`, or a line cut short, `::1 - \"bob`,
/// which `check` reads as a broken CLF head too). A byte test or two for
/// the strings that hold no backslash at all.
pub(crate) fn may_nest(v: &[u8]) -> bool {
    if v.len() < 6 {
        return false;
    }
    // a Docker record's line ends with `\n`, whatever it holds
    if v.ends_with(b"\\n") {
        return true;
    }
    let Some(k) = memchr::memchr(b'\\', v) else {
        return false;
    };
    let quoted = memchr::memchr_iter(b'\\', &v[k..]).any(|j| {
        let e = &v[k + j + 1..];
        e.first() == Some(&b'"') || e.get(..5).is_some_and(|u| u.eq_ignore_ascii_case(b"u0022"))
    });
    quoted
}

/// A JSON string's content with its escapes undone once.
#[derive(Debug, Default)]
pub(crate) struct Unescaped {
    /// The unescaped bytes.
    pub text: Vec<u8>,
    /// for each byte of `text`, the range of source bytes it came from
    pub src: Vec<(u32, u32)>,
}

fn hex4(t: &[u8]) -> Option<u32> {
    let t = t.get(..4)?;
    let s = std::str::from_utf8(t).ok()?;
    u32::from_str_radix(s, 16).ok()
}

impl Unescaped {
    /// Undoes `\" \\ \/ \b \f \n \r \t \uXXXX` (surrogate pairs joined; a
    /// lone one becomes U+FFFD) in `v`. Anything else is kept as it is.
    pub(crate) fn unescape(&mut self, v: &[u8]) {
        self.text.clear();
        self.src.clear();
        let mut i = 0;
        while i < v.len() {
            let b = v[i];
            if b != b'\\' || i + 1 >= v.len() {
                self.push(b, i, i + 1);
                i += 1;
                continue;
            }
            let simple = match v[i + 1] {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b'/' => Some(b'/'),
                b'b' => Some(8),
                b'f' => Some(12),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                _ => None,
            };
            if let Some(c) = simple {
                self.push(c, i, i + 2);
                i += 2;
                continue;
            }
            if v[i + 1] == b'u' {
                if let Some(hi) = hex4(&v[i + 2..]) {
                    let mut end = i + 6;
                    let mut cp = hi;
                    if (0xd800..0xdc00).contains(&hi) && v.get(end) == Some(&b'\\') && v.get(end + 1) == Some(&b'u') {
                        if let Some(lo) = hex4(&v[end + 2..]).filter(|lo| (0xdc00..0xe000).contains(lo)) {
                            cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                            end += 6;
                        }
                    }
                    let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    for &x in c.encode_utf8(&mut buf).as_bytes() {
                        self.push(x, i, end);
                    }
                    i = end;
                    continue;
                }
            }
            self.push(b, i, i + 1);
            i += 1;
        }
    }

    /// Undoes one more layer of escapes in `text`, the source ranges still
    /// of the original bytes; false when `text` holds no backslash.
    pub(crate) fn unescape_again(&mut self) -> bool {
        if memchr::memchr(b'\\', &self.text).is_none() {
            return false;
        }
        let outer = std::mem::take(&mut self.src);
        let text = std::mem::take(&mut self.text);
        self.unescape(&text);
        for r in self.src.iter_mut() {
            *r = (outer[r.0 as usize].0, outer[r.1 as usize - 1].1);
        }
        true
    }

    fn push(&mut self, b: u8, s: usize, e: usize) {
        self.text.push(b);
        self.src.push((s as u32, e as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_keeps_source_ranges() {
        let mut u = Unescaped::default();
        u.unescape(br#"a\"b\u00e9\ud83d\ude00\n\q"#);
        assert_eq!(u.text, "a\"b\u{e9}\u{1f600}\n\\q".as_bytes());
        assert_eq!(u.src[1], (1, 3));
        assert_eq!(u.src[3], (4, 10));
        assert_eq!(u.src[4], (4, 10));
        assert_eq!(u.src[5], (10, 22));
        assert_eq!(u.src[9], (22, 24));
        assert!(may_nest(br#"1.2.3.4 - bob [01/Jan/2026] \"GET / HTTP/1.1\" 200 5\n"#));
        assert!(may_nest(br#"{\"user\":\"bob\",\"x\":1}"#));
        assert!(!may_nest(br#"Mozilla/5.0 (X11; Linux x86_64)"#));
        assert!(may_nest(br#"{\u0022user\u0022:\u0022bob\u0022}"#));
        // a line cut short after a quoted user: no object, yet a line
        assert!(may_nest(br#"::1 - \"bob"#));
        assert!(!may_nest(br#"\"bob"#));
        // twice escaped: each layer keeps the original ranges
        u.unescape(br#"{\\\"a\\\":1}"#);
        assert_eq!(u.text, br#"{\"a\":1}"#);
        assert!(u.unescape_again());
        assert_eq!(u.text, br#"{"a":1}"#);
        assert_eq!(u.src[1], (1, 5));
        assert!(!u.unescape_again());
    }
}
