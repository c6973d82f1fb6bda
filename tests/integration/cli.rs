//! Integration tests of the `loganon` command line: the binary is run as a
//! user runs it (files, stdin pipes, signals, closed pipes), and its stdout,
//! stderr, exit code and output files are compared with exact expectations.
//!
//! This file holds the lines and the running shared with the other `cli_*`
//! files (`--on-unparsed`, gzip, `--stats`, a live stream, long lines), and
//! the tests of the sample, bad option values, several inputs and `check`.

use std::fs;
use std::process::Stdio;
use std::time::Duration;

use crate::common::bin::{loganon, text, ROOT};
use crate::common::child::Proc;
use crate::common::samples::{sample_out, SAMPLE, SAMPLE_SECRETS};

/// How long a live process is given to answer before the test fails.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed line, an unparsed one holding personal data, a parsed one.
pub(crate) const MIX_IN: &str = concat!(
    "1.2.3.4 - bob [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1\n",
    "garbage from 5.6.7.8 mail bob@example.com\n",
    "9.9.9.9 - - [01/Jan/2026:00:00:01 +0000] \"GET /b HTTP/1.1\" 200 2\n",
);
pub(crate) const MIX_OUT: [&str; 3] = [
    "1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1\n",
    "garbage from 5.6.7.0 mail REDACTED\n",
    "9.9.9.0 - - [01/Jan/2026:00:00:01 +0000] \"GET /b HTTP/1.1\" 200 2\n",
];

pub(crate) const LINE1_IN: &str =
    "203.0.113.77 - carol [02/Feb/2026:10:00:00 +0000] \"GET /p?token=abc123&x=1 HTTP/1.1\" 200 10 \"-\" \"UA/1\"\n";
pub(crate) const LINE1_OUT: &str =
    "203.0.113.0 - - [02/Feb/2026:10:00:00 +0000] \"GET /p?token=REDACTED&x=1 HTTP/1.1\" 200 10 \"-\" \"UA/1\"\n";
pub(crate) const LINE2_IN: &str = "2001:db8:aaaa:bbbb::9 - - [02/Feb/2026:10:00:01 +0000] \"GET /q?email=dave%40example.com HTTP/1.1\" 200 20 \"-\" \"UA/2\"\n";
pub(crate) const LINE2_OUT: &str =
    "2001:db8:aaaa:: - - [02/Feb/2026:10:00:01 +0000] \"GET /q?email=REDACTED HTTP/1.1\" 200 20 \"-\" \"UA/2\"\n";

/// `loganon check` on `data` (through stdin): exit code and report.
fn check_bytes(data: &[u8]) -> (Option<i32>, String) {
    let out = loganon().arg("check").stdin(data).output();
    (out.status.code(), text(&out.stdout))
}

#[track_caller]
pub(crate) fn assert_clean(data: &[u8]) {
    let (code, report) = check_bytes(data);
    assert_eq!(code, Some(0), "check found something:\n{report}");
    assert!(report.contains(" 0 findings"), "{report}");
}

/// `loganon ARGS` with stdin piped, stdout read line by line (or
/// discarded) and stderr collected; lines and the exit are waited for at
/// most [`TIMEOUT`].
pub(crate) fn spawn(args: &[&str], stdout: bool) -> Proc {
    let p = loganon()
        .args(args)
        .current_dir(ROOT)
        .stdin_from(Stdio::piped())
        .stdout_to(if stdout { Stdio::piped() } else { Stdio::null() })
        .spawn()
        .deadline(TIMEOUT);
    if stdout {
        p.stdout_lines()
    } else {
        p
    }
}

pub(crate) fn stats_of(stderr: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stderr).unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", text(stderr)))
}

// ---------------------------------------------------------------- 1. sample

#[test]
fn anonymize_sample_file_exact() {
    let got = loganon()
        .args(["anonymize", "testdata/sample.log"])
        .current_dir(ROOT)
        .assert_exit_code(0);
    assert_eq!(text(&got.stdout), sample_out());
    assert_eq!(text(&got.stderr), "");
}

#[test]
fn anonymize_sample_stdin_exact() {
    let got = loganon().arg("anonymize").stdin(SAMPLE).assert_exit_code(0);
    assert_eq!(text(&got.stdout), sample_out());
    assert_eq!(text(&got.stderr), "");
    // "-" names stdin too
    let got = loganon().args(["anonymize", "-"]).stdin(SAMPLE).assert_exit_code(0);
    assert_eq!(text(&got.stdout), sample_out());
    assert_eq!(text(&got.stderr), "");
}

// ---------------------------------------------------- 3. bad option values

#[test]
fn help_lists_the_names_each_option_accepts() {
    for (cmd, list) in [
        (
            "anonymize",
            "[possible values: truncate, hash, cryptopan, ipcrypt-pfx, ipcrypt-deterministic, ipcrypt-nd, ipcrypt-ndx, drop]",
        ),
        ("anonymize", "[possible values: redact, hash]"),
        ("anonymize", "[possible values: daily, never]"),
        ("anonymize", "[possible values: scrub, drop, fail]"),
        (
            "check",
            "[possible values: truncate, hash, cryptopan, ipcrypt-pfx, ipcrypt-deterministic, ipcrypt-nd, ipcrypt-ndx, drop]",
        ),
        ("listen", "[possible values: scrub, drop, fail]"),
        ("purge", "[possible values: mtime, name]"),
    ] {
        let out = loganon().args([cmd, "--help"]).output();
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains(list), "{cmd} --help does not list {list}: {help}");
    }
}

#[test]
fn bad_option_values_exit_2_naming_option_and_accepted_values() {
    let cases: [(&[&str], &str, &[&str]); 13] = [
        (
            &["anonymize", "--format", "nope"],
            "--format",
            &["auto", "common", "combined", "vhost_combined"],
        ),
        (
            &["check", "--format", "nope"],
            "--format",
            &["auto", "common", "combined", "vhost_combined"],
        ),
        (
            &["anonymize", "--on-unparsed", "maybe"],
            "--on-unparsed",
            &["scrub", "drop", "fail"],
        ),
        (&["anonymize", "--ipv4-prefix", "33"], "--ipv4-prefix", &["0..=32"]),
        (
            &["anonymize", "--location", "9"],
            "--location",
            &["0 to 8", "keep", "drop"],
        ),
        (
            &["anonymize", "--keep-network", "notacidr"],
            "--keep-network",
            &["10.0.0.0/8"],
        ),
        (&["anonymize", "--stats=xml"], "--stats", &["text", "json"]),
        (
            &["anonymize", "--ip-mode", "crypto-pan"],
            "--ip-mode",
            &["truncate", "hash", "cryptopan", "drop"],
        ),
        (
            &["check", "--ip-mode", "Hash"],
            "--ip-mode",
            &["truncate", "hash", "cryptopan", "drop"],
        ),
        (
            &["anonymize", "--identifiers", "remove"],
            "--identifiers",
            &["redact", "hash"],
        ),
        (
            &["anonymize", "--rotate-key", "weekly"],
            "--rotate-key",
            &["daily", "never"],
        ),
        (
            &["listen", "--udp", "127.0.0.1:0", "-o", "-", "--on-unparsed", "skip"],
            "--on-unparsed",
            &["scrub", "drop", "fail"],
        ),
        (
            &["purge", "/tmp", "--max-age", "1", "--age-from", "ctime"],
            "--age-from",
            &["mtime", "name"],
        ),
    ];
    for (args, option, accepted) in cases {
        // refused before reading: stdin may stay unread
        let out = loganon().args(args).stdin(SAMPLE).stdin_may_stay_unread().output();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
        assert!(err.contains(option), "{args:?}: {err}");
        let value = args[args.len() - 1].rsplit('=').next().unwrap_or_default();
        assert!(err.contains(value), "{args:?}: {err}");
        for a in accepted {
            assert!(err.contains(a), "{args:?} does not list {a}: {err}");
        }
    }
}

// ------------------------------------------------------- 5. several inputs

#[test]
fn inputs_are_concatenated_in_order_without_merging_lines() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    // a.log: two lines, the last without '\n'
    fs::write(&a, [MIX_IN.lines().next().unwrap(), "\n", LINE1_IN.trim_end()].concat()).unwrap();
    fs::write(&b, LINE2_IN).unwrap();
    let got = loganon().arg("anonymize").args([&a, &b]).assert_exit_code(0);
    assert_eq!(text(&got.stdout), [MIX_OUT[0], LINE1_OUT, LINE2_OUT].concat());
    assert_eq!(text(&got.stderr), "");
    // order is kept the other way round, and the last line keeps its lack of '\n'
    let got = loganon().arg("anonymize").args([&b, &a]).assert_exit_code(0);
    assert_eq!(
        text(&got.stdout),
        [LINE2_OUT, MIX_OUT[0], LINE1_OUT.trim_end()].concat()
    );
    assert_eq!(text(&got.stderr), "");
    // stdin ("-") between files, itself without a final '\n'
    let got = loganon()
        .arg("anonymize")
        .arg(&a)
        .arg("-")
        .arg(&b)
        .stdin(MIX_IN.lines().nth(2).unwrap())
        .assert_exit_code(0);
    assert_eq!(
        text(&got.stdout),
        [MIX_OUT[0], LINE1_OUT, MIX_OUT[2], LINE2_OUT].concat()
    );
    assert_eq!(text(&got.stderr), "");
}

// ---------------------------------------------------------------- 7. check

#[test]
fn check_sample_finds_and_masks() {
    let out = loganon()
        .args(["check", "testdata/sample.log"])
        .current_dir(ROOT)
        .output();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.starts_with("loganon check: 26 findings in 9 of 9 lines\n"),
        "{report}"
    );
    // check's detectors are independent: one value can meet two of them (an
    // email as a deny-listed value, a password before `@` as an email, the
    // IPv4 part of `::ffff:a.b.c.d`, the address a client host name
    // `dsl-84-12-3-5.dyn...` spells), and a `;jsessionid=` path parameter is
    // a deny-listed parameter to it
    for rule in [
        "  card-number: 1 (",
        "  client-hostname: 1 (",
        "  deny-listed-parameter: 5 (",
        "  email: 3 (",
        "  ipv4: 9 (",
        "  ipv6: 4 (",
        "  mac: 1 (",
        "  url-credentials: 1 (",
        "  user-field: 1 (",
    ] {
        assert!(report.contains(rule), "missing {rule:?} in\n{report}");
    }
    assert!(report.contains("testdata/sample.log:2: user-field f**** (5 bytes)\n"));
    assert!(report.contains("testdata/sample.log:1: ipv4 83.149.9.0/24 + host bits\n"));
    for raw in SAMPLE_SECRETS {
        assert!(!report.contains(raw), "check printed {raw:?}:\n{report}");
    }
    // the JSON report masks too
    let out = loganon()
        .args(["check", "--json", "testdata/sample.log"])
        .current_dir(ROOT)
        .output();
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["findings"], 26);
    let report = text(&out.stdout);
    for raw in SAMPLE_SECRETS {
        assert!(!report.contains(raw), "check --json printed {raw:?}");
    }
}

#[test]
fn anonymize_output_never_holds_sample_secrets() {
    let out = sample_out();
    for raw in SAMPLE_SECRETS {
        assert!(!out.contains(raw), "{raw}");
    }
}

#[test]
fn check_anonymized_sample_is_clean() {
    let got = loganon().arg("check").stdin(sample_out()).assert_exit_code(0);
    assert_eq!(text(&got.stdout), "loganon check: 0 findings in 0 of 9 lines\n");
}
