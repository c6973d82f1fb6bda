//! Long lines on the command line: one 12 MB line whole, and a line over
//! the 16 MiB whole-line limit cut without leaving half a token (running in
//! `cli.rs`).

use std::fs;
use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::cli::{stats_of, TIMEOUT};
use crate::common::bin::{loganon, text};

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

    let mut p = loganon()
        .args(["anonymize", "--stats", "json"])
        .stdin_from(Stdio::piped())
        .spawn()
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
    let got = loganon()
        .arg("check")
        .arg(&f)
        .timeout(Duration::from_secs(300))
        .assert_exit_code(0);
    assert_eq!(text(&got.stdout), "loganon check: 0 findings in 0 of 1 lines\n");
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
    let out = loganon().arg("anonymize").arg(&path).output();
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
