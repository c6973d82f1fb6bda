//! `loganon listen` on its own: TCP, UDP and Unix sockets drained on
//! SIGTERM, gzip output, SIGHUP, `--on-unparsed fail`, usage errors (the
//! helpers in `servers.rs`).
//!
//! Nothing waits for a fixed time: every wait polls for its condition (the
//! file holds N lines, a process is gone) until a deadline.

use std::fs;
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;

use crate::common::bin::{loganon, stats_json};
use crate::common::files::{line_count, read_text};
use crate::common::gz::gunzip;

use crate::common::wait::wait_until;
use crate::servers::{listen, octet, sorted};

#[test]
fn listen_receives_tcp_udp_and_unix_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("syslog.log");
    let sock = dir.path().join("log.sock");
    let (o, s) = (out.to_str().unwrap(), sock.to_str().unwrap());
    let mut l = listen(&[
        "--udp",
        "127.0.0.1:0",
        "--udp",
        "[::1]:0",
        "--tcp",
        "127.0.0.1:0",
        "--unix",
        s,
        "-o",
        o,
        "--stats",
        "json",
    ]);
    let udp4 = l.listen_addr("udp");
    let tcp = l.listen_addr("tcp");
    l.stderr_line_starting("loganon: listening on unix ");
    let udp6: SocketAddr = l
        .seen()
        .filter_map(|x| x.strip_prefix("loganon: listening on udp "))
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();

    // RFC 5424, octet-counted over TCP, one frame split across two writes
    let mut t = TcpStream::connect(tcp).unwrap();
    let a = octet(
        r#"<165>1 2026-11-22T07:00:00.003Z web1 nginx 123 ID47 [ex@32473 k="v\]"] 203.0.113.9 - bob [22/Nov/2026:07:00:00 +0000] "GET /a?token=tok1 HTTP/1.1" 200 5 "-" "UA""#,
    );
    let b = octet("<165>1 2026-11-22T07:00:01Z web1 app - - - contact alice@example.com from 2001:db8:1:2::7");
    t.write_all(&a[..20]).unwrap();
    t.flush().unwrap();
    t.write_all(&a[20..]).unwrap();
    t.write_all(&b).unwrap();
    // RFC 3164 over UDP, as nginx sends it, on IPv4 and IPv6
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let line = r#"<190>Nov 22 07:00:02 web1 nginx: 198.51.100.4 - - [22/Nov/2026:07:00:02 +0000] "GET /b?sessionid=s2 HTTP/1.1" 404 0 "-" "UA""#;
    u.send_to(line.as_bytes(), udp4).unwrap();
    let u6 = UdpSocket::bind("[::1]:0").unwrap();
    u6.send_to(b"<134>Nov 22 07:00:03 haproxy[77]: 192.0.2.5:41000 [22/Nov/2026:07:00:03.000] fe be/srv 0/0/1/2/3 200 10 - - ---- 1/1/0/0/0 0/0 \"GET /c?password=pw3 HTTP/1.1\"", udp6).unwrap();
    // newline-framed over the unix socket, the last line without its \n
    let mut x = UnixStream::connect(&sock).unwrap();
    x.write_all(b"<13>Nov 22 07:00:04 host app: first 10.1.2.3\nplain line mac 00:1a:2b:3c:4d:5e\nlast 10.9.8.7")
        .unwrap();
    x.shutdown(Shutdown::Write).unwrap();

    let expected = vec![
        r#"203.0.113.0 - - [22/Nov/2026:07:00:00 +0000] "GET /a?token=REDACTED HTTP/1.1" 200 5 "-" "UA""#.to_string(),
        "contact REDACTED from 2001:db8:1::".into(),
        r#"198.51.100.0 - - [22/Nov/2026:07:00:02 +0000] "GET /b?sessionid=REDACTED HTTP/1.1" 404 0 "-" "UA""#.into(),
        "192.0.2.0:41000 [22/Nov/2026:07:00:03.000] fe be/srv 0/0/1/2/3 200 10 - - ---- 1/1/0/0/0 0/0 \"GET /c?password=REDACTED HTTP/1.1\"".into(),
        "first 10.1.2.0".into(),
        "plain line mac REDACTED".into(),
        "last 10.9.8.0".into(),
    ];
    // lines reach the file while the server runs
    wait_until("7 lines in the output", || line_count(&out) == expected.len());
    let got: Vec<String> = read_text(&out).lines().map(String::from).collect();
    assert_eq!(sorted(got), sorted(expected.clone()));

    // SIGTERM: what the open TCP connection sent just before is written too
    t.write_all(&octet("<165>1 - - - - - - late 172.16.5.4")).unwrap();
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let text = read_text(&out);
    assert!(text.contains("late 172.16.5.0\n"), "{text}");
    assert_eq!(line_count(&out), expected.len() + 1);
    let j = stats_json(&err);
    assert_eq!(j["received"], 8, "{err}");
    assert_eq!(j["written"], 8, "{err}");
    assert_eq!(j["udp_dropped"], 0, "{err}");
    // (stderr names the socket's and the output's paths: a random temporary
    // folder's name may spell a short secret, `.tmpw3zJ50` held `pw3`)
    let err = err.replace(dir.path().to_str().unwrap(), "DIR");
    for secret in [
        "203.0.113.9",
        "bob",
        "tok1",
        "alice",
        "2001:db8:1:2",
        "s2 ",
        "192.0.2.5",
        "pw3",
        "10.1.2.3",
        "4d:5e",
        "172.16.5.4",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
        assert!(!err.contains(secret), "{secret} in stderr {err}");
    }
    assert!(!sock.exists(), "the unix socket is removed at exit");
}

#[test]
fn listen_sigterm_writes_every_tcp_line_sent_before_it_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.log.gz");
    let mut l = listen(&["--tcp", "[::1]:0", "-o", out.to_str().unwrap(), "--stats", "json"]);
    let tcp = l.listen_addr("tcp");
    const N: usize = 100_000;
    let mut data = Vec::with_capacity(N * 100);
    for k in 0..N {
        writeln!(
            data,
            "10.{}.{}.{} - - [22/Nov/2026:07:00:00 +0000] \"GET /?n={k}&token=t{k} HTTP/1.1\" 200 1 \"-\" \"t\"",
            k >> 16,
            (k >> 8) & 255,
            k & 255
        )
        .unwrap();
    }
    // two connections; the second one idle
    let _idle = TcpStream::connect(tcp).unwrap();
    let mut t = TcpStream::connect(tcp).unwrap();
    // write_all returns once every byte is in the kernel (backpressure may
    // have held it back meanwhile): all of it was sent before SIGTERM
    t.write_all(&data).unwrap();
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let text = String::from_utf8(gunzip(&fs::read(&out).unwrap())).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), N, "{err}");
    for (k, line) in lines.iter().enumerate() {
        let want = format!(
            "10.{}.{}.0 - - [22/Nov/2026:07:00:00 +0000] \"GET /?n={k}&token=REDACTED HTTP/1.1\" 200 1 \"-\" \"t\"",
            k >> 16,
            (k >> 8) & 255
        );
        assert_eq!(*line, want);
    }
    let j = stats_json(&err);
    assert_eq!(
        (j["received"].as_u64(), j["written"].as_u64()),
        (Some(N as u64), Some(N as u64))
    );
}

#[test]
fn listen_sighup_reopens_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.log");
    let rotated = dir.path().join("a.log.1");
    let mut l = listen(&["--udp", "127.0.0.1:0", "-o", out.to_str().unwrap()]);
    let udp = l.listen_addr("udp");
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.send_to(b"<13>Nov 22 07:00:00 h t: before 1.2.3.4", udp).unwrap();
    wait_until("the first line", || line_count(&out) == 1);
    fs::rename(&out, &rotated).unwrap();
    l.signal(libc::SIGHUP);
    wait_until("the output reopened", || out.exists());
    u.send_to(b"<13>Nov 22 07:00:01 h t: after 5.6.7.8", udp).unwrap();
    wait_until("the second line", || line_count(&out) == 1);
    assert_eq!(read_text(&rotated), "before 1.2.3.0\n");
    assert_eq!(read_text(&out), "after 5.6.7.0\n");
    // SIGUSR1 prints the counters and changes nothing
    l.signal(libc::SIGUSR1);
    l.stderr_line_starting("loganon listen: received 2, written 2, udp dropped 0");
    l.signal(libc::SIGINT);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("1.2.3.4") && !err.contains("5.6.7.8"), "{err}");
}

#[test]
fn listen_on_unparsed_fail_stops_after_writing_the_lines_before() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.log");
    let mut l = listen(&[
        "--tcp",
        "127.0.0.1:0",
        "--format",
        "combined",
        "--on-unparsed",
        "fail",
        "-o",
        out.to_str().unwrap(),
    ]);
    let tcp = l.listen_addr("tcp");
    let mut t = TcpStream::connect(tcp).unwrap();
    t.write_all(
        b"<13>Nov 22 07:00:00 h t: 1.2.3.4 - - [22/Nov/2026:07:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\"\n\
          <13>Nov 22 07:00:01 h t: not a log line from secret-host 9.8.7.6\n",
    )
    .unwrap();
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("line 2 since the start matches no format"), "{err}");
    assert!(!err.contains("secret-host") && !err.contains("9.8.7"), "{err}");
    assert_eq!(
        read_text(&out),
        "1.2.3.0 - - [22/Nov/2026:07:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\"\n"
    );
}

#[test]
fn listen_usage_errors() {
    let run = |args: &[&str]| {
        let o = loganon().arg("listen").args(args).output();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (code, err) = run(&["-o", "/dev/null"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--udp") && err.contains("--tcp") && err.contains("--unix"),
        "{err}"
    );
    let (code, err) = run(&["--udp", "localhost", "-o", "/dev/null"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("'localhost' is not an address with a port"), "{err}");
    let (code, err) = run(&["--tcp", "127.0.0.1:5140"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&["--tcp", "127.0.0.1:1", "-o", "/dev/null", "--ip-mode", "hash"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--key-file"), "{err}");
    // a port in use, an output that cannot be opened: exit 1, named
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let (code, err) = run(&["--tcp", &addr, "-o", "/dev/null"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("cannot listen on tcp {addr}")), "{err}");
    let (code, err) = run(&["--tcp", "127.0.0.1:0", "-o", "/nonexistent/dir/x.log"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot open output /nonexistent/dir/x.log"), "{err}");
}

/// The shipped logrotate file of the listener's output
/// (`dist/logrotate/loganon-listen`), run by the real logrotate: the file
/// rotated holds the lines before, the listener makes the new one itself
/// on SIGHUP (`nocreate`: as its DynamicUser it could not write one
/// logrotate made), and no line is lost.
#[test]
#[cfg_attr(not(have_logrotate), ignore = "needs logrotate (apt-get install logrotate)")]
fn the_listeners_logrotate_example_rotates_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("access.log");
    let mut l = listen(&["--udp", "127.0.0.1:0", "-o", out.to_str().unwrap()]);
    let udp = l.listen_addr("udp");
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.send_to(b"<13>Nov 22 07:00:00 h t: before 1.2.3.4", udp).unwrap();
    wait_until("the first line", || line_count(&out) == 1);
    let shipped = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/dist/logrotate/loganon-listen")).unwrap();
    assert!(shipped.contains("\tnocreate\n"));
    let conf = shipped
        .replace("/var/log/loganon", dir.path().to_str().unwrap())
        .replace(
            "systemctl kill --kill-whom=main --signal=HUP loganon-listen.service",
            &format!("kill -HUP {}", l.pid()),
        );
    let conf_path = dir.path().join("logrotate.conf");
    fs::write(&conf_path, conf).unwrap();
    let o = crate::common::bin::TestCommand::new("logrotate")
        .arg("-f")
        .arg("-s")
        .arg(dir.path().join("state"))
        .arg(&conf_path)
        .output();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    wait_until("the output made anew", || out.exists());
    u.send_to(b"<13>Nov 22 07:00:01 h t: after 5.6.7.8", udp).unwrap();
    wait_until("the line after", || line_count(&out) == 1);
    let rotated: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("access.log-"))
        .collect();
    assert_eq!(rotated.len(), 1, "dateext, delaycompress: one plain rotated file");
    assert_eq!(read_text(&rotated[0].path()), "before 1.2.3.0\n");
    assert_eq!(read_text(&out), "after 5.6.7.0\n");
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
}

/// Issue 29: the ipcrypt modes and `--keys-dir` in the listener: a UDP line
/// of a dated day gets that day's key (made on first use), written as
/// 48 hex digits, nothing of the address left.
#[test]
fn listen_writes_ipcrypt_nd_pseudonyms_with_a_key_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nd.log");
    let keys = dir.path().join("keys");
    let mut l = listen(&[
        "--udp",
        "127.0.0.1:0",
        "--ip-mode",
        "ipcrypt-nd",
        "--keys-dir",
        keys.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let udp = l.listen_addr("udp");
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.send_to(
        b"<13>Nov 22 07:00:00 h t: 198.51.100.7 - - [22/Nov/2026:07:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        udp,
    )
    .unwrap();
    wait_until("the line", || line_count(&out) == 1);
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let text = read_text(&out);
    let (first, rest) = text.split_once(' ').unwrap();
    assert_eq!(first.len(), 48, "{text}");
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
    assert_eq!(rest, "- - [22/Nov/2026:07:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n");
    assert!(keys.join("2026-11-22.key").exists());
}
