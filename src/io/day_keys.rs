//! A directory of day keys (`keys_dir`, `--keys-dir`): one random 32-byte
//! key per day, `YYYY-MM-DD.key` (64 hex digits, mode 0600), made on first
//! use, and deleted by `run` once older than `key_retention`. A day whose
//! key is deleted can no longer be revealed or linked: its pseudonyms are
//! anonymous from then on. The engine takes these keys through
//! [`DayKeySource`]; it reads no file itself.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::io::names::show;
use crate::keyed::{DayKeySource, KeyRing, MasterKey};

/// The day keys of one directory. `make`: a missing key is made (anonymize,
/// run, listen); without it (reveal, erase) a missing key stays missing.
pub struct KeysDir {
    dir: PathBuf,
    make: bool,
    /// keys read or made, and days found missing (None), by day
    known: Mutex<HashMap<i64, Option<[u8; 32]>>>,
}

impl std::fmt::Debug for KeysDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the keys
        write!(f, "KeysDir({})", show(&self.dir))
    }
}

/// The file of `day`'s key in `dir`.
pub fn key_path(dir: &Path, day: i64) -> PathBuf {
    dir.join(format!("{}.key", crate::time::date_string(day * 86400)))
}

/// The key ring of a directory of day keys (`keys_dir`): see
/// [`crate::io::day_keys`]. `make`: missing keys are made (and the
/// directory, and the key of `now`'s day at once).
pub fn load_dir(dir: &Path, make: bool, now: i64) -> Result<KeyRing, String> {
    let source = KeysDir::open(dir, make, now.div_euclid(86400))?;
    Ok(KeyRing::from_source(std::sync::Arc::new(source)).with_tweak(crate::io::keys::random_tweak()))
}

/// The day of a key file's name (`2026-12-07.key`), or None.
fn day_of_name(name: &str) -> Option<i64> {
    let date = name.strip_suffix(".key")?.as_bytes();
    if date.len() != 10 || date[4] != b'-' || date[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = std::str::from_utf8(&date[r]).ok()?;
        t.bytes().all(|b| b.is_ascii_digit()).then(|| t.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day = crate::time::days_from_civil(i64::from(y), m, d);
    // (a name that is no real date, 2026-02-30, is not a day key)
    (crate::time::date_string(day * 86400).as_bytes() == date).then_some(day)
}

impl KeysDir {
    /// The keys of `dir`. With `make`, the directory is made (mode 0700) if
    /// missing and the key of `today` is had at once, so a directory that
    /// cannot hold keys is an error before any line is read.
    pub fn open(dir: &Path, make: bool, today: i64) -> Result<KeysDir, String> {
        let k = KeysDir {
            dir: dir.to_path_buf(),
            make,
            known: Mutex::new(HashMap::new()),
        };
        if make {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("keys_dir {}: {e}", show(dir)))?;
            k.get(today).map_err(|e| format!("keys_dir {}: {e}", show(dir)))?;
        } else if !dir.is_dir() {
            return Err(format!("keys_dir {}: not a directory", show(dir)));
        }
        let meta = fs::metadata(dir).map_err(|e| format!("keys_dir {}: {e}", show(dir)))?;
        if meta.permissions().mode() & 0o022 != 0 {
            return Err(format!(
                "keys_dir {} may be written by group or others (mode {:o}); run: chmod 700 {}",
                show(dir),
                meta.permissions().mode() & 0o777,
                show(dir)
            ));
        }
        Ok(k)
    }

    /// The key of `day`: read, or made when missing (with `make`); Ok(None)
    /// when missing and not to be made.
    fn get(&self, day: i64) -> Result<Option<[u8; 32]>, String> {
        let path = key_path(&self.dir, day);
        match crate::io::keys::read_key_file(&path) {
            Ok(k) => return Ok(whole(&k, &path)),
            Err(crate::io::keys::KeyFileError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.to_string()),
        }
        if !self.make {
            return Ok(None);
        }
        self.make_key(&path).map_err(|e| format!("{}: {e}", show(&path)))?;
        // (another process may have made it first: its key is the one)
        match crate::io::keys::read_key_file(&path) {
            Ok(k) => Ok(whole(&k, &path)),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Writes a new random key to `path`, never over one there: written
    /// beside it, synced, then linked to its name (which fails if it exists).
    fn make_key(&self, path: &Path) -> io::Result<()> {
        let mut k = [0u8; 32];
        io::Read::read_exact(&mut fs::File::open("/dev/urandom")?, &mut k)?;
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = self.dir.join(format!(".{}.tmp", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(format!("{hex}\n").as_bytes())?;
        f.sync_all()?;
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
            _ => fs::File::open(&self.dir)?.sync_all(),
        }
    }
}

/// A day key must be a 32-byte one; a shorter one is no key (fail closed).
fn whole(k: &MasterKey, path: &Path) -> Option<[u8; 32]> {
    let b: Option<[u8; 32]> = k.bytes().try_into().ok();
    if b.is_none() {
        eprintln!(
            "loganon: {}: a day key holds 32 bytes; this one is not used",
            show(path)
        );
    }
    b
}

impl DayKeySource for KeysDir {
    fn day_key(&self, day: i64) -> Option<[u8; 32]> {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = known.get(&day) {
            return *k;
        }
        let k = match self.get(day) {
            Ok(k) => k,
            Err(e) => {
                // told once per day; that day's lines keep nothing of their
                // addresses and identifiers
                eprintln!(
                    "loganon: keys_dir: {e}; the lines of {} are written without their addresses and \
                     identifiers",
                    crate::time::date_string(day * 86400)
                );
                FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
                None
            }
        };
        known.insert(day, k);
        k
    }
}

/// Whether a day key could not be made in this process (the command then
/// exits 1: lines were written without their pseudonyms).
static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a day key could not be read or made in this process.
pub fn failed() -> bool {
    FAILED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The day keys of `dir` older than `retention` seconds at `now`: (path,
/// day), oldest first. Files whose names are not `YYYY-MM-DD.key` are not
/// day keys and are left alone.
pub fn expired(dir: &Path, retention: i64, now: i64) -> io::Result<Vec<(PathBuf, i64)>> {
    let today = now.div_euclid(86400);
    let keep_days = retention.div_euclid(86400);
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let Some(day) = e.file_name().to_str().and_then(day_of_name) else {
            continue;
        };
        if day < today - keep_days {
            out.push((e.path(), day));
        }
    }
    out.sort_by_key(|(_, d)| *d);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_day_keys() {
        assert_eq!(day_of_name("1970-01-02.key"), Some(1));
        assert_eq!(day_of_name("2026-12-07.key"), Some(20794));
        for not in ["2026-12-07", "2026-12-7.key", "x.key", ".123.tmp", "2026-13-01.key"] {
            assert_eq!(day_of_name(not), None, "{not}");
        }
    }
}
