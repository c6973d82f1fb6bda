//! `check` over inputs: reads each (plain or compressed, stdin when none)
//! and hands its bytes to the line reader ([`crate::lines`]), and its
//! lines to the leak checker ([`crate::check`]); a line too long to hold is
//! checked in pieces that overlap, so memory does not grow with it.

use crate::check::{Checker, Report};
use crate::engine::Engine;
use crate::formats::w3c::Header;
use crate::formats::Ctx;
use crate::io::input::{Input, Source, READ_BUF};
use crate::kanon::{self, Counts, Plan};
use crate::lines::{lines, AtCut, LineReader, Step, OVERLAP};
use std::sync::Arc;

/// What a check found.
#[derive(Debug, Default)]
pub struct Checked {
    pub report: Report,
    /// the inputs that could not be opened or read to their end, in order
    /// (what was read of them is in the report)
    pub unreadable: Vec<String>,
}

/// Checks `inputs` in order (stdin when empty); with `json_names`, the
/// report names files as JSON strings, else escaped as text.
/// `w3c_fields`: the columns of `--w3c-fields`, in force in each input until
/// its first `#Fields:` directive.
pub fn run(checker: &Checker, inputs: &[Source], json_names: bool, w3c_fields: Option<&Arc<Header>>) -> Checked {
    run_counting(checker, inputs, json_names, w3c_fields, None)
}

/// What [`run_counting`] counts besides: the k-anonymity counts of the
/// lines checked (the engine's prefixes; `today` for undated lines).
pub struct KCount<'a> {
    pub engine: &'a Engine,
    pub counts: &'a mut Counts,
    pub today: i64,
}

/// [`run`], counting each whole line's client for the k-anonymity profile
/// as it goes (`check --report`: one read of each input, stdin too).
pub fn run_counting(
    checker: &Checker,
    inputs: &[Source],
    json_names: bool,
    w3c_fields: Option<&Arc<Header>>,
    mut k: Option<KCount<'_>>,
) -> Checked {
    let mut done = Checked::default();
    let stdin = [Source::Stdin];
    let inputs = if inputs.is_empty() { &stdin[..] } else { inputs };
    let mut buf = vec![0u8; READ_BUF];
    for src in inputs {
        // the report names the input escaped (text) or as a JSON string
        let name = match src {
            Source::File(p) if json_names => crate::io::names::json(p),
            _ => src.name(),
        };
        let mut input = match Input::open(src) {
            Ok(i) => i,
            Err(e) => {
                done.unreadable.push(e.to_string());
                continue;
            }
        };
        let before = done.report.mark();
        let report = &mut done.report;
        let mut no = 1;
        let mut ctx = Ctx::with_header(w3c_fields.cloned());
        // A line too long to hold is checked in pieces, all under its line
        // number; each piece begins with the last bytes of the one before,
        // so a token that a cut splits is whole in the next (a finding in
        // that overlap may be reported twice).
        let mut reader = LineReader::new(AtCut::Keep { overlap: OVERLAP });
        let mut kctx = Ctx::default();
        let mut judge = |step: Step<'_>| {
            match step {
                Step::Lines(batch) => {
                    let joined = batch.joined();
                    if let Some(k) = k.as_mut() {
                        for line in lines(joined) {
                            k.engine.count_line(line.head, k.today, &mut kctx, k.counts);
                        }
                    }
                    no = checker.chunk_in(joined, &name, no, &mut ctx, report);
                }
                // the last piece ends the line: it counts once, there
                Step::Piece(p) if p.last => no = checker.chunk_in(p.bytes, &name, no, &mut ctx, report),
                Step::Piece(p) => checker.piece_in(p.bytes, &name, no, &mut ctx, report),
            }
            true
        };
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    reader.feed(&buf[..n], &mut judge);
                }
                Err(e) => {
                    done.unreadable.push(e.to_string());
                    break;
                }
            }
        }
        // what was read is checked, a last line without its end too
        reader.finish(&mut judge);
        done.report.file_done(&name, before);
    }
    done
}

/// `check --k-report`: per day, the networks (as `engine`'s prefixes
/// truncate them) used by fewer than `k` distinct client addresses, counted
/// as the first pass of `--min-k` counts them; `today` is the day of lines
/// without a readable time. Returns the report and the inputs that could not
/// be read to their end. A line longer than
/// [`LONG_LINE`](crate::lines::LONG_LINE) is not counted (the first pass of
/// `--min-k` does not count it either).
pub fn k_report(engine: &Engine, inputs: &[Source], k: u64, today: i64) -> (kanon::Report, Vec<String>) {
    let mut unreadable = Vec::new();
    let stdin = [Source::Stdin];
    let inputs = if inputs.is_empty() { &stdin[..] } else { inputs };
    let mut counts = Counts::new(k);
    let mut buf = vec![0u8; READ_BUF];
    for src in inputs {
        let mut input = match Input::open(src) {
            Ok(i) => i,
            Err(e) => {
                unreadable.push(e.to_string());
                continue;
            }
        };
        let mut ctx = Ctx::default();
        let mut reader = LineReader::new(AtCut::Keep { overlap: 0 });
        let mut count = |step: Step<'_>| {
            // the pieces of a long line are not counted
            if let Step::Lines(batch) = step {
                for line in lines(batch.joined()) {
                    engine.count_line(line.head, today, &mut ctx, &mut counts);
                }
            }
            true
        };
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    reader.feed(&buf[..n], &mut count);
                }
                Err(e) => {
                    unreadable.push(e.to_string());
                    break;
                }
            }
        }
        reader.finish(&mut count);
    }
    (Plan::build(counts, k, &engine.opts.rules.addr, false).1, unreadable)
}
