//! `loganon listen` cannot be starved (issue 26, item 3): a frame must
//! finish within `--frame-timeout`, a full server makes room by evicting
//! the connection whose unfinished frame is oldest, a well-behaved client is
//! served within a second while hundreds of others trickle bytes, hold
//! unfinished frames or flood, and `--max-frame` holds for UDP datagrams.
//!
//! Nothing waits for a fixed time: every wait polls for its condition (the
//! file holds N lines, the counters of SIGUSR1 say so, the peer closed)
//! until a deadline. The pauses of the clients below pace their sending (a
//! byte a second, a frame in two halves), they synchronise nothing.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::bin::{loganon, stats_json};
use crate::common::child::Proc;
use crate::common::files::{line_count, read_text};
use crate::common::wait::wait_until;
use crate::servers::{listen, sorted};

/// How long a connection is given to be closed by the listener.
const CLOSE_WITHIN: Duration = Duration::from_secs(15);

/// Reads until the peer closes; panics when it does not within
/// [`CLOSE_WITHIN`]. Returns when it was closed.
#[track_caller]
fn closed_by_peer(c: &mut TcpStream) -> Instant {
    c.set_read_timeout(Some(CLOSE_WITHIN)).unwrap();
    let mut b = [0u8; 16];
    match c.read(&mut b) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        r => panic!("the connection was not closed within {CLOSE_WITHIN:?}: {r:?}"),
    }
    Instant::now()
}

/// The counters of a SIGUSR1 report (`--stats json`), asked for until
/// `cond` holds (at most 60 s).
#[track_caller]
fn counters_until(p: &mut Proc, what: &str, cond: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        p.signal(libc::SIGUSR1);
        let l = p.stderr_line("the counters", |l| l.starts_with('{'));
        let j: serde_json::Value = serde_json::from_str(&l).unwrap();
        if cond(&j) {
            return j;
        }
        assert!(Instant::now() < end, "timed out waiting for: {what}; last {j}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// The output's lines, sorted.
fn lines_of(text: &str) -> Vec<String> {
    sorted(text.lines().map(String::from).collect())
}

#[test]
fn listen_frame_timeout_closes_a_connection_that_trickles_an_unfinished_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.log");
    let o = out.to_str().unwrap();
    let mut l = listen(&[
        "--tcp",
        "127.0.0.1:0",
        "-o",
        o,
        "--stats",
        "json",
        "--frame-timeout",
        "1",
    ]);
    let tcp = l.listen_addr("tcp");

    // a client that always holds an unfinished frame for 2.4 s, longer than
    // the deadline, but whose every frame ends within 300 ms: it stays
    let steady = thread::spawn(move || {
        let mut c = TcpStream::connect(tcp).unwrap();
        c.write_all(b"10.0.0.0 ste").unwrap();
        for k in 1..=8 {
            thread::sleep(Duration::from_millis(300));
            c.write_all(format!("ady\n10.0.0.{k} ste").as_bytes()).unwrap();
        }
        thread::sleep(Duration::from_millis(300));
        c.write_all(b"ady\n").unwrap();
        c
    });

    // a client that sends a whole line, then an unfinished frame a byte every
    // 100 ms: never idle (--idle-timeout is 60 s), closed after 1 s
    let mut t = TcpStream::connect(tcp).unwrap();
    t.write_all(b"1.2.3.4 whole\n").unwrap();
    let t0 = Instant::now();
    let mut w = t.try_clone().unwrap();
    let trickler = thread::spawn(move || {
        for b in b"5.6.7.8 never ends ".iter().cycle() {
            if w.write_all(&[*b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let closed = closed_by_peer(&mut t);
    let after = closed - t0;
    assert!(
        after >= Duration::from_secs(1) && after < Duration::from_secs(5),
        "closed after {after:?}"
    );
    trickler.join().unwrap();

    let mut c = steady.join().unwrap();
    c.write_all(b"10.0.1.1 still open\n").unwrap();
    wait_until("11 lines", || line_count(&out) == 11);
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let mut want = vec!["10.0.0.0 steady".to_string(); 9];
    want.push("1.2.3.0 whole".into());
    want.push("10.0.1.0 still open".into());
    assert_eq!(lines_of(&read_text(&out)), sorted(want));
    let j = stats_json(&err);
    assert_eq!(
        (
            j["frame_timeouts"].as_u64(),
            j["discarded"].as_u64(),
            j["idle_closed"].as_u64(),
            j["connections_evicted"].as_u64(),
            j["written"].as_u64()
        ),
        (Some(1), Some(1), Some(0), Some(0), Some(11)),
        "{j}"
    );
    assert!(!err.contains("5.6.7.8"), "{err}");
}

#[test]
fn listen_frame_timeout_option_in_help_and_its_bad_values() {
    let run = |args: &[&str]| {
        let o = loganon().arg("listen").args(args).output();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    // the option's lines, up to the next option
    let mut lines = help
        .lines()
        .skip_while(|x| !x.trim_start().starts_with("--frame-timeout"));
    let first = lines.next().unwrap_or_else(|| panic!("no --frame-timeout in {help}"));
    let rest = lines.take_while(|x| !x.trim_start().starts_with('-'));
    let text = std::iter::once(first)
        .chain(rest)
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        text,
        "--frame-timeout <SECS> Close a TCP or unix connection whose unfinished frame began SECS ago \
         (0 = never); the frame is discarded (counted as discarded and frame_timeouts) [default: 10]"
    );
    for bad in ["soon", "1.5", ""] {
        let (code, _, err) = run(&["--tcp", "127.0.0.1:0", "-o", "/dev/null", "--frame-timeout", bad]);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(
            err.contains(&format!("invalid value '{bad}' for '--frame-timeout <SECS>'")),
            "{bad}: {err}"
        );
    }
}

#[test]
fn listen_when_full_evicts_the_connection_whose_unfinished_frame_is_oldest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.log");
    let o = out.to_str().unwrap();
    let mut l = listen(&[
        "--tcp",
        "127.0.0.1:0",
        "-o",
        o,
        "--stats",
        "json",
        "--max-connections",
        "2",
    ]);
    let tcp = l.listen_addr("tcp");
    let connect = || TcpStream::connect(tcp).unwrap();
    // each write ends with an unfinished frame; the whole line before it,
    // once in the file, says the listener has read it
    let mut c1 = connect();
    c1.write_all(b"1.2.3.1 one\n5.5.5.1 cut").unwrap();
    wait_until("1 line", || line_count(&out) == 1);
    let mut c2 = connect();
    c2.write_all(b"1.2.3.2 two\n5.5.5.2 unfini").unwrap();
    wait_until("2 lines", || line_count(&out) == 2);
    // full: c1's unfinished frame is the oldest
    let mut c3 = connect();
    closed_by_peer(&mut c1);
    c3.write_all(b"1.2.3.3 three\n7.7.7.3 cut").unwrap();
    wait_until("3 lines", || line_count(&out) == 3);
    // c2 (the older connection) ends its frame and begins another, after c3's
    c2.write_all(b"shed\n5.5.5.2 cut").unwrap();
    wait_until("4 lines", || line_count(&out) == 4);
    let mut c4 = connect();
    closed_by_peer(&mut c3);
    c4.write_all(b"1.2.3.4 four\n").unwrap();
    c2.write_all(b"ter\n").unwrap();
    wait_until("6 lines", || line_count(&out) == 6);
    // full, and no connection holds an unfinished frame: the new one is refused
    let mut c5 = connect();
    closed_by_peer(&mut c5);
    l.stderr_line("about the cap", |x| {
        x.starts_with("loganon: 2 connections are open (--max-connections)")
    });
    c4.write_all(b"1.2.3.4 again\n").unwrap();
    wait_until("7 lines", || line_count(&out) == 7);
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(
        lines_of(&read_text(&out)),
        [
            "1.2.3.0 again",
            "1.2.3.0 four",
            "1.2.3.0 one",
            "1.2.3.0 three",
            "1.2.3.0 two",
            "5.5.5.0 cutter",
            "5.5.5.0 unfinished"
        ]
    );
    let j = stats_json(&err);
    assert_eq!(
        (
            j["connections_evicted"].as_u64(),
            j["connections_refused"].as_u64(),
            j["discarded"].as_u64(),
            j["frame_timeouts"].as_u64(),
            j["written"].as_u64()
        ),
        (Some(2), Some(1), Some(2), Some(0), Some(7)),
        "{j}"
    );
    drop((c2, c4));
}

/// Raises the soft limit of open files to `want` if it is lower (children
/// inherit it); false when the hard limit is lower.
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

/// Waits until `needle` is in the growing file `path` (read from where the
/// last look ended); returns when it was seen, or None after `limit`.
fn seen_in(path: &std::path::Path, needle: &[u8], limit: Duration) -> Option<Instant> {
    let end = Instant::now() + limit;
    let mut f = File::open(path).unwrap();
    let mut pos = 0u64;
    let mut tail: Vec<u8> = Vec::new();
    loop {
        f.seek(SeekFrom::Start(pos)).unwrap();
        let mut more = Vec::new();
        f.read_to_end(&mut more).unwrap();
        pos += more.len() as u64;
        tail.extend_from_slice(&more);
        if memchr::memmem::find(&tail, needle).is_some() {
            return Some(Instant::now());
        }
        // keep what could be the start of the needle
        let keep = tail.len().min(needle.len());
        tail.drain(..tail.len() - keep);
        if Instant::now() >= end {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn listen_serves_a_client_within_a_second_while_300_others_trickle_hold_frames_or_flood() {
    const SLOW: usize = 300;
    if !raise_nofile(4 * SLOW as u64) {
        println!("skipped: cannot open {SLOW} connections (RLIMIT_NOFILE)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.log");
    let o = out.to_str().unwrap();
    // the defaults: 256 connections, a frame within 10 s, idle for 60 s
    let mut l = listen(&["--tcp", "127.0.0.1:0", "-o", o, "--stats", "json"]);
    let tcp = l.listen_addr("tcp");
    let (slowing, flooding) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicBool::new(true)));

    // 300 connections: each begins a frame, then (all but every tenth, which
    // holds its unfinished frame silently) adds a byte a second; a closed
    // one connects again
    let s = slowing.clone();
    let slow = thread::spawn(move || {
        let open = || {
            let mut c = TcpStream::connect(tcp).ok()?;
            c.set_nonblocking(true).ok()?;
            c.write_all(b"9.9.9.9 slow").ok().map(|()| c)
        };
        // open: nothing to read (the listener never answers) and no error
        let alive = |c: &TcpStream| matches!(c.peek(&mut [0u8; 1]), Err(e) if e.kind() == ErrorKind::WouldBlock);
        let mut conns: Vec<Option<TcpStream>> = (0..SLOW).map(|_| open()).collect();
        while s.load(Ordering::Relaxed) {
            for (k, c) in conns.iter_mut().enumerate() {
                let alive = match c {
                    Some(c) if k % 10 == 0 => alive(c),
                    Some(c) => c.write(b"w").is_ok() && alive(c),
                    None => false,
                };
                if !alive {
                    *c = open();
                }
            }
            thread::sleep(Duration::from_secs(1));
        }
    });
    // 2 connections that send nginx's lines as fast as the listener takes them
    let floods: Vec<_> = (0..2)
        .map(|_| {
            let s = flooding.clone();
            thread::spawn(move || {
                let mut c = TcpStream::connect(tcp).unwrap();
                let lines: String = (0..500)
                    .map(|k| {
                        format!(
                            "10.8.{}.{} - - [22/Nov/2026:07:00:00 +0000] \"GET /flood?page={k}&token=t{k} HTTP/1.1\" \
                             200 5123 \"https://example.com/start\" \"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) \
                             Gecko/20100101 Firefox/121.0\"\n",
                            k / 250,
                            k % 250
                        )
                    })
                    .collect();
                while s.load(Ordering::Relaxed) {
                    if c.write_all(lines.as_bytes()).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();

    // every slot taken, and the 300 have all come at least once
    counters_until(&mut l, "the listener full", |j| {
        let turned = j["connections_evicted"].as_u64().unwrap_or(0) + j["connections_refused"].as_u64().unwrap_or(0);
        j["connections_open"] == 256 && turned >= (SLOW + 2 - 256) as u64
    });
    let t0 = Instant::now();
    let mut c = TcpStream::connect(tcp).unwrap();
    c.write_all(b"203.0.113.7 well-behaved\n").unwrap();
    let served = seen_in(&out, b"203.0.113.0 well-behaved\n", Duration::from_secs(10));
    let after = served.map(|at| at - t0);
    assert!(
        after.is_some_and(|a| a < Duration::from_secs(1)),
        "the well-behaved line written after {after:?} (None: not within 10 s)"
    );
    // and it is still served
    let t1 = Instant::now();
    c.write_all(b"203.0.113.8 again\n").unwrap();
    let again = seen_in(&out, b"203.0.113.0 again\n", Duration::from_secs(10)).map(|at| at - t1);
    assert!(
        again.is_some_and(|a| a < Duration::from_secs(1)),
        "its second line written after {again:?}"
    );

    // nobody was refused: there was always a connection inside a frame
    let j = counters_until(&mut l, "the counters", |_| true);
    assert_eq!(j["connections_refused"], 0, "{j}");

    // the floods end; the slow ones are still open at the stop, so their
    // unfinished frames are discarded (at their end of stream they would be
    // lines)
    flooding.store(false, Ordering::Relaxed);
    for f in floods {
        f.join().unwrap();
    }
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    slowing.store(false, Ordering::Relaxed);
    slow.join().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!read_text(&out).contains("9.9.9"), "an unfinished frame was written");
    let j = stats_json(&err);
    assert_eq!(j["received"], j["written"], "{j}");
}

#[test]
fn listen_udp_discards_a_datagram_longer_than_max_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.log");
    let o = out.to_str().unwrap();
    let mut l = listen(&[
        "--udp",
        "127.0.0.1:0",
        "-o",
        o,
        "--stats",
        "json",
        "--max-frame",
        "1024",
    ]);
    let udp = l.listen_addr("udp");
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let header = "<13>Nov 22 07:00:00 h t: ";
    let datagram = |ip: &str, len: usize| {
        let mut d = format!("{header}{ip} ");
        d.push_str(&"x".repeat(len - d.len()));
        d
    };
    let long = datagram("1.1.1.1", 3008);
    let exact = datagram("2.2.2.2", 1024);
    let over = datagram("3.3.3.3", 1025);
    for d in [&long, &exact, &over] {
        u.send_to(d.as_bytes(), udp).unwrap();
    }
    u.send_to(format!("{header}4.4.4.4 last").as_bytes(), udp).unwrap();
    wait_until("2 lines", || line_count(&out) >= 2);
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let body = &exact[header.len() + "2.2.2.2 ".len()..];
    assert_eq!(read_text(&out), format!("2.2.2.0 {body}\n4.4.4.0 last\n"));
    let j = stats_json(&err);
    assert_eq!(
        (j["received"].as_u64(), j["written"].as_u64(), j["discarded"].as_u64()),
        (Some(2), Some(2), Some(2)),
        "{j}"
    );
}
