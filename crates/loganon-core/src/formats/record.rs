//! The typed record view of a recognised line: where its client, user,
//! secrets, request (method, path, query), referer, user agent, time,
//! status and bytes are, whatever its format. Built from what the formats
//! note while parsing ([`Fields`] and its roles, and what each
//! [`LogFormat`](super::spec::LogFormat) says of them: a template's fields); nothing is parsed again
//! but the time (and the request line, split at its spaces and `?`).
//!
//! It says which spans are which fields, never whether a value is personal
//! data: the rules (and `check`, which judges on its own) decide that.

use std::ops::Range;

use super::fields::{Fields, Role};
use super::spec::{Ctx, Parsed, Recognised};
use super::Format;

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
/// order, and what happens to the bytes between them (a view of the
/// [`Fields`] its format filled). The anonymizer applies a rule per role
/// along it, `check` judges along it, and the records of the summaries
/// carry it.
///
/// CLF, for one: the text before the head (a syslog or CRI prefix), its
/// vhost, the client, ident and user (`User`), the time (without its
/// brackets; an odd time, ISO 8601 or not a time at all, is `Generic` text
/// with its brackets), and the rest of the line (`Generic`), split around
/// the request, the referer and the user agent where they can be scanned
/// apart (each field takes its closing quote along); the spaces between the
/// head's fields are gaps, kept. The other formats: their fields as parsed
/// and their gaps. Directives and unparsed lines have none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleWalk<'a> {
    fields: &'a [(Range<usize>, Role)],
    /// which of the fields (a bit by position) may be scanned apart through
    /// the cache of clean values ([`Fields::repeats`])
    apart: u64,
    /// see [`Fields::dash_users`]
    dash_users: bool,
    /// what happens to the bytes between fields: `Generic` (scanned) or
    /// `Verbatim` (kept)
    pub gaps: Option<Role>,
}

impl<'a> RoleWalk<'a> {
    /// The walk of the fields a format filled (see
    /// [`recognise`](super::recognise), which fills them in the context).
    #[inline(always)]
    pub fn of(fields: &'a Fields) -> RoleWalk<'a> {
        RoleWalk {
            fields: &fields.list,
            apart: fields.repeats,
            dash_users: fields.dash_users,
            gaps: fields.gaps,
        }
    }

    /// Whether the users are slots whose empty value is `-` (CLF's ident
    /// and user: see [`Fields::dash_users`]).
    #[inline]
    pub fn dash_users(&self) -> bool {
        self.dash_users
    }

    /// The fields and their roles, in order.
    #[inline]
    pub fn list(&self) -> &'a [(Range<usize>, Role)] {
        self.fields
    }

    /// The fields and their roles, in order ([`RoleWalk::list`]).
    pub fn iter(&self) -> impl Iterator<Item = (Range<usize>, Role)> + '_ {
        self.fields.iter().cloned()
    }

    /// Whether the field at position `k` of [`RoleWalk::list`] may be
    /// scanned apart through the cache of clean values.
    #[inline]
    pub fn is_apart(&self, k: usize) -> bool {
        // (a bit past the 64th is none)
        self.apart.checked_shr(k as u32).is_some_and(|m| m & 1 != 0)
    }
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
/// and unparsed lines. What its format says of it: see
/// [`LogFormat`](super::spec::LogFormat).
pub fn record<'a>(format: &Format, rec: &Recognised, line: &[u8], ctx: &'a Ctx) -> Option<Record<'a>> {
    let Recognised::Fields(kind) = *rec else {
        return None;
    };
    let reader = format.reader(kind);
    let f: &Fields = &ctx.fields;
    let fig = reader.figures(f);
    let unix_time = reader.time(line, f);
    let first = |role: Role| {
        f.list
            .iter()
            .find(|(r, role2)| *role2 == role && present(line, Some(r.clone())).is_some())
            .map(|(r, _)| r.clone())
    };
    let (http, time) = reader.request(f);
    let mut r = Record {
        kind: Some(kind),
        client: fig.client,
        user: f.user.clone().or_else(|| first(Role::User)),
        request: http.request,
        method: http.method,
        path: http.path,
        query: http.query,
        referer: http.referer,
        user_agent: http.agent,
        time: time.or_else(|| f.time.clone()).or_else(|| first(Role::Time)),
        unix_time,
        status: fig.status,
        bytes: fig.bytes,
        roles: RoleWalk::of(f),
    };
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
