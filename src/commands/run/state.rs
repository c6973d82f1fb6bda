//! The record of `run`'s done work, kept across runs (`STATE_DIR/state.json`,
//! written atomically): which files were anonymized ([`FileId`]), what
//! recognises them after a rename or compression ([`Print`]), and the
//! summaries of the log sets.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::io::atomic::{write_atomic, AtomicError};
use crate::io::names::show;
use crate::summary::Summary;

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

    /// The key under which a summary counts the file at `path` before
    /// its content is known.
    pub(super) fn key(&self, path: &Path) -> String {
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
pub(super) fn content_key(content: &str) -> String {
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
        "{}: unreadable state ({source}); nothing was done: restore it from a backup, or repair its \
         JSON (without it, every file would be anonymized again, and in keyed modes pseudonymized twice)",
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
}
