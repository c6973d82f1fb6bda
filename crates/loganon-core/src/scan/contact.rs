//! Contact data: email addresses (any script and encoding, quoted local
//! parts, address literals; not file names like `logo@2x.png`) and E.164
//! phone numbers in parameter values.

use crate::addr::{is_digit, parse_v4_at, parse_v6};

use super::bytes::{is_domain_char, is_letter, is_local_char};
use super::sink::{Kind, Sink};
use super::state::Scanner;
use super::state::{Run, FAR, NO_PHONE};

impl Scanner<'_> {
    /// An `@` at `i`: an email address. The local part is any run of
    /// RFC 5322 atext or non-ASCII bytes, or a quoted string
    /// (`"john doe"@`); the domain has an alphabetic, non-ASCII or
    /// punycode top-level label, or is an address literal (`@[192.0.2.1]`).
    pub(super) fn at<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let after = i + 1;
        let mut k = i;
        while k > self.floor && is_local_char(s[k - 1]) && i - k < 512 {
            k -= 1;
        }
        if k == i && i > self.floor + 1 && s[i - 1] == b'"' {
            // a quoted local part: back to its opening quote
            let from = self.floor.max((i - 1).saturating_sub(128));
            if let Some(q) = memchr::memrchr(b'"', &s[from..i - 1]) {
                if from + q + 1 < i - 1 {
                    k = from + q;
                }
            }
        }
        // a quote or dot before the name is not part of it (`'john@x.com'`)
        while k < i && matches!(s[k], b'\'' | b'.') {
            k += 1;
        }
        if k == i {
            return after;
        }
        if s.get(after) == Some(&b'[') {
            if let Some(close) = memchr::memchr(b']', &s[after..s.len().min(after + 64)]) {
                let lit = &s[after + 1..after + close];
                let lit = lit.strip_prefix(b"IPv6:").unwrap_or(lit);
                if parse_v4_at(lit, 0).is_some_and(|(_, e)| e == lit.len()) || parse_v6(lit).is_some() {
                    let d = after + close + 1;
                    self.redact(sink, k, d, Kind::Email);
                    self.floor = d;
                    return d;
                }
            }
            return after;
        }
        let Some(d) = email_domain_end(s, after) else {
            return after;
        };
        self.redact(sink, k, d, Kind::Email);
        self.floor = d;
        d
    }

    /// A `+` at `p`: a phone number in international form written anywhere,
    /// its groups apart or not (`+4915112345678`, `+49 151 12345678`,
    /// `+1 (415) 555-2671`, `+33.1.23.45.67.89`): a country code (one to
    /// three digits, no 0), then groups of digits (one in parentheses may
    /// be) each after one space, `-` or `.`, or all the digits in one
    /// group; 8 to 15 digits in all, standing apart from letters and
    /// digits (a `+` before the `+` is no letter: `++4915112345678`, where
    /// a form-encoded value's `+` is a space). Values (`?to=%2B49...`)
    /// have their own rule.
    pub(super) fn plus_sign<S: Sink>(&mut self, p: usize, sink: &mut S) -> usize {
        let s = self.s;
        if !s.get(p + 1).is_some_and(|&b| matches!(b, b'1'..=b'9'))
            || (p > self.floor && s[p - 1].is_ascii_alphanumeric())
        {
            return p + 1;
        }
        self.phone_text(p, sink).unwrap_or(p + 1)
    }

    #[cold]
    #[inline(never)]
    fn phone_text<S: Sink>(&mut self, p: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let (mut i, mut digits, mut groups) = (p + 1, 0usize, 0usize);
        // where the groups read so far end
        let mut last = i;
        loop {
            // a group: digits, or one to four in parentheses
            let paren = s.get(i) == Some(&b'(');
            let from = if paren { i + 1 } else { i };
            let mut e = from;
            while e < s.len() && is_digit(s[e]) && e - from < 15 {
                e += 1;
            }
            if e == from || (paren && (e - from > 4 || s.get(e) != Some(&b')'))) {
                if groups == 0 {
                    return None;
                }
                // what follows is no group: the number ends before it
                // (`+4412345678(12345`: fail closed, as `check` reads it)
                i = last;
                break;
            }
            digits += e - from;
            groups += 1;
            i = if paren { e + 1 } else { e };
            last = i;
            // a separator, then the next group (none needed around
            // parentheses: `+44 (0)20 7946 0958`)
            match (s.get(i), s.get(i + 1)) {
                _ if groups >= 8 => break,
                (Some(b' ' | b'-' | b'.'), Some(&n)) if is_digit(n) || n == b'(' => i += 1,
                (Some(b'('), _) => {}
                (Some(&d), _) if paren && is_digit(d) => {}
                _ => break,
            }
        }
        let glued = s.get(i).is_some_and(|&b| {
            b.is_ascii_alphanumeric() || b == b'@' || (b == b'.' && s.get(i + 1).is_some_and(|&c| is_digit(c)))
        });
        // groups apart: the first is a country code, one to three digits
        // (HAProxy's `+99627 200 83285` is a timer, a status and a size)
        let country = s[p + 1..].iter().take_while(|&&b| is_digit(b)).count();
        if !(8..=15).contains(&digits) || glued || (groups > 1 && country > 3) {
            // the first group alone may still be one number (`+11111086-0`:
            // eight digits, and a `-0` that is no group of it)
            let e = p + 1 + country;
            let glued = s.get(e).is_some_and(|&b| {
                b.is_ascii_alphanumeric() || b == b'@' || (b == b'.' && s.get(e + 1).is_some_and(|&c| is_digit(c)))
            });
            if groups > 1 && (8..=15).contains(&country) && !glued {
                self.redact(sink, p, e, Kind::Phone);
                self.floor = e;
                return Some(e);
            }
            return None;
        }
        self.redact(sink, p, i, Kind::Phone);
        self.floor = i;
        Some(i)
    }

    /// Reports the phone number [`Scanner::value_phone`] found further on, unless
    /// a finding took its bytes meanwhile.
    #[cold]
    pub(super) fn pending_phone<S: Sink>(&mut self, sink: &mut S) -> usize {
        let (p, e) = std::mem::replace(&mut self.phone, NO_PHONE);
        if p >= self.floor {
            self.redact(sink, p, e, Kind::Phone);
            self.floor = e;
        }
        e.max(self.floor)
    }

    /// A short value at `v` that is an E.164 number whose `+` became a space
    /// (`%20`), reported; its end.
    #[inline(always)]
    pub(super) fn spaced_phone<S: Sink>(&mut self, v: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        if s.get(v) == Some(&b' ') && s.get(v + 1).is_some_and(|b| (b'1'..=b'9').contains(b)) {
            if let Some(e) = phone_end(s, v + 1) {
                self.redact(sink, v, e, Kind::Phone);
                self.floor = e;
                return Some(e);
            }
        }
        None
    }

    /// An E.164 number in the value `v..end`: reported at once when it
    /// opens the value (its end returned), else noted to be reported when
    /// the scan gets there (what is before it in the value is scanned
    /// first; `v` returned).
    #[inline(always)]
    pub(super) fn value_phone<S: Sink>(&mut self, v: usize, end: usize, sink: &mut S) -> usize {
        if let Some((p, e)) = self.phone_at(v, end) {
            if p == v {
                self.redact(sink, v, e, Kind::Phone);
                self.floor = e;
                return e;
            }
            // inside a value a `+` may be the space it means in a query
            // (`q=call+4915...`): it stays, the digits go
            self.phone = (p + 1, e);
        }
        v
    }

    /// [`phone_in`] of the value `v..end`.
    #[inline]
    fn phone_at(&mut self, v: usize, end: usize) -> Option<(usize, usize)> {
        if end - v <= FAR {
            phone_in(self.s, v, end)
        } else {
            self.phone_in_far(v, end)
        }
    }

    /// [`phone_in`] of a long value: the first `+` that starts a phone
    /// number at or after `v` is remembered (whether one does depends on
    /// the bytes around it only), so the value of a later `=` inside this
    /// one is not read again.
    #[cold]
    #[inline(never)]
    fn phone_in_far(&mut self, v: usize, end: usize) -> Option<(usize, usize)> {
        let s = self.s;
        if s[v] == b' ' && s.get(v + 1).is_some_and(|b| (b'1'..=b'9').contains(b)) {
            if let Some(e) = phone_end(s, v + 1) {
                return Some((v, e));
            }
        }
        let (memo, e) = self.ahead().plus;
        let (k, e) = match memo.end_from(v) {
            Some(k) => (k, e),
            None => {
                // (the byte before `v` is the value's `=`, no digit)
                let mut k = v;
                let found = loop {
                    match memchr::memchr(b'+', &s[k..]) {
                        None => break (s.len(), 0),
                        Some(d) => k += d,
                    }
                    if !is_digit(s[k - 1]) && s.get(k + 1).is_some_and(|b| (b'1'..=b'9').contains(b)) {
                        if let Some(e) = phone_end(s, k + 1) {
                            break (k, e);
                        }
                    }
                    k += 1;
                };
                self.ahead().plus = (Run { from: v, to: found.0 }, found.1);
                found
            }
        };
        (k < end).then_some((k, e))
    }
}

/// The first E.164 number in the value `v..end`: a `+` (raw or `%2B`) not
/// after a digit (`1+49...` is a sum), then 8 to 15 digits, the first not 0.
/// Its span, `+` included. A space opening the value (a `%20`, the space a
/// `+` means in a query) counts as the `+`.
fn phone_in(s: &[u8], v: usize, end: usize) -> Option<(usize, usize)> {
    if end < v + 9 {
        return None;
    }
    let mut k = if s[v] == b' ' {
        v
    } else {
        v + s[v..end].iter().position(|&b| b == b'+')?
    };
    loop {
        if (k == v || !is_digit(s[k - 1])) && s.get(k + 1).is_some_and(|b| (b'1'..=b'9').contains(b)) {
            if let Some(e) = phone_end(s, k + 1) {
                return Some((k, e));
            }
        }
        k += 1 + s.get(k + 1..end)?.iter().position(|&b| b == b'+')?;
    }
}

/// The end of an E.164 number whose digits start at `d` (after its `+`): 8
/// to 15 digits, not glued to letters or more digits (nor a decimal
/// fraction, nor an email's `@`).
fn phone_end(s: &[u8], d: usize) -> Option<usize> {
    let mut e = d;
    while e < s.len() && is_digit(s[e]) && e - d <= 15 {
        e += 1;
    }
    let n = e - d;
    let glued = e < s.len()
        && (s[e].is_ascii_alphanumeric()
            || s[e] == b'@'
            || (s[e] == b'.' && s.get(e + 1).is_some_and(u8::is_ascii_digit)));
    ((8..=15).contains(&n) && !glued).then_some(e)
}

/// The end of an email's domain from `from` (after its `@`), with what
/// another `@` glues on (`a@b.cc@d.ee` goes whole).
pub(super) fn email_domain_end(s: &[u8], from: usize) -> Option<usize> {
    let mut d = domain_end(s, from)?;
    while s.get(d) == Some(&b'@') {
        match domain_end(s, d + 1) {
            Some(e) => d = e,
            None => break,
        }
    }
    Some(d)
}

/// The end of a domain name starting at `from`, if there is one there.
pub(super) fn domain_end(s: &[u8], from: usize) -> Option<usize> {
    let mut d = from;
    // (a bound for time, not for what a domain is: `check` reads any run)
    while d < s.len() && is_domain_char(s[d]) && d - from < 4096 {
        d += 1;
    }
    while d > from && matches!(s[d - 1], b'.' | b'-') {
        d -= 1;
    }
    if is_domain(&s[from..d]) {
        return Some(d);
    }
    // a file name (`pkg@latest.min.css`): no shorter reading either
    if let Some(dot) = memchr::memrchr(b'.', &s[from..d]) {
        if is_file_extension(&s[from + dot + 1..d]) {
            return None;
        }
    }
    // Fail closed: `x@y.com1.2.3.4` is no domain as a whole, but it starts
    // with one (`y.com`, its top-level label glued to what follows); then the
    // whole run goes.
    (from..d)
        .rev()
        .filter(|&p| is_letter(s[p - 1]) && !is_letter(s[p]))
        .any(|p| is_domain(&s[from..p]))
        .then_some(d)
}

/// A domain with at least two labels and a top-level label of letters
/// (ASCII or not: `.de`, `.中国` in UTF-8) or punycode (`.xn--p1ai`).
fn is_domain(d: &[u8]) -> bool {
    if d.is_empty() || d[0] == b'.' || d[0] == b'-' {
        return false;
    }
    // the last dot: `.`, or one that IDNA reads as a dot (U+3002, U+FF0E,
    // U+FF61 in UTF-8: `example。com`)
    let mut dot = None;
    let mut k = 0;
    while k < d.len() {
        let w = idn_dot(&d[k..]);
        if w > 0 {
            dot = Some((k, w));
            k += w;
        } else {
            k += 1;
        }
    }
    let Some((dot, w)) = dot else {
        return false;
    };
    let tld = &d[dot + w..];
    let letters = tld.len() >= 2 && tld.iter().all(|&b| is_letter(b)) && !is_file_extension(tld);
    let puny =
        tld.len() > 4 && tld[..4].eq_ignore_ascii_case(b"xn--") && tld[4..].iter().all(u8::is_ascii_alphanumeric);
    (letters || puny) && !d.windows(2).any(|w| w == b"..")
}

/// File name extensions that are no top-level domain, so `logo@2x.png`,
/// `pkg@latest.min.css` and `file@v1.js` are file names, not emails. Each
/// was checked against the IANA root zone: none is delegated (unlike `.zip`,
/// `.mov`, `.py`, `.sh`, `.md` or `.rs`, which are, and so are not here).
const FILE_EXTENSIONS: [&[u8]; 22] = [
    b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"avif", b"bmp", b"ico", b"css", b"js", b"mjs", b"map", b"json",
    b"xml", b"html", b"htm", b"php", b"txt", b"woff", b"ttf", b"pdf",
];

fn is_file_extension(tld: &[u8]) -> bool {
    tld.len() <= 4 && FILE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e))
}

/// The length of a dot at the start of `t`: 1 for `.`, 3 for the UTF-8 of
/// the dots IDNA maps to `.` (U+3002, U+FF0E, U+FF61), else 0.
fn idn_dot(t: &[u8]) -> usize {
    match t {
        [b'.', ..] => 1,
        [0xE3, 0x80, 0x82, ..] | [0xEF, 0xBC, 0x8E, ..] | [0xEF, 0xBD, 0xA1, ..] => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use crate::scan::bytes::ends_value;
    use crate::scan::testing::found;
    use crate::scan::testing::{made_of, scanner};

    #[test]
    fn emails() {
        assert_eq!(found("mailto:john.doe@example.co.uk)"), ["email 7..29"]);
        assert_eq!(found("q=john%40example.com"), ["email 2..20"]);
        assert_eq!(found("q=john%2540example.com"), ["email 2..22"]);
        assert_eq!(found("a@b"), Vec::<String>::new());
        assert_eq!(found("/@alice/posts"), Vec::<String>::new());
    }

    proptest::proptest! {
        /// The phone number found in the value of each `=` in turn, through
        /// what is remembered of long values, is the one found reading each
        /// value again.
        #[test]
        fn phone_numbers_read_ahead_are_those_found(picks in proptest::collection::vec(0usize..12, 0..300)) {
            let s = made_of(&["+4915112345678", "+", "1", "12345678", "=", " ", "a", "&", "0", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1+49151123456789", "@"], &picks);
            let rules = Rules::default();
            let mut sc = scanner(&s, &rules);
            for v in (1..=s.len()).filter(|&v| s[v - 1] == b'=') {
                let end = v + s[v..].iter().take_while(|&&b| !ends_value(b)).count();
                proptest::prop_assert_eq!(sc.phone_at(v, end), phone_in(&s, v, end));
            }
        }
    }
}
