//! Civil dates for the tests' own oracles, through jiff: apart from the
//! library's hand-written day arithmetic (`loganon::time::days_from_civil`,
//! the line parsers' hot path), so that a test does not check loganon
//! against loganon.

use jiff::civil::{Date, DateTime};
use jiff::SignedDuration;

/// Seconds in a day.
pub const DAY: i64 = 86400;

/// Month names as CLF writes them.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const EPOCH: Date = Date::constant(1970, 1, 1);

/// Days since 1970-01-01 of a civil date (a valid one: the tests write
/// real dates).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let date = Date::new(y as i16, m as i8, d as i8).expect("a valid date");
    i64::from((date - EPOCH).get_days())
}

/// Unix time of midnight UTC of a civil date.
pub fn epoch(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) * DAY
}

/// The civil date (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let d = DateTime::from(EPOCH)
        .checked_add(SignedDuration::from_secs(z * DAY))
        .expect("a day in jiff's range")
        .date();
    (i64::from(d.year()), i64::from(d.month()), i64::from(d.day()))
}

/// `YYYY-MM-DD` (UTC) of the Unix time `t`.
pub fn date_string(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of the Unix time `t`, for `--now`.
pub fn rfc3339(t: i64) -> String {
    let s = t.rem_euclid(DAY);
    format!("{}T{:02}:{:02}:{:02}Z", date_string(t), s / 3600, s / 60 % 60, s % 60)
}
