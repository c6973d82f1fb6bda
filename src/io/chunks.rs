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
//! - What a line is (its ends, the pieces of a line too long to hold, what
//!   a cut scrubs) is [`crate::lines`]'s: this module reads bytes and hands
//!   them to a [`LineReader`]. Memory stays bounded: one read buffer and the
//!   carried part of an unfinished line; a line longer than
//!   [`LONG_LINE`](crate::lines::LONG_LINE) is sent in pieces, scrubbed by
//!   the rules that need no parsing (see
//!   [`Engine::fragment`](crate::engine::Engine::fragment)).

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::Ordering;

use crate::formats::StreamState;
use crate::io::codec::{Codec, Sniff};
use crate::io::input::{Input, InputError, Source};
use crate::io::pipeline::{Item, Pool};
use crate::io::signals::Signals;
use crate::lines::{AtCut, Batch, LineReader, Step, PIECE};
use crate::stats::Stats;

/// Bytes asked of each read.
pub const CHUNK: usize = 1024 * 1024;

/// A token that a long line's cut splits is replaced, so that no half of it
/// survives (see [`crate::lines`]).
const AT_CUT: AtCut = AtCut::Replace(crate::engine::REDACTED);

/// The producer side: reads inputs and hands their bytes to the line
/// reader, which cuts them into chunks of whole lines and pieces.
struct Reader<'a, 's> {
    out: Sender<'a>,
    sig: &'s Signals,
    /// what a line is: the unfinished last line of what was read so far
    lines: LineReader,
    /// the inputs that could not be read (the others were), and the gzip
    /// members skipped
    errors: Vec<InputError>,
    /// a corrupt gzip member is skipped to the next one (the stream), not
    /// the end of the input (a batch: all or nothing)
    resync: bool,
}

/// Where the line reader's steps go: items for the pipeline.
struct Sender<'a> {
    send: &'a mut dyn FnMut(Item) -> bool,
    pool: &'a Pool,
    /// what the formats carried over the lines sent (the W3C columns in
    /// force after them)
    state: StreamState,
    /// whole lines held back: partial container-runtime records whose line
    /// goes on in what is read next, sent with the records that end it (so
    /// that one worker joins them), at the end of the input, or before a
    /// piece of a long line
    held: Vec<u8>,
}

/// The most bytes of partial records held back for the records that end
/// their line (a longer run goes on as it is, its records each on its own).
const HOLD_LIMIT: usize = crate::lines::LONG_LINE;

impl Sender<'_> {
    /// Sends one step of the line reader: whole lines in one chunk, a piece
    /// of a long line as a fragment.
    fn step(&mut self, step: Step<'_>) -> bool {
        match step {
            Step::Lines(Batch { head, tail }) => {
                let mut chunk = if head.len() > PIECE {
                    // a long carry goes as it is, not copied
                    std::mem::take(head)
                } else {
                    let mut chunk = self.pool.get(head.len() + tail.len());
                    chunk.extend_from_slice(head);
                    chunk
                };
                chunk.extend_from_slice(tail);
                chunk.is_empty() || self.lines(chunk)
            }
            Step::Piece(p) => self.flush_held() && (self.send)(Item::Fragment(std::mem::take(p.bytes), p.first)),
        }
    }

    /// Sends whole lines (after those held back), holding back the partial
    /// container-runtime records at their end (see `held`).
    fn lines(&mut self, mut chunk: Vec<u8>) -> bool {
        if !self.held.is_empty() {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(&chunk);
            self.pool.put(chunk);
            chunk = joined;
        }
        let open = crate::formats::wrap::open_partial_records(&chunk);
        if open < chunk.len() && chunk.len() - open <= HOLD_LIMIT {
            self.held = chunk.split_off(open);
            if chunk.is_empty() {
                return true;
            }
        }
        self.send_lines(chunk)
    }

    /// Sends the lines held back.
    fn flush_held(&mut self) -> bool {
        self.held.is_empty() || {
            let held = std::mem::take(&mut self.held);
            self.send_lines(held)
        }
    }

    /// Sends whole lines with the state the formats carried to where they
    /// begin, and carries it over them for the chunks after.
    fn send_lines(&mut self, chunk: Vec<u8>) -> bool {
        let state = self.state.clone();
        self.state.carry(&chunk);
        (self.send)(Item::Lines(chunk, state))
    }
}

impl Reader<'_, '_> {
    /// Sends what `data` completes (following the bytes read before).
    fn feed(&mut self, data: &[u8]) -> bool {
        let out = &mut self.out;
        self.lines.feed(data, &mut |step| out.step(step))
    }

    /// End of one input: its last line goes out even without `\n`; when
    /// more inputs follow it gets one, so lines of two files never merge.
    fn end_input(&mut self, more: bool) -> bool {
        let ok = (!more || !self.lines.unterminated() || self.feed(b"\n"))
            && {
                let out = &mut self.out;
                self.lines.finish(&mut |step| out.step(step))
            }
            && self.out.flush_held();
        // the formats' state (W3C columns) belongs to one input
        self.out.state = StreamState::default();
        ok && (self.out.send)(Item::EndInput)
    }

    fn stopping(&mut self) -> bool {
        if self.sig.hup.swap(false, Ordering::SeqCst) && !(self.out.send)(Item::Reopen) {
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
            if !self.sig.wait_readable(&stdin, 0) && !(self.out.send)(Item::Flush) {
                return Ok(false);
            }
        }
    }

    /// Files and gzip streams: read and send until the end. In the stream,
    /// a corrupt gzip member is skipped up to the next member header: the
    /// lines before it are written, its incomplete last line is dropped
    /// (counted), and the error says which compressed bytes were skipped.
    fn reader(&mut self, input: &mut Input, rbuf: &mut [u8]) -> Result<bool, InputError> {
        loop {
            if self.stopping() {
                return Ok(false);
            }
            let n = match input.read(rbuf) {
                Ok(n) => n,
                Err(mut e) => {
                    let skipped = if self.resync { input.resync() } else { None };
                    let Some(s) = skipped.filter(|s| s.found) else {
                        return Err(e);
                    };
                    e.what.push_str(&format!(
                        "; compressed bytes {} to {} skipped, read on from the gzip member there",
                        s.from, s.to
                    ));
                    if !self.cut_line(&mut e) {
                        return Ok(false);
                    }
                    self.errors.push(e);
                    continue;
                }
            };
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

    /// After a read error: what was read before it is written; an
    /// incomplete last line is not (counted as dropped, and said in `e`); a
    /// long line in hand is ended. False when the consumer is gone.
    fn cut_line(&mut self, e: &mut InputError) -> bool {
        if self.lines.in_long_line() {
            self.lines.clear();
            return (self.out.send)(Item::Fragment(b"\n".to_vec(), false));
        }
        if self.lines.pending() > 0 {
            e.what.push_str(&format!(
                "; its incomplete last line ({} bytes) was dropped",
                self.lines.pending()
            ));
            self.lines.clear();
            let dropped = Stats {
                lines_read: 1,
                dropped: 1,
                ..Stats::default()
            };
            return (self.out.send)(Item::Count(dropped));
        }
        true
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
                    if !self.cut_line(&mut e) {
                        return;
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
        out: Sender {
            send,
            pool,
            state: StreamState::default(),
            held: Vec::new(),
        },
        sig,
        lines: LineReader::new(AT_CUT),
        errors: Vec::new(),
        resync: false,
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
        out: Sender {
            send,
            pool,
            state: StreamState::default(),
            held: Vec::new(),
        },
        sig,
        lines: LineReader::new(AT_CUT),
        errors: Vec::new(),
        resync: true,
    };
    r.run(inputs);
    r.errors
}
