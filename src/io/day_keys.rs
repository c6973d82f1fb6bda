//! A directory of day keys (`keys_dir`, `--keys-dir`): one random 32-byte
//! key per day, `YYYY-MM-DD.key` (64 hex digits, mode 0600), made on first
//! use, and deleted by `run` once older than `key_retention`. A day whose
//! key is deleted can no longer be revealed or linked: its pseudonyms are
//! anonymous from then on. The engine takes these keys through
//! [`DayKeySource`]; it reads no file itself.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::io::names::show;
use crate::keyed::{DayKeySource, KeyRing, MasterKey};

/// The day keys of one directory. `make`: a missing key is made (anonymize,
/// run, listen); without it (reveal, erase) a missing key stays missing.
pub struct KeysDir {
    dir: PathBuf,
    make: bool,
    /// keys read or made, and days found without one (None), by day
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

/// The file that says which days' keys `run` deleted: it holds a date, and
/// no key of a day before it is made again (a late file of such a day does
/// not bring its pseudonyms back to life).
const WATERMARK: &str = ".deleted-before";

/// The first day whose key may exist: the days before it are past
/// `key_retention` and their keys were deleted (None: none was).
pub fn deleted_before(dir: &Path) -> Option<i64> {
    let text = fs::read_to_string(dir.join(WATERMARK)).ok()?;
    day_of_name(&format!("{}.key", text.trim()))
}

/// Records that the keys of the days before `day` are deleted (never moving
/// the mark back), atomically.
pub fn mark_deleted_before(dir: &Path, day: i64) -> io::Result<()> {
    if deleted_before(dir).is_some_and(|d| d >= day) {
        return Ok(());
    }
    let text = format!("{}\n", crate::time::date_string(day * 86400));
    crate::io::atomic::write_atomic(&dir.join(WATERMARK), text.as_bytes()).map_err(io::Error::other)
}

/// Why a day has no key (a day whose key is missing and must not be made).
fn told(day: i64, why: &str) {
    eprintln!(
        "loganon: keys_dir: {why}; the lines of {} are written without their addresses and identifiers",
        crate::time::date_string(day * 86400)
    );
}

impl KeysDir {
    /// The keys of `dir`. A directory that group or others may write is
    /// refused before anything is written in it; with `make`, a missing
    /// directory is made (mode 0700) when its first key is, and its parent
    /// must be there. Nothing is written here: a dry run writes nothing.
    pub fn open(dir: &Path, make: bool) -> Result<KeysDir, String> {
        match fs::metadata(dir) {
            Ok(meta) if !meta.is_dir() => return Err(format!("keys_dir {}: not a directory", show(dir))),
            Ok(meta) if meta.permissions().mode() & 0o022 != 0 => {
                return Err(format!(
                    "keys_dir {} may be written by group or others (mode {:o}); run: chmod 700 {}",
                    show(dir),
                    meta.permissions().mode() & 0o777,
                    show(dir)
                ))
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound && make => {
                let parent = crate::io::atomic::parent_of(dir);
                if !parent.is_dir() {
                    return Err(format!(
                        "keys_dir {}: its folder {} does not exist",
                        show(dir),
                        show(&parent)
                    ));
                }
            }
            Err(e) => return Err(format!("keys_dir {}: {e}", show(dir))),
        }
        Ok(KeysDir {
            dir: dir.to_path_buf(),
            make,
            known: Mutex::new(HashMap::new()),
        })
    }

    /// The key of `day`: read, or made when missing (with `make`, for a day
    /// neither past `key_retention` nor after tomorrow); Ok(None) when
    /// there is none and none is to be made.
    fn get(&self, day: i64) -> Result<Option<[u8; 32]>, String> {
        let path = key_path(&self.dir, day);
        match crate::io::keys::read_key_file(&path) {
            Ok(k) => return whole(&k, &path).map(Some),
            Err(crate::io::keys::KeyFileError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.to_string()),
        }
        if !self.make {
            return Ok(None);
        }
        if deleted_before(&self.dir).is_some_and(|d| day < d) {
            told(day, "that day is past key_retention and its key was deleted");
            return Ok(None);
        }
        let today = crate::io::clock::now().div_euclid(86400);
        if day > today + 1 {
            told(day, "that day is after tomorrow (a wrong time?): no key is made for it");
            return Ok(None);
        }
        self.make_key(&path).map_err(|e| format!("{}: {e}", show(&path)))?;
        // (another process may have made it first: its key is the one)
        match crate::io::keys::read_key_file(&path) {
            Ok(k) => whole(&k, &path).map(Some),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Writes a new random key to `path`, never over one there: written to
    /// a file of a random name beside it (mode 0600), synced, then linked
    /// to its name, which fails if it exists.
    fn make_key(&self, path: &Path) -> io::Result<()> {
        if !self.dir.exists() {
            fs::DirBuilder::new().mode(0o700).create(&self.dir)?;
        }
        let mut k = [0u8; 32];
        io::Read::read_exact(&mut fs::File::open("/dev/urandom")?, &mut k)?;
        let hex = crate::io::keys::to_hex(&k);
        let mut tmp = tempfile::Builder::new().prefix(".key-").tempfile_in(&self.dir)?;
        tmp.as_file_mut().set_permissions(fs::Permissions::from_mode(0o600))?;
        tmp.write_all(format!("{hex}\n").as_bytes())?;
        tmp.as_file().sync_all()?;
        match tmp.persist_noclobber(path) {
            Ok(_) => fs::File::open(&self.dir)?.sync_all(),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e.error),
        }
    }
}

/// The key ring of a directory of day keys (`keys_dir`). `make`: missing
/// keys are made (and the directory); never by `reveal` and `erase`.
pub fn load_dir(dir: &Path, make: bool) -> Result<KeyRing, String> {
    let source = KeysDir::open(dir, make)?;
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

/// A day key must be a 32-byte one; another is an error (its day's lines
/// then keep nothing of their addresses, and the command exits 1).
fn whole(k: &MasterKey, path: &Path) -> Result<[u8; 32], String> {
    k.bytes().try_into().map_err(|_| {
        format!(
            "{}: holds a {}-byte key; a day key holds 32 bytes (64 hex digits)",
            show(path),
            k.bytes().len()
        )
    })
}

impl DayKeySource for KeysDir {
    fn gone(&self, day: i64) -> bool {
        deleted_before(&self.dir).is_some_and(|d| day < d)
    }

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
