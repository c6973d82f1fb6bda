//! Where a data subject stands in a line, for `erase`: addresses by what
//! they parse to (any case, full or short IPv6, leading zeros,
//! `::ffff:a.b.c.d`, a port after IPv4, the dashed `198-51-100-7` of host
//! names), emails and user names as whole words; and the line decoded
//! (percent-encoding to three levels, `+`, `\uXXXX` escapes, any case) so
//! that an encoded value is found too.

use std::collections::HashSet;

/// An address in the form compared: IPv4 as its IPv4-mapped IPv6 value.
pub fn key_of(a: std::net::IpAddr) -> u128 {
    match a {
        std::net::IpAddr::V4(v) => 0xffff_0000_0000 | u128::from(u32::from(v)),
        std::net::IpAddr::V6(v) => u128::from(v),
    }
}

/// A word looked for: an email (its boundaries are an email's) or a user
/// name (it stands between field delimiters: a space, a quote, `=`, ...).
pub struct Word {
    pub text: Vec<u8>,
    pub email: bool,
}

/// IPv4 with leading zeros allowed (`198.51.100.007`).
fn v4(s: &[u8]) -> Option<u32> {
    let mut parts = s.split(|&b| b == b'.');
    let mut a = 0u32;
    for _ in 0..4 {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: u32 = std::str::from_utf8(p).ok()?.parse().ok()?;
        if n > 255 {
            return None;
        }
        a = a << 8 | n;
    }
    parts.next().is_none().then_some(a)
}

fn addr(s: &[u8]) -> Option<u128> {
    if let Some(a) = v4(s) {
        return Some(0xffff_0000_0000 | u128::from(a));
    }
    let t = std::str::from_utf8(s).ok()?;
    t.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
}

/// The subject's addresses, as [`key_of`] gives them (and their
/// pseudonyms that are addresses), and how to open the pseudonyms that are
/// not (ipcrypt-nd's 48 and ipcrypt-ndx's 64 hex digits: a new value at
/// each occurrence, so each is decrypted and compared).
/// Decrypts a run of hex digits under each key it may have been written with.
pub type Opener = Box<dyn Fn(&[u8]) -> Vec<u128>>;

#[derive(Default)]
pub struct Targets {
    pub set: HashSet<u128>,
    /// the address (16-byte form) behind a run of hex digits, under each
    /// key it may have been written with
    pub open: Option<Opener>,
}

impl From<HashSet<u128>> for Targets {
    fn from(set: HashSet<u128>) -> Targets {
        Targets { set, open: None }
    }
}

/// The subject's ipcrypt-nd and -ndx pseudonyms in `text`: every window of
/// 48 or 64 hex digits inside a run of them (glued to a port, a word, a
/// path: `hex:5555`, `/cafe<hex>`) decrypted and compared. Only with
/// `targets.open` (erase is no hot path: a run of n digits costs n
/// decryptions).
fn opened(text: &[u8], targets: &Targets, out: &mut Vec<(usize, usize)>) {
    let Some(open) = &targets.open else {
        return;
    };
    let mut i = 0;
    while i < text.len() {
        if !text[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let s = i;
        while i < text.len() && text[i].is_ascii_hexdigit() {
            i += 1;
        }
        let run = &text[s..i];
        'windows: for n in [48, 64] {
            for w in 0..=run.len().saturating_sub(n) {
                let Some(win) = run.get(w..w + n) else {
                    break;
                };
                if open(win).iter().any(|a| targets.set.contains(a)) {
                    out.push((s + w, s + w + n));
                    break 'windows;
                }
            }
        }
    }
}

/// The addresses of `targets` in `text`, as byte ranges.
fn addresses(text: &[u8], targets: &Targets, out: &mut Vec<(usize, usize)>) {
    if targets.set.is_empty() {
        return;
    }
    opened(text, targets, out);
    let is_run = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    let mut i = 0;
    while i < text.len() {
        if !is_run(text[i]) || (i > 0 && text[i - 1].is_ascii_alphanumeric() && !text[i - 1].is_ascii_hexdigit()) {
            i += 1;
            continue;
        }
        let s = i;
        while i < text.len() && is_run(text[i]) {
            i += 1;
        }
        let run = &text[s..i];
        // a word goes on after it (`…7abc` is no address)
        if i < text.len() && text[i].is_ascii_alphanumeric() {
            continue;
        }
        let trimmed = run.trim_ascii_end();
        let end = trimmed
            .iter()
            .rposition(|&b| b != b'.' && b != b':')
            .map_or(0, |k| k + 1);
        let mut cands = vec![(s, s + end)];
        // IPv4 and a port
        if let Some(c) = run.iter().position(|&b| b == b':') {
            if run[..c].contains(&b'.') {
                cands.push((s, s + c));
            }
        }
        for (a, b) in cands {
            if addr(&text[a..b]).is_some_and(|k| targets.set.contains(&k)) {
                out.push((a, b));
                break;
            }
        }
    }
    // dashed IPv4 (`ip-198-51-100-7`, `198-51-100-7.dyn.example.net`)
    let groups: Vec<(usize, usize)> = {
        let mut g = Vec::new();
        let mut j = 0;
        while j < text.len() {
            if text[j].is_ascii_digit() {
                let s = j;
                while j < text.len() && text[j].is_ascii_digit() {
                    j += 1;
                }
                g.push((s, j));
            } else {
                j += 1;
            }
        }
        g
    };
    for w in groups.windows(4) {
        let dashed = w.windows(2).all(|p| p[1].0 == p[0].1 + 1 && text[p[0].1] == b'-');
        if !dashed {
            continue;
        }
        let mut a = 0u32;
        let mut ok = true;
        for &(s, e) in w {
            let n: u32 = std::str::from_utf8(&text[s..e])
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(999);
            ok &= e - s <= 3 && n <= 255;
            a = a << 8 | (n & 0xff);
        }
        if ok && targets.set.contains(&(0xffff_0000_0000 | u128::from(a))) {
            out.push((w[0].0, w[3].1));
        }
    }
}

/// Whether `b`, beside a user name, separates fields.
fn user_edge(b: Option<u8>) -> bool {
    b.is_none_or(|b| {
        matches!(
            b,
            b' ' | b'\t' | b'"' | b'\'' | b'=' | b':' | b',' | b'[' | b']' | b'(' | b')' | b'&' | b';'
        )
    })
}

/// Whether `b`, beside an email, ends it.
fn email_edge(b: Option<u8>, after: Option<u8>) -> bool {
    match b {
        None => true,
        Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'%' | b'+' | b'-') => false,
        Some(b'.') => !after.is_some_and(|c| c.is_ascii_alphanumeric()),
        Some(_) => true,
    }
}

/// Where the subject stands in `text` (compared lowercased): ranges,
/// overlapping ones merged.
pub fn hits(text: &[u8], targets: &Targets, words: &[Word]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    addresses(text, targets, &mut out);
    let low = text.to_ascii_lowercase();
    for w in words {
        for s in memchr::memmem::find_iter(&low, &w.text) {
            let e = s + w.text.len();
            let before = s.checked_sub(1).map(|i| low[i]);
            let ok = if w.email {
                email_edge(before, None) && email_edge(low.get(e).copied(), low.get(e + 1).copied())
            } else {
                user_edge(before) && user_edge(low.get(e).copied())
            };
            if ok {
                out.push((s, e));
            }
        }
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The line as a reader of its values sees it: percent-encoding undone to
/// three levels (`+` as a space), `\uXXXX` escapes undone, lowercased
/// (Unicode).
pub fn decoded(line: &[u8]) -> Vec<u8> {
    let mut cur = line.to_vec();
    for _ in 0..3 {
        let mut next = Vec::with_capacity(cur.len());
        let mut i = 0;
        while i < cur.len() {
            let hex = |k: usize| cur.get(k).and_then(|&b| (b as char).to_digit(16));
            match cur[i] {
                b'%' => match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        next.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => next.push(b'%'),
                },
                b'+' => next.push(b' '),
                b'\\' if cur.get(i + 1) == Some(&b'u') => {
                    let code = (2..6).try_fold(0u32, |acc, k| hex(i + k).map(|d| acc * 16 + d));
                    match code.and_then(char::from_u32) {
                        Some(c) => {
                            let mut b = [0u8; 4];
                            next.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                            i += 6;
                            continue;
                        }
                        None => next.push(b'\\'),
                    }
                }
                b => next.push(b),
            }
            i += 1;
        }
        if next == cur {
            break;
        }
        cur = next;
    }
    String::from_utf8_lossy(&cur).to_lowercase().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(a: &[&str]) -> Targets {
        a.iter()
            .map(|s| key_of(s.parse().unwrap()))
            .collect::<HashSet<_>>()
            .into()
    }

    #[test]
    fn addresses_in_every_spelling_and_not_inside_others() {
        let t = targets(&["2001:db8::7", "198.51.100.7"]);
        for found in [
            "a 2001:DB8::7 b",
            "2001:0db8:0000:0000:0000:0000:0000:0007",
            "x=198.51.100.007&",
            "198.51.100.7:8080",
            "::ffff:198.51.100.7",
            "host=198-51-100-7.dyn.example.net",
            "ends 198.51.100.7.",
        ] {
            assert!(!hits(found.as_bytes(), &t, &[]).is_empty(), "{found}");
        }
        for not in ["198.51.100.70", "2001:db8::77", "1198.51.100.7", "v198.51.100.7x"] {
            assert!(hits(not.as_bytes(), &t, &[]).is_empty(), "{not}");
        }
        assert!(!hits(&decoded(b"?ip=198%2E51%2E100%2E7"), &t, &[]).is_empty());
        assert!(!hits(&decoded(b"?ip=2001%3Adb8%3A%3A7"), &t, &[]).is_empty());
    }

    #[test]
    fn users_between_field_delimiters_and_emails_whole() {
        let w = [
            Word {
                text: b"bob".to_vec(),
                email: false,
            },
            Word {
                text: b"alice.smith@example.org".to_vec(),
                email: true,
            },
        ];
        let t = Targets::default();
        for found in [
            "1.2.3.4 - bob [",
            "?user=bob&x",
            "\"user\":\"bob\"",
            "x alice.smith@example.org.",
        ] {
            assert!(!hits(found.as_bytes(), &t, &w).is_empty(), "{found}");
        }
        for not in [
            "GET /users/bob HTTP",
            "bob@gmail.com",
            "bobby",
            "xalice.smith@example.org",
        ] {
            assert!(hits(not.as_bytes(), &t, &w).is_empty(), "{not}");
        }
        let d = decoded(br#"{"e":"Alice.Smith\u0040Example.org","u":"jo%20doe","v":"JOS%C3%89"}"#);
        assert!(!hits(&d, &t, &w).is_empty());
        let jo = [
            Word {
                text: "jo doe".into(),
                email: false,
            },
            Word {
                text: "josé".as_bytes().to_vec(),
                email: false,
            },
        ];
        assert_eq!(hits(&d, &t, &jo).len(), 2);
    }
}
