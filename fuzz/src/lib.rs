//! What the fuzz targets share: the formats under test, chosen by the first
//! input byte, and the helpers the invariants need.

use loganon::formats::Format;

/// An Apache `LogFormat` with a user, a time, the request and a cookie.
pub const APACHE: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" "%{Cookie}i""#;
/// An nginx `log_format` with a user, an argument and a header.
pub const NGINX: &str = r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $arg_token "$http_x_forwarded_for""#;

/// Every `--format` choice: the named ones (`auto` first) and two templates.
pub fn formats() -> Vec<Format> {
    let mut v: Vec<Format> = loganon::formats::registry::names()
        .into_iter()
        .map(|n| Format::from_name(n).expect("a listed name"))
        .collect();
    v.push(Format::from_name(APACHE).expect("the Apache template parses"));
    v.push(Format::from_name(NGINX).expect("the nginx template parses"));
    v
}

/// The format the first byte selects and the rest of the input.
pub fn split<'a>(data: &'a [u8], formats: &[Format]) -> Option<(Format, &'a [u8])> {
    let (&sel, rest) = data.split_first()?;
    Some((formats[sel as usize % formats.len()].clone(), rest))
}

/// How many times `b` occurs in `hay`.
pub fn count(hay: &[u8], b: u8) -> usize {
    hay.iter().filter(|&&c| c == b).count()
}

/// Bytes as an escaped string, for the failure messages.
pub fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}
