//! One file of a `run` log set, step by step: looked at, decided by its age
//! ([`retention::decide`]), checked to be the file walked, then expired
//! (its totals summarized, deleted) or anonymized (rewritten in place, read
//! back, recorded in the state with its totals, announced).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::commands::in_place::{rewrite_in_place, InPlaceError};
use crate::commands::retention::{self, Age, AgeFrom, Decision, Deletion, Rule};
use crate::commands::run::config::LogSet;
use crate::commands::run::cron::Runner;
use crate::commands::run::state::{ends_of, state_key, FileId, Print};
use crate::commands::run::summaries::count_rewritten;
use crate::commands::run::totals::{read_file, FileRead};
use crate::engine::Engine;
use crate::io::clock::{unix, Clock};
use crate::io::handles::{self, Found};
use crate::io::names::{self, show};
use crate::stats::Stats;

/// The retention rule of a log set: ages from the modification time.
fn rule(set: &LogSet) -> Rule {
    Rule {
        age_from: AgeFrom::Mtime,
        delete_after: set.delete_after.map(|d| d.0),
        anonymize_after: set.anonymize_after.map(|a| a.0),
    }
}

/// A file anonymized, read back: its totals and content, its metadata and
/// the hash of its ends, as the state records them.
struct ReadBack {
    read: FileRead,
    meta: fs::Metadata,
    ends: String,
}

impl Runner<'_> {
    /// Works on one file of `set`.
    pub(super) fn file(&mut self, set: &LogSet, engine: &Engine, found: &Found) {
        let path = found.path.as_path();
        let Some(meta) = self.look(path) else { return };
        let mtime = meta.modified().map(unix).unwrap_or(0);
        let decision = retention::decide(&rule(set), path, mtime, self.now, crate::io::clock::now());
        if let Decision::Skip(why) = decision {
            return self.skipped_now(path, why.reason()); // may be written right now
        }
        let id = FileId::of(&meta);
        if !self.is_walked(found, &id) {
            return;
        }
        match decision {
            Decision::Delete(age) => self.expire(set, engine, found, &id, age),
            Decision::Anonymize(age) => self.anonymize(set, engine, path, &meta, &id, age),
            Decision::Keep(age) => self.not_due(set, path, age),
            Decision::Skip(_) => {}
        }
    }

    /// A file left alone this night for `why` (modified in the last
    /// minute): said in text too, so a quiet night is explained.
    fn skipped_now(&mut self, path: &Path, why: &str) {
        self.report.skipped += 1;
        if self.json {
            return self.skipped(path, why);
        }
        self.act(format!("skipped {}: {why}", show(path)), serde_json::Value::Null);
    }

    /// A file younger than its set's windows: when it will be anonymized
    /// (or deleted). Nothing is said for a set without a window (a warning
    /// of the set says it).
    fn not_due(&mut self, set: &LogSet, path: &Path, age: Age) {
        let r = rule(set);
        let (next, window) = match (r.anonymize_after, r.delete_after) {
            (Some(a), _) if age.seconds < a => ("anonymized", a),
            (_, Some(d)) if age.seconds < d => ("deleted", d),
            _ => return,
        };
        self.report.not_due += 1;
        let left = window - age.seconds;
        let date = crate::time::date_string(self.now + left);
        let rest = format!(
            " age={}: to be {next} in {} ({date})",
            crate::time::format_age(age.seconds),
            crate::time::format_age(left)
        );
        let fields = serde_json::json!({ "age_seconds": age.seconds, "next": next, "in_seconds": left, "date": date });
        self.file_act("not-due", path, &rest, fields);
    }

    /// The file's metadata, when it is (still) a regular file; an error
    /// when it cannot be looked at.
    fn look(&mut self, path: &Path) -> Option<fs::Metadata> {
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_file() => Some(m),
            Ok(_) => None,
            Err(e) => {
                self.error(format!("{}: {e}", show(path)));
                None
            }
        }
    }

    /// Whether the file at the path (`id`) is the one walked, reached
    /// through the folders walked: a folder swapped for a symlink since
    /// points the path elsewhere, and nothing is done there (an error).
    fn is_walked(&mut self, found: &Found, id: &FileId) -> bool {
        let walked = &found.place.file;
        if (walked.dev, walked.ino) == (id.dev, id.ino) {
            return true;
        }
        self.error(format!(
            "{}: replaced since it was found (a folder swapped for a symlink?); left alone",
            show(&found.path)
        ));
        false
    }

    /// A file past `delete_after`: its totals into the summary first (as
    /// far as it can be read: retention wins, see [`Runner::summarize`]), then
    /// deleted through the folders walked ([`handles::delete`]) and
    /// forgotten by the state; a dry run says what would go.
    fn expire(&mut self, set: &LogSet, engine: &Engine, found: &Found, id: &FileId, age: Age) {
        let path = found.path.as_path();
        if set.summary.is_some() && !self.summarize(set, engine, path, id) {
            return;
        }
        if !self.dry_run {
            if let Err(e) = handles::delete(&found.place, path) {
                return self.error(e.to_string());
            }
            self.forget(path);
        }
        self.report.deleted += 1;
        let d = Deletion {
            path,
            age,
            size: id.size,
            dry_run: self.dry_run,
        };
        self.act(d.line(), d.action());
    }

    /// Takes a deleted file's records out of the state, and saves it.
    fn forget(&mut self, path: &Path) {
        let key = state_key(path);
        self.state.anonymized.remove(&key);
        self.state.prints.remove(&key);
        self.save();
    }

    /// A file past `anonymize_after`, unless the state records it done as
    /// it is: anonymized in place, read back, recorded with its totals in
    /// one save, then announced; a dry run says what would be done.
    fn anonymize(&mut self, set: &LogSet, engine: &Engine, path: &Path, meta: &fs::Metadata, id: &FileId, age: Age) {
        let changed = match self.state.anonymized.get(&state_key(path)) {
            Some(done) if done == id => {
                self.report.unchanged += 1;
                return self.skipped(path, "already done");
            }
            Some(_) => true,
            None => false,
        };
        if self.dry_run {
            return self.would_anonymize(set, path, changed, age);
        }
        if changed {
            self.act(
                format!(
                    "changed {}: modified since it was anonymized; anonymizing again",
                    show(path)
                ),
                serde_json::json!({ "action": "changed", "file": names::json(path) }),
            );
        }
        let Some(stats) = self.rewrite(engine, path, meta) else {
            return;
        };
        let Some(back) = self.read_back(set, engine, path) else {
            return;
        };
        let counted = self.record(set, path, id, &back);
        if self.save() {
            self.anonymized(path, &stats);
            if counted {
                self.summarized(path, &back.read.days);
            }
        }
    }

    /// What a dry run says of a file it would anonymize (and summarize).
    fn would_anonymize(&mut self, set: &LogSet, path: &Path, changed: bool, age: Age) {
        let verb = if changed {
            "would-anonymize-again"
        } else {
            "would-anonymize"
        };
        self.report.anonymized += 1;
        let rest = format!(" age={}", crate::time::format_age(age.seconds));
        self.file_act(verb, path, &rest, serde_json::json!({ "age_seconds": age.seconds }));
        if set.summary.is_some() {
            self.report.summarized += 1;
            self.file_act("would-summarize", path, "", serde_json::json!({}));
        }
    }

    /// Anonymizes the file in place ([`rewrite_in_place`], with the file's
    /// own counts first under `min_k`); None (said) when it was left as it
    /// was: changed meanwhile (an active log, tried again next run) or
    /// failed.
    fn rewrite(&mut self, engine: &Engine, path: &Path, meta: &fs::Metadata) -> Option<Stats> {
        let level = self.cfg.anonymize.level.unwrap_or(6);
        let jobs = crate::io::pipeline::jobs(self.cfg.anonymize.jobs);
        // undated lines take the day of `--now` (the time of the run)
        let clock = Clock::fixed(self.now);
        let min_k = self.cfg.anonymize.min_k;
        let widths = min_k.and_then(|k| crate::commands::batch::widened(engine, path, meta, k, jobs, &clock, self.sig));
        match rewrite_in_place(engine, widths.as_ref(), path, meta, level, jobs, &clock, self.sig) {
            Ok(stats) => Some(stats),
            Err(InPlaceError::Active(_)) => {
                // not recorded as done: the next run tries again
                self.report.active += 1;
                self.act(
                    format!(
                        "active {}: changed while being anonymized (an active log?); left as it was, the next \
                         run tries again",
                        show(path)
                    ),
                    serde_json::json!({ "action": "skipped", "file": names::json(path), "reason": "active" }),
                );
                None
            }
            Err(InPlaceError::Failed(e)) => {
                self.error(e);
                None
            }
        }
    }

    /// One read of the anonymized file: its totals (when the set has a
    /// summary) and content, and what identifies it. None (an error) when it
    /// cannot be read back: it is not recorded, and the next run anonymizes
    /// it again.
    fn read_back(&mut self, set: &LogSet, engine: &Engine, path: &Path) -> Option<ReadBack> {
        let again = |e: &dyn std::fmt::Display| {
            format!(
                "{}: anonymized, but cannot be read back ({e}); the next run anonymizes it again",
                show(path)
            )
        };
        let read = match read_file(engine, path, set.summary.is_some(), None, Some(&self.sig.stop)) {
            Ok(r) => r,
            Err(e) => {
                self.error(again(&e));
                return None;
            }
        };
        match fs::symlink_metadata(path).and_then(|m| Ok((m, ends_of(path)?))) {
            Ok((meta, ends)) => Some(ReadBack { read, meta, ends }),
            Err(e) => {
                self.error(again(&e));
                None
            }
        }
    }

    /// Records the anonymized file in the state (not saved yet): done as it
    /// is now, its print, and its totals counted into the set's summary
    /// ([`count_rewritten`]). Whether the totals were added now.
    fn record(&mut self, set: &LogSet, path: &Path, id: &FileId, back: &ReadBack) -> bool {
        let key = state_key(path);
        let before = self.state.prints.remove(&key);
        // the same inode modified since (not another file put there)
        let same_file = self
            .state
            .anonymized
            .get(&key)
            .is_some_and(|d| (d.dev, d.ino) == (id.dev, id.ino));
        self.state.anonymized.insert(key.clone(), FileId::of(&back.meta));
        let mut print = Print {
            ends: back.ends.clone(),
            content: back.read.content.clone(),
            len: back.read.len,
            set: set.name.clone(),
            counted: BTreeMap::new(),
        };
        let mut counted = false;
        if set.summary.is_some() {
            let sum = self.state.summaries.entry(set.name.clone()).or_default();
            (print.counted, counted) = count_rewritten(sum, before, same_file, &back.read.content, &back.read.days);
        }
        self.state.prints.insert(key, print);
        counted
    }

    /// A file was anonymized (and recorded).
    fn anonymized(&mut self, path: &Path, stats: &Stats) {
        self.report.anonymized += 1;
        let rest = format!(
            " lines={} addresses={} identifiers={} unparsed={}",
            stats.lines_read, stats.addresses, stats.identifiers, stats.unparsed
        );
        let fields = serde_json::json!({
            "lines": stats.lines_read,
            "addresses": stats.addresses,
            "identifiers": stats.identifiers,
            "unparsed": stats.unparsed,
        });
        self.file_act("anonymized", path, &rest, fields);
    }
}
