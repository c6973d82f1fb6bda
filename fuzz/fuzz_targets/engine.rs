//! The engine under every `--format` (the first byte picks it): no panic,
//! every line ending kept, anonymizing twice changes nothing, and the
//! independent `check` (same format) finds nothing in the output.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use loganon::check::{Checker, Report};
use loganon::formats::Format;
use loganon::{Engine, Options, Stats};
use loganon_fuzz::{count, formats, show, split};

fn anonymize(engine: &Engine, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stats = Stats::default();
    engine
        .chunk(input, 1, 0, &mut out, &mut stats)
        .expect("--on-unparsed scrub never fails");
    out
}

fuzz_target!(|data: &[u8]| {
    static FORMATS: OnceLock<Vec<Format>> = OnceLock::new();
    let all = FORMATS.get_or_init(formats);
    let Some((format, input)) = split(data, all) else {
        return;
    };
    let engine = Engine::new(Options {
        format: format.clone(),
        ..Options::default()
    });
    let once = anonymize(&engine, input);
    assert_eq!(
        count(&once, b'\n'),
        count(input, b'\n'),
        "format {format}: \\n count changed\ninput  {}\noutput {}",
        show(input),
        show(&once)
    );
    assert_eq!(
        count(&once, b'\r'),
        count(input, b'\r'),
        "format {format}: \\r count changed\ninput  {}\noutput {}",
        show(input),
        show(&once)
    );
    let twice = anonymize(&engine, &once);
    assert!(
        twice == once,
        "format {format}: not idempotent\ninput  {}\nonce   {}\ntwice  {}",
        show(input),
        show(&once),
        show(&twice)
    );
    let checker = Checker {
        format: format.clone(),
        ..Checker::default()
    };
    let mut report = Report::default();
    checker.chunk(&once, "-", 1, &mut report);
    assert!(
        report.total() == 0,
        "format {format}: check finds something in the output\ninput  {}\noutput {}\n{}",
        show(input),
        show(&once),
        report.to_text()
    );
});
