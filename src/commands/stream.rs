//! `anonymize` as a filter: stdin -> stdout (and files named as arguments,
//! concatenated), or appended to `-o FILE`.
//!
//! - Each read returns what the input has ready, and its anonymized lines are
//!   written at once in one `write`: a single line on an idle pipe comes out
//!   within milliseconds, while under load each write carries a large batch
//!   (the producer: [`chunks`](crate::io::chunks)).
//! - SIGTERM and SIGINT finish the line in hand, flush (closing a gzip stream),
//!   and end with exit 0; SIGHUP reopens `-o FILE` (for logrotate). Plain stdin
//!   is read after `poll` on stdin and a signal pipe, so a signal is acted on
//!   even while no input arrives. A gzip output is a series of complete
//!   members, one per write, so it is valid gzip at every moment.
//! - A closed stdout ends the program quietly.
//! - Memory stays bounded: one read buffer, one output buffer, and the carried
//!   part of an unfinished line; a line longer than
//!   [`LONG_LINE`](crate::lines::LONG_LINE) is scrubbed in pieces by the
//!   rules that need no parsing (see [`Engine::fragment`]).

use std::io::{self, Seek, Write};

use crate::commands::kanon;
use crate::engine::Engine;
use crate::io::chunks::{produce_all, produce_input};
use crate::io::clock::Clock;
use crate::io::input::{Input, InputError, Source};
use crate::io::output::Output;
use crate::io::pipeline::{self, Done, Item, Pass, Pool};
use crate::io::signals::Signals;
use crate::kanon::{Counts, Report, DEFAULT_K};
use crate::stats::Stats;

/// Why a stream ended early.
#[derive(Debug)]
pub enum StreamError {
    /// an input could not be read (the others were processed)
    Input(InputError),
    /// `--on-unparsed fail`: input name and 1-based line number
    Unparsed { name: String, line: u64 },
    /// the output could not be written
    Output { name: String, err: io::Error },
    /// the worker threads could not be started (nothing was read)
    Threads(String),
}

/// The result of a stream run: the counters, and the errors met on the way.
pub struct StreamOutcome {
    pub stats: Stats,
    pub errors: Vec<StreamError>,
    /// stdout was closed by the reader: end quietly
    pub closed: bool,
    /// per day, the output networks below K (truncate mode, with
    /// `--min-k` or when asked for)
    pub k_report: Option<Report>,
}

/// What a stream does about k-anonymity: `--min-k` (`min_k`) and the report
/// (`report`, for `--stats`).
#[derive(Clone, Copy, Debug, Default)]
pub struct KAnon {
    pub min_k: Option<u64>,
    pub report: bool,
}

/// Runs the filter over `inputs` (stdin when empty) into `out`, with `jobs`
/// worker threads. `clock` gives the day of lines without a readable time
/// in the keyed modes, read per chunk: after midnight, the new day's.
/// With `--min-k` the inputs are read to their end (or to a stop signal)
/// into an unnamed temporary file while their clients are counted, and then
/// anonymized from it with the widths of that count: exact, but nothing is
/// written before the input ends.
pub fn run(
    engine: &Engine,
    inputs: &[Source],
    out: Output,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
    kanon: KAnon,
) -> StreamOutcome {
    let default = [Source::Stdin];
    let inputs = if inputs.is_empty() { &default[..] } else { inputs };
    let plain = |pass: Pass, out: Output| {
        let produce = |send: &mut dyn FnMut(Item) -> bool, pool: &Pool| produce_all(inputs, send, pool, sig);
        run_from(engine, pass, inputs, produce, out, jobs, clock, sig)
    };
    let KAnon { min_k, report } = kanon;
    if !kanon::applies(engine) {
        return plain(Pass::anonymize(), out);
    }
    let Some(k) = min_k else {
        if !report {
            return plain(Pass::anonymize(), out);
        }
        // the k report: the clients counted while anonymizing
        let mut counts = Counts::new(DEFAULT_K);
        let pass = Pass::Anonymize {
            plan: None,
            counts: Some(&mut counts),
        };
        let mut r = plain(pass, out);
        r.k_report = Some(kanon::report(engine, counts));
        return r;
    };
    // the two passes through a spool
    let failed = |errors: Vec<StreamError>| StreamOutcome {
        stats: Stats::default(),
        errors,
        closed: false,
        k_report: None,
    };
    let spool_error = |err: io::Error| StreamError::Output {
        name: "the spool of --min-k (an unnamed temporary file in $TMPDIR)".into(),
        err,
    };
    // undated lines: one day for both passes
    let clock = Clock::fixed(clock.now());
    // unnamed (O_TMPFILE): gone with the process, whatever ends it
    let mut spool = match tempfile::tempfile() {
        Ok(f) => f,
        Err(e) => return failed(vec![spool_error(e)]),
    };
    // the first pass: the clients counted, the lines copied to the spool
    let mut counts = Counts::new(k);
    let pool = Pool::default();
    let mut reader_errors = Vec::new();
    let mut write_error = None;
    let started = pipeline::run(
        engine,
        Pass::CountCopy(&mut counts),
        jobs,
        None,
        &pool,
        &clock,
        |send: &mut dyn FnMut(Item) -> bool| reader_errors = produce_all(inputs, send, &pool, sig),
        |done: Done| {
            if let Done::Lines { out, .. } = done {
                if let Err(e) = spool.write_all(&out) {
                    write_error = Some(e);
                    return false;
                }
                pool.put(out);
            }
            true
        },
        || sig.wake(),
    );
    let mut errors: Vec<StreamError> = reader_errors.into_iter().map(StreamError::Input).collect();
    if let Err(e) = started {
        errors.push(StreamError::Threads(pipeline::threads_error(jobs, &e)));
        return failed(errors);
    }
    if let Some(e) = write_error.or_else(|| spool.rewind().err()) {
        errors.push(spool_error(e));
        return failed(errors);
    }
    let (widths, k_report) = kanon::plan(engine, counts, k);
    // the spool is finite: a stop signal during this pass does not cut it
    let calm = match Signals::unhooked() {
        Ok(s) => s,
        Err(e) => {
            errors.push(spool_error(e));
            return failed(errors);
        }
    };
    let name = inputs[0].clone();
    let produce = |send: &mut dyn FnMut(Item) -> bool, pool: &Pool| -> Vec<InputError> {
        let read = Input::from_reader(name, Box::new(spool))
            .and_then(|mut input| produce_input(&mut input, false, send, pool, &calm));
        read.err().into_iter().collect()
    };
    let pass = Pass::Anonymize {
        plan: Some(&widths),
        counts: None,
    };
    let mut r = run_from(engine, pass, inputs, produce, out, jobs, &clock, &calm);
    errors.append(&mut r.errors);
    r.errors = errors;
    r.k_report = Some(k_report).filter(|_| report);
    r
}

/// [`run`] with the pass and the producer given (`inputs` name the lines
/// in errors).
#[allow(clippy::too_many_arguments)]
fn run_from<P>(
    engine: &Engine,
    pass: Pass,
    inputs: &[Source],
    produce_with: P,
    mut out: Output,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> StreamOutcome
where
    P: FnOnce(&mut dyn FnMut(Item) -> bool, &Pool) -> Vec<InputError> + Send,
{
    let pool = Pool::default();
    let mut stats = Stats::default();
    // the counters of a long line's pieces, until its last one is written
    let mut open_stats = Stats::default();
    let mut errors = Vec::new();
    let mut reader_errors = Vec::new();
    let mut closed = false;
    let mut input_no = 0usize;
    let mut lines_before = 0u64;
    let compress = out.compression();
    let produce = |send: &mut dyn FnMut(Item) -> bool| {
        reader_errors = produce_with(send, &pool);
    };
    let consume = |done: Done| -> bool {
        let res = match done {
            Done::Lines {
                out: buf,
                stats: s,
                failed_at,
                open_line,
            } => {
                let r = out.write_part(&buf, open_line);
                pool.put(buf);
                // the counters are of what was written: a failed write wrote
                // nothing (the file is cut back to its last complete line,
                // also taking the pieces of a long line written before)
                if r.is_ok() {
                    open_stats.add(&s);
                    if !open_line {
                        stats.add(&std::mem::take(&mut open_stats));
                    }
                } else {
                    open_stats = Stats::default();
                }
                if let Some(rel) = failed_at {
                    let name = inputs.get(input_no).map_or_else(|| "<stdin>".into(), Source::name);
                    errors.push(StreamError::Unparsed {
                        name,
                        line: lines_before + rel,
                    });
                    if let Err(e) = r {
                        errors.push(StreamError::Output {
                            name: out.name(),
                            err: e,
                        });
                    }
                    return false;
                }
                lines_before += s.lines_read;
                r
            }
            // writes go straight to the file descriptor: nothing is buffered
            Done::Flush => Ok(()),
            Done::Reopen => out.reopen(),
            Done::EndInput => {
                input_no += 1;
                lines_before = 0;
                Ok(())
            }
        };
        match res {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                closed = true;
                false
            }
            Err(err) => {
                errors.push(StreamError::Output { name: out.name(), err });
                false
            }
        }
    };
    let started = pipeline::run(engine, pass, jobs, compress, &pool, clock, produce, consume, || {
        sig.wake()
    });
    // a long line the input ended in, without a line end: written
    stats.add(&open_stats);
    let mut all: Vec<StreamError> = reader_errors.into_iter().map(StreamError::Input).collect();
    if let Err(e) = started {
        all.push(StreamError::Threads(pipeline::threads_error(jobs, &e)));
    }
    all.append(&mut errors);
    let name = out.name();
    if let Err(err) = out.finish() {
        if err.kind() != io::ErrorKind::BrokenPipe {
            all.push(StreamError::Output { name, err });
        }
    }
    StreamOutcome {
        stats,
        errors: all,
        closed,
        k_report: None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::engine::testing::*;
    use crate::io::clock::stepping;

    /// Two inputs (two chunks) of the same two lines through the stream.
    fn stream(clock: &Clock) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let lines = format!("{UNDATED}\n{DATED}\n");
        let inputs: Vec<Source> = ["a.log", "b.log"]
            .iter()
            .map(|n| {
                let p = dir.path().join(n);
                std::fs::write(&p, &lines).unwrap();
                Source::File(p)
            })
            .collect();
        let out_path = dir.path().join("out.log");
        let out = Output::append(out_path.clone(), 6).unwrap();
        let sig = Signals::unhooked().unwrap();
        let r = run(&hashing(), &inputs, out, 2, clock, &sig, KAnon::default());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let text = std::fs::read_to_string(out_path).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_stream_past_midnight_gives_later_undated_lines_the_new_day() {
        // 23:59:59 at the first chunk, the next day at the second
        let (clock, reads) = stepping(&[BEFORE_MIDNIGHT, AFTER_MIDNIGHT]);
        let got = stream(&clock);
        assert_eq!(reads.load(Ordering::SeqCst), 2, "the clock is read once per chunk");
        let e = hashing();
        let (d1, d2) = (BEFORE_MIDNIGHT.div_euclid(86400), AFTER_MIDNIGHT.div_euclid(86400));
        let dated = on_day(&e, DATED, d1);
        assert_eq!(
            got,
            [on_day(&e, UNDATED, d1), dated.clone(), on_day(&e, UNDATED, d2), dated],
            "undated lines: the day each chunk was read; dated lines: their own"
        );
        assert_ne!(got[0], got[2]);
        // a clock that stands still (--now) keeps one day
        let fixed = stream(&Clock::fixed(BEFORE_MIDNIGHT));
        assert_eq!(fixed[0], fixed[2]);
        assert_eq!(fixed[1], got[1]);
    }
}
