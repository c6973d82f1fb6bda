//! Issue 25, item 7: container logs. A line the runtime split into CRI
//! partial records (`P` ... `F`) is joined and anonymized whole, written in
//! its last record, the records before it kept with an empty payload;
//! Docker json-file records carry any format with its roles. Each case
//! states the whole output; what was planted is searched for here, and
//! `check` finds nothing in the output.

use std::fs;

use crate::common::bin::{loganon, stats_json, text};

const P: &str = "2026-01-01T10:00:00.000000001Z stdout P ";
const F: &str = "2026-01-01T10:00:00.000000002Z stdout F ";
const EP: &str = "2026-01-01T10:00:00.000000003Z stderr P ";
const EF: &str = "2026-01-01T10:00:00.000000004Z stderr F ";

/// `anonymize --stats json ARGS` of `input` on stdin: stdout, the stats.
fn anonymize(args: &[&str], input: &str) -> (String, serde_json::Value) {
    let o = loganon()
        .args(["anonymize", "--stats", "json", "--now", "2026-01-02"])
        .args(args)
        .stdin(input)
        .assert_exit_code(0);
    (text(&o.stdout), stats_json(&text(&o.stderr)))
}

#[track_caller]
fn assert_clean(out: &str, planted: &[&str]) {
    for p in planted {
        assert!(!out.contains(p), "{p} left in:\n{out}");
    }
    let o = loganon().arg("check").stdin(out).output();
    assert_eq!(o.status.code(), Some(0), "check finds:\n{}", text(&o.stdout));
}

#[test]
fn partial_records_are_joined_and_anonymized_whole() {
    // a secret, an email and a user name cut between records
    let input = [
        format!("{P}52.45.125.4 - jo"),
        format!("{P}hn.doe [01/Jan/2026:10:00:00 +0000] \"GET /?tok"),
        format!("{P}en=abcdef&email=jo"),
        format!("{F}hn@example.com HTTP/1.1\" 200 5"),
        format!("{F}5.6.7.8 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5"),
    ]
    .join("\n")
        + "\n";
    let want = [
        P.to_string(),
        P.to_string(),
        P.to_string(),
        format!(
            "{F}52.45.125.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /?token=REDACTED&email=REDACTED HTTP/1.1\" 200 5"
        ),
        format!("{F}5.6.7.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5"),
    ]
    .join("\n")
        + "\n";
    let (out, stats) = anonymize(&[], &input);
    assert_eq!(out, want);
    // every record is a line: read, written, recognised with its line
    assert_eq!(stats["lines_read"], 5, "{stats}");
    assert_eq!(stats["lines_written"], 5, "{stats}");
    assert_eq!(stats["parsed_per_format"]["common"], 5, "{stats}");
    assert_clean(&out, &["52.45.125.4", "john", "doe", "abcdef", "example.com"]);
    // the same input record by record, each piece alone, leaks: what the
    // joining is for (the cut email's local part, the cut token)
    let before: String = input
        .lines()
        .map(|l| format!("{l}\n"))
        .map(|l| anonymize(&[], &l).0)
        .collect();
    assert!(before.contains("en=abcdef") || before.contains("jo\n"), "{before}");
}

#[test]
fn records_of_the_other_stream_and_an_open_run() {
    // stderr's records between stdout's: each stream's adjacent records
    // are joined; a run with no `F` at the end of the input is joined too
    let input = [
        format!("{EP}{{\"user\":\"bo"),
        format!("{EF}b\",\"ip\":\"10.1.2.3\"}}"),
        format!("{P}user=carol&x=1 from 10.9.8"),
        format!("{P}.7 ok"),
    ]
    .join("\n")
        + "\n";
    let want = [
        EP.to_string(),
        format!("{EF}{{\"user\":\"-\",\"ip\":\"10.1.2.0\"}}"),
        P.to_string(),
        format!("{P}user=REDACTED&x=1 from 10.9.8.0 ok"),
    ]
    .join("\n")
        + "\n";
    let (out, stats) = anonymize(&[], &input);
    assert_eq!(out, want);
    assert_eq!(stats["lines_read"], 4, "{stats}");
    assert_eq!(stats["lines_written"], 4, "{stats}");
    assert_clean(&out, &["\"bo", "10.1.2.3", "carol", "10.9.8.7"]);
}

#[test]
fn an_old_line_goes_with_all_its_records() {
    let input = [
        format!("{P}1.2.3.4 - - [01/Jan/2020:10:00:00 +0000] \"GET /"),
        format!("{F}old HTTP/1.1\" 200 5"),
        format!("{F}1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET /new HTTP/1.1\" 200 5"),
    ]
    .join("\n")
        + "\n";
    let (out, stats) = anonymize(&["--max-age", "30d"], &input);
    assert_eq!(
        out,
        format!("{F}1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /new HTTP/1.1\" 200 5\n")
    );
    assert_eq!(stats["lines_read"], 3, "{stats}");
    assert_eq!(stats["expired"], 2, "{stats}");
    assert_eq!(stats["dropped"], 2, "{stats}");
    assert_eq!(stats["lines_written"], 1, "{stats}");
}

#[test]
fn records_across_the_reads_of_a_file_are_joined() {
    // a file is read in large reads (its first is the read buffer's 256
    // KiB, then 1 MiB each): the records of a line lie across the ends of
    // the first reads, wherever they fall
    let dir = tempfile::tempdir().unwrap();
    let filler = format!("{F}1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n");
    let cut_line = |n: usize| {
        format!("{P}9.8.7.6 - - [01/Jan/2026:10:00:00 +0000] \"GET /?n={n}&session=abc\n{P}def123\n{F}ghi HTTP/1.1\" 200 5\n")
    };
    let mut input = String::new();
    let ends = [256 * 1024, 1024 * 1024, 1280 * 1024, 2304 * 1024];
    for (n, end) in ends.iter().enumerate() {
        while input.len() + filler.len() < end - 40 {
            input.push_str(&filler);
        }
        input.push_str(&cut_line(n));
    }
    input.push_str(&filler);
    let p = dir.path().join("in.log");
    fs::write(&p, &input).unwrap();
    let o = loganon()
        .args(["anonymize", "--stats", "json", "-j", "2"])
        .arg(&p)
        .assert_exit_code(0);
    let out = text(&o.stdout);
    let s = stats_json(&text(&o.stderr));
    let lines = input.lines().count();
    assert_eq!(s["lines_read"], lines, "{s}");
    assert_eq!(out.lines().count(), lines);
    for n in 0..ends.len() {
        let joined = format!(
            "{P}\n{P}\n{F}9.8.7.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /?n={n}&session=REDACTED HTTP/1.1\" 200 5\n"
        );
        assert!(out.contains(&joined), "line {n} not joined");
    }
    assert!(!out.contains("def123") && !out.contains("ghi") && !out.contains("abc"));
}

#[test]
fn docker_records_carry_every_format_with_its_roles() {
    let cases = [
        (
            r#"{"log":"2026/12/07 03:38:32 [error] 7#7: *1 user \"bob\" was not found in \"/h\", client: 52.45.125.4, server: s\n","stream":"stderr","time":"2026-12-07T03:38:32.1Z"}"#,
            r#"{"log":"2026/12/07 03:38:32 [error] 7#7: *1 user \"-\" was not found in \"/h\", client: 52.45.125.0, server: s\n","stream":"stderr","time":"2026-12-07T03:38:32.1Z"}"#,
        ),
        (
            r#"{"log":"[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 1:tid 2] [client 52.45.125.4:5] AH01618: user john doe not found: /p\n","stream":"stderr","time":"2026-12-07T03:38:32.1Z"}"#,
            r#"{"log":"[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 1:tid 2] [client 52.45.125.0:5] AH01618: user - not found: /p\n","stream":"stderr","time":"2026-12-07T03:38:32.1Z"}"#,
        ),
        (
            r#"{"log":"52.45.125.4 - alice [01/Jan/2026:10:00:00 +0000] \"GET /?sid=9 HTTP/1.1\" 200 5\n","stream":"stdout","time":"2026-01-01T10:00:00Z"}"#,
            r#"{"log":"52.45.125.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /?sid=REDACTED HTTP/1.1\" 200 5\n","stream":"stdout","time":"2026-01-01T10:00:00Z"}"#,
        ),
        (
            r#"{"log":"1767261600.779    180 52.45.125.4 TCP_MISS/200 411 GET http://example.com/x alice DIRECT/93.184.216.34 text/html\n","stream":"stdout","time":"2026-01-01T10:00:00Z"}"#,
            r#"{"log":"1767261600.779    180 52.45.125.0 TCP_MISS/200 411 GET http://example.com/x - DIRECT/93.184.216.0 text/html\n","stream":"stdout","time":"2026-01-01T10:00:00Z"}"#,
        ),
    ];
    let input: String = cases.iter().map(|c| format!("{}\n", c.0)).collect();
    let want: String = cases.iter().map(|c| format!("{}\n", c.1)).collect();
    let (out, _) = anonymize(&[], &input);
    assert_eq!(out, want);
    assert_clean(&out, &["bob", "john", "alice", "52.45.125.4", "=9 "]);
}
