//! Prefixes that wrap an access line: a syslog header (BSD / RFC 3164 with
//! or without `<PRI>`, rsyslog's ISO-timestamp file format, RFC 5424) or a
//! CRI/containerd log prefix (`TIME stdout F`). The line after the prefix is
//! recognised on its own, so its user, cookie and token roles apply; the
//! prefix itself is scanned like any other text.
//!
//! Hand-written byte checks: this runs only on lines no format recognised.

/// Where the wrapped line starts, if `line` starts with a known prefix and
/// something follows it.
pub fn inner_start(line: &[u8]) -> Option<usize> {
    let p = cri(line).or_else(|| syslog(line))?;
    (p < line.len()).then_some(p)
}

/// The end of the token starting at `i` (the next space or the end).
fn token_end(s: &[u8], i: usize) -> usize {
    memchr::memchr(b' ', &s[i.min(s.len())..]).map_or(s.len(), |k| i + k)
}

/// After one space at `i`, or `None`.
fn space(s: &[u8], i: usize) -> Option<usize> {
    (s.get(i) == Some(&b' ')).then_some(i + 1)
}

/// An RFC 3339 timestamp token (`2026-01-01T10:00:00.123Z`, `...+02:00`).
fn is_rfc3339(t: &[u8]) -> bool {
    t.len() >= 19
        && t[..4].iter().all(u8::is_ascii_digit)
        && t[4] == b'-'
        && t[7] == b'-'
        && (t[10] == b'T' || t[10] == b't')
        && t[13] == b':'
        && t[16] == b':'
        && t[11..13].iter().chain(&t[14..16]).all(u8::is_ascii_digit)
}

/// `TIME stdout F ` (CRI, containerd, CRI-O); `P` marks a partial line.
fn cri(s: &[u8]) -> Option<usize> {
    cri_record(s).map(|r| r.payload)
}

/// A record of the CRI log format (kubelet, containerd, CRI-O):
/// `TIME STREAM TAG PAYLOAD`, where a line longer than the runtime's buffer
/// (16 KiB) is written as records tagged `P` (partial) and a last one
/// tagged `F` (full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CriRecord {
    /// `stderr` rather than `stdout`
    pub stderr: bool,
    /// tagged `P`: the line goes on in the stream's next record
    pub partial: bool,
    /// where the payload starts (after the tag's space)
    pub payload: usize,
}

/// `line` as a CRI record, if it is one.
pub fn cri_record(s: &[u8]) -> Option<CriRecord> {
    let e = token_end(s, 0);
    if !is_rfc3339(&s[..e]) {
        return None;
    }
    let i = space(s, e)?;
    let j = token_end(s, i);
    let stderr = match &s[i..j] {
        b"stdout" => false,
        b"stderr" => true,
        _ => return None,
    };
    let k = space(s, j)?;
    let partial = match s.get(k) {
        Some(b'P') => true,
        Some(b'F') => false,
        _ => return None,
    };
    Some(CriRecord {
        stderr,
        partial,
        payload: space(s, k + 1)?,
    })
}

/// Whether `line` may be a CRI record: two byte tests, so that a line of
/// any other format costs next to nothing.
#[inline]
pub fn may_be_cri(line: &[u8]) -> bool {
    line.len() > 28 && line[4] == b'-' && line[10] == b'T'
}

/// Where the partial CRI records at the end of `buf` (whole lines) begin:
/// the records tagged `P` of one stream, one after another, whose line
/// goes on in what is read next. `buf.len()` when its last line is no
/// partial record. The producer holds them back, so that a line's records
/// are joined in one chunk.
pub fn open_partial_records(buf: &[u8]) -> usize {
    let mut start = buf.len();
    let mut stream = None;
    let mut end = buf.len();
    while end > 0 {
        // the line before `end` (whose `\n` is at `end - 1`, or which is the
        // last line without one)
        let text_end = if buf[end - 1] == b'\n' { end - 1 } else { end };
        let line_start = memchr::memrchr(b'\n', &buf[..text_end]).map_or(0, |k| k + 1);
        let line = &buf[line_start..text_end];
        match may_be_cri(line).then(|| cri_record(line)).flatten() {
            Some(r) if r.partial && stream.is_none_or(|s| s == r.stderr) => {
                stream = Some(r.stderr);
                start = line_start;
            }
            _ => break,
        }
        end = line_start;
    }
    start
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `Mmm dd hh:mm:ss` (the day space-padded or not); the offset after it.
fn bsd_time(s: &[u8]) -> Option<usize> {
    if s.len() < 15 || !MONTHS.contains(&&s[..3]) || s[3] != b' ' {
        return None;
    }
    let mut i = 4;
    if s[i] == b' ' {
        i += 1;
    }
    let d = i;
    while i < s.len() && s[i].is_ascii_digit() && i - d < 2 {
        i += 1;
    }
    if i == d {
        return None;
    }
    let mut i = space(s, i)?;
    // a year some daemons add (`Jan  1 2026 10:00:00`)
    if s.get(i..i + 5)
        .is_some_and(|y| y[..4].iter().all(u8::is_ascii_digit) && y[4] == b' ')
    {
        i += 5;
    }
    clock(s, i)
}

/// `hh:mm:ss` at `i`, with a fraction (`.123`) or not; the offset after it.
fn clock(s: &[u8], i: usize) -> Option<usize> {
    let t = s.get(i..i + 8)?;
    let ok = t[2] == b':'
        && t[5] == b':'
        && t.iter()
            .enumerate()
            .all(|(k, b)| k == 2 || k == 5 || b.is_ascii_digit());
    if !ok {
        return None;
    }
    let mut e = i + 8;
    if s.get(e) == Some(&b'.') {
        e += 1;
        while s.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
    }
    Some(e)
}

/// A syslog header; the offset of its message.
fn syslog(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    if s.first() == Some(&b'<') {
        let close = s.iter().take(5).position(|&b| b == b'>')?;
        if close < 2 || !s[1..close].iter().all(u8::is_ascii_digit) {
            return None;
        }
        i = close + 1;
        // RFC 5424: `<PRI>1 TIME HOST APP PROCID MSGID SD MSG`
        if s.get(i).is_some_and(u8::is_ascii_digit) && s.get(i + 1) == Some(&b' ') {
            return rfc5424(s, i + 2);
        }
    }
    // BSD: `[<PRI>]Mmm dd hh:mm:ss HOST TAG: MSG`, or an RFC 3339 time, or
    // `yyyy-mm-dd hh:mm:ss`; the host may be missing (`... nginx: MSG`,
    // Heroku's `TIME app[web.1]: MSG`)
    let after_time = match bsd_time(&s[i..]) {
        Some(k) => i + k,
        None => {
            let e = token_end(s, i);
            let date = e - i == 10 && s[i + 4] == b'-' && s[i + 7] == b'-';
            if date {
                clock(s, space(s, e)?)?
            } else if is_rfc3339(&s[i..e]) {
                e
            } else {
                return None;
            }
        }
    };
    let h = space(s, after_time)?;
    let h_end = token_end(s, h);
    if h_end == h {
        return None;
    }
    if s[h_end - 1] == b':' && h_end - h <= 48 {
        return space(s, h_end);
    }
    let t = space(s, h_end)?;
    let t_end = token_end(s, t);
    // the tag (`nginx:`, `httpd[123]:`) ends with a colon, within 48 bytes
    if t_end == t || t_end - t > 48 || s[t_end - 1] != b':' {
        return None;
    }
    space(s, t_end)
}

/// The fields of RFC 5424 after `<PRI>VERSION `, from `i`.
fn rfc5424(s: &[u8], mut i: usize) -> Option<usize> {
    // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each a token or `-`
    for _ in 0..5 {
        let e = token_end(s, i);
        if e == i {
            return None;
        }
        i = space(s, e)?;
    }
    // STRUCTURED-DATA: `-` or `[id k="v" ...]` elements (`\]` escaped)
    if s.get(i) == Some(&b'-') {
        i += 1;
    } else {
        while s.get(i) == Some(&b'[') {
            let mut k = i + 1;
            loop {
                match s.get(k)? {
                    b'\\' => k += 2,
                    b']' => break,
                    _ => k += 1,
                }
            }
            i = k + 1;
            // (elements are not to be spaced, but some writers do)
            if s.get(i) == Some(&b' ') && s.get(i + 1) == Some(&b'[') {
                i += 1;
            }
        }
    }
    let i = space(s, i)?;
    // a UTF-8 byte order mark may open the message
    Some(if s[i..].starts_with("\u{feff}".as_bytes()) {
        i + 3
    } else {
        i
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(s: &str) -> Option<&str> {
        inner_start(s.as_bytes()).map(|k| &s[k..])
    }

    #[test]
    fn prefixes() {
        let l = r#"1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#;
        for p in [
            "<134>Jan  1 10:00:00 web1 nginx: ",
            "Jan 11 10:00:00 web1 nginx[123]: ",
            "<13>Dec 31 23:59:59 host-a httpd: ",
            "2026-01-01T10:00:00.123456+00:00 web1 nginx: ",
            "<134>1 2026-01-01T10:00:00Z web1 nginx 123 access - ",
            "<134>1 2026-01-01T10:00:00Z web1 nginx - - [meta x=\"a\\]b\"][y z=\"1\"] ",
            "2026-01-01T10:00:00.123456789Z stdout F ",
            "2026-01-01T10:00:00Z stderr P ",
            "<134>Jan  1 10:00:00 nginx: ",
            "<134>Jan  1 10:00:00.123 web1 nginx: ",
            "<134>Jan  1 2026 10:00:00 web1 nginx: ",
            "2026-01-01 10:00:00 web1 nginx: ",
            "2026-01-01T10:00:00+00:00 app[web.1]: ",
            "<134>1 2026-01-01T10:00:00Z web1 nginx - - [a b=\"c\"] [d e=\"f\"] ",
        ] {
            assert_eq!(inner(&format!("{p}{l}")), Some(l), "{p}");
        }
        for not in [
            l,
            "Jan  1 10:00:00 web1 nginx 1.2.3.4",
            "<134>",
            "2026-01-01T10:00:00Z stdout X 1.2.3.4",
            "Foo  1 10:00:00 web1 nginx: x",
            "2026-01-01T10:00:00Z stdout F ",
        ] {
            assert_eq!(inner(not), None, "{not}");
        }
    }

    #[test]
    fn cri_records_and_the_open_ones_at_the_end() {
        let p = "2026-01-01T10:00:00.123456789Z stdout P ";
        assert_eq!(
            cri_record(format!("{p}abc").as_bytes()),
            Some(CriRecord {
                stderr: false,
                partial: true,
                payload: p.len()
            })
        );
        assert_eq!(
            cri_record(b"2026-01-01T10:00:00Z stderr F x").map(|r| (r.stderr, r.partial)),
            Some((true, false))
        );
        let f = "2026-01-01T10:00:00.123456789Z stdout F ";
        let e = "2026-01-01T10:00:00.123456789Z stderr P ";
        let whole = format!("{f}a\n{p}b\n{f}c\n");
        assert_eq!(open_partial_records(whole.as_bytes()), whole.len());
        // the partial records of one stream at the end
        let open = format!("{f}a\n{p}b\n{p}c\n");
        assert_eq!(open_partial_records(open.as_bytes()), f.len() + 2);
        let open = format!("{p}b\n{p}c");
        assert_eq!(open_partial_records(open.as_bytes()), 0);
        // another stream's partial record ends the run
        let open = format!("{e}x\n{p}b\n");
        assert_eq!(open_partial_records(open.as_bytes()), e.len() + 2);
        assert_eq!(open_partial_records(b""), 0);
        assert_eq!(open_partial_records(b"1.2.3.4 - - x\n"), 14);
    }
}
