//! `check` over inputs: reads each (plain or compressed, stdin when none)
//! and hands its lines to the leak checker ([`crate::check`]); a line too
//! long to hold is checked in overlapping pieces, so memory does not grow
//! with it.

use crate::check::{Checker, Report};
use crate::engine::Engine;
use crate::formats::w3c::Header;
use crate::formats::Ctx;
use crate::io::input::{Input, Source, READ_BUF};
use crate::kanon::{self, Counts, Plan};
use std::sync::Arc;

/// `check` reads a line longer than this in overlapping pieces.
const CHECK_PIECE: usize = 4 << 20;
/// What each piece of a long line keeps of the one before.
const CHECK_OVERLAP: usize = 64 << 10;

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
        let report = &mut done.report;
        let mut carry: Vec<u8> = Vec::new();
        let mut no = 1;
        let mut ctx = Ctx::with_header(w3c_fields.cloned());
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    carry.extend_from_slice(&buf[..n]);
                    // look for a line end only in what was just read: a long
                    // line is not rescanned on every read
                    // (a lone `\r` ends a line too, unless it is the last
                    // byte read: its `\n` may follow)
                    let end = |k: usize| buf[k] == b'\n' || k + 1 < n;
                    let last = memchr::memrchr2_iter(b'\n', b'\r', &buf[..n]).find(|&k| end(k));
                    if let Some(k) = last.map(|k| carry.len() - n + k) {
                        no = checker.chunk_in(&carry[..=k], &name, no, &mut ctx, report);
                        carry.drain(..=k);
                    } else if carry.len() > CHECK_PIECE + CHECK_OVERLAP {
                        // A line this long is checked in pieces, all under its
                        // line number, so memory does not grow with it; each
                        // piece keeps the last bytes of the one before, so a
                        // token cut by a piece's end is whole in the next (a
                        // finding in that overlap may be reported twice).
                        checker.piece_in(&carry, &name, no, &mut ctx, report);
                        carry.drain(..carry.len() - CHECK_OVERLAP);
                    }
                }
                Err(e) => {
                    done.unreadable.push(e.to_string());
                    break;
                }
            }
        }
        if !carry.is_empty() {
            checker.chunk_in(&carry, &name, no, &mut ctx, report);
        }
    }
    done
}

/// `check --k-report`: per day, the networks (as `engine`'s prefixes
/// truncate them) used by fewer than `k` distinct client addresses, counted
/// as the first pass of `--min-k` counts them; `today` is the day of lines
/// without a readable time. Returns the report and the inputs that could not
/// be read to their end. A line longer than [`CHECK_PIECE`] is not counted.
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
        let mut carry: Vec<u8> = Vec::new();
        let mut long = false;
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    carry.extend_from_slice(&buf[..n]);
                    if let Some(end) = memchr::memrchr(b'\n', &carry) {
                        for line in carry[..end].split(|&b| b == b'\n') {
                            if long {
                                long = false;
                                continue;
                            }
                            engine.count_line(line, today, &mut ctx, &mut counts);
                        }
                        carry.drain(..=end);
                    } else if carry.len() > CHECK_PIECE {
                        carry.clear();
                        long = true;
                    }
                }
                Err(e) => {
                    unreadable.push(e.to_string());
                    break;
                }
            }
        }
        if !carry.is_empty() && !long {
            engine.count_line(&carry, today, &mut ctx, &mut counts);
        }
    }
    (Plan::build(counts, k, &engine.opts.rules.addr, false).1, unreadable)
}
