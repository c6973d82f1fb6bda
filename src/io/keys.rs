//! Key files: the keyed modes' master key read from its file (refused when
//! others may read it) into the [`KeyRing`] the engine's options take, and
//! `loganon keygen`; or from an environment variable (`--key-env`). The
//! engine itself reads no file.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::keyed::{KeyRing, MasterKey, Rotate};

/// The key ring of `key_file` (None without one).
pub fn load(key_file: Option<&Path>, rotate: Rotate) -> Result<Option<KeyRing>, String> {
    key_file
        .map(|p| read_key_file(p).map(|k| KeyRing::new(k, rotate)))
        .transpose()
}

/// The key ring of `--key-env NAME`: the key as 64 hex digits in the
/// environment variable NAME (white space around them ignored). Messages
/// name the variable, never its value.
pub fn load_env(name: &str, rotate: Rotate) -> Result<KeyRing, String> {
    let value = std::env::var_os(name).ok_or_else(|| {
        format!("--key-env {name}: no such environment variable (put the key's 64 hex digits in it; make one with: loganon keygen FILE)")
    })?;
    value
        .to_str()
        .and_then(MasterKey::from_hex)
        .map(|k| KeyRing::new(k, rotate))
        .ok_or_else(|| {
            format!("--key-env {name}: the variable must hold 64 hex digits (a key as loganon keygen writes it)")
        })
}

/// Reads a key file: 32 raw bytes, or 64 hex digits (white space around
/// them ignored). A file readable or writable by group or others is
/// refused; execute bits are no matter (Spark's `addFile` sets `a+x` on
/// the files it ships, making a 0600 key 0711).
pub fn read_key_file(path: &Path) -> Result<MasterKey, String> {
    let p = path.display();
    let meta = fs::metadata(path).map_err(|e| format!("key file {p}: {e}"))?;
    if meta.permissions().mode() & 0o066 != 0 {
        return Err(format!(
            "key file {p} is readable or writable by group or others (mode {:o}); run: chmod 600 {p}",
            meta.permissions().mode() & 0o777
        ));
    }
    let bytes = fs::read(path).map_err(|e| format!("key file {p}: {e}"))?;
    MasterKey::from_bytes(&bytes).map_err(|e| format!("key file {p} {e} (make one with: loganon keygen FILE)"))
}

/// `loganon keygen FILE`: 32 random bytes as 64 hex digits, mode 0600,
/// never overwriting.
pub fn keygen(path: &Path) -> Result<(), String> {
    let mut k = [0u8; 32];
    let mut r = fs::File::open("/dev/urandom").map_err(|e| format!("/dev/urandom: {e}"))?;
    std::io::Read::read_exact(&mut r, &mut k).map_err(|e| format!("/dev/urandom: {e}"))?;
    let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!("{}: exists; keygen never overwrites a key", path.display())
            } else {
                format!("{}: {e}", path.display())
            }
        })?;
    f.write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}
