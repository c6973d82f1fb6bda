//! `listen` under limits (issue 12, item 7): a connection cap, an idle
//! timeout, 1,000 connections each holding an unfinished 1 MiB frame in
//! bounded memory, a full disk.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::bin::{loganon, stats_json};
use crate::common::child::Proc;
use crate::common::files::line_count;
use crate::common::mount::Mount;
use crate::common::wait::{wait_until, DEADLINE};

use crate::{clf_line, MIB};

// ---------------------------------------------------------------------------
// listen

fn listen(out: &Path, extra: &[&str]) -> (Proc, SocketAddr) {
    let mut p = loganon()
        .args(["listen", "--tcp", "127.0.0.1:0", "--stats", "json", "-o"])
        .arg(out)
        .args(extra)
        .stdout_to(Stdio::null())
        .spawn();
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
    // (no frame deadline: the frames are held until the counters are read,
    // however long 1,000 connections take to open on a slow machine)
    let (mut p, addr) = listen(&out, &["--max-connections", "2000", "--frame-timeout", "0"]);
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
