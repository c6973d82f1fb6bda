//! Integration tests of the `loganon` command line: the binary is run as a
//! user runs it (files, stdin pipes, signals, closed pipes), and its stdout,
//! stderr, exit code and output files are compared with exact expectations.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::bin::{text, BIN, ROOT};
use crate::common::child::Proc;
use crate::common::gz::{gunzip, gunzip_partial, gzip};
use crate::common::samples::{sample_out, SAMPLE, SAMPLE_SECRETS};
use crate::common::wait::wait_until_within;

/// How long a live process is given to answer before the test fails.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed line, an unparsed one holding personal data, a parsed one.
const MIX_IN: &str = concat!(
    "1.2.3.4 - bob [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1\n",
    "garbage from 5.6.7.8 mail bob@example.com\n",
    "9.9.9.9 - - [01/Jan/2026:00:00:01 +0000] \"GET /b HTTP/1.1\" 200 2\n",
);
const MIX_OUT: [&str; 3] = [
    "1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1\n",
    "garbage from 5.6.7.0 mail REDACTED\n",
    "9.9.9.0 - - [01/Jan/2026:00:00:01 +0000] \"GET /b HTTP/1.1\" 200 2\n",
];

const LINE1_IN: &str =
    "203.0.113.77 - carol [02/Feb/2026:10:00:00 +0000] \"GET /p?token=abc123&x=1 HTTP/1.1\" 200 10 \"-\" \"UA/1\"\n";
const LINE1_OUT: &str =
    "203.0.113.0 - - [02/Feb/2026:10:00:00 +0000] \"GET /p?token=REDACTED&x=1 HTTP/1.1\" 200 10 \"-\" \"UA/1\"\n";
const LINE2_IN: &str = "2001:db8:aaaa:bbbb::9 - - [02/Feb/2026:10:00:01 +0000] \"GET /q?email=dave%40example.com HTTP/1.1\" 200 20 \"-\" \"UA/2\"\n";
const LINE2_OUT: &str =
    "2001:db8:aaaa:: - - [02/Feb/2026:10:00:01 +0000] \"GET /q?email=REDACTED HTTP/1.1\" 200 20 \"-\" \"UA/2\"\n";

fn loganon() -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(ROOT);
    c
}

/// `loganon check` on `data` (through stdin): exit code and report.
fn check_bytes(data: &[u8]) -> (Option<i32>, String) {
    let out = loganon().arg("check").write_stdin(data.to_vec()).output().unwrap();
    (out.status.code(), text(&out.stdout))
}

#[track_caller]
fn assert_clean(data: &[u8]) {
    let (code, report) = check_bytes(data);
    assert_eq!(code, Some(0), "check found something:\n{report}");
    assert!(report.contains(" 0 findings"), "{report}");
}

/// `loganon ARGS` with stdin piped, stdout read line by line (or
/// discarded) and stderr collected; lines and the exit are waited for at
/// most [`TIMEOUT`].
fn spawn(args: &[&str], stdout: bool) -> Proc {
    let p = Proc::spawn(
        std::process::Command::new(BIN)
            .args(args)
            .current_dir(ROOT)
            .stdin(Stdio::piped())
            .stdout(if stdout { Stdio::piped() } else { Stdio::null() })
            .stderr(Stdio::piped()),
    )
    .deadline(TIMEOUT);
    if stdout {
        p.stdout_lines()
    } else {
        p
    }
}

// ---------------------------------------------------------------- 1. sample

#[test]
fn anonymize_sample_file_exact() {
    loganon()
        .args(["anonymize", "testdata/sample.log"])
        .assert()
        .code(0)
        .stdout(sample_out())
        .stderr("");
}

#[test]
fn anonymize_sample_stdin_exact() {
    loganon()
        .arg("anonymize")
        .write_stdin(SAMPLE)
        .assert()
        .code(0)
        .stdout(sample_out())
        .stderr("");
    // "-" names stdin too
    loganon()
        .args(["anonymize", "-"])
        .write_stdin(SAMPLE)
        .assert()
        .code(0)
        .stdout(sample_out())
        .stderr("");
}

// ------------------------------------------------------- 2. --on-unparsed

fn mix_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mix.log");
    fs::write(&p, MIX_IN).unwrap();
    (dir, p)
}

fn stats_of(stderr: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stderr).unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", text(stderr)))
}

#[test]
fn on_unparsed_scrub_keeps_the_line_scrubbed() {
    let (_d, p) = mix_file();
    for extra in [&[][..], &["--on-unparsed", "scrub"][..]] {
        let out = loganon()
            .arg("anonymize")
            .args(extra)
            .args(["--stats", "json"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), MIX_OUT.concat());
        let s = stats_of(&out.stderr);
        assert_eq!(s["unparsed"], 1);
        assert_eq!(s["dropped"], 0);
        assert_eq!(s["lines_written"], 3);
    }
}

#[test]
fn on_unparsed_drop_leaves_the_line_out_and_counts_it() {
    let (_d, p) = mix_file();
    let out = loganon()
        .args(["anonymize", "--on-unparsed", "drop", "--stats", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), [MIX_OUT[0], MIX_OUT[2]].concat());
    let s = stats_of(&out.stderr);
    assert_eq!(s["dropped"], 1);
    assert_eq!(s["unparsed"], 1);
    assert_eq!(s["lines_read"], 3);
    assert_eq!(s["lines_written"], 2);
}

#[test]
fn on_unparsed_fail_names_the_line_never_its_content() {
    let (_d, p) = mix_file();
    let name = p.display().to_string();
    let file = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .arg(&p)
        .output()
        .unwrap();
    let stdin = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .write_stdin(MIX_IN)
        .output()
        .unwrap();
    for (out, src) in [(file, name.as_str()), (stdin, "<stdin>")] {
        assert_eq!(out.status.code(), Some(1));
        // the line before it was written, the line after it was not
        assert_eq!(text(&out.stdout), MIX_OUT[0]);
        let err = text(&out.stderr);
        assert!(err.contains(&format!("{src}: line 2 ")), "{err}");
        for raw in ["garbage", "5.6.7.8", "5.6.7.0", "bob@example.com", "bob", "mail"] {
            assert!(!err.contains(raw), "stderr quotes {raw:?}: {err}");
        }
    }
}

/// The failing line number counts from the start of its input, across the
/// chunks a big input is cut into.
#[test]
fn on_unparsed_fail_line_number_after_many_lines() {
    let good = MIX_OUT[0].replace("1.2.3.0", "1.2.3.4");
    let mut input = good.repeat(30_000);
    input.push_str("garbage 1.2.3.4\n");
    input.push_str(&good);
    let out = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), MIX_OUT[0].repeat(30_000));
    assert!(
        text(&out.stderr).contains("<stdin>: line 30001 "),
        "{}",
        text(&out.stderr)
    );
}

/// BUG: an input that cannot be opened does not advance the input counter, so
/// the `--on-unparsed fail` error names the wrong file.
#[test]
fn on_unparsed_fail_names_the_right_file_after_a_missing_one() {
    let (d, p) = mix_file();
    let missing = d.path().join("missing.log");
    let out = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .arg(&missing)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), MIX_OUT[0]);
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}: no such file", missing.display())), "{err}");
    assert!(
        err.contains(&format!("{}: line 2 ", p.display())),
        "the error names the wrong input: {err}"
    );
}

// ---------------------------------------------------- 3. bad option values

#[test]
fn help_lists_the_names_each_option_accepts() {
    for (cmd, list) in [
        ("anonymize", "[possible values: truncate, hash, cryptopan, drop]"),
        ("anonymize", "[possible values: redact, hash]"),
        ("anonymize", "[possible values: daily, never]"),
        ("anonymize", "[possible values: scrub, drop, fail]"),
        ("check", "[possible values: truncate, hash, cryptopan, drop]"),
        ("listen", "[possible values: scrub, drop, fail]"),
        ("purge", "[possible values: mtime, name]"),
    ] {
        let out = loganon().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains(list), "{cmd} --help does not list {list}: {help}");
    }
}

#[test]
fn bad_option_values_exit_2_naming_option_and_accepted_values() {
    let cases: [(&[&str], &str, &[&str]); 12] = [
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
        let out = loganon().args(args).write_stdin(SAMPLE).output().unwrap();
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

// ------------------------------------------------------------------ 4. gzip

#[test]
fn gzip_input_same_as_plain_detected_by_content() {
    let dir = tempfile::tempdir().unwrap();
    // no .gz in the name: detection is by content
    let p = dir.path().join("sample.txt");
    fs::write(&p, gzip(SAMPLE.as_bytes())).unwrap();
    loganon()
        .arg("anonymize")
        .arg(&p)
        .assert()
        .code(0)
        .stdout(sample_out())
        .stderr("");
    // gzip on stdin too
    loganon()
        .arg("anonymize")
        .write_stdin(gzip(SAMPLE.as_bytes()))
        .assert()
        .code(0)
        .stdout(sample_out())
        .stderr("");
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("multi.log.gz");
    let input = SAMPLE.as_bytes();
    let lines: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(lines.len(), 9);
    let mut data = Vec::new();
    for part in lines.chunks(3) {
        data.extend(gzip(&part.concat()));
    }
    fs::write(&p, &data).unwrap();
    loganon()
        .arg("anonymize")
        .arg(&p)
        .assert()
        .code(0)
        .stdout(sample_out())
        .stderr("");
}

/// Many lines with a user field, an email and an address each.
fn many_lines(n: usize) -> (String, String) {
    let mut input = String::new();
    let mut output = String::new();
    for i in 0..n {
        let (a, b) = (i % 251, i % 199);
        input.push_str(&format!(
            "10.{a}.{b}.{} - user{i} [03/Mar/2026:12:00:00 +0000] \"GET /item/{i}?mail=person{i}%40example.com HTTP/1.1\" 200 {i} \"-\" \"Agent {i} (contact: person{i}@example.com)\"\n",
            i % 250 + 1
        ));
        output.push_str(&format!(
            "10.{a}.{b}.0 - - [03/Mar/2026:12:00:00 +0000] \"GET /item/{i}?mail=REDACTED HTTP/1.1\" 200 {i} \"-\" \"Agent {i} (contact: REDACTED)\"\n"
        ));
    }
    (input, output)
}

fn truncated_gzip() -> (tempfile::TempDir, PathBuf, String) {
    let (input, full) = many_lines(3000);
    let gz = gzip(input.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.log.gz");
    fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    (dir, p, full)
}

#[test]
fn truncated_gzip_fails_naming_file_and_position() {
    let (_d, p, full) = truncated_gzip();
    let out = loganon().arg("anonymize").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&p.display().to_string()), "{err}");
    assert!(err.contains("compressed byte"), "{err}");
    assert!(!err.contains("@example.com") && !err.contains("user1"), "{err}");
    // what was decompressed before the damage is written, anonymized
    let stdout = text(&out.stdout);
    let complete = match stdout.rfind('\n') {
        Some(k) => &stdout[..=k],
        None => "",
    };
    assert!(complete.lines().count() > 100, "{stdout}");
    assert!(full.starts_with(complete), "complete lines differ from the full output");
    assert_clean(&out.stdout);
}

/// BUG: the partial last line decompressed before the damage is written too
/// (without a line end); it does not parse, so its user field is kept.
#[test]
fn truncated_gzip_writes_only_complete_lines() {
    let (_d, p, full) = truncated_gzip();
    let out = loganon().arg("anonymize").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.is_empty() || stdout.ends_with('\n'),
        "stdout ends with a partial line: {:?}",
        &stdout[stdout.rfind('\n').map_or(0, |k| k + 1)..]
    );
    assert!(full.starts_with(&stdout));
}

#[test]
fn missing_file_and_directory_fail_but_other_inputs_are_processed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    let missing = dir.path().join("missing.log");
    let sub = dir.path().join("subdir");
    fs::create_dir(&sub).unwrap();
    fs::write(&a, LINE1_IN).unwrap();
    fs::write(&b, LINE2_IN).unwrap();
    let out = loganon()
        .arg("anonymize")
        .args([&a, &missing, &sub, &b])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), [LINE1_OUT, LINE2_OUT].concat());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}: no such file", missing.display())), "{err}");
    assert!(err.contains(&format!("{}: is a directory", sub.display())), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
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
    loganon()
        .arg("anonymize")
        .args([&a, &b])
        .assert()
        .code(0)
        .stdout([MIX_OUT[0], LINE1_OUT, LINE2_OUT].concat())
        .stderr("");
    // order is kept the other way round, and the last line keeps its lack of '\n'
    loganon()
        .arg("anonymize")
        .args([&b, &a])
        .assert()
        .code(0)
        .stdout([LINE2_OUT, MIX_OUT[0], LINE1_OUT.trim_end()].concat())
        .stderr("");
    // stdin ("-") between files, itself without a final '\n'
    loganon()
        .arg("anonymize")
        .arg(&a)
        .arg("-")
        .arg(&b)
        .write_stdin(MIX_IN.lines().nth(2).unwrap())
        .assert()
        .code(0)
        .stdout([MIX_OUT[0], LINE1_OUT, MIX_OUT[2], LINE2_OUT].concat())
        .stderr("");
}

// ------------------------------------------------------------- 6. --stats

#[test]
fn stats_json_counts() {
    let input = [
        // common, with a user field
        MIX_IN.lines().next().unwrap(),
        "\n",
        // combined, token and email
        LINE1_IN,
        LINE2_IN,
        // vhost_combined
        "www.example.org:443 198.51.100.7 - - [01/Jan/2026:00:00:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n",
        // unparsed, with an address
        "not a log line 192.0.2.1\n",
    ]
    .concat();
    let out = loganon()
        .args(["anonymize", "--stats", "json"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = stats_of(&out.stderr);
    assert_eq!(s["lines_read"], 5);
    assert_eq!(s["lines_written"], 5);
    assert_eq!(s["unparsed"], 1);
    assert_eq!(s["dropped"], 0);
    assert_eq!(s["addresses"], 5);
    // user fields bob and carol, the token, the email parameter
    assert_eq!(s["identifiers"], 4);
    assert_eq!(
        s["parsed_per_format"],
        per_format(&[("common", 1), ("combined", 2), ("vhost_combined", 1)])
    );
    assert_eq!(s["parsed"], 4);
    assert_eq!(s["bytes_in"], input.len());
    assert_eq!(s["bytes_out"], out.stdout.len());
    assert!(s["seconds"].is_number() && s["mb_per_s"].is_number());

    // --stats last, without a value: text
    let out = loganon()
        .args(["anonymize", "--stats"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "loganon: lines read 5, written 5, parsed 4 (common=1 combined=2 vhost_combined=1), unparsed 1, dropped 0"
        ),
        "{err}"
    );
    assert!(
        err.contains(", addresses rewritten 5, identifiers removed 4, "),
        "{err}"
    );
    // the counters are one line; the k-anonymity report (issue 17) follows,
    // a line per day
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines[1].starts_with("loganon: k-anonymity, K=5 (truncation alone): 2 day(s)"),
        "{err}"
    );
}

/// BUG: a client written `[IPv6]:port` is taken for the `[time]` field, so the
/// line is not recognised: sample line 5 (vhost_combined) counts as unparsed,
/// and the user field of such a line is kept.
#[test]
fn bracketed_ipv6_client_is_parsed() {
    let out = loganon()
        .args(["anonymize", "--stats", "json", "testdata/sample.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), sample_out());
    let s = stats_of(&out.stderr);
    assert_eq!(
        s["parsed_per_format"],
        per_format(&[("common", 2), ("combined", 5), ("vhost_combined", 1)])
    );
    assert_eq!(s["unparsed"], 1);

    let input = "www.example.org:443 [2001:db8::1]:52100 - bob [01/Jan/2026:00:00:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n[2001:db8::1]:52100 - bob [01/Jan/2026:00:00:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n";
    loganon()
        .arg("anonymize")
        .write_stdin(input)
        .assert()
        .code(0)
        .stdout("www.example.org:443 [2001:db8::]:52100 - - [01/Jan/2026:00:00:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n[2001:db8::]:52100 - - [01/Jan/2026:00:00:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n");
    // and check reports the user fields
    loganon()
        .arg("check")
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("user-field: 2"));
}

// ---------------------------------------------------------------- 7. check

#[test]
fn check_sample_finds_and_masks() {
    let out = loganon().args(["check", "testdata/sample.log"]).output().unwrap();
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
        "  card-number: 1\n",
        "  client-hostname: 1\n",
        "  deny-listed-parameter: 5\n",
        "  email: 3\n",
        "  ipv4: 9\n",
        "  ipv6: 4\n",
        "  mac: 1\n",
        "  url-credentials: 1\n",
        "  user-field: 1\n",
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
        .output()
        .unwrap();
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
    loganon()
        .arg("check")
        .write_stdin(sample_out())
        .assert()
        .code(0)
        .stdout("loganon check: 0 findings in 0 of 9 lines\n");
}

// ------------------------------------------------------------ 8. real pipe

#[test]
fn pipe_answers_each_line_while_stdin_stays_open() {
    let mut p = spawn(&["anonymize"], true);
    p.write(LINE1_IN);
    assert_eq!(p.next_line(), LINE1_OUT);
    p.write(LINE2_IN);
    assert_eq!(p.next_line(), LINE2_OUT);
    p.close_stdin();
    assert_eq!(p.rest_of_stdout(), "");
    let (status, err) = p.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}

// -------------------------------------------------------------- 9. signals

#[test]
fn sigterm_and_sigint_end_with_exit_0_losing_nothing() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let mut p = spawn(&["anonymize"], true);
        p.write(LINE1_IN);
        assert_eq!(p.next_line(), LINE1_OUT);
        p.write(LINE2_IN);
        assert_eq!(p.next_line(), LINE2_OUT);
        p.signal(sig);
        // stdin is still open: only the signal ends it
        let (status, err) = p.wait();
        assert_eq!(status.code(), Some(0), "signal {sig}: {status:?} {err}");
        assert_eq!(err, "");
        assert_eq!(p.rest_of_stdout(), "");
    }
}

#[test]
fn sigterm_closes_the_gzip_output() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("out.log.gz");
    let mut p = spawn(&["anonymize", "-o", gz.to_str().unwrap()], false);
    p.write(LINE1_IN);
    // the idle flush makes the line decodable before the stream is finished
    wait_until_within(TIMEOUT, "the line in the gzip output", || {
        gunzip_partial(&fs::read(&gz).unwrap_or_default()) == LINE1_OUT.as_bytes()
    });
    p.signal(libc::SIGTERM);
    let (status, err) = p.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
    assert_eq!(text(&gunzip(&fs::read(&gz).unwrap())), LINE1_OUT);
}

#[test]
fn sighup_reopens_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("access.log");
    let rotated = dir.path().join("access.log.1");
    let mut p = spawn(&["anonymize", "-o", file.to_str().unwrap()], false);
    p.write(LINE1_IN);
    wait_until_within(TIMEOUT, "line 1 in the output file", || {
        fs::read_to_string(&file).unwrap_or_default() == LINE1_OUT
    });
    fs::rename(&file, &rotated).unwrap();
    p.signal(libc::SIGHUP);
    // the reopen creates the file again: from then on lines go there
    wait_until_within(TIMEOUT, "the output file to be reopened", || file.exists());
    p.write(LINE2_IN);
    wait_until_within(TIMEOUT, "line 2 in the new output file", || {
        fs::read_to_string(&file).unwrap_or_default() == LINE2_OUT
    });
    p.close_stdin();
    let (status, err) = p.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
    assert_eq!(fs::read_to_string(&rotated).unwrap(), LINE1_OUT);
    assert_eq!(fs::read_to_string(&file).unwrap(), LINE2_OUT);
}

/// BUG: with gzip data on stdin the decoder blocks in `read` without the
/// poll on the signal pipe, so SIGTERM/SIGINT are not acted on until more
/// input or end of file arrives.
#[test]
fn sigterm_with_idle_gzip_stdin_exits_0() {
    let mut p = spawn(&["anonymize"], true);
    let gz = gzip(LINE1_IN.as_bytes());
    p.write_bytes(&gz);
    assert_eq!(p.next_line(), LINE1_OUT);
    p.signal(libc::SIGTERM);
    let (status, err) = p.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(p.rest_of_stdout(), "");
}

#[test]
fn output_file_is_appended_to_and_gzip_gets_a_member_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("out.log");
    let gz = dir.path().join("out.log.gz");
    for input in [LINE1_IN, LINE2_IN] {
        for o in [&plain, &gz] {
            loganon()
                .arg("anonymize")
                .arg("-o")
                .arg(o)
                .write_stdin(input)
                .assert()
                .code(0)
                .stdout("")
                .stderr("");
        }
    }
    let both = [LINE1_OUT, LINE2_OUT].concat();
    assert_eq!(fs::read_to_string(&plain).unwrap(), both);
    assert_eq!(text(&gunzip(&fs::read(&gz).unwrap())), both);
}

// -------------------------------------------------------- 10. closed stdout

#[test]
fn closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    let mut input = String::with_capacity(21_000_000);
    let mut i = 0u64;
    while input.len() < 20_000_000 {
        input.push_str(&format!(
            "192.0.2.{} - u{i} [04/Apr/2026:00:00:00 +0000] \"GET /n/{i}?sid=s{i} HTTP/1.1\" 200 {i} \"-\" \"Agent\"\n",
            i % 250 + 1
        ));
        i += 1;
    }
    fs::write(&big, &input).unwrap();
    drop(input);

    let mut p = Proc::spawn(
        std::process::Command::new(BIN)
            .arg("anonymize")
            .arg(&big)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let stdout = p.take_stdout();
    let (tx, rx) = mpsc::channel();
    // reads one line, then drops the pipe (like `head -1`)
    std::thread::spawn(move || {
        let mut line = Vec::new();
        let _ = BufReader::new(stdout).read_until(b'\n', &mut line);
        let _ = tx.send(line);
    });
    let first = rx.recv_timeout(TIMEOUT).expect("a first line");
    assert_eq!(
        text(&first),
        "192.0.2.0 - - [04/Apr/2026:00:00:00 +0000] \"GET /n/0?sid=REDACTED HTTP/1.1\" 200 0 \"-\" \"Agent\"\n"
    );
    let (status, err) = p.wait_within(Duration::from_secs(60));
    assert_eq!(err, "", "stderr is not empty");
    assert_eq!(status.code(), Some(0), "{status:?}");
}

// --------------------- 11. one 12 MB line (under the 16 MiB whole-line limit)

#[test]
fn twelve_megabyte_line_through_stdin() {
    let half = "a".repeat(6 * 1024 * 1024);
    let head_in = "198.51.100.99 - - [05/May/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"";
    let head_out = "198.51.100.0 - - [05/May/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"";
    let input = [head_in, &half, " jane.doe@example.com ", &half, "\"\n"].concat();
    let expected = [head_out, &half, " REDACTED ", &half, "\"\n"].concat();
    assert_eq!(
        expected.len(),
        input.len() - ("99".len() - "0".len()) - ("jane.doe@example.com".len() - "REDACTED".len())
    );

    let mut p = Proc::spawn(
        std::process::Command::new(BIN)
            .args(["anonymize", "--stats", "json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .deadline(TIMEOUT);
    let mut stdin = p.take_stdin();
    let mut stdout = p.take_stdout();
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
        // stdin is closed here
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        let _ = tx.send(v);
    });
    let out = rx.recv_timeout(Duration::from_secs(120)).expect("stdout ends");
    writer.join().unwrap();
    let (status, err) = p.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let s = stats_of(err.as_bytes());
    assert_eq!(s["lines_read"], 1);
    assert_eq!(s["unparsed"], 0);

    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
    assert_eq!(out.len(), expected.len());
    assert!(out == expected.as_bytes(), "the line differs from the expected one");
    // checked from a file: `check` on stdin is much slower on one huge line
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("long.out");
    fs::write(&f, &out).unwrap();
    loganon()
        .arg("check")
        .arg(&f)
        .timeout(Duration::from_secs(300))
        .assert()
        .code(0)
        .stdout("loganon check: 0 findings in 0 of 1 lines\n");
}

/// `parsed_per_format` as `--stats json` writes it: every format of the
/// registry, zero unless given.
fn per_format(counts: &[(&str, u64)]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for name in loganon::formats::registry::FORMATS.iter().map(|f| f.name) {
        let n = counts.iter().find(|(k, _)| *k == name).map_or(0, |(_, n)| *n);
        m.insert(name.to_string(), n.into());
    }
    serde_json::Value::Object(m)
}

// ------------------------------------- 12. a line too long to hold whole

/// A line over the 16 MiB whole-line limit with no separator anywhere (one
/// chain of emails) is cut into pieces; the cut must not leave half an
/// email behind (before issue 10 one `q@exam` survived at the cut).
#[test]
fn a_line_over_the_limit_is_cut_without_leaving_half_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let mut line = b"q@example.com".repeat(66 * 1024 * 1024 / 13);
    line.push(b'\n');
    fs::write(&path, &line).unwrap();
    let out = std::process::Command::new(BIN)
        .arg("anonymize")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        out.stdout.iter().filter(|&&b| b == b'\n').count(),
        1,
        "one line in, one line out"
    );
    let ats = out.stdout.iter().filter(|&&b| b == b'@').count();
    assert_eq!(ats, 0, "{ats} `@` survived the cut");
    assert!(out.stdout.starts_with(b"REDACTED"));
}
