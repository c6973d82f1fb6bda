//! One input file anonymized into one new file, atomically: the input opened
//! as planned and read up to its size at open ([`open_input`]), the chunks
//! through the engine's [`pipeline`] into a temporary file in the
//! destination's folder ([`anonymize_into`]), that file compressed, given
//! the input's permission bits, owner and times, synced and renamed into
//! place ([`into_new_file`]). Used by `batch` (`--out-dir`, `-o`) and by the
//! in-place rewrite ([`crate::commands::in_place`]).
//!
//! A failure is a [`Failure`], phrased for the user; the temporary file goes
//! with it.

use std::fs::{self, File, FileTimes, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::commands::kanon::KFiles;
use crate::engine::Engine;
use crate::io::atomic::{parent_of, sync_dir};
use crate::io::chunks::produce_input;
use crate::io::clock::Clock;
use crate::io::codec::Compress;
use crate::io::input::{open_planned, Input, InputError, Planned, Source};
use crate::io::names::show;
use crate::io::output::ensure_compressed;
use crate::io::pipeline::{self, Done, Pass, Pool};
use crate::io::signals::Signals;
use crate::io::tempfiles;
use crate::stats::Stats;

/// An error for one input, already phrased for the user (path and position).
pub(crate) struct Failure {
    pub(crate) msg: String,
    /// the input changed while it was read: an active log, try again later
    pub(crate) active: bool,
}

pub(crate) fn fail(msg: String) -> Failure {
    Failure { msg, active: false }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        fail(e.to_string())
    }
}

/// Whether two metadata are of the same file (device and inode).
pub(crate) fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Anonymizes one opened input into `file`, from its current position,
/// with what k-anonymity adds (`kfiles`). On failure the caller discards
/// what was written.
#[allow(clippy::too_many_arguments)]
pub(crate) fn anonymize_into(
    engine: &Engine,
    kfiles: KFiles,
    input: &mut Input,
    more: bool,
    file: &mut File,
    compress: Option<Compress>,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> Result<Stats, Failure> {
    let pool = Pool::default();
    let mut stats = Stats::default();
    let mut failure: Option<Failure> = None;
    let mut produced: Result<bool, InputError> = Ok(true);
    let name = input.name();
    let out_name = "output";
    {
        let produced = &mut produced;
        let produce = |send: &mut dyn FnMut(pipeline::Item) -> bool| {
            *produced = produce_input(input, more, send, &pool, sig);
        };
        let consume = |done: Done| -> bool {
            if let Done::Lines {
                out,
                stats: s,
                failed_at,
                ..
            } = done
            {
                stats.add(&s);
                if let Some(rel) = failed_at {
                    failure = Some(fail(format!(
                        "{name}: line {} matches no format and --on-unparsed is fail",
                        stats.lines_read - s.lines_read + rel
                    )));
                    return false;
                }
                if let Err(e) = file.write_all(&out) {
                    failure = Some(fail(format!("cannot write the {out_name} for {name}: {e}")));
                    return false;
                }
                pool.put(out);
            }
            true
        };
        let run = |pass: Pass| {
            pipeline::run(engine, pass, jobs, compress, &pool, clock, produce, consume, || {
                sig.wake_reader()
            })
        };
        if let Err(e) = kfiles.pass(run) {
            return Err(fail(format!("{name}: {}", pipeline::threads_error(jobs, &e))));
        }
    }
    if let Some(f) = failure {
        return Err(f);
    }
    match produced {
        Err(e) => Err(e.into()),
        Ok(false) => Err(fail(format!("{name}: interrupted"))),
        Ok(true) => Ok(stats),
    }
}

/// Gives the finished temporary file the input's permission bits, owner
/// (best effort) and times, and syncs it.
pub(crate) fn finish_like(tmp: &File, meta: &fs::Metadata) -> io::Result<()> {
    tmp.set_permissions(Permissions::from_mode(meta.permissions().mode() & 0o7777))?;
    // keeping the owner needs privileges; without them the new file is ours
    let _ = std::os::unix::fs::fchown(tmp, Some(meta.uid()), Some(meta.gid()));
    let times = FileTimes::new()
        .set_accessed(meta.accessed()?)
        .set_modified(meta.modified()?);
    tmp.set_times(times)?;
    tmp.sync_all()
}

/// A temporary file in `dir`; `shown` is the folder's name for messages.
pub(crate) fn temp_in(dir: &Path, shown: &Path) -> Result<tempfile::NamedTempFile, Failure> {
    tempfiles::create_in(dir).map_err(|e| {
        // tempfile appends the temporary name, which never existed
        let text = e.to_string();
        let why = text.split(" at path ").next().unwrap_or(&text);
        fail(format!(
            "{}: cannot create the output in this folder: {why}",
            show(shown)
        ))
    })
}

/// Refuses a batch input that is not a regular file, before it is opened:
/// a FIFO or a device would block or never end, and batch outputs are made
/// of whole files.
pub(crate) fn refuse_special(path: &Path, plan: &Planned) -> Result<(), Failure> {
    if plan.meta.file_type().is_file() {
        return Ok(());
    }
    let p = show(path);
    Err(fail(format!(
        "{p}: is {}, not a regular file; --out-dir, --in-place and -o with input files read \
         regular files only; to anonymize a stream from it, read it in stream mode: \
         loganon anonymize < {p} > OUTPUT",
        crate::io::input::kind_of(&plan.meta)
    )))
}

/// Opens a planned input (see [`open_planned`]), read to its end, never
/// only to the size `stat` gave: `/proc` and `/sys` files say 0 and hold
/// lines, and a file that grows meanwhile is read as far as it goes (an
/// in-place rewrite then sees the change at its last look and is
/// discarded). Also returns a second descriptor of the file, to look at it
/// again at the end, and its metadata at open.
pub(crate) fn open_input(path: &Path, at: &Path, plan: &Planned) -> Result<(Input, File, fs::Metadata), Failure> {
    let name = || show(path);
    let (file, at_open) = open_planned(at, plan).map_err(|what| fail(format!("{}: {what}", name())))?;
    let again = file
        .try_clone()
        .map_err(|e| fail(format!("{}: cannot open: {e}", name())))?;
    let raw: Box<dyn io::Read + Send> = Box::new(file);
    let input = Input::from_reader(Source::File(path.to_path_buf()), raw)?;
    Ok((input, again, at_open))
}

/// Anonymizes the opened `input` (its metadata at open: `meta`) into a new
/// file that takes the place of `dest_at` (`dest` is its name in messages):
/// a temporary file in that folder, compressed as `compress` says, made like
/// the input ([`finish_like`]), then renamed over `dest_at` (`replace`) or
/// to it only while nothing is there. `last_look` runs just before the
/// rename: its failure discards the new file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn into_new_file(
    engine: &Engine,
    kfiles: KFiles,
    input: &mut Input,
    meta: &fs::Metadata,
    dest: &Path,
    dest_at: &Path,
    compress: Option<Compress>,
    replace: bool,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
    last_look: impl FnOnce() -> Result<(), Failure>,
) -> Result<Stats, Failure> {
    let dir = parent_of(dest_at);
    let mut tmp = temp_in(&dir, &parent_of(dest))?;
    let stats = anonymize_into(
        engine,
        kfiles,
        input,
        false,
        tmp.as_file_mut(),
        compress,
        jobs,
        clock,
        sig,
    )?;
    if let Some(c) = compress {
        ensure_compressed(tmp.as_file_mut(), c).map_err(|e| fail(format!("{}: {e}", show(dest))))?;
    }
    finish_like(tmp.as_file(), meta).map_err(|e| fail(format!("{}: cannot finish the output: {e}", show(dest))))?;
    last_look()?;
    let persisted = if replace {
        tmp.persist(dest_at).map(drop)
    } else {
        tmp.persist_noclobber(dest_at).map(drop)
    };
    persisted.map_err(|e| {
        fail(format!(
            "{}: cannot rename the finished output into place: {}",
            show(dest),
            e.error
        ))
    })?;
    sync_dir(&dir);
    Ok(stats)
}
