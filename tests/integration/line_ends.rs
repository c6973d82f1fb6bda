//! One definition of a line for every reader (issue 24, `loganon::lines`):
//! the stream (stdin on a pipe, and a file named), the batch (`--out-dir`),
//! `check`, `check --k-report` and `run`'s daily totals count the same lines
//! for inputs with lone `\r` ends, `\r\n` ends, a `\r` that ends a read with
//! its `\n` (or the next line) in the next, and a line over the whole-line
//! limit.
//!
//! Reads of a file: the producer of the stream and the batch reads 256 KiB
//! first (the input's sniffing buffer), then 1 MiB at a time; `check` and
//! the totals 256 KiB at a time; the stream reads a file given as its stdin
//! 1 MiB at a time. The `\r`s of [`split_reads`] sit at those boundaries.

use std::fs;

use loganon::commands::check::k_report;
use loganon::commands::run::totals::totals_of_file;
use loganon::io::input::Source;
use loganon::lines::LONG_LINE;
use loganon::Engine;

use crate::common::bin::{assert_exit, loganon, stats_json, text};
use crate::common::files::tempdir;

/// A CLF request every reader parses, its request path `pad` bytes long.
fn request(i: usize, pad: usize) -> String {
    format!(
        "10.0.{}.{} - - [01/Jan/2026:10:00:00 +0000] \"GET /{} HTTP/1.1\" 200 5",
        i / 250 % 250,
        i % 250 + 1,
        "p".repeat(pad)
    )
}

/// What each reader counted.
#[derive(Debug, PartialEq)]
struct Counted {
    /// lines the anonymizer read, and of them those it could not parse
    lines: u64,
    unparsed: u64,
}

/// The lines each reader counts in `input`; asserts that they agree (the
/// totals and the k report count the parsed lines: a line over the limit is
/// never parsed) and that the anonymized output has the input's line ends.
fn same_lines(input: &[u8]) -> Counted {
    let dir = tempdir();
    let path = dir.path().join("in.log");
    fs::write(&path, input).unwrap();
    let mut counts = Vec::new();

    // the stream: stdin on a pipe, a file as stdin, a file named
    let piped = loganon().args(["anonymize", "--stats", "json"]).stdin(input).output();
    let as_stdin = loganon()
        .args(["anonymize", "--stats", "json"])
        .stdin_from(fs::File::open(&path).unwrap())
        .output();
    let named = loganon().args(["anonymize", "--stats", "json"]).arg(&path).output();
    for (how, o) in [("piped", &piped), ("stdin file", &as_stdin), ("named", &named)] {
        assert_exit(o, 0);
        let j = stats_json(&text(&o.stderr));
        let c = Counted {
            lines: j["lines_read"].as_u64().unwrap(),
            unparsed: j["unparsed"].as_u64().unwrap(),
        };
        assert_eq!(j["lines_written"].as_u64(), Some(c.lines), "{how}: {j}");
        assert_eq!(ends(&o.stdout), ends(input), "{how}: the line ends are written back");
        counts.push((how, c));
    }
    assert_eq!(piped.stdout, named.stdout);
    assert_eq!(as_stdin.stdout, named.stdout);

    // the batch
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let batch = loganon()
        .args(["anonymize", "--stats", "json", "--out-dir"])
        .arg(&out)
        .arg(&path)
        .output();
    assert_exit(&batch, 0);
    let j = &stats_json(&text(&batch.stderr))["total"];
    counts.push((
        "batch",
        Counted {
            lines: j["lines_read"].as_u64().unwrap(),
            unparsed: j["unparsed"].as_u64().unwrap(),
        },
    ));
    assert_eq!(fs::read(out.join("in.log")).unwrap(), named.stdout);

    let want = counts.pop().unwrap().1;
    for (how, c) in counts {
        assert_eq!(c, want, "{how} and the batch");
    }

    // check counts every line, the long one once
    let check = loganon().args(["check", "--json"]).arg(&path).output();
    let j: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(j["lines"].as_u64(), Some(want.lines), "check: {j}");

    // the k report and the totals count the requests: the parsed lines
    let requests = want.lines - want.unparsed;
    let engine = Engine::default();
    let (report, unread) = k_report(&engine, &[Source::File(path.clone())], 2, 0);
    assert!(unread.is_empty(), "{unread:?}");
    assert_eq!(
        report.days.iter().map(|d| d.requests).sum::<u64>(),
        requests,
        "k report"
    );
    let days = totals_of_file(&engine, &path).unwrap();
    assert_eq!(days.values().map(|d| d.requests).sum::<u64>(), requests, "totals");
    want
}

/// The line ends of `b` in order: `\n`, `\r\n` (as `R`) and lone `\r`.
fn ends(b: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut k = 0;
    while k < b.len() {
        match (b[k], b.get(k + 1)) {
            (b'\r', Some(b'\n')) => {
                v.push(b'R');
                k += 1;
            }
            (b'\r' | b'\n', _) => v.push(b[k]),
            _ => {}
        }
        k += 1;
    }
    v
}

/// `n` requests, each ended by `end` (the last too when `last`).
fn requests(n: usize, end: &str, last: bool) -> Vec<u8> {
    let mut v: Vec<u8> = (0..n)
        .flat_map(|i| format!("{}{end}", request(i, 10)).into_bytes())
        .collect();
    if !last {
        v.truncate(v.len() - end.len());
    }
    v
}

#[test]
fn lone_cr_ends_are_lines_for_every_reader() {
    let c = same_lines(&requests(40, "\r", true));
    assert_eq!(c, Counted { lines: 40, unparsed: 0 });
    // and a last line without its end
    let c = same_lines(&requests(40, "\r", false));
    assert_eq!(c, Counted { lines: 40, unparsed: 0 });
}

#[test]
fn crlf_ends_are_one_end_for_every_reader() {
    let c = same_lines(&requests(40, "\r\n", true));
    assert_eq!(c, Counted { lines: 40, unparsed: 0 });
    // mixed with `\n` and lone `\r`, a `\r` last
    let mut mixed = requests(10, "\r\n", true);
    mixed.extend(requests(10, "\n", true));
    mixed.extend(requests(10, "\r", true));
    mixed.extend(requests(10, "\r\n", true));
    mixed.extend(requests(1, "\r", true));
    assert_eq!(same_lines(&mixed), Counted { lines: 41, unparsed: 0 });
}

/// `\r` as the last byte of a read at 256 KiB (its `\n` in the next), at
/// 1 MiB (the next line in the next read: a lone `\r`) and at 1.25 MiB (a
/// `\n` next).
#[test]
fn a_cr_split_across_reads_ends_one_line_for_every_reader() {
    let (kib256, mib) = (256 * 1024, 1024 * 1024);
    let mut input: Vec<u8> = Vec::new();
    let mut n = 0;
    for (boundary, next) in [(kib256, "\n"), (mib, ""), (mib + kib256, "\n")] {
        // requests up to the boundary, the last one padded to end there
        while boundary - input.len() > 400 {
            input.extend_from_slice(format!("{}\n", request(n, 100)).as_bytes());
            n += 1;
        }
        let room = boundary - input.len() - request(n, 0).len() - 1;
        input.extend_from_slice(format!("{}\r{next}", request(n, room)).as_bytes());
        n += 1;
        assert_eq!(input[boundary - 1], b'\r');
    }
    input.extend_from_slice(format!("{}\n", request(n, 5)).as_bytes());
    n += 1;
    let c = same_lines(&input);
    assert_eq!(
        c,
        Counted {
            lines: n as u64,
            unparsed: 0
        }
    );
}

/// A line over the limit: the anonymizer sends it in pieces (one line, not
/// parsed), check judges its pieces (one line), the totals and the k
/// report do not count it; the lines around it are whole.
#[test]
fn a_line_over_the_limit_is_one_line_for_every_reader() {
    let mut input = requests(3, "\r\n", true);
    let long = request(99, LONG_LINE + 2 * 1024 * 1024);
    // (a separator now and then, where the cuts fall)
    let long = long.replace("pppppppppp", "ppppppppp&");
    input.extend_from_slice(format!("{long}\r\n").as_bytes());
    input.extend_from_slice(&requests(3, "\r", true));
    let c = same_lines(&input);
    assert_eq!(c, Counted { lines: 7, unparsed: 1 });
}
