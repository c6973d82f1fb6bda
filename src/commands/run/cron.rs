//! `loganon run --config FILE`: the nightly job.
//!
//! For each `[[logs]]` set, every regular file matching its `paths` globs is
//! - anonymized in place once older than `anonymize_after`, unless the state
//!   already records it as done (a file that changed since is done again),
//!   its daily totals added to the set's `summary` CSV in the same step;
//! - deleted once older than `delete_after`, after its totals were added
//!   (when they were not at its anonymization).
//!
//! Files are known again after logrotate renamed them (same inode, same
//! bytes at both ends) or compressed them (same decompressed content): see
//! [`super::state::Print`] and [`super::identify`].
//!
//! Crash safety, step by step: in-place anonymization is atomic (temporary
//! file, fsync, rename); the record of what was done (`STATE_DIR/state.json`)
//! is written atomically after each step; a file's totals and the mark that it
//! was counted are stored in the same atomic write, and the CSV is written
//! from the state after the CSV's own rows were taken into it (so a state
//! moved away never erases totals of deleted logs), so a run killed at any
//! point leaves each file original or completely anonymized, never
//! double-counts, and the next run finishes.
//!
//! Before anything is done, every set's globs are expanded: a file matched by
//! two sets is a configuration error ([`RunError::Config`]); a glob matching
//! nothing, a missing folder and a symlink (never followed) are warnings.
//! An exclusive lock makes a second concurrent run do nothing
//! ([`RunError::Locked`]).
//!
//! The job's rooms: this file (the run and a set, the runner's output),
//! [`super::state`] (the record of done work), [`super::expand`] (a set's
//! globs), [`super::file`] (one file, step by step, its age by
//! [`crate::commands::retention`]), [`super::summaries`] (the CSVs and
//! what is counted) and [`super::identify`] (renamed and compressed files).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::commands::run::config::{Config, LogSet};
use crate::commands::run::expand::{expand, overlap, own_files, whole_system, Expansion};
use crate::commands::run::state::state_key;
use crate::engine::Engine;
use crate::io::atomic::lock;
use crate::io::names::{self, show};
use crate::io::signals::Signals;

/// The state's types under their old path (`cron::State`).
pub use crate::commands::run::state::{FileId, State};

/// Why a run did nothing (each phrased for the user).
#[derive(Debug)]
pub enum RunError {
    /// another run holds the lock
    Locked(String),
    /// a configuration error found while running (two sets match one file,
    /// a glob over the whole file system)
    Config(String),
    /// the lock, the state folder or the state cannot be used
    Failed(String),
}

impl RunError {
    pub fn message(&self) -> &str {
        match self {
            RunError::Locked(m) | RunError::Config(m) | RunError::Failed(m) => m,
        }
    }
}

/// Counters of one run.
#[derive(Debug, Default)]
pub struct RunReport {
    pub anonymized: u64,
    pub summarized: u64,
    pub deleted: u64,
    pub unchanged: u64,
    pub errors: u64,
    /// files that changed while they were anonymized (left for the next run)
    pub active: u64,
    pub warnings: u64,
    /// files younger than their set's windows
    pub not_due: u64,
    /// files left alone this night (modified in the last minute)
    pub skipped: u64,
    /// day keys deleted (`key_retention`)
    pub keys_deleted: u64,
}

/// The job while it runs: the configuration, the state, where actions are
/// told, and the counters. Its steps are spread over the `run` modules by
/// concern (see above).
pub(super) struct Runner<'a> {
    pub(super) cfg: &'a Config,
    pub(super) dry_run: bool,
    /// one JSON object per line on `out`, instead of the text lines
    pub(super) json: bool,
    pub(super) now: i64,
    pub(super) state: State,
    pub(super) state_path: PathBuf,
    /// the state as last written
    pub(super) saved: Vec<u8>,
    pub(super) sig: &'a Signals,
    pub(super) out: &'a mut dyn Write,
    pub(super) report: RunReport,
    /// every set's files, by path, as found
    pub(super) present: BTreeMap<String, FileId>,
}

impl Runner<'_> {
    /// One action on `out`: its text line, or (`--json`) its JSON object.
    pub(super) fn act(&mut self, line: String, json: serde_json::Value) {
        if self.json {
            let _ = writeln!(self.out, "{json}");
        } else {
            let _ = writeln!(self.out, "{line}");
        }
    }

    /// An action on a file (`deleted PATH age=3d`): the text line
    /// `VERB PATH REST`, the JSON object `{"action": VERB, "file": PATH}`
    /// with `fields` added.
    pub(super) fn file_act(&mut self, verb: &str, path: &Path, rest: &str, fields: serde_json::Value) {
        if self.json {
            let mut j = serde_json::json!({ "action": verb, "file": names::json(path) });
            if let (Some(j), serde_json::Value::Object(f)) = (j.as_object_mut(), fields) {
                j.extend(f);
            }
            let _ = writeln!(self.out, "{j}");
        } else {
            let _ = writeln!(self.out, "{verb} {}{rest}", show(path));
        }
    }

    /// A file left as it is (`--json` only; text says nothing of them).
    pub(super) fn skipped(&mut self, path: &Path, reason: &str) {
        if self.json {
            let j = serde_json::json!({ "action": "skipped", "file": names::json(path), "reason": reason });
            let _ = writeln!(self.out, "{j}");
        }
    }

    /// An error: told once, on stderr (and with `--json`, as an object).
    pub(super) fn error(&mut self, what: String) {
        self.report.errors += 1;
        eprintln!("loganon: {what}");
        if self.json {
            let _ = writeln!(
                self.out,
                "{}",
                serde_json::json!({ "action": "error", "message": what })
            );
        }
    }

    /// A warning: told once, on stderr (and with `--json`, as an object).
    pub(super) fn warn(&mut self, what: String) {
        self.report.warnings += 1;
        eprintln!("loganon: warning: {what}");
        if self.json {
            let _ = writeln!(
                self.out,
                "{}",
                serde_json::json!({ "action": "warning", "message": what })
            );
        }
    }

    /// Writes the state when it changed (not in a dry run); false (and an
    /// error) when it cannot be written.
    pub(super) fn save(&mut self) -> bool {
        if self.dry_run {
            return true;
        }
        match self.state.save(&self.state_path, &mut self.saved) {
            Ok(()) => true,
            Err(e) => {
                self.error(e.to_string());
                false
            }
        }
    }

    /// One log set: its CSV taken in, stale temporary files swept, files
    /// known again, then each file ([`super::file`]), then its CSV written.
    fn set(&mut self, set: &LogSet, found: Expansion) {
        let engine = match self.cfg.anonymize.options(set.format.clone()) {
            Ok(o) => Engine::new(o),
            Err(e) => return self.error(e.to_string()),
        };
        for w in found.warnings {
            self.warn(w);
        }
        if set.anonymize_after.is_none() && set.delete_after.is_none() {
            self.warn(format!(
                "[[logs]] '{}': neither anonymize_after nor delete_after is set; run does nothing with its files",
                set.name
            ));
        }
        for e in found.errors {
            self.error(e);
        }
        if !self.import_csv(set) {
            return;
        }
        // a run killed earlier may have left a finished state but an old CSV
        self.write_summary(set);
        let (files, dirs) = (found.files, found.dirs);
        // only the folders of the set's files, never below or elsewhere
        for d in dirs {
            for t in crate::io::tempfiles::sweep_stale(&d, self.dry_run) {
                match t.error {
                    Some(e) => self.error(e),
                    None if self.dry_run => self.file_act("would-remove-temp", &t.path, "", serde_json::json!({})),
                    None => self.file_act("removed-temp", &t.path, "", serde_json::json!({})),
                }
            }
        }
        self.identify(set, &engine, &files);
        for f in files {
            if self.sig.stop.load(std::sync::atomic::Ordering::SeqCst) {
                self.error("interrupted; the next run continues".into());
                return;
            }
            self.file(set, &engine, &f);
        }
        self.write_summary(set);
        self.prune(set);
    }
}

/// Runs the job; prints one line per action to `out`, as text or (`json`)
/// one JSON object per line; errors and warnings go to stderr as they
/// happen (once each; with `json`, also as objects on `out`). Returns the
/// counters (with `errors` of files that failed), or why nothing was done.
pub fn run(
    cfg: &Config,
    dry_run: bool,
    json: bool,
    now: i64,
    sig: &Signals,
    out: &mut dyn Write,
) -> Result<RunReport, RunError> {
    let state_dir = cfg.state_dir();
    let lock_path = cfg.lock_path();
    let _lock = if dry_run && !lock_path.exists() {
        None
    } else {
        match lock(&lock_path) {
            Ok(Some(l)) => Some(l),
            Ok(None) => {
                return Err(RunError::Locked(format!(
                    "another run holds the lock {}; nothing was done",
                    show(&lock_path)
                )));
            }
            Err(e) => return Err(RunError::Failed(e.to_string())),
        }
    };
    if !dry_run {
        if let Err(e) = fs::create_dir_all(&state_dir) {
            return Err(RunError::Failed(format!("{}: {e}", show(&state_dir))));
        }
    }
    let state_path = state_dir.join("state.json");
    if !dry_run {
        // a run killed while saving leaves its temporary file behind
        crate::io::tempfiles::sweep_stale(&state_dir, false);
    }
    let saved = fs::read(&state_path).unwrap_or_default();
    let state = State::load(&state_path).map_err(|e| RunError::Failed(e.to_string()))?;
    if let Some(e) = whole_system(cfg) {
        return Err(RunError::Config(e));
    }
    let mut found: Vec<Expansion> = cfg.logs.iter().map(expand).collect();
    own_files(cfg, &state_path, &lock_path, &mut found);
    if let Some(e) = overlap(cfg, &found) {
        return Err(RunError::Config(e));
    }
    let present: BTreeMap<String, FileId> = found
        .iter()
        .flat_map(|x| x.files.iter())
        .filter_map(|f| {
            let m = fs::symlink_metadata(&f.path).ok()?;
            Some((state_key(&f.path), FileId::of(&m)))
        })
        .collect();
    let mut r = Runner {
        cfg,
        dry_run,
        json,
        now,
        state,
        state_path,
        saved,
        sig,
        out,
        report: RunReport::default(),
        present,
    };
    for (set, x) in cfg.logs.iter().zip(found) {
        r.set(set, x);
    }
    if let (Some(dir), Some(keep)) = (&cfg.anonymize.keys_dir, cfg.anonymize.key_retention) {
        r.expire_keys(dir, keep.0);
    }
    if !dry_run {
        // records of files gone (rotated away by others) would pile up
        let present = std::mem::take(&mut r.present);
        r.state.anonymized.retain(|path, _| {
            present.contains_key(path)
                || !matches!(fs::symlink_metadata(path), Err(e) if e.kind() == io::ErrorKind::NotFound)
        });
        let State { anonymized, prints, .. } = &mut r.state;
        prints.retain(|path, _| anonymized.contains_key(path));
        r.save();
    }
    let rep = &r.report;
    let warnings = if rep.warnings > 0 {
        format!(", warnings {}", rep.warnings)
    } else {
        String::new()
    };
    let mut line = format!(
        "{}: anonymized {}, summarized {}, deleted {}, already done {}, errors {}{warnings}",
        if dry_run { "run (dry run)" } else { "run" },
        rep.anonymized,
        rep.summarized,
        rep.deleted,
        rep.unchanged,
        rep.errors
    );
    if rep.active > 0 {
        line.push_str(&format!(", active {}", rep.active));
    }
    if rep.not_due > 0 {
        line.push_str(&format!(", not yet due {}", rep.not_due));
    }
    if rep.skipped > 0 {
        line.push_str(&format!(", skipped {}", rep.skipped));
    }
    if rep.keys_deleted > 0 {
        line.push_str(&format!(", day keys deleted {}", rep.keys_deleted));
    }
    // the night's verdict: warnings (a file deleted past delete_after
    // whose totals could not all be read, a glob matching nothing) do not
    // fail it (exit 0), errors do (exit 1)
    let outcome = match (rep.errors, rep.warnings) {
        (0, 0) => "done",
        (0, _) => "done with warnings",
        _ => "failed",
    };
    if outcome == "done with warnings" {
        line.push_str("; done with warnings");
    }
    let json = serde_json::json!({
        "action": "run",
        "dry_run": dry_run,
        "anonymized": rep.anonymized,
        "summarized": rep.summarized,
        "deleted": rep.deleted,
        "already_done": rep.unchanged,
        "errors": rep.errors,
        "warnings": rep.warnings,
        "active": rep.active,
        "not_due": rep.not_due,
        "skipped": rep.skipped,
        "outcome": outcome,
    });
    let mut json = json;
    if let (Some(j), true) = (json.as_object_mut(), cfg.anonymize.keys_dir.is_some()) {
        j.insert("keys_deleted".into(), rep.keys_deleted.into());
    }
    r.act(line, json);
    Ok(r.report)
}
