//! Time: durations (`90d`), timestamps in log lines, and `--now`. The
//! clock itself is read in the io layer (`io::clock`); the core reads none.
//!
//! Civil dates go through jiff (`--now`, dates in file names, the dates of
//! summaries and daily keys), except on the hot path: the CLF and ISO 8601
//! parsers run on every line with `--max-age`, the keyed modes and the
//! summaries, and turn year, month and day into seconds with the
//! hand-written [`days_from_civil`] (see there for the measurement). The
//! CLF parser is by hand too: it reads what jiff's strptime does not
//! (`sept.`, HAProxy's fractions, a missing zone), and jiff's
//! `strtime::parse` of a CLF time measured 112 to 177 ns a call against 87
//! to 103 ns for the whole of `parse_clf_time` (release, fat LTO, 10^6
//! to 10^7 calls, the 2-core build machine under load).
//!
//! Durations are parsed by hand too: the documented forms (a bare number of
//! days; `s`, `m`, `h`, `d`, `w`, `mo` = 30 days, `y` = 365 days, in
//! sequence) are a strict subset of jiff's friendly format, whose months and
//! years are calendar units (their length depends on a date) and which also
//! takes `1 day`, `P1D`, `1.5h` and `-1d ago`; a retention window is
//! better refused when written unusually than guessed.

/// Why a duration was refused; its text is the message shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not one of the documented forms.
    #[error("'{0}' is not a duration; write it like 90 (days), 90d, 12h, 2w, 3mo, 1y or 1d12h")]
    Malformed(String),
    /// Longer than [`MAX_DURATION`].
    #[error("'{0}' is longer than 10000 years; write a shorter duration")]
    TooLong(String),
}

/// Why a `--now` was refused; its text is the message shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NowError {
    /// Not a time in one of the accepted forms.
    #[error("'{0}' is not a time; write it like 2026-01-01T00:00:00Z, 2026-01-01 or @1767225600")]
    Malformed(String),
    /// Before 1970 or after [`MAX_NOW`].
    #[error("'{0}' is outside 1970-01-01 .. 9999-12-31; give a time in that range")]
    OutOfRange(String),
}

/// Parses a duration as logrotate users write it: a bare number of days
/// (`90`), or numbers with units, alone or in a sequence (`1d12h`): `s`,
/// `m` (minutes), `h`, `d`, `w`, `mo` (30 days), `y` (365 days). Seconds.
pub fn parse_duration(s: &str) -> Result<i64, DurationError> {
    let bad = || DurationError::Malformed(s.to_string());
    let t = s.trim();
    let b = t.as_bytes();
    if b.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(bad());
        }
        let n: i64 = t[start..i].parse().map_err(|_| bad())?;
        let (unit, len) = match &b[i..] {
            // a bare number (the whole duration, as logrotate's `maxage 90`): days
            [] if start == 0 => (86400, 0),
            [b'm', b'o', ..] => (30 * 86400, 2),
            [b's', ..] => (1, 1),
            [b'm', ..] => (60, 1),
            [b'h', ..] => (3600, 1),
            [b'd', ..] => (86400, 1),
            [b'w', ..] => (7 * 86400, 1),
            [b'y', ..] => (365 * 86400, 1),
            _ => return Err(bad()),
        };
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        i += len;
    }
    if total > MAX_DURATION {
        return Err(DurationError::TooLong(s.to_string()));
    }
    Ok(total)
}

/// The longest duration accepted (10,000 years): dates and ages computed
/// from it never overflow.
pub const MAX_DURATION: i64 = 10_000 * 366 * 86400;

/// The latest time accepted for `--now` (9999-12-31T23:59:59Z); the earliest
/// is 1970-01-01.
pub const MAX_NOW: i64 = 253_402_300_799;

/// Formats seconds as a short age: `95d`, `3h`, `42s`.
pub fn format_age(secs: i64) -> String {
    if secs >= 86400 {
        format!("{}d", secs / 86400)
    } else if secs >= 3600 {
        format!("{}h", secs / 3600)
    } else if secs >= 60 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; a day past
/// the month's end runs into the next month). Hand-written (Howard
/// Hinnant's algorithm) because the line parsers call it on every line:
/// jiff's checked `Date::new` + `Time::new` + `Offset::to_timestamp` for
/// the same date-and-time-to-seconds step measured 10.3 to 16.8 ns a call
/// against 5.6 to 12.1 ns (release, fat LTO, 2 * 10^7 calls over 1024
/// dates, two rounds each on the 2-core build machine under load): about
/// 5 ns a line, 5% of the CLF parse. Checked against jiff in the tests.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `YYYY-MM-DD` of a Unix time (UTC). A time beyond jiff's civil range
/// (years -9999 to 9999, which only a CLF time with a five-digit year
/// reaches) takes the nearest date in it.
pub fn date_string(t: i64) -> String {
    use jiff::civil::{Date, DateTime};
    let epoch = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);
    let date = match epoch.checked_add(jiff::SignedDuration::from_secs(t)) {
        Ok(dt) => dt.date(),
        Err(_) if t < 0 => Date::MIN,
        Err(_) => Date::MAX,
    };
    date.to_string()
}

/// The Unix time of the start (UTC) of a valid civil date.
fn midnight_utc(d: jiff::civil::Date) -> Option<i64> {
    jiff::tz::Offset::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .ok()
        .map(|t| t.as_second())
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter()
        .try_fold(0u32, |a, &c| a.checked_mul(10)?.checked_add(u32::from(c - b'0')))
}

fn month(b: &[u8]) -> Option<u32> {
    const M: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
    ];
    if b.len() < 3 {
        return None;
    }
    let l = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    M.iter().position(|m| **m == l).map(|p| p as u32 + 1)
}

/// Parses a CLF time (`10/Oct/2000:13:55:36 -0700`, brackets optional, zone
/// optional = UTC) into Unix seconds. `None` when it cannot be read.
pub(crate) fn parse_clf_time(t: &[u8]) -> Option<i64> {
    // Unix seconds with a fraction (Squid's `1286536308.779`, nginx's `$msec`)
    if let Some(k) = memchr::memchr(b'.', t) {
        let (s, frac) = (&t[..k], &t[k + 1..]);
        if (9..=11).contains(&s.len()) && s.iter().chain(frac).all(u8::is_ascii_digit) && !frac.is_empty() {
            return std::str::from_utf8(s).ok()?.parse().ok();
        }
    }
    let t = t.strip_prefix(b"[").unwrap_or(t);
    let t = t.strip_suffix(b"]").unwrap_or(t);
    let mut parts = t.splitn(2, |&b| b == b' ');
    let dt = parts.next()?;
    let zone = parts.next().unwrap_or(b"+0000");
    let mut f = dt.split(|&b| b == b'/' || b == b':');
    let d = num(f.next()?)?;
    let mo = month(f.next()?)?;
    let y = num(f.next()?)?;
    let h = num(f.next()?)?;
    let mi = num(f.next()?)?;
    let sec = f.next()?;
    let sec = num(sec.split(|&b| b == b'.').next()?)?;
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let off = if zone.len() == 5 && matches!(zone[0], b'+' | b'-') {
        let hh = i64::from(num(&zone[1..3])?);
        let mm = i64::from(num(&zone[3..5])?);
        let o = hh * 3600 + mm * 60;
        if zone[0] == b'-' {
            -o
        } else {
            o
        }
    } else {
        0
    };
    let days = days_from_civil(i64::from(y), mo, d);
    Some(days * 86400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec) - off)
}

/// Parses hours, minutes and optional seconds with an optional fraction
/// (`10:00`, `10:00:00`, `10:00:00.123`, `10:00:00,5`): the seconds of the
/// day and what follows.
fn parse_hms(t: &[u8]) -> Option<(i64, &[u8])> {
    if t.len() < 5 || t[2] != b':' {
        return None;
    }
    let h = num(&t[0..2])?;
    let mi = num(&t[3..5])?;
    let mut i = 5;
    let mut sec = 0;
    if t.get(5) == Some(&b':') {
        sec = num(t.get(6..8)?)?;
        i = 8;
        if matches!(t.get(8), Some(b'.' | b',')) {
            i = 9;
            let from = i;
            while i < t.len() && t[i].is_ascii_digit() {
                i += 1;
            }
            if i == from {
                return None;
            }
        }
    }
    if h > 24 || mi > 59 || sec > 60 {
        return None;
    }
    Some((i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec), &t[i..]))
}

/// A zone after a time: nothing or `Z` (UTC), `UTC`/`GMT`, `+02:00`,
/// `+0200`, `+02`, with one space before it at most. The offset in seconds.
fn parse_zone(z: &[u8]) -> Option<i64> {
    let z = z.strip_prefix(b" ").unwrap_or(z);
    match z {
        b"" | b"Z" | b"z" | b"UTC" | b"GMT" => return Some(0),
        _ => {}
    }
    let sign = match z[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let z = &z[1..];
    let (hh, mm) = match z.len() {
        2 => (z, &b"00"[..]),
        4 => (&z[..2], &z[2..]),
        5 if z[2] == b':' => (&z[..2], &z[3..]),
        _ => return None,
    };
    let (hh, mm) = (i64::from(num(hh)?), i64::from(num(mm)?));
    if hh > 23 || mm > 59 {
        return None;
    }
    Some(sign * (hh * 3600 + mm * 60))
}

/// A calendar date `YYYY-MM-DD`: its day number.
fn parse_date(t: &[u8]) -> Option<i64> {
    if t.len() != 10 || t[4] != b'-' || t[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&t[..4])?, num(&t[5..7])?, num(&t[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

/// Parses ISO 8601 / RFC 3339 (`2026-01-01T10:00:00Z`,
/// `2026-01-01 10:00:00.123+02:00`, `+0200`, `+02`; no zone = UTC; a date
/// alone = its midnight, UTC) into Unix seconds (fractions dropped).
pub(crate) fn parse_iso8601(t: &[u8]) -> Option<i64> {
    let day = parse_date(t.get(..10)?)?;
    if t.len() == 10 {
        return Some(day * 86400);
    }
    if !matches!(t[10], b'T' | b't' | b' ') {
        return None;
    }
    let (secs, zone) = parse_hms(&t[11..])?;
    Some(day * 86400 + secs - parse_zone(zone)?)
}

/// Parses a Unix time as a number: seconds (9 to 11 digits), milliseconds
/// (12 to 14), microseconds (15 to 17) or nanoseconds (18 to 20), with an
/// optional fraction (`1700000000.123`, `1700000000123`). Whole seconds.
pub(crate) fn parse_epoch(t: &[u8]) -> Option<i64> {
    let (int, frac) = match memchr::memchr(b'.', t) {
        Some(k) => (&t[..k], &t[k + 1..]),
        None => (t, &b""[..]),
    };
    if !int.iter().chain(frac).all(u8::is_ascii_digit) || (frac.is_empty() && int.len() < t.len()) {
        return None;
    }
    let div: i64 = match int.len() {
        9..=11 => 1,
        12..=14 => 1_000,
        15..=17 => 1_000_000,
        18..=20 => 1_000_000_000,
        _ => return None,
    };
    let v: u64 = std::str::from_utf8(int).ok()?.parse().ok()?;
    Some((v / div as u64) as i64)
}

/// Parses a line's time in any of the forms logs write: CLF
/// (`[10/Oct/2000:13:55:36 -0700]`, brackets and zone optional, HAProxy's
/// `[06/Feb/2009:12:14:14.655]`), ISO 8601, a Unix time in seconds,
/// milliseconds, micro- or nanoseconds (Squid's `1286536308.779`, nginx's
/// `$msec`), or RFC 2822 / HTTP (`Tue, 15 Nov 1994 08:12:31 GMT`). Times
/// without a zone are taken as UTC. `None` when it is none of these.
pub(crate) fn parse_any_time(t: &[u8]) -> Option<i64> {
    let t = t.trim_ascii();
    let first = *t.first()?;
    if first.is_ascii_digit() {
        if t.len() >= 10 && t[4] == b'-' {
            return parse_iso8601(t);
        }
        if t.get(2) == Some(&b'/') || t.get(1) == Some(&b'/') {
            return parse_clf_time(t);
        }
        return parse_epoch(t);
    }
    if first == b'[' {
        return parse_clf_time(t);
    }
    if first.is_ascii_alphabetic() && t.len() <= 64 {
        let s = std::str::from_utf8(t).ok()?;
        return jiff::fmt::rfc2822::parse(s).ok().map(|z| z.timestamp().as_second());
    }
    None
}

/// The time of a `date` and a `time` field (W3C, IIS, CloudFront: UTC by
/// the W3C spec): `2026-01-01` and `10:00:00` (a fraction is dropped).
pub(crate) fn parse_date_and_time(date: &[u8], time: &[u8]) -> Option<i64> {
    let day = parse_date(date)?;
    match parse_hms(time)? {
        (secs, b"") => Some(day * 86400 + secs),
        _ => None,
    }
}

/// Whether `t` is a calendar date alone (`2026-01-01`).
pub(crate) fn is_date_only(t: &[u8]) -> bool {
    parse_date(t).is_some()
}

/// Parses a time written with a strftime format (Apache's `%{FORMAT}t`);
/// without a zone in it, the time is taken as UTC.
pub(crate) fn parse_strftime(format: &str, t: &[u8]) -> Option<i64> {
    let tm = jiff::fmt::strtime::parse(format, t).ok()?;
    if let Ok(ts) = tm.to_timestamp() {
        return Some(ts.as_second());
    }
    let dt = tm.to_datetime().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// Parses `--now`: RFC 3339 (`2026-01-01T00:00:00Z`), a date (`2026-01-01`,
/// midnight UTC), or `@SECONDS`.
pub fn parse_now(s: &str) -> Result<i64, NowError> {
    let bad = || NowError::Malformed(s.to_string());
    let t = if let Some(secs) = s.strip_prefix('@') {
        secs.parse().map_err(|_| bad())?
    } else if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        ts.as_second()
    } else if let Ok(d) = s.parse::<jiff::civil::Date>() {
        midnight_utc(d).ok_or_else(bad)?
    } else {
        return Err(bad());
    };
    if !(0..=MAX_NOW).contains(&t) {
        return Err(NowError::OutOfRange(s.to_string()));
    }
    Ok(t)
}

/// The date of a rotated log, from its name, only where rotation puts it:
/// right after the name and a `-`, `.` or `_` (`access.log-20260101`,
/// `access.log.2026-01-01`, `access-2026-01-01.log`), written `YYYYMMDD`,
/// `YYYY-MM-DD` or `YYYYMMDDHH` (logrotate's `dateformat -%Y%m%d%H`), and
/// followed only by an extension (`.log`), a rotation number (`.1`) and a
/// compression extension (`.gz`), each optional, in that order. A date
/// elsewhere in the name (`2019-backup-access.log`) is not trusted. Returns
/// the Unix time of its start (UTC).
pub fn date_in_name(name: &str) -> Option<i64> {
    const COMPRESSED: [&str; 7] = ["gz", "xz", "bz2", "zst", "zstd", "lz4", "Z"];
    let mut s = name;
    if let Some((rest, ext)) = s.rsplit_once('.') {
        if COMPRESSED.contains(&ext) {
            s = rest;
        }
    }
    // a rotation number, then an extension: each optional
    fn number(s: &str) -> Option<&str> {
        s.rsplit_once('.')
            .filter(|(_, n)| (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|(rest, _)| rest)
    }
    fn extension(s: &str) -> Option<&str> {
        s.rsplit_once('.')
            .filter(|(_, e)| (1..=8).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(|(rest, _)| rest)
    }
    let unnumbered = number(s);
    [Some(s), unnumbered, extension(s), unnumbered.and_then(extension)]
        .into_iter()
        .flatten()
        .find_map(date_at_end)
}

/// `BASE SEP DATE` at the end of `s` (see [`date_in_name`]).
fn date_at_end(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    for len in [8, 10] {
        let Some(at) = b.len().checked_sub(len + 1) else {
            continue;
        };
        if at == 0 || !matches!(b[at], b'-' | b'.' | b'_') {
            continue;
        }
        let d = &b[at + 1..];
        let (y, m, day, hour) = match d {
            [_, _, _, _, b'-', _, _, b'-', _, _] => (&d[0..4], &d[5..7], &d[8..10], None),
            _ if d.iter().all(u8::is_ascii_digit) => (&d[0..4], &d[4..6], &d[6..8], d.get(8..10)),
            _ => continue,
        };
        let (Some(y), Some(m), Some(day)) = (num(y), num(m), num(day)) else {
            continue;
        };
        let hour = match hour {
            Some(h) => match num(h) {
                Some(h) => h,
                None => continue,
            },
            None => 0,
        };
        if !(1970..=9999).contains(&y) || hour > 23 {
            continue;
        }
        // a real date only (no 31 February)
        let Ok(date) = jiff::civil::Date::new(y as i16, m as i8, day as i8) else {
            continue;
        };
        if let Some(t) = midnight_utc(date) {
            return Some(t + i64::from(hour) * 3600);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_out_of_range_are_refused() {
        // arithmetic on them would overflow (a wrapped age expires every file)
        assert!(parse_now("@-9223372036854775808")
            .unwrap_err()
            .to_string()
            .contains("outside 1970-01-01 .. 9999-12-31"));
        assert!(parse_now("@-1").is_err());
        assert!(parse_now("@253402300800").is_err());
        assert_eq!(parse_now("@253402300799"), Ok(MAX_NOW));
        assert_eq!(parse_now("@0"), Ok(0));
        assert!(parse_duration("9223372036854775807s")
            .unwrap_err()
            .to_string()
            .contains("longer than 10000 years"));
        assert!(parse_duration("3660001d").is_err());
        assert_eq!(parse_duration("3660000d"), Ok(MAX_DURATION));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(90 * 86400));
        assert_eq!(parse_duration("12h"), Ok(12 * 3600));
        assert_eq!(parse_duration("2w"), Ok(14 * 86400));
        assert_eq!(parse_duration("1d12h"), Ok(86400 + 12 * 3600));
        // what logrotate users write: a bare number of days, months, years
        assert_eq!(parse_duration("90"), Ok(90 * 86400));
        assert_eq!(parse_duration(" 7 "), Ok(7 * 86400));
        assert_eq!(parse_duration("3mo"), Ok(90 * 86400));
        assert_eq!(parse_duration("1y"), Ok(365 * 86400));
        assert_eq!(
            parse_duration("1y2mo3w4d5h6m7s"),
            Ok(((365 + 60 + 21 + 4) * 24 + 5) * 3600 + 367)
        );
        assert_eq!(parse_duration("30m"), Ok(1800), "m stays minutes");
        assert_eq!(parse_duration("0"), Ok(0));
        for bad in ["d", "3x", "1d12", "12h5", "mo", "3month", "3 d", "-1", "1.5d", "3M", ""] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("99999999999999999999").is_err());
        assert_eq!(format_age(95 * 86400 + 5), "95d");
    }

    #[test]
    fn clf_times() {
        assert_eq!(parse_clf_time(b"[10/Oct/2000:13:55:36 -0700]"), Some(971211336));
        assert_eq!(parse_clf_time(b"01/Jan/1970:00:00:00 +0000"), Some(0));
        assert_eq!(parse_clf_time(b"[14/Nov/2015:22:45:25.439]"), Some(1447541125));
        assert_eq!(parse_clf_time(b"[02/sept./2015:00:11:31 +0200]"), Some(1441145491));
        assert_eq!(parse_clf_time(b"[x]"), None);
        assert_eq!(date_string(971211336), "2000-10-10");
    }

    #[test]
    fn iso_epoch_and_other_times() {
        // 2026-01-01T10:00:00Z
        let t = 20454 * 86400 + 36000;
        for (text, want) in [
            ("2026-01-01T10:00:00Z", Some(t)),
            ("2026-01-01T10:00:00.123456Z", Some(t)),
            ("2026-01-01 10:00:00", Some(t)),
            ("2026-01-01T12:00:00+02:00", Some(t)),
            ("2026-01-01T12:00:00,5+0200", Some(t)),
            ("2026-01-01T07:30:00-02:30", Some(t)),
            ("2026-01-01T11:00:00+01", Some(t)),
            ("2026-01-01T10:00Z", Some(t)),
            ("2026-01-01 10:00:00 UTC", Some(t)),
            ("2026-01-01", Some(t - 36000)),
            ("2026-13-01T10:00:00Z", None),
            ("2026-01-01T25:00:00Z", None),
            ("2026-01-01T10:00:00+2", None),
            ("2026-01-01X10:00:00", None),
            // seconds, milliseconds, micro- and nanoseconds, with fractions
            ("1767261600", Some(t)),
            ("1767261600.999", Some(t)),
            ("1767261600123", Some(t)),
            ("1767261600123.5", Some(t)),
            ("1767261600123456", Some(t)),
            ("1767261600123456789", Some(t)),
            ("176726", None),
            ("1767261600.", None),
            ("1767261600x", None),
            ("-1767261600", None),
            // CLF, HAProxy's, nginx's `$time_local`
            ("[01/Jan/2026:11:00:00 +0100]", Some(t)),
            ("01/Jan/2026:10:00:00 +0000", Some(t)),
            ("[01/Jan/2026:10:00:00.584]", Some(t)),
            // RFC 2822, HTTP dates
            ("Thu, 01 Jan 2026 10:00:00 GMT", Some(t)),
            ("Thu, 1 Jan 2026 11:00:00 +0100", Some(t)),
            ("  2026-01-01T10:00:00Z ", Some(t)),
            ("", None),
            ("-", None),
            ("yesterday", None),
        ] {
            assert_eq!(parse_any_time(text.as_bytes()), want, "{text}");
        }
        assert_eq!(parse_date_and_time(b"2026-01-01", b"10:00:00"), Some(t));
        assert_eq!(parse_date_and_time(b"2026-01-01", b"10:00:00.250"), Some(t));
        assert_eq!(parse_date_and_time(b"2026-01-01", b"10:00:00Z"), None);
        assert_eq!(parse_date_and_time(b"01/01/2026", b"10:00:00"), None);
        assert_eq!(parse_strftime("%Y-%m-%d %H:%M:%S", b"2026-01-01 10:00:00"), Some(t));
        assert_eq!(
            parse_strftime("%d/%b/%Y:%H:%M:%S %z", b"01/Jan/2026:11:00:00 +0100"),
            Some(t)
        );
        assert_eq!(parse_strftime("%s", b"1767261600"), Some(t));
        assert_eq!(parse_strftime("%Y-%m-%d", b"garbage"), None);
    }

    #[test]
    fn civil_days_agree_with_jiff() {
        // the hand-written hot path against jiff, every day of 1600..2400
        let epoch = jiff::civil::date(1970, 1, 1);
        let mut d = jiff::civil::date(1600, 1, 1);
        let mut checked = 0;
        while d.year() < 2400 {
            let want = i64::from((d - epoch).get_days());
            assert_eq!(
                days_from_civil(i64::from(d.year()), d.month() as u32, d.day() as u32),
                want,
                "{d}"
            );
            checked += 1;
            d = d.tomorrow().unwrap();
        }
        assert_eq!(checked, 292_194);
        assert_eq!(date_string(0), "1970-01-01");
        assert_eq!(date_string(-1), "1969-12-31");
        assert_eq!(date_string(971211336), "2000-10-10");
        assert_eq!(date_string(MAX_NOW), "9999-12-31");
        assert_eq!(date_string(MAX_NOW + 1), "9999-12-31");
        assert_eq!(date_string(i64::MAX), "9999-12-31");
        assert_eq!(date_string(i64::MIN), "-009999-01-01");
        assert_eq!(date_in_name("access.log-20260231"), None, "no 31 February");
        assert_eq!(
            date_in_name("access.log-20240229"),
            Some(days_from_civil(2024, 2, 29) * 86400)
        );
    }

    #[test]
    fn names_and_now() {
        let jan1 = 20454 * 86400; // 2026-01-01
                                  // where rotation puts it: after the name, before an extension, a
                                  // rotation number and a compression extension
        for name in [
            "access.log-20260101",
            "access.log-20260101.gz",
            "access.log.20260101.xz",
            "access.log-2026-01-01",
            "access.log.2026-01-01.bz2",
            "access-2026-01-01.log",
            "access-20260101.log.gz",
            "access.log-20260101.1.gz",
            "access-20260101.log.3.zst",
            "access_20260101.log",
        ] {
            assert_eq!(date_in_name(name), Some(jan1), "{name}");
        }
        assert_eq!(date_in_name("access.log-2026010112"), Some(jan1 + 12 * 3600));
        // anywhere else it is not the rotation's date
        for name in [
            "access.log.1",
            "access.log",
            "app-20261399.log",
            "2026-01-01-access.log.1",
            "backup-20260101-access.log.gz",
            "access.log-20260101x",
            "access.log-020260101",
            "access.log20260101",
            "20260101",
            "-20260101",
            "access.log-2026-0101",
            "access.log-20260101.log.tar.gz",
            "access_2026_01_01.log.gz",
            "access.log-20260101.123456",
            "access.log-2026010125",
        ] {
            assert_eq!(date_in_name(name), None, "{name}");
        }
        assert_eq!(parse_now("2026-01-01"), Ok(jan1));
        assert_eq!(parse_now("2026-01-01T00:00:00Z"), Ok(jan1));
        assert_eq!(parse_now("@5"), Ok(5));
        assert!(parse_now("yesterday").is_err());
    }
}
