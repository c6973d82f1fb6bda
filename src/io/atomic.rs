//! Whole files made durable: a file's folder (`.` for a bare name), a
//! folder synced after a rename into it, a file written atomically
//! (temporary file beside it, fsync, rename, fsync of the folder), and the
//! exclusive lock of `run`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::io::names::show;
use crate::io::tempfiles;

/// Why a whole-file write or the run lock failed; its text is the message
/// shown (the path and the system's reason).
#[derive(Debug, thiserror::Error)]
pub enum AtomicError {
    /// The temporary file could not be made, written, synced or renamed.
    #[error("{}: cannot write: {source}", show(path))]
    Write {
        /// the file meant
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The lock's folder could not be made.
    #[error("{}: {source}", show(dir))]
    LockFolder {
        /// the folder
        dir: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The lock file could not be opened.
    #[error("{}: cannot open the lock: {source}", show(path))]
    LockOpen {
        /// the lock file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// `flock` failed other than by another holder.
    #[error("{}: cannot lock: {source}", show(path))]
    Lock {
        /// the lock file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
}

impl From<AtomicError> for String {
    fn from(e: AtomicError) -> String {
        e.to_string()
    }
}

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
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicError> {
    let dir = parent_of(path);
    let err = |source: io::Error| AtomicError::Write {
        path: path.to_path_buf(),
        source,
    };
    // what a killed run left here goes first (never a live run's file)
    tempfiles::sweep_stale(&dir, false);
    let mut tmp = tempfiles::create_in(&dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Holds the exclusive run lock until dropped.
pub struct Lock(#[allow(dead_code)] File);

/// Takes the lock; `Ok(None)` when another run holds it.
pub fn lock(path: &Path) -> Result<Option<Lock>, AtomicError> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d).map_err(|source| AtomicError::LockFolder {
            dir: d.to_path_buf(),
            source,
        })?;
    }
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|source| AtomicError::LockOpen {
            path: path.to_path_buf(),
            source,
        })?;
    match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(Lock(f))),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(None),
        Err(e) => Err(AtomicError::Lock {
            path: path.to_path_buf(),
            source: e.into(),
        }),
    }
}
