//! loganon's temporary files (io layer): every output is first written to a
//! `.loganon-<pid>-<start>-<random>.tmp` beside it, then renamed.
//!
//! - `<pid>` and `<start>` name the creating process: its pid and its start
//!   time (field 22 of `/proc/<pid>/stat`, clock ticks since boot; 0 when
//!   `/proc` cannot be read). The creator also holds an exclusive `flock` on
//!   the file for as long as it lives.
//! - [`sweep_stale`] removes such a file only when its creator is gone: no
//!   process has that pid, or the process with that pid started at another
//!   time (the pid was reused), or it has ended and waits to be reaped (a
//!   zombie); and nobody holds its lock (a loganon in another pid namespace). A live temporary file of another running loganon
//!   is never removed.
//! - Names of the old format (`.loganon-XXXXXX.tmp`, six random letters,
//!   without the creator) are removed only when not modified for an hour: a
//!   writer keeps its temporary file fresh. Other names are left alone.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

pub const PREFIX: &str = ".loganon-";
pub const SUFFIX: &str = ".tmp";

/// How long an old-format temporary file must be left untouched before a
/// sweep takes it for stale.
pub const OLD_FORMAT_AGE: Duration = Duration::from_secs(3600);

/// The start time of process `pid` (field 22 of `/proc/<pid>/stat`).
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name (field 2) is in parentheses and may hold anything
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// Whether process `pid` has ended but not been reaped yet (a zombie, state
/// `Z`, or dead, `X`, in field 3 of `/proc/<pid>/stat`): it holds no file
/// and no lock any more. A parent that killed its loganon child and has not
/// waited for it (a Spark worker that goes on to run the task again) keeps
/// such a pid alive.
fn ended(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat.rfind(')').and_then(|k| stat[k + 1..].split_whitespace().next());
    matches!(state, Some("Z" | "X"))
}

/// This process: its pid and start time.
fn me() -> (u32, u64) {
    static ME: OnceLock<(u32, u64)> = OnceLock::new();
    *ME.get_or_init(|| {
        let pid = std::process::id();
        (pid, process_start(pid).unwrap_or(0))
    })
}

/// The name prefix of this process's temporary files.
pub fn own_prefix() -> String {
    let (pid, start) = me();
    format!("{PREFIX}{pid}-{start}-")
}

/// Creates a temporary file in `dir`, named after this process and locked.
pub fn create_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix(&own_prefix())
        .suffix(SUFFIX)
        .rand_bytes(8)
        .tempfile_in(dir)?;
    // Best effort: a file system without flock still has the pid check.
    let _ = rustix::fs::flock(tmp.as_file(), rustix::fs::FlockOperation::NonBlockingLockExclusive);
    Ok(tmp)
}

/// What a file name says about its creator.
#[derive(Debug, PartialEq, Eq)]
enum Name {
    /// `.loganon-<pid>-<start>-<random>.tmp`
    Ours { pid: u32, start: u64 },
    /// `.loganon-XXXXXX.tmp` (before the creator was in the name)
    OldFormat,
    /// anything else
    Other,
}

fn parse(name: &str) -> Name {
    let Some(mid) = name.strip_prefix(PREFIX).and_then(|n| n.strip_suffix(SUFFIX)) else {
        return Name::Other;
    };
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = mid.split('-').collect();
    match parts[..] {
        [pid, start, random] if digits(pid) && digits(start) && alnum(random) => match (pid.parse(), start.parse()) {
            (Ok(pid), Ok(start)) if pid > 0 && pid <= i32::MAX as u32 => Name::Ours { pid, start },
            _ => Name::Other,
        },
        [random] if random.len() == 6 && alnum(random) => Name::OldFormat,
        _ => Name::Other,
    }
}

/// Whether the process that created a temporary file is gone.
fn creator_gone(pid: u32, start: u64) -> bool {
    let (my_pid, my_start) = me();
    if pid == my_pid {
        return start != my_start;
    }
    // signal 0 only checks that the process exists (pid is positive)
    let alive = rustix::process::Pid::from_raw(pid as i32).map(rustix::process::test_kill_process);
    if alive == Some(Err(rustix::io::Errno::SRCH)) {
        return true;
    }
    if ended(pid) {
        return true;
    }
    // alive (or not ours to signal): gone only if that pid started at
    // another time; unknown start times count as alive
    match process_start(pid) {
        Some(now) => start != 0 && now != start,
        None => false,
    }
}

/// Whether some process holds the lock of the open file `f`.
fn locked(f: &File) -> bool {
    // (the lock, when taken, goes with the descriptor)
    rustix::fs::flock(f, rustix::fs::FlockOperation::NonBlockingLockExclusive) == Err(rustix::io::Errno::WOULDBLOCK)
}

/// Whether the temporary file at `path` (named `name`) is stale; an open
/// descriptor of it comes along, still locked by us, so that it can be
/// removed while nobody can take it.
fn stale(path: &Path, name: &str) -> Option<File> {
    let old = match parse(name) {
        Name::Ours { pid, start } => {
            if !creator_gone(pid, start) {
                return None;
            }
            false
        }
        Name::OldFormat => true,
        Name::Other => return None,
    };
    let lmeta = fs::symlink_metadata(path).ok()?;
    if !lmeta.file_type().is_file() {
        return None; // a symlink or a folder with our name is not ours
    }
    if old {
        let age = SystemTime::now().duration_since(lmeta.modified().ok()?).ok()?;
        if age < OLD_FORMAT_AGE {
            return None;
        }
    }
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = f.metadata().ok()?;
    if meta.dev() != lmeta.dev() || meta.ino() != lmeta.ino() || locked(&f) {
        return None;
    }
    Some(f)
}

/// One stale temporary file found by [`sweep_stale`].
#[derive(Debug)]
pub struct Swept {
    pub path: PathBuf,
    /// why it could not be removed (never set in a dry run)
    pub error: Option<String>,
}

/// Removes the stale temporary files directly in `dir` (not below it), or
/// with `dry_run` only lists them. A folder that cannot be read gives
/// nothing: whoever writes into it next reports the problem.
pub fn sweep_stale(dir: &Path, dry_run: bool) -> Vec<Swept> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(PREFIX) {
            continue;
        }
        let path = e.path();
        let Some(_held) = stale(&path, name) else { continue };
        let error = if dry_run {
            None
        } else {
            fs::remove_file(&path).err().map(|e| {
                format!(
                    "{}: cannot remove this stale temporary file: {e}",
                    crate::io::names::show(&path)
                )
            })
        };
        found.push(Swept { path, error });
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            parse(".loganon-123-4567-AbC9xyzQ.tmp"),
            Name::Ours { pid: 123, start: 4567 }
        );
        assert_eq!(parse(".loganon-aB3dE9.tmp"), Name::OldFormat);
        for other in [
            ".loganon-0-1-abc.tmp",
            ".loganon-99999999999-1-abc.tmp",
            ".loganon-1-2-a-b.tmp",
            ".loganon-1-2-.tmp",
            ".loganon-abcdefg.tmp",
            ".loganon-abc.tmp",
            ".loganon-1-2-abc.tmpx",
            "loganon-1-2-abc.tmp",
            "access.log",
        ] {
            assert_eq!(parse(other), Name::Other, "{other}");
        }
    }

    #[test]
    fn own_name_parses_as_ours() {
        let (pid, start) = me();
        let name = format!("{}Zz09Zz09{SUFFIX}", own_prefix());
        assert_eq!(parse(&name), Name::Ours { pid, start });
        assert!(!creator_gone(pid, start));
        assert!(start > 0, "/proc/self/stat gives a start time");
    }
}
