//! A syslog load generator for `benches/listen_load.sh`:
//! `syslog_send tcp|udp ADDR SECONDS [RATE]`.
//!
//! Sends RFC 3164 messages as nginx sends them (`<190>Mmm dd hh:mm:ss host
//! nginx: <combined line>`, about 241 bytes) to ADDR for SECONDS: over TCP
//! octet-counted on one connection, as fast as the receiver takes them
//! (backpressure); over UDP one message per datagram, as fast as possible or
//! at RATE messages a second. Prints `sent N seconds S failed F` on stdout.

use std::io::{BufWriter, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

fn message(k: u64, out: &mut Vec<u8>) {
    out.clear();
    let _ = write!(
        out,
        "<190>Nov 22 07:00:00 web1 nginx: 203.0.{}.{} - - [22/Nov/2026:07:00:00 +0000] \
         \"GET /search?q=shoes&page={}&token=t{k:x} HTTP/1.1\" 200 5123 \"https://example.com/start\" \
         \"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\"",
        (k >> 8) & 255,
        k & 255,
        k % 50
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: syslog_send tcp|udp ADDR SECONDS [RATE]");
        std::process::exit(2);
    }
    let addr: SocketAddr = args[2].parse().expect("ADDR like 127.0.0.1:5140");
    let secs: f64 = args[3].parse().expect("SECONDS");
    let rate: Option<u64> = args.get(4).map(|r| r.parse().expect("RATE"));
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs_f64(secs);
    let mut msg = Vec::with_capacity(512);
    let mut sent = 0u64;
    let mut failed = 0u64;
    match args[1].as_str() {
        "tcp" => {
            let s = TcpStream::connect(addr).expect("connect");
            let mut w = BufWriter::with_capacity(64 * 1024, s);
            while Instant::now() < end {
                for _ in 0..256 {
                    message(sent, &mut msg);
                    let _ = write!(w, "{} ", msg.len());
                    w.write_all(&msg).expect("write");
                    sent += 1;
                }
            }
            w.flush().expect("flush");
        }
        "udp" => {
            let bind = if addr.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" };
            let s = UdpSocket::bind(bind).expect("bind");
            s.connect(addr).expect("connect");
            // with RATE: a burst every millisecond
            let per_ms = rate.map(|r| (r / 1000).max(1));
            let mut tick = Instant::now();
            while Instant::now() < end {
                let burst = per_ms.unwrap_or(256);
                for _ in 0..burst {
                    message(sent + failed, &mut msg);
                    // a refused or failed send is not counted as sent
                    if s.send(&msg).is_ok() {
                        sent += 1;
                    } else {
                        failed += 1;
                    }
                }
                if per_ms.is_some() {
                    tick += Duration::from_millis(1);
                    if let Some(wait) = tick.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
            }
        }
        other => {
            eprintln!("unknown protocol '{other}': tcp or udp");
            std::process::exit(2);
        }
    }
    println!("sent {sent} seconds {:.3} failed {failed}", t0.elapsed().as_secs_f64());
}
