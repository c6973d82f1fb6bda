//! The expansion of `run`'s log sets: each set's `paths` globs walked to the
//! regular files they match ([`expand`]), and the checks over all sets
//! before anything is done: no glob over the whole file system, loganon's
//! own files taken out, no file in two sets.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use crate::commands::run::config::{Config, LogSet};
use crate::io::handles::{self, Found};
use crate::io::names::show;

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

/// How many levels below its base a glob can match (1: the base's own
/// files): None with `**` (any depth) or `{` (an alternation may hold a
/// `/`). A walk goes no deeper: `dir/*.log` lists one folder.
fn glob_depth(pattern: &str, base: &Path) -> Option<usize> {
    if pattern.contains("**") || pattern.contains('{') {
        return None;
    }
    let n = |p: &Path| p.components().filter(|c| matches!(c, Component::Normal(_))).count();
    Some(n(Path::new(pattern)).saturating_sub(n(base)).max(1))
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
        let mut deep = Vec::new();
        handles::walk_base(
            &base,
            glob_depth(p, &base),
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
            &mut deep,
        );
        // `**` stops at the depth limit: a warning for that part only
        for d in deep {
            x.warnings.push(format!("{what}: {d}"));
        }
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
pub(super) fn whole_system(cfg: &Config) -> Option<String> {
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
pub(super) fn own_files(cfg: &Config, state: &Path, lock: &Path, found: &mut [Expansion]) {
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
pub(super) fn overlap(cfg: &Config, found: &[Expansion]) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_bases() {
        assert_eq!(
            glob_base("/var/log/nginx/access.log-*.gz"),
            PathBuf::from("/var/log/nginx")
        );
        assert_eq!(glob_base("/var/log/*/access.log"), PathBuf::from("/var/log"));
        assert_eq!(glob_base("/srv/logs/a.log"), PathBuf::from("/srv/logs/a.log"));
    }

    #[test]
    fn glob_depths() {
        let d = |p: &str| glob_depth(p, &glob_base(p));
        assert_eq!(d("/var/log/nginx/access.log-*.gz"), Some(1));
        assert_eq!(d("/var/log/*/access.log"), Some(2));
        assert_eq!(d("/var/log/*/*/*.log"), Some(3));
        assert_eq!(d("/srv/logs/a.log"), Some(1));
        assert_eq!(d("/var/log/**/*.gz"), None);
        assert_eq!(d("/var/log/{a,b/c}/*.gz"), None);
    }
}
