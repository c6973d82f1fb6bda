//! A folder's whole tree as a value: every path below it (symlinks not
//! followed) with its content and modification time, to assert that a run
//! changed exactly what it should and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    File { bytes: Vec<u8>, mtime_ns: i128 },
    Dir,
    Link(PathBuf),
    Special,
}

/// The whole tree under `dir`, symlinks not followed, by relative path.
pub fn listing(dir: &Path) -> BTreeMap<String, Entry> {
    fn walk(top: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(top).unwrap().to_string_lossy().into_owned();
            let m = fs::symlink_metadata(&p).unwrap();
            let ft = m.file_type();
            let entry = if ft.is_symlink() {
                Entry::Link(fs::read_link(&p).unwrap())
            } else if ft.is_dir() {
                walk(top, &p, out);
                Entry::Dir
            } else if ft.is_file() {
                Entry::File {
                    bytes: fs::read(&p).unwrap(),
                    mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
                }
            } else {
                Entry::Special
            };
            out.insert(rel, entry);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names and kinds only, for readable failure messages.
fn names(l: &BTreeMap<String, Entry>) -> BTreeSet<String> {
    l.iter()
        .map(|(k, v)| match v {
            Entry::File { .. } => k.clone(),
            Entry::Dir => format!("{k}/"),
            Entry::Link(t) => format!("{k} -> {}", t.display()),
            Entry::Special => format!("{k} (special)"),
        })
        .collect()
}

/// The trees are the same: the same paths, each with the same entry
/// (content and modification time).
#[track_caller]
pub fn assert_same_tree(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>, what: &str) {
    assert_eq!(names(before), names(after), "{what}: the set of paths changed");
    for (k, v) in before {
        assert!(after[k] == *v, "{what}: {k} changed (content or mtime)");
    }
}

/// loganon's temporary files (`.loganon-*.tmp`) anywhere below `dir`.
pub fn temp_files_in(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_keys()
        .filter(|k| {
            let name = Path::new(k).file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".loganon-") && name.ends_with(".tmp")
        })
        .collect()
}
