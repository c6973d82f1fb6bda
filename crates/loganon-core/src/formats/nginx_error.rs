//! nginx's `error.log`:
//!
//! ```text
//! 2026/12/07 03:38:32 [error] 32630#32630: *1 user "bob" was not found in "/etc/nginx/htpasswd", client: 10.0.0.1, server: localhost, request: "GET /private/ HTTP/1.1", host: "example.com", referrer: "http://example.com/"
//! ```
//!
//! The time is kept (its shape checked); the address after `client: ` is a
//! client; the user names of `auth_basic`'s messages are users (see
//! [`messages`](super::messages)); every other byte (the level, the process
//! and connection ids, the message, the server, request, upstream, host and
//! referrer) passes the generic scanner. The time has no zone: it is taken
//! as UTC.

use super::fields::{Fields, Role};
use super::messages::user_names;
use super::spec::{Ctx, FormatSpec, Parsed, Recognised, TimedParser};
use crate::rules::DenyList;

const LEVELS: [&[u8]; 8] = [
    b"debug", b"info", b"notice", b"warn", b"error", b"crit", b"alert", b"emerg",
];

fn num(t: &[u8]) -> Option<u32> {
    (!t.is_empty() && t.len() <= 4 && t.iter().all(u8::is_ascii_digit))
        .then(|| t.iter().fold(0, |v, &d| v * 10 + u32::from(d - b'0')))
}

/// `2026/12/07 03:38:32`: the Unix time, taken as UTC.
fn parse_time(t: &[u8]) -> Option<i64> {
    if t.len() != 19 || t[4] != b'/' || t[7] != b'/' || t[10] != b' ' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    let two = |i: usize| {
        if t[i..i + 2].iter().all(u8::is_ascii_digit) {
            num(&t[i..i + 2])
        } else {
            None
        }
    };
    let (y, mo, d) = (num(&t[..4])?, two(5)?, two(8)?);
    let (h, mi, s) = (two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(crate::time::days_from_civil(i64::from(y), mo, d) * 86400 + i64::from(h * 3600 + mi * 60 + s))
}

/// The offset after `PID#TID: ` at `i`, and after the connection's `*N `
/// when there is one.
fn after_ids(line: &[u8], i: usize) -> Option<usize> {
    let rest = &line[i..];
    let hash = memchr::memchr(b'#', &rest[..rest.len().min(12)])?;
    let colon = hash + 1 + memchr::memchr(b':', &rest[hash + 1..rest.len().min(hash + 13)])?;
    let digits = |t: &[u8]| !t.is_empty() && t.iter().all(u8::is_ascii_digit);
    if !digits(&rest[..hash]) || !digits(&rest[hash + 1..colon]) || rest.get(colon + 1) != Some(&b' ') {
        return None;
    }
    let mut j = i + colon + 2;
    if line.get(j) == Some(&b'*') {
        let n = line[j + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n > 0 && line.get(j + 1 + n) == Some(&b' ') {
            j += n + 2;
        }
    }
    Some(j)
}

/// An nginx error line: its time, client and user names get their roles;
/// every other byte is scanned.
pub fn nginx_error(line: &[u8], f: &mut Fields) -> Option<()> {
    parse_time(line.get(..19)?)?;
    if line.get(19..21) != Some(b" [") {
        return None;
    }
    let close = 21 + memchr::memchr(b']', &line[21..line.len().min(29)])?;
    if !LEVELS.contains(&&line[21..close]) || line.get(close + 1) != Some(&b' ') {
        return None;
    }
    let msg = after_ids(line, close + 2)?;
    f.clear();
    f.gaps = Some(Role::Generic);
    f.push(0..19, Role::Time);
    let from = user_names(line, msg, f, true);
    // `, client: ADDR, server: ...`, which nginx adds after the message
    // (after the user names: a name may hold these words too)
    if let Some(k) = memchr::memmem::find(&line[from..], b", client: ") {
        let s = from + k + 10;
        let e = memchr::memchr(b',', &line[s..]).map_or(line.len(), |e| s + e);
        let v = &line[s..e];
        let whole_v4 = crate::addr::parse_v4_at(v, 0).is_some_and(|(_, n)| n == v.len());
        if whole_v4 || crate::addr::parse_v6(v).is_some() {
            f.client = Some(s..e);
            f.push(s..e, Role::Client);
        }
        let after = e;
        if let Some(k) = memchr::memmem::find(&line[after..], b", request: \"") {
            let s = after + k + 12;
            let ends = [&b"\", upstream: \""[..], b"\", host: \"", b"\", referrer: \""];
            let e = ends
                .iter()
                .filter_map(|w| memchr::memmem::find(&line[s..], w))
                .min()
                .map(|e| s + e)
                .or_else(|| line.ends_with(b"\"").then(|| line.len() - 1));
            f.http.request = e.filter(|&e| e >= s).map(|e| s..e);
        }
    }
    if let Some(k) = memchr::memmem::rfind(&line[from..], b", referrer: \"") {
        let s = from + k + 13;
        if line.ends_with(b"\"") && line.len() > s {
            f.http.referer = Some(s..line.len() - 1);
        }
    }
    Some(())
}

// ------------------------------------------------------------ the registry

fn line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    nginx_error(line, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

pub(crate) const SPEC: FormatSpec = FormatSpec {
    name: "nginx_error",
    help: Some("nginx's error.log"),
    detect: &[(95, line)],
    format: &TimedParser {
        parse: line,
        time: parse_time,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(l: &str) -> Option<Vec<(&str, Role)>> {
        let mut f = Fields::default();
        nginx_error(l.as_bytes(), &mut f)?;
        Some(f.list.iter().map(|(r, role)| (&l[r.clone()], *role)).collect())
    }

    #[test]
    fn lines() {
        let t = ("2026/12/07 03:38:32", Role::Time);
        assert_eq!(
            roles(r#"2026/12/07 03:38:32 [error] 32630#32630: *3 user "john doe" was not found in "/h", client: 10.0.0.1, server: localhost, request: "GET /private/ HTTP/1.1", host: "x""#).unwrap(),
            [t, ("john doe", Role::User), ("10.0.0.1", Role::Client)]
        );
        assert_eq!(
            roles(r#"2026/12/07 03:38:32 [error] 32630#32630: *2 user "alice": password mismatch, client: 2001:db8::1, server: s"#).unwrap(),
            [t, ("alice", Role::User), ("2001:db8::1", Role::Client)]
        );
        // the words nginx adds after the message, inside the name
        assert_eq!(
            roles(r#"2026/12/07 03:38:32 [error] 1#1: *4 user "x, client: 9.9.9.9, server: y" was not found in "/h", client: 10.0.0.1, server: s"#).unwrap(),
            [t, ("x, client: 9.9.9.9, server: y", Role::User), ("10.0.0.1", Role::Client)]
        );
        // a server's own message: no connection, no client
        assert_eq!(
            roles("2026/12/07 03:38:31 [notice] 32628#32628: start worker process 32630").unwrap(),
            [("2026/12/07 03:38:31", Role::Time)]
        );
        for not in [
            "2026/12/07 03:38:32 [oops] 1#1: x",
            "2026/12/07 03:38:32 [error] 1: x",
            "2026-12-07 03:38:32 [error] 1#1: x",
            "2026/13/07 03:38:32 [error] 1#1: x",
            "2026/12/07 03:38:32",
        ] {
            assert!(roles(not).is_none(), "{not}");
        }
        let mut f = Fields::default();
        let l = r#"2026/12/07 03:38:32 [error] 1#1: *5 open() "/x" failed, client: 10.0.0.1, server: s, request: "GET /m?t=1 HTTP/1.1", host: "h", referrer: "http://r/""#;
        nginx_error(l.as_bytes(), &mut f).unwrap();
        assert_eq!(&l[f.http.request.unwrap()], "GET /m?t=1 HTTP/1.1");
        assert_eq!(&l[f.http.referer.unwrap()], "http://r/");
    }

    #[test]
    fn times() {
        assert_eq!(parse_time(b"2026/12/07 03:38:32"), Some(1_796_614_712));
    }
}
