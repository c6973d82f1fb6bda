//! The summaries of `run`'s log sets: a set's CSV taken into the state
//! before anything is counted (its rows are never lost), a file's daily
//! totals counted into the summary once ([`Runner::summarize`] before a
//! deletion, [`count_rewritten`] at an anonymization, taking back what an
//! older version of the file added), and the CSV written from the state.
//!
//! What was counted is keyed by the file's content (BLAKE3, see
//! [`Print`]) in the summary, which lives in the state file, and beside the
//! CSV itself ([`counted_path`], written before the CSV): a state moved
//! away, reset or deleted never counts a file twice.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::commands::run::config::LogSet;
use crate::commands::run::cron::Runner;
use crate::commands::run::state::{content_key, state_key, FileId, Print, State};
use crate::commands::run::totals::{read_file_partly, ReadFileError};
use crate::engine::Engine;
use crate::io::atomic::write_atomic;
use crate::io::names::show;
use crate::summary::{Days, Summary};
use crate::time::date_string;

/// The record of the files a summary counted, beside its CSV: `NAME.counted`
/// (JSON: `{"counted": [KEY, ...]}`).
pub fn counted_path(csv: &Path) -> PathBuf {
    let mut name = csv.file_name().unwrap_or_default().to_os_string();
    name.push(".counted");
    csv.with_file_name(name)
}

/// The content of [`counted_path`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Counted {
    counted: BTreeSet<String>,
}

impl Runner<'_> {
    /// Takes the rows of the set's existing CSV, and the keys of the files
    /// it counted, into the state, so that the CSV is never rebuilt from a
    /// state that lacks them and no file is counted twice. False (and an
    /// error) when either cannot be read: then nothing is done for the set.
    pub(super) fn import_csv(&mut self, set: &LogSet) -> bool {
        let Some(path) = &set.summary else { return true };
        if !self.import_counted(set, path) {
            return false;
        }
        let text = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return true,
            Err(e) => {
                self.error(format!(
                    "{}: cannot read the summary: {e}; nothing was done for [[logs]] '{}'",
                    show(path),
                    set.name
                ));
                return false;
            }
        };
        let mut sum = self.state.summaries.get(&set.name).cloned().unwrap_or_default();
        let merged = std::str::from_utf8(&text)
            .map_err(|_| "it is not UTF-8 text".to_string())
            .and_then(|t| sum.merge_csv(t).map_err(|e| e.to_string()));
        match merged {
            Ok(true) => {
                self.state.summaries.insert(set.name.clone(), sum);
                self.save();
                true
            }
            Ok(false) => true,
            Err(e) => {
                self.error(format!(
                    "{}: {e}; nothing was done for [[logs]] '{}' (its rows would be lost): fix the line \
                     or move the file away",
                    show(path),
                    set.name
                ));
                false
            }
        }
    }

    /// Takes the keys of [`counted_path`] into the state's summary of the
    /// set. False (and an error) when the record cannot be read.
    fn import_counted(&mut self, set: &LogSet, csv: &Path) -> bool {
        let path = counted_path(csv);
        let read = match fs::read(&path) {
            Ok(b) => serde_json::from_slice::<Counted>(&b).map_err(|e| e.to_string()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return true,
            Err(e) => Err(e.to_string()),
        };
        let keys = match read {
            Ok(c) => c.counted,
            Err(e) => {
                self.error(format!(
                    "{}: unreadable record of the files counted in {} ({e}); nothing was done for [[logs]] '{}' \
                     (a file could be counted twice): restore it from a backup, or delete it if the state {} is \
                     intact (it is written again from the state)",
                    show(&path),
                    show(csv),
                    set.name,
                    show(&self.state_path)
                ));
                return false;
            }
        };
        let known = |k: &String| {
            self.state
                .summaries
                .get(&set.name)
                .is_some_and(|s| s.counted.contains(k))
        };
        let new: Vec<String> = keys.into_iter().filter(|k| !known(k)).collect();
        if !new.is_empty() {
            let sum = self.state.summaries.entry(set.name.clone()).or_default();
            sum.counted.extend(new);
            self.save();
        }
        true
    }

    /// Rebuilds the set's CSV from the state when it differs, after the
    /// record of the files it counts ([`counted_path`]).
    pub(super) fn write_summary(&mut self, set: &LogSet) {
        let Some(path) = &set.summary else { return };
        if self.dry_run {
            return;
        }
        let sum = self.state.summaries.get(&set.name).cloned().unwrap_or_default();
        let csv = sum.to_csv();
        // (a set of strings always encodes)
        let mut counted = serde_json::to_vec_pretty(&Counted { counted: sum.counted }).unwrap_or_default();
        counted.push(b'\n');
        if let Some(d) = path.parent() {
            let _ = fs::create_dir_all(d);
        }
        for (p, bytes) in [(counted_path(path), counted.as_slice()), (path.clone(), csv.as_bytes())] {
            if fs::read(&p).is_ok_and(|b| b == bytes) {
                continue;
            }
            if let Err(e) = write_atomic(&p, bytes) {
                // the CSV never goes ahead of the record of what it counts
                return self.error(e.to_string());
            }
        }
    }

    /// Forgets what the set's summary knows of networks on days no file can
    /// still bring lines of: older than the delete window plus a week of
    /// rotation delay (not in a dry run).
    pub(super) fn prune(&mut self, set: &LogSet) {
        if let (Some(del), false) = (set.delete_after, self.dry_run) {
            let before = date_string(self.now - del.0 - 7 * 86400);
            if let Some(s) = self.state.summaries.get_mut(&set.name) {
                s.prune_nets(&before);
            }
            self.save();
        }
    }

    /// Makes sure the file's totals are in its set's summary (a dry run says
    /// that they would be added), before it is deleted. A file that cannot
    /// be read to its end (a corrupt `.gz`) is counted up to there, under
    /// its own key, and the date of its modification time marked
    /// `incomplete_files`, with a warning: retention wins over the totals.
    /// False when the state could not be saved (said): the file stays.
    pub(super) fn summarize(&mut self, set: &LogSet, engine: &Engine, path: &Path, id: &FileId) -> bool {
        let mut keys = vec![id.key(path)];
        let path_key = state_key(path);
        if self.state.anonymized.get(&path_key) == Some(id) {
            if let Some(p) = self.state.prints.get(&path_key) {
                keys.push(content_key(&p.content));
            }
        }
        let counted = |s: &State, keys: &[String]| {
            s.summaries
                .get(&set.name)
                .is_some_and(|sum| keys.iter().any(|k| sum.counted.contains(k)))
        };
        if counted(&self.state, &keys) {
            return true;
        }
        if self.dry_run {
            self.report.summarized += 1;
            self.file_act("would-summarize", path, "", serde_json::json!({}));
            return true;
        }
        let (read, unread) = read_file_partly(engine, path, true, Some((id.dev, id.ino)), Some(&self.sig.stop));
        let mut days = read.days;
        let (key, warning) = match unread {
            // a stop signal: nothing counted, nothing deleted
            Some(e @ ReadFileError::Interrupted { .. }) => {
                self.error(format!("{e}; not deleted, the next run continues"));
                return false;
            }
            None => {
                // counted under its content already (a record lost, a copy)
                let key = content_key(&read.content);
                if counted(&self.state, std::slice::from_ref(&key)) {
                    return true;
                }
                (key, None)
            }
            // its content is not known: counted under its own key
            Some(e) => {
                let lines: u64 = days.values().map(|d| d.requests).sum();
                let date = date_string(i64::try_from(id.mtime_ns.div_euclid(1_000_000_000)).unwrap_or(0));
                days.entry(date.clone()).or_default().incomplete += 1;
                let w = format!(
                    "{e}; its totals are counted up to there ({lines} lines counted) and {date} marked incomplete \
                     in the summary; past delete_after, it is deleted all the same"
                );
                (keys.swap_remove(0), Some(w))
            }
        };
        self.state
            .summaries
            .entry(set.name.clone())
            .or_default()
            .add_file(&key, &days);
        if !self.save() {
            return false;
        }
        self.write_summary(set);
        if let Some(w) = warning {
            self.warn(w);
        }
        self.summarized(path, &days);
        true
    }

    /// A file's totals were added to its set's summary.
    pub(super) fn summarized(&mut self, path: &Path, days: &Days) {
        self.report.summarized += 1;
        let requests: u64 = days.values().map(|d| d.requests).sum();
        let dates: Vec<&String> = days.keys().collect();
        let rest = format!(
            " dates={} requests={requests}",
            dates.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
        );
        self.file_act(
            "summarized",
            path,
            &rest,
            serde_json::json!({ "dates": dates, "requests": requests }),
        );
    }
}

/// Counts the totals (`days`) of a file just anonymized, whose content is
/// `content`, into its set's summary `sum`, once: `before` is the file's
/// print of its last anonymization (taken out of the state), `same_file`
/// whether that was this inode (modified since, not another file put at
/// the path). Returns the figures the file now stands for in the summary
/// ([`Print::counted`]), and whether they were added now.
pub(super) fn count_rewritten(
    sum: &mut Summary,
    before: Option<Print>,
    same_file: bool,
    content: &str,
    days: &Days,
) -> (BTreeMap<String, [u64; 7]>, bool) {
    let mut figures_now = BTreeMap::new();
    match before {
        // counted with this content already
        Some(b) if b.content == content => figures_now = b.counted,
        // the same file changed: counted anew, what it added is taken back
        Some(b) if same_file => {
            take_back(sum, &b.counted);
            sum.counted.remove(&content_key(&b.content));
        }
        _ => {}
    }
    if sum.add_file(&content_key(content), days) {
        return (figures(days), true);
    }
    (figures_now, false)
}

/// A file's figures by date, as [`Print::counted`] keeps them.
fn figures(days: &Days) -> BTreeMap<String, [u64; 7]> {
    days.iter()
        .map(|(date, d)| {
            let f = [
                d.requests,
                d.bytes,
                d.status_2xx,
                d.status_3xx,
                d.status_4xx,
                d.status_5xx,
                d.status_other,
            ];
            (date.clone(), f)
        })
        .collect()
}

/// Takes a file's figures out of a summary again (its networks stay: a set
/// of networks cannot lose one).
pub(super) fn take_back(sum: &mut Summary, figures: &BTreeMap<String, [u64; 7]>) {
    for (date, f) in figures {
        let Some(d) = sum.days.get_mut(date) else { continue };
        for (v, by) in [
            &mut d.requests,
            &mut d.bytes,
            &mut d.status_2xx,
            &mut d.status_3xx,
            &mut d.status_4xx,
            &mut d.status_5xx,
            &mut d.status_other,
        ]
        .into_iter()
        .zip(f)
        {
            *v = v.saturating_sub(*by);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_taken_back_leave_the_rest() {
        let mut sum = Summary::default();
        let mut days = Days::new();
        let e = Engine::default();
        for l in [
            "1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 100",
            "1.2.3.4 - - [01/Jan/2026:11:00:00 +0000] \"GET / HTTP/1.1\" 404 7",
        ] {
            crate::summary::add_line(&e, l.as_bytes(), &mut days);
        }
        let more = days.clone();
        sum.add_file("a", &days);
        sum.add_file("b", &more);
        take_back(&mut sum, &figures(&days));
        let d = &sum.days["2026-01-01"];
        assert_eq!(
            (d.requests, d.bytes, d.status_2xx, d.status_4xx, d.networks),
            (2, 107, 1, 1, 1)
        );
        take_back(&mut sum, &figures(&more));
        take_back(&mut sum, &figures(&more));
        assert_eq!(sum.days["2026-01-01"].requests, 0, "never below zero");
    }
}
