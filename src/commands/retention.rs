//! Retention: when a log file is left alone, kept, anonymized or deleted,
//! and what is printed of a deletion. Written once, used by `purge` and by
//! `run`'s job ([`crate::commands::run::cron`]).
//!
//! - The age rule ([`age`]): a file's age is "now" less its modification
//!   time, or (`--age-from name`) less the date in its name where rotation
//!   puts it ([`date_in_name`]), falling back to its modification time.
//! - Files modified in the last minute of the real clock ([`RECENT`]) are
//!   skipped, whatever "now" is and wherever the age comes from: they may be
//!   written right now.
//! - The windows ([`Rule`]): a file goes once its age is over the delete
//!   window (a file exactly that old stays), and is anonymized once its age
//!   is over the anonymize window (`run` only).
//! - The decision ([`decide`]): skip, keep, anonymize or delete, with why.
//! - The deletion record ([`Deletion`]): the line printed per deleted file
//!   (`deleted PATH age=3d size=10`) and its JSON forms, for `purge` and for
//!   `run`.
//!
//! Nothing here reads a file or the clock: the callers give the modification
//! time, "now" and the real clock.

use std::path::Path;

use serde::Deserialize;

use crate::io::names::{self, show};
use crate::time::{date_in_name, format_age};

/// Files modified more recently than this (seconds, real clock) are skipped.
pub const RECENT: i64 = 60;

/// Where a file's age is measured from (`purge --age-from`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgeFrom {
    /// its modification time
    #[default]
    Mtime,
    /// the date in its name where rotation puts it, else its modification
    /// time
    Name,
}

/// Where a file's age was measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Born {
    /// its modification time
    Mtime,
    /// the date in its name
    Name,
    /// its modification time, asked for the date in its name but none is
    /// there
    MtimeNoDateInName,
}

impl Born {
    /// As printed: `mtime`, `name`, `mtime (no date in name)`.
    pub fn as_str(self) -> &'static str {
        match self {
            Born::Mtime => "mtime",
            Born::Name => "name",
            Born::MtimeNoDateInName => "mtime (no date in name)",
        }
    }
}

/// A file's age at "now".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Age {
    /// seconds (negative for a file dated after "now")
    pub seconds: i64,
    pub from: Born,
}

/// The age at `now` of the file at `path` modified at `mtime`.
pub fn age(path: &Path, mtime: i64, age_from: AgeFrom, now: i64) -> Age {
    let (born, from) = match age_from {
        AgeFrom::Mtime => (mtime, Born::Mtime),
        AgeFrom::Name => match path.file_name().and_then(|n| n.to_str()).and_then(date_in_name) {
            Some(t) => (t, Born::Name),
            None => (mtime, Born::MtimeNoDateInName),
        },
    };
    Age {
        seconds: now.saturating_sub(born),
        from,
    }
}

/// The retention rule of `purge` or of one of `run`'s log sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub age_from: AgeFrom,
    /// files older than this (seconds) are deleted
    pub delete_after: Option<i64>,
    /// files older than this (seconds) are anonymized (`run`)
    pub anonymize_after: Option<i64>,
}

/// Why a file is left alone whatever its age.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// modified in the last minute of the real clock: it may be written now
    Recent,
}

impl Skip {
    /// As `run --json` gives it.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::Recent => "modified in the last minute",
        }
    }
}

/// What becomes of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// left alone, its age not even taken
    Skip(Skip),
    /// past the delete window: it goes
    Delete(Age),
    /// past the anonymize window (and not the delete window)
    Anonymize(Age),
    /// within every window
    Keep(Age),
}

/// The decision of `rule` for the file at `path` modified at `mtime` (Unix
/// seconds), at `now` (`--now`) and `real_now` (the system clock, for the
/// last-minute rule).
pub fn decide(rule: &Rule, path: &Path, mtime: i64, now: i64, real_now: i64) -> Decision {
    if real_now.saturating_sub(mtime) < RECENT {
        return Decision::Skip(Skip::Recent);
    }
    let age = age(path, mtime, rule.age_from, now);
    let past = |window: Option<i64>| window.is_some_and(|w| age.seconds > w);
    if past(rule.delete_after) {
        Decision::Delete(age)
    } else if past(rule.anonymize_after) {
        Decision::Anonymize(age)
    } else {
        Decision::Keep(age)
    }
}

/// A file deleted (or, in a dry run, that would be): what is printed of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deletion<'a> {
    pub path: &'a Path,
    pub age: Age,
    pub size: u64,
    /// a dry run: it would be deleted
    pub dry_run: bool,
}

impl Deletion<'_> {
    /// `deleted` or `would-delete`.
    pub fn verb(&self) -> &'static str {
        if self.dry_run {
            "would-delete"
        } else {
            "deleted"
        }
    }

    /// `run`'s line: `deleted PATH age=3d size=10` (its ages always come
    /// from the modification time).
    pub fn line(&self) -> String {
        format!(
            "{} {} age={} size={}",
            self.verb(),
            show(self.path),
            format_age(self.age.seconds),
            self.size
        )
    }

    /// `purge`'s line: [`Deletion::line`] and where the age came from
    /// (`age_from=mtime_(no_date_in_name)`: spaces as `_`).
    pub fn line_with_source(&self) -> String {
        format!("{} age_from={}", self.line(), self.age.from.as_str().replace(' ', "_"))
    }

    /// `run --json`'s object: `{"action": "deleted", "file": PATH,
    /// "age_seconds": .., "size": ..}`.
    pub fn action(&self) -> serde_json::Value {
        serde_json::json!({
            "action": self.verb(),
            "file": names::json(self.path),
            "age_seconds": self.age.seconds,
            "size": self.size,
        })
    }

    /// `purge --json`'s record of the file (an element of its `files`).
    pub fn record(&self) -> serde_json::Value {
        serde_json::json!({
            "path": names::json(self.path),
            "age_seconds": self.age.seconds,
            "age_days": self.age.seconds / 86400,
            "size": self.size,
            "age_from": self.age.from.as_str(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86400;
    /// 2026-03-01T00:00:00Z
    const NOW: i64 = 1_772_323_200;

    fn rule(age_from: AgeFrom, delete_after: Option<i64>, anonymize_after: Option<i64>) -> Rule {
        Rule {
            age_from,
            delete_after,
            anonymize_after,
        }
    }

    #[test]
    fn the_age_comes_from_the_mtime_or_from_a_rotation_date_in_the_name() {
        let mtime = NOW - 3 * DAY;
        let dated = Path::new("/var/log/access.log-20260220.gz"); // 9 days before NOW
        let undated = Path::new("/var/log/access.log.1.gz");
        let elsewhere = Path::new("/var/log/2026-02-20-access.log.gz"); // not where rotation puts it
        assert_eq!(
            age(dated, mtime, AgeFrom::Mtime, NOW),
            Age {
                seconds: 3 * DAY,
                from: Born::Mtime
            }
        );
        assert_eq!(
            age(dated, mtime, AgeFrom::Name, NOW),
            Age {
                seconds: 9 * DAY,
                from: Born::Name
            }
        );
        for p in [undated, elsewhere] {
            assert_eq!(
                age(p, mtime, AgeFrom::Name, NOW),
                Age {
                    seconds: 3 * DAY,
                    from: Born::MtimeNoDateInName
                },
                "{}",
                p.display()
            );
        }
        // the name's date decides the window, not the mtime
        let r = rule(AgeFrom::Name, Some(7 * DAY), None);
        assert!(matches!(decide(&r, dated, mtime, NOW, NOW), Decision::Delete(a) if a.seconds == 9 * DAY));
        assert!(matches!(decide(&r, undated, mtime, NOW, NOW), Decision::Keep(a) if a.seconds == 3 * DAY));
        let r = rule(AgeFrom::Mtime, Some(7 * DAY), None);
        assert!(matches!(decide(&r, dated, mtime, NOW, NOW), Decision::Keep(_)));
    }

    #[test]
    fn files_modified_in_the_last_minute_of_the_real_clock_are_skipped() {
        let p = Path::new("access.log-20200101.gz");
        let real = NOW + 365 * DAY; // `--now` a year before the real clock
        for age_from in [AgeFrom::Mtime, AgeFrom::Name] {
            let r = rule(age_from, Some(DAY), Some(0));
            // 59 seconds before the real clock: skipped, however old by --now
            // or by its name
            assert_eq!(decide(&r, p, real - 59, NOW, real), Decision::Skip(Skip::Recent));
            assert_eq!(
                decide(&r, p, real + 3600, NOW, real),
                Decision::Skip(Skip::Recent),
                "future"
            );
            // 60 seconds: decided by its age
            assert!(!matches!(decide(&r, p, real - 60, NOW, real), Decision::Skip(_)));
        }
        assert_eq!(Skip::Recent.reason(), "modified in the last minute");
    }

    #[test]
    fn a_file_exactly_as_old_as_the_window_stays() {
        let p = Path::new("a.log.1");
        let r = rule(AgeFrom::Mtime, Some(10 * DAY), Some(DAY));
        let at = |age: i64| decide(&r, p, NOW - age, NOW, NOW);
        let a = |seconds| Age {
            seconds,
            from: Born::Mtime,
        };
        assert_eq!(at(10 * DAY), Decision::Anonymize(a(10 * DAY)));
        assert_eq!(at(10 * DAY + 1), Decision::Delete(a(10 * DAY + 1)));
        assert_eq!(at(DAY), Decision::Keep(a(DAY)));
        assert_eq!(at(DAY + 1), Decision::Anonymize(a(DAY + 1)));
        // no window: never
        let none = rule(AgeFrom::Mtime, None, None);
        assert_eq!(decide(&none, p, 0, NOW, NOW), Decision::Keep(a(NOW)));
        // a delete window alone (purge)
        let purge = rule(AgeFrom::Mtime, Some(0), None);
        assert_eq!(decide(&purge, p, NOW - 61, NOW, NOW), Decision::Delete(a(61)));
    }

    #[test]
    fn deletion_lines_and_records_in_a_dry_run_and_not() {
        let d = Deletion {
            path: Path::new("/l/a b\n.log.1"),
            age: Age {
                seconds: 3 * DAY + 5,
                from: Born::MtimeNoDateInName,
            },
            size: 12,
            dry_run: false,
        };
        assert_eq!(d.line(), "deleted /l/a b\\n.log.1 age=3d size=12");
        assert_eq!(
            d.line_with_source(),
            "deleted /l/a b\\n.log.1 age=3d size=12 age_from=mtime_(no_date_in_name)"
        );
        assert_eq!(
            d.action().to_string(),
            r#"{"action":"deleted","age_seconds":259205,"file":"/l/a b\n.log.1","size":12}"#
        );
        assert_eq!(
            d.record().to_string(),
            r#"{"age_days":3,"age_from":"mtime (no date in name)","age_seconds":259205,"path":"/l/a b\n.log.1","size":12}"#
        );
        let dry = Deletion { dry_run: true, ..d };
        assert_eq!(dry.line(), "would-delete /l/a b\\n.log.1 age=3d size=12");
        assert_eq!(dry.action()["action"], "would-delete");
        assert_eq!(dry.record(), d.record(), "a record says nothing of the dry run");
        let hours = Deletion {
            age: Age {
                seconds: 7200,
                from: Born::Name,
            },
            ..dry
        };
        assert_eq!(
            hours.line_with_source(),
            "would-delete /l/a b\\n.log.1 age=2h size=12 age_from=name"
        );
    }
}
