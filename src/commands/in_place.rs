//! The atomic in-place rewrite of a file through the engine: `anonymize
//! --in-place` (per input of [`crate::commands::batch`]) and `run`'s
//! anonymization ([`rewrite_in_place`]).
//!
//! - Symlinks, special files and (unless `--force`) files with other hard
//!   links are refused: the raw log would survive where they point or under
//!   the other names.
//! - Everything goes through the file's folder held open ([`pinned`]), so a
//!   folder above renamed or swapped for a symlink meanwhile redirects
//!   nothing.
//! - The file is read to its end; the new file replaces it only
//!   when the file is still the same (inode, size, modification and change
//!   times) through the descriptor read and by its path, just before the
//!   rename; else the new file goes and the original stays (an active log:
//!   [`InPlaceError::Active`]).

use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::commands::anonymize_file::{fail, into_new_file, open_input, refuse_special, same_file, Failure};
use crate::commands::kanon::KFiles;
use crate::engine::Engine;
use crate::io::atomic::parent_of;
use crate::io::clock::Clock;
use crate::io::codec::Compress;
use crate::io::input::Planned;
use crate::io::names::show;
use crate::io::signals::Signals;
use crate::kanon::Plan;
use crate::stats::Stats;

/// Why [`rewrite_in_place`] left a file as it was; its text is the message
/// (already phrased for the user, with the path).
#[derive(Debug, thiserror::Error)]
pub enum InPlaceError {
    /// the file changed while it was read (an active log): try again later
    #[error("{0}")]
    Active(String),
    /// any other failure, phrased for the user
    #[error("{0}")]
    Failed(String),
}

impl InPlaceError {
    pub fn message(&self) -> &str {
        match self {
            InPlaceError::Active(m) | InPlaceError::Failed(m) => m,
        }
    }
}

/// The file's folder held open, and the file's path through that
/// descriptor (`/proc/self/fd/N/NAME`): what is done by that path stays in
/// that folder even when a folder above it is renamed or swapped for a
/// symlink meanwhile (`--in-place`, `run`). None without `/proc`: then
/// the path itself is used.
fn pinned(path: &Path) -> Option<(File, PathBuf)> {
    let name = path.file_name()?;
    let dir = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(parent_of(path))
        .ok()?;
    let at = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    at.is_dir().then(|| (dir, at.join(name)))
}

/// What `--in-place` compares to see that a file did not change while it was
/// read: the same inode, size, modification and change times.
pub(crate) fn unchanged(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    same_file(a, b)
        && a.size() == b.size()
        && (a.mtime(), a.mtime_nsec()) == (b.mtime(), b.mtime_nsec())
        && (a.ctime(), a.ctime_nsec()) == (b.ctime(), b.ctime_nsec())
}

fn active(path: &Path) -> Failure {
    Failure {
        msg: format!(
            "{}: changed while being anonymized (an active log?); left as it was, try again later",
            show(path)
        ),
        active: true,
    }
}

/// Refuses what `--in-place` must not replace: links, special files, and
/// (unless `force`) files with other hard links, whose raw copy would
/// survive under the other names.
fn check_replaceable(path: &Path, plan: &Planned, at_open: Option<&fs::Metadata>, force: bool) -> Result<(), Failure> {
    let p = show(path);
    if plan.link {
        return Err(fail(format!(
            "{p}: is a symbolic link; replacing it would leave the raw log where it points; name that file instead"
        )));
    }
    if !plan.meta.file_type().is_file() {
        return Err(fail(format!(
            "{p}: is not a regular file; only regular files are replaced"
        )));
    }
    let links = at_open.unwrap_or(&plan.meta).nlink();
    if links > 1 && !force {
        return Err(fail(format!(
            "{p}: has {links} hard links; replacing it would leave the raw log under the other names; remove them{OR_FORCE}"
        )));
    }
    Ok(())
}

const OR_FORCE: &str = ", or use --force";

/// Replaces the planned file at `path` with its anonymization, through its
/// folder held open (`--in-place`; `run` through [`rewrite_in_place`]).
/// `force` takes files with other hard links too.
#[allow(clippy::too_many_arguments)]
pub(crate) fn replace(
    engine: &Engine,
    kfiles: KFiles,
    path: &Path,
    plan: &Planned,
    force: bool,
    level: u32,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> Result<Stats, Failure> {
    refuse_special(path, plan)?;
    check_replaceable(path, plan, None, force)?;
    // everything from here goes through the folder's descriptor: the source
    // is checked there to be the planned file (fstat)
    let pin = pinned(path);
    let at = pin.as_ref().map_or_else(|| path.to_path_buf(), |(_, p)| p.clone());
    let (mut input, again, meta) = open_input(path, &at, plan)?;
    check_replaceable(path, plan, Some(&meta), force)?;
    if !unchanged(&plan.meta, &meta) {
        return Err(active(path));
    }
    let compress = input.codec.map(|codec| Compress { codec, level });
    // Last look before the rename: the descriptor read (appended to?) and
    // the path (renamed away by logrotate, another file there?). On any
    // change the temporary file goes and the original stays.
    let last_look = || {
        let same = again.metadata().is_ok_and(|m| unchanged(&meta, &m))
            && fs::symlink_metadata(&at).is_ok_and(|m| unchanged(&meta, &m));
        if same {
            Ok(())
        } else {
            Err(active(path))
        }
    };
    into_new_file(
        engine, kfiles, &mut input, &meta, path, &at, compress, true, jobs, clock, sig, last_look,
    )
}

/// Anonymizes one file in place (the cron job). `planned_meta` is what
/// `lstat` said when the file was chosen; a file that is another one by
/// now, or changes while it is read, is left as it was
/// ([`InPlaceError::Active`]). Files with several hard links are refused.
/// `clock` gives the day of lines without a readable time (keyed modes);
/// `widths`, `--min-k`'s widths of the file (see
/// [`crate::commands::batch::widened`]).
#[allow(clippy::too_many_arguments)]
pub fn rewrite_in_place(
    engine: &Engine,
    widths: Option<&Plan>,
    path: &Path,
    planned_meta: &fs::Metadata,
    level: u32,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> Result<Stats, InPlaceError> {
    let plan = Planned {
        meta: planned_meta.clone(),
        link: planned_meta.file_type().is_symlink(),
    };
    let kfiles = KFiles {
        plan: widths,
        report: None,
    };
    match replace(engine, kfiles, path, &plan, false, level, jobs, clock, sig) {
        Ok(stats) => Ok(stats),
        Err(Failure { msg, active: true }) => Err(InPlaceError::Active(msg)),
        Err(Failure { msg, active: false }) => {
            // `run` has no --force
            let msg = msg.strip_suffix(OR_FORCE).map_or(msg.clone(), str::to_string);
            Err(InPlaceError::Failed(msg))
        }
    }
}
