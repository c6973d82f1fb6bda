//! `loganon purge`: deletes expired log files, safely.
//!
//! - Regular files only: symlinks are never followed and never deleted,
//!   directories are never deleted, the walk does not cross into another file
//!   system.
//! - `/` and roots that are not directories are refused.
//! - Files modified in the last minute are skipped (they may be written now).
//! - `--max-delete N` stops the run before deleting anything when more than N
//!   files would go.
//! - The age comes from the modification time, or from a date in the file
//!   name (`--age-from name`), falling back to the modification time.

use std::fs;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::time::{date_in_name, format_age, unix};

/// The default globs: rotated-log names.
pub const DEFAULT_GLOBS: &[&str] = &["*.gz", "*.log.*", "*.log-*"];

/// Files modified more recently than this (seconds, real clock) are skipped.
pub const RECENT: i64 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AgeFrom {
    #[default]
    Mtime,
    Name,
}

impl AgeFrom {
    pub fn from_name(s: &str) -> Result<Self, String> {
        match s {
            "mtime" => Ok(AgeFrom::Mtime),
            "name" => Ok(AgeFrom::Name),
            _ => Err(format!("unknown age source '{s}'; accepted: mtime, name")),
        }
    }
}

/// A file old enough to go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expired {
    pub path: PathBuf,
    pub age: i64,
    pub size: u64,
    /// `mtime`, `name`, or `mtime (no date in name)`
    pub age_from: &'static str,
}

/// A compiled selection of files: globs, matched against the file name (or
/// against the path below the root when the glob holds a `/`).
pub struct Matcher {
    names: GlobSet,
    paths: GlobSet,
}

impl Matcher {
    pub fn new(globs: &[String]) -> Result<Matcher, String> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let defaults: Vec<String> = DEFAULT_GLOBS.iter().map(|s| s.to_string()).collect();
        let globs = if globs.is_empty() { &defaults } else { globs };
        for g in globs {
            let glob = Glob::new(g).map_err(|e| format!("--match '{g}': {e}"))?;
            if g.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| e.to_string());
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
pub fn check_root(root: &Path) -> Result<(), String> {
    let meta = fs::symlink_metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        return Err(format!(
            "{}: not a directory; give the folder that holds the logs",
            root.display()
        ));
    }
    let canon = fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if canon == Path::new("/") {
        return Err(format!(
            "{}: refusing to purge the whole file system (/)",
            root.display()
        ));
    }
    Ok(())
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Plan {
    pub expired: Vec<Expired>,
    /// matching files skipped because they were modified in the last minute
    pub recent: Vec<PathBuf>,
    /// files that could not be examined
    pub errors: Vec<String>,
    pub examined: u64,
}

/// Walks `root` and lists the matching files older than `max_age` at `now`.
/// `real_now` is the wall clock, for the last-minute rule.
pub fn plan(root: &Path, matcher: &Matcher, max_age: i64, age_from: AgeFrom, now: i64, real_now: i64, plan: &mut Plan) {
    let walk = WalkDir::new(root)
        .follow_links(false)
        .follow_root_links(false)
        .same_file_system(true)
        .sort_by_file_name();
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                plan.errors.push(e.to_string());
                continue;
            }
        };
        if !entry.file_type().is_file() || !matcher.matches(root, entry.path()) {
            continue;
        }
        plan.examined += 1;
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                plan.errors.push(format!("{}: {e}", entry.path().display()));
                continue;
            }
        };
        let mtime = meta.modified().map(unix).unwrap_or(0);
        if real_now - mtime < RECENT {
            plan.recent.push(entry.path().to_path_buf());
            continue;
        }
        let (born, age_from) = match age_from {
            AgeFrom::Mtime => (mtime, "mtime"),
            AgeFrom::Name => match entry.file_name().to_str().and_then(date_in_name) {
                Some(t) => (t, "name"),
                None => (mtime, "mtime (no date in name)"),
            },
        };
        let age = now - born;
        if age > max_age {
            plan.expired.push(Expired {
                path: entry.path().to_path_buf(),
                age,
                size: meta.len(),
                age_from,
            });
        }
    }
}

/// Deletes one planned file if it is still a regular file.
pub fn delete(e: &Expired) -> Result<(), String> {
    match fs::symlink_metadata(&e.path) {
        Ok(m) if m.file_type().is_file() => {
            fs::remove_file(&e.path).map_err(|err| format!("{}: {err}", e.path.display()))
        }
        Ok(_) => Err(format!("{}: no longer a regular file; left alone", e.path.display())),
        Err(err) => Err(format!("{}: {err}", e.path.display())),
    }
}

/// The line printed per deletion.
pub fn line(e: &Expired, dry_run: bool) -> String {
    format!(
        "{} {} age={} size={} age_from={}",
        if dry_run { "would-delete" } else { "deleted" },
        e.path.display(),
        format_age(e.age),
        e.size,
        e.age_from.replace(' ', "_"),
    )
}

pub fn json(e: &Expired) -> serde_json::Value {
    serde_json::json!({
        "path": e.path.display().to_string(),
        "age_seconds": e.age,
        "age_days": e.age / 86400,
        "size": e.size,
        "age_from": e.age_from,
    })
}
