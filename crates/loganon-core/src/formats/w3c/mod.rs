//! W3C extended log format (IIS, IIS Advanced Logging, CloudFront web and
//! tab-separated, Incapsula): a `#Fields:` directive names the columns, and a
//! new directive mid-file replaces them. Columns get roles by name: `c-ip`
//! and `x-forwarded-for` are addresses, `cs-username` is a user, `cs(Cookie)`
//! and `cs(Authorization)` are secrets, `date`/`time` are kept, the rest
//! (`cs-uri-query`, `cs(Referer)`, `cs(User-Agent)`, ...) is scanned.
//!
//! The files: `columns` (the columns a `#Fields:` names, and the last one
//! of a chunk); this one reads data lines, with or without columns in force.

pub(crate) mod columns;

use std::sync::Arc;

pub use columns::{fields_option, last_header, Header, FIELDS_OPTION_HELP};

use crate::formats::fields::{split_quoted, unquoted, Fields, Role};
use columns::{parse_fields_directive, DIRECTIVES};

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
    // a `date` or `time` column holds a time only when it looks like one
    let mut times = header.times;
    while times != 0 {
        let k = times.trailing_zeros() as usize;
        times &= times - 1;
        if !is_time(&line[cols[k].clone()]) {
            f.list[k].1 = Role::Verbatim;
        }
    }
    // (columns past the 64 of the bits, looked at one by one)
    for k in 64..header.roles.len() {
        if header.roles[k] == Role::Time && !is_time(&line[cols[k].clone()]) {
            f.list[k].1 = Role::Verbatim;
        }
    }
    f.status = header.status.and_then(|k| cols.get(k).cloned());
    f.bytes = header.bytes.and_then(|k| cols.get(k).cloned());
    let col = |k: Option<usize>| k.and_then(|k| cols.get(k)).map(|r| unquoted(line, r));
    let [method, path, query, referer, agent] = header.http;
    // (one field a column, in order; each column has a separator before
    // it and one or the end of the line after it; a user agent not at the
    // start of the line, where it has no byte of context before it)
    let agent_apart = agent.filter(|&k| cols.get(k).is_some_and(|r| unquoted(line, r).start > 0));
    f.repeats = [path, query, referer, agent_apart]
        .into_iter()
        .flatten()
        .filter(|&k| k < 64.min(cols.len()))
        .fold(0, |m, k| m | 1 << k);
    f.http = crate::formats::fields::Http {
        request: None,
        method: col(method),
        path: col(path),
        query: col(query),
        referer: col(referer),
        agent: col(agent),
    };
    Some(())
}

/// The columns IIS writes by default (`#Fields:` of a stock IIS 8.5+ site).
pub(crate) const IIS_DEFAULT: &[u8] = b"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

fn iis_default() -> &'static Header {
    static H: std::sync::OnceLock<Arc<Header>> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        parse_fields_directive(IIS_DEFAULT).unwrap_or_else(|| {
            Arc::new(Header {
                roles: Vec::new(),
                times: 0,
                status: None,
                bytes: None,
                http: [None; 5],
            })
        })
    })
}

/// Whether the eight bytes `w` (little-endian) are digits where `digits`
/// has 0xff and `other` elsewhere: a word test, not a byte loop (it runs
/// on the date and time columns of every W3C line). A digit's high nibble
/// is 3, and still is with 6 added (0x3a and up are not).
fn word_shape(w: u64, digits: u64, other: u64) -> bool {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREE: u64 = 0x3030_3030_3030_3030;
    const SIX: u64 = 0x0606_0606_0606_0606;
    (w & HIGH & digits) == (THREE & digits)
        && (w.wrapping_add(SIX) & HIGH & digits) == (THREE & digits)
        && (w & !digits) == other
}

/// `yyyy-mm-dd`.
fn is_date(t: &[u8]) -> bool {
    let Ok(t) = <&[u8; 10]>::try_from(t) else {
        return false;
    };
    let w = u64::from_le_bytes([t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]]);
    // bytes 4 and 7 are `-`
    word_shape(w, 0x00ff_ff00_ffff_ffff, 0x2d00_002d_0000_0000) && t[8].is_ascii_digit() && t[9].is_ascii_digit()
}

/// `hh:mm:ss` at the start of `t`.
fn is_clock(t: &[u8]) -> bool {
    let Some(t) = t.first_chunk::<8>() else {
        return false;
    };
    // bytes 2 and 5 are `:`
    word_shape(u64::from_le_bytes(*t), 0xffff_00ff_ff00_ffff, 0x0000_3a00_003a_0000)
}

/// `hh:mm:ss`, with a fraction or not, and nothing else.
fn is_clock_exact(t: &[u8]) -> bool {
    is_clock(t) && (t.len() == 8 || (t[8] == b'.' && t.len() > 9 && t[9..].iter().all(u8::is_ascii_digit)))
}

/// What a `date`, `time` or `timestamp` column may hold and keep: a date, a
/// clock, or another plain time (`2026-01-01T10:00:00Z`).
fn is_time(t: &[u8]) -> bool {
    is_date(t) || is_clock_exact(t) || crate::scan::is_plain(t)
}

fn is_number(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(|b| b.is_ascii_digit() || *b == b'.')
}

fn is_method(t: &[u8]) -> bool {
    (3..=12).contains(&t.len()) && t.iter().all(|b| b.is_ascii_uppercase() || *b == b'-')
}

/// A token that holds what the scanner reads (an address, a URL, a query, a
/// user agent) rather than a bare word.
fn is_scanned(t: &[u8]) -> bool {
    t.iter()
        .any(|b| matches!(b, b'/' | b'=' | b'?' | b'&' | b'+' | b'(' | b':' | b'%' | b'@'))
        || crate::addr::parse_v4_at(t, 0).is_some_and(|(_, e)| e == t.len())
}

const HTTP_METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"PATCH",
    b"CONNECT",
    b"TRACE",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"RPC_IN_DATA",
    b"RPC_OUT_DATA",
];

/// Values W3C logs write in columns other than the user's (CloudFront's
/// result types and protocols, TLS versions): no user's name.
const PLAIN_VALUES: &[&[u8]] = &[
    b"Hit",
    b"Miss",
    b"RefreshHit",
    b"OriginShieldHit",
    b"Error",
    b"Redirect",
    b"LimitExceeded",
    b"CapacityExceeded",
    b"FunctionGeneratedResponse",
    b"http",
    b"https",
    b"ws",
    b"wss",
];

/// A bare word that may be a user's name: letters, digits and `_ - \`
/// (and one dot between letters: `john.doe`) with a lower-case letter or
/// a byte of a non-ASCII character (a name in another script: `李雷`), or
/// upper-case letters without a digit (`JDOE`, `CORP\JDOE`); not a code
/// such as `LAX1` or `W3SVC1` (upper case and a digit), nor a host name
/// (two dots or more: scanned instead), nor one of [`PLAIN_VALUES`].
fn user_like(v: &[u8]) -> bool {
    let lower = v.iter().any(|&b| b.is_ascii_lowercase() || b >= 0x80);
    let upper_word = v.iter().any(u8::is_ascii_uppercase) && !v.iter().any(u8::is_ascii_digit);
    let dots = v.iter().filter(|&&b| b == b'.').count();
    let one_dot = dots == 1 && {
        let d = memchr::memchr(b'.', v).unwrap_or(0);
        d > 0 && v[d - 1].is_ascii_alphabetic() && v.get(d + 1).is_some_and(u8::is_ascii_alphabetic)
    };
    (lower || upper_word)
        && (dots == 0 || one_dot)
        && v.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'\\' | b'.') || b >= 0x80)
        && !PLAIN_VALUES.contains(&v)
}

/// A value shaped like a `Cookie` header (`name=value`, pairs joined by
/// `;` or IIS's `;+`): a name of cookie-name bytes, `=` and a value; not a
/// URL (`://`), a path, a quoted value, or base64 padding (`...==`).
/// Without `#Fields:` such a value is taken for a cookie (fail closed), and
/// the query is where IIS writes it, right after the path.
fn cookie_like(v: &[u8]) -> bool {
    let Some(eq) = memchr::memchr(b'=', v) else {
        return false;
    };
    let name_byte = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    eq > 0
        && v[..eq].iter().all(name_byte)
        && v[eq + 1..].iter().any(|&b| b != b'=')
        && memchr::memmem::find(v, b"://").is_none()
        && !matches!(v[0], b'/' | b'"' | b'?')
}

/// The role of the first two columns of a line without `#Fields:`: its
/// date (checked before) and its time, when the time is one.
fn time_role(k: usize, v: &[u8]) -> Role {
    if k == 0 || is_clock_exact(v) {
        Role::Time
    } else {
        Role::Verbatim
    }
}

fn is_address(t: &[u8]) -> bool {
    crate::addr::parse_v4_at(t, 0).is_some_and(|(_, e)| e == t.len()) || crate::addr::parse_v6(t).is_some()
}

/// A W3C data line with no `#Fields:` directive in force, or one whose
/// values do not match it (a split or rotated file): a line that starts
/// with `date time` and holds an HTTP method followed by a path.
///
/// Fail closed: a line of the IIS default columns' shape is read with those
/// columns; a line with IIS's fixed column order around the user (method,
/// path, query, port, user, client address) has its user there; any other
/// such line keeps its date, time, numbers, methods and `-`, scans what
/// holds URL or address bytes and the words before the method (the site's
/// and the server's names), and takes every other bare word that may be a
/// name (see [`user_like`]) after it for a user. In both, a `name=value` value
/// other than the one right after the path is taken for a cookie (see
/// [`cookie_like`]): a secret. `--w3c-fields` gives the columns instead.
pub(crate) fn parse_headerless(line: &[u8], cols: &mut Vec<std::ops::Range<usize>>, f: &mut Fields) -> Option<()> {
    if line.len() < 20 || !is_date(&line[..10]) || !matches!(line[10], b' ' | b'\t') || !is_clock(&line[11..]) {
        return None;
    }
    let sep = if memchr::memchr(b'\t', line).is_some() {
        b'\t'
    } else {
        b' '
    };
    if !split_quoted(line, sep, cols) || cols.len() < 5 {
        return None;
    }
    let t = |k: usize| &line[cols[k].clone()];
    // an HTTP method and then a path (IIS), or a host and a path
    // (CloudFront): an access line, not an application's
    // `2026-01-01 10:00:00 INFO server started`
    let path_at = |k: usize| {
        cols.get(k)
            .is_some_and(|r| matches!(line.get(r.start), Some(b'/' | b'*')))
    };
    let host_at = |k: usize| {
        cols.get(k)
            .is_some_and(|r| memchr::memchr(b'.', &line[r.clone()]).is_some())
    };
    let request = |k: usize| HTTP_METHODS.contains(&t(k)) && (path_at(k + 1) || (host_at(k + 1) && path_at(k + 2)));
    let method_at = (2..cols.len()).find(|&k| request(k))?;
    // IIS writes the query right after the path; any other `name=value`
    // value is taken for a cookie (see [`cookie_like`]), CloudFront's query
    // too (it comes after the user agent, next to the cookie)
    let query_at = if path_at(method_at + 1) {
        method_at + 2
    } else {
        usize::MAX
    };
    let iis = cols.len() == 15
        && is_method(t(3))
        && t(4).first() == Some(&b'/')
        && t(6).iter().all(u8::is_ascii_digit)
        && [11, 12, 13, 14].iter().all(|&k| t(k).iter().all(u8::is_ascii_digit));
    if iis {
        return parse(line, iis_default(), cols, f);
    }
    // IIS writes the columns it logs in one fixed order: `... cs-method
    // cs-uri-stem cs-uri-query s-port cs-username c-ip ...`. Found by that
    // shape, the user is where it must be, and the rest is scanned.
    let user_at = (2..cols.len().saturating_sub(5)).find(|&m| {
        is_method(t(m))
            && t(m + 1).first() == Some(&b'/')
            && !t(m + 3).is_empty()
            && t(m + 3).iter().all(u8::is_ascii_digit)
            && is_address(t(m + 5))
    });
    f.clear();
    f.gaps = Some(Role::Verbatim);
    f.guessed = true;
    for (k, r) in cols.iter().enumerate() {
        let v = &line[r.clone()];
        let cookie = k != query_at && cookie_like(v);
        let role = if let Some(m) = user_at {
            match k {
                _ if k < 2 => time_role(k, v),
                _ if k == m + 4 => Role::User,
                _ if k == m + 5 => Role::Client,
                _ if k != m + 2 && cookie_like(v) => Role::Secret,
                _ => Role::Generic,
            }
        } else if k < 2 {
            time_role(k, v)
        } else if cookie {
            Role::Secret
        } else if is_scanned(v) || v.first() == Some(&b'"') {
            Role::Generic
        } else if v == b"-" || is_number(v) || is_method(v) || !user_like(v) {
            Role::Verbatim
        } else if k < method_at {
            // IIS writes the site's and the server's names before the
            // method (`s-sitename s-computername s-ip cs-method`), the user
            // after it: a word here is no user's name, and it is scanned
            Role::Generic
        } else {
            Role::User
        };
        f.push(r.clone(), role);
    }
    Some(())
}

// ------------------------------------------------------------ the registry

use super::spec::{Ctx, FormatSpec, LogFormat, Parsed, Recognised, StreamState};
use crate::rules::DenyList;

/// A directive; a `#Fields:` directive sets the columns of the lines after it.
fn directive(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    if line.first() != Some(&b'#') || !DIRECTIVES.iter().any(|d| line.starts_with(d)) {
        return None;
    }
    if let Some(header) = parse_fields_directive(line) {
        ctx.stream.w3c = Some(header);
    }
    Some(Recognised::Directive(kind))
}

/// A data line under the `#Fields:` in force.
fn with_header(kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    let Ctx {
        stream, fields, cols, ..
    } = ctx;
    parse(line, stream.w3c.as_ref()?, cols, fields)?;
    split_pairs(line, deny, fields);
    Some(Recognised::Fields(kind))
}

/// A data line with no `#Fields:` in force (a split or rotated file) or
/// not matching it.
fn headerless(kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    parse_headerless(line, &mut ctx.cols, &mut ctx.fields)?;
    split_pairs(line, deny, &mut ctx.fields);
    Some(Recognised::Fields(kind))
}

/// A pair the column separator splits (`"password": x` in a column of free
/// text): each column is scanned alone, and neither half shows the pair.
/// A column that ends with a quoted deny-listed name and `:` makes the
/// column after it a secret, unless that one's role is stronger already.
fn split_pairs(line: &[u8], deny: &DenyList, f: &mut Fields) {
    // (most W3C lines hold no quote at all: one search of the line costs
    // less than a look at the end of each column; about 150 instructions
    // a line, 2% of a W3C line's)
    if memchr::memchr2(b'"', b'\'', line).is_none() {
        return;
    }
    for k in 1..f.list.len() {
        let r = f.list[k - 1].0.clone();
        // the name's column ends in `"name":`, or in `"name"` with the `:`
        // opening a column after it, past empty ones (`"ip"  :d`,
        // `"ip" : d`: fuzz `crash-cae4e934`)
        let (name_end, v) = match line[r.start..r.end] {
            [.., b'"' | b'\'', b':'] if r.end >= r.start + 3 => (r.end - 1, k),
            [.., b'"' | b'\''] if r.end >= r.start + 2 => {
                let Some(c) = (k..f.list.len()).find(|&j| !f.list[j].0.is_empty()) else {
                    continue;
                };
                let cr = f.list[c].0.clone();
                if line[cr.start] != b':' {
                    continue;
                }
                // (a lone `:`: the value is the next column with bytes)
                match (k..f.list.len()).find(|&j| j > c && !f.list[j].0.is_empty()) {
                    Some(j) if cr.len() == 1 => (r.end, j),
                    _ => (r.end, c),
                }
            }
            _ => continue,
        };
        let quote = line[name_end - 1];
        let t = &line[r.start..name_end - 1];
        let name = memchr::memrchr(quote, t).map_or(t, |q| &t[q + 1..]);
        if deny.contains(name) && matches!(f.list[v].1, Role::Generic | Role::Verbatim | Role::Time) {
            f.list[v].1 = Role::Secret;
        }
    }
}

/// The W3C format: its directives set the columns of the lines after
/// them, in the stream's state.
struct W3c;

impl LogFormat for W3c {
    fn parse(&self, kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
        if line.first() == Some(&b'#') {
            return directive(kind, line, deny, ctx);
        }
        with_header(kind, line, deny, ctx).or_else(|| headerless(kind, line, deny, ctx))
    }

    /// The columns of the last `#Fields:` of `lines`, when they hold one.
    fn carry(&self, state: &mut StreamState, lines: &[u8]) {
        if let Some(h) = last_header(lines) {
            state.w3c = Some(h);
        }
    }
}

pub(crate) const SPEC: FormatSpec = FormatSpec {
    name: "w3c",
    help: Some("W3C extended (IIS, CloudFront): columns set by #Fields:, or IIS's without one"),
    detect: &[(10, directive), (30, with_header), (100, headerless)],
    format: &W3c,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_clocks_by_their_shape() {
        assert!(is_date(b"2026-01-31"));
        assert!(is_clock(b"00:00:01") && is_clock(b"23:59:59.123"));
        assert!(is_clock_exact(b"23:59:59.123") && !is_clock_exact(b"00:00:01xyz"));
        for bad in [
            &b"2026-01-3a"[..],
            b"2026/01/31",
            b"2026-01-31x",
            b"2026-0:-31",
            b"2026-01-3",
            b"\xf0026-01-31",
        ] {
            assert!(!is_date(bad), "{:?}", String::from_utf8_lossy(bad));
        }
        for bad in [&b"00:00:0a"[..], b"00-00-01", b"0:00:01", b"00:00:\xff1", b"00:0/:01"] {
            assert!(!is_clock(bad), "{:?}", String::from_utf8_lossy(bad));
        }
        // every byte in every place: the word test is the byte test
        for k in 0..10 {
            for b in 0..=255u8 {
                let mut t = *b"2026-01-31";
                t[k] = b;
                let want = if k == 4 || k == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                };
                assert_eq!(is_date(&t), want, "{k} {b}");
                if k < 8 {
                    let mut c = *b"12:34:56";
                    c[k] = b;
                    let want = if k == 2 || k == 5 {
                        b == b':'
                    } else {
                        b.is_ascii_digit()
                    };
                    assert_eq!(is_clock(&c), want, "{k} {b}");
                }
            }
        }
    }

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

    #[test]
    fn status_and_bytes_columns() {
        let mut cols = Vec::new();
        let mut f = Fields::default();
        let at = |l: &[u8], f: &Fields| {
            (
                f.status.clone().map(|r| l[r].to_vec()),
                f.bytes.clone().map(|r| l[r].to_vec()),
            )
        };
        // IIS with `sc-bytes`, CloudFront (tabs, upper case), none
        let h = parse_fields_directive(b"#Fields: date time c-ip sc-status sc-substatus sc-bytes cs-bytes").unwrap();
        assert_eq!((h.status, h.bytes), (Some(3), Some(5)));
        let l = b"2026-01-01 10:00:00 1.2.3.4 404 0 5120 300";
        parse(l, &h, &mut cols, &mut f).unwrap();
        assert_eq!(at(l, &f), (Some(b"404".to_vec()), Some(b"5120".to_vec())));
        let h = parse_fields_directive(b"#Fields:\tdate\ttime\tx-edge-location\tSC-BYTES\tc-ip\tsc-status").unwrap();
        let l = b"2026-01-01\t10:00:00\tLAX1\t-\t1.2.3.4\t304";
        parse(l, &h, &mut cols, &mut f).unwrap();
        assert_eq!(at(l, &f), (Some(b"304".to_vec()), Some(b"-".to_vec())));
        let h = parse_fields_directive(b"#Fields: date time c-ip").unwrap();
        let l = b"2026-01-01 10:00:00 1.2.3.4";
        parse(l, &h, &mut cols, &mut f).unwrap();
        assert_eq!(at(l, &f), (None, None));
        // headerless: the IIS default columns have a status and no bytes
        let l = b"2026-01-01 10:00:00 10.0.0.1 GET /a - 80 - 1.2.3.4 Mozilla - 500 0 0 15";
        parse_headerless(l, &mut cols, &mut f).unwrap();
        assert_eq!(at(l, &f), (Some(b"500".to_vec()), None));
    }
}
