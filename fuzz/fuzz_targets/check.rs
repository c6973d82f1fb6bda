//! `check` under every `--format` (the first byte picks it) never panics on
//! any input, counts every line it numbers, and writes its report as text
//! and JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use loganon::check::{decode_fully, Checker, Report};
use loganon::formats::Format;
use loganon_fuzz::{formats, split};

fuzz_target!(|data: &[u8]| {
    static FORMATS: OnceLock<Vec<Format>> = OnceLock::new();
    let all = FORMATS.get_or_init(formats);
    let Some((format, input)) = split(data, all) else {
        return;
    };
    let checker = Checker {
        format,
        ..Checker::default()
    };
    let mut report = Report::default();
    let next = checker.chunk(input, "-", 1, &mut report);
    assert_eq!(next - 1, report.lines, "line numbers and the line count disagree");
    let _ = report.to_text();
    let _ = report.to_json();
    let _ = decode_fully(input);
});
