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
//!   modification time and permission bits (and owner, where allowed). One
//!   file's way is [`crate::commands::anonymize_file`]'s.
//! - Inputs are looked at before the batch starts and opened with
//!   `O_NOFOLLOW` and checked with `fstat`, so a file swapped in is never
//!   read; each is read up to the size it had when opened. `--in-place`
//!   ([`crate::commands::in_place`]) discards its new file when the input
//!   changed meanwhile (an active log) and refuses symlinks and (unless
//!   `--force`) files with other hard links.
//! - Temporary files are [`tempfiles`]'s; those that killed runs left in
//!   the destination folders are removed first.
//! - A failing input leaves no output and no temporary file, never touches
//!   the original, and does not stop the other inputs. An interrupt (SIGINT,
//!   SIGTERM) stops the batch; only complete outputs remain.

use std::fs::{self, Permissions};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::commands::anonymize_file::{
    anonymize_into, fail, into_new_file, open_input, refuse_special, same_file, temp_in, Failure,
};
use crate::commands::in_place;
use crate::commands::kanon::{self, KFiles};
use crate::engine::Engine;
use crate::io::atomic::{parent_of, sync_dir};
use crate::io::clock::Clock;
use crate::io::codec::{Codec, Compress};
use crate::io::input::{plan_file, OpenError, Planned};
use crate::io::names::show;
use crate::io::output::ensure_compressed;
use crate::io::signals::Signals;
use crate::io::tempfiles;
use crate::kanon::{Counts, Plan, Report, DEFAULT_K};
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

/// The compression of an output: what its name asks for (`.gz`, `.xz`,
/// `.bz2`, `.zst`), else the input's own.
fn output_compression(dest: &Path, input: Option<Codec>, level: u32) -> Option<Compress> {
    Codec::from_name(dest).or(input).map(|codec| Compress { codec, level })
}

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
    if let Target::InPlace = opts.target {
        let stats = in_place::replace(
            engine,
            kfiles,
            path,
            plan,
            opts.force,
            opts.level,
            jobs,
            &opts.clock,
            sig,
        )?;
        return Ok((path.to_path_buf(), stats));
    }
    refuse_special(path, plan)?;
    let (mut input, _, meta) = open_input(path, path, plan)?;
    let dest = match &opts.target {
        Target::OutDir(dir) => {
            let name = path
                .file_name()
                .ok_or_else(|| fail(format!("{}: has no file name", show(path))))?;
            dir.join(name)
        }
        Target::InPlace | Target::One(_) => path.to_path_buf(),
    };
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
    let compress = output_compression(&dest, input.codec, opts.level);
    let stats = into_new_file(
        engine,
        kfiles,
        &mut input,
        &meta,
        &dest,
        &dest,
        compress,
        opts.force,
        jobs,
        &opts.clock,
        sig,
        || Ok(()),
    )?;
    Ok((dest, stats))
}

/// `run`'s `min_k` over one file it is about to rewrite in place (see
/// [`crate::commands::in_place::rewrite_in_place`]): the widths of the
/// file's own counts; None where `--min-k` does not apply.
/// `planned_meta` is what `lstat` said when the file was chosen.
pub fn widened(
    engine: &Engine,
    path: &Path,
    planned_meta: &fs::Metadata,
    k: u64,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> Option<Plan> {
    if !kanon::applies(engine) {
        return None;
    }
    let opts = BatchOptions {
        target: Target::InPlace,
        force: false,
        // the count writes nothing
        level: 0,
        jobs,
        clock: clock.clone(),
        min_k: Some(k),
        k_report: false,
    };
    let plan = Ok(Planned {
        meta: planned_meta.clone(),
        link: planned_meta.file_type().is_symlink(),
    });
    let counts = count_inputs(
        engine,
        k,
        std::slice::from_ref(&path.to_path_buf()),
        std::slice::from_ref(&plan),
        &opts,
        sig,
    );
    Some(kanon::plan(engine, counts, k).0)
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
