//! `check` over inputs: reads each (plain or compressed, stdin when none)
//! and hands its lines to the leak checker ([`crate::check`]); a line too
//! long to hold is checked in overlapping pieces, so memory does not grow
//! with it.

use crate::check::{Checker, Report};
use crate::formats::w3c::Header;
use crate::formats::Ctx;
use crate::io::input::{Input, Source, READ_BUF};
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
