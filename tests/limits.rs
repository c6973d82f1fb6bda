//! Issue 12, items 5 and 7: streams on a full disk, FIFOs and devices as
//! inputs, stop signals while an input blocks, and bounded memory (a line of
//! 200 MB; `listen` with a connection cap, an idle timeout and 1,000
//! connections each holding an unfinished 1 MiB frame).
//!
//! Nothing waits for a fixed time: every wait polls for its condition (a
//! file holds N lines, a process has its handlers and sleeps in `poll`, a
//! counter reached N) until a deadline. Tests that mount a tmpfs need root;
//! they say so and pass when they cannot.
//!
//! A test binary of its own, not a module of `tests/integration/`: the peak
//! RSS of a child comes from `wait4`, and Linux counts in it the high-water
//! mark of the process that spawned it (exec records the image it replaces).
//! In the one binary of all the other tests, whose own peak reaches 200 MiB,
//! every child would be measured at that much.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use crate::common::bin::{stats_json, BIN};
use crate::common::child::Proc;
use crate::common::files::line_count;
use crate::common::mount::Mount;
use crate::common::wait::{wait_until, DEADLINE};

const MIB: i64 = 1024 * 1024;

/// A CLF line whose user field is personal.
fn clf_line(i: usize) -> String {
    format!(
        "10.1.{}.{} - alice{i} [01/Jan/2026:00:00:00 +0000] \"GET /page/{i}?id={i} HTTP/1.1\" 200 {i}\n",
        i / 250 % 250,
        i % 250 + 1
    )
}

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
    let full = Command::new(BIN)
        .arg("anonymize")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            let mut w = c.stdin.take().unwrap();
            let text = input.clone();
            let h = std::thread::spawn(move || w.write_all(text.as_bytes()));
            let o = c.wait_with_output();
            h.join().unwrap().unwrap();
            o
        })
        .unwrap();
    let expected = full.stdout;
    assert_eq!(expected.iter().filter(|&&c| c == b'\n').count(), 40_000);

    let mut p = Proc::spawn(
        Command::new(BIN)
            .args(["anonymize", "--stats", "json", "-o"])
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
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
    let mut p = Proc::spawn(
        Command::new(BIN)
            .args(["anonymize", "-o", "/dev/full"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
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
        let mut p = Proc::spawn(
            Command::new(BIN)
                .arg("anonymize")
                .args(&args)
                .arg(&fifo)
                .arg(&plain)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        );
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
        let mut p = Proc::spawn(
            Command::new(BIN)
                .arg("anonymize")
                .arg(&fifo)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
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
    let mut p = Proc::spawn(
        Command::new(BIN)
            .arg("anonymize")
            .arg(&fifo)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
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
    let mut p = Proc::spawn(
        Command::new(BIN)
            .args(["anonymize", "--stats", "json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
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

// ---------------------------------------------------------------------------
// listen

fn listen(out: &Path, extra: &[&str]) -> (Proc, SocketAddr) {
    let mut p = Proc::spawn(
        Command::new(BIN)
            .args(["listen", "--tcp", "127.0.0.1:0", "--stats", "json", "-o"])
            .arg(out)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let l = p.stderr_line("listening on tcp", |l| l.starts_with("loganon: listening on tcp "));
    let addr = l["loganon: listening on tcp ".len()..].parse().unwrap();
    (p, addr)
}

/// The counters of a SIGUSR1 report, polled until `cond` holds.
#[track_caller]
fn counters_until(p: &mut Proc, what: &str, cond: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let end = Instant::now() + DEADLINE;
    loop {
        p.signal(libc::SIGUSR1);
        let l = p.stderr_line("with counters", |l| l.starts_with('{'));
        let j: serde_json::Value = serde_json::from_str(&l).unwrap();
        if cond(&j) {
            return j;
        }
        assert!(Instant::now() < end, "timed out waiting for: {what}; last {j}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads until the peer closes; panics when it does not before the deadline.
#[track_caller]
fn closed_by_peer(c: &mut TcpStream) {
    c.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut b = [0u8; 16];
    match c.read(&mut b) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        r => panic!("the connection was not closed: {r:?}"),
    }
}

#[test]
fn listen_closes_connections_over_the_cap_and_takes_new_ones_when_one_ends() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out.log");
    let (mut p, addr) = listen(&out, &["--max-connections", "2"]);
    let mut c1 = TcpStream::connect(addr).unwrap();
    let mut c2 = TcpStream::connect(addr).unwrap();
    c1.write_all(b"1.2.3.4 one\n").unwrap();
    c2.write_all(b"1.2.3.5 two\n").unwrap();
    wait_until("two lines", || line_count(&out) == 2);
    let mut c3 = TcpStream::connect(addr).unwrap();
    closed_by_peer(&mut c3);
    p.stderr_line("about the cap", |l| {
        l.starts_with("loganon: 2 connections are open (--max-connections)")
    });
    drop(c1);
    counters_until(&mut p, "one connection open", |j| j["connections_open"] == 1);
    let mut c4 = TcpStream::connect(addr).unwrap();
    c4.write_all(b"1.2.3.6 four\n").unwrap();
    wait_until("three lines", || line_count(&out) == 3);
    p.signal(libc::SIGTERM);
    let (ended, stderr) = p.wait();
    assert_eq!(ended.code(), Some(0), "{stderr}");
    let j = stats_json(&stderr);
    assert_eq!(j["connections_refused"], 1, "{j}");
    assert_eq!(j["written"], 3, "{j}");
    let text = fs::read_to_string(&out).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines, ["1.2.3.0 four", "1.2.3.0 one", "1.2.3.0 two"]);
    drop((c2, c4));
}

#[test]
fn listen_closes_an_idle_connection_and_discards_its_unfinished_frame() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out.log");
    let (mut p, addr) = listen(&out, &["--idle-timeout", "1"]);
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(b"1.2.3.4 whole\n5.6.7.8 unfinished").unwrap();
    closed_by_peer(&mut c);
    wait_until("the whole line", || line_count(&out) == 1);
    p.signal(libc::SIGTERM);
    let (ended, stderr) = p.wait();
    assert_eq!(ended.code(), Some(0), "{stderr}");
    let j = stats_json(&stderr);
    assert_eq!(
        (j["idle_closed"].as_u64(), j["discarded"].as_u64()),
        (Some(1), Some(1)),
        "{j}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "1.2.3.0 whole\n");
}

/// Raises the soft limit of open files (children inherit it).
fn raise_nofile(want: u64) -> bool {
    // SAFETY: getrlimit/setrlimit with a valid rlimit struct.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return false;
        }
        if r.rlim_cur >= want {
            return true;
        }
        if r.rlim_max < want {
            return false;
        }
        r.rlim_cur = want;
        libc::setrlimit(libc::RLIMIT_NOFILE, &r) == 0
    }
}

#[test]
fn listen_1000_connections_with_unfinished_1_mib_frames_stay_under_256_mib() {
    const CONNS: usize = 1000;
    if !raise_nofile(4 * CONNS as u64) {
        println!("skipped: cannot open {CONNS} connections (RLIMIT_NOFILE)");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out.log");
    let (mut p, addr) = listen(&out, &["--max-connections", "2000"]);
    let frame = vec![b'a'; 1 << 20];
    let mut conns = Vec::new();
    for _ in 0..CONNS {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(b"1.2.3.4 ").unwrap();
        c.write_all(&frame).unwrap();
        conns.push(c);
    }
    counters_until(&mut p, "every frame seen too long", |j| {
        j["discarded"] == CONNS as u64 && j["connections_open"] == CONNS as u64
    });
    p.signal(libc::SIGTERM);
    let (ended, stderr) = p.wait();
    assert_eq!(ended.code(), Some(0), "{stderr}");
    println!("{CONNS} connections: peak RSS {} MiB", p.max_rss() / MIB);
    assert!(p.max_rss() < 256 * MIB, "peak RSS {} MiB", p.max_rss() / MIB);
    let j = stats_json(&stderr);
    assert_eq!(
        (j["discarded"].as_u64(), j["written"].as_u64()),
        (Some(CONNS as u64), Some(0)),
        "{j}"
    );
    assert_eq!(fs::read(&out).unwrap(), b"");
    drop(conns);
}

#[test]
fn listen_on_a_full_disk_ends_with_a_whole_line_and_counts_what_is_in_the_file() {
    let d = tempfile::tempdir().unwrap();
    let Some(m) = Mount::tmpfs(&d.path().join("m"), "256k") else {
        return;
    };
    let out = m.path().join("out.log");
    let (mut p, addr) = listen(&out, &[]);
    let mut c = TcpStream::connect(addr).unwrap();
    let input: String = (0..40_000).map(clf_line).collect();
    // the writes fail once the listener has stopped
    let _ = c.write_all(input.as_bytes());
    let (ended, stderr) = p.wait();
    assert_eq!(ended.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot write {}: No space left on device", out.display()))
            && stderr.contains("its last complete line"),
        "{stderr}"
    );
    let got = fs::read(&out).unwrap();
    let lines = got.iter().filter(|&&b| b == b'\n').count();
    assert!(got.is_empty() || got.last() == Some(&b'\n'), "a torn last line");
    assert!(!String::from_utf8_lossy(&got).contains("alice"));
    let j = stats_json(&stderr);
    assert_eq!(j["written"], lines as u64, "{j}");
    assert_eq!(j["bytes_out"], got.len() as u64, "{j}");
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
    let mut p = Proc::spawn(
        Command::new(BIN)
            .arg("anonymize")
            .arg(&input)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
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
    Proc::spawn(
        Command::new(BIN)
            .args(["anonymize", "-o"])
            .arg(out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    )
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
    let mut c = Proc::spawn(
        Command::new(BIN)
            .args(["check", "--json"])
            .arg(&p)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
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
