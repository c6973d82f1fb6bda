//! `loganon listen` cannot be starved (issue 26, item 3), and `--max-frame`
//! holds for UDP datagrams.
//!
//! Nothing waits for a fixed time: every wait polls for its condition (the
//! file holds N lines) until a deadline.

use std::net::UdpSocket;

use crate::common::bin::stats_json;
use crate::common::files::{line_count, read_text};
use crate::common::wait::wait_until;
use crate::servers::listen;

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
