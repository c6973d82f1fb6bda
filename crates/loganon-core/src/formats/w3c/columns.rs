//! The columns of a W3C log: a `#Fields:` directive's names and the role
//! each gives its column, the columns given as an option, and the last
//! directive of a chunk of lines (what the lines after it start with).

use std::sync::Arc;

use crate::formats::fields::Role;

/// The columns of a `#Fields:` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Each column's role, in order.
    pub roles: Vec<Role>,
    /// The columns of the first 64 whose role is `Time`, as bits: each
    /// value there is checked to be a time (see `parse`).
    pub times: u64,
    /// the columns of the HTTP status (`sc-status`) and of the bytes sent
    /// (`sc-bytes`), for the summaries; the first of each name wins
    pub status: Option<usize>,
    /// See `status`.
    pub bytes: Option<usize>,
    /// the columns of `cs-method`, `cs-uri-stem`, `cs-uri-query`,
    /// `cs(Referer)` and `cs(User-Agent)`, for the typed record
    pub http: [Option<usize>; 5],
}

const HTTP_COLUMNS: [&[u8]; 5] = [
    b"cs-method",
    b"cs-uri-stem",
    b"cs-uri-query",
    b"cs(Referer)",
    b"cs(User-Agent)",
];

fn column_role(name: &[u8]) -> Role {
    let n = name.to_ascii_lowercase();
    let n = n.as_slice();
    match n {
        b"date" | b"time" | b"timestamp" | b"datetime" => Role::Time,
        b"c-ip" | b"cs-ip" | b"c-ip-address" | b"x-client-ip" | b"x-clientip" | b"clientip" | b"cs(x-real-ip)" => {
            Role::Client
        }
        b"cs-username" | b"cs-user" | b"x-username" | b"cs(username)" | b"c-username" => Role::User,
        _ if n.ends_with(b"(cookie)")
            || n.ends_with(b"(set-cookie)")
            || n.ends_with(b"(authorization)")
            || n.ends_with(b"(proxy-authorization)")
            || n == b"cs-cookie"
            || n == b"x-cookie" =>
        {
            Role::Secret
        }
        _ => Role::Generic,
    }
}

/// Parses a `#Fields:` directive line; `None` for other lines.
pub(crate) fn parse_fields_directive(line: &[u8]) -> Option<Arc<Header>> {
    let rest = line.strip_prefix(b"#Fields:")?;
    let names = rest.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty());
    let roles = names.clone().map(column_role).collect::<Vec<_>>();
    if roles.is_empty() {
        return None;
    }
    let column = |want: &[u8]| names.clone().position(|n| n.eq_ignore_ascii_case(want));
    let times = roles
        .iter()
        .take(64)
        .enumerate()
        .filter(|(_, r)| **r == Role::Time)
        .fold(0u64, |m, (k, _)| m | 1 << k);
    Some(Arc::new(Header {
        roles,
        times,
        status: column(b"sc-status"),
        bytes: column(b"sc-bytes"),
        http: HTTP_COLUMNS.map(column),
    }))
}

/// The columns given as an option (`--w3c-fields`, the config's and the
/// Python package's `w3c_fields`): the names as a `#Fields:` directive
/// writes them, the `#Fields:` itself optional. `None` without a name.
pub fn fields_option(names: &str) -> Option<Arc<Header>> {
    let directive = format!("#Fields: {}", names.trim().trim_start_matches("#Fields:").trim());
    parse_fields_directive(directive.as_bytes())
}

/// What a bad `w3c_fields` is told.
pub const FIELDS_OPTION_HELP: &str =
    "no column names; write them as a #Fields: directive does: \"date time c-ip cs-username cs(Cookie)\"";

/// The last `#Fields:` directive in a chunk of lines, if any. A forward
/// SIMD search (the reverse one is not vectorised, and this runs on every
/// chunk of every input).
pub fn last_header(chunk: &[u8]) -> Option<Arc<Header>> {
    let mut last = None;
    for k in memchr::memmem::find_iter(chunk, b"#Fields:") {
        if k == 0 || chunk[k - 1] == b'\n' {
            last = Some(k);
        }
    }
    let k = last?;
    let stop = memchr::memchr(b'\n', &chunk[k..]).map_or(chunk.len(), |d| k + d);
    let line = &chunk[k..stop];
    parse_fields_directive(line.strip_suffix(b"\r").unwrap_or(line))
}

/// The directives of the W3C extended format (a line starting with `#`
/// and one of these is a directive, not data).
pub(crate) const DIRECTIVES: &[&[u8]] = &[
    b"#Fields:",
    b"#Version:",
    b"#Software:",
    b"#Date:",
    b"#Remark:",
    b"#Start-Date:",
    b"#End-Date:",
];
