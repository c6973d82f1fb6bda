//! Folders and files of a test: temporary folders, listings, loganon's
//! temporary files, modification times, key files.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

/// A new temporary folder, removed when dropped.
pub fn tempdir() -> TempDir {
    tempfile::tempdir().expect("create a temporary folder")
}

/// The names of the files in `dir`, sorted.
#[track_caller]
pub fn names(dir: &Path) -> Vec<String> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut v: Vec<String> = entries
        .map(|e| e.expect("a folder entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The names in `dir` of all of loganon's files (`.loganon-*`), sorted.
#[track_caller]
pub fn loganon_files(dir: &Path) -> Vec<String> {
    names(dir).into_iter().filter(|n| n.starts_with(".loganon-")).collect()
}

/// The names in `dir` of loganon's temporary files (`.loganon-*.tmp`),
/// sorted.
#[track_caller]
pub fn temps(dir: &Path) -> Vec<String> {
    loganon_files(dir).into_iter().filter(|n| n.ends_with(".tmp")).collect()
}

/// Sets the modification time of a file or a folder (follows symlinks):
/// opened for reading, else for writing (a file only one of them allows).
#[track_caller]
pub fn set_modified(path: &Path, t: SystemTime) {
    File::open(path)
        .or_else(|_| File::options().write(true).open(path))
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("{}: cannot set mtime: {e}", path.display()));
}

/// Sets the modification time to `secs` after 1970.
#[track_caller]
pub fn set_mtime(path: &Path, secs: i64) {
    let secs = u64::try_from(secs).expect("times after 1970");
    set_modified(path, UNIX_EPOCH + Duration::from_secs(secs));
}

/// A key file `dir/name` holding `bytes`, with permissions `mode`.
#[track_caller]
pub fn key_file(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p
}

/// The lines (`\n`) in a file; 0 when it is not there (yet).
pub fn line_count(p: &Path) -> usize {
    fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// A file as text (lossy); empty when it is not there (yet).
pub fn read_text(p: &Path) -> String {
    fs::read(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
