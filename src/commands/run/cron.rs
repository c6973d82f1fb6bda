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
//! [`Print`] and `Runner::identify`.
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

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::commands::in_place::{rewrite_in_place, InPlaceError};
use crate::commands::run::config::{Config, LogSet};
use crate::commands::run::totals::read_file;
use crate::engine::Engine;
use crate::io::atomic::{lock, write_atomic, AtomicError};
use crate::io::clock::{unix, Clock};
use crate::io::handles::{self, Found};
use crate::io::names::{self, show};
use crate::io::signals::Signals;
use crate::summary::{Days, Summary};
use crate::time::{date_string, format_age};

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

/// A path as a key of the state: the path itself when it is UTF-8 (as
/// always), else its escaped form (`\xff`), so that two names that differ
/// only in bytes that are not UTF-8 never share a record.
pub fn state_key(path: &Path) -> String {
    match path.to_str() {
        Some(s) => s.to_string(),
        None => show(path).to_string(),
    }
}

/// What identifies a file's content without reading it. The change time
/// (ctime) is in it because it cannot be set back: a raw file restored with
/// `cp -p` over an anonymized one keeps size and mtime but not ctime.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    #[serde(default)]
    pub ctime_ns: i128,
}

impl FileId {
    pub fn of(m: &fs::Metadata) -> FileId {
        FileId {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            ctime_ns: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
        }
    }

    fn key(&self, path: &Path) -> String {
        format!("{}|{}|{}|{}", state_key(path), self.ino, self.size, self.mtime_ns)
    }
}

/// What recognises an anonymized file after logrotate renamed it (same
/// inode, same bytes) or compressed it (new inode, new bytes, same content).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Print {
    /// BLAKE3 of the size and of the first and last 4 KiB on disk ([`ends_of`])
    pub ends: String,
    /// BLAKE3 of the whole decompressed content
    pub content: String,
    /// the length of the decompressed content
    pub len: u64,
    /// the log set that anonymized it
    pub set: String,
    /// the figures it added to the set's summary, by date: requests, bytes,
    /// 2xx, 3xx, 4xx, 5xx, other (taken back if it changes and is counted again)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counted: BTreeMap<String, [u64; 7]>,
}

/// BLAKE3 of a file's size and of its first and last 4 KiB as they lie on
/// disk: 8 KiB read, whatever the size. A rename keeps it; so does nothing
/// that rewrites the file.
pub fn ends_of(path: &Path) -> io::Result<String> {
    use std::os::unix::fs::FileExt;
    const END: u64 = 4096;
    let f = crate::io::input::open_regular(path, None)?;
    let size = f.metadata()?.len();
    let mut h = blake3::Hasher::new();
    h.update(&size.to_le_bytes());
    let mut buf = vec![0u8; END as usize];
    for at in [0, size.saturating_sub(END)] {
        let want = (size - at).min(END) as usize;
        f.read_exact_at(&mut buf[..want], at)?;
        h.update(&buf[..want]);
    }
    Ok(h.finalize().to_hex().to_string())
}

/// The key under which a summary counts a content.
fn content_key(content: &str) -> String {
    format!("b3:{content}")
}

/// The record of done work, kept across runs.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// anonymized files, by path
    #[serde(default)]
    pub anonymized: BTreeMap<String, FileId>,
    /// what recognises them after a rename or compression, by path (records
    /// of older versions have none: they are known by path only)
    #[serde(default)]
    pub prints: BTreeMap<String, Print>,
    /// summaries, by log set name
    #[serde(default)]
    pub summaries: BTreeMap<String, Summary>,
}

/// Why the state could not be read or written; its text is the message
/// shown.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state file holds no state.
    #[error(
        "{}: unreadable state ({source}); move it away to start afresh (files would be \
         anonymized again; the summary CSVs keep their rows)",
        show(path)
    )]
    Unreadable {
        /// the state file
        path: PathBuf,
        /// what the parser said
        source: serde_json::Error,
    },
    /// The state file could not be read.
    #[error("{}: {source}", show(path))]
    Read {
        /// the state file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The state could not be encoded.
    #[error("{0}")]
    Encode(#[source] serde_json::Error),
    /// The state could not be written.
    #[error(transparent)]
    Write(#[from] AtomicError),
}

impl State {
    pub fn load(path: &Path) -> Result<State, StateError> {
        match fs::read(path) {
            Ok(b) => {
                let mut s: State = serde_json::from_slice(&b).map_err(|source| StateError::Unreadable {
                    path: path.to_path_buf(),
                    source,
                })?;
                for sum in s.summaries.values_mut() {
                    sum.upgrade();
                }
                Ok(s)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(State::default()),
            Err(source) => Err(StateError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the state when it differs from `last` (what is on disk).
    pub fn save(&self, path: &Path, last: &mut Vec<u8>) -> Result<(), StateError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(StateError::Encode)?;
        if bytes == *last {
            return Ok(());
        }
        write_atomic(path, &bytes)?;
        *last = bytes;
        Ok(())
    }
}

/// The literal folder a glob starts from: its components before the first
/// one with a wildcard.
fn glob_base(pattern: &str) -> PathBuf {
    let mut base = PathBuf::new();
    for c in Path::new(pattern).components() {
        let s = c.as_os_str().to_string_lossy();
        if s.contains(['*', '?', '[', '{']) {
            break;
        }
        if let Component::Normal(_) | Component::RootDir = c {
            base.push(c.as_os_str());
        }
    }
    if base.as_os_str().is_empty() {
        PathBuf::from("/")
    } else {
        base
    }
}

/// What a set's globs found.
#[derive(Debug, Default)]
pub struct Expansion {
    /// the regular files matching (no symlinks, same file system and mount,
    /// walked through directory handles: [`crate::io::handles`]), sorted
    pub files: Vec<Found>,
    /// the folders that hold them, where our stale temporary files are
    /// looked for
    pub dirs: Vec<PathBuf>,
    pub errors: Vec<String>,
    /// a glob that matched nothing, a missing folder, a symlink not followed
    pub warnings: Vec<String>,
}

/// Expands a set's globs.
pub fn expand(set: &LogSet) -> Expansion {
    let mut x = Expansion::default();
    for p in &set.paths {
        let Ok(glob) = globset::GlobBuilder::new(p).literal_separator(true).build() else {
            continue; // checked when the config was read
        };
        let m = glob.compile_matcher();
        let base = glob_base(p);
        let what = format!("[[logs]] '{}': paths '{p}'", set.name);
        match fs::symlink_metadata(&base) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                x.warnings.push(format!(
                    "{what}: {} does not exist; nothing of this glob was done",
                    show(&base)
                ));
                continue;
            }
            Err(e) => {
                x.errors.push(format!("{what}: {}: {e}", show(&base)));
                continue;
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                x.warnings.push(format!(
                    "{what}: {} is a symbolic link, which is never followed; nothing of this glob \
                     was done (write the real folder in paths)",
                    show(&base)
                ));
                continue;
            }
            Ok(_) => {}
        }
        let mut matched = 0usize;
        handles::walk_base(
            &base,
            &mut |f: Found| {
                let name = f.path.file_name().unwrap_or_default().to_string_lossy();
                let ours =
                    name.starts_with(crate::io::tempfiles::PREFIX) && name.ends_with(crate::io::tempfiles::SUFFIX);
                if ours || !m.is_match(&f.path) {
                    return;
                }
                matched += 1;
                if f.meta.kind == handles::Kind::File {
                    x.files.push(f);
                } else {
                    x.warnings.push(format!(
                        "{what}: {} is a symbolic link, which is never followed; left alone",
                        show(&f.path)
                    ));
                }
            },
            &mut x.errors,
        );
        if matched == 0 {
            x.warnings
                .push(format!("{what}: matched no file under {}", show(&base)));
        }
    }
    x.files.sort_by(|a, b| a.path.cmp(&b.path));
    x.files.dedup_by(|a, b| a.path == b.path);
    x.dirs = x
        .files
        .iter()
        .filter_map(|f| f.path.parent().map(Path::to_path_buf))
        .collect();
    x.dirs.sort();
    x.dirs.dedup();
    x
}
/// A glob whose folder is `/` (`/**/*.gz`: every compressed file of the
/// system) is a configuration error, as `purge /` is.
fn whole_system(cfg: &Config) -> Option<String> {
    for set in &cfg.logs {
        for p in &set.paths {
            if glob_base(p) == Path::new("/") {
                return Some(format!(
                    "{}: [[logs]] '{}': key 'paths': '{p}' starts at / (the whole file system); name the \
                     folder that holds the logs. Nothing was done",
                    show(&cfg.source),
                    set.name
                ));
            }
        }
    }
    None
}

/// loganon's own files are never logs of a set: the state, the lock (deleting
/// it while held would let a second run start) and the summaries are taken
/// out of what the globs found, with a warning.
fn own_files(cfg: &Config, state: &Path, lock: &Path, found: &mut [Expansion]) {
    let id = |p: &Path| fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let mut own: Vec<((u64, u64), PathBuf)> = Vec::new();
    for p in [state.to_path_buf(), lock.to_path_buf()]
        .into_iter()
        .chain(cfg.logs.iter().filter_map(|s| s.summary.clone()))
    {
        if let Some(i) = id(&p) {
            own.push((i, p));
        }
    }
    for (set, x) in cfg.logs.iter().zip(found.iter_mut()) {
        let mut kept = Vec::with_capacity(x.files.len());
        for f in std::mem::take(&mut x.files) {
            let walked = (f.place.file.dev, f.place.file.ino);
            match own.iter().find(|(i, _)| *i == walked) {
                Some((_, what)) => x.warnings.push(format!(
                    "[[logs]] '{}': {} is loganon's own file ({}), never a log; left alone: narrow the \
                     set's paths",
                    set.name,
                    show(&f.path),
                    show(what)
                )),
                None => kept.push(f),
            }
        }
        x.files = kept;
    }
}

/// A file that two sets match: a configuration error (which policy holds?).
fn overlap(cfg: &Config, found: &[Expansion]) -> Option<String> {
    let mut seen: std::collections::HashMap<(u64, u64), (usize, &Path)> = std::collections::HashMap::new();
    for (k, x) in found.iter().enumerate() {
        for f in &x.files {
            let f = &f.path;
            let Ok(m) = fs::symlink_metadata(f) else { continue };
            match seen.get(&(m.dev(), m.ino())) {
                Some(&(j, other)) if j != k => {
                    let (a, b) = (&cfg.logs[j], &cfg.logs[k]);
                    let line = |s: &LogSet| s.paths_line.map_or_else(String::new, |l| format!(" (line {l})"));
                    let same = if other == f.as_path() {
                        String::new()
                    } else {
                        format!(" (as {})", show(other))
                    };
                    return Some(format!(
                        "{}: [[logs]] '{}'{} and [[logs]] '{}'{}: key 'paths': both match {}{same}; a file may \
                         belong to one log set only: make their globs disjoint. Nothing was done",
                        show(&cfg.source),
                        a.name,
                        line(a),
                        b.name,
                        line(b),
                        show(f)
                    ));
                }
                Some(_) => {}
                None => {
                    seen.insert((m.dev(), m.ino()), (k, f.as_path()));
                }
            }
        }
    }
    None
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
}

struct Runner<'a> {
    cfg: &'a Config,
    dry_run: bool,
    /// one JSON object per line on `out`, instead of the text lines
    json: bool,
    now: i64,
    state: State,
    state_path: PathBuf,
    /// the state as last written
    saved: Vec<u8>,
    sig: &'a Signals,
    out: &'a mut dyn Write,
    report: RunReport,
    /// every set's files, by path, as found
    present: BTreeMap<String, FileId>,
}

impl Runner<'_> {
    /// One action on `out`: its text line, or (`--json`) its JSON object.
    fn act(&mut self, line: String, json: serde_json::Value) {
        if self.json {
            let _ = writeln!(self.out, "{json}");
        } else {
            let _ = writeln!(self.out, "{line}");
        }
    }

    /// An action on a file (`deleted PATH age=3d`): the text line
    /// `VERB PATH REST`, the JSON object `{"action": VERB, "file": PATH}`
    /// with `fields` added.
    fn file_act(&mut self, verb: &str, path: &Path, rest: &str, fields: serde_json::Value) {
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
    fn skipped(&mut self, path: &Path, reason: &str) {
        if self.json {
            let j = serde_json::json!({ "action": "skipped", "file": names::json(path), "reason": reason });
            let _ = writeln!(self.out, "{j}");
        }
    }

    /// An error: told once, on stderr (and with `--json`, as an object).
    fn error(&mut self, what: String) {
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
    fn warn(&mut self, what: String) {
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

    /// Takes the rows of the set's existing CSV into the state, so that the
    /// CSV is never rebuilt from a state that lacks them. False (and an
    /// error) when the CSV cannot be read: then nothing is done for the set.
    fn import_csv(&mut self, set: &LogSet) -> bool {
        let Some(path) = &set.summary else { return true };
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

    fn save(&mut self) -> bool {
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

    /// Rebuilds the set's CSV from the state when it differs.
    fn write_summary(&mut self, set: &LogSet) {
        let Some(path) = &set.summary else { return };
        let csv = self
            .state
            .summaries
            .get(&set.name)
            .cloned()
            .unwrap_or_default()
            .to_csv();
        if self.dry_run || fs::read(path).is_ok_and(|b| b == csv.as_bytes()) {
            return;
        }
        if let Some(d) = path.parent() {
            let _ = fs::create_dir_all(d);
        }
        if let Err(e) = write_atomic(path, csv.as_bytes()) {
            self.error(e.to_string());
        }
    }

    fn set(&mut self, set: &LogSet, found: Expansion) {
        let engine = match self.cfg.anonymize.options(set.format.clone()) {
            Ok(o) => Engine::new(o),
            Err(e) => return self.error(e.to_string()),
        };
        for w in found.warnings {
            self.warn(w);
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
        if let (Some(del), false) = (set.delete_after, self.dry_run) {
            // no file older than the window (plus a week of rotation delay)
            // can still bring lines of these dates
            let before = date_string(self.now - del.0 - 7 * 86400);
            if let Some(s) = self.state.summaries.get_mut(&set.name) {
                s.prune_nets(&before);
            }
            self.save();
        }
    }

    /// Recognises files anonymized under another name: a file whose path has
    /// no record of it is compared with the records whose file is no longer
    /// where they say (their path is gone or holds another file). Same
    /// inode, size and mtime, and the same bytes at both ends ([`ends_of`]):
    /// renamed. Else the same decompressed content (one read of the file,
    /// skipped for a plain file when no such record has its length):
    /// compressed or copied. Their records move to the new path.
    fn identify(&mut self, set: &LogSet, engine: &Engine, files: &[Found]) {
        let mut unmatched: Vec<(String, FileId, &Path)> = Vec::new();
        for f in files {
            let key = state_key(&f.path);
            let Some(id) = self.present.get(&key) else { continue };
            if self.state.anonymized.get(&key) != Some(id) {
                unmatched.push((key, id.clone(), f.path.as_path()));
            }
        }
        if unmatched.is_empty() {
            return;
        }
        let mut cands: Vec<String> = self
            .state
            .prints
            .iter()
            .filter(|(k, p)| {
                (p.set.is_empty() || p.set == set.name)
                    && self
                        .state
                        .anonymized
                        .get(*k)
                        .is_some_and(|done| self.present.get(*k) != Some(done))
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut moves: Vec<(String, String, FileId, Print)> = Vec::new();
        let mut left = Vec::new();
        // renamed: the same inode with the same bytes
        for (key, id, path) in unmatched {
            let same = cands.iter().position(|k| {
                self.state
                    .anonymized
                    .get(k)
                    .is_some_and(|d| (d.dev, d.ino, d.size, d.mtime_ns) == (id.dev, id.ino, id.size, id.mtime_ns))
            });
            if let Some(i) = same {
                let known = self.state.prints.get(&cands[i]).cloned();
                if let Some(p) = known.filter(|p| ends_of(path).is_ok_and(|e| e == p.ends)) {
                    moves.push((cands.remove(i), key, id, p));
                    continue;
                }
            }
            left.push((key, id, path));
        }
        // compressed or copied: the same content
        for (key, id, path) in left {
            if cands.is_empty() {
                break;
            }
            let mut head = [0u8; 4096];
            let n = crate::io::input::open_regular(path, Some((id.dev, id.ino)))
                .and_then(|f| std::os::unix::fs::FileExt::read_at(&f, &mut head, 0))
                .unwrap_or(0);
            let plain = crate::io::codec::Codec::sniff(&head[..n]) == crate::io::codec::Sniff::Plain;
            let print = |k: &String| self.state.prints.get(k);
            if plain && !cands.iter().any(|k| print(k).is_some_and(|p| p.len == id.size)) {
                continue;
            }
            let Ok(r) = read_file(engine, path, false, Some((id.dev, id.ino))) else {
                continue; // what is wrong with it is said when it is worked on
            };
            let Some(i) = cands
                .iter()
                .position(|k| print(k).is_some_and(|p| p.content == r.content))
            else {
                continue;
            };
            let (Ok(ends), Some(p)) = (ends_of(path), print(&cands[i]).cloned()) else {
                continue;
            };
            moves.push((cands.remove(i), key, id, Print { ends, ..p }));
        }
        if moves.is_empty() {
            return;
        }
        for (old, ..) in &moves {
            self.state.anonymized.remove(old);
            self.state.prints.remove(old);
        }
        for (_, key, id, p) in moves {
            self.state.anonymized.insert(key.clone(), id);
            self.state.prints.insert(key, p);
        }
        self.save();
    }

    fn file(&mut self, set: &LogSet, engine: &Engine, found: &Found) {
        let path = found.path.as_path();
        let meta = match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_file() => m,
            Ok(_) => return,
            Err(e) => return self.error(format!("{}: {e}", show(path))),
        };
        let mtime = meta.modified().map(unix).unwrap_or(0);
        if crate::io::clock::now().saturating_sub(mtime) < crate::commands::retention::RECENT {
            return self.skipped(path, "modified in the last minute"); // may be written right now
        }
        let age = self.now.saturating_sub(mtime);
        let id = FileId::of(&meta);
        // the state's key (as before); what is printed is escaped
        let key = state_key(path);
        let shown = show(path);
        // the file at the path must be the one walked, reached through the
        // folders walked: a folder swapped for a symlink since points the
        // path elsewhere, and nothing is done there
        let walked = &found.place.file;
        if (walked.dev, walked.ino) != (id.dev, id.ino) {
            return self.error(format!(
                "{shown}: replaced since it was found (a folder swapped for a symlink?); left alone"
            ));
        }
        if set.delete_after.is_some_and(|d| age > d.0) {
            if set.summary.is_some() && !self.summarize(set, engine, path, &id) {
                return;
            }
            if self.dry_run {
                self.report.deleted += 1;
                let rest = format!(" age={} size={}", format_age(age), id.size);
                return self.file_act(
                    "would-delete",
                    path,
                    &rest,
                    serde_json::json!({ "age_seconds": age, "size": id.size }),
                );
            }
            // the file summarized must be the one walked, reached through
            // the folders walked
            let walked = &found.place.file;
            if (walked.dev, walked.ino) != (id.dev, id.ino) {
                return self.error(format!("{shown}: replaced since it was found; not deleted"));
            }
            match handles::delete(&found.place, path) {
                Ok(()) => {
                    self.report.deleted += 1;
                    self.state.anonymized.remove(&key);
                    self.state.prints.remove(&key);
                    self.save();
                    let rest = format!(" age={} size={}", format_age(age), id.size);
                    self.file_act(
                        "deleted",
                        path,
                        &rest,
                        serde_json::json!({ "age_seconds": age, "size": id.size }),
                    );
                }
                Err(e) => self.error(e.to_string()),
            }
            return;
        }
        let Some(after) = set.anonymize_after else { return };
        if age <= after.0 {
            return;
        }
        let changed = match self.state.anonymized.get(&key) {
            Some(done) if *done == id => {
                self.report.unchanged += 1;
                return self.skipped(path, "already done");
            }
            Some(_) => true,
            None => false,
        };
        if self.dry_run {
            let verb = if changed {
                "would-anonymize-again"
            } else {
                "would-anonymize"
            };
            self.report.anonymized += 1;
            let rest = format!(" age={}", format_age(age));
            self.file_act(verb, path, &rest, serde_json::json!({ "age_seconds": age }));
            if set.summary.is_some() {
                self.report.summarized += 1;
                self.file_act("would-summarize", path, "", serde_json::json!({}));
            }
            return;
        }
        if changed {
            self.act(
                format!("changed {shown}: modified since it was anonymized; anonymizing again"),
                serde_json::json!({ "action": "changed", "file": names::json(path) }),
            );
        }
        let level = self.cfg.anonymize.level.unwrap_or(6);
        let jobs = crate::io::pipeline::jobs(self.cfg.anonymize.jobs);
        // undated lines take the day of `--now` (the time of the run)
        let clock = Clock::fixed(self.now);
        let min_k = self.cfg.anonymize.min_k;
        // `min_k`: the file's own counts first
        let widened =
            min_k.and_then(|k| crate::commands::batch::widened(engine, path, &meta, k, jobs, &clock, self.sig));
        let rewriting = widened.as_ref().unwrap_or(engine);
        match rewrite_in_place(rewriting, path, &meta, level, jobs, &clock, self.sig) {
            Ok(stats) => {
                // one read of the result: what identifies it, and its totals,
                // stored with the record in one atomic write
                let again = |e: &dyn std::fmt::Display| {
                    format!("{shown}: anonymized, but cannot be read back ({e}); the next run anonymizes it again")
                };
                let read = match read_file(engine, path, set.summary.is_some(), None) {
                    Ok(r) => r,
                    Err(e) => return self.error(again(&e)),
                };
                let (m, ends) = match fs::symlink_metadata(path).and_then(|m| Ok((m, ends_of(path)?))) {
                    Ok(x) => x,
                    Err(e) => return self.error(again(&e)),
                };
                let before = self.state.prints.remove(&key);
                // the same inode modified since (not another file put there)
                let same_file = self
                    .state
                    .anonymized
                    .get(&key)
                    .is_some_and(|d| (d.dev, d.ino) == (id.dev, id.ino));
                self.state.anonymized.insert(key.clone(), FileId::of(&m));
                let mut print = Print {
                    ends,
                    content: read.content.clone(),
                    len: read.len,
                    set: set.name.clone(),
                    counted: BTreeMap::new(),
                };
                let mut counted = false;
                if set.summary.is_some() {
                    let sum = self.state.summaries.entry(set.name.clone()).or_default();
                    match before {
                        // counted with this content already
                        Some(b) if b.content == read.content => print.counted = b.counted,
                        // the same file changed: counted anew, what it added is taken back
                        Some(b) if same_file => {
                            take_back(sum, &b.counted);
                            sum.counted.remove(&content_key(&b.content));
                        }
                        _ => {}
                    }
                    if sum.add_file(&content_key(&read.content), &read.days) {
                        counted = true;
                        print.counted = figures(&read.days);
                    }
                }
                self.state.prints.insert(key.clone(), print);
                if self.save() {
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
                    if counted {
                        self.summarized(path, &read.days);
                    }
                }
            }
            Err(InPlaceError::Active(_)) => {
                // not recorded as done: the next run tries again
                self.report.active += 1;
                self.act(
                    format!(
                        "active {shown}: changed while being anonymized (an active log?); left as it was, the next \
                         run tries again"
                    ),
                    serde_json::json!({ "action": "skipped", "file": names::json(path), "reason": "active" }),
                );
            }
            Err(InPlaceError::Failed(e)) => self.error(e),
        }
    }

    /// Makes sure the file's totals are in the summary; false on failure.
    fn summarize(&mut self, set: &LogSet, engine: &Engine, path: &Path, id: &FileId) -> bool {
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
        let read = match read_file(engine, path, true, Some((id.dev, id.ino))) {
            Ok(r) => r,
            Err(e) => {
                self.error(format!("{e}; not deleted, its totals could not be read"));
                return false;
            }
        };
        // counted under its content already (a record lost, a copy)
        let key = content_key(&read.content);
        if counted(&self.state, std::slice::from_ref(&key)) {
            return true;
        }
        let days = read.days;
        self.state
            .summaries
            .entry(set.name.clone())
            .or_default()
            .add_file(&key, &days);
        if !self.save() {
            return false;
        }
        self.write_summary(set);
        self.summarized(path, &days);
        true
    }

    /// A file's totals were added to its set's summary.
    fn summarized(&mut self, path: &Path, days: &Days) {
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
    });
    r.act(line, json);
    Ok(r.report)
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
fn take_back(sum: &mut Summary, figures: &BTreeMap<String, [u64; 7]>) {
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
    fn ends_see_the_first_and_last_bytes_and_the_size() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for len in [0usize, 10, 4096, 9000, 100_000] {
            let mut bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            fs::write(&a, &bytes).unwrap();
            let e = ends_of(&a).unwrap();
            fs::rename(&a, &b).unwrap();
            assert_eq!(ends_of(&b).unwrap(), e, "a rename keeps it");
            if len > 0 {
                *bytes.last_mut().unwrap() ^= 1;
                fs::write(&b, &bytes).unwrap();
                assert_ne!(ends_of(&b).unwrap(), e, "the last byte is in it ({len})");
                bytes[0] ^= 1;
            }
            bytes.push(b'x');
            fs::write(&b, &bytes).unwrap();
            assert_ne!(ends_of(&b).unwrap(), e, "the size is in it ({len})");
        }
    }

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

    #[test]
    fn glob_bases() {
        assert_eq!(
            glob_base("/var/log/nginx/access.log-*.gz"),
            PathBuf::from("/var/log/nginx")
        );
        assert_eq!(glob_base("/var/log/*/access.log"), PathBuf::from("/var/log"));
        assert_eq!(glob_base("/srv/logs/a.log"), PathBuf::from("/srv/logs/a.log"));
    }
}
