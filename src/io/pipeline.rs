//! An ordered parallel pipeline: a producer thread cuts the input into chunks
//! of whole lines, `jobs` workers anonymize chunks in parallel, and the calling
//! thread consumes the results strictly in input order (source -> transform ->
//! sink, as in Vector). Control markers (flush when the input is idle, reopen
//! on SIGHUP, end of an input) travel in the same sequence, so they take effect
//! exactly between the lines they were issued between.
//!
//! Memory is bounded: both channels hold at most `2 * jobs` items, the input
//! bytes in flight (sent, not yet consumed) at most [`in_flight_limit`] (one
//! larger item alone is let through), and buffers are recycled through a
//! [`Pool`] instead of being allocated per chunk.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Condvar, Mutex};

use crate::io::clock::Clock;
use crate::io::codec::Compress;

use crate::engine::{Engine, KPass, UnparsedLine};
use crate::formats::{Ctx, StreamState};
use crate::kanon::{Counts, Plan};
use crate::stats::Stats;

/// What the producer sends.
#[allow(clippy::large_enum_variant)]
pub enum Item {
    /// whole lines (the last one may lack its `\n` at the end of an input),
    /// with the state the formats carried to where they begin (the W3C
    /// columns in force)
    Lines(Vec<u8>, StreamState),
    /// a piece of a line too long to hold; `first` for its first piece
    Fragment(Vec<u8>, bool),
    /// the input has nothing more ready: make the output visible
    Flush,
    /// SIGHUP: reopen the output
    Reopen,
    /// an input ended (line numbers restart)
    EndInput,
    /// counters only (an incomplete line dropped at an input error)
    Count(Stats),
}

/// What the consumer receives, in input order.
// One travels per chunk of up to 1 MiB: the counters inline cost nothing that
// boxing them would save.
#[allow(clippy::large_enum_variant)]
pub enum Done {
    Lines {
        out: Vec<u8>,
        stats: Stats,
        /// `--on-unparsed fail` stopped at this line of the chunk (1-based)
        failed_at: Option<u64>,
        /// the bytes end inside a line (a piece of a long line): an output
        /// cut back after a failed write must not end here
        open_line: bool,
    },
    Flush,
    Reopen,
    EndInput,
}

/// Recycled byte buffers. A buffer grown past [`POOLED_MAX`] (by a long
/// line) is freed, not kept, and the pool holds at most [`POOLED_BYTES`].
#[derive(Default)]
pub struct Pool(Mutex<Vec<Vec<u8>>>);

/// The largest buffer the pool keeps (two reads' worth and the carry).
pub const POOLED_MAX: usize = 4 * 1024 * 1024;
/// The most buffers the pool keeps.
const POOLED_COUNT: usize = 32;
/// The most bytes (capacity) the pool keeps in all.
pub const POOLED_BYTES: usize = 16 * 1024 * 1024;

impl Pool {
    pub fn get(&self, cap: usize) -> Vec<u8> {
        let v = self.0.lock().map(|mut p| p.pop()).unwrap_or(None);
        let mut v = v.unwrap_or_default();
        v.clear();
        v.reserve(cap);
        v
    }

    pub fn put(&self, v: Vec<u8>) {
        if let Ok(mut p) = self.0.lock() {
            let held: usize = p.iter().map(Vec::capacity).sum();
            if p.len() < POOLED_COUNT && v.capacity() <= POOLED_MAX && held + v.capacity() <= POOLED_BYTES {
                p.push(v);
            }
        }
    }
}

/// Compresses `plain` into one complete member (gzip member, xz or bzip2
/// stream, zstd frame). Members concatenated are one valid file, so workers
/// compress in parallel.
pub(crate) fn member(plain: &[u8], c: Compress, pool: &Pool) -> Vec<u8> {
    // writing into a Vec cannot fail
    c.member(plain, pool.get(plain.len() / 3 + 64)).unwrap_or_default()
}

/// What the workers do with each chunk of lines: one call of the engine
/// per chunk, as the [`Pass`] says, and the chunk's own counts (merged in
/// input order into the caller's).
#[derive(Clone, Copy)]
struct Work<'a> {
    /// write the lines anonymized (else: counted only)
    anonymize: bool,
    /// hand the lines on as they came (a count that copies)
    copy: bool,
    plan: Option<&'a Plan>,
    /// counts to start each chunk's own from (an empty one of the caller's
    /// K), when clients are counted
    counts: Option<&'a Counts>,
}

/// What a run of the pipeline does with the lines: each pass says it (the
/// engine is the same in all; the caller owns the counts).
pub enum Pass<'a> {
    /// Anonymize, with `--min-k`'s widths (`plan`, built by the first
    /// pass); `counts`: the clients are counted beside, into the caller's
    /// counts (the k report of `--stats`).
    Anonymize {
        /// `--min-k`'s widths
        plan: Option<&'a Plan>,
        /// the k report's counts
        counts: Option<&'a mut Counts>,
    },
    /// Count the clients into the caller's counts and write nothing (the
    /// first pass of `--min-k`).
    Count(&'a mut Counts),
    /// Count, and hand the lines on as they came (the spool of a stream's
    /// `--min-k`).
    CountCopy(&'a mut Counts),
}

impl Pass<'_> {
    /// Anonymize, with no k-anonymity.
    pub fn anonymize() -> Pass<'static> {
        Pass::Anonymize {
            plan: None,
            counts: None,
        }
    }
}

fn work(
    engine: &Engine,
    ctx: &mut Ctx,
    w: Work,
    pool: &Pool,
    compress: Option<Compress>,
    item: Item,
    day: i64,
) -> (Done, Option<Counts>) {
    let (done, counts) = work_plain(engine, ctx, w, pool, item, day);
    let done = match (compress, done) {
        (
            Some(c),
            Done::Lines {
                out,
                stats,
                failed_at,
                open_line,
            },
        ) if !out.is_empty() => {
            let z = member(&out, c, pool);
            pool.put(out);
            Done::Lines {
                out: z,
                stats,
                failed_at,
                open_line,
            }
        }
        (_, done) => done,
    };
    (done, counts)
}

/// `day`: the processing date of the item's lines (see [`Engine::line_in`]).
fn work_plain(engine: &Engine, ctx: &mut Ctx, w: Work, pool: &Pool, item: Item, day: i64) -> (Done, Option<Counts>) {
    let mut counts = w.counts.map(Counts::empty_like);
    let done = match item {
        Item::Lines(buf, state) => {
            let mut out = pool.get(buf.len() + buf.len() / 8);
            let mut stats = Stats::default();
            engine.opts.restart(ctx, state);
            let failed_at = match (w.anonymize, counts.as_mut()) {
                (true, counts) => {
                    let k = KPass { plan: w.plan, counts };
                    engine
                        .chunk_k(&buf, 1, day, ctx, &mut out, &mut stats, k)
                        .err()
                        .map(|UnparsedLine(n)| n)
                }
                (false, Some(c)) => {
                    engine.count_chunk(&buf, day, ctx, c);
                    if w.copy {
                        out.extend_from_slice(&buf);
                    }
                    None
                }
                (false, None) => None,
            };
            pool.put(buf);
            Done::Lines {
                out,
                stats,
                failed_at,
                open_line: false,
            }
        }
        Item::Fragment(buf, first) => {
            let mut out = pool.get(buf.len() + buf.len() / 8);
            let mut stats = Stats::default();
            if first {
                stats.lines_read += 1;
                stats.lines_written += 1;
                stats.unparsed += 1;
            }
            // a count counts no piece (fewer counted is the safe side)
            if !w.anonymize {
                if w.copy {
                    out.extend_from_slice(&buf);
                }
            } else if first {
                engine.first_fragment(&buf, day, w.plan, &mut out, &mut stats);
            } else {
                engine.fragment(&buf, day, w.plan, &mut out, &mut stats);
            }
            stats.bytes_out += out.len() as u64;
            let open_line = !matches!(buf.last(), Some(b'\n' | b'\r'));
            pool.put(buf);
            Done::Lines {
                out,
                stats,
                failed_at: None,
                open_line,
            }
        }
        Item::Flush => Done::Flush,
        Item::Reopen => Done::Reopen,
        Item::EndInput => Done::EndInput,
        Item::Count(stats) => Done::Lines {
            out: Vec::new(),
            stats,
            failed_at: None,
            open_line: false,
        },
    };
    (done, counts)
}

/// The input bytes the producer may have in flight: two 1 MiB chunks per
/// worker, at least 8 MiB, at most 64 MiB. A worker that is slow on a large
/// item then cannot let the others pile results up behind it.
pub fn in_flight_limit(jobs: usize) -> usize {
    const MIB: usize = 1024 * 1024;
    (2 * jobs * MIB).clamp(8 * MIB, 64 * MIB)
}

impl Item {
    /// Whether its bytes are lines for the engine (and need the day).
    fn lines(&self) -> bool {
        matches!(self, Item::Lines(..) | Item::Fragment(..))
    }

    /// The bytes it holds.
    fn bytes(&self) -> usize {
        match self {
            Item::Lines(b, _) | Item::Fragment(b, _) => b.len(),
            _ => 0,
        }
    }
}

/// Input bytes sent and not yet consumed.
struct InFlight {
    bytes: Mutex<usize>,
    freed: Condvar,
}

impl InFlight {
    /// Waits until `n` more bytes fit (or nothing is in flight, or `stopped`).
    fn take(&self, n: usize, limit: usize, stopped: &AtomicBool) {
        let Ok(mut used) = self.bytes.lock() else { return };
        while *used > 0 && *used + n > limit && !stopped.load(Ordering::SeqCst) {
            used = match self.freed.wait(used) {
                Ok(u) => u,
                Err(_) => return,
            };
        }
        *used += n;
    }

    fn give(&self, n: usize) {
        if let Ok(mut used) = self.bytes.lock() {
            *used = used.saturating_sub(n);
        }
        self.freed.notify_all();
    }
}

/// Runs `produce` on its own thread and `jobs` workers, and feeds the results
/// to `consume` in order on the calling thread. The workers call `engine`
/// on each chunk as `pass` says; the counts of a counting pass are merged
/// into the caller's on the calling thread, in input order. With `compress`, each
/// result's bytes are one complete compressed member. `produce` gets a `send`
/// function that returns false once the consumer has stopped; it should then
/// return. `clock` is read as each item of lines is sent (once per chunk):
/// its day is the processing date of the item's lines, fixed before the
/// workers take them, so output does not depend on `-j`. `consume` returns false to stop; `on_stop` is then called (to wake
/// a producer blocked on input) and the remaining results are discarded.
#[allow(clippy::too_many_arguments)]
pub fn run<P, C, S>(
    engine: &Engine,
    pass: Pass,
    jobs: usize,
    compress: Option<Compress>,
    pool: &Pool,
    clock: &Clock,
    produce: P,
    mut consume: C,
    on_stop: S,
) -> io::Result<()>
where
    P: FnOnce(&mut dyn FnMut(Item) -> bool) + Send,
    C: FnMut(Done) -> bool,
    S: Fn(),
{
    let jobs = jobs.max(1);
    let limit = in_flight_limit(jobs);
    let (anonymize, copy, plan, total) = match pass {
        Pass::Anonymize { plan, counts } => (true, false, plan, counts),
        Pass::Count(c) => (false, false, None, Some(c)),
        Pass::CountCopy(c) => (false, true, None, Some(c)),
    };
    let blank = total.as_deref().map(Counts::empty_like);
    let w = Work {
        anonymize,
        copy,
        plan,
        counts: blank.as_ref(),
    };
    let (tx_in, rx_in) = sync_channel::<(u64, i64, Item)>(2 * jobs);
    let (tx_out, rx_out) = sync_channel::<(u64, Done, usize, Option<Counts>)>(2 * jobs);
    let rx_in = Mutex::new(rx_in);
    let stopped = AtomicBool::new(false);
    let in_flight = InFlight {
        bytes: Mutex::new(0),
        freed: Condvar::new(),
    };
    std::thread::scope(|scope| {
        let stopped = &stopped;
        let in_flight = &in_flight;
        // The workers first, then the producer: a thread that cannot be
        // started (a process limit) fails the run before anything was read
        // or consumed. Dropping the senders ends the workers already started.
        for _ in 0..jobs {
            let tx_out = tx_out.clone();
            let rx_in = &rx_in;
            std::thread::Builder::new().spawn_scoped(scope, move || {
                // the worker's context, kept from chunk to chunk: its clean
                // cache stays warm (a fresh one per 1 MiB chunk re-scanned
                // and re-allocated a thousand values each time)
                let mut ctx = Ctx::default();
                loop {
                    let next = match rx_in.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, day, item)) = next else { return };
                    let size = item.bytes();
                    let (done, counts) = work(engine, &mut ctx, w, pool, compress, item, day);
                    if tx_out.send((seq, done, size, counts)).is_err() {
                        return;
                    }
                }
            })?;
        }
        drop(tx_out);
        std::thread::Builder::new().spawn_scoped(scope, move || {
            let mut seq = 0u64;
            let mut send = |item: Item| {
                if stopped.load(Ordering::SeqCst) {
                    return false;
                }
                in_flight.take(item.bytes(), limit, stopped);
                if stopped.load(Ordering::SeqCst) {
                    return false;
                }
                let day = if item.lines() { clock.day() } else { 0 };
                let ok = tx_in.send((seq, day, item)).is_ok();
                seq += 1;
                ok
            };
            produce(&mut send);
        })?;
        if !consume_in_order(rx_out, &mut consume, in_flight, total) {
            // The consumer stopped: tell the producer, wake it if it waits on
            // input or on memory, and drain what it still sends until it has
            // returned.
            stopped.store(true, Ordering::SeqCst);
            in_flight.give(0);
            on_stop();
            loop {
                let r = match rx_in.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                if r.is_err() {
                    break;
                }
            }
        }
        Ok(())
    })
}

/// The worker threads for `-j N` (or `jobs` in the config): N, or all cores.
pub fn jobs(j: Option<u32>) -> usize {
    j.map(|j| j as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The message for `jobs` threads the system would not start.
pub fn threads_error(jobs: usize, e: &io::Error) -> String {
    format!(
        "cannot start {jobs} worker threads: {e}; lower -j (or `jobs` in the config) \
         or raise the process limit (ulimit -u)"
    )
}

/// Starts `n` threads that wait until all of them run, then ends them: an
/// error when the system refuses one (RLIMIT_NPROC, memory for stacks).
pub fn probe_threads(n: usize) -> io::Result<()> {
    let gate = std::sync::RwLock::new(());
    let held = gate.write().map_err(|_| io::Error::other("lock poisoned"))?;
    std::thread::scope(|scope| {
        let mut r = Ok(());
        for _ in 0..n {
            let gate = &gate;
            let t = std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn_scoped(scope, move || drop(gate.read()));
            if let Err(e) = t {
                r = Err(e);
                break;
            }
        }
        drop(held);
        r
    })
}

/// Feeds results to `consume` in sequence order, their counts merged into
/// `total`; false when it stopped early.
fn consume_in_order<C: FnMut(Done) -> bool>(
    rx: Receiver<(u64, Done, usize, Option<Counts>)>,
    consume: &mut C,
    in_flight: &InFlight,
    mut total: Option<&mut Counts>,
) -> bool {
    let mut waiting: BTreeMap<u64, (Done, usize, Option<Counts>)> = BTreeMap::new();
    let mut next = 0u64;
    for (seq, done, size, counts) in rx.iter() {
        waiting.insert(seq, (done, size, counts));
        while let Some((d, size, counts)) = waiting.remove(&next) {
            next += 1;
            if let (Some(t), Some(mut c)) = (total.as_deref_mut(), counts) {
                t.merge(&mut c);
            }
            let go_on = consume(d);
            in_flight.give(size);
            if !go_on {
                return false;
            }
        }
    }
    true
}
