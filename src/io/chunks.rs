//! The stdin -> stdout filter (and files named as arguments, concatenated).
//!
//! - Each read returns what the input has ready, and its anonymized lines are
//!   written at once in one `write`: a single line on an idle pipe comes out
//!   within milliseconds, while under load each write carries a large batch.
//! - SIGTERM and SIGINT finish the line in hand, flush (closing a gzip stream),
//!   and end with exit 0; SIGHUP reopens `-o FILE` (for logrotate). Plain stdin
//!   is read after `poll` on stdin and a signal pipe, so a signal is acted on
//!   even while no input arrives. A gzip output is a series of complete
//!   members, one per write, so it is valid gzip at every moment.
//! - A closed stdout ends the program quietly.
//! - Memory stays bounded: one read buffer, one output buffer, and the carried
//!   part of an unfinished line; a line longer than [`LONG_LINE`] is scrubbed
//!   in pieces by the rules that need no parsing (see [`Engine::fragment`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::engine::Engine;
use crate::formats::w3c::{last_header, Header};
use crate::io::codec::{Codec, Compress, Sniff};
use crate::io::input::{Input, InputError, Source};
use crate::io::names::show;
use crate::io::pipeline::{self, Done, Item, Pool};
use crate::stats::Stats;

/// Bytes asked of each read.
pub const CHUNK: usize = 1024 * 1024;
/// A line longer than this (the whole-line limit) is processed in pieces:
/// its first piece this long, the others about [`PIECE`] long, so memory
/// does not grow with the length of a line.
pub const LONG_LINE: usize = 16 * 1024 * 1024;
/// The pieces of a long line after its first.
pub const PIECE: usize = 1024 * 1024;

/// Where the anonymized stream goes.
pub enum Output {
    Stdout(ManuallyDrop<File>),
    /// an appended file; with `compress`, the pipeline hands over complete
    /// members, so the file is valid in its format after every write
    File {
        path: PathBuf,
        file: File,
        compress: Option<Compress>,
        /// a regular file (a device or a pipe is never cut back)
        regular: bool,
        /// how many bytes at the end of the file are an unfinished line of
        /// ours (pieces of a long line written so far)
        torn: u64,
    },
}

fn open_append(path: &PathBuf) -> io::Result<(File, bool)> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let regular = file.metadata()?.is_file();
    Ok((file, regular))
}

impl Output {
    pub fn stdout() -> Output {
        // SAFETY: fd 1 is open for the life of the process; ManuallyDrop keeps
        // this File from closing it.
        Output::Stdout(ManuallyDrop::new(unsafe { File::from_raw_fd(1) }))
    }

    /// Opens FILE for appending (a live log: restarts of the writer must not
    /// truncate it); a name ending in `.gz`, `.xz`, `.bz2` or `.zst` is
    /// written compressed.
    pub fn append(path: PathBuf, level: u32) -> io::Result<Output> {
        let (file, regular) = open_append(&path)?;
        let compress = Codec::from_name(&path).map(|codec| Compress { codec, level });
        Ok(Output::File {
            path,
            file,
            compress,
            regular,
            torn: 0,
        })
    }

    /// How the pipeline must compress for this output, if at all.
    pub fn compression(&self) -> Option<Compress> {
        match self {
            Output::File { compress, .. } => *compress,
            Output::Stdout(_) => None,
        }
    }

    /// Writes whole lines.
    pub fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.write_part(b, false)
    }

    /// Writes `b`; `open_line`: it ends inside a line (a piece of a long
    /// line). A failed write to a file (a full disk, a size limit) is cut
    /// back by what this write got out and the pieces of an unfinished line
    /// before it, so the file never
    /// ends with a torn line; the error says so. The cut is measured from
    /// the file's length now, not from a length remembered earlier: lines
    /// another writer appended meanwhile stay, and a file truncated by
    /// someone else (copytruncate) is never grown.
    pub fn write_part(&mut self, b: &[u8], open_line: bool) -> io::Result<()> {
        match self {
            Output::Stdout(f) => f.write_all(b),
            Output::File {
                file,
                regular,
                torn,
                compress,
                ..
            } => {
                let mut w = 0;
                let failed = loop {
                    if w == b.len() {
                        break None;
                    }
                    match file.write(&b[w..]) {
                        Ok(0) => break Some(io::Error::from(io::ErrorKind::WriteZero)),
                        Ok(n) => w += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Some(e),
                    }
                };
                // the bytes of `done` after its last line end (None: no line
                // end in it, or compressed members, whose bytes are no lines)
                let tail = |done: &[u8]| match compress {
                    Some(_) => None,
                    None => memchr::memrchr(b'\n', done).map(|k| (done.len() - k - 1) as u64),
                };
                let Some(e) = failed else {
                    *torn = match (open_line, tail(b)) {
                        (false, _) => 0,
                        (true, Some(t)) => t,
                        (true, None) => *torn + b.len() as u64,
                    };
                    return Ok(());
                };
                // all this write got out goes (the lines counted as written
                // are those of the writes that succeeded), and the pieces of
                // an unfinished line before it
                let cut = *torn + w as u64;
                if !*regular {
                    return Err(e);
                }
                if cut == 0 {
                    let note = format!(
                        "{e}; the file ends with its last complete line: the lines from there on were not written"
                    );
                    return Err(io::Error::new(e.kind(), note));
                }
                let note = match file.metadata().map(|m| m.len()) {
                    Ok(len) if len >= cut => match file.set_len(len - cut) {
                        Ok(()) => {
                            *torn = 0;
                            format!(
                                "{e}; the file was cut back to its last complete line \
                                 ({} bytes): the lines from there on were not written",
                                len - cut
                            )
                        }
                        Err(e2) => format!("{e}; cutting the file back to its last complete line failed too: {e2}"),
                    },
                    Ok(len) => format!(
                        "{e}; the file is shorter ({len} bytes) than what this write left (truncated by another \
                         program?): left as it is"
                    ),
                    Err(e2) => format!("{e}; cutting the file back to its last complete line failed too: {e2}"),
                };
                Err(io::Error::new(e.kind(), note))
            }
        }
    }

    /// Ends the output.
    pub fn finish(self) -> io::Result<()> {
        match self {
            // a device or a pipe (`-o /dev/full`) has nothing to sync
            Output::File { regular: false, .. } => Ok(()),
            Output::File {
                mut file,
                compress: Some(c),
                ..
            } => {
                crate::commands::batch::ensure_compressed(&mut file, c)?;
                file.sync_data()
            }
            Output::File { file, .. } => file.sync_data(),
            Output::Stdout(_) => Ok(()),
        }
    }

    /// SIGHUP: close and reopen the file (logrotate moved it away).
    pub fn reopen(&mut self) -> io::Result<()> {
        if let Output::File {
            path,
            file,
            regular,
            torn,
            ..
        } = self
        {
            let (fresh, fresh_regular) = open_append(path)?;
            *regular = fresh_regular;
            *torn = 0;
            std::mem::replace(file, fresh).sync_data()?;
        }
        Ok(())
    }

    pub fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "<stdout>".into(),
            Output::File { path, .. } => show(path).to_string(),
        }
    }
}

/// SIGTERM/SIGINT/SIGHUP, seen through flags and a pipe that `poll` watches.
pub struct Signals {
    pub stop: Arc<AtomicBool>,
    pub hup: Arc<AtomicBool>,
    wake: UnixStream,
    waker: UnixStream,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        Signals::install_inner(true, false)
    }

    /// The stream's signals. With `term_stops` false (`--until-eof`),
    /// SIGTERM is ignored and only the end of input ends a stream: Apache
    /// signals its old piped logger at a graceful restart while the old
    /// children still write to it. A second stop signal ends the process at
    /// once (exit 1), even while a write to a stalled output blocks.
    pub fn install_with(term_stops: bool) -> io::Result<Signals> {
        Signals::install_inner(term_stops, true)
    }

    fn install_inner(term_stops: bool, second_exits: bool) -> io::Result<Signals> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let stop = Arc::new(AtomicBool::new(false));
        let hup = Arc::new(AtomicBool::new(false));
        let (wake, tx) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        if !term_stops {
            // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
            unsafe {
                libc::signal(libc::SIGTERM, libc::SIG_IGN);
            }
        }
        let stops: &[i32] = if term_stops { &[SIGTERM, SIGINT] } else { &[SIGINT] };
        let seen = Arc::new(AtomicBool::new(false));
        for &sig in stops {
            if second_exits {
                let seen = seen.clone();
                // SAFETY: the action only swaps an atomic and calls _exit,
                // both async-signal-safe.
                unsafe {
                    signal_hook::low_level::register(sig, move || {
                        if seen.swap(true, Ordering::SeqCst) {
                            libc::_exit(1);
                        }
                    })?;
                }
            }
            signal_hook::flag::register(sig, stop.clone())?;
            signal_hook::low_level::pipe::register(sig, tx.try_clone()?)?;
        }
        signal_hook::flag::register(SIGHUP, hup.clone())?;
        signal_hook::low_level::pipe::register(SIGHUP, tx.try_clone()?)?;
        tx.set_nonblocking(true)?;
        Ok(Signals {
            stop,
            hup,
            wake,
            waker: tx,
        })
    }

    /// Wakes a reader waiting in `poll` (the consumer stopped).
    pub fn wake(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake_reader();
    }

    /// Wakes a reader waiting in `poll` without stopping the others (a
    /// batch consumer stopped one file).
    pub fn wake_reader(&self) {
        let _ = (&self.waker).write(&[1]);
    }

    fn drain(&self) {
        let mut b = [0u8; 64];
        while let Ok(n) = (&self.wake).read(&mut b) {
            if n == 0 {
                break;
            }
        }
    }
}

/// Waits until `fd` is readable or a signal arrives; true when readable.
fn wait_readable(fd: RawFd, sig: &Signals, timeout_ms: i32) -> bool {
    let (ready, woken) = poll_two(fd, sig.wake.as_raw_fd(), timeout_ms);
    if woken {
        sig.drain();
    }
    ready
}

/// Why a stream ended early.
#[derive(Debug)]
pub enum StreamError {
    /// an input could not be read (the others were processed)
    Input(InputError),
    /// `--on-unparsed fail`: input name and 1-based line number
    Unparsed { name: String, line: u64 },
    /// the output could not be written
    Output { name: String, err: io::Error },
    /// the worker threads could not be started (nothing was read)
    Threads(String),
}

/// The result of a stream run: the counters, and the errors met on the way.
pub struct StreamOutcome {
    pub stats: Stats,
    pub errors: Vec<StreamError>,
    /// stdout was closed by the reader: end quietly
    pub closed: bool,
}

/// The producer side: reads inputs, cuts them into chunks of whole lines.
struct Reader<'a, 's> {
    send: &'a mut dyn FnMut(Item) -> bool,
    pool: &'a Pool,
    sig: &'s Signals,
    /// the unfinished last line of what was read so far
    carry: Vec<u8>,
    /// the carry continues a line of which pieces were already sent
    in_long_line: bool,
    /// the W3C columns in force after what was sent
    w3c: Option<Arc<Header>>,
    errors: Vec<StreamError>,
}

/// The end of the last line in `data` (after its `\n`, or after a lone
/// `\r`: old Mac line endings split lines too). A `\r` as the last byte is
/// not taken: its `\n` may come with the next read.
fn last_line_end(data: &[u8]) -> Option<usize> {
    let mut end = data.len();
    while let Some(k) = memchr::memrchr2(b'\n', b'\r', &data[..end]) {
        if data[k] == b'\r' && k + 1 == data.len() {
            end = k;
            continue;
        }
        return Some(k + 1);
    }
    None
}

/// The end of the first line in `data`, as [`last_line_end`] reads ends.
fn first_line_end(data: &[u8]) -> Option<usize> {
    let k = memchr::memchr2(b'\n', b'\r', data)?;
    match (data[k], data.get(k + 1)) {
        (b'\n', _) => Some(k + 1),
        (b'\r', Some(b'\n')) => Some(k + 2),
        (b'\r', Some(_)) => Some(k + 1),
        // a `\r` last: its `\n` may follow; the last line end then
        _ => last_line_end(data),
    }
}

impl Reader<'_, '_> {
    /// Sends `data` (following the carried bytes), whole lines only.
    fn feed(&mut self, data: &[u8]) -> bool {
        let Some(cut) = last_line_end(data) else {
            self.carry.extend_from_slice(data);
            let limit = if self.in_long_line { PIECE } else { LONG_LINE };
            return self.carry.len() <= limit || self.long_line_piece();
        };
        let mut chunk = if !self.in_long_line && self.carry.len() > PIECE {
            // a long carry goes as it is, not copied
            std::mem::take(&mut self.carry)
        } else {
            self.pool.get(self.carry.len() + cut)
        };
        if self.in_long_line {
            // the rest of a long line goes out as its last piece
            let end = first_line_end(data).unwrap_or(cut);
            let mut piece = std::mem::take(&mut self.carry);
            piece.extend_from_slice(&data[..end]);
            self.in_long_line = false;
            if !(self.send)(Item::Fragment(piece, false)) {
                return false;
            }
            chunk.extend_from_slice(&data[end..cut]);
        } else {
            chunk.extend_from_slice(&self.carry);
            self.carry.clear();
            chunk.extend_from_slice(&data[..cut]);
        }
        self.carry.extend_from_slice(&data[cut..]);
        chunk.is_empty() || self.send_lines(chunk)
    }

    /// Sends whole lines with the W3C columns in force where they begin, and
    /// notes a `#Fields:` directive among them for the chunks after.
    fn send_lines(&mut self, chunk: Vec<u8>) -> bool {
        let header = self.w3c.clone();
        if let Some(h) = last_header(&chunk) {
            self.w3c = Some(h);
        }
        (self.send)(Item::Lines(chunk, header))
    }

    /// The carry passed [`LONG_LINE`] without a line end: send it up to its
    /// last separator as a piece, keep the rest (see [`crate::scan::safe_cut`]).
    fn long_line_piece(&mut self) -> bool {
        let (mut split, scrub) = crate::scan::safe_cut(&self.carry, 64 * 1024);
        if let Some(mut r) = scrub {
            // The bytes before the scrubbed ones must not end in half an
            // email: in a run of glued emails (`q@example.comq@exa`) the
            // scan would keep that `@`; they end before the first `@`...
            if let Some(k) = memchr::memchr(b'@', &self.carry[r.clone()]) {
                r.start += k;
            }
            // nor the bytes after them begin with one (`@example.com`)
            while self.carry.get(r.end) == Some(&b'@') {
                r.end += 1;
            }
            // one token across the cut: it goes, so no half of it survives
            split = r.start + crate::engine::REDACTED.len();
            self.carry.splice(r, crate::engine::REDACTED.iter().copied());
        }
        let mut rest = self.pool.get(self.carry.len() - split + CHUNK);
        rest.extend_from_slice(&self.carry[split..]);
        self.carry.truncate(split);
        let piece = std::mem::replace(&mut self.carry, rest);
        let first = !self.in_long_line;
        self.in_long_line = true;
        (self.send)(Item::Fragment(piece, first))
    }

    /// End of one input: its last line goes out even without `\n`; when
    /// more inputs follow it gets one, so lines of two files never merge.
    fn end_input(&mut self, more: bool) -> bool {
        let mut rest = std::mem::take(&mut self.carry);
        if more && !rest.is_empty() {
            rest.push(b'\n');
        }
        let ok = if self.in_long_line {
            self.in_long_line = false;
            (self.send)(Item::Fragment(rest, false))
        } else {
            rest.is_empty() || self.send_lines(rest)
        };
        // W3C columns belong to one input
        self.w3c = None;
        ok && (self.send)(Item::EndInput)
    }

    fn stopping(&mut self) -> bool {
        if self.sig.hup.swap(false, Ordering::SeqCst) && !(self.send)(Item::Reopen) {
            return true;
        }
        self.sig.stop.load(Ordering::SeqCst)
    }

    /// Plain stdin: poll, read what is ready, send; a flush marker when
    /// nothing more is ready. A compressed stream is detected on its first
    /// bytes and handed to the decoder; binary data is refused. Returns false to stop all inputs.
    fn stdin(&mut self, rbuf: &mut [u8]) -> Result<bool, InputError> {
        // SAFETY: fd 0 stays open for the process; ManuallyDrop keeps it so.
        let mut stdin = ManuallyDrop::new(unsafe { File::from_raw_fd(0) });
        let mut first = true;
        grow_pipe(0);
        loop {
            if self.stopping() {
                return Ok(false);
            }
            if !wait_readable(0, self.sig, -1) {
                continue;
            }
            let mut n = match stdin.read(rbuf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(stdin_error(e)),
            };
            if n == 0 {
                return Ok(true);
            }
            // Under load, gather what is ready into one large chunk: a pipe
            // hands out at most its buffer size per read.
            let mut eof = false;
            while n < rbuf.len() && wait_readable(0, self.sig, 0) {
                match stdin.read(&mut rbuf[n..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(k) => n += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(stdin_error(e)),
                }
            }
            let sniff = if first { Codec::sniff(&rbuf[..n]) } else { Sniff::Plain };
            if sniff != Sniff::Plain {
                // compressed (or refused, which `from_reader` says why)
                let stdin = Polling {
                    fd: 0,
                    _file: None,
                    stop: self.sig.stop.clone(),
                    wake: self.sig.wake.try_clone().map_err(stdin_error)?,
                };
                let chained = io::Cursor::new(rbuf[..n].to_vec()).chain(stdin);
                let mut input = Input::from_reader(Source::Stdin, Box::new(chained))?;
                return match self.reader(&mut input, rbuf) {
                    // a stop signal ended the read: not an input error
                    Err(_) if self.sig.stop.load(Ordering::SeqCst) => Ok(false),
                    r => r,
                };
            }
            first = false;
            if !self.feed(&rbuf[..n]) {
                return Ok(false);
            }
            if eof {
                return Ok(true);
            }
            if !wait_readable(0, self.sig, 0) && !(self.send)(Item::Flush) {
                return Ok(false);
            }
        }
    }

    /// Files and gzip streams: read and send until the end.
    fn reader(&mut self, input: &mut Input, rbuf: &mut [u8]) -> Result<bool, InputError> {
        loop {
            if self.stopping() {
                return Ok(false);
            }
            let n = input.read(rbuf)?;
            if n == 0 {
                return Ok(true);
            }
            if !self.feed(&rbuf[..n]) {
                return Ok(false);
            }
        }
    }

    /// A file named as input. A FIFO or a device is read after `poll`, like
    /// stdin: neither its `open` (no writer yet) nor its reads hold off a
    /// stop signal.
    fn file(&mut self, src: &Source, path: &Path, rbuf: &mut [u8]) -> Result<bool, InputError> {
        let (f, regular) =
            crate::io::input::open_nonblocking(path).map_err(|what| InputError { name: src.name(), what })?;
        if regular {
            let mut input = Input::from_reader(src.clone(), Box::new(f))?;
            return self.reader(&mut input, rbuf);
        }
        let polled = Polling {
            fd: f.as_raw_fd(),
            _file: Some(f),
            stop: self.sig.stop.clone(),
            wake: self.sig.wake.try_clone().map_err(|e| InputError {
                name: src.name(),
                what: format!("cannot read: {e}"),
            })?,
        };
        let r = Input::from_reader(src.clone(), Box::new(polled)).and_then(|mut input| self.reader(&mut input, rbuf));
        match r {
            // a stop signal ended the wait: not an input error
            Err(_) if self.sig.stop.load(Ordering::SeqCst) => Ok(false),
            r => r,
        }
    }

    fn run(&mut self, inputs: &[Source]) {
        let mut rbuf = vec![0u8; CHUNK];
        for (k, src) in inputs.iter().enumerate() {
            let more = k + 1 < inputs.len();
            let r = match src {
                Source::Stdin => self.stdin(&mut rbuf),
                Source::File(p) => self.file(src, p, &mut rbuf),
            };
            let go_on = match r {
                Ok(go_on) => go_on,
                Err(mut e) => {
                    // What was read before the error is written; an incomplete
                    // last line is not (counted as dropped).
                    if self.in_long_line {
                        self.in_long_line = false;
                        self.carry.clear();
                        if !(self.send)(Item::Fragment(b"\n".to_vec(), false)) {
                            return;
                        }
                    } else if !self.carry.is_empty() {
                        e.what.push_str(&format!(
                            "; its incomplete last line ({} bytes) was dropped",
                            self.carry.len()
                        ));
                        self.carry.clear();
                        let dropped = Stats {
                            lines_read: 1,
                            dropped: 1,
                            ..Stats::default()
                        };
                        if !(self.send)(Item::Count(dropped)) {
                            return;
                        }
                    }
                    self.errors.push(StreamError::Input(e));
                    true
                }
            };
            // a stop signal finishes the line in hand: the carry goes out too
            if !self.end_input(more && go_on) || !go_on {
                return;
            }
        }
    }
}

/// A reader that waits in `poll` on its descriptor and the signal pipe, so
/// a stop signal is seen while no input arrives (the read then fails, and
/// the caller sees the stop flag): stdin for the decoders, and FIFOs and
/// devices named as inputs (opened non-blocking, so `open` never waits for
/// a writer either).
struct Polling {
    fd: RawFd,
    /// the file `fd` belongs to; None for stdin, which stays open
    _file: Option<File>,
    stop: Arc<AtomicBool>,
    wake: UnixStream,
}

impl Read for Polling {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(io::Error::other("stopped by a signal"));
            }
            let (ready, woken) = poll_two(self.fd, self.wake.as_raw_fd(), -1);
            if woken {
                // another signal (SIGHUP): the flags say which; no spinning
                let mut b = [0u8; 64];
                while matches!((&self.wake).read(&mut b), Ok(n) if n > 0) {}
            }
            if ready {
                // SAFETY: reading into a valid buffer from `fd`, open for the
                // life of this reader (or stdin, open for the process).
                let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
                if n >= 0 {
                    return Ok(n as usize);
                }
                let e = io::Error::last_os_error();
                if !matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock) {
                    return Err(e);
                }
            }
        }
    }
}

/// Polls `fd` and `wake` for input; (fd readable, wake readable).
fn poll_two(fd: RawFd, wake: RawFd, timeout_ms: i32) -> (bool, bool) {
    let mut fds = [
        libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: wake,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: fds is a valid array of two pollfd for the call's duration.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
    if r <= 0 {
        return (false, false);
    }
    (fds[0].revents != 0, fds[1].revents != 0)
}

/// Asks for a 1 MiB pipe buffer when `fd` is a pipe (fewer, larger reads
/// under load); harmless when it is not a pipe or the size is refused.
fn grow_pipe(fd: RawFd) {
    #[cfg(target_os = "linux")]
    // SAFETY: fcntl on a file descriptor we own; failure is ignored.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20);
    }
}

/// The producer for one already opened input (the batch layer): sends its
/// lines, then its end (with `more`, a last line without `\n` gets one, as
/// other inputs follow into the same output). Returns false when a stop signal or the consumer ended
/// it early.
pub(crate) fn produce_input(
    input: &mut Input,
    more: bool,
    send: &mut dyn FnMut(Item) -> bool,
    pool: &Pool,
    sig: &Signals,
) -> Result<bool, InputError> {
    let mut r = Reader {
        send,
        pool,
        sig,
        carry: Vec::new(),
        in_long_line: false,
        w3c: None,
        errors: Vec::new(),
    };
    let mut rbuf = vec![0u8; CHUNK];
    let complete = r.reader(input, &mut rbuf)?;
    Ok(r.end_input(more) && complete)
}

fn stdin_error(e: io::Error) -> InputError {
    InputError {
        name: "<stdin>".into(),
        what: format!("read error: {e}"),
    }
}

/// Runs the filter over `inputs` (stdin when empty) into `out`, with `jobs`
/// worker threads.
pub fn run(engine: &Engine, inputs: &[Source], mut out: Output, jobs: usize, sig: &Signals) -> StreamOutcome {
    let default = [Source::Stdin];
    let inputs = if inputs.is_empty() { &default[..] } else { inputs };
    let pool = Pool::default();
    let mut stats = Stats::default();
    // the counters of a long line's pieces, until its last one is written
    let mut open_stats = Stats::default();
    let mut errors = Vec::new();
    let mut reader_errors = Vec::new();
    let mut closed = false;
    let mut input_no = 0usize;
    let mut lines_before = 0u64;
    let compress = out.compression();
    let produce = |send: &mut dyn FnMut(Item) -> bool| {
        let mut r = Reader {
            send,
            pool: &pool,
            sig,
            carry: Vec::new(),
            in_long_line: false,
            w3c: None,
            errors: Vec::new(),
        };
        r.run(inputs);
        reader_errors = r.errors;
    };
    let consume = |done: Done| -> bool {
        let res = match done {
            Done::Lines {
                out: buf,
                stats: s,
                failed_at,
                open_line,
            } => {
                let r = out.write_part(&buf, open_line);
                pool.put(buf);
                // the counters are of what was written: a failed write wrote
                // nothing (the file is cut back to its last complete line,
                // also taking the pieces of a long line written before)
                if r.is_ok() {
                    open_stats.add(&s);
                    if !open_line {
                        stats.add(&std::mem::take(&mut open_stats));
                    }
                } else {
                    open_stats = Stats::default();
                }
                if let Some(rel) = failed_at {
                    let name = inputs.get(input_no).map_or_else(|| "<stdin>".into(), Source::name);
                    errors.push(StreamError::Unparsed {
                        name,
                        line: lines_before + rel,
                    });
                    if let Err(e) = r {
                        errors.push(StreamError::Output {
                            name: out.name(),
                            err: e,
                        });
                    }
                    return false;
                }
                lines_before += s.lines_read;
                r
            }
            // writes go straight to the file descriptor: nothing is buffered
            Done::Flush => Ok(()),
            Done::Reopen => out.reopen(),
            Done::EndInput => {
                input_no += 1;
                lines_before = 0;
                Ok(())
            }
        };
        match res {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                closed = true;
                false
            }
            Err(err) => {
                errors.push(StreamError::Output { name: out.name(), err });
                false
            }
        }
    };
    let started = pipeline::run(engine, jobs, compress, &pool, produce, consume, || sig.wake());
    // a long line the input ended in, without a line end: written
    stats.add(&open_stats);
    let mut all = reader_errors;
    if let Err(e) = started {
        all.push(StreamError::Threads(pipeline::threads_error(jobs, &e)));
    }
    all.append(&mut errors);
    let name = out.name();
    if let Err(err) = out.finish() {
        if err.kind() != io::ErrorKind::BrokenPipe {
            all.push(StreamError::Output { name, err });
        }
    }
    StreamOutcome {
        stats,
        errors: all,
        closed,
    }
}
