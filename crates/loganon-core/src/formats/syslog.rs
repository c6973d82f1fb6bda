//! Syslog frames as `listen` receives them: the message part of an RFC 5424
//! or RFC 3164 frame (the log line), or, without a valid `<PRI>`, the whole
//! frame. Pure: bytes in, a slice of them out.

/// The message part of one syslog frame (without its framing): RFC 5424
/// (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`), RFC 3164
/// (`<PRI>Mmm dd hh:mm:ss [HOST] TAG: MSG`, as nginx and HAProxy send it), or,
/// without a valid `<PRI>`, the whole frame.
pub fn message(frame: &[u8]) -> &[u8] {
    let Some(rest) = strip_pri(frame) else {
        return frame;
    };
    rfc5424(rest).unwrap_or_else(|| rfc3164(rest))
}

/// What follows a valid `<PRI>` (0 to 191).
fn strip_pri(f: &[u8]) -> Option<&[u8]> {
    let f = f.strip_prefix(b"<")?;
    let close = f.iter().take(4).position(|&b| b == b'>')?;
    let digits = &f[..close];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pri = digits.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
    (pri <= 191).then_some(&f[close + 1..])
}

/// Splits at the first space: (token, rest after the space).
fn token(s: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', s) {
        Some(k) => (&s[..k], &s[k + 1..]),
        None => (s, &[]),
    }
}

/// RFC 5424: the MSG after the header and structured data; `None` when the
/// frame is not RFC 5424.
fn rfc5424(rest: &[u8]) -> Option<&[u8]> {
    let (version, mut s) = token(rest);
    if version.is_empty() || version.len() > 3 || version[0] == b'0' || !version.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: non-empty, no spaces
    for _ in 0..5 {
        let k = memchr::memchr(b' ', s)?;
        if k == 0 {
            return None;
        }
        s = &s[k + 1..];
    }
    let sd = sd_len(s)?;
    let msg = match &s[sd..] {
        [] => &[][..],
        [b' ', m @ ..] => m,
        _ => return None,
    };
    Some(msg.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(msg))
}

/// The length of RFC 5424 STRUCTURED-DATA: `-`, or `[...]` elements whose
/// quoted values may hold `\]`, `\"` and `\\`.
fn sd_len(s: &[u8]) -> Option<usize> {
    if s.first() == Some(&b'-') {
        return Some(1);
    }
    let mut i = 0;
    while s.get(i) == Some(&b'[') {
        i += 1;
        let mut quoted = false;
        loop {
            match *s.get(i)? {
                b'\\' if quoted => i += 2,
                b'"' => {
                    quoted = !quoted;
                    i += 1;
                }
                b']' if !quoted => {
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
    }
    (i > 0).then_some(i)
}

/// `Mmm dd hh:mm:ss` (the day padded with a space or a zero).
fn is_3164_time(t: &[u8]) -> bool {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    ];
    let d = |i: usize| t[i].is_ascii_digit();
    t.len() >= 15
        && MONTHS.iter().any(|m| t[..3] == m[..])
        && t[3] == b' '
        && (t[4] == b' ' || d(4))
        && d(5)
        && t[6] == b' '
        && d(7)
        && d(8)
        && t[9] == b':'
        && d(10)
        && d(11)
        && t[12] == b':'
        && d(13)
        && d(14)
}

/// An RFC 3164 TAG token: a name, an optional `[pid]`, and a final `:`.
fn is_tag(t: &[u8]) -> bool {
    let Some(t) = t.strip_suffix(b":") else {
        return false;
    };
    let name = match memchr::memchr(b'[', t) {
        Some(k) if t.ends_with(b"]") => &t[..k],
        Some(_) => return false,
        None => t,
    };
    !name.is_empty()
        && name.len() <= 64
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
}

/// RFC 3164: the CONTENT after the timestamp, the host name (optional:
/// HAProxy leaves it out by default) and the tag. Without a valid timestamp
/// everything after `<PRI>` is the message (RFC 3164 4.3.2).
fn rfc3164(rest: &[u8]) -> &[u8] {
    if !is_3164_time(rest) {
        return rest;
    }
    let s = rest.get(16..).unwrap_or_default();
    let (first, after_first) = token(s);
    if is_tag(first) {
        return after_first;
    }
    let (second, after_second) = token(after_first);
    if is_tag(second) {
        return after_second;
    }
    after_first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(f: &str) -> &str {
        std::str::from_utf8(message(f.as_bytes())).unwrap()
    }

    const CLF: &str = r#"127.0.0.1 - - [22/Nov/2026:07:00:00 +0000] "GET /?token=abc HTTP/1.1" 200 5 "-" "curl/8""#;

    #[test]
    fn rfc3164_as_nginx_and_haproxy_send_it() {
        assert_eq!(msg(&format!("<190>Nov 22 07:00:00 web1 nginx: {CLF}")), CLF);
        // nginx `nohostname`, HAProxy without log-send-hostname
        assert_eq!(msg(&format!("<190>Nov 22 07:00:00 nginx: {CLF}")), CLF);
        assert_eq!(
            msg("<134>Nov  2 07:00:00 haproxy[1234]: 10.0.0.1:5 [x] fe be"),
            "10.0.0.1:5 [x] fe be"
        );
        assert_eq!(
            msg("<134>Nov 02 07:00:00 lb haproxy[1234]: 10.0.0.1:5 [x]"),
            "10.0.0.1:5 [x]"
        );
        // no tag: the content follows the host name
        assert_eq!(msg("<13>Jan  1 00:00:00 host just text"), "just text");
        // no valid timestamp: everything after PRI
        assert_eq!(msg("<13>hello 1.2.3.4"), "hello 1.2.3.4");
        assert_eq!(
            msg("<13>Foo 22 07:00:00 web1 nginx: x"),
            "Foo 22 07:00:00 web1 nginx: x"
        );
        assert_eq!(msg("<13>Nov 22 07:00:00"), "");
        assert_eq!(msg("<13>Nov 22 07:00:00 web1 nginx:"), "");
    }

    #[test]
    fn rfc5424() {
        assert_eq!(
            msg(&format!("<165>1 2026-11-22T07:00:00.003Z web1 nginx 123 ID47 - {CLF}")),
            CLF
        );
        assert_eq!(msg("<165>1 - - - - - -"), "");
        assert_eq!(
            msg(r#"<165>1 2026-11-22T07:00:00Z h app - - [ex@1 a="b\"]c" d="e"][x@2 k="v"] BOMless msg"#),
            "BOMless msg"
        );
        assert_eq!(
            msg("<165>1 2026-11-22T07:00:00Z h app - - - \u{feff}with bom"),
            "with bom"
        );
        // broken structured data: not RFC 5424, so RFC 3164 rules (no timestamp: all of it)
        assert_eq!(msg("<165>1 t h a p m [x msg"), "1 t h a p m [x msg");
        assert_eq!(msg("<165>1 t h a"), "1 t h a");
    }

    #[test]
    fn no_or_bad_pri_is_the_whole_frame() {
        assert_eq!(msg(CLF), CLF);
        assert_eq!(msg("<192>Nov 22 07:00:00 h t: x"), "<192>Nov 22 07:00:00 h t: x");
        assert_eq!(msg("<>x"), "<>x");
        assert_eq!(msg("<1a>x"), "<1a>x");
        assert_eq!(msg("<0>x"), "x");
    }

    #[test]
    fn tags() {
        assert!(is_tag(b"nginx:"));
        assert!(is_tag(b"haproxy[12]:"));
        assert!(!is_tag(b"nginx"));
        assert!(!is_tag(b":"));
        assert!(!is_tag(b"fe80::"));
        assert!(!is_tag(b"a[1:"));
    }
}
