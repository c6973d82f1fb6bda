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
    pub client: Option<Range<usize>>,
    /// the user (CLF's authuser; else the first `User` field)
    pub user: Option<Range<usize>>,
    /// the whole request line, where the format writes one
    pub request: Option<Range<usize>>,
    pub method: Option<Range<usize>>,
    /// the request target without its query (a URL where the format logs one)
    pub path: Option<Range<usize>>,
    /// the query, without its `?`
    pub query: Option<Range<usize>>,
    pub referer: Option<Range<usize>>,
    pub user_agent: Option<Range<usize>>,
    /// the time field (CLF's without its brackets; W3C's date column)
    pub time: Option<Range<usize>>,
    /// the line's time, Unix seconds UTC ([`line_time`])
    pub unix_time: Option<i64>,
    pub status: Option<Range<usize>>,
    pub bytes: Option<Range<usize>>,
    roles: RoleWalk<'a>,
}

/// The one role walk: every field of a recognised line with its role, in
/// order. CLF: its vhost (`Generic`), client, ident and user (`User`) and
/// time (without its brackets); the other formats: their fields as parsed
/// (`ctx.fields`). Directives and unparsed lines have none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RoleWalk<'a> {
    #[default]
    None,
    /// CLF: vhost (empty when none), client, ident, user, time
    Clf([(Range<usize>, Role); 5]),
    Fields(&'a [(Range<usize>, Role)]),
}

impl<'a> RoleWalk<'a> {
    /// The walk of a line recognised as `rec` (`ctx`: the context
    /// [`recognise`](super::recognise) filled).
    pub fn of(rec: &Recognised, ctx: &'a Ctx) -> RoleWalk<'a> {
        match rec {
            Recognised::Clf(l) => RoleWalk::Clf([
                (l.vhost.clone().unwrap_or(0..0), Role::Generic),
                (l.client.clone(), Role::Client),
                (l.ident.clone(), Role::User),
                (l.user.clone(), Role::User),
                (clf_time(l), Role::Time),
            ]),
            Recognised::Fields(_) => RoleWalk::Fields(&ctx.fields.list),
            Recognised::Directive { .. } | Recognised::Unparsed => RoleWalk::None,
        }
    }

    /// The fields and their roles (a CLF line without a vhost has none).
    pub fn iter(&self) -> impl Iterator<Item = (Range<usize>, Role)> + '_ {
        let (list, clf): (&[(Range<usize>, Role)], bool) = match self {
            RoleWalk::None => (&[], false),
            RoleWalk::Clf(a) => (a, true),
            RoleWalk::Fields(l) => (l, false),
        };
        list.iter().filter(move |(r, _)| !(clf && r.is_empty())).cloned()
    }
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
    r.roles = RoleWalk::of(rec, ctx);
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
