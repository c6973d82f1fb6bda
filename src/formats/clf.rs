//! The Common Log Format family: `common`, `combined`, `vhost_combined`, and
//! combined with extra trailing fields (X-Forwarded-For, response time, ...).
//!
//! ```text
//! [vhost[:port]] client ident user [time] "request" status size ["referer" "agent" [extra...]]
//! ```
//!
//! Real-log quirks handled: an X-Forwarded-For chain in the client slot
//! (`10.0.0.2, 10.0.0.1 - - [...]`), runs of spaces between fields, escaped
//! quotes (`\"`) and `\xHH` escapes inside quoted fields, `-` and `""` fields,
//! requests without protocol or with binary garbage, a timestamp without zone.

use std::ops::Range;

use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::space1;
use nom::combinator::{opt, recognize};
use nom::sequence::{delimited, preceded, tuple};
use nom::IResult;

/// Which member of the family a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClfKind {
    Common,
    Combined,
    VhostCombined,
}

/// Byte ranges of the fields a line's anonymization needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClfLine {
    pub kind: ClfKind,
    /// `vhost[:port]` of vhost_combined
    pub vhost: Option<Range<usize>>,
    /// the client slot, possibly an X-Forwarded-For chain
    pub client: Range<usize>,
    pub ident: Range<usize>,
    pub user: Range<usize>,
    /// `[time]`, brackets included
    pub time: Range<usize>,
    /// everything after the time: request, status, size, referer, agent, extras
    pub rest: Range<usize>,
    /// the request text, inside the quotes
    pub request: Range<usize>,
    pub status: Range<usize>,
    pub size: Range<usize>,
}

type Res<'a, T> = IResult<&'a [u8], T>;

/// A double-quoted field with backslash escapes; returns the inner bytes.
fn quoted(i: &[u8]) -> Res<'_, &[u8]> {
    let (rest, _) = tag(b"\"")(i)?;
    let mut k = 0;
    while let Some(d) = memchr::memchr2(b'"', b'\\', &rest[k..]) {
        k += d;
        if rest[k] == b'"' {
            return Ok((&rest[k + 1..], &rest[..k]));
        }
        k += 2;
        if k > rest.len() {
            break;
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char)))
}

fn bracketed(i: &[u8]) -> Res<'_, &[u8]> {
    recognize(delimited(tag(b"["), take_till(|b| b == b']'), tag(b"]")))(i)
}

fn number_or_dash(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|b: u8| b.is_ascii_digit() || b == b'-')(i)
}

/// `"request" status size`, after the time.
fn request_status_size(i: &[u8]) -> Res<'_, (&[u8], &[u8], &[u8])> {
    let (i, (_, req, _, status, _, size)) = tuple((space1, quoted, space1, number_or_dash, space1, number_or_dash))(i)?;
    Ok((i, (req, status, size)))
}

/// `"referer" "agent"`, after the size.
fn referer_agent(i: &[u8]) -> Res<'_, (&[u8], &[u8])> {
    tuple((preceded(space1, quoted), preceded(space1, quoted)))(i)
}

fn off(line: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - line.as_ptr() as usize;
    start..start + part.len()
}

/// Splits the part before `[time]` into space-separated tokens.
fn head_tokens(head: &[u8], toks: &mut [Range<usize>; 8]) -> usize {
    let mut n = 0;
    let mut k = 0;
    while k < head.len() {
        while k < head.len() && head[k] == b' ' {
            k += 1;
        }
        let s = k;
        while k < head.len() && head[k] != b' ' {
            k += 1;
        }
        if s < k {
            if n == toks.len() {
                return n + 1;
            }
            toks[n] = s..k;
            n += 1;
        }
    }
    n
}

/// The fields before the time: enough to find the ident and user fields of
/// a line whose rest is broken (truncated, unbalanced quotes), so that they
/// are blanked even then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClfHead {
    pub vhost: Option<Range<usize>>,
    pub client: Range<usize>,
    pub ident: Range<usize>,
    pub user: Range<usize>,
    /// offset of the time's `[`
    pub time_start: usize,
}

/// Parses the head: `[vhost] client ident user [digit...`.
pub fn parse_head(line: &[u8]) -> Option<ClfHead> {
    // the time's `[` follows a space and starts with a day (`[1/` or `[01/`);
    // a `[v6]:port` client comes before it
    let lb = memchr::memchr_iter(b'[', line).take(4).find(|&k| {
        k > 0
            && line[k - 1] == b' '
            && line.get(k + 1).is_some_and(u8::is_ascii_digit)
            && (line.get(k + 2) == Some(&b'/') || line.get(k + 3) == Some(&b'/'))
    })?;
    let head = &line[..lb];
    let mut toks: [Range<usize>; 8] = Default::default();
    let n = head_tokens(head, &mut toks);
    if !(3..=8).contains(&n) {
        return None;
    }
    let ident = toks[n - 2].clone();
    let user = toks[n - 1].clone();
    let before = &toks[..n - 2];
    let chain = head[before[0].start..before[before.len() - 1].end].contains(&b',');
    let (vhost, client) = if before.len() == 2 && !chain {
        (Some(before[0].clone()), before[1].clone())
    } else if before.len() == 1 || chain {
        (None, before[0].start..before[before.len() - 1].end)
    } else {
        return None;
    };
    Some(ClfHead {
        vhost,
        client,
        ident,
        user,
        time_start: lb,
    })
}

/// Parses a line (without its line ending). `None` when it is not CLF-shaped.
pub fn parse(line: &[u8]) -> Option<ClfLine> {
    let ClfHead {
        vhost,
        client,
        ident,
        user,
        time_start: lb,
    } = parse_head(line)?;
    let (after_time, time) = bracketed(&line[lb..]).ok()?;
    let (after, (req, status, size)) = request_status_size(after_time).ok()?;
    let (tail, ra) = opt(referer_agent)(after).ok()?;
    let kind = match (ra.is_some(), vhost.is_some()) {
        (true, true) => ClfKind::VhostCombined,
        (true, false) => ClfKind::Combined,
        (false, _) => {
            // common: only white space may follow the size
            if !tail.iter().all(|&b| b == b' ' || b == b'\t') {
                return None;
            }
            ClfKind::Common
        }
    };
    let time = off(line, time);
    Some(ClfLine {
        kind,
        vhost,
        client,
        ident,
        user,
        rest: time.end..line.len(),
        time,
        request: off(line, req),
        status: off(line, status),
        size: off(line, size),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<ClfKind> {
        parse(s.as_bytes()).map(|l| l.kind)
    }

    #[test]
    fn family() {
        let c = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
        let l = parse(c.as_bytes()).unwrap();
        assert_eq!(l.kind, ClfKind::Common);
        assert_eq!(&c[l.client.clone()], "127.0.0.1");
        assert_eq!(&c[l.user.clone()], "frank");
        assert_eq!(&c[l.request.clone()], "GET /apache_pb.gif HTTP/1.0");
        assert_eq!(
            kind(&format!("{c} \"http://x/\" \"Mozilla/4.08\"")),
            Some(ClfKind::Combined)
        );
        assert_eq!(
            kind(&format!("{c} \"-\" \"UA\" \"1.2.3.4, 5.6.7.8\" 0.003")),
            Some(ClfKind::Combined)
        );
        assert_eq!(
            kind(&format!("www.x.org:80 {c} \"-\" \"UA\"")),
            Some(ClfKind::VhostCombined)
        );
        assert_eq!(kind(&format!("{c} junk")), None);
    }

    #[test]
    fn bracketed_ipv6_client() {
        let v6 =
            r#"www.x.org:443 [2001:db8::1]:52100 - bob [01/Jan/2026:00:00:03 +0000] "GET / HTTP/2.0" 201 88 "-" "UA""#;
        let l = parse(v6.as_bytes()).unwrap();
        assert_eq!(l.kind, ClfKind::VhostCombined);
        assert_eq!(&v6[l.client], "[2001:db8::1]:52100");
        assert_eq!(&v6[l.user], "bob");
        let plain = r#"[::1]:443 - - [1/Jan/2026:00:00:03 +0000] "GET / HTTP/2.0" 200 1"#;
        assert_eq!(kind(plain), Some(ClfKind::Common));
    }

    #[test]
    fn quirks() {
        let chain = r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Mozilla/5.0""#;
        let l = parse(chain.as_bytes()).unwrap();
        assert_eq!(&chain[l.client], "10.0.0.2, 10.0.0.1, 127.0.0.1");
        let esc = r#"1.2.3.4 - - [1/Jan/2020:00:00:00 +0000] "GET /\"x\" HTTP/1.1" 400 0 "-" "a \"q\" b""#;
        assert_eq!(kind(esc), Some(ClfKind::Combined));
        let spaces = "175.18.15.10 -  -  [02/sept./2015:00:11:31 +0200] \"GET /a HTTP/1.1\" 401 1382 ";
        assert_eq!(kind(spaces), Some(ClfKind::Common));
        let empty = r#"1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "" 400 47 "-" "-" "-""#;
        assert_eq!(kind(empty), Some(ClfKind::Combined));
        let dash = "::1 - - [26/Dec/2016:16:16:48 +0200] \"-\" 408 -";
        assert_eq!(kind(dash), Some(ClfKind::Common));
        assert_eq!(kind("not a log line"), None);
        assert_eq!(kind("[x] y"), None);
    }
}
