//! `loganon purge`: deletes expired log files, safely.
//!
//! - Regular files only: symlinks are never followed and never deleted,
//!   directories are never deleted, the walk does not cross into another file
//!   system or mount; deletion goes through directory handles checked against
//!   the walk ([`crate::io::handles`]), so a folder or file swapped for a symlink
//!   in between redirects nothing.
//! - `/` and roots that are not directories are refused.
//! - Files modified in the last minute are skipped (they may be written now).
//! - `--max-delete N` stops the run before deleting anything when more than N
//!   files would go.
//! - The age comes from the modification time, or from a date in the file
//!   name where rotation puts it (`--age-from name`), falling back to the
//!   modification time (counted, and said on stderr): the rule, the
//!   last-minute skip and the line per deletion are
//!   [`crate::commands::retention`]'s, shared with `run`.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::commands::retention::{self, Age, Born, Decision, Deletion, Rule};
use crate::io::handles::{self, Found, Place};
use crate::io::names::show;

/// `--age-from` (the old path of [`retention::AgeFrom`]).
pub use crate::commands::retention::AgeFrom;

/// The default globs: rotated-log names.
pub const DEFAULT_GLOBS: &[&str] = &["*.gz", "*.log.*", "*.log-*"];

/// A file old enough to go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expired {
    pub path: PathBuf,
    /// its age, and where it came from
    pub age: Age,
    pub size: u64,
    /// where the walk found it
    pub place: Place,
}

impl Expired {
    /// What is printed of it once deleted (or, `dry_run`, that it would be).
    pub fn deletion(&self, dry_run: bool) -> Deletion<'_> {
        Deletion {
            path: &self.path,
            age: self.age,
            size: self.size,
            dry_run,
        }
    }
}

/// A compiled selection of files: globs, matched against the file name (or
/// against the path below the root when the glob holds a `/`).
pub struct Matcher {
    names: GlobSet,
    paths: GlobSet,
}

/// A `--match` glob that does not parse; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum GlobError {
    /// This glob (as given) is not one.
    #[error("--match '{glob}': {source}")]
    Glob {
        /// the glob as given
        glob: String,
        /// what globset said
        source: globset::Error,
    },
    /// The set of them could not be built.
    #[error("{0}")]
    Set(globset::Error),
}

/// Why a root is not purged; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// It cannot be looked at (or resolved).
    #[error("{}: {source}", show(root))]
    Unreadable {
        /// the root as given
        root: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// It is not a directory (a symlink to one is not one either).
    #[error("{}: not a directory; give the folder that holds the logs", show(.0))]
    NotADirectory(PathBuf),
    /// It is `/`.
    #[error("{}: refusing to purge the whole file system (/)", show(.0))]
    FileSystemRoot(PathBuf),
}

impl Matcher {
    /// The matcher of `globs` (none: the default rotated-log names).
    pub fn new(globs: &[String]) -> Result<Matcher, GlobError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let defaults: Vec<String> = DEFAULT_GLOBS.iter().map(|s| s.to_string()).collect();
        let globs = if globs.is_empty() { &defaults } else { globs };
        for g in globs {
            let glob = Glob::new(g).map_err(|source| GlobError::Glob {
                glob: g.clone(),
                source,
            })?;
            if g.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(GlobError::Set);
        Ok(Matcher {
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    pub fn matches(&self, root: &Path, path: &Path) -> bool {
        let by_name = path.file_name().is_some_and(|n| self.names.is_match(n));
        by_name || path.strip_prefix(root).is_ok_and(|rel| self.paths.is_match(rel))
    }
}

/// Checks a root: it must be a directory (not a symlink to one) and not `/`.
pub fn check_root(root: &Path) -> Result<(), RootError> {
    let unreadable = |source| RootError::Unreadable {
        root: root.to_path_buf(),
        source,
    };
    let meta = fs::symlink_metadata(root).map_err(unreadable)?;
    if !meta.is_dir() {
        return Err(RootError::NotADirectory(root.to_path_buf()));
    }
    let canon = fs::canonicalize(root).map_err(unreadable)?;
    if canon == Path::new("/") {
        return Err(RootError::FileSystemRoot(root.to_path_buf()));
    }
    Ok(())
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Plan {
    /// ([`plan`] only: [`plan_each`] hands them out one by one)
    pub expired: Vec<Expired>,
    /// matching files skipped because they were modified in the last minute
    pub recent: u64,
    /// files that could not be examined
    pub errors: Vec<String>,
    pub examined: u64,
    /// with `--age-from name`: matching files whose name holds no date in a
    /// rotation position, aged by their modification time
    pub undated: u64,
}

/// Walks `root` (through directory handles, see [`crate::io::handles`]) and
/// lists the matching files older than `max_age` at `now` (by
/// [`retention::decide`]). `real_now` is the wall clock, for the last-minute
/// rule.
pub fn plan(root: &Path, matcher: &Matcher, max_age: i64, age_from: AgeFrom, now: i64, real_now: i64, plan: &mut Plan) {
    let mut expired = Vec::new();
    plan_each(root, matcher, max_age, age_from, now, real_now, plan, &mut |e| {
        expired.push(e);
    });
    plan.expired.extend(expired);
}

/// [`plan`], each expired file handed to `each` as it is found (nothing
/// held: memory stays flat whatever the count).
#[allow(clippy::too_many_arguments)]
pub fn plan_each(
    root: &Path,
    matcher: &Matcher,
    max_age: i64,
    age_from: AgeFrom,
    now: i64,
    real_now: i64,
    plan: &mut Plan,
    each: &mut dyn FnMut(Expired),
) {
    let rule = Rule {
        age_from,
        delete_after: Some(max_age),
        anonymize_after: None,
    };
    let mut errors = Vec::new();
    handles::walk(
        root,
        &mut |f: Found| {
            if f.meta.kind != handles::Kind::File || !matcher.matches(root, &f.path) {
                return;
            }
            plan.examined += 1;
            let (age, expired) = match retention::decide(&rule, &f.path, f.meta.mtime, now, real_now) {
                Decision::Skip(_) => {
                    plan.recent += 1;
                    return;
                }
                Decision::Delete(age) => (age, true),
                Decision::Anonymize(age) | Decision::Keep(age) => (age, false),
            };
            if age.from == Born::MtimeNoDateInName {
                plan.undated += 1;
            }
            if expired {
                each(Expired {
                    path: f.path,
                    age,
                    size: f.meta.size,
                    place: f.place,
                });
            }
        },
        &mut errors,
    );
    plan.errors.extend(errors);
}

/// Deletes one planned file if it is still the regular file walked, reached
/// through the folders walked (see [`crate::io::handles::delete`]).
pub fn delete(e: &Expired) -> Result<(), handles::DeleteError> {
    handles::delete(&e.place, &e.path)
}

/// What `purge` is asked to do.
#[derive(Clone, Debug)]
pub struct PurgeOptions {
    /// the folders holding the logs
    pub roots: Vec<PathBuf>,
    /// files older than this (seconds) go
    pub max_age: i64,
    /// which files may go (empty: [`DEFAULT_GLOBS`])
    pub globs: Vec<String>,
    pub age_from: AgeFrom,
    /// print what would go; delete nothing
    pub dry_run: bool,
    /// print the result as JSON
    pub json: bool,
    /// delete nothing when more than this many files would go
    pub max_delete: Option<u64>,
    /// "now" (the real clock still decides what was modified recently)
    pub now: i64,
    /// the real clock
    pub real_now: i64,
}

/// Why `purge` deleted nothing.
#[derive(Debug)]
pub enum PurgeError {
    /// a root or a glob is not usable (a usage error)
    Usage(String),
    /// more than `--max-delete` files would go
    TooMany(String),
}

/// What a purge did.
#[derive(Debug, Default)]
pub struct Purged {
    pub deleted: u64,
    pub bytes: u64,
    /// files that could not be examined or deleted (each told on stderr)
    pub errors: u64,
}

/// Runs `purge`: plans every root, then deletes (unless a dry run), writing
/// one line per file and a summary (or the JSON report) to `out`; what could
/// not be examined or deleted is told on stderr as it happens.
pub fn run(opts: &PurgeOptions, out: &mut dyn Write) -> Result<Purged, PurgeError> {
    for root in &opts.roots {
        check_root(root).map_err(|e| PurgeError::Usage(e.to_string()))?;
    }
    let matcher = Matcher::new(&opts.globs).map_err(|e| PurgeError::Usage(e.to_string()))?;
    let mut found = Plan::default();
    let mut done = Purged::default();
    let walk = |found: &mut Plan, each: &mut dyn FnMut(Expired)| {
        for root in &opts.roots {
            let r = root.as_path();
            plan_each(
                r,
                &matcher,
                opts.max_age,
                opts.age_from,
                opts.now,
                opts.real_now,
                found,
                each,
            );
        }
    };
    let mut report = Report {
        out,
        json: opts.json,
        dry_run: opts.dry_run,
        files: 0,
    };
    let one = |e: &Expired, report: &mut Report<'_>, done: &mut Purged| {
        if !opts.dry_run {
            if let Err(err) = delete(e) {
                eprintln!("loganon: {err}");
                done.errors += 1;
                return;
            }
        }
        done.bytes += e.size;
        done.deleted += 1;
        report.deleted(&e.deletion(opts.dry_run));
    };
    match opts.max_delete {
        // the whole plan first, held only up to the limit
        Some(max) => {
            let (mut held, mut n) = (Vec::new(), 0u64);
            walk(&mut found, &mut |e| {
                n += 1;
                if n <= max {
                    held.push(e);
                }
            });
            if n > max {
                tell_plan(&found, &mut done);
                return Err(PurgeError::TooMany(format!(
                    "{n} files would be deleted, more than --max-delete {max}; nothing was deleted"
                )));
            }
            report.start();
            for e in &held {
                one(e, &mut report, &mut done);
            }
        }
        // each file deleted (and told) as the walk finds it
        None => {
            report.start();
            walk(&mut found, &mut |e| one(&e, &mut report, &mut done));
        }
    }
    tell_plan(&found, &mut done);
    report.finish(&found, &done);
    Ok(done)
}

/// Says on stderr what the walks could not examine, and the files aged by
/// their modification time under `--age-from name`.
fn tell_plan(found: &Plan, done: &mut Purged) {
    if found.undated > 0 {
        eprintln!(
            "loganon: --age-from name: {} of {} matching files have no date where rotation puts it \
             (access.log-20260101.gz, access.log.2026-01-01, access-20260101.log); their age is their \
             modification time",
            found.undated, found.examined
        );
    }
    for e in &found.errors {
        eprintln!("loganon: {e}");
        done.errors += 1;
    }
}

/// What `purge` writes to `out`: a line per deleted file
/// ([`Deletion::line_with_source`]) and the summary line, or (`--json`) one
/// JSON object, `{"dry_run": .., "files": [RECORD, ...], "summary": {..}}`,
/// written as it goes: each file's record ([`Deletion::record`]) when it is
/// deleted, never all of them held (100,000 files held 228 MiB).
struct Report<'a> {
    out: &'a mut dyn Write,
    json: bool,
    dry_run: bool,
    /// `--json`: the records written so far
    files: u64,
}

impl Report<'_> {
    /// The start of the JSON object.
    fn start(&mut self) {
        if self.json {
            let _ = write!(self.out, "{{\"dry_run\":{},\"files\":[", self.dry_run);
        }
    }

    /// A file deleted (or that would be).
    fn deleted(&mut self, d: &Deletion) {
        if self.json {
            let comma = if self.files > 0 { "," } else { "" };
            let _ = write!(self.out, "{comma}{}", d.record());
            self.files += 1;
        } else {
            let _ = writeln!(self.out, "{}", d.line_with_source());
        }
    }

    /// The summary (with `--json`, the end of the object).
    fn finish(self, found: &Plan, done: &Purged) {
        if self.json {
            let json = serde_json::json!({
                    "examined": found.examined,
                    "deleted": done.deleted,
                    "bytes": done.bytes,
                    "skipped_recent": found.recent,
                    "aged_by_mtime_no_date_in_name": found.undated,
                    "errors": found.errors.len(),
            });
            let _ = writeln!(self.out, "],\"summary\":{json}}}");
        } else {
            let verb = if self.dry_run { "would delete" } else { "deleted" };
            let _ = writeln!(
                self.out,
                "purge: {verb} {} files, {} bytes; examined {}, skipped {} modified in the last minute",
                done.deleted, done.bytes, found.examined, found.recent
            );
        }
    }
}
