//! The ground of the scanner: pure predicates over bytes and byte shapes
//! (the trigger and property tables, hex digits, a MAC's six groups), used
//! by every recogniser family. Nothing here knows the scanner's state.

use crate::addr::is_digit;

pub(super) const C_DOT: u8 = 1;
pub(super) const C_COLON: u8 = 2;
pub(super) const C_AT: u8 = 3;
pub(super) const C_EQ: u8 = 5;
pub(super) const C_DASH: u8 = 6;
pub(super) const C_B: u8 = 7;
pub(super) const C_PLUS: u8 = 8;

/// Trigger bytes. A run of five digits is a trigger too (cards and IBANs
/// without separators), and so are four digits, a space and a digit (a
/// card number in groups); they are found by
/// [`super::triggers::Triggers`], not by this table. (The SIMD path takes
/// a `+` only before a digit: a phone number.)
pub(super) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'.' as usize] = C_DOT;
    t[b':' as usize] = C_COLON;
    t[b'@' as usize] = C_AT;
    t[b'=' as usize] = C_EQ;
    t[b'-' as usize] = C_DASH;
    t[b'B' as usize] = C_B;
    t[b'b' as usize] = C_B;
    t[b'+' as usize] = C_PLUS;
    t
};

#[inline]
pub(super) fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// Byte property bits, one table lookup instead of a chain of compares.
const NAME: u8 = 1;
const VALUE_END: u8 = 2;
const LOCAL: u8 = 4;
const DOMAIN: u8 = 8;

static PROPS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        // `[` and `]`: PHP and Rails names (`email[]`, `user[email]`)
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' || c == b'[' || c == b']' {
            t[b] |= NAME;
        }
        // (`)`, `]` and `}` close what holds the pair: `(key=abc)`)
        if matches!(
            c,
            b'&' | b' ' | b'\t' | b'"' | b'\'' | b'#' | b';' | b'<' | b'>' | b'\r' | b'\n' | b')' | b']' | b'}'
        ) {
            t[b] |= VALUE_END;
        }
        // RFC 5322 atext less the bytes that structure URLs (`/ = ? & #`
        // and braces), plus every non-ASCII byte: UTF-8 (RFC 6531) and
        // Latin-1 local parts alike.
        if c.is_ascii_alphanumeric()
            || c >= 0x80
            || matches!(
                c,
                b'.' | b'_' | b'%' | b'+' | b'-' | b'\'' | b'!' | b'$' | b'*' | b'^' | b'~'
            )
        {
            t[b] |= LOCAL;
        }
        // letters, digits, `.`, `-`, and non-ASCII bytes (IDN in UTF-8)
        if c.is_ascii_alphanumeric() || c >= 0x80 || c == b'.' || c == b'-' {
            t[b] |= DOMAIN;
        }
        b += 1;
    }
    t
};

#[inline]
pub(super) fn is_name_char(b: u8) -> bool {
    PROPS[b as usize] & NAME != 0
}

#[inline]
pub(super) fn is_local_char(b: u8) -> bool {
    PROPS[b as usize] & LOCAL != 0
}

#[inline]
pub(super) fn is_domain_char(b: u8) -> bool {
    PROPS[b as usize] & DOMAIN != 0
}

/// Bytes that end a parameter value.
#[inline]
pub(super) fn ends_value(b: u8) -> bool {
    PROPS[b as usize] & VALUE_END != 0
}

/// A byte of base64url (a JWT's parts).
#[inline]
pub(super) fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A byte of RFC 7235's token68 before its `=` padding.
#[inline]
pub(super) fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// A letter of a top-level label: ASCII, or a byte of a non-ASCII one.
pub(super) fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b >= 0x80
}

/// Whether `t` holds `n` decimal digits in a row.
pub(super) fn has_digit_run(t: &[u8], n: usize) -> bool {
    let mut run = 0;
    for &b in t {
        run = if is_digit(b) { run + 1 } else { 0 };
        if run == n {
            return true;
        }
    }
    false
}

/// Six groups of two hex digits separated by `sep`.
pub(super) fn is_mac(t: &[u8], sep: u8) -> bool {
    t.len() == 17
        && t.iter()
            .enumerate()
            .all(|(k, &b)| if k % 3 == 2 { b == sep } else { is_hex(b) })
}

/// The Luhn check over digit values (0-9): card numbers, IMEIs.
pub(super) fn luhn(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (k, &x) in d.iter().rev().enumerate() {
        let mut x = u32::from(x);
        if k % 2 == 1 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    sum.is_multiple_of(10)
}
