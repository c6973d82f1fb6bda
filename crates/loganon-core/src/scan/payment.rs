//! Payment data: card numbers (an issuer prefix and the Luhn check; in runs
//! of digits, in values, grouped by spaces, dashes, dots or `+`) and IBANs
//! (the country's length and the mod-97 check; compact or in groups of four).

use crate::addr::is_digit;

use super::bytes::{ends_value, luhn};
use super::sink::{Kind, Sink};
use super::state::{Run, Scanner, FAR};

impl Scanner<'_> {
    /// A card number starting at `p`: 13 to 19 digits, grouped or not by
    /// one kind of separator (` `, `-`, `.` or `+`), with a valid issuer
    /// prefix and the Luhn check, not glued to letters or digits, and not the
    /// local part of an email. Its end, if it is one.
    pub(super) fn card_at(&self, p: usize) -> Option<usize> {
        let s = self.s;
        // no issuer starts with 0, 1, 7, 8 or 9: most digit runs end here
        if p < self.floor || !s.get(p).is_some_and(|&b| matches!(b, b'2'..=b'6')) {
            return None;
        }
        if p > 0 && s[p - 1].is_ascii_alphanumeric() {
            return None;
        }
        let mut digits = [0u8; 19];
        let mut n = 0;
        let mut j = p;
        let mut sep = 0u8;
        // the first group alone, when groups follow (`4111111111111111 0`)
        let mut first = None;
        loop {
            if j < s.len() && is_digit(s[j]) {
                if n == 19 {
                    n = 20;
                    break;
                }
                digits[n] = s[j] - b'0';
                n += 1;
                j += 1;
            } else if j + 1 < s.len()
                && matches!(s[j], b' ' | b'-' | b'.' | b'+')
                && (sep == 0 || sep == s[j])
                && is_digit(s[j + 1])
            {
                first = first.or(Some((n, j)));
                sep = s[j];
                j += 1;
            } else {
                break;
            }
        }
        let glued = j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'@');
        if n <= 19 && !glued && is_card(&digits[..n]) {
            return Some(j);
        }
        match first {
            Some((k, f)) if k >= 13 && is_card(&digits[..k]) => Some(f),
            _ => None,
        }
    }

    /// The first card number in the run `start..e` of hex digits, dots and
    /// colons, reported; its end.
    #[cold]
    #[inline(never)]
    pub(super) fn card_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        for p in start.max(self.floor)..e {
            if is_digit(s[p]) && (p == 0 || !s[p - 1].is_ascii_alphanumeric()) {
                if let Some(c) = self.card_at(p) {
                    self.redact(sink, p, c, Kind::Card);
                    self.floor = c;
                    return Some(c);
                }
            }
        }
        None
    }

    /// An IBAN starting inside the hex run `start..e` after a `:` or `.`
    /// (`:DE89370400440532013000`): the run is skipped whole when it holds
    /// no address, so its digits are never a trigger of their own.
    #[cold]
    #[inline(never)]
    pub(super) fn iban_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        for p in start.max(self.floor)..e {
            if s[p].is_ascii_alphabetic() && (p == 0 || !s[p - 1].is_ascii_alphanumeric()) {
                let mut te = p;
                while te < s.len() && s[te].is_ascii_alphanumeric() && te - p <= 34 {
                    te += 1;
                }
                let bounded = te == s.len() || !(s[te].is_ascii_alphanumeric() || s[te] == b'@');
                if bounded && is_iban(&s[p..te]) {
                    self.redact(sink, p, te, Kind::Iban);
                    self.floor = te;
                    return Some(te);
                }
            }
        }
        None
    }

    /// A run of five or more digits around `t` (see [`super::triggers::Triggers`]): a card
    /// number, or the account part of an IBAN when letters are glued before
    /// it (`DE89370400440532013000`, `GB82WEST12345698765432`).
    pub(super) fn digits<S: Sink>(&mut self, t: usize, sink: &mut S) -> usize {
        let s = self.s;
        let mut a = t;
        while a > self.floor && is_digit(s[a - 1]) {
            a -= 1;
        }
        let mut e = t;
        while e < s.len() && is_digit(s[e]) {
            e += 1;
        }
        if a > self.floor && s[a - 1].is_ascii_alphabetic() {
            // the IBAN around it: letters and digits, 15 to 34 of them
            let mut k = a;
            while k > self.floor && s[k - 1].is_ascii_alphanumeric() && e - k <= 34 {
                k -= 1;
            }
            let mut te = e;
            while te < s.len() && s[te].is_ascii_alphanumeric() && te - k <= 34 {
                te += 1;
            }
            let bounded = (k == 0 || !s[k - 1].is_ascii_alphanumeric())
                && (te == s.len() || !(s[te].is_ascii_alphanumeric() || s[te] == b'@'));
            if bounded && k >= self.floor && is_iban(&s[k..te]) {
                self.redact(sink, k, te, Kind::Iban);
                self.floor = te;
                return te;
            }
            return e;
        }
        let grouped = || {
            s.get(e).is_some_and(|&b| matches!(b, b' ' | b'-' | b'.' | b'+'))
                && s.get(e + 1).is_some_and(|&b| is_digit(b))
        };
        if e - a >= 13 || grouped() {
            // a later group of a grouped number may be the trigger (its
            // first group lay across two blocks): back to the first group
            let mut g = a;
            for _ in 0..5 {
                if !(g >= self.floor + 2 && matches!(s[g - 1], b' ' | b'-' | b'.' | b'+') && is_digit(s[g - 2])) {
                    break;
                }
                let mut h = g - 1;
                while h > self.floor && is_digit(s[h - 1]) && g - h <= 7 {
                    h -= 1;
                }
                g = h;
            }
            for from in [g, a] {
                if let Some(c) = self.card_at(from) {
                    self.redact(sink, from, c, Kind::Card);
                    self.floor = c;
                    return c;
                }
                if g == a {
                    break;
                }
            }
        }
        e
    }

    /// A card number in the value `v..end` of a `name=value` pair (one
    /// grouped by spaces may run on past the value's end), reported; its end.
    #[inline(always)]
    pub(super) fn value_card<S: Sink>(&mut self, v: usize, end: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        // a card number grouped by spaces (`%20` decoded) runs on past the
        // first space
        let cend = if end + 1 < s.len() && s[end] == b' ' && is_digit(s[end + 1]) && end > v && is_digit(s[end - 1]) {
            self.spaced_end(end)
        } else {
            end
        };
        if self.card_in(v, end, 0) || (cend > end && self.card_in(v, cend, 1)) {
            self.redact(sink, v, cend, Kind::Card);
            self.floor = cend;
            return Some(cend);
        }
        None
    }

    /// Where a value that ends at a space between digits, `end`, runs on:
    /// over every following value end that is such a space. (Each value end
    /// in the run is one of its links, so a reading from any of them ends at
    /// the same place: remembered.)
    #[cold]
    #[inline(never)]
    fn spaced_end(&mut self, end: usize) -> usize {
        let s = self.s;
        if let Some(e) = self.ahead().spaced.end_from(end) {
            return e;
        }
        let mut cend = end;
        while cend + 1 < s.len() && s[cend] == b' ' && is_digit(s[cend + 1]) && is_digit(s[cend - 1]) {
            cend += 1;
            while cend < s.len() && !ends_value(s[cend]) {
                cend += 1;
            }
        }
        self.ahead().spaced = Run { from: end, to: cend };
        cend
    }

    /// [`has_card_number`] of the value `v..end` (`k`: 0 for a value, 1 for
    /// one run on over spaces). A long value that holds none is remembered:
    /// the value of a later `=` inside it ends at the same place and is
    /// looked at from further on, so it holds none either (the byte before
    /// a value is its `=`, which neither joins nor glues a card number).
    #[inline]
    fn card_in(&mut self, v: usize, end: usize, k: usize) -> bool {
        if end - v <= FAR {
            return has_card_number(&self.s[v..end]);
        }
        self.card_in_far(v, end, k)
    }

    #[cold]
    #[inline(never)]
    fn card_in_far(&mut self, v: usize, end: usize, k: usize) -> bool {
        let (e, from) = self.ahead().no_card[k];
        if e == end && v >= from {
            return false;
        }
        let found = has_card_number(&self.s[v..end]);
        if !found {
            self.ahead().no_card[k] = (end, v);
        }
        found
    }

    /// An IBAN in groups of four at the start of a value `v..` (`DE89%203704%200044...`,
    /// `DE89+3704+...`), reported; its end.
    #[inline(always)]
    pub(super) fn value_iban<S: Sink>(&mut self, v: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        if let Some(e) = grouped_iban(s, v) {
            self.redact(sink, v, e, Kind::Iban);
            self.floor = e;
            return Some(e);
        }
        None
    }
}

/// Whether card digits (values 0-9, 13 to 19 of them) have a valid issuer
/// prefix and pass the Luhn check. The prefixes: Visa 4; Mastercard 51-55
/// and 2221-2720; American Express 34, 37; Discover 6011, 65, 644-649; JCB
/// 3528-3589; Diners 300-305, 36, 38; UnionPay 62; Maestro 50, 56-69 (so
/// every `5` and `6` prefix). A millisecond timestamp (`1700000000004`)
/// passes Luhn one time in ten but starts with `1`.
pub(crate) fn is_card(d: &[u8]) -> bool {
    if !(13..=19).contains(&d.len()) {
        return false;
    }
    let p2 = u16::from(d[0]) * 10 + u16::from(d[1]);
    let p3 = p2 * 10 + u16::from(d[2]);
    let p4 = p3 * 10 + u16::from(d[3]);
    let iin = match d[0] {
        4..=6 => true,
        2 => (2221..=2720).contains(&p4),
        3 => matches!(p2, 34 | 36 | 37 | 38) || (300..=305).contains(&p3) || (3528..=3589).contains(&p4),
        _ => false,
    };
    iin && luhn(d)
}

/// A JSON number that is a card number (the JSON walker redacts it).
pub(crate) fn is_card_number_token(t: &[u8]) -> bool {
    if !(13..=19).contains(&t.len()) || !t.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut d = [0u8; 19];
    for (k, &b) in t.iter().enumerate() {
        d[k] = b - b'0';
    }
    is_card(&d[..t.len()])
}

/// IBAN lengths by country (the SWIFT IBAN registry).
#[rustfmt::skip]
static IBAN_LENGTHS: [(&[u8; 2], u8); 87] = [
    (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20), (b"BE", 16),
    (b"BG", 22), (b"BH", 22), (b"BI", 27), (b"BR", 29), (b"BY", 28), (b"CH", 21), (b"CR", 22),
    (b"CY", 28), (b"CZ", 24), (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"EE", 20),
    (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22),
    (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GR", 27), (b"GT", 28), (b"HN", 28), (b"HR", 21),
    (b"HU", 28), (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IS", 26), (b"IT", 27), (b"JO", 30),
    (b"KW", 30), (b"KZ", 20), (b"LB", 28), (b"LC", 32), (b"LI", 21), (b"LT", 20), (b"LU", 20),
    (b"LV", 21), (b"LY", 25), (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MK", 19), (b"MN", 20),
    (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23),
    (b"PK", 24), (b"PL", 28), (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22),
    (b"RU", 33), (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24),
    (b"SM", 27), (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26),
    (b"UA", 29), (b"VA", 22), (b"VG", 24),
];

/// An IBAN without spaces: a country's code and length, two check digits,
/// letters and digits, and the ISO 7064 mod-97 check (any letter case).
pub(crate) fn is_iban(t: &[u8]) -> bool {
    if t.len() < 15 || t.len() > 34 || !is_digit(t[2]) || !is_digit(t[3]) {
        return false;
    }
    let cc = [t[0].to_ascii_uppercase(), t[1].to_ascii_uppercase()];
    if !IBAN_LENGTHS
        .iter()
        .any(|(c, n)| **c == cc && usize::from(*n) == t.len())
    {
        return false;
    }
    let mut r: u32 = 0;
    for &b in t[4..].iter().chain(&t[..4]) {
        r = match b {
            b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
            b'a'..=b'z' | b'A'..=b'Z' => (r * 100 + u32::from(b.to_ascii_uppercase() - b'A') + 10) % 97,
            _ => return false,
        };
    }
    r == 1
}

/// An IBAN at `v` written in groups of four separated by single spaces or
/// `+` (`DE89 3704 0044 0532 0130 00`): its end.
fn grouped_iban(s: &[u8], v: usize) -> Option<usize> {
    if s.len() < v + 18 || !s[v].is_ascii_alphabetic() || !matches!(s[v + 4], b' ' | b'+') {
        return None;
    }
    let mut buf = [0u8; 34];
    let mut n = 0;
    let mut j = v;
    let mut group = 0;
    while j < s.len() {
        let b = s[j];
        if b.is_ascii_alphanumeric() {
            if n == 34 || group == 4 {
                return None;
            }
            buf[n] = b;
            n += 1;
            group += 1;
            j += 1;
        } else if matches!(b, b' ' | b'+') && group == 4 && s.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) {
            group = 0;
            j += 1;
        } else {
            break;
        }
    }
    let glued = j < s.len() && s[j] == b'@';
    (!glued && is_iban(&buf[..n])).then_some(j)
}

/// A run of 13 to 19 digits, optionally grouped by single ` `, `-` or `+`
/// (a `%20` is decoded to a space before this runs), that is a card number
/// ([`is_card`]).
pub(crate) fn has_card_number(v: &[u8]) -> bool {
    if v.len() < 13 {
        return false;
    }
    let mut i = 0;
    while i < v.len() {
        if !is_digit(v[i]) || (i > 0 && v[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut digits = [0u8; 19];
        let mut n = 0;
        let mut j = i;
        loop {
            if j < v.len() && is_digit(v[j]) {
                if n == 19 {
                    n = 20;
                    break;
                }
                digits[n] = v[j] - b'0';
                n += 1;
                j += 1;
            } else if j + 1 < v.len() && matches!(v[j], b' ' | b'-' | b'+') && is_digit(v[j + 1]) {
                j += 1;
            } else {
                break;
            }
        }
        if (13..=19).contains(&n) && (j == v.len() || !v[j].is_ascii_alphanumeric()) && is_card(&digits[..n]) {
            return true;
        }
        // try again from the next group: `5-4111111111111111`
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use crate::scan::bytes::ends_value;
    use crate::scan::testing::found;
    use crate::scan::testing::{made_of, scanner};

    #[test]
    fn card_numbers() {
        assert_eq!(found("cc=4111111111111111&a"), ["card-number 3..19"]);
        assert_eq!(found("cc=4111+1111+1111+1111"), ["card-number 3..22"]);
        assert_eq!(found("cc=4111%201111%201111%201111 x"), ["card-number 3..28"]);
        assert_eq!(found("cc=4111111111111112"), Vec::<String>::new());
    }

    #[test]
    fn luhn_known_values() {
        assert!(luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(has_card_number(b"5500-0000-0000-0004"));
        assert!(!has_card_number(b"12345678901234567890123"));
    }

    proptest::proptest! {
        /// What is remembered of long values that hold no card number (and
        /// of values run on over spaces) gives what reading them again
        /// gives, for the value of each `=` in turn.
        #[test]
        fn card_numbers_read_ahead_are_those_found(picks in proptest::collection::vec(0usize..11, 0..300)) {
            let s = made_of(&["4111111111111111", "4111", " ", "=", "1", "a", "-", "+", "1111", " 1111", "=1 2"], &picks);
            let rules = Rules::default();
            let mut sc = scanner(&s, &rules);
            for v in (1..=s.len()).filter(|&v| s[v - 1] == b'=') {
                let end = v + s[v..].iter().take_while(|&&b| !ends_value(b)).count();
                let mut cend = end;
                while cend + 1 < s.len() && s[cend] == b' ' && is_digit(s[cend + 1]) && cend > v && is_digit(s[cend - 1]) {
                    cend += 1;
                    while cend < s.len() && !ends_value(s[cend]) {
                        cend += 1;
                    }
                }
                if cend > end {
                    proptest::prop_assert_eq!(sc.spaced_end(end), cend);
                    proptest::prop_assert_eq!(sc.card_in(v, cend, 1), has_card_number(&s[v..cend]));
                }
                proptest::prop_assert_eq!(sc.card_in(v, end, 0), has_card_number(&s[v..end]));
            }
        }
    }
}
