//! Key files: the keyed modes' master key read from its file (refused when
//! others may read it) into the [`KeyRing`] the engine's options take, and
//! `loganon keygen`; or from an environment variable (`--key-env`). The
//! engine itself reads no file.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::keyed::{KeyError, KeyRing, MasterKey, Rotate, Tweak};

/// Why a key could not be had from its file or its environment variable;
/// its text is the message shown (the variable's name, never its value).
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// `--key-env NAME`: no such variable.
    #[error(
        "--key-env {0}: no such environment variable (put the key's 64 hex digits in it; make one with: loganon keygen FILE)"
    )]
    NoVariable(String),
    /// `--key-env NAME`: the variable holds no key.
    #[error("--key-env {0}: the variable must hold 64 hex digits (a key as loganon keygen writes it)")]
    BadVariable(String),
    /// The key file could not be looked at or read.
    #[error("key file {}: {source}", crate::io::names::show(path))]
    Read {
        /// the key file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The key file may be read or written by group or others.
    #[error(
        "key file {} is readable or writable by group or others (mode {mode:o}); run: chmod 600 {}",
        crate::io::names::show(path),
        crate::io::names::show(path)
    )]
    Shared {
        /// the key file
        path: PathBuf,
        /// its permission bits
        mode: u32,
    },
    /// The key file holds no key.
    #[error(
        "key file {} {source} (make one with: loganon keygen FILE)",
        crate::io::names::show(path)
    )]
    NotAKey {
        /// the key file
        path: PathBuf,
        /// what it holds instead
        source: KeyError,
    },
}

/// Why `loganon keygen` wrote no key; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    /// No random bytes.
    #[error("/dev/urandom: {0}")]
    Random(#[source] io::Error),
    /// The file exists.
    #[error("{}: exists; keygen never overwrites a key", crate::io::names::show(&.0))]
    Exists(PathBuf),
    /// The file could not be made or written.
    #[error("{}: {source}", crate::io::names::show(path))]
    Write {
        /// the key file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
}

/// The key ring of `key_file` (None without one), with a random seed for
/// ipcrypt-nd's and ipcrypt-ndx's tweaks.
pub fn load(key_file: Option<&Path>, rotate: Rotate) -> Result<Option<KeyRing>, KeyFileError> {
    key_file
        .map(|p| read_key_file(p).map(|k| KeyRing::new(k, rotate).with_tweak(random_tweak())))
        .transpose()
}

/// A seed for ipcrypt-nd's and ipcrypt-ndx's tweaks, drawn from
/// /dev/urandom; none (those modes then write nothing of an address) if it
/// cannot be read, which the engine's options refuse for those modes.
pub fn random_tweak() -> Tweak {
    let mut seed = [0u8; 32];
    match fs::File::open("/dev/urandom").and_then(|mut r| io::Read::read_exact(&mut r, &mut seed)) {
        Ok(()) => Tweak::Seed(seed),
        Err(_) => Tweak::None,
    }
}

/// The key ring of `--key-env NAME`: the key as 64 hex digits in the
/// environment variable NAME (white space around them ignored). Messages
/// name the variable, never its value.
pub fn load_env(name: &str, rotate: Rotate) -> Result<KeyRing, KeyFileError> {
    let value = std::env::var_os(name).ok_or_else(|| KeyFileError::NoVariable(name.to_string()))?;
    value
        .to_str()
        .and_then(MasterKey::from_hex)
        .map(|k| KeyRing::new(k, rotate).with_tweak(random_tweak()))
        .ok_or_else(|| KeyFileError::BadVariable(name.to_string()))
}

/// Reads a key file: 32 raw bytes, or 64 hex digits (white space around
/// them ignored). A file readable or writable by group or others is
/// refused; execute bits are no matter (Spark's `addFile` sets `a+x` on
/// the files it ships, making a 0600 key 0711).
pub fn read_key_file(path: &Path) -> Result<MasterKey, KeyFileError> {
    let read = |source| KeyFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(read)?;
    if meta.permissions().mode() & 0o066 != 0 {
        return Err(KeyFileError::Shared {
            path: path.to_path_buf(),
            mode: meta.permissions().mode() & 0o777,
        });
    }
    let bytes = fs::read(path).map_err(read)?;
    MasterKey::from_bytes(&bytes).map_err(|source| KeyFileError::NotAKey {
        path: path.to_path_buf(),
        source,
    })
}

/// Bytes as lower-case hex digits (keys as key files hold them, digests).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `loganon keygen FILE`: 32 random bytes as 64 hex digits, mode 0600,
/// never overwriting.
pub fn keygen(path: &Path) -> Result<(), KeygenError> {
    let mut k = [0u8; 32];
    let mut r = fs::File::open("/dev/urandom").map_err(KeygenError::Random)?;
    io::Read::read_exact(&mut r, &mut k).map_err(KeygenError::Random)?;
    let hex = to_hex(&k);
    let write = |source| KeygenError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                KeygenError::Exists(path.to_path_buf())
            } else {
                write(e)
            }
        })?;
    f.write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(write)
}
