//! Batch processing of archived logs: `--out-dir DIR`, `--in-place`, and
//! `-o FILE` with file inputs.
//!
//! - Files are processed in parallel with rayon, and each file's chunks in
//!   parallel through the ordered [`pipeline`]; output bytes do not depend on
//!   `-j`.
//! - Output is gzip when the input was (detected by content) or when the
//!   output name ends in `.gz`; workers compress their chunks into
//!   independent gzip members, so compression runs on every core.
//! - Writes are atomic: a temporary file in the destination folder, fsync,
//!   then rename (and fsync of the folder). The output keeps the input's
//!   modification time and permission bits (and owner, where allowed).
//! - Inputs are looked at before the batch starts and opened with
//!   `O_NOFOLLOW` and checked with `fstat`, so a file swapped in is never
//!   read; each is read up to the size it had when opened. `--in-place`
//!   discards its new file when the input changed meanwhile (an active log)
//!   and refuses symlinks and (unless `--force`) files with other hard links.
//! - Temporary files are [`tempfiles`]'s; those that killed runs left in
//!   the destination folders are removed first.
//! - A failing input leaves no output and no temporary file, never touches
//!   the original, and does not stop the other inputs. An interrupt (SIGINT,
//!   SIGTERM) stops the batch; only complete outputs remain.

use std::fs::{self, File, FileTimes, Permissions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::commands::kanon::{self, KFiles};
use crate::engine::Engine;
use crate::io::atomic::{parent_of, sync_dir};
use crate::io::chunks::produce_input;
use crate::io::clock::Clock;
use crate::io::codec::{Codec, Compress};
use crate::io::input::{open_planned, plan_file, Input, InputError, OpenError, Planned, Source};
use crate::io::names::show;
use crate::io::output::ensure_compressed;
use crate::io::pipeline::{self, Done, Pass, Pool};
use crate::io::signals::Signals;
use crate::io::tempfiles;
use crate::kanon::{Counts, Report, DEFAULT_K};
use crate::stats::Stats;

/// Where batch outputs go.
#[derive(Clone, Debug)]
pub enum Target {
    /// one output per input, same file name, in DIR
    OutDir(PathBuf),
    /// each input replaced atomically
    InPlace,
    /// all inputs, in order, into one file
    One(PathBuf),
}

#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub target: Target,
    /// replace existing outputs
    pub force: bool,
    pub level: u32,
    pub jobs: usize,
    /// the processing date of lines without a readable time (keyed modes),
    /// read per chunk
    pub clock: Clock,
    /// `--min-k K`: two passes over the inputs (count, then rewrite)
    pub min_k: Option<u64>,
    /// the k-anonymity report is wanted (`--stats`)
    pub k_report: bool,
}

/// What happened to one input.
#[derive(Debug)]
pub struct FileReport {
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    pub stats: Stats,
    pub seconds: f64,
    /// why no output was written for this input
    pub error: Option<String>,
}

impl FileReport {
    /// No output for `input`, because of `error`.
    fn failed(input: &Path, error: String) -> FileReport {
        FileReport {
            input: input.to_path_buf(),
            output: None,
            stats: Stats::default(),
            seconds: 0.0,
            error: Some(error),
        }
    }
}

pub struct BatchOutcome {
    pub files: Vec<FileReport>,
    pub interrupted: bool,
    /// per day, the output networks below K (truncate mode, with
    /// `--min-k` or `--stats`)
    pub k_report: Option<Report>,
}

/// An error for one input, already phrased for the user (path and position).
struct Failure {
    msg: String,
    /// the input changed while it was read: an active log, try again later
    active: bool,
}

fn fail(msg: String) -> Failure {
    Failure { msg, active: false }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        fail(e.to_string())
    }
}

/// The compression of an output: what its name asks for (`.gz`, `.xz`,
/// `.bz2`, `.zst`), else the input's own.
fn output_compression(dest: &Path, input: Option<Codec>, level: u32) -> Option<Compress> {
    Codec::from_name(dest).or(input).map(|codec| Compress { codec, level })
}

fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Anonymizes one opened input into `file`, from its current position,
/// with what k-anonymity adds (`kfiles`). On failure the caller discards what
/// was written.
#[allow(clippy::too_many_arguments)]
fn anonymize_into(
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
fn finish_like(tmp: &File, meta: &fs::Metadata) -> io::Result<()> {
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
fn temp_in(dir: &Path, shown: &Path) -> Result<tempfile::NamedTempFile, Failure> {
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

/// The file's folder held open, and the file's path through that
/// descriptor (`/proc/self/fd/N/NAME`): what is done by that path stays in
/// that folder even when a folder above it is renamed or swapped for a
/// symlink meanwhile (`--in-place`, `run`). None without `/proc`: then
/// the path itself is used.
fn pinned(path: &Path) -> Option<(File, PathBuf)> {
    use std::os::fd::AsRawFd;
    let name = path.file_name()?;
    let dir = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(parent_of(path))
        .ok()?;
    let at = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    at.is_dir().then(|| (dir, at.join(name)))
}

/// Refuses a batch input that is not a regular file, before it is opened:
/// a FIFO or a device would block or never end, and batch outputs are made
/// of whole files.
fn refuse_special(path: &Path, plan: &Planned) -> Result<(), Failure> {
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

/// Opens a planned input (see [`open_planned`]) and reads it only up to the
/// size it had when opened: data appended later is not read. Also returns a
/// second descriptor of the file, to look at it again at the end, and its
/// metadata at open.
fn open_input(path: &Path, at: &Path, plan: &Planned) -> Result<(Input, File, fs::Metadata), Failure> {
    let name = || show(path);
    let (file, at_open) = open_planned(at, plan).map_err(|what| fail(format!("{}: {what}", name())))?;
    let again = file
        .try_clone()
        .map_err(|e| fail(format!("{}: cannot open: {e}", name())))?;
    let raw: Box<dyn io::Read + Send> = if at_open.file_type().is_file() {
        Box::new(io::Read::take(file, at_open.len()))
    } else {
        Box::new(file)
    };
    let input = Input::from_reader(Source::File(path.to_path_buf()), raw)?;
    Ok((input, again, at_open))
}

/// What `--in-place` compares to see that a file did not change while it was
/// read: the same inode, size, modification and change times.
fn unchanged(a: &fs::Metadata, b: &fs::Metadata) -> bool {
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

/// One input to its own output (`--out-dir`, `--in-place`).
#[allow(clippy::too_many_arguments)]
fn one_file(
    engine: &Engine,
    kfiles: KFiles,
    path: &Path,
    plan: &Result<Planned, OpenError>,
    opts: &BatchOptions,
    jobs: usize,
    inputs_meta: &[fs::Metadata],
    sig: &Signals,
) -> Result<(PathBuf, Stats), Failure> {
    let plan = plan.as_ref().map_err(|what| fail(format!("{}: {what}", show(path))))?;
    refuse_special(path, plan)?;
    let in_place = matches!(opts.target, Target::InPlace);
    if in_place {
        check_replaceable(path, plan, None, opts.force)?;
    }
    // in place, everything from here goes through the folder's descriptor:
    // the source is checked there to be the planned file (fstat)
    let pin = if in_place { pinned(path) } else { None };
    let at = pin.as_ref().map_or_else(|| path.to_path_buf(), |(_, p)| p.clone());
    let (mut input, again, meta) = open_input(path, &at, plan)?;
    if in_place {
        check_replaceable(path, plan, Some(&meta), opts.force)?;
        if !unchanged(&plan.meta, &meta) {
            return Err(active(path));
        }
    }
    let dest = match &opts.target {
        Target::OutDir(dir) => {
            let name = path
                .file_name()
                .ok_or_else(|| fail(format!("{}: has no file name", show(path))))?;
            dir.join(name)
        }
        Target::InPlace | Target::One(_) => path.to_path_buf(),
    };
    if !in_place {
        if let Ok(m) = fs::metadata(&dest) {
            if inputs_meta.iter().any(|im| same_file(im, &m)) {
                return Err(fail(format!(
                    "{}: the output would overwrite an input; use --in-place to replace inputs",
                    show(&dest)
                )));
            }
            if !opts.force {
                return Err(fail(format!("{}: exists; use --force to replace it", show(&dest))));
            }
        }
    }
    let compress = if in_place {
        input.codec.map(|codec| Compress {
            codec,
            level: opts.level,
        })
    } else {
        output_compression(&dest, input.codec, opts.level)
    };
    let dest_at = if in_place { at.clone() } else { dest.clone() };
    let dir = parent_of(&dest_at);
    let mut tmp = temp_in(&dir, &parent_of(&dest))?;
    let stats = anonymize_into(
        engine,
        kfiles,
        &mut input,
        false,
        tmp.as_file_mut(),
        compress,
        jobs,
        &opts.clock,
        sig,
    )?;
    if let Some(c) = compress {
        ensure_compressed(tmp.as_file_mut(), c).map_err(|e| fail(format!("{}: {e}", show(&dest))))?;
    }
    finish_like(tmp.as_file(), &meta).map_err(|e| fail(format!("{}: cannot finish the output: {e}", show(&dest))))?;
    if in_place {
        // Last look before the rename: the descriptor read (appended to?)
        // and the path (renamed away by logrotate, another file there?).
        // On any change the temporary file goes and the original stays.
        let same = again.metadata().is_ok_and(|m| unchanged(&meta, &m))
            && fs::symlink_metadata(&at).is_ok_and(|m| unchanged(&meta, &m));
        if !same {
            return Err(active(path));
        }
    }
    let persisted = if in_place || opts.force {
        tmp.persist(&dest_at).map(drop)
    } else {
        tmp.persist_noclobber(&dest_at).map(drop)
    };
    persisted.map_err(|e| {
        fail(format!(
            "{}: cannot rename the finished output into place: {}",
            show(&dest),
            e.error
        ))
    })?;
    sync_dir(&dir);
    Ok((dest, stats))
}

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

/// Why [`anonymize_in_place`] left a file as it was.
#[derive(Debug, thiserror::Error)]
pub enum AnonymizeInPlaceError {
    /// The file could not be looked at (`lstat`).
    #[error("{}: {source}", show(path))]
    Look {
        /// the file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The rewrite failed.
    #[error("{}", .0.message())]
    Rewrite(InPlaceError),
}

impl InPlaceError {
    pub fn message(&self) -> &str {
        match self {
            InPlaceError::Active(m) | InPlaceError::Failed(m) => m,
        }
    }
}

/// Anonymizes one file in place (the cron job). `planned` is what `lstat`
/// said when the file was chosen; a file that is another one by now, or
/// changes while it is read, is left as it was ([`InPlaceError::Active`]).
/// Files with several hard links are refused. `clock` gives the day of
/// lines without a readable time (keyed modes).
#[allow(clippy::too_many_arguments)]
pub fn rewrite_in_place(
    engine: &Engine,
    path: &Path,
    planned_meta: &fs::Metadata,
    level: u32,
    jobs: usize,
    clock: &Clock,
    min_k: Option<u64>,
    sig: &Signals,
) -> Result<Stats, InPlaceError> {
    let opts = BatchOptions {
        target: Target::InPlace,
        force: false,
        level,
        jobs,
        clock: clock.clone(),
        min_k,
        k_report: false,
    };
    let plan = Ok(Planned {
        meta: planned_meta.clone(),
        link: planned_meta.file_type().is_symlink(),
    });
    // `--min-k` (`min_k` in the config): the file's own counts first
    let widths = min_k.filter(|_| kanon::applies(engine)).map(|k| {
        let counts = count_inputs(
            engine,
            k,
            std::slice::from_ref(&path.to_path_buf()),
            std::slice::from_ref(&plan),
            &opts,
            sig,
        );
        kanon::plan(engine, counts, k).0
    });
    let kfiles = KFiles {
        plan: widths.as_ref(),
        report: None,
    };
    match one_file(engine, kfiles, path, &plan, &opts, jobs, &[], sig) {
        Ok((_, stats)) => Ok(stats),
        Err(Failure { msg, active: true }) => Err(InPlaceError::Active(msg)),
        Err(Failure { msg, active: false }) => {
            // `run` has no --force
            let msg = msg.strip_suffix(OR_FORCE).map_or(msg.clone(), str::to_string);
            Err(InPlaceError::Failed(msg))
        }
    }
}

/// Anonymizes one file in place, as [`rewrite_in_place`] does, looking at it
/// first.
pub fn anonymize_in_place(
    engine: &Engine,
    path: &Path,
    level: u32,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> Result<Stats, AnonymizeInPlaceError> {
    let planned = fs::symlink_metadata(path).map_err(|source| AnonymizeInPlaceError::Look {
        path: path.to_path_buf(),
        source,
    })?;
    rewrite_in_place(engine, path, &planned, level, jobs, clock, None, sig).map_err(AnonymizeInPlaceError::Rewrite)
}

/// Runs a batch. Reports come back in input order.
pub fn run(engine: &Engine, inputs: &[PathBuf], opts: &BatchOptions, sig: &Signals) -> BatchOutcome {
    let inputs_meta: Vec<fs::Metadata> = inputs.iter().filter_map(|p| fs::metadata(p).ok()).collect();
    // what each input is, before any is opened: a file swapped in later is
    // refused, not read
    let plans: Vec<Result<Planned, OpenError>> = inputs.iter().map(|p| plan_file(p)).collect();
    sweep_destinations(inputs, &opts.target);
    let applies = kanon::applies(engine);
    // `--min-k`: undated lines take one day in both passes (the clock is
    // read once), and all inputs are counted first, so that a day split
    // over two files gets one width per network
    let pinned;
    let (opts, widths, counter, mut k_report) = match opts.min_k.filter(|_| applies) {
        Some(k) => {
            pinned = BatchOptions {
                clock: Clock::fixed(opts.clock.now()),
                ..opts.clone()
            };
            let counts = count_inputs(engine, k, inputs, &plans, &pinned, sig);
            let (widths, report) = kanon::plan(engine, counts, k);
            (&pinned, Some(widths), None, Some(report))
        }
        // the k report of `--stats`: the clients counted while anonymizing
        None if opts.k_report && applies => (opts, None, Some(Mutex::new(Counts::new(DEFAULT_K))), None),
        None => (opts, None, None, None),
    };
    let kfiles = KFiles {
        plan: widths.as_ref(),
        report: counter.as_ref(),
    };
    let files = match &opts.target {
        Target::One(out) => all_into_one(engine, kfiles, inputs, &plans, out, opts, &inputs_meta, sig),
        Target::OutDir(_) if has_name_clash(inputs) => clash_reports(inputs),
        _ => {
            let concurrent = opts.jobs.min(inputs.len()).max(1);
            let per_file = (opts.jobs / concurrent).max(1);
            let pool = rayon::ThreadPoolBuilder::new().num_threads(concurrent).build();
            let one = |(path, plan): (&PathBuf, &Result<Planned, OpenError>)| {
                let t0 = Instant::now();
                let r = if sig.stop.load(Ordering::SeqCst) {
                    Err(fail(format!("{}: not processed (interrupted)", show(path))))
                } else {
                    one_file(engine, kfiles, path, plan, opts, per_file, &inputs_meta, sig)
                };
                report(path, r, t0)
            };
            match pool {
                Ok(p) => p.install(|| inputs.par_iter().zip(&plans).map(one).collect::<Vec<_>>()),
                // no threads to spare (a process limit): one file at a time
                // on this thread, never rayon's global pool (which panics)
                Err(_) => inputs.iter().zip(&plans).map(one).collect(),
            }
        }
    };
    // once more at the end: an earlier attempt that was still ending when
    // this one began (a retried task whose killed process was not yet gone)
    // leaves nothing behind either
    sweep_destinations(inputs, &opts.target);
    if let Some(counts) = counter {
        k_report = Some(kanon::report(
            engine,
            counts.into_inner().unwrap_or_else(|p| p.into_inner()),
        ));
    }
    BatchOutcome {
        files,
        interrupted: sig.stop.load(Ordering::SeqCst),
        k_report: k_report.filter(|_| opts.k_report),
    }
}

/// The first pass of `--min-k` over `inputs`, in parallel: their client
/// addresses. An input that cannot be read to its end is left out whole
/// (it gets no output: the second pass reports it).
fn count_inputs(
    engine: &Engine,
    k: u64,
    inputs: &[PathBuf],
    plans: &[Result<Planned, OpenError>],
    opts: &BatchOptions,
    sig: &Signals,
) -> Counts {
    let concurrent = opts.jobs.min(inputs.len()).max(1);
    let per_file = (opts.jobs / concurrent).max(1);
    let total = Mutex::new(Counts::new(k));
    let one = |(path, plan): (&PathBuf, &Result<Planned, OpenError>)| {
        if sig.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(plan) = plan else { return };
        let opened = refuse_special(path, plan).and_then(|()| open_input(path, path, plan));
        if let Ok((mut input, _, _)) = opened {
            let mut mine = Counts::new(k);
            if kanon::count_input(engine, &mut input, &mut mine, per_file, &opts.clock, sig) {
                match total.lock() {
                    Ok(mut t) => t.merge(&mut mine),
                    Err(p) => p.into_inner().merge(&mut mine),
                }
            }
        }
    };
    match rayon::ThreadPoolBuilder::new().num_threads(concurrent).build() {
        Ok(p) => p.install(|| inputs.par_iter().zip(plans).for_each(one)),
        Err(_) => inputs.iter().zip(plans).for_each(one),
    }
    total.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// Removes the temporary files that earlier, killed runs left in the folders
/// this batch writes into (see [`tempfiles::sweep_stale`]); never those of a
/// loganon still running.
fn sweep_destinations(inputs: &[PathBuf], target: &Target) {
    let dirs: std::collections::BTreeSet<PathBuf> = match target {
        Target::OutDir(dir) => [dir.clone()].into(),
        Target::One(out) => [parent_of(out)].into(),
        Target::InPlace => inputs.iter().map(|p| parent_of(p)).collect(),
    };
    for d in dirs {
        tempfiles::sweep_stale(&d, false);
    }
}

/// Two inputs with the same file name would land on the same output.
fn has_name_clash(inputs: &[PathBuf]) -> bool {
    let mut seen = std::collections::HashSet::new();
    inputs.iter().any(|p| !seen.insert(p.file_name()))
}

/// Refuses the whole batch: which output wins must not depend on timing.
fn clash_reports(inputs: &[PathBuf]) -> Vec<FileReport> {
    let mut count = std::collections::HashMap::new();
    for p in inputs {
        *count.entry(p.file_name()).or_insert(0) += 1;
    }
    inputs
        .iter()
        .map(|p| {
            FileReport::failed(
                p,
                if count[&p.file_name()] > 1 {
                    format!(
                        "{}: another input has the same file name; --out-dir would write both to one output",
                        show(p)
                    )
                } else {
                    format!("{}: not processed: two inputs share a file name (see above)", show(p))
                },
            )
        })
        .collect()
}

fn report(path: &Path, r: Result<(PathBuf, Stats), Failure>, t0: Instant) -> FileReport {
    let seconds = t0.elapsed().as_secs_f64();
    match r {
        Ok((out, stats)) => FileReport {
            input: path.to_path_buf(),
            output: Some(out),
            stats,
            seconds,
            error: None,
        },
        Err(Failure { msg, .. }) => FileReport {
            seconds,
            ..FileReport::failed(path, msg)
        },
    }
}

/// `-o FILE` with file inputs: every input in order into one atomic output.
/// A failing input contributes nothing (the output is cut back to where it
/// began); the others are still written.
#[allow(clippy::too_many_arguments)]
fn all_into_one(
    engine: &Engine,
    kfiles: KFiles,
    inputs: &[PathBuf],
    plans: &[Result<Planned, OpenError>],
    out: &Path,
    opts: &BatchOptions,
    inputs_meta: &[fs::Metadata],
    sig: &Signals,
) -> Vec<FileReport> {
    let fail_all = |msg: String| inputs.iter().map(|p| FileReport::failed(p, msg.clone())).collect();
    if let Ok(m) = fs::metadata(out) {
        if inputs_meta.iter().any(|im| same_file(im, &m)) {
            return fail_all(format!("{}: the output would overwrite an input", show(out)));
        }
        if !opts.force {
            return fail_all(format!("{}: exists; use --force to replace it", show(out)));
        }
    }
    let dir = parent_of(out);
    let mut tmp = match temp_in(&dir, &dir) {
        Ok(t) => t,
        Err(Failure { msg, .. }) => return fail_all(msg),
    };
    let compress = output_compression(out, None, opts.level);
    let mut reports = Vec::new();
    for (k, (path, plan)) in inputs.iter().zip(plans).enumerate() {
        let t0 = Instant::now();
        let start = tmp.as_file_mut().stream_position().unwrap_or(0);
        let r = if sig.stop.load(Ordering::SeqCst) {
            Err(fail(format!("{}: not processed (interrupted)", show(path))))
        } else {
            plan.as_ref()
                .map_err(|what| fail(format!("{}: {what}", show(path))))
                .and_then(|plan| refuse_special(path, plan).and_then(|()| open_input(path, path, plan)))
                .and_then(|(mut input, _, _)| {
                    let more = k + 1 < inputs.len();
                    anonymize_into(
                        engine,
                        kfiles,
                        &mut input,
                        more,
                        tmp.as_file_mut(),
                        compress,
                        opts.jobs,
                        &opts.clock,
                        sig,
                    )
                })
        };
        if r.is_err() {
            let f = tmp.as_file_mut();
            let cut = f.set_len(start).and_then(|()| f.seek(SeekFrom::Start(start)).map(drop));
            if let Err(e) = cut {
                return fail_all(format!("{}: cannot write the output: {e}", show(out)));
            }
        }
        reports.push(report(path, r.map(|s| (out.to_path_buf(), s)), t0));
    }
    if sig.stop.load(Ordering::SeqCst) {
        // interrupted: the combined output is not complete; leave nothing
        return reports;
    }
    if let Some(m) = inputs_meta.first() {
        let _ = tmp
            .as_file()
            .set_permissions(Permissions::from_mode(m.permissions().mode() & 0o7777));
    }
    let done = compress
        .map_or(Ok(()), |c| ensure_compressed(tmp.as_file_mut(), c))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| e.to_string())
        .and_then(|()| {
            if opts.force {
                tmp.persist(out).map(drop).map_err(|e| e.error.to_string())
            } else {
                tmp.persist_noclobber(out).map(drop).map_err(|e| e.error.to_string())
            }
        });
    if let Err(e) = done {
        for r in &mut reports {
            r.output = None;
            r.error
                .get_or_insert_with(|| format!("{}: cannot write the output: {e}", show(out)));
        }
    } else {
        sync_dir(&dir);
    }
    reports
}
