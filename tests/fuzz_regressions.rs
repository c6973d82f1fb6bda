//! Minimal inputs the fuzz targets (`fuzz/`, see README "Fuzzing") found,
//! kept as exact-output tests: each input gives exactly its output under its
//! `--format`, anonymizing the output again changes nothing, the line
//! endings are kept, and `check` (same format) finds nothing in the output.

use loganon::check::{Checker, Report};
use loganon::formats::Format;
use loganon::{Engine, Options, Stats};

fn run(engine: &Engine, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stats = Stats::default();
    engine
        .chunk(input, 1, &mut out, &mut stats)
        .expect("--on-unparsed scrub never fails");
    out
}

fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

/// Every `(input, output)` pair under `--format format`; all failures at once.
#[track_caller]
fn expect(format: &str, pairs: &[(&[u8], &[u8])]) {
    let format = Format::from_name(format).expect("a valid format");
    let engine = Engine::new(Options {
        format: format.clone(),
        ..Options::default()
    });
    let checker = Checker {
        format: format.clone(),
        ..Checker::default()
    };
    let mut bad = Vec::new();
    for (input, want) in pairs {
        let got = run(&engine, input);
        if got != *want {
            bad.push(format!(
                "  in:   {}\n  want: {}\n  got:  {}",
                show(input),
                show(want),
                show(&got)
            ));
            continue;
        }
        let again = run(&engine, &got);
        if again != got {
            bad.push(format!(
                "  in:   {}\n  once: {}\n  again: {}",
                show(input),
                show(&got),
                show(&again)
            ));
        }
        for b in [b'\n', b'\r'] {
            let n = |s: &[u8]| s.iter().filter(|&&c| c == b).count();
            if n(input) != n(&got) {
                bad.push(format!("  in:   {}\n  {:?} count changed", show(input), b as char));
            }
        }
        let mut report = Report::default();
        checker.chunk(&got, "-", 1, &mut report);
        if report.total() > 0 {
            bad.push(format!(
                "  in:   {}\n  check finds {:?} in the output",
                show(input),
                report.counts
            ));
        }
    }
    assert!(bad.is_empty(), "--format {format}:\n{}", bad.join("\n\n"));
}

/// A `%` inside an IPv6 zone id (`::%2%2`): the zone was cut at the second
/// `%`, which then made a zone of its own on the next run (`::%2%2` ->
/// `::%2` -> `::`). The zone now takes `%` followed by a zone character.
#[test]
fn zone_with_percent_is_removed_whole() {
    expect(
        "auto",
        &[
            (b"::%2%2", b"::"),
            (b"::%2%2\n", b"::\n"),
            (b"fe80::1%a%b%c x", b"fe80:: x"),
            (b"2001:db8::1%eth0%1 y", b"2001:db8:: y"),
            // a trailing or doubled `%` is no zone character
            (b"::%2%2%", b"::%"),
            (b"::%2%%2", b"::%%2"),
            // more of the run follows: no zone (unchanged)
            (b"::%2%2:", b"::%2%2:"),
        ],
    );
}

/// `--format` with a non-ASCII character where an Apache directive's letter
/// goes panicked (a string cut inside the character); it is now the usual
/// error (exit 2 on the command line), naming the whole character.
#[test]
fn apache_directive_with_non_ascii_letter_is_an_error() {
    for (fmt, want) in [
        ("%\u{6e3}", "Apache LogFormat: '%\u{6e3}': unknown directive"),
        ("%h %>\u{e9}x", "Apache LogFormat: '%>\u{e9}': unknown directive"),
        ("%{Cookie}\u{1f600}", "Apache LogFormat: '%{Cookie}\u{1f600}': unknown directive"),
    ] {
        match Format::from_name(fmt) {
            Err(e) => assert_eq!(e, want, "{fmt:?}"),
            Ok(f) => panic!("{fmt:?} was taken as {f}"),
        }
    }
}
