//! Squid's native access log (`logformat squid`):
//! `time elapsed client code/status bytes method URL user hierarchy/peer type`,
//! fields separated by runs of spaces (Squid pads `elapsed` to align it):
//!
//! ```text
//! 1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x?a=b - DIRECT/93.184.216.34 text/html
//! ```
//!
//! The client is a client, the user (`-` or a name, `%`-encoded) a user;
//! the URL, the peer and anything after the ten fields pass the generic
//! scanner.

use std::ops::Range;

use crate::formats::fields::{Fields, Role};

/// Splits `line` at runs of spaces.
fn split_runs(line: &[u8], out: &mut Vec<Range<usize>>) {
    out.clear();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < line.len() && line[i] != b' ' {
            i += 1;
        }
        if i > start {
            out.push(start..i);
        }
    }
}

fn digits(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(u8::is_ascii_digit)
}

/// `1286536308.779`: seconds, a dot, the fraction
fn epoch(t: &[u8]) -> bool {
    match memchr::memchr(b'.', t) {
        Some(k) => k >= 9 && digits(&t[..k]) && digits(&t[k + 1..]),
        None => false,
    }
}

/// `TCP_MISS/200`, `NONE_NONE/000`, `DIRECT/93.184.216.34`, `HIER_NONE/-`:
/// upper-case letters and `_`, a `/`, something.
fn tag_slash(t: &[u8]) -> Option<&[u8]> {
    let k = memchr::memchr(b'/', t)?;
    (k > 0 && k + 1 < t.len() && t[..k].iter().all(|&b| b.is_ascii_uppercase() || b == b'_')).then(|| &t[k + 1..])
}

/// A Squid native line: its time, client and user get their roles; every
/// other byte is scanned.
pub fn squid(line: &[u8], cols: &mut Vec<Range<usize>>, f: &mut Fields) -> Option<()> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    split_runs(line, cols);
    if cols.len() < 10 {
        return None;
    }
    let c = |k: usize| &line[cols[k].clone()];
    let elapsed = c(1);
    let elapsed = elapsed.strip_prefix(b"-").unwrap_or(elapsed);
    if !epoch(c(0))
        || !digits(elapsed)
        || !tag_slash(c(3)).is_some_and(|s| s.len() == 3 && digits(s))
        || !(digits(c(4)) || c(4) == b"-")
        || tag_slash(c(8)).is_none()
    {
        return None;
    }
    f.clear();
    f.gaps = Some(Role::Generic);
    f.push(cols[0].clone(), Role::Time);
    f.push(cols[2].clone(), Role::Client);
    f.push(cols[7].clone(), Role::User);
    // `TCP_MISS/200`: the three digits after the `/` (checked above)
    f.status = Some(cols[3].end - 3..cols[3].end);
    f.bytes = Some(cols[4].clone());
    f.http.method = Some(cols[5].clone());
    f.http.path = Some(cols[6].clone());
    Some(())
}

// ------------------------------------------------------------ the registry

use super::spec::{Ctx, FormatSpec, Parsed, Parser, Recognised};
use crate::rules::DenyList;

fn line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    squid(line, &mut ctx.cols, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

pub(crate) const SPEC: FormatSpec = FormatSpec {
    name: "squid",
    help: Some("Squid's native access log (logformat squid)"),
    detect: &[(90, line)],
    format: &Parser(line),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_native_lines() {
        let mut c = Vec::new();
        let mut f = Fields::default();
        let l = b"1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x?a=b bob DIRECT/93.184.216.34 text/html";
        assert!(squid(l, &mut c, &mut f).is_some());
        let roles: Vec<(&[u8], Role)> = f.list.iter().map(|(r, role)| (&l[r.clone()], *role)).collect();
        assert_eq!(
            roles,
            [
                (&b"1286536308.779"[..], Role::Time),
                (b"192.168.0.224", Role::Client),
                (b"bob", Role::User)
            ]
        );
        assert_eq!(f.status.clone().map(|r| &l[r]), Some(&b"200"[..]));
        assert_eq!(f.bytes.clone().map(|r| &l[r]), Some(&b"411"[..]));
        let l = b"1286536309.123      0 10.0.0.1 NONE/400 3894 NONE error:invalid-request - HIER_NONE/- text/html";
        assert!(squid(l, &mut c, &mut f).is_some());
        assert_eq!(f.status.clone().map(|r| &l[r]), Some(&b"400"[..]));
        assert_eq!(f.bytes.clone().map(|r| &l[r]), Some(&b"3894"[..]));
        for not in [
            &b"1286536308 180 192.168.0.224 TCP_MISS/200 411 GET http://x/ - DIRECT/1.2.3.4 text/html"[..],
            b"1286536308.779 180 192.168.0.224 TCP_MISS 411 GET http://x/ - DIRECT/1.2.3.4 text/html",
            b"1286536308.779 180 192.168.0.224 TCP_MISS/200 411 GET http://x/ -",
            b"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 a b c",
        ] {
            assert!(squid(not, &mut c, &mut f).is_none(), "{}", String::from_utf8_lossy(not));
        }
    }
}
