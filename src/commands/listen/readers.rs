//! The readers of `listen`, on a single-threaded tokio runtime: UDP sockets
//! (one message per datagram), TCP and unix stream connections (framed by
//! [`Framer`]), all putting batches of messages into one bounded queue. TCP
//! and unix readers wait when it is full (backpressure); a UDP reader holds
//! up to [`UDP_HOLD`] meanwhile and drops beyond that, counted. A stream
//! closes when it is silent for `--idle-timeout`, when its unfinished frame
//! began `--frame-timeout` ago, or when a new connection takes its place
//! ([`Slots`]). At a stop, what the sockets already hold is read, within
//! bounds.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

use super::counters::{kernel_drops, socket_inode, Shared};
use super::framing::{Batch, Framer};
use super::slots::{Slot, Slots};
use super::writer::Msg;
use super::{Limits, BATCH};

/// Bytes asked of each stream read.
const READ_BUF: usize = 64 * 1024;
/// A UDP reader holds at most this much while the queue is full; past it
/// the held messages are dropped (counted as `udp_dropped`).
const UDP_HOLD: usize = 4 * 1024 * 1024;
/// After a stop, a stream is read until it has nothing more, and at most
/// this much beyond its receive buffer (a peer's send buffer is a few MiB).
const DRAIN_MORE: usize = 64 * 1024 * 1024;
/// The receive buffer asked for UDP sockets (the kernel may give less).
const UDP_RCVBUF: usize = 8 * 1024 * 1024;
/// The bytes of stream messages queued for the writer (or being run by it)
/// at most. A stream reader waits for its batch's share, first come first
/// served, so a flood cannot fill the whole queue: what is ahead of a new
/// sender's message is this, and a batch of each flooding connection
/// (about 0.06 s of the writer's work for nginx lines in a debug build, a
/// few ms in a release build). UDP readers do not wait for it.
const STREAM_QUEUE: usize = 512 * 1024;

/// What every reader task holds; the last clone dropped tells the writer
/// (through `tx`) and the main task (through `_alive`) that all are done.
#[derive(Clone)]
pub struct Ctx {
    tx: mpsc::Sender<Msg>,
    stop: watch::Receiver<bool>,
    shared: Arc<Shared>,
    limits: Limits,
    slots: Arc<Slots>,
    /// the room left for stream messages in the queue ([`STREAM_QUEUE`])
    room: Arc<Semaphore>,
    _alive: mpsc::Sender<()>,
}

impl Ctx {
    /// What the readers share: the writer's queue, the stop flag, the
    /// counters, the limits, and the sender whose last clone dropped tells
    /// that every reader is done.
    pub fn new(
        tx: mpsc::Sender<Msg>,
        stop: watch::Receiver<bool>,
        shared: Arc<Shared>,
        limits: Limits,
        alive: mpsc::Sender<()>,
    ) -> Ctx {
        Ctx {
            tx,
            stop,
            slots: Arc::new(Slots::new(limits.max_connections, shared.clone())),
            room: Arc::new(Semaphore::new(STREAM_QUEUE)),
            shared,
            limits,
            _alive: alive,
        }
    }

    /// Starts reading a new connection, or closes it when it gets no place
    /// (`evict`: it may take the place of a connection inside a frame; not
    /// while stopping, when every open connection is being drained).
    fn spawn<S: Conn + 'static>(&self, s: S, evict: bool) {
        if let Some(slot) = self.slots.take(evict) {
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

    /// Sends a stream's batch once the streams' share of the queue has room
    /// for it (a batch larger than the share waits for all of it).
    async fn send_stream(&self, mut batch: Batch) -> bool {
        if batch.is_empty() {
            return true;
        }
        let want = u32::try_from(batch.data.len().min(STREAM_QUEUE)).unwrap_or(u32::MAX);
        match self.room.clone().acquire_many_owned(want).await {
            Ok(room) => batch.room = Some(room),
            Err(_) => return false,
        }
        self.send(batch).await
    }

    fn discarded(&self, n: u64) {
        if n > 0 {
            self.shared.discarded.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Adds a datagram's message to `held`; a datagram longer than
    /// `--max-frame` is discarded (counted), as a frame of a stream is.
    fn datagram(&self, held: &mut Batch, d: &[u8]) {
        if d.len() > self.limits.max_frame {
            self.discarded(1);
        } else {
            held.push(d);
        }
    }
}

/// A non-blocking read straight from the socket, bypassing the runtime's
/// readiness cache: at stop, what the kernel already holds is read for sure.
fn read_now(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match rustix::net::recv(fd, &mut *buf, rustix::net::RecvFlags::DONTWAIT) {
            Ok((n, _)) => return Ok(n),
            Err(e) if e == rustix::io::Errno::INTR => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// A TCP or unix stream: readiness, then a non-blocking read.
trait Conn: AsFd + Send + Sync {
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

/// Why a live stream is closed by the server.
enum Close {
    /// silent for `--idle-timeout`
    Idle,
    /// its unfinished frame began `--frame-timeout` ago
    Late,
}

/// When a live stream is closed unless it sends: the earlier of its idle
/// deadline (from now) and its frame's deadline (from when the frame began).
fn deadline(limits: &Limits, since: Option<Instant>) -> Option<(Instant, Close)> {
    // (past the clock's range: never)
    let idle = limits
        .idle
        .and_then(|d| Some((Instant::now().checked_add(d)?, Close::Idle)));
    let late = since
        .zip(limits.frame)
        .and_then(|(t, d)| Some((t.checked_add(d)?, Close::Late)));
    match (idle, late) {
        (Some(i), Some(l)) => Some(if l.0 <= i.0 { l } else { i }),
        (i, l) => i.or(l),
    }
}

/// One TCP or unix stream connection.
async fn connection<S: Conn>(s: S, ctx: Ctx, mut slot: Slot) {
    let mut framer = Framer::new(ctx.limits.max_frame);
    let mut stop = ctx.stop.clone();
    let fd = s.as_fd();
    // once stopping: what the socket holds (and what the sender's kernel still
    // pushes into it), up to a bound, so a sender that goes on sending cannot
    // hold the exit
    let mut budget = (*stop.borrow()).then(|| drain_budget(fd));
    // when the unfinished frame began (the read that brought its first
    // bytes); None: between frames
    let mut since: Option<Instant> = None;
    loop {
        let ended = framer.frames_ended();
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
                let close = deadline(&ctx.limits, since);
                let at = close.as_ref().map(|c| c.0);
                tokio::select! {
                    biased;
                    _ = stop.changed() => {
                        budget = Some(drain_budget(fd));
                        continue;
                    }
                    // its place went to a new connection
                    () = slot.evicted() => (0, 0, false),
                    // checked before reading: bytes that keep coming do not
                    // put the frame's deadline off
                    () = tokio::time::sleep_until(at.unwrap_or_else(Instant::now)), if at.is_some() => {
                        match close.map(|c| c.1) {
                            Some(Close::Late) => &ctx.shared.frame_timeouts,
                            _ => &ctx.shared.idle_closed,
                        }
                        .fetch_add(1, Ordering::Relaxed);
                        (0, 0, false)
                    }
                    r = s.ready() => match r.and_then(|()| read_framed(&mut framer, &mut batch, |b| s.try_read(b))) {
                        Ok((n, d)) => (n, d, n == 0),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                        Err(_) => (0, 0, true),
                    },
                }
            }
        };
        if n > 0 {
            since = match since {
                _ if !framer.unfinished() => None,
                Some(t) if framer.frames_ended() == ended => Some(t),
                _ => Some(Instant::now()),
            };
            slot.inside_since(since);
        }
        if n == 0 {
            discarded += framer.finish(&mut batch, eof);
        }
        ctx.discarded(discarded);
        if !ctx.send_stream(batch).await || n == 0 {
            return;
        }
    }
}

/// How much a stream is still read after the stop: its receive buffer and
/// what the peer may hold in its send buffer (bytes it has seen as sent).
fn drain_budget(fd: BorrowedFd<'_>) -> usize {
    rcvbuf(fd) + DRAIN_MORE
}

/// The receive buffer size of a socket (an upper bound of what it holds).
fn rcvbuf(fd: BorrowedFd<'_>) -> usize {
    match rustix::net::sockopt::socket_recv_buffer_size(fd) {
        Ok(size) if size > 0 => size,
        _ => UDP_RCVBUF,
    }
}

/// Logs an accept error (never data) and pauses briefly (EMFILE would spin).
async fn accept_failed(kind: &str, e: io::Error) {
    eprintln!("loganon: accepting a {kind} connection failed: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

pub async fn accept_tcp(l: TcpListener, ctx: Ctx) {
    let mut stop = ctx.stop.clone();
    while !*stop.borrow() {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = l.accept() => match r {
                Ok((s, _)) => {
                    let _ = s.set_nodelay(true);
                    ctx.spawn(s, true);
                }
                Err(e) => accept_failed("tcp", e).await,
            },
        }
    }
    // connections already made are read too
    if let Ok(l) = l.into_std() {
        while let Ok((s, _)) = l.accept() {
            if let Ok(s) = s.set_nonblocking(true).and_then(|()| TcpStream::from_std(s)) {
                ctx.spawn(s, false);
            }
        }
    }
}

pub async fn accept_unix(l: UnixListener, path: PathBuf, ctx: Ctx) {
    let mut stop = ctx.stop.clone();
    while !*stop.borrow() {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = l.accept() => match r {
                Ok((s, _)) => ctx.spawn(s, true),
                Err(e) => accept_failed("unix", e).await,
            },
        }
    }
    if let Ok(l) = l.into_std() {
        while let Ok((s, _)) = l.accept() {
            if let Ok(s) = s.set_nonblocking(true).and_then(|()| UnixStream::from_std(s)) {
                ctx.spawn(s, false);
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}

pub async fn udp(sock: UdpSocket, ctx: Ctx) {
    let mut buf = vec![0u8; 65536];
    let mut stop = ctx.stop.clone();
    let fd = sock.as_fd();
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
                Ok((n, _)) => ctx.datagram(&mut held, &buf[..n]),
                Err(_) => continue,
            },
        }
        // what else is ready, up to a batch
        for _ in 0..1024 {
            match sock.try_recv_from(&mut buf) {
                Ok((n, _)) => ctx.datagram(&mut held, &buf[..n]),
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
                    ctx.datagram(&mut batch, &buf[..n]);
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
pub fn grow_rcvbuf(fd: impl AsFd) {
    use rustix::net::sockopt::{set_socket_recv_buffer_size, set_socket_recv_buffer_size_force};
    let fd = fd.as_fd();
    if set_socket_recv_buffer_size_force(fd, UDP_RCVBUF).is_err() {
        let _ = set_socket_recv_buffer_size(fd, UDP_RCVBUF);
    }
}

/// A unix socket path: a stale socket (nobody listening) is replaced; an
/// existing file of another kind, or a live socket, is an error.
pub fn bind_unix(path: &Path) -> io::Result<UnixListener> {
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
