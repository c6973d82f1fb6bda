//! What the fuzz targets share: the formats under test, chosen by the first
//! input byte, and the helpers the invariants need.

use loganon::formats::Format;

/// An Apache `LogFormat` with a user, a time, the request and a cookie.
pub const APACHE: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" "%{Cookie}i""#;
/// An nginx `log_format` with a user, an argument and a header.
pub const NGINX: &str = r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $arg_token "$http_x_forwarded_for""#;

/// The `--format` names the first byte picked when the findings of
/// `regressions/` and `../shared/fuzz-findings` were made, in that order;
/// the two templates follow them. Frozen: a format added to the registry
/// takes a byte of its own (see [`split`]), so that every finding keeps
/// the format it was found with.
pub const FIRST_NAMES: [&str; 11] = [
    "auto",
    "common",
    "combined",
    "vhost_combined",
    "json",
    "w3c",
    "alb",
    "elb",
    "s3",
    "haproxy",
    "squid",
];

/// How many formats the bytes below `0xF0` pick from (modulo).
pub const FIRST: usize = FIRST_NAMES.len() + 2;

/// Every `--format` choice: the first names, the two templates, then the
/// registry's names added since (`apache_error`, `nginx_error`, ...).
pub fn formats() -> Vec<Format> {
    let named = |n: &str| Format::from_name(n).expect("a listed name");
    let mut v: Vec<Format> = FIRST_NAMES.iter().map(|n| named(n)).collect();
    v.push(Format::from_name(APACHE).expect("the Apache template parses"));
    v.push(Format::from_name(NGINX).expect("the nginx template parses"));
    for n in loganon::formats::registry::names() {
        if !FIRST_NAMES.contains(&n) {
            v.push(named(n));
        }
    }
    v
}

/// The format the first byte selects and the rest of the input: a byte
/// from `0xF0` to `0xFD` picks a format added since the first ones
/// (`0xF0` the first of them), when there is one; any other byte one of the
/// first ones, modulo [`FIRST`].
pub fn split<'a>(data: &'a [u8], formats: &[Format]) -> Option<(Format, &'a [u8])> {
    let (&sel, rest) = data.split_first()?;
    Some((formats[pick(sel, formats.len())].clone(), rest))
}

/// The index [`split`] picks for the byte `sel` among `n` formats.
pub fn pick(sel: u8, n: usize) -> usize {
    let k = sel as usize;
    match k.checked_sub(0xF0) {
        Some(added) if k < 0xFE && FIRST + added < n => FIRST + added,
        _ => k % FIRST,
    }
}

/// How many times `b` occurs in `hay`.
pub fn count(hay: &[u8], b: u8) -> usize {
    hay.iter().filter(|&&c| c == b).count()
}

/// Bytes as an escaped string, for the failure messages.
pub fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}
