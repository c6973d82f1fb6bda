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
//!
//! The files: `head` (the fields before the time, also of a broken line),
//! `time` (whether the time is the plain one); this one parses the rest and
//! gives the line's fields their roles.

mod head;
mod time;

use std::ops::Range;

use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::space1;
use nom::combinator::{opt, recognize};
use nom::sequence::{delimited, preceded, tuple};
use nom::IResult;

pub use head::{parse_broken, parse_cut, parse_head, ClfHead};
pub(crate) use time::is_plain_time;

/// Which member of the family a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClfKind {
    /// `%h %l %u %t "%r" %>s %b`
    Common,
    /// Common and `"%{Referer}i" "%{User-Agent}i"`
    Combined,
    /// `%v:%p` and combined
    VhostCombined,
}

/// Byte ranges of the fields a line's anonymization needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClfLine {
    /// Which member of the family.
    pub kind: ClfKind,
    /// `vhost[:port]` of vhost_combined
    pub vhost: Option<Range<usize>>,
    /// the client slot, possibly an X-Forwarded-For chain
    pub client: Range<usize>,
    /// The ident field (`%l`).
    pub ident: Range<usize>,
    /// The user field (`%u`).
    pub user: Range<usize>,
    /// `[time]`, brackets included
    pub time: Range<usize>,
    /// everything after the time: request, status, size, referer, agent, extras
    pub rest: Range<usize>,
    /// the request text, inside the quotes
    pub request: Range<usize>,
    /// The status (`%>s`).
    pub status: Range<usize>,
    /// The size (`%b`).
    pub size: Range<usize>,
    /// the referer and the user agent of a combined line, inside their quotes
    pub referer: Option<Range<usize>>,
    /// The user agent (see `referer`).
    pub agent: Option<Range<usize>>,
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
        referer: ra.map(|(r, _)| off(line, r)),
        agent: ra.map(|(_, a)| off(line, a)),
    })
}

// ------------------------------------------------------------ the walk

/// The fields of a parsed line, with their roles, in `f` (the one walk
/// form: see [`RoleWalk`](crate::formats::record::RoleWalk)): the text
/// before its head (a syslog or CRI prefix), its vhost, the client, ident
/// and user (`User`, slots whose empty value is `-`), the time (without its
/// brackets; an odd time, ISO 8601 or not a time at all, is `Generic` text
/// with its brackets), and the rest of the line (`Generic`), split around
/// the request, the referer and the user agent where they can be scanned
/// apart (see `apart`; each field takes its closing quote along, and is
/// noted as one that repeats from line to line); the spaces between the
/// head's fields are gaps, kept. Empty fields are left out. The time, the
/// status, the size, the user and the request, referer and user agent are
/// noted for the record.
#[inline(always)]
fn fill(line: &[u8], l: &ClfLine, f: &mut Fields) {
    // the quoted fields that repeat from line to line (request, referer,
    // user agent), each with its closing quote, where they can be scanned
    // apart
    let request = Some(&l.request)
        .filter(|r| apart(line, r, |b| b == b"] \""))
        .map(with_quote);
    let referer = l
        .referer
        .as_ref()
        .filter(|r| apart(line, r, |b| matches!(b[0], b'0'..=b'9' | b'-') && b[1..] == *b" \""))
        .map(with_quote);
    let agent = l
        .agent
        .as_ref()
        .filter(|a| apart(line, a, |b| b == b"\" \""))
        .map(with_quote);
    let time = if is_plain_time(&line[l.time.clone()]) {
        (clf_time(l), Role::Time)
    } else {
        (l.time.clone(), Role::Generic)
    };
    // the fields go straight into the list's room, checked against the
    // most a line has (pushed one by one they cost 23 more instructions a
    // line, and this runs on every CLF line)
    let list = &mut f.list;
    list.clear();
    list.reserve(MAX_FIELDS);
    let room = &mut list.spare_capacity_mut()[..MAX_FIELDS];
    let mut n = 0;
    // (writes a field, and says at which place)
    let mut put = |field: (Range<usize>, Role)| {
        room[n].write(field);
        n += 1;
        n - 1
    };
    // the text the line was found after (syslog, CRI)
    let head = l.vhost.as_ref().map_or(l.client.start, |v| v.start);
    if head > 0 {
        put((0..head, Role::Generic));
    }
    if let Some(v) = &l.vhost {
        put((v.clone(), Role::Generic));
    }
    put((l.client.clone(), Role::Client));
    put((l.ident.clone(), Role::User));
    put((l.user.clone(), Role::User));
    put(time);
    // the rest of the line: the text between those fields is scanned as it
    // comes (the opening quote before each is only its context); a field
    // that is not apart is part of it
    let mut repeats = 0u64;
    let mut at = l.rest.start;
    // (a flattening iterator here cost more than the `if let`)
    #[allow(clippy::manual_flatten)]
    for q in [request, referer, agent] {
        if let Some(q) = q {
            if at < q.start - 1 {
                put((at..q.start - 1, Role::Generic));
            }
            at = q.end;
            repeats |= 1 << put((q, Role::Generic));
        }
    }
    if at < l.rest.end {
        put((at..l.rest.end, Role::Generic));
    }
    // SAFETY: the first `n` places of the list's room were written above
    // (`put` writes one and counts it), and `n` is at most `MAX_FIELDS`.
    unsafe { list.set_len(n) };
    f.gaps = Some(Role::Verbatim);
    f.dash_users = true;
    f.repeats = repeats;
    f.time = Some(clf_time(l));
    f.status = Some(l.status.clone());
    f.bytes = Some(l.size.clone());
    f.client = None;
    f.user = Some(l.user.clone());
    f.http = Http {
        request: Some(l.request.clone()),
        method: None,
        path: None,
        query: None,
        referer: l.referer.clone(),
        agent: l.agent.clone(),
    };
}

/// The most fields a CLF line has: the text before its head, its vhost,
/// client, ident, user and time, and the rest in at most seven pieces.
const MAX_FIELDS: usize = 13;

/// Whether the quoted field at `q` (inside its quotes) of a CLF line can be
/// scanned apart from the rest of the line: the three bytes before it pass
/// `lead` (its opening quote and what ends the field before it), and a `" `
/// or the end of the line comes after it, so that no finding crosses into
/// it or out of it (the rule of [`crate::scan::scan`]), and it is short
/// enough to be remembered.
fn apart(line: &[u8], q: &Range<usize>, lead: impl Fn(&[u8]) -> bool) -> bool {
    q.start >= 3
        && lead(&line[q.start - 3..q.start])
        && line.get(q.end) == Some(&b'"')
        && matches!(line.get(q.end + 1), None | Some(b' '))
        && q.len() + 2 <= crate::clean::MAX_LEN
}

/// A quoted field's range with its closing quote.
fn with_quote(q: &Range<usize>) -> Range<usize> {
    q.start..q.end + 1
}

/// CLF's time without its brackets.
fn clf_time(l: &ClfLine) -> Range<usize> {
    l.time.start + 1..l.time.end.saturating_sub(1).max(l.time.start + 1)
}

// ------------------------------------------------------------ the registry

use super::fields::{Fields, Http, Role};
use super::spec::{Ctx, FormatSpec, LogFormat, Parsed, Recognised};
use crate::rules::DenyList;

/// The place of a member among the family's counters (`common`'s first).
fn member(kind: ClfKind) -> u8 {
    match kind {
        ClfKind::Common => 0,
        ClfKind::Combined => 1,
        ClfKind::VhostCombined => 2,
    }
}

/// A parsed line in `f`, counted as its member: `common` is the family's
/// first counter, the others follow it in the registry (its tests check).
#[inline(always)]
pub(crate) fn recognised(common: Parsed, line: &[u8], l: &ClfLine, f: &mut Fields) -> Recognised {
    fill(line, l, f);
    Recognised::Fields(Parsed(common.0 + member(l.kind)))
}

/// Detection takes the whole family at once (registered as `common`); each
/// line is counted by its member.
fn family(common: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    let l = parse(line)?;
    Some(recognised(common, line, &l, &mut ctx.fields))
}

/// One member of the family, under `--format common` (`combined`,
/// `vhost_combined`): the lines of that member only.
struct Member(ClfKind);

impl LogFormat for Member {
    fn parse(&self, kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
        let l = parse(line).filter(|l| l.kind == self.0)?;
        fill(line, &l, &mut ctx.fields);
        Some(Recognised::Fields(kind))
    }

    /// The time in its brackets (the noted time is without them).
    fn time(&self, line: &[u8], f: &Fields) -> Option<i64> {
        let t = f.time.as_ref()?;
        crate::time::parse_clf_time(&line[t.start - 1..t.end + 1])
    }
}

pub(crate) const COMMON: FormatSpec = FormatSpec {
    name: "common",
    help: Some("the Common Log Format: host ident user [time] \"request\" status bytes"),
    detect: &[(40, family)],
    format: &Member(ClfKind::Common),
};

pub(crate) const COMBINED: FormatSpec = FormatSpec {
    name: "combined",
    help: Some("common, then \"referer\" \"user agent\" (and extra fields)"),
    detect: &[],
    format: &Member(ClfKind::Combined),
};

pub(crate) const VHOST_COMBINED: FormatSpec = FormatSpec {
    name: "vhost_combined",
    help: Some("combined after a vhost[:port] field"),
    detect: &[],
    format: &Member(ClfKind::VhostCombined),
};

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
