//! Time: durations (`90d`), timestamps in log lines, and "now".
//!
//! The CLF timestamp parser is hand-written: with `--max-age` it runs on
//! every line, and a fixed-layout byte parser is far cheaper than a general
//! strptime. User-facing timestamps (`--now`) go through jiff.

use std::time::{SystemTime, UNIX_EPOCH};

/// Parses a duration like `90d`, `12h`, `2w`, `30m`, `45s`, or a sequence
/// (`1d12h`) into seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("'{s}' is not a duration; write it like 90d, 12h, 2w, 30m or 1d12h");
    let b = s.trim().as_bytes();
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
        if start == i || i == b.len() {
            return Err(bad());
        }
        let n: i64 = s.trim()[start..i].parse().map_err(|_| bad())?;
        let unit = match b[i] {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86400,
            b'w' => 7 * 86400,
            _ => return Err(bad()),
        };
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        i += 1;
    }
    Ok(total)
}

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

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn date_string(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86400));
    format!("{y:04}-{m:02}-{d:02}")
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
pub fn parse_clf_time(t: &[u8]) -> Option<i64> {
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

/// Parses `--now`: RFC 3339 (`2026-01-01T00:00:00Z`), a date (`2026-01-01`,
/// midnight UTC), or `@SECONDS`.
pub fn parse_now(s: &str) -> Result<i64, String> {
    let bad = || format!("'{s}' is not a time; write it like 2026-01-01T00:00:00Z, 2026-01-01 or @1767225600");
    if let Some(secs) = s.strip_prefix('@') {
        return secs.parse().map_err(|_| bad());
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Ok(days_from_civil(i64::from(d.year()), d.month() as u32, d.day() as u32) * 86400);
    }
    Err(bad())
}

/// The current Unix time.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Unix seconds of a `SystemTime`.
pub fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// A date in a file name, as logrotate's dateext and common schemes write it:
/// `20260101`, `2026-01-01`, `2026_01_01`, `2026010112` (with hour). Returns
/// the Unix time of its start (UTC).
pub fn date_in_name(name: &str) -> Option<i64> {
    let b = name.as_bytes();
    let mut i = 0;
    while i + 8 <= b.len() {
        if (i == 0 || !b[i - 1].is_ascii_digit()) && b[i..i + 4].iter().all(u8::is_ascii_digit) {
            let y = num(&b[i..i + 4])?;
            let (rest, sep) = match b.get(i + 4) {
                Some(&c @ (b'-' | b'_')) => (i + 5, Some(c)),
                _ => (i + 4, None),
            };
            let mm_end = rest + 2;
            let dd_start = if sep.is_some() { mm_end + 1 } else { mm_end };
            if dd_start + 2 <= b.len()
                && (sep.is_none() || b.get(mm_end) == sep.as_ref())
                && b[rest..mm_end].iter().all(u8::is_ascii_digit)
                && b[dd_start..dd_start + 2].iter().all(u8::is_ascii_digit)
            {
                let m = num(&b[rest..mm_end])?;
                let d = num(&b[dd_start..dd_start + 2])?;
                let mut end = dd_start + 2;
                let mut hour = 0;
                if sep.is_none() && end + 2 <= b.len() && b[end..end + 2].iter().all(u8::is_ascii_digit) {
                    hour = num(&b[end..end + 2])?;
                    end += 2;
                }
                let ok_end = end == b.len() || !b[end].is_ascii_digit();
                if (1970..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) && hour < 24 && ok_end {
                    return Some(days_from_civil(i64::from(y), m, d) * 86400 + i64::from(hour) * 3600);
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(90 * 86400));
        assert_eq!(parse_duration("12h"), Ok(12 * 3600));
        assert_eq!(parse_duration("2w"), Ok(14 * 86400));
        assert_eq!(parse_duration("1d12h"), Ok(86400 + 12 * 3600));
        assert!(parse_duration("90").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3x").is_err());
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
    fn civil_round_trip() {
        for z in [-800_000i64, -1, 0, 1, 10_957, 20_454, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn names_and_now() {
        let jan1 = 20454 * 86400; // 2026-01-01
        assert_eq!(date_in_name("access.log-20260101.gz"), Some(jan1));
        assert_eq!(date_in_name("access-2026-01-01.log"), Some(jan1));
        assert_eq!(date_in_name("access_2026_01_01.log.gz"), Some(jan1));
        assert_eq!(date_in_name("access.log-2026010112"), Some(jan1 + 12 * 3600));
        assert_eq!(date_in_name("access.log.1"), None);
        assert_eq!(date_in_name("app-20261399.log"), None);
        assert_eq!(parse_now("2026-01-01"), Ok(jan1));
        assert_eq!(parse_now("2026-01-01T00:00:00Z"), Ok(jan1));
        assert_eq!(parse_now("@5"), Ok(5));
        assert!(parse_now("yesterday").is_err());
    }
}
