//! Credentials: userinfo in URLs (`scheme://user:pass@host`), JSON Web
//! Tokens, and the credentials of `Bearer` and `Basic` authorization
//! written anywhere.

use super::bytes::{is_b64url, is_token68};
use super::sink::{Kind, Sink};
use super::state::Scanner;
use super::state::{is_placeholder, run_end, FAR};

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
        // (at most 8 KiB; where the token and its padding end is remembered,
        // as a `Bearer` inside the token comes here again)
        let body = run_end(s, a, &mut self.ahead().token, is_token68).min(a + 8192);
        let e = run_end(s, body, &mut self.ahead().pad, |b| b == b'=').min(a + 8192);
        let tok = &s[a..e];
        let glued = e < s.len() && s[e] == b'@';
        let ok = !glued
            && !is_placeholder(tok)
            && if basic {
                self.basic(a, body)
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

    /// [`is_basic_credentials`] of the token `a..end` (without its `=`
    /// padding).
    #[inline]
    fn basic(&mut self, a: usize, end: usize) -> bool {
        if end - a <= FAR {
            return is_basic_credentials(&self.s[a..end]);
        }
        self.basic_far(a, end)
    }

    /// [`is_basic_credentials`] of a long token, from what is remembered: a
    /// `Basic` inside a token comes here again for the rest of it. The
    /// token is base64 up to its first `.` or `~`, and its groups of four
    /// from `a` are those from any start in step with `a`: where the first
    /// `:` is decoded from them on is kept for each of the four steps.
    #[cold]
    #[inline(never)]
    fn basic_far(&mut self, a: usize, end: usize) -> bool {
        let s = self.s;
        if (end - a) % 4 == 1 {
            return false;
        }
        let bad = run_end(s, a, &mut self.ahead().bad, |b| !matches!(b, b'.' | b'~')).min(end);
        let step = a % 4;
        let (from, group, colon) = self.ahead().colon[step];
        if from <= a && a <= group {
            return colon < bad;
        }
        // (the token's run was read from `a` just before: it ends there)
        let limit = self.ahead().token.to;
        let value = |k: usize| match s[k] {
            b'A'..=b'Z' => Some(s[k] - b'A'),
            b'a'..=b'z' => Some(s[k] - b'a' + 26),
            b'0'..=b'9' => Some(s[k] - b'0' + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        };
        let mut g = a;
        let found = loop {
            if g + 1 >= limit {
                break (limit, usize::MAX);
            }
            // the three bytes of the group at `g`, each with the index of
            // the character that completes it
            let v: [Option<u8>; 4] = std::array::from_fn(|k| (g + k < limit).then(|| value(g + k)).flatten());
            let bytes = [
                (v[0].zip(v[1]).map(|(x, y)| (x << 2) | (y >> 4)), g + 1),
                (v[1].zip(v[2]).map(|(x, y)| ((x & 15) << 4) | (y >> 2)), g + 2),
                (v[2].zip(v[3]).map(|(x, y)| ((x & 3) << 6) | y), g + 3),
            ];
            if let Some(&(_, c)) = bytes.iter().find(|(b, _)| *b == Some(b':')) {
                break (g, c);
            }
            g += 4;
        };
        self.ahead().colon[step] = (a, found.0, found.1);
        found.1 < bad
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

/// Bytes of a URL's userinfo read back from its `@` ([`Scanner::userinfo_at`]):
/// unreserved, `%`, `:` and the sub-delimiters that end no query value
/// (not `& = ; , '`).
pub(super) fn is_userinfo(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'_' | b'~' | b'%' | b':' | b'!' | b'$' | b'*' | b'+' | b'(' | b')'
        )
}

/// Schemes of URLs with a login (`ftp:user@host`): after one of them and
/// `:` alone, `user@` goes and the host stays. After any other word
/// (`email:jane@example.com`, `mailto:`) a `user@host` that is an email
/// address is taken whole by the email rule; one that is not
/// (`note:bob@host`) loses its user.
const LOGIN_SCHEMES: &[&[u8]] = &[
    b"http",
    b"https",
    b"ftp",
    b"ftps",
    b"sftp",
    b"ssh",
    b"scp",
    b"git",
    b"svn",
    b"ws",
    b"wss",
    b"rtsp",
    b"smb",
    b"ldap",
    b"ldaps",
    b"telnet",
    b"redis",
    b"mysql",
    b"postgres",
    b"postgresql",
    b"mongodb",
    b"amqp",
];

impl Scanner<'_> {
    /// An `@` at `i` that ends the userinfo of a URL with no `scheme://`
    /// before it: scheme-relative (`//user:pw@host/x`), after slashes URL
    /// parsers take for `//` (`http:/u:p@h`, `http:\\u:p@h`), or after a
    /// scheme and `:` alone (`http:user@host/x`, `ftp:user:pw@host`). The
    /// userinfo and its `@` go, the host stays; `None` when the bytes
    /// before the `@` are no such userinfo (an email's local part, say:
    /// `email_after` says whether an email's domain follows the `@`).
    #[cold]
    #[inline(never)]
    pub(super) fn userinfo_at<S: Sink>(
        &mut self,
        i: usize,
        email_after: impl Fn(&[u8], usize) -> bool,
        sink: &mut S,
    ) -> Option<usize> {
        let u = self.userinfo_start(i, email_after)?;
        self.remove(sink, u, i + 1, Kind::UrlCredentials);
        self.floor = i + 1;
        Some(i + 1)
    }

    /// Where the userinfo that ends at the `@` at `i` starts (see
    /// [`Scanner::userinfo_at`]); `None` when there is none.
    pub(super) fn userinfo_start(&self, i: usize, email_after: impl Fn(&[u8], usize) -> bool) -> Option<usize> {
        let s = self.s;
        // a host follows, or an escape or a control byte that may stand
        // for one (`/\u@` then `\` and a NUL: fail closed)
        if !s.get(i + 1).is_some_and(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'[' | b'\\' | b'%' | b'&') || crate::decode::is_control(b)
        }) {
            return None;
        }
        let mut j = i;
        while j > self.floor && is_userinfo(s[j - 1]) && i - j < 1024 {
            j -= 1;
        }
        // `//`, or a slash or backslash after `:`, `/` or `\` (`http:/u:p@h`,
        // `http:\\u:p@h`, `/\u:p@h`: URL parsers read them as `//`)
        let slashes = |a: u8, b: u8| matches!(b, b'/' | b'\\') && matches!(a, b'/' | b'\\' | b':');
        let u = if j >= self.floor + 2 && slashes(s[j - 2], s[j - 1]) {
            j
        } else {
            // `scheme:` at the start of the run, a token of its own
            let c = j + memchr::memchr(b':', &s[j..i])?;
            let scheme = &s[j..c];
            if scheme.is_empty()
                || !scheme[0].is_ascii_alphabetic()
                || !scheme
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                || s.get(c + 1) == Some(&b'/')
                || (!LOGIN_SCHEMES.iter().any(|a| scheme.eq_ignore_ascii_case(a)) && email_after(s, i + 1))
            {
                return None;
            }
            c + 1
        };
        // a user or a password: some letter or digit (`fe80::@h` holds none)
        if u >= i || !s[u..i].iter().any(u8::is_ascii_alphanumeric) {
            return None;
        }
        Some(u)
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
    use super::*;
    use crate::rules::Rules;
    use crate::scan::testing::found;
    use crate::scan::testing::{made_of, scanner};

    #[test]
    fn url_credentials() {
        assert_eq!(found("https://u:p@h/"), ["-url-credentials 8..12"]);
    }

    proptest::proptest! {
        /// Whether a token after `Basic` is base64 of `user:password`,
        /// through what is remembered of long tokens (from every start in
        /// turn, as the `Basic` inside a token comes back), is what decoding
        /// it again says.
        #[test]
        fn basic_credentials_read_ahead_are_those_decoded(picks in proptest::collection::vec(0usize..10, 0..400)) {
            let s = made_of(&["Basic+", "dXNlcjpwYXNz", "AAAA", "A", ".", "~", "+", "QQ", "Og", "="], &picks);
            let rules = Rules::default();
            let mut sc = scanner(&s, &rules);
            for a in 0..s.len() {
                let body = run_end(&s, a, &mut sc.ahead().token, is_token68).min(a + 8192);
                proptest::prop_assert_eq!(sc.basic(a, body), is_basic_credentials(&s[a..body]), "{}", a);
            }
        }
    }
}
