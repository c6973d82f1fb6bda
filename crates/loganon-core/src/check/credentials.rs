//! The oracle's credential detectors: userinfo in URLs, JSON Web Tokens,
//! and `Bearer`/`Basic` credentials.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::{is_clean_value, mask, Oracle};

/// The family's expressions.
struct Res {
    credentials: Regex,
    /// userinfo (a user's name: a letter first) after a `//` with no
    /// scheme before it (`//user:pw@host`); `//1.2.3.4@h` is read as an
    /// address by the address detectors
    relative: Regex,
    /// userinfo after a login scheme and `:` alone (`ftp:user@host`)
    schemed: Regex,
    jwt: Regex,
    auth: Regex,
}

/// The credential detectors, built once.
fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Res {
            credentials: re(r#"(?i-u)[a-z][a-z0-9+.\-]*://[^/\s@?#"'<>\\\[\]]+@"#),
            relative: re(r"(?-u)(?:^|[^:])(?://|[:/\\][/\\])([A-Za-z][A-Za-z0-9._~%:!$*+()\-]*)@[A-Za-z0-9\[]"),
            schemed: re(r"(?i-u)(?:^|[^a-z0-9+.\-])(?:https?|ftps?|sftp|ssh|scp|git|svn|wss?|rtsp|smb|ldaps?|telnet|redis|mysql|postgres(?:ql)?|mongodb|amqp):([A-Za-z][A-Za-z0-9._~%:!$*+()\-]*)@[A-Za-z0-9\[]"),
            // RFC 7519: header and claims are JSON objects (`{"` is `eyJ` in
            // base64url), the signature may be empty
            jwt: re(r"(?-u)eyJ[A-Za-z0-9_\-]*\.eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_.\-]*"),
            auth: re(r"(?i-u)(?:^|[^A-Za-z0-9])(bearer|basic)[ +\t]{1,4}([A-Za-z0-9._~+/\-]+=*)"),
        }
    })
}

/// `user:password` in base64: what follows `Basic`.
fn basic_ok(t: &[u8]) -> bool {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let t: Vec<u8> = t.iter().copied().filter(|&b| b != b'=').collect();
    if t.len() < 4 || t.len() % 4 == 1 {
        return false;
    }
    let mut bitbuf: Vec<bool> = Vec::new();
    for &b in &t {
        let v = match ALPHABET.iter().position(|&a| a == b) {
            Some(p) => p as u8,
            None if b == b'+' || b == b'-' => 62,
            None if b == b'/' || b == b'_' => 63,
            None => return false,
        };
        for k in (0..6).rev() {
            bitbuf.push(v >> k & 1 == 1);
        }
    }
    bitbuf
        .chunks_exact(8)
        .any(|byte| byte.iter().fold(0u8, |a, &bit| a << 1 | u8::from(bit)) == b':')
}

/// What follows `Bearer`: six or more bytes with something else than a
/// letter before the last one, or twenty or more letters.
fn bearer_ok(t: &[u8]) -> bool {
    let Some((_, head)) = t.split_last() else {
        return false;
    };
    t.len() >= 6 && (t.len() >= 20 || !head.iter().all(u8::is_ascii_alphabetic))
}

impl Oracle<'_> {
    /// JSON Web Tokens not glued to base64url bytes before them.
    pub(super) fn jwts(&mut self, t: &[u8]) {
        let d = res();
        for m in d.jwt.find_iter(t) {
            let before = m.start().checked_sub(1).map(|k| t[k]);
            if !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                self.found.push(("jwt", mask(m.as_bytes())));
            }
        }
    }

    /// What follows `Bearer` or `Basic` when it looks like a credential.
    pub(super) fn auth_credentials(&mut self, t: &[u8]) {
        let d = res();
        for c in d.auth.captures_iter(t) {
            let (Some(scheme), Some(tok)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let scheme = scheme.as_bytes();
            if t.get(tok.end()) == Some(&b'@') || is_clean_value(tok.as_bytes()) {
                continue;
            }
            let ok = if scheme.eq_ignore_ascii_case(b"basic") {
                basic_ok(tok.as_bytes())
            } else {
                bearer_ok(tok.as_bytes())
            };
            if ok {
                self.found.push(("auth-credentials", mask(tok.as_bytes())));
            }
        }
    }

    /// Userinfo in a URL without `scheme://` before it: after a `//` alone
    /// (`//user:pw@host`) or after a login scheme and `:` (`ftp:user@host`).
    pub(super) fn bare_userinfo(&mut self, t: &[u8]) {
        let d = res();
        // (a userinfo that holds an address, `//a1.2.3.4@h`, is judged by
        // the address detectors: the anonymizer reads the address first)
        let holds_address = |u: &[u8]| {
            u.windows(2).any(|w| w == b"::")
                || u.split(|b| !(b.is_ascii_digit() || *b == b'.'))
                    .any(|run| run.split(|&b| b == b'.').filter(|p| !p.is_empty()).count() >= 4)
        };
        for re in [&d.relative, &d.schemed] {
            for c in re.captures_iter(t) {
                if !holds_address(&c[1]) {
                    self.found.push(("url-credentials", mask(&c[1])));
                }
            }
        }
    }

    /// Userinfo in a URL (`scheme://user:pass@`).
    pub(super) fn url_credentials(&mut self, t: &[u8]) {
        let d = res();
        for m in d.credentials.find_iter(t) {
            self.found.push(("url-credentials", mask(m.as_bytes())));
        }
    }
}
