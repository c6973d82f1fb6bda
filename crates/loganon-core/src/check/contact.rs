//! The oracle's contact detectors: email addresses (not file names such as
//! `logo@2x.png`; address literals too) and E.164 phone numbers in values.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::{mask, Oracle};

/// The family's expressions.
struct Res {
    email: Regex,
    literal_email: Regex,
    /// a quoted local part (`"john doe"@example.com`)
    quoted_email: Regex,
    /// a phone number in international form anywhere: `+` and its digits,
    /// or a country code of one to three digits and groups apart by one
    /// space, `-` or `.`, one in parentheses may be
    text_phone: Regex,
}

/// The email detectors, built once.
fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Res {
            email: re(r#"(?-u)[A-Za-z0-9\x80-\xff_%+\-!$*^~][A-Za-z0-9\x80-\xff._%+\-'!$*^~]*@(?:[A-Za-z0-9\x80-\xff][A-Za-z0-9\x80-\xff-]*(?:\.|\xe3\x80\x82|\xef\xbc\x8e|\xef\xbd\xa1))+(?:[A-Za-z\x80-\xff]{2,}|xn--[A-Za-z0-9]+)"#),
            text_phone: re(r"(?-u)(?:^|[^0-9A-Za-z+])(\+(?:[1-9][0-9]{0,2}(?:[ .\-]?\([0-9]{1,4}\)[0-9]*|[ .\-][0-9]+)+|[1-9][0-9]*))"),
            quoted_email: re(r#"(?-u)"[^"\\\r\n@]{1,64}"@(?:[A-Za-z0-9\x80-\xff][A-Za-z0-9\x80-\xff-]*\.)+(?:[A-Za-z\x80-\xff]{2,}|xn--[A-Za-z0-9]+)"#),
            literal_email: re(r#"(?-u)[A-Za-z0-9\x80-\xff_%+\-!$*^~][A-Za-z0-9\x80-\xff._%+\-'!$*^~]*@\[(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|(?:IPv6:)?[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)\]"#),
        }
    })
}

/// File name extensions that are no top-level domain: `logo@2x.png` is a
/// file name (written again; none is in the IANA root zone).
fn file_extension(tld: &[u8]) -> bool {
    let t = String::from_utf8_lossy(tld).to_ascii_lowercase();
    [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "css", "js", "mjs", "map", "json", "xml",
        "html", "htm", "php", "txt", "woff", "ttf", "pdf",
    ]
    .contains(&t.as_str())
}

impl Oracle<'_> {
    /// Email addresses with a domain name, with a plain or a quoted local part.
    pub(super) fn emails(&mut self, t: &[u8]) {
        let d = res();
        for m in d.email.find_iter(t).chain(d.quoted_email.find_iter(t)) {
            let m = m.as_bytes();
            let tld = &m[m.iter().rposition(|&b| b == b'.').map_or(0, |k| k + 1)..];
            if !file_extension(tld) {
                self.found.push(("email", mask(m)));
            }
        }
    }

    /// Phone numbers in international form written anywhere (8 to 15
    /// digits, not glued to a letter, a digit or an `@` after them).
    pub(super) fn text_phones(&mut self, t: &[u8]) {
        let d = res();
        for c in d.text_phone.captures_iter(t) {
            let m = c.get(1).expect("the group is in every match");
            let digits = m.as_bytes().iter().filter(|b| b.is_ascii_digit()).count();
            let after = &t[m.end()..];
            let glued = after.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
                || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit));
            if (8..=15).contains(&digits) && !glued {
                self.found.push(("phone", mask(m.as_bytes())));
            }
        }
    }

    /// Email addresses with an address literal (`a@[192.0.2.1]`).
    pub(super) fn literal_emails(&mut self, t: &[u8]) {
        let d = res();
        for m in d.literal_email.find_iter(t) {
            let m = m.as_bytes();
            let lit = &m[memchr::memchr(b'[', m).unwrap_or(0) + 1..m.len() - 1];
            let lit = std::str::from_utf8(lit).unwrap_or("");
            let lit = lit.strip_prefix("IPv6:").unwrap_or(lit);
            if lit.parse::<Ipv4Addr>().is_ok() || lit.parse::<Ipv6Addr>().is_ok() {
                self.found.push(("email", mask(m)));
            }
        }
    }

    /// The first E.164 number of the value at `start` (`len` bytes long):
    /// `+` (not after a digit) or a space opening the value, then 8 to 15
    /// digits, the first not 0. Where the first `+` that opens one lies at
    /// or after `start` is remembered: it depends on the bytes around it
    /// only, and values that run on over spaces reach over those after
    /// them (the byte before a value is its `=`, no digit).
    pub(super) fn value_phone(&mut self, t: &[u8], start: usize, len: usize) {
        // 8 to 15 digits after `k`, not glued: the number's end
        let number = |k: usize| {
            let digits = t[k + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            let after = &t[k + 1 + digits..];
            let glued = after.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
                || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit));
            ((8..=15).contains(&digits) && t[k + 1] != b'0' && !glued).then_some(k + 1 + digits)
        };
        let last = start + t.len().saturating_sub(start).min(len.max(1));
        if start >= last {
            return;
        }
        if t[start] == b' ' {
            if let Some(e) = number(start) {
                self.found.push(("phone", mask(&t[start..e])));
                return;
            }
        }
        let at = match self.ahead.plus {
            Some((from, at)) if from <= start && start <= at => at,
            _ => {
                let mut k = start;
                let at = loop {
                    match memchr::memchr(b'+', &t[k..]) {
                        Some(d) => k += d,
                        None => break t.len(),
                    }
                    if (k == start || !t[k - 1].is_ascii_digit()) && number(k).is_some() {
                        break k;
                    }
                    k += 1;
                };
                self.ahead.plus = Some((start, at));
                at
            }
        };
        if at < last {
            if let Some(e) = number(at) {
                self.found.push(("phone", mask(&t[at..e])));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::oracle::{mask, Oracle};
    use crate::keyed::IpMode;
    use crate::rules::Rules;

    /// The phone detector of a value as it was written first, reading the
    /// value again each time.
    fn first_phone(t: &[u8], start: usize, len: usize) -> Option<String> {
        let line_rest = &t[start..];
        for k in 0..line_rest.len().min(len.max(1)) {
            let lead = line_rest[k] == b'+' || (k == 0 && line_rest[k] == b' ');
            if !lead || (k > 0 && line_rest[k - 1].is_ascii_digit()) {
                continue;
            }
            let digits: Vec<u8> = line_rest[k + 1..]
                .iter()
                .copied()
                .take_while(u8::is_ascii_digit)
                .collect();
            let after = &line_rest[k + 1 + digits.len()..];
            let glued = after.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
                || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit));
            if (8..=15).contains(&digits.len()) && digits[0] != b'0' && !glued {
                return Some(mask(&line_rest[k..k + 1 + digits.len()]));
            }
        }
        None
    }

    proptest::proptest! {
        /// The phone number found in each value in turn, through what is
        /// remembered, is the one found reading each value again.
        #[test]
        fn phone_numbers_read_ahead_are_those_found(
            picks in proptest::collection::vec(0usize..11, 0..200),
            lens in proptest::collection::vec(0usize..120, 200),
        ) {
            let parts = ["+4915112345678", "+", "1", "12345678", "=", " ", "a", "&", "0", "1+49151123456789", "@"];
            let t: Vec<u8> = picks.iter().flat_map(|&k| parts[k].bytes()).collect();
            let rules = Rules::default();
            let mut o = Oracle::new(&rules.addr, IpMode::Truncate, &rules.deny);
            for (v, len) in (1..=t.len()).filter(|&v| t[v - 1] == b'=').zip(lens) {
                let before = o.found.len();
                o.value_phone(&t, v, len);
                let got = (o.found.len() > before).then(|| o.found.last.clone().unwrap().1);
                proptest::prop_assert_eq!(got, first_phone(&t, v, len), "{}", v);
            }
        }
    }
}
