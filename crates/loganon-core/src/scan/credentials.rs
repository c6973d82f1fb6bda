//! Credentials: userinfo in URLs (`scheme://user:pass@host`), JSON Web
//! Tokens, and the credentials of `Bearer` and `Basic` authorization
//! written anywhere.

use super::bytes::{is_b64url, is_token68};
use super::sink::{Kind, Sink};
use super::state::is_placeholder;
use super::state::Scanner;

/// Bytes that end the userinfo part of a URL when looking back from `@`.
#[inline]
fn ends_userinfo(b: u8) -> bool {
    matches!(
        b,
        b'/' | b'?' | b'#' | b'@' | b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'[' | b']'
    )
}

impl Scanner<'_> {
    /// A `B` or `b` at `i`: `Bearer <token>` or `Basic <base64>` (any case),
    /// the credentials of an HTTP `Authorization` header written where no
    /// field says so (a user agent, an extra field, a message). The scheme
    /// stays; what follows goes when it looks like a credential: a bearer
    /// token of six or more token68 bytes with a digit or a sign before its
    /// last (or twenty or more letters), a basic one that is base64 of
    /// `user:pass`.
    pub(super) fn auth_scheme<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i > self.floor && s[i - 1].is_ascii_alphanumeric() {
            return i + 1;
        }
        let basic = match s.get(i + 1) {
            Some(b'e' | b'E') if s.len() > i + 7 && s[i + 1..i + 6].eq_ignore_ascii_case(b"earer") => false,
            Some(b'a' | b'A') if s.len() > i + 6 && s[i + 1..i + 5].eq_ignore_ascii_case(b"asic") => true,
            _ => return i + 1,
        };
        let mut a = i + if basic { 5 } else { 6 };
        let gap = a;
        while a < s.len() && matches!(s[a], b' ' | b'+' | b'\t') && a - gap < 4 {
            a += 1;
        }
        if a == gap {
            return i + 1;
        }
        let mut e = a;
        while e < s.len() && is_token68(s[e]) && e - a < 8192 {
            e += 1;
        }
        while e < s.len() && s[e] == b'=' && e - a < 8192 {
            e += 1;
        }
        let tok = &s[a..e];
        let glued = e < s.len() && s[e] == b'@';
        let ok = !glued
            && !is_placeholder(tok)
            && if basic {
                is_basic_credentials(tok)
            } else {
                is_bearer_token(tok)
            };
        if !ok {
            return i + 1;
        }
        self.redact(sink, a, e, Kind::AuthCredentials);
        self.floor = e;
        e
    }

    /// A `.` at `i` followed by `eyJ`: the end of a JWT's header when one
    /// starts `eyJ` before it; the token runs over its parts (the signature
    /// may be empty: `eyJ...eyJ....`).
    #[cold]
    #[inline(never)]
    pub(super) fn jwt<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let mut k = i;
        while k > self.floor && is_b64url(s[k - 1]) && i - k < 4096 {
            k -= 1;
        }
        if !s[k..i].starts_with(b"eyJ") || (k > 0 && is_b64url(s[k - 1])) {
            return None;
        }
        let mut e = i;
        let mut dots = 0;
        while e < s.len() && (is_b64url(s[e]) || s[e] == b'.') && e - k < 16384 {
            dots += usize::from(s[e] == b'.');
            e += 1;
        }
        if dots < 2 {
            return None;
        }
        self.redact(sink, k, e, Kind::Jwt);
        self.floor = e;
        Some(e)
    }

    /// `scheme://` at `i`: userinfo in the authority (up to its last `@`, as
    /// RFC 3986 reads it) is removed before anything inside it is looked at,
    /// so a password holding an `@` or an address still goes whole. Where
    /// the host starts.
    #[inline(always)]
    pub(super) fn url_authority<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let a = i + 3;
        let mut e = a;
        let mut last_at = None;
        loop {
            // a run of `@` goes whole (one left would be userinfo again on
            // the next run: `p://@@@` -> `p://@`), also right after `//`
            // (`https://@1/`)
            while s.get(e) == Some(&b'@') {
                last_at = Some(e);
                e += 1;
            }
            if e >= s.len() || ends_userinfo(s[e]) || e - a >= 1024 {
                break;
            }
            e += 1;
        }
        match last_at {
            Some(at) => {
                self.remove(sink, a, at + 1, Kind::UrlCredentials);
                self.floor = at + 1;
                at + 1
            }
            None => a,
        }
    }
}

/// A bearer token rather than a word: six or more bytes with a digit or a
/// sign before the last one, or twenty or more letters (`Bearer
/// authentication`, `Bearer token.` stay).
fn is_bearer_token(t: &[u8]) -> bool {
    t.len() >= 6 && (t.len() >= 20 || t[..t.len() - 1].iter().any(|b| !b.is_ascii_alphabetic()))
}

/// Base64 (standard or URL alphabet, padding optional) of text holding a
/// `:`: the `user:password` of HTTP basic authentication.
fn is_basic_credentials(t: &[u8]) -> bool {
    let body = {
        let mut n = t.len();
        while n > 0 && t[n - 1] == b'=' {
            n -= 1;
        }
        &t[..n]
    };
    if body.len() < 4 || body.len() % 4 == 1 {
        return false;
    }
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in body {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if (acc >> bits) & 0xff == u32::from(b':') {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::scan::testing::found;

    #[test]
    fn url_credentials() {
        assert_eq!(found("https://u:p@h/"), ["-url-credentials 8..12"]);
    }
}
