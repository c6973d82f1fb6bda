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
//!   full, or when their messages take 512 KiB of it (backpressure: nothing
//!   is lost, the sender is slowed down; first come first served, so a flood
//!   does not hold other senders back); a UDP reader holds up to 4 MiB
//!   meanwhile and drops beyond that, counted (`udp_dropped`); the drops of
//!   the kernel's socket buffer are read from `/proc/net/udp`.
//! - One writer thread (no tokio in the anonymizing path) runs the batches
//!   through [`Engine::chunk`] and appends them to the output when the queue
//!   is momentarily empty (or every 1 MiB, or 50 ms after the first line
//!   waiting): a single message is on disk within milliseconds, even during
//!   a flood. A `.gz` output gets one complete gzip member per write.
//! - SIGTERM/SIGINT: stop accepting, read what the sockets already hold
//!   (streams until they have nothing more, within 64 MiB beyond their
//!   receive buffer; an unfinished frame is then discarded, never cut), write
//!   everything received, exit 0. SIGHUP reopens the output (logrotate).
//!   SIGUSR1 prints the counters on stderr.
//! - Fail closed: messages never appear in errors or counters; a frame (or a
//!   UDP datagram) over `--max-frame` (default [`MAX_MESSAGE`]) is discarded
//!   (counted), not cut.
//! - Bounded: at most `--max-connections` streams at once; a new one takes
//!   the place of the stream whose unfinished frame began longest ago (that
//!   one is closed, counted as evicted), and is closed at once (counted as
//!   refused) only when no stream is inside a frame. A stream silent for
//!   `--idle-timeout`, or whose unfinished frame began `--frame-timeout`
//!   ago, is closed (its unfinished frame discarded, counted): a sender that
//!   trickles bytes cannot hold a place. A stream holds at most its
//!   unfinished frame (up to `--max-frame`), and all streams read through one
//!   shared buffer.
//!
//! Here: the options, binding, and the main task; `framing`, `readers`,
//! `slots`, `writer` and `counters` hold the rest, and the syslog message
//! parsing is [`crate::formats::syslog`].

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket, UnixListener};
use tokio::sync::{mpsc, watch, Notify};

use crate::engine::{Engine, Options};
use crate::io::clock::Clock;
use crate::io::output::Output;
use crate::io::signals::Signals;

mod counters;
mod framing;
mod readers;
mod slots;
mod writer;

use counters::{socket_inode, Shared};
use readers::{accept_tcp, accept_unix, bind_unix, grow_rcvbuf, udp, Ctx};
pub use writer::WriterError;
use writer::{Msg, Writer};

/// The longest message kept by default (`--max-frame`); a longer frame is
/// discarded and counted.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// `--max-connections` by default.
pub const MAX_CONNECTIONS: usize = 256;
/// `--idle-timeout` by default, in seconds.
pub const IDLE_TIMEOUT: u64 = 60;
/// `--frame-timeout` by default, in seconds.
pub const FRAME_TIMEOUT: u64 = 10;
/// A batch is sent to the writer when it holds this many bytes.
const BATCH: usize = 64 * 1024;
/// Batches the queue holds (with [`BATCH`], at most ~16 MiB of messages).
const QUEUE: usize = 256;

/// `--max-connections`, `--idle-timeout`, `--frame-timeout`, `--max-frame`.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    /// None: never
    pub idle: Option<Duration>,
    /// how long a frame may take from its first bytes to its end; None: any
    pub frame: Option<Duration>,
    pub max_frame: usize,
}

/// What `listen` is asked to do.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    pub udp: Vec<SocketAddr>,
    pub tcp: Vec<SocketAddr>,
    pub unix: Vec<PathBuf>,
    /// the file appended to (`-`: stdout)
    pub output: PathBuf,
    /// the compression level of a compressed output
    pub level: u32,
    pub engine: Options,
    /// the day of lines without a readable time (keyed modes), read per batch
    pub clock: Clock,
    /// the counters at exit and on SIGUSR1: `text` or `json`; None: at
    /// SIGUSR1 as text, not at exit
    pub stats: Option<String>,
    pub limits: Limits,
}

/// How a server that started ended.
#[derive(Debug, Default)]
pub struct Served {
    /// why the writer stopped the server (a write failed, a message matched
    /// no format under `--on-unparsed fail`)
    pub error: Option<WriterError>,
    /// the writer thread ended abnormally
    pub crashed: bool,
    /// the counters at exit, when `stats` asked for them
    pub report: Option<String>,
}

/// Why `listen` could not start (nothing was received); its text is the
/// message shown.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The output could not be opened.
    #[error("cannot open output {}: {source}", crate::io::names::show(path))]
    Output {
        /// the output file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The tokio runtime could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] io::Error),
    /// A UDP socket could not be bound.
    #[error("cannot listen on udp {addr}: {source}")]
    Udp {
        /// the address asked for
        addr: SocketAddr,
        /// what the system said
        source: io::Error,
    },
    /// A TCP socket could not be bound.
    #[error("cannot listen on tcp {addr}: {source}")]
    Tcp {
        /// the address asked for
        addr: SocketAddr,
        /// what the system said
        source: io::Error,
    },
    /// A unix socket could not be bound.
    #[error("cannot listen on unix socket {}: {source}", crate::io::names::show(path))]
    Unix {
        /// the socket's path
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The writer thread could not be started.
    #[error("cannot start the writer: {0}")]
    Writer(#[source] io::Error),
}

/// The listeners, bound before anything else starts.
struct Bound {
    udp: Vec<UdpSocket>,
    tcp: Vec<TcpListener>,
    unix: Vec<(UnixListener, PathBuf)>,
}

async fn bind(a: &ListenOptions) -> Result<Bound, ListenError> {
    let mut b = Bound {
        udp: Vec::new(),
        tcp: Vec::new(),
        unix: Vec::new(),
    };
    for addr in &a.udp {
        let s = UdpSocket::bind(addr)
            .await
            .map_err(|source| ListenError::Udp { addr: *addr, source })?;
        grow_rcvbuf(&s);
        let at = s.local_addr().map_or_else(|_| addr.to_string(), |l| l.to_string());
        eprintln!("loganon: listening on udp {at}");
        b.udp.push(s);
    }
    for addr in &a.tcp {
        let l = TcpListener::bind(addr)
            .await
            .map_err(|source| ListenError::Tcp { addr: *addr, source })?;
        let at = l.local_addr().map_or_else(|_| addr.to_string(), |l| l.to_string());
        eprintln!("loganon: listening on tcp {at}");
        b.tcp.push(l);
    }
    for path in &a.unix {
        let l = bind_unix(path).map_err(|source| ListenError::Unix {
            path: path.clone(),
            source,
        })?;
        eprintln!("loganon: listening on unix {}", crate::io::names::show(path));
        b.unix.push((l, path.clone()));
    }
    Ok(b)
}

/// Serves until a stop signal or a writer failure; returns when every
/// reader has handed over what it received.
#[allow(clippy::too_many_arguments)]
async fn serve(
    bound: Bound,
    sig: &Signals,
    wake: tokio::net::UnixStream,
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
    fatal: Arc<Notify>,
    fmt: Option<String>,
    limits: Limits,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let ctx = Ctx::new(tx.clone(), stop_rx, shared.clone(), limits, alive_tx);
    for s in bound.udp {
        if let Some(ino) = socket_inode(&s) {
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
            _ = fatal.notified() => break,
            r = wake.readable() => {
                if r.is_err() {
                    break;
                }
                // the flags say which signals came
                let mut b = [0u8; 64];
                while matches!(wake.try_read(&mut b), Ok(n) if n > 0) {}
            }
        }
        if sig.stop.load(Ordering::SeqCst) {
            break;
        }
        if sig.hup.swap(false, Ordering::SeqCst) && tx.send(Msg::Reopen).await.is_err() {
            break;
        }
        if sig.usr1.swap(false, Ordering::SeqCst) {
            eprint!("{}", shared.report(fmt.as_deref()));
        }
    }
    let _ = stop_tx.send(true);
    drop(tx);
    // every reader ends after handing over what it holds
    let _ = alive_rx.recv().await;
}

/// Runs the server until a stop signal (or the writer stops it). An error
/// when it could not start (nothing was received).
pub fn run(opts: ListenOptions) -> Result<Served, ListenError> {
    let out = if opts.output.as_os_str() == "-" {
        Output::stdout()
    } else {
        Output::append(opts.output.clone(), opts.level).map_err(|source| ListenError::Output {
            path: opts.output.clone(),
            source,
        })?
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ListenError::Runtime)?;
    let shared = Arc::new(Shared::new());
    let fatal = Arc::new(Notify::new());
    let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
    let (sig, wake, bound) = rt.block_on(async {
        // signals first: a SIGTERM right after the sockets accept is handled
        let sig = Signals::install_server().map_err(ListenError::Signals)?;
        let wake = sig
            .wake_stream()
            .and_then(tokio::net::UnixStream::from_std)
            .map_err(ListenError::Signals)?;
        let bound = bind(&opts).await?;
        Ok::<_, ListenError>((sig, wake, bound))
    })?;
    let format = opts.engine.format.to_string();
    let mut writer = Writer::new(
        Engine::new(opts.engine.clone()),
        opts.clock.clone(),
        out,
        shared.clone(),
        format,
    );
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
            let finished = writer.finish();
            r.and(finished)
        })
        .map_err(ListenError::Writer)?;
    rt.block_on(serve(
        bound,
        &sig,
        wake,
        tx,
        shared.clone(),
        fatal,
        opts.stats.clone(),
        opts.limits,
    ));
    let mut served = Served::default();
    match handle.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => served.error = Some(e),
        Err(_) => served.crashed = true,
    }
    if opts.stats.is_some() {
        served.report = Some(shared.report(opts.stats.as_deref()));
    }
    Ok(served)
}
