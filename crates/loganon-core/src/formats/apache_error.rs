//! Apache's `error_log`, 2.4 and 2.2, in their default `ErrorLogFormat`:
//!
//! ```text
//! [Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 32514:tid 32562] [client 10.0.0.1:53998] AH01618: user bob not found: /private/, referer: http://example.com/
//! [Wed Oct 11 14:32:52 2000] [error] [client 10.0.0.1] user bob not found: /private/
//! ```
//!
//! The time is kept (it is checked: a weekday, a month, a day, a clock with
//! or without a fraction, a year); the address in `[client ADDR:PORT]` is a
//! client; the user names of the authentication modules' messages are users
//! (see [`messages`](super::messages)); every other byte (the module and
//! level, the process ids, the `AH` code, the message, the referer) passes
//! the generic scanner. The time has no zone: it is taken as UTC.

use std::ops::Range;

use super::fields::{Fields, Role};
use super::messages::user_names;
use super::spec::{Ctx, FormatSpec, Parsed, Recognised, TimedParser};
use crate::rules::DenyList;

const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn two(t: &[u8]) -> Option<u32> {
    (t.len() == 2 && t.iter().all(u8::is_ascii_digit)).then(|| u32::from(t[0] - b'0') * 10 + u32::from(t[1] - b'0'))
}

/// `Mon Dec 07 03:38:24.855894 2026` (the fraction optional, the day
/// padded with a zero or a space): the Unix time, taken as UTC.
fn parse_time(t: &[u8]) -> Option<i64> {
    if t.len() < 24 || !DAYS.iter().any(|d| t[..3] == d[..]) || t[3] != b' ' || t[7] != b' ' {
        return None;
    }
    let month = MONTHS.iter().position(|m| t[4..7] == m[..])? as u32 + 1;
    let day = if t[8] == b' ' {
        two(&[b'0', t[9]])
    } else {
        two(&t[8..10])
    }?;
    if t[10] != b' ' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    let (h, m, s) = (two(&t[11..13])?, two(&t[14..16])?, two(&t[17..19])?);
    let mut i = 19;
    if t.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while t.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == f {
            return None;
        }
    }
    let year = t.get(i + 1..)?;
    if t[i] != b' ' || year.len() != 4 || !year.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let y = std::str::from_utf8(year).ok()?.parse::<i64>().ok()?;
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = crate::time::days_from_civil(y, month, day);
    Some(days * 86400 + i64::from(h * 3600 + m * 60 + s))
}

/// The client of `[client ADDR:PORT]` (2.4) or `[client ADDR]` (2.2): the
/// address without its port, or a host name (`HostnameLookups On`) without
/// its port. 2.4 glues the port to an IPv6 address (`2001:db8::7:53998`):
/// in a 2.4 line (its time has a fraction) the last `:digits` is the port
/// when what is before it is an address; else the whole value is read as
/// one address (all of it is truncated: fail closed).
fn client(line: &[u8], r: Range<usize>, v24: bool) -> Range<usize> {
    let v = &line[r.clone()];
    if let Some((_, e)) = crate::addr::parse_v4_at(v, 0) {
        // (a control byte glued on after the address: the client is read
        // whole, through it, fail closed: `2.0.3.7\x007` is `2.0.3.7` and
        // more of its digits to a reader that drops control bytes)
        if v.get(e).is_some_and(u8::is_ascii_control) {
            return r;
        }
        return r.start..r.start + e;
    }
    let Some(k) = memchr::memrchr(b':', v) else {
        return r;
    };
    let port = !v[k + 1..].is_empty() && v[k + 1..].iter().all(u8::is_ascii_digit);
    if port && !v[..k].contains(&b':') {
        return r.start..r.start + k;
    }
    if port && v24 && crate::addr::parse_v6(&v[..k]).is_some() {
        return r.start..r.start + k;
    }
    r
}

/// `auth_basic:error`, `core:info`, `php7:warn`
fn is_module_level(t: &[u8]) -> bool {
    let word = |w: &[u8]| !w.is_empty() && w.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
    memchr::memchr(b':', t).is_some_and(|k| word(&t[..k]) && word(&t[k + 1..]))
}

/// An Apache error line: its time, client and user names get their roles;
/// every other byte is scanned.
pub fn apache_error(line: &[u8], f: &mut Fields) -> Option<()> {
    let close = memchr::memchr(b']', &line[..line.len().min(40)])?;
    if line[0] != b'[' || line.get(close + 1..close + 3) != Some(b" [") {
        return None;
    }
    let time = 1..close;
    let timed = parse_time(&line[time.clone()]).is_some();
    // through syslog (`ErrorLog syslog:`) Apache writes no time: the line
    // opens with `[module:level] [pid `
    let untimed = is_module_level(&line[time.clone()]) && line[close + 1..].starts_with(b" [pid ");
    if !(timed || untimed) {
        return None;
    }
    f.clear();
    f.gaps = Some(Role::Generic);
    if timed {
        f.push(time, Role::Time);
    }
    // `[client ...]` comes before the message (after the module, level and
    // process groups, and an APR error or a source file in some lines)
    let mut from = close + 1;
    if let Some(k) = memchr::memmem::find(&line[from..], b" [client ") {
        let s = from + k + 9;
        if let Some(e) = memchr::memchr(b']', &line[s..]).map(|e| s + e) {
            let c = client(line, s..e, !timed || line[..close].contains(&b'.'));
            if !c.is_empty() {
                f.client = Some(c.clone());
                f.push(c, Role::Client);
            }
            from = e + 1;
        }
    }
    // mod_rewrite's trace: `[client ...] ADDR - USER [HOST/sid#...]`
    if memchr::memmem::find(&line[..from], b" mod_rewrite.c(").is_some() {
        if let Some(k) = memchr::memmem::find(&line[from..], b" - ").map(|k| from + k + 3) {
            if let Some(e) = memchr::memmem::find(&line[k..], b" [").map(|e| k + e) {
                f.push(k..e, Role::User);
                from = e;
            }
        }
    }
    user_names(line, from, f, true);
    if let Some(k) = memchr::memmem::rfind(&line[from..], b", referer: ") {
        f.http.referer = Some(from + k + 11..line.len());
    }
    Some(())
}

// ------------------------------------------------------------ the registry

fn line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    apache_error(line, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

pub(crate) const SPEC: FormatSpec = FormatSpec {
    name: "apache_error",
    help: Some("Apache's error_log, 2.2 and 2.4 (the default ErrorLogFormat)"),
    detect: &[(95, line)],
    format: &TimedParser {
        parse: line,
        time: parse_time,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(l: &str) -> Option<Vec<(&str, Role)>> {
        let mut f = Fields::default();
        apache_error(l.as_bytes(), &mut f)?;
        Some(f.list.iter().map(|(r, role)| (&l[r.clone()], *role)).collect())
    }

    #[test]
    fn lines_of_24_and_22() {
        assert_eq!(
            roles("[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 32514:tid 32562] [client 10.0.0.1:53998] AH01618: user john doe not found: /private/, referer: http://x/").unwrap(),
            [
                ("Mon Dec 07 03:38:24.855894 2026", Role::Time),
                ("10.0.0.1", Role::Client),
                ("john doe", Role::User)
            ]
        );
        assert_eq!(
            roles("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /x")
                .unwrap(),
            [("Wed Oct 11 14:32:52 2000", Role::Time), ("127.0.0.1", Role::Client)]
        );
        // IPv6 with the port glued on (2.4), without a port (2.2)
        assert_eq!(
            roles("[Wed Oct 11 14:32:52.5 2026] [x:error] [client 2001:db8::7:5000] x").unwrap()[1],
            ("2001:db8::7", Role::Client)
        );
        assert_eq!(
            roles("[Wed Oct 11 14:32:52 2000] [error] [client 2001:db8::7:5000] x").unwrap()[1],
            ("2001:db8::7:5000", Role::Client)
        );
        assert_eq!(
            roles("[Wed Oct 11 14:32:52 2000] [error] [client host.example.com:5000] x").unwrap()[1],
            ("host.example.com", Role::Client)
        );
        // no client: a server's own message
        assert_eq!(
            roles(
                "[Mon Dec 07 03:38:23.829737 2026] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.71 configured"
            )
            .unwrap(),
            [("Mon Dec 07 03:38:23.829737 2026", Role::Time)]
        );
        for not in [
            "[Mon Dec 07 03:38:24 2026]",
            "[Mon Dec 07 03:38:24 2026] x",
            "[Mon Dec 32 03:38:24 2026] [error] x",
            "[Mon Foo 07 03:38:24 2026] [error] x",
            "[07/Dec/2026:03:38:24 +0000] [error] x",
            "[Mon Dec 07 03:38:24. 2026] [error] x",
        ] {
            assert!(roles(not).is_none(), "{not}");
        }
    }

    #[test]
    fn times() {
        // 2026-12-07T03:38:24Z
        assert_eq!(parse_time(b"Mon Dec 07 03:38:24.855894 2026"), Some(1_796_614_704));
        assert_eq!(parse_time(b"Mon Dec  7 03:38:24 2026"), Some(1_796_614_704));
        assert_eq!(parse_time(b"Wed Oct 11 14:32:52 2000"), Some(971_274_772));
    }
}
