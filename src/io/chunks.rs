//! The chunk producer: reads inputs (stdin, files, FIFOs; plain or
//! compressed) and cuts them into chunks of whole lines for the
//! [`pipeline`](crate::io::pipeline), with the signals in view.
//!
//! - Each read returns what the input has ready, and its lines go out at
//!   once: a single line on an idle pipe is sent within milliseconds (a
//!   flush marker follows when nothing more is ready), while under load each
//!   chunk carries a large batch.
//! - Plain stdin is read after `poll` on stdin and the signal pipe, so a
//!   signal is acted on even while no input arrives; SIGHUP sends a reopen
//!   marker, a stop signal finishes the line in hand.
//! - Memory stays bounded: one read buffer and the carried part of an
//!   unfinished line; a line longer than [`LONG_LINE`] is sent in pieces,
//!   scrubbed by the rules that need no parsing (see
//!   [`Engine::fragment`](crate::engine::Engine::fragment)).

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::Ordering;

use crate::formats::StreamState;
use crate::io::codec::{Codec, Sniff};
use crate::io::input::{Input, InputError, Source};
use crate::io::pipeline::{Item, Pool};
use crate::io::signals::Signals;
use crate::stats::Stats;

/// Bytes asked of each read.
pub const CHUNK: usize = 1024 * 1024;
/// A line longer than this (the whole-line limit) is processed in pieces:
/// its first piece this long, the others about [`PIECE`] long, so memory
/// does not grow with the length of a line.
pub const LONG_LINE: usize = 16 * 1024 * 1024;
/// The pieces of a long line after its first.
pub const PIECE: usize = 1024 * 1024;

/// The producer side: reads inputs, cuts them into chunks of whole lines.
struct Reader<'a, 's> {
    send: &'a mut dyn FnMut(Item) -> bool,
    pool: &'a Pool,
    sig: &'s Signals,
    /// the unfinished last line of what was read so far
    carry: Vec<u8>,
    /// the carry continues a line of which pieces were already sent
    in_long_line: bool,
    /// what the formats carried over the lines sent (the W3C columns in
    /// force after them)
    state: StreamState,
    /// the inputs that could not be read (the others were)
    errors: Vec<InputError>,
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

    /// Sends whole lines with the state the formats carried to where they
    /// begin, and carries it over them for the chunks after.
    fn send_lines(&mut self, chunk: Vec<u8>) -> bool {
        let state = self.state.clone();
        self.state.carry(&chunk);
        (self.send)(Item::Lines(chunk, state))
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
        // what the formats carry (W3C columns) belongs to one input
        self.state = StreamState::default();
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
        // read unbuffered (std's `Stdin` buffers): what poll saw is sent now
        let stdin = io::stdin();
        let read = |buf: &mut [u8]| rustix::io::read(&stdin, buf).map_err(io::Error::from);
        let mut first = true;
        grow_pipe(&stdin);
        loop {
            if self.stopping() {
                return Ok(false);
            }
            if !self.sig.wait_readable(&stdin, -1) {
                continue;
            }
            let mut n = match read(rbuf) {
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
            while n < rbuf.len() && self.sig.wait_readable(&stdin, 0) {
                match read(&mut rbuf[n..]) {
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
                let stdin = self.sig.polling(None).map_err(stdin_error)?;
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
            if !self.sig.wait_readable(&stdin, 0) && !(self.send)(Item::Flush) {
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
        let (f, regular) = crate::io::input::open_nonblocking(path).map_err(|e| InputError {
            name: src.name(),
            what: e.to_string(),
        })?;
        if regular {
            let mut input = Input::from_reader(src.clone(), Box::new(f))?;
            return self.reader(&mut input, rbuf);
        }
        let polled = self.sig.polling(Some(f)).map_err(|e| InputError {
            name: src.name(),
            what: format!("cannot read: {e}"),
        })?;
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
                    self.errors.push(e);
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

/// Asks for a 1 MiB pipe buffer when `fd` is a pipe (fewer, larger reads
/// under load); harmless when it is not a pipe or the size is refused.
fn grow_pipe(fd: impl std::os::fd::AsFd) {
    #[cfg(target_os = "linux")]
    let _ = rustix::pipe::fcntl_setpipe_size(fd, 1 << 20);
}

/// The producer for one already opened input (a batch): sends its
/// lines, then its end (with `more`, a last line without `\n` gets one, as
/// other inputs follow into the same output). Returns false when a stop signal or the consumer ended
/// it early.
pub fn produce_input(
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
        state: StreamState::default(),
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

/// The producer for `inputs` in order, into one output (the stream): a last line without `\n` gets one when more inputs
/// follow, so lines of two files never merge. Returns the inputs that could
/// not be read (what was read of them was sent).
pub fn produce_all(
    inputs: &[Source],
    send: &mut dyn FnMut(Item) -> bool,
    pool: &Pool,
    sig: &Signals,
) -> Vec<InputError> {
    let mut r = Reader {
        send,
        pool,
        sig,
        carry: Vec::new(),
        in_long_line: false,
        state: StreamState::default(),
        errors: Vec::new(),
    };
    r.run(inputs);
    r.errors
}
