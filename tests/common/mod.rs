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
//! - [`files`], [`sys`], [`mount`]: folders, modification times, key files,
//!   root, signals, the clock, mounts that are undone;
//! - [`tree`]: a folder's whole tree (content, modification times), to
//!   compare before and after a run;
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
pub mod tree;
pub mod wait;

use loganon::check::check_bytes;
use loganon::engine::anonymize_line;
use loganon::rules::Rules;
use loganon::{Engine, Stats};

/// `line` anonymized by `e`, as text.
pub fn anon_with(e: &Engine, line: &str) -> String {
    String::from_utf8_lossy(&anonymize_line(e, line.as_bytes())).into_owned()
}

/// `input` anonymized by `e` as one chunk of lines (the path of a stream:
/// first line 1, chunk 0); the default policy, scrub, never fails.
pub fn chunk_with(e: &Engine, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stats = Stats::default();
    e.chunk(input, 1, 0, &mut out, &mut stats)
        .expect("--on-unparsed scrub never fails");
    out
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

/// Each input holds the shape (`check` reports `rule` in it) and its
/// anonymized output holds nothing for `check`.
#[track_caller]
pub fn found_then_clean(rule: &str, list: &[(&str, &str)]) {
    cases_checked(&Engine::default(), None, list);
    let mut bad = Vec::new();
    for (input, want) in list {
        let raw = check_bytes(&Rules::default(), input.as_bytes());
        if raw.counts.get(rule).copied().unwrap_or(0) == 0 {
            bad.push(format!("  check missed {rule} in: {input}\n{}", raw.to_text()));
        }
        let out = check_bytes(&Rules::default(), want.as_bytes());
        if out.total() != 0 {
            bad.push(format!("  check finds in the output: {want}\n{}", out.to_text()));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
