//! W3C extended log format (IIS, IIS Advanced Logging, CloudFront web and
//! tab-separated, Incapsula): a `#Fields:` directive names the columns, and a
//! new directive mid-file replaces them. Columns get roles by name: `c-ip`
//! and `x-forwarded-for` are addresses, `cs-username` is a user, `cs(Cookie)`
//! and `cs(Authorization)` are secrets, `date`/`time` are kept, the rest
//! (`cs-uri-query`, `cs(Referer)`, `cs(User-Agent)`, ...) is scanned.

use std::sync::Arc;

use crate::formats::fields::{split_quoted, Fields, Role};

/// The columns of a `#Fields:` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub roles: Vec<Role>,
}

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
pub fn parse_fields_directive(line: &[u8]) -> Option<Arc<Header>> {
    let rest = line.strip_prefix(b"#Fields:")?;
    let roles = rest
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|t| !t.is_empty())
        .map(column_role)
        .collect::<Vec<_>>();
    if roles.is_empty() {
        return None;
    }
    Some(Arc::new(Header { roles }))
}

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

/// Splits a data line by the header: tab-separated when it holds a tab,
/// space-separated otherwise (quoted values may hold spaces). `None` when
/// the number of values does not match the header.
pub fn parse(line: &[u8], header: &Header, cols: &mut Vec<std::ops::Range<usize>>, f: &mut Fields) -> Option<()> {
    let sep = if memchr::memchr(b'\t', line).is_some() {
        b'\t'
    } else {
        b' '
    };
    if !split_quoted(line, sep, cols) || cols.len() != header.roles.len() {
        return None;
    }
    f.clear();
    f.gaps = Some(Role::Verbatim);
    for (r, role) in cols.iter().zip(&header.roles) {
        f.push(r.clone(), *role);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_line() {
        let h = parse_fields_directive(b"#Fields: date time c-ip cs-username cs(Cookie) cs-uri-query").unwrap();
        assert_eq!(
            h.roles,
            [
                Role::Time,
                Role::Time,
                Role::Client,
                Role::User,
                Role::Secret,
                Role::Generic
            ]
        );
        let mut cols = Vec::new();
        let mut f = Fields::default();
        let l = b"2018-01-01 10:11:12 1.2.3.4 bob a=b q=1";
        parse(l, &h, &mut cols, &mut f).unwrap();
        assert_eq!(f.list[3], (28..31, Role::User));
        assert!(parse(b"2018-01-01 10:11:12 1.2.3.4", &h, &mut cols, &mut f).is_none());
        let chunk = b"x\n#Fields: date time\n1 2\n#Fields: date time c-ip\n1 2 3\n";
        assert_eq!(last_header(chunk).unwrap().roles.len(), 3);
    }
}
