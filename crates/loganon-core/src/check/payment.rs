//! The oracle's payment detectors: card numbers (issuer prefix and Luhn,
//! written again on purpose: nothing is shared with the scanner) in runs of
//! digits and in values, and IBANs (the country's length and mod 97),
//! compact or in groups.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::{luhn_ok, mask, Oracle};

/// The family's expressions.
struct Res {
    card: Regex,
    card_run: Regex,
    /// groups of digits apart by single spaces (`4111 1111 1111 1111`)
    card_spaced: Regex,
    iban: Regex,
    iban_grouped: Regex,
}

/// The card and IBAN detectors, built once.
fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Res {
            card: re(r"(?-u)[0-9](?:[ +\-]?[0-9]){12,18}"),
            // digits grouped by `-` or `.`, anywhere (paths, JSON values)
            card_run: re(r"(?-u)[0-9]+(?:[\-.][0-9]+)*"),
            card_spaced: re(r"(?-u)[0-9]{4}(?: [0-9]{4,6}){2,3}"),
            iban: re(r"(?i-u)[A-Z0-9]+"),
            iban_grouped: re(r"(?i-u)^[A-Z]{2}[0-9]{2}(?:[ +][A-Z0-9]{1,4})+"),
        }
    })
}

/// Issuer prefixes of card numbers (written again from the card networks'
/// ranges: Visa 4; Mastercard 51-55, 2221-2720; Amex 34, 37; Discover 6011,
/// 65, 644-649; JCB 3528-3589; Diners 300-305, 36, 38; UnionPay 62; Maestro
/// 50, 56-69).
fn issuer_ok(digits: &[u8]) -> bool {
    let n = |k: usize| -> u32 {
        std::str::from_utf8(&digits[..k])
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    };
    if digits.len() < 4 {
        return false;
    }
    let (p2, p3, p4) = (n(2), n(3), n(4));
    digits[0] == b'4'
        || (50..=55).contains(&p2)
        || (2221..=2720).contains(&p4)
        || p2 == 34
        || p2 == 37
        || p4 == 6011
        || p2 == 65
        || (644..=649).contains(&p3)
        || (3528..=3589).contains(&p4)
        || (300..=305).contains(&p3)
        || p2 == 36
        || p2 == 38
        || p2 == 62
        || (56..=69).contains(&p2)
}

/// A card number: 13 to 19 digits, an issuer prefix, Luhn.
fn card_ok(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && issuer_ok(digits) && luhn_ok(digits)
}

/// IBAN lengths by country, as the SWIFT registry lists them.
const IBAN_COUNTRIES: &str = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 \
    DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 \
    IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 \
    MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 \
    ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24";

/// ISO 13616: the country's length, two check digits, and the number
/// (letters as 10..35, the first four characters moved to the end) is 1
/// modulo 97.
fn iban_ok(t: &[u8]) -> bool {
    let t = t.to_ascii_uppercase();
    if t.len() < 5 || !t[..2].iter().all(u8::is_ascii_uppercase) || !t[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let want = format!("{}{}", String::from_utf8_lossy(&t[..2]), t.len());
    if !IBAN_COUNTRIES.split_whitespace().any(|c| c == want) {
        return false;
    }
    let moved: Vec<u8> = t[4..].iter().chain(&t[..4]).copied().collect();
    let mut digits = String::new();
    for &b in &moved {
        if b.is_ascii_digit() {
            digits.push(b as char);
        } else if b.is_ascii_uppercase() {
            digits.push_str(&(u32::from(b - b'A') + 10).to_string());
        } else {
            return false;
        }
    }
    // long division, nine digits at a time
    let mut rem: u64 = 0;
    for chunk in digits.as_bytes().chunks(9) {
        let s = format!("{rem}{}", std::str::from_utf8(chunk).unwrap_or("0"));
        rem = s.parse::<u64>().unwrap_or(0) % 97;
    }
    rem == 1
}

impl Oracle<'_> {
    /// IBANs written compact, not glued to letters, digits or an `@`.
    pub(super) fn ibans(&mut self, t: &[u8]) {
        let d = res();
        let alnum_at = |k: usize| t.get(k).is_some_and(u8::is_ascii_alphanumeric);
        for m in d.iban.find_iter(t) {
            let free = |k: Option<usize>| k.is_none_or(|k| !alnum_at(k) && t.get(k) != Some(&b'@'));
            if (15..=34).contains(&m.len())
                && free(Some(m.end()))
                && free(m.start().checked_sub(1))
                && iban_ok(m.as_bytes())
            {
                self.found.push(("iban", mask(m.as_bytes())));
            }
        }
    }

    /// Card numbers in runs of digits grouped by `-` or `.`, or by single
    /// spaces, anywhere.
    pub(super) fn card_runs(&mut self, t: &[u8]) {
        let d = res();
        let alnum_at = |k: usize| t.get(k).is_some_and(u8::is_ascii_alphanumeric);
        for m in d.card_run.find_iter(t).chain(d.card_spaced.find_iter(t)) {
            let run = m.as_bytes();
            let seps: Vec<u8> = run.iter().copied().filter(|b| !b.is_ascii_digit()).collect();
            if seps.windows(2).any(|w| w[0] != w[1]) {
                continue;
            }
            let glued =
                (m.start() > 0 && alnum_at(m.start() - 1)) || alnum_at(m.end()) || t.get(m.end()) == Some(&b'@');
            let digits: Vec<u8> = run.iter().copied().filter(u8::is_ascii_digit).collect();
            // (one already found in a value by the rule above is one finding)
            if !glued && card_ok(&digits) {
                self.card(mask(run));
            }
        }
    }

    /// Card numbers in the value `start..end` of `t` (grouped by ` `, `+`
    /// or `-`). A value inside the one looked through before (values run on
    /// over spaces reach over those after them) holds no other: the `=`
    /// before it and the byte after it take no part in a card number, so
    /// what is found in it was found there, and is one finding.
    pub(super) fn value_cards(&mut self, t: &[u8], start: usize, end: usize) {
        if self.ahead.carded.is_some_and(|(a, b)| a <= start && end <= b) {
            return;
        }
        self.ahead.carded = Some((start, end));
        let value = &t[start..end];
        let d = res();
        for m in d.card.find_iter(value) {
            let digits: Vec<u8> = m.as_bytes().iter().copied().filter(u8::is_ascii_digit).collect();
            let glued = (m.start() > 0 && value[m.start() - 1].is_ascii_alphanumeric())
                || value.get(m.end()).is_some_and(u8::is_ascii_alphanumeric);
            if !glued && card_ok(&digits) {
                self.card(mask(m.as_bytes()));
            }
        }
    }

    /// An IBAN in groups (`DE89 3704 ...`, `+` for the spaces) opening the value at `start`.
    pub(super) fn value_iban(&mut self, t: &[u8], start: usize) {
        let d = res();
        if let Some(g) = d.iban_grouped.find(&t[start..]) {
            let groups: Vec<&[u8]> = g.as_bytes().split(|&b| b == b' ' || b == b'+').collect();
            let fours = groups[..groups.len() - 1].iter().all(|g| g.len() == 4);
            let compact: Vec<u8> = groups.concat();
            let next = t.get(start + g.end());
            if groups.len() > 1
                && fours
                && !next.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
                && iban_ok(&compact)
            {
                self.found.push(("iban", mask(g.as_bytes())));
            }
        }
    }
}
