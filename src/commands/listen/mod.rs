//! `loganon listen`: a syslog receiver that writes anonymized lines to a file,
//! for servers that log to syslog (nginx `access_log syslog:server=...`,
//! HAProxy `log`), so raw addresses never reach a disk.
//!
//! - Receives RFC 3164 and RFC 5424 messages over UDP (one message per
//!   datagram), TCP and unix stream sockets (octet-counted `LEN SP MSG` or
//!   newline-framed, RFC 6587, detected per frame). Only the message part
//!   (the log line) is kept; a frame without `<PRI>` is taken as it is.
//! - Readers run on a single-threaded tokio runtime and put batches of
//!   messages into one bounded queue. TCP and unix readers wait when it is
//!   full (backpressure: nothing is lost, the sender is slowed down); a UDP
//!   reader holds up to 4 MiB meanwhile and drops beyond that, counted
//!   (`udp_dropped`); the drops of the kernel's socket buffer are read from
//!   `/proc/net/udp`.
//! - One writer thread (no tokio in the anonymizing path) runs the batches
//!   through [`Engine::chunk`] and appends them to the output when the queue
//!   is momentarily empty (or every 1 MiB): a single message is on disk within
//!   milliseconds. A `.gz` output gets one complete gzip member per write.
//! - SIGTERM/SIGINT: stop accepting, read what the sockets already hold
//!   (streams until they have nothing more, within 64 MiB beyond their
//!   receive buffer; an unfinished frame is then discarded, never cut), write
//!   everything received, exit 0. SIGHUP reopens the output (logrotate).
//!   SIGUSR1 prints the counters on stderr.
//! - Fail closed: messages never appear in errors or counters; a frame over
//!   `--max-frame` (default [`MAX_MESSAGE`]) is discarded (counted), not cut.
//! - Bounded: at most `--max-connections` streams at once (more are closed
//!   at once, counted as refused); a stream silent for `--idle-timeout` is
//!   closed (its unfinished frame discarded, counted); a stream holds at
//!   most its unfinished frame (up to `--max-frame`), and all streams read
//!   through one shared buffer.

use std::cell::RefCell;
use std::fs::File;
use std::future::Future;
use std::io;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::ops::Range;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{ArgGroup, Args};
use tokio::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch, Notify};

use crate::cli::{KeyArgs, RuleArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::engine::{Engine, OnUnparsed, Options, UnparsedLine};
use crate::io::chunks::Output;
use crate::io::codec::Compress;
use crate::io::pipeline::{member, Pool};
use crate::stats::Stats;

/// The longest message kept by default (`--max-frame`); a longer frame is
/// discarded and counted.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// `--max-connections` by default.
pub const MAX_CONNECTIONS: usize = 256;
/// `--idle-timeout` by default, in seconds.
pub const IDLE_TIMEOUT: u64 = 60;
/// A batch is sent to the writer when it holds this many bytes.
const BATCH: usize = 64 * 1024;
/// Batches the queue holds (with [`BATCH`], at most ~16 MiB of messages).
const QUEUE: usize = 256;
/// Bytes asked of each stream read.
const READ_BUF: usize = 64 * 1024;
/// The writer writes at the latest when this much output is pending.
const FLUSH_AT: usize = 1024 * 1024;
/// A UDP reader holds at most this much while the queue is full; past it
/// the held messages are dropped (counted as `udp_dropped`).
const UDP_HOLD: usize = 4 * 1024 * 1024;
/// After a stop, a stream is read until it has nothing more, and at most
/// this much beyond its receive buffer (a peer's send buffer is a few MiB).
const DRAIN_MORE: usize = 64 * 1024 * 1024;
/// The receive buffer asked for UDP sockets (the kernel may give less).
const UDP_RCVBUF: libc::c_int = 8 * 1024 * 1024;

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("listener").required(true).multiple(true).args(["udp", "tcp", "unix"])))]
pub struct ListenArgs {
    /// Receive syslog datagrams on ADDR, e.g. 127.0.0.1:5140 or [::1]:5140 (repeatable)
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub udp: Vec<SocketAddr>,
    /// Accept syslog over TCP on ADDR, octet-counted or newline-framed (repeatable)
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub tcp: Vec<SocketAddr>,
    /// Accept syslog on a unix stream socket created at PATH (repeatable)
    #[arg(long, value_name = "PATH")]
    pub unix: Vec<PathBuf>,
    /// Append the anonymized lines to FILE ("-" = stdout); reopened on SIGHUP;
    /// gzip when the name ends in .gz
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// What to do with messages no format recognises: scrub, drop, fail (stops the server)
    #[arg(long, value_name = "P", default_value = "scrub", value_parser = OnUnparsed::from_name)]
    pub on_unparsed: OnUnparsed,
    /// gzip level of compressed output (0-9)
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub level: u32,
    /// Print the counters on stderr at exit (and on SIGUSR1): text or json
    #[arg(long, value_name = "FMT", num_args = 0..=1, default_missing_value = "text",
          value_parser = ["text", "json"])]
    pub stats: Option<String>,
    /// TCP and unix connections open at once; more are closed at once (counted as refused)
    #[arg(long, value_name = "N", default_value_t = MAX_CONNECTIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Close a TCP or unix connection that sent nothing for SECS (0 = never);
    /// its unfinished frame is discarded (counted)
    #[arg(long, value_name = "SECS", default_value_t = IDLE_TIMEOUT)]
    pub idle_timeout: u64,
    /// The longest frame kept, in bytes (1024 to 67108864); a longer one is discarded, counted
    #[arg(long, value_name = "BYTES", default_value_t = MAX_MESSAGE as u64,
          value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    pub max_frame: u64,
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse::<SocketAddr>()
        .map_err(|_| format!("'{s}' is not an address with a port; write it like 127.0.0.1:5140 or [::1]:5140"))
}

// ---------------------------------------------------------------------------
// syslog parsing

/// The message part of one syslog frame (without its framing): RFC 5424
/// (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`), RFC 3164
/// (`<PRI>Mmm dd hh:mm:ss [HOST] TAG: MSG`, as nginx and HAProxy send it), or,
/// without a valid `<PRI>`, the whole frame.
pub fn message(frame: &[u8]) -> &[u8] {
    let Some(rest) = strip_pri(frame) else {
        return frame;
    };
    rfc5424(rest).unwrap_or_else(|| rfc3164(rest))
}

/// What follows a valid `<PRI>` (0 to 191).
fn strip_pri(f: &[u8]) -> Option<&[u8]> {
    let f = f.strip_prefix(b"<")?;
    let close = f.iter().take(4).position(|&b| b == b'>')?;
    let digits = &f[..close];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pri = digits.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
    (pri <= 191).then_some(&f[close + 1..])
}

/// Splits at the first space: (token, rest after the space).
fn token(s: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', s) {
        Some(k) => (&s[..k], &s[k + 1..]),
        None => (s, &[]),
    }
}

/// RFC 5424: the MSG after the header and structured data; `None` when the
/// frame is not RFC 5424.
fn rfc5424(rest: &[u8]) -> Option<&[u8]> {
    let (version, mut s) = token(rest);
    if version.is_empty() || version.len() > 3 || version[0] == b'0' || !version.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: non-empty, no spaces
    for _ in 0..5 {
        let k = memchr::memchr(b' ', s)?;
        if k == 0 {
            return None;
        }
        s = &s[k + 1..];
    }
    let sd = sd_len(s)?;
    let msg = match &s[sd..] {
        [] => &[][..],
        [b' ', m @ ..] => m,
        _ => return None,
    };
    Some(msg.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(msg))
}

/// The length of RFC 5424 STRUCTURED-DATA: `-`, or `[...]` elements whose
/// quoted values may hold `\]`, `\"` and `\\`.
fn sd_len(s: &[u8]) -> Option<usize> {
    if s.first() == Some(&b'-') {
        return Some(1);
    }
    let mut i = 0;
    while s.get(i) == Some(&b'[') {
        i += 1;
        let mut quoted = false;
        loop {
            match *s.get(i)? {
                b'\\' if quoted => i += 2,
                b'"' => {
                    quoted = !quoted;
                    i += 1;
                }
                b']' if !quoted => {
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
    }
    (i > 0).then_some(i)
}

/// `Mmm dd hh:mm:ss` (the day padded with a space or a zero).
fn is_3164_time(t: &[u8]) -> bool {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    ];
    let d = |i: usize| t[i].is_ascii_digit();
    t.len() >= 15
        && MONTHS.iter().any(|m| t[..3] == m[..])
        && t[3] == b' '
        && (t[4] == b' ' || d(4))
        && d(5)
        && t[6] == b' '
        && d(7)
        && d(8)
        && t[9] == b':'
        && d(10)
        && d(11)
        && t[12] == b':'
        && d(13)
        && d(14)
}

/// An RFC 3164 TAG token: a name, an optional `[pid]`, and a final `:`.
fn is_tag(t: &[u8]) -> bool {
    let Some(t) = t.strip_suffix(b":") else {
        return false;
    };
    let name = match memchr::memchr(b'[', t) {
        Some(k) if t.ends_with(b"]") => &t[..k],
        Some(_) => return false,
        None => t,
    };
    !name.is_empty()
        && name.len() <= 64
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
}

/// RFC 3164: the CONTENT after the timestamp, the host name (optional:
/// HAProxy leaves it out by default) and the tag. Without a valid timestamp
/// everything after `<PRI>` is the message (RFC 3164 4.3.2).
fn rfc3164(rest: &[u8]) -> &[u8] {
    if !is_3164_time(rest) {
        return rest;
    }
    let s = rest.get(16..).unwrap_or_default();
    let (first, after_first) = token(s);
    if is_tag(first) {
        return after_first;
    }
    let (second, after_second) = token(after_first);
    if is_tag(second) {
        return after_second;
    }
    after_first
}

// ---------------------------------------------------------------------------
// framing and batches

/// Messages on their way to the writer: each followed by `\n`.
#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    messages: u64,
}

impl Batch {
    /// Adds the message of one frame. Trailing `\r`, `\n` and NUL are framing;
    /// an empty frame is nothing. A message holding `\n` becomes several lines.
    fn push(&mut self, frame: &[u8]) {
        let mut f = frame;
        while let [rest @ .., b'\n' | b'\r' | 0] = f {
            f = rest;
        }
        if f.is_empty() {
            return;
        }
        if self.data.is_empty() {
            self.data.reserve(BATCH + 1024);
        }
        self.data.extend_from_slice(message(f));
        self.data.push(b'\n');
        self.messages += 1;
    }

    fn is_empty(&self) -> bool {
        self.messages == 0
    }

    fn full(&self) -> bool {
        self.data.len() >= BATCH
    }
}

/// One frame at the start of a stream buffer.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    /// the message bytes, and the bytes the frame takes
    Whole(Range<usize>, usize),
    /// more bytes are needed
    Partial,
    /// an octet-counted frame over the limit: skip this many bytes
    TooLong(usize),
    /// a newline-framed frame over the limit: skip to its end
    LineTooLong,
}

/// `LEN SP` at the start of `b` (RFC 6587 octet counting): (LEN, header size).
fn octet_count(b: &[u8]) -> Option<(usize, usize)> {
    let digits = b.iter().take(10).take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 9 || b[0] == b'0' || b.get(digits) != Some(&b' ') {
        return None;
    }
    let n = b[..digits].iter().fold(0usize, |v, &d| v * 10 + usize::from(d - b'0'));
    Some((n, digits + 1))
}

/// The frame at the start of `b` (not empty): octet-counted when it starts
/// with `LEN SP`, else ended by `\n`; longer than `max`, too long.
fn frame(b: &[u8], max: usize) -> Frame {
    let digits = b.iter().take(10).take_while(|c| c.is_ascii_digit()).count();
    if digits == b.len() && digits <= 9 && b[0] != b'0' {
        // maybe a length whose space has not arrived yet
        return Frame::Partial;
    }
    if let Some((n, head)) = octet_count(b) {
        if n > max {
            return Frame::TooLong(head + n);
        }
        if b.len() < head + n {
            return Frame::Partial;
        }
        return Frame::Whole(head..head + n, head + n);
    }
    match memchr::memchr(b'\n', b) {
        Some(k) => Frame::Whole(0..k, k + 1),
        None if b.len() > max => Frame::LineTooLong,
        None => Frame::Partial,
    }
}

/// Cuts a byte stream into frames; keeps the unfinished last one.
struct Framer {
    buf: Vec<u8>,
    /// bytes of a discarded octet-counted frame still to skip
    skip_bytes: usize,
    /// skipping a discarded newline-framed frame up to its `\n`
    skip_line: bool,
    /// the longest frame kept
    max: usize,
}

impl Default for Framer {
    fn default() -> Framer {
        Framer::new(MAX_MESSAGE)
    }
}

impl Framer {
    fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            skip_bytes: 0,
            skip_line: false,
            max,
        }
    }

    /// Adds `data`; the messages of its complete frames go into `batch`.
    /// Returns the number of frames discarded as too long.
    fn feed(&mut self, data: &[u8], batch: &mut Batch) -> u64 {
        self.buf.extend_from_slice(data);
        let buf = &self.buf;
        let mut pos = 0;
        let mut discarded = 0;
        loop {
            if self.skip_bytes > 0 {
                let k = self.skip_bytes.min(buf.len() - pos);
                pos += k;
                self.skip_bytes -= k;
                if self.skip_bytes > 0 {
                    break;
                }
            }
            if self.skip_line {
                match memchr::memchr(b'\n', &buf[pos..]) {
                    Some(k) => {
                        pos += k + 1;
                        self.skip_line = false;
                    }
                    None => {
                        pos = buf.len();
                        break;
                    }
                }
            }
            let rest = &buf[pos..];
            if rest.is_empty() {
                break;
            }
            match frame(rest, self.max) {
                Frame::Whole(msg, len) => {
                    batch.push(&rest[msg]);
                    pos += len;
                }
                Frame::Partial => break,
                Frame::TooLong(skip) => {
                    discarded += 1;
                    self.skip_bytes = skip;
                }
                Frame::LineTooLong => {
                    discarded += 1;
                    self.skip_line = true;
                }
            }
        }
        self.buf.drain(..pos);
        // what an idle stream holds is its unfinished frame, not the
        // largest read it once had
        if self.buf.capacity() > 2 * self.buf.len().max(4096) {
            self.buf.shrink_to(self.buf.len().max(4096));
        }
        discarded
    }

    /// The stream ended (`eof`: the sender closed it) or the server stops
    /// reading it. At the end of the stream an unterminated newline-framed
    /// message is a message; any other unfinished frame is discarded (it may
    /// be cut anywhere, even inside an address). Returns the number of frames
    /// discarded.
    fn finish(&mut self, batch: &mut Batch, eof: bool) -> u64 {
        let rest = std::mem::take(&mut self.buf);
        if rest.is_empty() || self.skip_bytes > 0 || self.skip_line {
            return 0;
        }
        if !eof || octet_count(&rest).is_some() {
            return 1;
        }
        batch.push(&rest);
        0
    }
}

// ---------------------------------------------------------------------------
// counters

/// What readers, writer and the signal handler share.
struct Shared {
    received: AtomicU64,
    udp_dropped: AtomicU64,
    discarded: AtomicU64,
    /// kernel drops of UDP sockets already closed
    udp_kernel_closed: AtomicU64,
    /// inodes of the open UDP sockets (their drops are in /proc/net/udp*)
    udp_inodes: Mutex<Vec<u64>>,
    /// the writer's counters, published after each write
    stats: Mutex<Stats>,
    t0: Instant,
    /// TCP and unix connections open now
    open_conns: AtomicUsize,
    /// connections closed at once: `--max-connections` were open
    refused: AtomicU64,
    /// connections closed after `--idle-timeout`
    idle_closed: AtomicU64,
    /// the cap was reported on stderr since it was last left
    cap_told: AtomicBool,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            received: AtomicU64::new(0),
            udp_dropped: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            udp_kernel_closed: AtomicU64::new(0),
            udp_inodes: Mutex::new(Vec::new()),
            stats: Mutex::new(Stats::default()),
            t0: Instant::now(),
            open_conns: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            idle_closed: AtomicU64::new(0),
            cap_told: AtomicBool::new(false),
        }
    }

    fn udp_kernel_drops(&self) -> u64 {
        let inodes = self.udp_inodes.lock().map(|v| v.clone()).unwrap_or_default();
        self.udp_kernel_closed.load(Ordering::Relaxed) + kernel_drops(&inodes)
    }

    /// The counters as a line of text or JSON.
    fn report(&self, fmt: Option<&str>) -> String {
        let stats = self.stats.lock().map(|s| s.clone()).unwrap_or_default();
        let secs = self.t0.elapsed().as_secs_f64();
        let received = self.received.load(Ordering::Relaxed);
        let dropped = self.udp_dropped.load(Ordering::Relaxed);
        let kernel = self.udp_kernel_drops();
        let discarded = self.discarded.load(Ordering::Relaxed);
        let refused = self.refused.load(Ordering::Relaxed);
        let idle = self.idle_closed.load(Ordering::Relaxed);
        if fmt == Some("json") {
            let mut j = stats.to_json(secs);
            j["received"] = received.into();
            j["written"] = stats.lines_written.into();
            j["udp_dropped"] = dropped.into();
            j["udp_dropped_kernel"] = kernel.into();
            j["discarded"] = discarded.into();
            j["connections_open"] = self.open_conns.load(Ordering::SeqCst).into();
            j["connections_refused"] = refused.into();
            j["idle_closed"] = idle.into();
            format!("{j}\n")
        } else {
            format!(
                "loganon listen: received {received}, written {}, udp dropped {dropped} (queue full) + {kernel} \
                 (socket buffer), discarded {discarded} (too long or unfinished), connections refused \
                 {refused} (--max-connections), idle closed {idle}; {}",
                stats.lines_written,
                stats.to_text(secs).trim_start_matches("loganon: ")
            )
        }
    }
}

/// The `drops` column of `/proc/net/udp` and `/proc/net/udp6` for these
/// socket inodes (0 where it cannot be read).
fn kernel_drops(inodes: &[u64]) -> u64 {
    if inodes.is_empty() {
        return 0;
    }
    let mut total = 0;
    for f in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 13 {
                continue;
            }
            if let (Ok(ino), Some(Ok(d))) = (cols[9].parse::<u64>(), cols.last().map(|d| d.parse::<u64>())) {
                if inodes.contains(&ino) {
                    total += d;
                }
            }
        }
    }
    total
}

fn socket_inode(fd: RawFd) -> Option<u64> {
    // SAFETY: `fd` is an open socket owned by the caller for this call;
    // ManuallyDrop keeps this File from closing it.
    let f = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
    f.metadata().ok().map(|m| m.ino())
}

// ---------------------------------------------------------------------------
// the writer thread

enum Msg {
    Lines(Batch),
    Reopen,
}

struct Writer {
    engine: Engine,
    out: Output,
    compress: Option<Compress>,
    pending: Vec<u8>,
    /// the counters of what is written
    stats: Stats,
    /// the counters of `pending`, added to `stats` once it is written
    pending_stats: Stats,
    pool: Pool,
    shared: Arc<Shared>,
    format: String,
}

impl Writer {
    fn flush(&mut self) -> io::Result<()> {
        let counted = std::mem::take(&mut self.pending_stats);
        if self.pending.is_empty() {
            self.stats.add(&counted);
            return Ok(());
        }
        let r = match self.compress {
            Some(c) => {
                let z = member(&self.pending, c, &self.pool);
                let r = self.out.write_all(&z);
                self.pool.put(z);
                r
            }
            None => self.out.write_all(&self.pending),
        };
        self.pending.clear();
        // a failed write wrote nothing (the file is cut back to its last
        // complete line): its lines are not counted as written
        if r.is_ok() {
            self.stats.add(&counted);
        }
        r
    }

    fn publish(&self) {
        if let Ok(mut s) = self.shared.stats.lock() {
            s.clone_from(&self.stats);
        }
    }

    fn handle(&mut self, msg: Msg) -> Result<(), String> {
        match msg {
            Msg::Lines(batch) => {
                let first = self.stats.lines_read + self.pending_stats.lines_read + 1;
                let r = self
                    .engine
                    .chunk(&batch.data, first, &mut self.pending, &mut self.pending_stats);
                if let Err(UnparsedLine(n)) = r {
                    self.flush().map_err(|e| self.write_error(e))?;
                    return Err(format!(
                        "line {n} since the start matches no format (--format {}) and --on-unparsed is fail; \
                         the server stopped, lines before it were written",
                        self.format
                    ));
                }
                if self.pending.len() >= FLUSH_AT {
                    self.flush().map_err(|e| self.write_error(e))?;
                }
            }
            Msg::Reopen => {
                self.flush().map_err(|e| self.write_error(e))?;
                self.out
                    .reopen()
                    .map_err(|e| format!("cannot reopen {}: {e}", self.out.name()))?;
            }
        }
        Ok(())
    }

    fn write_error(&self, e: io::Error) -> String {
        format!("cannot write {}: {e}", self.out.name())
    }

    /// Receives until every sender is gone; writes when the queue is empty.
    fn run(&mut self, rx: &mut mpsc::Receiver<Msg>) -> Result<(), String> {
        while let Some(msg) = rx.blocking_recv() {
            // the day of lines without a readable time (keyed modes) follows the clock
            self.engine.opts.default_day = crate::time::now().div_euclid(86400);
            self.handle(msg)?;
            while let Ok(msg) = rx.try_recv() {
                self.handle(msg)?;
            }
            let r = self.flush().map_err(|e| self.write_error(e));
            self.publish();
            r?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// the readers

/// What every reader task holds; the last clone dropped tells the writer
/// (through `tx`) and the main task (through `_alive`) that all are done.
#[derive(Clone)]
struct Ctx {
    tx: mpsc::Sender<Msg>,
    stop: watch::Receiver<bool>,
    shared: Arc<Shared>,
    limits: Limits,
    _alive: mpsc::Sender<()>,
}

/// `--max-connections`, `--idle-timeout`, `--max-frame`.
#[derive(Clone, Copy, Debug)]
struct Limits {
    max_connections: usize,
    /// None: never
    idle: Option<Duration>,
    max_frame: usize,
}

/// One of the `--max-connections` places, held by a connection's task.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open_conns.fetch_sub(1, Ordering::SeqCst);
        self.0.cap_told.store(false, Ordering::Relaxed);
    }
}

impl Ctx {
    /// A place for a new connection; None (counted, told once on stderr)
    /// when `--max-connections` are open.
    fn slot(&self) -> Option<Slot> {
        let sh = &self.shared;
        if sh.open_conns.fetch_add(1, Ordering::SeqCst) < self.limits.max_connections {
            return Some(Slot(sh.clone()));
        }
        sh.open_conns.fetch_sub(1, Ordering::SeqCst);
        sh.refused.fetch_add(1, Ordering::Relaxed);
        if !sh.cap_told.swap(true, Ordering::Relaxed) {
            eprintln!(
                "loganon: {} connections are open (--max-connections); new ones are closed until one ends \
                 (counted as connections_refused)",
                self.limits.max_connections
            );
        }
        None
    }

    /// Starts reading a new connection, or closes it when none may open.
    fn spawn<S: Conn + 'static>(&self, s: S) {
        if let Some(slot) = self.slot() {
            tokio::spawn(connection(s, self.clone(), slot));
        }
    }

    /// Sends a batch, waiting while the queue is full; false when the writer is gone.
    async fn send(&self, batch: Batch) -> bool {
        if batch.is_empty() {
            return true;
        }
        self.shared.received.fetch_add(batch.messages, Ordering::Relaxed);
        self.tx.send(Msg::Lines(batch)).await.is_ok()
    }

    fn discarded(&self, n: u64) {
        if n > 0 {
            self.shared.discarded.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// A non-blocking read straight from the socket, bypassing the runtime's
/// readiness cache: at stop, what the kernel already holds is read for sure.
fn read_now(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: reading into a valid buffer of `buf.len()` bytes from an
        // open socket owned by the caller.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// A TCP or unix stream: readiness, then a non-blocking read.
trait Conn: AsRawFd + Send + Sync {
    fn ready(&self) -> impl Future<Output = io::Result<()>> + Send;
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
}

impl Conn for TcpStream {
    fn ready(&self) -> impl Future<Output = io::Result<()>> + Send {
        self.readable()
    }
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        TcpStream::try_read(self, buf)
    }
}

impl Conn for UnixStream {
    fn ready(&self) -> impl Future<Output = io::Result<()>> + Send {
        self.readable()
    }
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        UnixStream::try_read(self, buf)
    }
}

thread_local! {
    /// The read buffer all streams share (the runtime has one thread, and a
    /// read and its framing never wait): a stream holds only its unfinished
    /// frame.
    static READ: RefCell<Vec<u8>> = RefCell::new(vec![0u8; READ_BUF]);
}

/// Reads with `read` into the shared buffer and frames what came:
/// (bytes read, frames discarded).
fn read_framed(
    framer: &mut Framer,
    batch: &mut Batch,
    read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
) -> io::Result<(usize, u64)> {
    READ.with(|b| {
        let mut b = b.borrow_mut();
        let n = read(&mut b)?;
        Ok((n, framer.feed(&b[..n], batch)))
    })
}

/// One TCP or unix stream connection.
async fn connection<S: Conn>(s: S, ctx: Ctx, _slot: Slot) {
    let mut framer = Framer::new(ctx.limits.max_frame);
    let mut stop = ctx.stop.clone();
    let fd = s.as_raw_fd();
    // once stopping: what the socket holds (and what the sender's kernel still
    // pushes into it), up to a bound, so a sender that goes on sending cannot
    // hold the exit
    let mut budget = (*stop.borrow()).then(|| drain_budget(fd));
    loop {
        let mut batch = Batch::default();
        // (bytes read, frames discarded, the sender ended the stream); no
        // bytes: the stream ends (drained at stop, or idle)
        let (n, mut discarded, eof) = match budget.as_mut() {
            Some(0) => (0, 0, false),
            Some(left) => {
                let max = READ_BUF.min(*left);
                match read_framed(&mut framer, &mut batch, |b| read_now(fd, &mut b[..max])) {
                    Ok((n, d)) => {
                        *left -= n;
                        (n, d, n == 0)
                    }
                    Err(_) => (0, 0, false),
                }
            }
            None => {
                let idle = ctx.limits.idle;
                tokio::select! {
                    biased;
                    _ = stop.changed() => {
                        budget = Some(drain_budget(fd));
                        continue;
                    }
                    r = s.ready() => match r.and_then(|()| read_framed(&mut framer, &mut batch, |b| s.try_read(b))) {
                        Ok((n, d)) => (n, d, n == 0),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                        Err(_) => (0, 0, true),
                    },
                    _ = tokio::time::sleep(idle.unwrap_or_default()), if idle.is_some() => {
                        ctx.shared.idle_closed.fetch_add(1, Ordering::Relaxed);
                        (0, 0, false)
                    }
                }
            }
        };
        if n == 0 {
            discarded += framer.finish(&mut batch, eof);
        }
        ctx.discarded(discarded);
        if !ctx.send(batch).await || n == 0 {
            return;
        }
    }
}

/// How much a stream is still read after the stop: its receive buffer and
/// what the peer may hold in its send buffer (bytes it has seen as sent).
fn drain_budget(fd: RawFd) -> usize {
    rcvbuf(fd) + DRAIN_MORE
}

/// The receive buffer size of a socket (an upper bound of what it holds).
fn rcvbuf(fd: RawFd) -> usize {
    let mut size: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt on an open socket into a c_int and its size.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&mut size as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r == 0 && size > 0 {
        size as usize
    } else {
        UDP_RCVBUF as usize
    }
}

/// Logs an accept error (never data) and pauses briefly (EMFILE would spin).
async fn accept_failed(kind: &str, e: io::Error) {
    eprintln!("loganon: accepting a {kind} connection failed: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn accept_tcp(l: TcpListener, ctx: Ctx) {
    let mut stop = ctx.stop.clone();
    while !*stop.borrow() {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = l.accept() => match r {
                Ok((s, _)) => {
                    let _ = s.set_nodelay(true);
                    ctx.spawn(s);
                }
                Err(e) => accept_failed("tcp", e).await,
            },
        }
    }
    // connections already made are read too
    if let Ok(l) = l.into_std() {
        while let Ok((s, _)) = l.accept() {
            if let Ok(s) = s.set_nonblocking(true).and_then(|()| TcpStream::from_std(s)) {
                ctx.spawn(s);
            }
        }
    }
}

async fn accept_unix(l: UnixListener, path: PathBuf, ctx: Ctx) {
    let mut stop = ctx.stop.clone();
    while !*stop.borrow() {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = l.accept() => match r {
                Ok((s, _)) => ctx.spawn(s),
                Err(e) => accept_failed("unix", e).await,
            },
        }
    }
    if let Ok(l) = l.into_std() {
        while let Ok((s, _)) = l.accept() {
            if let Ok(s) = s.set_nonblocking(true).and_then(|()| UnixStream::from_std(s)) {
                ctx.spawn(s);
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}

async fn udp(sock: UdpSocket, ctx: Ctx) {
    let mut buf = vec![0u8; 65536];
    let mut stop = ctx.stop.clone();
    let fd = sock.as_raw_fd();
    // what the full queue could not take yet; dropped past UDP_HOLD bytes
    let mut held = Batch::default();
    while !*stop.borrow() {
        let (before, bytes) = (held.messages, held.data.len());
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            permit = ctx.tx.reserve(), if !held.is_empty() => match permit {
                Ok(p) => {
                    p.send(Msg::Lines(std::mem::take(&mut held)));
                    continue;
                }
                Err(_) => return,
            },
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, _)) => held.push(&buf[..n]),
                Err(_) => continue,
            },
        }
        // what else is ready, up to a batch
        for _ in 0..1024 {
            match sock.try_recv_from(&mut buf) {
                Ok((n, _)) => held.push(&buf[..n]),
                Err(_) => break,
            }
            if held.data.len() - bytes >= BATCH {
                break;
            }
        }
        ctx.shared.received.fetch_add(held.messages - before, Ordering::Relaxed);
        if held.is_empty() {
            continue;
        }
        match ctx.tx.try_send(Msg::Lines(std::mem::take(&mut held))) {
            Ok(()) => {}
            Err(TrySendError::Full(Msg::Lines(b))) if b.data.len() < UDP_HOLD => held = b,
            Err(TrySendError::Full(m)) => {
                if let Msg::Lines(b) = m {
                    ctx.shared.udp_dropped.fetch_add(b.messages, Ordering::Relaxed);
                }
            }
            Err(TrySendError::Closed(_)) => return,
        }
    }
    // counted as received already
    if !held.is_empty() && ctx.tx.send(Msg::Lines(held)).await.is_err() {
        return;
    }
    // stopping: the datagrams the socket holds now (at most its receive
    // buffer, so a flood cannot hold the exit), none dropped
    let mut left = rcvbuf(fd);
    while left > 0 {
        let mut batch = Batch::default();
        while !batch.full() && left > 0 {
            match read_now(fd, &mut buf) {
                Ok(n) => {
                    batch.push(&buf[..n]);
                    left = left.saturating_sub(n.max(1));
                }
                Err(_) => {
                    left = 0;
                    break;
                }
            }
        }
        if batch.is_empty() || !ctx.send(batch).await {
            break;
        }
    }
    if let Some(ino) = socket_inode(fd) {
        ctx.shared
            .udp_kernel_closed
            .fetch_add(kernel_drops(&[ino]), Ordering::Relaxed);
        if let Ok(mut v) = ctx.shared.udp_inodes.lock() {
            v.retain(|&i| i != ino);
        }
    }
}

/// Asks for a large receive buffer (root may exceed net.core.rmem_max).
fn grow_rcvbuf(fd: RawFd) {
    let size = UDP_RCVBUF;
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: setsockopt on an open socket with a pointer to a c_int and its size.
        let r = unsafe { libc::setsockopt(fd, libc::SOL_SOCKET, opt, (&size as *const libc::c_int).cast(), len) };
        if r == 0 {
            return;
        }
    }
}

/// A unix socket path: a stale socket (nobody listening) is replaced; an
/// existing file of another kind, or a live socket, is an error.
fn bind_unix(path: &Path) -> io::Result<UnixListener> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "exists and is not a socket",
            ));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                "another process listens on it",
            ));
        }
        std::fs::remove_file(path)?;
    }
    UnixListener::bind(path)
}

// ---------------------------------------------------------------------------
// the command

/// The listeners, bound before anything else starts.
struct Bound {
    udp: Vec<UdpSocket>,
    tcp: Vec<TcpListener>,
    unix: Vec<(UnixListener, PathBuf)>,
}

async fn bind(a: &ListenArgs) -> Result<Bound, String> {
    let mut b = Bound {
        udp: Vec::new(),
        tcp: Vec::new(),
        unix: Vec::new(),
    };
    for addr in &a.udp {
        let s = UdpSocket::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on udp {addr}: {e}"))?;
        grow_rcvbuf(s.as_raw_fd());
        let at = s.local_addr().map_or_else(|_| addr.to_string(), |l| l.to_string());
        eprintln!("loganon: listening on udp {at}");
        b.udp.push(s);
    }
    for addr in &a.tcp {
        let l = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on tcp {addr}: {e}"))?;
        let at = l.local_addr().map_or_else(|_| addr.to_string(), |l| l.to_string());
        eprintln!("loganon: listening on tcp {at}");
        b.tcp.push(l);
    }
    for path in &a.unix {
        let l = bind_unix(path).map_err(|e| format!("cannot listen on unix socket {}: {e}", path.display()))?;
        eprintln!("loganon: listening on unix {}", path.display());
        b.unix.push((l, path.clone()));
    }
    Ok(b)
}

struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    usr1: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
        })
    }
}

/// Serves until a stop signal or a writer failure; returns when every
/// reader has handed over what it received.
async fn serve(
    bound: Bound,
    mut sig: Signals,
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
    fatal: Arc<Notify>,
    fmt: Option<String>,
    limits: Limits,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let ctx = Ctx {
        tx: tx.clone(),
        stop: stop_rx,
        shared: shared.clone(),
        limits,
        _alive: alive_tx,
    };
    for s in bound.udp {
        if let Some(ino) = socket_inode(s.as_raw_fd()) {
            if let Ok(mut v) = shared.udp_inodes.lock() {
                v.push(ino);
            }
        }
        tokio::spawn(udp(s, ctx.clone()));
    }
    for l in bound.tcp {
        tokio::spawn(accept_tcp(l, ctx.clone()));
    }
    for (l, path) in bound.unix {
        tokio::spawn(accept_unix(l, path, ctx.clone()));
    }
    drop(ctx);
    loop {
        tokio::select! {
            _ = sig.term.recv() => break,
            _ = sig.int.recv() => break,
            _ = fatal.notified() => break,
            _ = sig.hup.recv() => {
                if tx.send(Msg::Reopen).await.is_err() {
                    break;
                }
            }
            _ = sig.usr1.recv() => eprint!("{}", shared.report(fmt.as_deref())),
        }
    }
    let _ = stop_tx.send(true);
    drop(tx);
    // every reader ends after handing over what it holds
    let _ = alive_rx.recv().await;
}

/// `loganon listen`.
pub fn main(a: ListenArgs) -> u8 {
    let mut opts = Options {
        rules: a.rules.rules(),
        format: a.rules.format.clone(),
        on_unparsed: a.on_unparsed,
        ..Options::default()
    };
    if let Err(e) = a.keys.apply(a.rules.ip_mode, &mut opts) {
        eprintln!("loganon: {e}");
        return EXIT_USAGE;
    }
    let out = if a.output.as_os_str() == "-" {
        Output::stdout()
    } else {
        match Output::append(a.output.clone(), a.level) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("loganon: cannot open output {}: {e}", a.output.display());
                return EXIT_FAILED;
            }
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loganon: cannot start the runtime: {e}");
            return EXIT_FAILED;
        }
    };
    let shared = Arc::new(Shared::new());
    let fatal = Arc::new(Notify::new());
    let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
    let started = rt.block_on(async {
        // signals first: a SIGTERM right after the sockets accept is handled
        let sig = Signals::install().map_err(|e| format!("cannot install signal handlers: {e}"))?;
        let bound = bind(&a).await?;
        Ok::<_, String>((sig, bound))
    });
    let (sig, bound) = match started {
        Ok(x) => x,
        Err(e) => {
            eprintln!("loganon: {e}");
            return EXIT_FAILED;
        }
    };
    let mut writer = Writer {
        engine: Engine::new(opts),
        compress: out.compression(),
        out,
        pending: Vec::with_capacity(FLUSH_AT + BATCH),
        stats: Stats::default(),
        pending_stats: Stats::default(),
        pool: Pool::default(),
        shared: shared.clone(),
        format: a.rules.format.to_string(),
    };
    let wfatal = fatal.clone();
    let handle = std::thread::Builder::new()
        .name("loganon-writer".into())
        .spawn(move || {
            let r = writer.run(&mut rx);
            if r.is_err() {
                // the readers' sends now fail, and the main task stops
                rx.close();
                wfatal.notify_one();
            }
            writer.publish();
            let name = writer.out.name();
            let finished = writer.out.finish().map_err(|e| format!("cannot write {name}: {e}"));
            r.and(finished)
        });
    let handle = match handle {
        Ok(h) => h,
        Err(e) => {
            eprintln!("loganon: cannot start the writer: {e}");
            return EXIT_FAILED;
        }
    };
    let limits = Limits {
        max_connections: a.max_connections as usize,
        idle: (a.idle_timeout > 0).then(|| Duration::from_secs(a.idle_timeout)),
        max_frame: a.max_frame as usize,
    };
    rt.block_on(serve(bound, sig, tx, shared.clone(), fatal, a.stats.clone(), limits));
    let mut code = EXIT_OK;
    match handle.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("loganon: {e}");
            code = EXIT_FAILED;
        }
        Err(_) => code = EXIT_FAILED,
    }
    if a.stats.is_some() {
        eprint!("{}", shared.report(a.stats.as_deref()));
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(f: &str) -> &str {
        std::str::from_utf8(message(f.as_bytes())).unwrap()
    }

    const CLF: &str = r#"127.0.0.1 - - [22/Nov/2026:07:00:00 +0000] "GET /?token=abc HTTP/1.1" 200 5 "-" "curl/8""#;

    #[test]
    fn rfc3164_as_nginx_and_haproxy_send_it() {
        assert_eq!(msg(&format!("<190>Nov 22 07:00:00 web1 nginx: {CLF}")), CLF);
        // nginx `nohostname`, HAProxy without log-send-hostname
        assert_eq!(msg(&format!("<190>Nov 22 07:00:00 nginx: {CLF}")), CLF);
        assert_eq!(
            msg("<134>Nov  2 07:00:00 haproxy[1234]: 10.0.0.1:5 [x] fe be"),
            "10.0.0.1:5 [x] fe be"
        );
        assert_eq!(
            msg("<134>Nov 02 07:00:00 lb haproxy[1234]: 10.0.0.1:5 [x]"),
            "10.0.0.1:5 [x]"
        );
        // no tag: the content follows the host name
        assert_eq!(msg("<13>Jan  1 00:00:00 host just text"), "just text");
        // no valid timestamp: everything after PRI
        assert_eq!(msg("<13>hello 1.2.3.4"), "hello 1.2.3.4");
        assert_eq!(
            msg("<13>Foo 22 07:00:00 web1 nginx: x"),
            "Foo 22 07:00:00 web1 nginx: x"
        );
        assert_eq!(msg("<13>Nov 22 07:00:00"), "");
        assert_eq!(msg("<13>Nov 22 07:00:00 web1 nginx:"), "");
    }

    #[test]
    fn rfc5424() {
        assert_eq!(
            msg(&format!("<165>1 2026-11-22T07:00:00.003Z web1 nginx 123 ID47 - {CLF}")),
            CLF
        );
        assert_eq!(msg("<165>1 - - - - - -"), "");
        assert_eq!(
            msg(r#"<165>1 2026-11-22T07:00:00Z h app - - [ex@1 a="b\"]c" d="e"][x@2 k="v"] BOMless msg"#),
            "BOMless msg"
        );
        assert_eq!(
            msg("<165>1 2026-11-22T07:00:00Z h app - - - \u{feff}with bom"),
            "with bom"
        );
        // broken structured data: not RFC 5424, so RFC 3164 rules (no timestamp: all of it)
        assert_eq!(msg("<165>1 t h a p m [x msg"), "1 t h a p m [x msg");
        assert_eq!(msg("<165>1 t h a"), "1 t h a");
    }

    #[test]
    fn no_or_bad_pri_is_the_whole_frame() {
        assert_eq!(msg(CLF), CLF);
        assert_eq!(msg("<192>Nov 22 07:00:00 h t: x"), "<192>Nov 22 07:00:00 h t: x");
        assert_eq!(msg("<>x"), "<>x");
        assert_eq!(msg("<1a>x"), "<1a>x");
        assert_eq!(msg("<0>x"), "x");
    }

    #[test]
    fn tags() {
        assert!(is_tag(b"nginx:"));
        assert!(is_tag(b"haproxy[12]:"));
        assert!(!is_tag(b"nginx"));
        assert!(!is_tag(b":"));
        assert!(!is_tag(b"fe80::"));
        assert!(!is_tag(b"a[1:"));
    }

    fn framed(chunks: &[&[u8]]) -> (String, u64) {
        let mut f = Framer::default();
        let mut b = Batch::default();
        let mut discarded = 0;
        for c in chunks {
            discarded += f.feed(c, &mut b);
        }
        discarded += f.finish(&mut b, true);
        (String::from_utf8(b.data).unwrap(), discarded)
    }

    #[test]
    fn octet_counting_and_newline_framing() {
        let one = b"<13>Nov 22 07:00:00 h t: a b";
        let mut s = format!("{} ", one.len()).into_bytes();
        s.extend_from_slice(one);
        s.extend_from_slice(b"<13>Nov 22 07:00:00 h t: line\r\n\nplain\n7 <13>xyz");
        // every split point gives the same messages
        for cut in 0..s.len() {
            let (text, d) = framed(&[&s[..cut], &s[cut..]]);
            assert_eq!(text, "a b\nline\nplain\nxyz\n", "cut {cut}");
            assert_eq!(d, 0);
        }
        // a last newline-framed message without its \n is kept at the end
        assert_eq!(framed(&[b"a\nb"]).0, "a\nb\n");
        // an incomplete octet-counted frame is not
        assert_eq!(framed(&[b"a\n10 <13>ab"]), ("a\n".into(), 1));
        // the server stopping mid-stream: an unfinished frame is discarded, never cut
        let mut f = Framer::default();
        let mut b = Batch::default();
        f.feed(b"whole 1.2.3.4\ncut 10.1.2", &mut b);
        assert_eq!(
            (f.finish(&mut b, false), b.data.as_slice()),
            (1, &b"whole 1.2.3.4\n"[..])
        );
        // a message holding \n becomes lines
        assert_eq!(framed(&[b"7 <13>a\nb"]).0, "a\nb\n");
        // "0" and "012" are not lengths
        assert_eq!(framed(&[b"0 x\n012 y\n"]).0, "0 x\n012 y\n");
    }

    #[test]
    fn too_long_frames_are_discarded_not_cut() {
        let big = vec![b'x'; MAX_MESSAGE + 1];
        let mut octet = format!("{} ", big.len()).into_bytes();
        octet.extend_from_slice(&big);
        octet.extend_from_slice(b"3 abc");
        let (text, d) = framed(&[&octet[..1000], &octet[1000..]]);
        assert_eq!((text.as_str(), d), ("abc\n", 1));
        let mut line = big.clone();
        line.extend_from_slice(b"\nok\n");
        let (text, d) = framed(&[&line[..10], &line[10..MAX_MESSAGE + 1], &line[MAX_MESSAGE + 1..]]);
        assert_eq!((text.as_str(), d), ("ok\n", 1));
    }

    #[test]
    fn empty_frames_are_nothing() {
        assert_eq!(framed(&[b"\n\r\n\0\n"]).0, "");
        let mut b = Batch::default();
        b.push(b"");
        b.push(b"\n");
        assert!(b.is_empty());
        b.push(b"<13>Nov 22 07:00:00 h t: x\n");
        assert_eq!((b.data.as_slice(), b.messages), (&b"x\n"[..], 1));
    }

    #[test]
    fn proc_net_udp_drops_of_no_socket() {
        assert_eq!(kernel_drops(&[]), 0);
        assert_eq!(kernel_drops(&[u64::MAX]), 0);
    }
}
