//! The tests' one harness, shared by every module of `tests/integration/`
//! (and by any test file of its own that says `mod common;`):
//!
//! - [`bin`]: [`bin::TestCommand`], the one builder of every child process
//!   (`loganon()`, or any program): arguments, stdin, folder, environment,
//!   run to its end or spawned as a [`child::Proc`]; exit codes, stats;
//! - [`child`]: [`child::Proc`], a child process stopped when its test ends;
//! - [`gz`]: gzip (and bzip2) data made and read apart from loganon;
//! - [`wait`]: polling with a deadline, never a sleep for synchronisation;
//! - [`shared`]: `../shared/NAME`, or a printed skip;
//! - [`samples`]: `testdata/sample.log` and what it must become;
//! - [`files`], [`sys`], [`mount`]: folders, modification times, root,
//!   signals, the clock, mounts that are undone;
//! - [`civil`], [`rng`]: the tests' own dates and a deterministic generator;
//! - below: the exact-output cases (`encodings`, `shapes`, `wrapped`,
//!   `params`), each an input line and its whole expected output.
#![allow(dead_code)]

pub mod bin;
pub mod child;
pub mod civil;
pub mod files;
pub mod gz;
pub mod mount;
pub mod rng;
pub mod samples;
pub mod shared;
pub mod sys;
pub mod wait;

use loganon::check::check_bytes;
use loganon::engine::anonymize_line;
use loganon::rules::Rules;
use loganon::Engine;

/// `line` anonymized by `e`, as text.
pub fn anon_with(e: &Engine, line: &str) -> String {
    String::from_utf8_lossy(&anonymize_line(e, line.as_bytes())).into_owned()
}

/// Every input gives exactly its output. With `check` rules, `check` must
/// also find something in every input that changes and nothing in any
/// output. All differences are reported at once.
#[track_caller]
pub fn cases_checked(e: &Engine, check: Option<&Rules>, list: &[(&str, &str)]) {
    let mut bad = Vec::new();
    for (input, want) in list {
        let got = anon_with(e, input);
        if got != *want {
            bad.push(format!("  in:   {input}\n  want: {want}\n  got:  {got}"));
            continue;
        }
        let Some(rules) = check else { continue };
        let after = check_bytes(rules, format!("{got}\n").as_bytes());
        if after.total() > 0 {
            bad.push(format!(
                "  in:   {input}\n  check finds {:?} in the output",
                after.counts
            ));
        }
        if input != want && check_bytes(rules, format!("{input}\n").as_bytes()).total() == 0 {
            bad.push(format!("  in:   {input}\n  check finds nothing in the input"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} cases differ:\n{}",
        bad.len(),
        list.len(),
        bad.join("\n")
    );
}
