//! Whole files made durable: a file's folder (`.` for a bare name), a
//! folder synced after a rename into it, a file written atomically
//! (temporary file beside it, fsync, rename, fsync of the folder), and the
//! exclusive lock of `run`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::io::names::show;
use crate::io::tempfiles;

/// The folder that holds `p` (`.` for a bare name).
pub fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Syncs a folder after a file was renamed into it (best effort: a folder
/// that cannot be opened is left).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes a whole file atomically: temporary file beside it, fsync, rename,
/// fsync of the folder. Stale temporary files of killed runs in that folder
/// are removed first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = parent_of(path);
    let err = |e: &dyn std::fmt::Display| format!("{}: cannot write: {e}", show(path));
    // what a killed run left here goes first (never a live run's file)
    tempfiles::sweep_stale(&dir, false);
    let mut tmp = tempfiles::create_in(&dir).map_err(|e| err(&e))?;
    tmp.write_all(bytes).map_err(|e| err(&e))?;
    tmp.as_file().sync_all().map_err(|e| err(&e))?;
    tmp.persist(path).map_err(|e| err(&e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Holds the exclusive run lock until dropped.
pub struct Lock(#[allow(dead_code)] File);

/// Takes the lock; `Ok(None)` when another run holds it.
pub fn lock(path: &Path) -> Result<Option<Lock>, String> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d).map_err(|e| format!("{}: {e}", show(d)))?;
    }
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: cannot open the lock: {e}", show(path)))?;
    match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(Lock(f))),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(None),
        Err(e) => Err(format!("{}: cannot lock: {}", show(path), io::Error::from(e))),
    }
}
