//! The typed record view of a recognised line: where its client, user,
//! secrets, request (method, path, query), referer, user agent, time,
//! status and bytes are, whatever its format. Built from what the formats
//! note while parsing ([`ClfLine`](super::clf::ClfLine), [`Fields`] and
//! its roles, a template's fields); nothing is parsed again but the time
//! (and the request line, split at its spaces and `?`).
//!
//! It says which spans are which fields, never whether a value is personal
//! data: the rules (and `check`, which judges on its own) decide that.

use std::ops::Range;

use super::fields::{Fields, Role};
use super::{line_figures, line_time, Ctx, Format, Parsed, Recognised};

/// One line's fields by what they hold (byte ranges of the line; `None`:
/// the format has no such field, or it is `-`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record<'a> {
    /// the format the line was recognised as
    pub kind: Option<Parsed>,
    /// The client address field.
    pub client: Option<Range<usize>>,
    /// the user (CLF's authuser; else the first `User` field)
    pub user: Option<Range<usize>>,
    /// the whole request line, where the format writes one
    pub request: Option<Range<usize>>,
    /// The method, where the format has it apart (or from the request line).
    pub method: Option<Range<usize>>,
    /// the request target without its query (a URL where the format logs one)
    pub path: Option<Range<usize>>,
    /// the query, without its `?`
    pub query: Option<Range<usize>>,
    /// The referer.
    pub referer: Option<Range<usize>>,
    /// The user agent.
    pub user_agent: Option<Range<usize>>,
    /// the time field (CLF's without its brackets; W3C's date column)
    pub time: Option<Range<usize>>,
    /// the line's time, Unix seconds UTC (`line_time`)
    pub unix_time: Option<i64>,
    /// The HTTP status.
    pub status: Option<Range<usize>>,
    /// The response bytes.
    pub bytes: Option<Range<usize>>,
    roles: RoleWalk<'a>,
}

/// The one role walk: every field of a recognised line with its role, in
/// order, and what happens to the bytes between them. The anonymizer applies
/// a rule per role along it, `check` judges along it, and the records of the
/// summaries carry it.
///
/// CLF: the text before the head (a syslog or CRI prefix), its vhost, the
/// client, ident and user (`User`), the time (without its brackets; an odd
/// time, ISO 8601 or not a time at all, is `Generic` text with its brackets),
/// and the rest of the line (`Generic`), split around the request, the
/// referer and the user agent where they can be scanned apart (see
/// `apart`; each field takes its closing quote along); the spaces between
/// the head's fields are gaps, kept. The other
/// formats: their fields as parsed ([`Fields`]) and their gaps. Directives
/// and unparsed lines have none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleWalk<'a> {
    /// a CLF line's fields (empty ones are none), those walked: `lo..hi`
    clf: [(Range<usize>, Role); 13],
    lo: u8,
    hi: u8,
    /// which of the fields of [`RoleWalk::list`] (a bit by position) may be
    /// scanned apart through the cache of clean values: a CLF line's
    /// request, referer and user agent; a format's [`Fields::repeats`] (its
    /// user agent is [`RoleWalk::agent`])
    apart: u64,
    is_clf: bool,
    fields: &'a [(Range<usize>, Role)],
    /// what happens to the bytes between fields: `Generic` (scanned) or
    /// `Verbatim` (kept)
    pub gaps: Option<Role>,
    /// the user agent's field, when it may be scanned on its own (the byte
    /// before it, a quote or a separator, is its context)
    pub agent: Option<Range<usize>>,
}

impl<'a> RoleWalk<'a> {
    /// The walk of `line`, recognised as `rec` (`fields`: what
    /// [`recognise`](super::recognise) filled in the context).
    #[inline(always)]
    pub fn of(rec: &Recognised, line: &[u8], fields: &'a Fields) -> RoleWalk<'a> {
        match rec {
            Recognised::Clf(l) => {
                // the quoted fields that repeat from line to line (request,
                // referer, user agent), each with its closing quote, where
                // they can be scanned apart
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
                let time = if super::clf::is_plain_time(&line[l.time.clone()]) {
                    (clf_time(l), Role::Time)
                } else {
                    (l.time.clone(), Role::Generic)
                };
                // the rest of the line: the text between those fields is
                // scanned as it comes (the opening quote before each is only
                // its context); a field that is not apart is part of it
                let mut rest = [
                    (0..0, Role::Generic),
                    (0..0, Role::Generic),
                    (0..0, Role::Generic),
                    (0..0, Role::Generic),
                    (0..0, Role::Generic),
                    (0..0, Role::Generic),
                    (0..0, Role::Generic),
                ];
                let mut apart_mask = 0u64;
                let mut at = l.rest.start;
                for (k, f) in [&request, &referer, &agent].into_iter().enumerate() {
                    if let Some(f) = f {
                        rest[2 * k].0 = at..f.start - 1;
                        rest[2 * k + 1].0 = f.clone();
                        apart_mask |= 1 << (7 + 2 * k);
                        at = f.end;
                    }
                }
                rest[6].0 = at..l.rest.end;
                // the walk runs from the first field there is to the last:
                // most lines have no prefix, no vhost and nothing after the
                // agent (the empty ones left are skipped as they are walked:
                // cheaper than compacting them here, for every line)
                let head = l.vhost.as_ref().map_or(l.client.start, |v| v.start);
                let lo = if head > 0 {
                    0
                } else if l.vhost.is_some() {
                    1
                } else {
                    2
                };
                let hi = if rest[6].0.is_empty() { 12 } else { 13 };
                let [r0, r1, r2, r3, r4, r5, r6] = rest;
                RoleWalk {
                    lo,
                    hi,
                    clf: [
                        // the text the line was found after (syslog, CRI)
                        (0..head, Role::Generic),
                        (l.vhost.clone().unwrap_or(0..0), Role::Generic),
                        (l.client.clone(), Role::Client),
                        (l.ident.clone(), Role::User),
                        (l.user.clone(), Role::User),
                        time,
                        r0,
                        r1,
                        r2,
                        r3,
                        r4,
                        r5,
                        r6,
                    ],
                    apart: apart_mask >> lo,
                    is_clf: true,
                    fields: &[],
                    gaps: Some(Role::Verbatim),
                    agent,
                }
            }
            Recognised::Fields(_) => RoleWalk {
                fields: &fields.list,
                gaps: fields.gaps,
                agent: fields.http.agent.clone().filter(|a| a.start > 0),
                apart: fields.repeats,
                ..RoleWalk::default()
            },
            Recognised::Directive { .. } | Recognised::Unparsed => RoleWalk::default(),
        }
    }

    /// The walk of fields parsed by a format (a line nested in a JSON
    /// string, JSON read leniently), with no user agent apart.
    pub fn fields(fields: &'a Fields) -> RoleWalk<'a> {
        RoleWalk {
            fields: &fields.list,
            gaps: fields.gaps,
            ..RoleWalk::default()
        }
    }

    /// Whether this is a CLF line's walk (its users and its client have
    /// rules of their own: see the engine and `check`).
    pub(crate) fn is_clf(&self) -> bool {
        self.is_clf
    }

    /// The fields and their roles, in order, and whether an empty one is
    /// none (a CLF line's) rather than a field (a format's empty user has a
    /// rule).
    #[inline]
    pub fn list(&self) -> (&[(Range<usize>, Role)], bool) {
        if self.is_clf {
            (&self.clf[usize::from(self.lo)..usize::from(self.hi)], true)
        } else {
            (self.fields, false)
        }
    }

    /// The fields and their roles, in order ([`RoleWalk::list`]).
    pub fn iter(&self) -> impl Iterator<Item = (Range<usize>, Role)> + '_ {
        let (list, skip_empty) = self.list();
        list.iter().filter(move |(r, _)| !(skip_empty && r.is_empty())).cloned()
    }

    /// Whether the field at position `k` of [`RoleWalk::list`], at `r`, may
    /// be scanned apart through the cache of clean values.
    #[inline]
    pub fn is_apart(&self, k: usize, r: &Range<usize>) -> bool {
        // (a bit past the 64th is none)
        self.apart.checked_shr(k as u32).is_some_and(|m| m & 1 != 0) || (!self.is_clf && self.is_agent(r))
    }

    /// Whether the field at `r` is the user agent of [`RoleWalk::agent`]
    /// (a W3C column may hold it quoted).
    #[inline]
    pub(crate) fn is_agent(&self, r: &Range<usize>) -> bool {
        // (the column of a quoted agent holds it one byte further each side:
        // the agent was read from it unquoted)
        self.agent
            .as_ref()
            .is_some_and(|a| *a == *r || (a.start == r.start + 1 && a.end + 1 == r.end))
    }
}

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
fn clf_time(l: &super::clf::ClfLine) -> Range<usize> {
    l.time.start + 1..l.time.end.saturating_sub(1).max(l.time.start + 1)
}

impl Record<'_> {
    /// Every field of the line with its role, in order ([`RoleWalk`]).
    pub fn roles(&self) -> impl Iterator<Item = (Range<usize>, Role)> + '_ {
        self.roles.iter()
    }

    /// The spans of the fields of role `role`.
    pub fn spans(&self, role: Role) -> impl Iterator<Item = Range<usize>> + '_ {
        self.roles().filter(move |(_, r)| *r == role).map(|(r, _)| r)
    }

    /// The secrets: cookies, authorization headers, identifiers.
    pub fn secrets(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.roles()
            .filter(|(_, r)| matches!(r, Role::Secret | Role::SecretNumber))
            .map(|(r, _)| r)
    }
}

/// `r`, unless it is empty or `-`.
fn present(line: &[u8], r: Option<Range<usize>>) -> Option<Range<usize>> {
    r.filter(|r| !r.is_empty() && &line[r.clone()] != b"-")
}

/// Splits a request line `METHOD target PROTOCOL` (or a target alone)
/// into method, path and query.
fn split_request(line: &[u8], r: &Range<usize>) -> [Option<Range<usize>>; 3] {
    let v = &line[r.clone()];
    let sp = |from: usize| v[from..].iter().position(|&b| b == b' ').map(|d| from + d);
    let Some(m) = sp(0) else {
        return [None, None, None];
    };
    let t_end = sp(m + 1).unwrap_or(v.len());
    let (method, target) = (r.start..r.start + m, r.start + m + 1..r.start + t_end);
    let [path, query] = split_target(line, &target);
    [Some(method), path, query]
}

/// A target's path and query (after its `?`).
fn split_target(line: &[u8], t: &Range<usize>) -> [Option<Range<usize>>; 2] {
    match memchr::memchr(b'?', &line[t.clone()]) {
        Some(q) => [Some(t.start..t.start + q), Some(t.start + q + 1..t.end)],
        None => [Some(t.clone()), None],
    }
}

/// The [`Record`] of a line recognised as `rec` under `format` (`ctx`: the
/// context [`recognise`](super::recognise) filled); `None` for directives
/// and unparsed lines.
pub fn record<'a>(format: &Format, rec: &Recognised, line: &[u8], ctx: &'a Ctx) -> Option<Record<'a>> {
    let fig = line_figures(format, rec, ctx);
    let unix_time = line_time(format, rec, line, ctx);
    let mut r = match rec {
        Recognised::Clf(l) => {
            let (referer, user_agent) = (l.referer.clone(), l.agent.clone());
            Record {
                user: Some(l.user.clone()),
                request: Some(l.request.clone()),
                referer,
                user_agent,
                time: Some(clf_time(l)),
                ..Record::default()
            }
        }
        Recognised::Fields(_) => {
            let f: &Fields = &ctx.fields;
            let first = |role: Role| {
                f.list
                    .iter()
                    .find(|(r, role2)| *role2 == role && present(line, Some(r.clone())).is_some())
                    .map(|(r, _)| r.clone())
            };
            let (http, time) = match (format, rec.parsed()) {
                (Format::Template(t), Some(Parsed::APACHE | Parsed::NGINX)) => t.http_of(f),
                _ => (f.http.clone(), None),
            };
            Record {
                user: first(Role::User),
                request: http.request,
                method: http.method,
                path: http.path,
                query: http.query,
                referer: http.referer,
                user_agent: http.agent,
                time: time.or_else(|| f.time.clone()).or_else(|| first(Role::Time)),
                ..Record::default()
            }
        }
        Recognised::Directive { .. } | Recognised::Unparsed => return None,
    };
    r.kind = rec.parsed();
    r.roles = RoleWalk::of(rec, line, &ctx.fields);
    r.client = fig.client;
    r.status = fig.status;
    r.bytes = fig.bytes;
    r.unix_time = unix_time;
    if let Some(req) = present(line, r.request.clone()) {
        if r.method.is_none() && r.path.is_none() {
            [r.method, r.path, r.query] = split_request(line, &req);
        }
    } else if r.query.is_none() {
        // a path column that holds its query (Squid's URL)
        if let Some(p) = present(line, r.path.clone()) {
            [r.path, r.query] = split_target(line, &p);
        }
    }
    r.user = present(line, r.user);
    r.request = present(line, r.request);
    r.method = present(line, r.method);
    r.path = present(line, r.path);
    r.query = present(line, r.query);
    r.referer = present(line, r.referer);
    r.user_agent = present(line, r.user_agent);
    Some(r)
}
