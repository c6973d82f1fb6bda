//! Streams under limits (issue 12, items 5 and 7): a full disk, `/dev/full`,
//! FIFOs as inputs, stop signals while an input or the output blocks, a
//! line of 200 MB in bounded memory, a failed write cut back, `check` on a
//! long line.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;

use crate::common::bin::{loganon, stats_json};
use crate::common::child::Proc;
use crate::common::files::line_count;
use crate::common::mount::Mount;
use crate::common::wait::wait_until;

use crate::{clf_line, MIB};

#[test]
fn full_disk_stream_output_ends_with_a_whole_line_and_stats_count_what_is_in_it() {
    let d = tempfile::tempdir().unwrap();
    let Some(m) = Mount::tmpfs(&d.path().join("m"), "256k") else {
        return;
    };
    let out = m.path().join("out.log");
    // what the file held before: it stays, whole
    let old: String = (0..50).map(|i| format!("earlier line {i}\n")).collect();
    fs::write(&out, &old).unwrap();
    let input: String = (0..40_000).map(clf_line).collect();
    assert!(input.len() > 2 * 1024 * 1024);
    let full = loganon().arg("anonymize").stdin(&input).output();
    let expected = full.stdout;
    assert_eq!(expected.iter().filter(|&&c| c == b'\n').count(), 40_000);

    let mut p = loganon()
        .args(["anonymize", "--stats", "json", "-o"])
        .arg(&out)
        .stdin_from(Stdio::piped())
        .stdout_to(Stdio::null())
        .spawn();
    let mut stdin = p.take_stdin();
    // a first part is written for sure, then the rest fills the disk
    let first: usize = input.lines().take(500).map(|l| l.len() + 1).sum();
    stdin.write_all(&input.as_bytes()[..first]).unwrap();
    wait_until("the first 500 lines in the output", || line_count(&out) >= 550);
    let rest = input.as_bytes()[first..].to_vec();
    // the writes fail once loganon has stopped reading
    let h = std::thread::spawn(move || {
        let _ = stdin.write_all(&rest);
    });
    let (ended, _) = p.wait();
    h.join().unwrap();
    let stderr = p.stderr();
    assert_eq!(ended.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot write {}: No space left on device", out.display()))
            && stderr.contains("its last complete line"),
        "{stderr}"
    );
    let got = fs::read(&out).unwrap();
    assert!(got.starts_with(old.as_bytes()), "the earlier lines are intact");
    assert_eq!(got.last(), Some(&b'\n'), "the output ends with a whole line");
    let new = &got[old.len()..];
    assert!(
        expected.starts_with(new),
        "the output is the anonymized input's first lines"
    );
    let lines = new.iter().filter(|&&c| c == b'\n').count();
    assert!((500..40_000).contains(&lines), "{lines} lines");
    assert!(!String::from_utf8_lossy(&got).contains("alice"));
    let j = stats_json(&stderr);
    assert_eq!(j["lines_written"], lines as u64, "{j}");
    assert_eq!(j["bytes_out"], new.len() as u64, "{j}");
    assert_eq!(j["lines_read"], lines as u64, "{j}");
}

#[test]
fn dev_full_as_output_is_one_clear_error() {
    if !Path::new("/dev/full").exists() {
        println!("skipped: no /dev/full");
        return;
    }
    let mut p = loganon()
        .args(["anonymize", "-o", "/dev/full"])
        .stdin_from(Stdio::piped())
        .stdout_to(Stdio::null())
        .spawn();
    let mut stdin = p.take_stdin();
    let _ = stdin.write_all(clf_line(1).as_bytes());
    drop(stdin);
    let (ended, stderr) = p.wait();
    assert_eq!(ended.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "loganon: cannot write /dev/full: No space left on device (os error 28)"
    );
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn batch_refuses_a_fifo_at_once_and_does_the_other_inputs() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("pipe.log");
    mkfifo(&fifo);
    let plain = d.path().join("a.log");
    fs::write(&plain, clf_line(7)).unwrap();
    let out_dir = d.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let one = d.path().join("all.log");
    let runs: [Vec<std::ffi::OsString>; 3] = [
        vec!["--out-dir".into(), out_dir.clone().into()],
        vec!["--in-place".into()],
        vec!["-o".into(), one.clone().into()],
    ];
    for args in runs {
        let mut p = loganon()
            .arg("anonymize")
            .args(&args)
            .arg(&fifo)
            .arg(&plain)
            .stdout_to(Stdio::null())
            .spawn();
        let (ended, stderr) = p.wait();
        assert_eq!(ended.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "loganon: {}: is a FIFO (named pipe), not a regular file;",
                fifo.display()
            )) && stderr.contains("loganon anonymize <"),
            "{args:?}: {stderr}"
        );
    }
    let want = "10.1.0.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /page/7?id=7 HTTP/1.1\" 200 7\n";
    assert_eq!(fs::read_to_string(out_dir.join("a.log")).unwrap(), want);
    assert_eq!(fs::read_to_string(&plain).unwrap(), want, "--in-place did a.log");
    assert_eq!(
        fs::read_to_string(&one).unwrap(),
        want,
        "-o: the FIFO contributed nothing"
    );
    assert!(!out_dir.join("pipe.log").exists());
}

/// The signal's bit in /proc/PID/status `SigCgt`: its handler is installed.
fn catches(pid: u32, sig: libc::c_int) -> bool {
    let Ok(s) = fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    s.lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        .is_some_and(|m| m & (1 << (sig - 1)) != 0)
}

/// Some thread of `pid` sleeps in poll (or the kernel does not say).
fn in_poll(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    let chans: Vec<String> = tasks
        .filter_map(|t| fs::read_to_string(t.ok()?.path().join("wchan")).ok())
        .collect();
    chans.iter().any(|w| w.contains("poll")) || chans.iter().all(|w| w.trim() == "0")
}

#[test]
fn stream_from_a_fifo_without_writer_ends_at_once_on_sigterm_and_sigint() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("f");
        mkfifo(&fifo);
        let mut p = loganon().arg("anonymize").arg(&fifo).spawn();
        let pid = p.pid();
        wait_until("the stop handlers are installed", || catches(pid, sig));
        wait_until("the reader waits in poll", || in_poll(pid));
        p.signal(sig);
        let (ended, stderr) = p.wait();
        assert_eq!(ended.code(), Some(0), "signal {sig}: {stderr}");
        assert_eq!(stderr, "");
        let mut out = String::new();
        p.take_stdout().read_to_string(&mut out).unwrap();
        assert_eq!(out, "");
    }
}

#[test]
fn stream_reads_a_fifo_until_its_writer_closes_it() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("f");
    mkfifo(&fifo);
    let mut p = loganon().arg("anonymize").arg(&fifo).spawn();
    // blocks until loganon has opened the FIFO
    let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    w.write_all(clf_line(3).as_bytes()).unwrap();
    drop(w);
    let (ended, _) = p.wait();
    assert_eq!(ended.code(), Some(0), "{}", p.stderr());
    let mut out = String::new();
    p.take_stdout().read_to_string(&mut out).unwrap();
    assert_eq!(
        out,
        "10.1.0.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /page/3?id=3 HTTP/1.1\" 200 3\n"
    );
}

#[test]
fn a_200_mb_line_stays_under_128_mib_and_loses_its_user_field() {
    const SIZE: usize = 200 * 1000 * 1000;
    let mut p = loganon()
        .args(["anonymize", "--stats", "json"])
        .stdin_from(Stdio::piped())
        .spawn();
    let mut stdin = p.take_stdin();
    let writer = std::thread::spawn(move || {
        stdin
            .write_all(b"1.2.3.4 - alice [01/Jan/2026:00:00:00 +0000] \"GET /?q=")
            .unwrap();
        let block = format!("{} ", "a".repeat(4095)).repeat(256);
        for _ in 0..SIZE / block.len() {
            stdin.write_all(block.as_bytes()).unwrap();
        }
        stdin
            .write_all(b" HTTP/1.1\" 200 5\n5.6.7.8 - bob [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n")
            .unwrap();
    });
    let mut stdout = p.take_stdout();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 20];
        let (mut head, mut tail, mut total) = (Vec::new(), Vec::new(), 0usize);
        let mut names = 0;
        loop {
            let n = stdout.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            total += n;
            if head.len() < 64 {
                head.extend_from_slice(&buf[..n.min(64)]);
            }
            // a name across two reads is seen where they meet
            let mut seam = tail[tail.len().saturating_sub(8)..].to_vec();
            seam.extend_from_slice(&buf[..n.min(8)]);
            for hay in [&seam[..], &buf[..n]] {
                names += memchr::memmem::find_iter(hay, b"alice").count();
                names += memchr::memmem::find_iter(hay, b" bob ").count();
            }
            if n >= 200 {
                tail.clear();
            }
            tail.extend_from_slice(&buf[..n]);
            let keep = tail.len().saturating_sub(200);
            tail.drain(..keep);
        }
        (head, tail, total, names)
    });
    writer.join().unwrap();
    let (ended, _) = p.wait();
    let (head, tail, total, names) = reader.join().unwrap();
    let stderr = p.stderr();
    assert_eq!(ended.code(), Some(0), "{stderr}");
    println!("a 200 MB line: peak RSS {} MiB", p.max_rss() / MIB);
    assert!(p.max_rss() < 128 * MIB, "peak RSS {} MiB", p.max_rss() / MIB);
    assert!(
        head.starts_with(b"1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /?q=aaa"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    assert!(
        tail.ends_with(b"aaa  HTTP/1.1\" 200 5\n5.6.7.0 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"),
        "{}",
        String::from_utf8_lossy(&tail)
    );
    assert_eq!(names, 0, "a user field survived");
    assert!(total > SIZE - 1024 * 1024);
    let j = stats_json(&stderr);
    assert_eq!(
        (j["lines_read"].as_u64(), j["lines_written"].as_u64()),
        (Some(2), Some(2)),
        "{j}"
    );
    assert_eq!(j["unparsed"], 1, "{j}");
}

/// Some thread of `pid` sleeps in a pipe write.
fn in_pipe_write(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks
        .filter_map(|t| fs::read_to_string(t.ok()?.path().join("wchan")).ok())
        .any(|w| w.contains("pipe_w"))
}

#[test]
fn a_second_stop_signal_ends_a_stream_blocked_on_its_output() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in.log");
    fs::write(&input, (0..40_000).map(clf_line).collect::<String>()).unwrap();
    // stdout is a pipe nobody reads: the write blocks
    let mut p = loganon().arg("anonymize").arg(&input).spawn();
    let pid = p.pid();
    wait_until("the stop handlers are installed", || {
        catches(pid, libc::SIGTERM) && catches(pid, libc::SIGINT)
    });
    let wchan_known = fs::read_to_string(format!("/proc/{pid}/wchan")).is_ok_and(|w| w.trim() != "0");
    if wchan_known {
        wait_until("a write to stdout blocks", || in_pipe_write(pid));
    }
    // two different signals: both are delivered, never merged into one
    p.signal(libc::SIGTERM);
    p.signal(libc::SIGINT);
    let (ended, _) = p.wait();
    assert_eq!(ended.code(), Some(1), "{}", p.stderr());
}

/// Fills the file system of `dir` with a filler file until it is full.
fn fill(dir: &Path) {
    let mut f = fs::File::create(dir.join("filler")).unwrap();
    let block = vec![b'x'; 4096];
    while f.write_all(&block).is_ok() {}
    let _ = f.write_all(b"x");
}

fn stream_to(out: &Path) -> Proc {
    loganon()
        .args(["anonymize", "-o"])
        .arg(out)
        .stdin_from(Stdio::piped())
        .stdout_to(Stdio::null())
        .spawn()
}

#[test]
fn a_failed_write_cuts_back_only_its_own_bytes() {
    let d = tempfile::tempdir().unwrap();
    let Some(m) = Mount::tmpfs(&d.path().join("m"), "256k") else {
        return;
    };
    let out = m.path().join("out.log");
    // two writers append to one file (Apache graceful with --until-eof):
    // B's lines, written after A's last good write, survive A's failure
    let mut a = stream_to(&out);
    let mut b = stream_to(&out);
    let mut a_in = a.take_stdin();
    let mut b_in = b.take_stdin();
    a_in.write_all(clf_line(0).as_bytes()).unwrap();
    wait_until("A's line", || line_count(&out) == 1);
    let b_lines: String = (1..201).map(clf_line).collect();
    b_in.write_all(b_lines.as_bytes()).unwrap();
    wait_until("B's lines", || line_count(&out) == 201);
    let before = fs::read(&out).unwrap();
    fill(m.path());
    // a line long enough to be cut by the full disk
    let long = format!("{}\n", "x".repeat(200_000));
    let _ = a_in.write_all(long.as_bytes());
    drop(a_in);
    let (ended, _) = a.wait();
    assert_eq!(ended.code(), Some(1), "{}", a.stderr());
    let after = fs::read(&out).unwrap();
    assert!(
        after == before,
        "B's lines and the earlier ones are intact: {} bytes before, {} after",
        before.len(),
        after.len()
    );
    drop(b_in);
    b.wait();

    // copytruncate: the file was emptied by another program, then a write
    // fails; the file is never grown back to an old length
    fs::remove_file(m.path().join("filler")).unwrap();
    let mut c = stream_to(&out);
    let mut c_in = c.take_stdin();
    let lines: String = (0..100).map(clf_line).collect();
    c_in.write_all(lines.as_bytes()).unwrap();
    wait_until("C's lines", || line_count(&out) >= 300);
    fs::OpenOptions::new()
        .write(true)
        .open(&out)
        .unwrap()
        .set_len(0)
        .unwrap();
    fill(m.path());
    let _ = c_in.write_all(long.as_bytes());
    drop(c_in);
    let (ended, _) = c.wait();
    assert_eq!(ended.code(), Some(1), "{}", c.stderr());
    let got = fs::read(&out).unwrap();
    assert!(
        !got.contains(&0),
        "no NUL bytes: the file was not grown ({} bytes)",
        got.len()
    );
    assert!(got.is_empty() || got.ends_with(b"\n"), "{} bytes", got.len());
}

#[test]
fn check_reads_a_long_line_in_pieces_and_misses_nothing_at_their_cuts() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("long.log");
    // A line over the whole-line limit (`loganon::lines::LONG_LINE`): emails,
    // then a run without a separator across the first piece's end, where the
    // cut falls 1 KiB before it and splits `secret@ex|ample.org`. Each piece
    // begins with the end of the one before: the email is whole in the
    // second piece and found there once.
    let long_line = loganon::lines::LONG_LINE;
    let planted = 100_000;
    let mut line = b"a@b.io ".repeat(planted);
    line.resize(long_line - 1024 - 9, b'/');
    line.extend_from_slice(b"secret@example.org");
    line.resize(long_line + (100 << 10), b'/');
    line.push(b'\n');
    line.extend_from_slice(b"a short line\n");
    fs::write(&p, &line).unwrap();
    let mut c = loganon()
        .args(["check", "--json"])
        .arg(&p)
        .stderr_to(Stdio::null())
        .spawn();
    let mut out = String::new();
    c.take_stdout().read_to_string(&mut out).unwrap();
    let (ended, _) = c.wait();
    assert_eq!(ended.code(), Some(1));
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["lines"], 2, "{j}");
    assert_eq!(j["lines_with_findings"], 1, "{j}");
    assert_eq!(j["per_rule"]["email"], planted as u64 + 1, "{j}");
    assert!(c.max_rss() < 128 << 20, "peak RSS {} MiB", c.max_rss() >> 20);
}
