//! Framing of syslog streams (RFC 6587: octet-counted `LEN SP MSG` or
//! newline-framed, detected per frame) and the batches of messages on their
//! way to the writer.

use std::ops::Range;

use super::{BATCH, MAX_MESSAGE};
use crate::formats::syslog::message;

/// Messages on their way to the writer: each followed by `\n`.
#[derive(Default)]
pub struct Batch {
    pub data: Vec<u8>,
    pub messages: u64,
    /// a stream's batch: its share of the bytes streams may have queued,
    /// given back when the writer has run it (dropped with the batch)
    pub room: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Batch {
    /// Adds the message of one frame. Trailing `\r`, `\n` and NUL are framing;
    /// an empty frame is nothing. A message holding `\n` becomes several lines.
    pub fn push(&mut self, frame: &[u8]) {
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

    pub fn is_empty(&self) -> bool {
        self.messages == 0
    }

    pub fn full(&self) -> bool {
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
    /// a frame over the limit whose end is known (octet-counted, or a
    /// newline-framed one with its `\n`): skip this many bytes
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
        Some(k) if k > max => Frame::TooLong(k + 1),
        Some(k) => Frame::Whole(0..k, k + 1),
        None if b.len() > max => Frame::LineTooLong,
        None => Frame::Partial,
    }
}

/// Where a [`Framer`] is in its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// at the start of a frame
    Start,
    /// inside a discarded octet-counted frame: this many bytes still to skip
    SkipBytes(usize),
    /// inside a discarded newline-framed frame: skipping up to its `\n`
    SkipLine,
}

/// Cuts a byte stream into frames; keeps the unfinished last one.
pub struct Framer {
    buf: Vec<u8>,
    state: State,
    /// the longest frame kept
    max: usize,
    /// the frames that ended so far, kept or discarded
    ended: u64,
}

impl Default for Framer {
    fn default() -> Framer {
        Framer::new(MAX_MESSAGE)
    }
}

impl Framer {
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            state: State::Start,
            max,
            ended: 0,
        }
    }

    /// Whether the stream is inside a frame: it holds the start of one, or
    /// is skipping one that is too long.
    pub fn unfinished(&self) -> bool {
        !self.buf.is_empty() || self.state != State::Start
    }

    /// How many frames have ended so far, kept or discarded (a frame still
    /// being skipped has not): when it grew across a [`Framer::feed`], an
    /// unfinished frame after it began in the data fed.
    pub fn frames_ended(&self) -> u64 {
        self.ended
    }

    /// Adds `data`; the messages of its complete frames go into `batch`.
    /// Returns the number of frames discarded as too long.
    pub fn feed(&mut self, data: &[u8], batch: &mut Batch) -> u64 {
        self.buf.extend_from_slice(data);
        let buf = &self.buf;
        let mut pos = 0;
        let mut discarded = 0;
        loop {
            match self.state {
                State::Start => {}
                State::SkipBytes(left) => {
                    let k = left.min(buf.len() - pos);
                    pos += k;
                    if k < left {
                        self.state = State::SkipBytes(left - k);
                        break;
                    }
                    self.state = State::Start;
                    self.ended += 1;
                }
                State::SkipLine => match memchr::memchr(b'\n', &buf[pos..]) {
                    Some(k) => {
                        pos += k + 1;
                        self.state = State::Start;
                        self.ended += 1;
                    }
                    None => {
                        pos = buf.len();
                        break;
                    }
                },
            }
            let rest = &buf[pos..];
            if rest.is_empty() {
                break;
            }
            match frame(rest, self.max) {
                Frame::Whole(msg, len) => {
                    batch.push(&rest[msg]);
                    pos += len;
                    self.ended += 1;
                }
                Frame::Partial => break,
                Frame::TooLong(skip) => {
                    discarded += 1;
                    self.state = State::SkipBytes(skip);
                }
                Frame::LineTooLong => {
                    discarded += 1;
                    self.state = State::SkipLine;
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
    pub fn finish(&mut self, batch: &mut Batch, eof: bool) -> u64 {
        let rest = std::mem::take(&mut self.buf);
        if rest.is_empty() || self.state != State::Start {
            return 0;
        }
        if !eof || octet_count(&rest).is_some() {
            return 1;
        }
        batch.push(&rest);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_whole_newline_frame_over_the_limit_in_one_read_is_discarded() {
        let mut f = Framer::new(1024);
        let mut b = Batch::default();
        let mut s = vec![b'y'; 1025];
        s.extend_from_slice(b"\nok\n");
        s.extend_from_slice(&[b'z'; 1024]);
        s.push(b'\n');
        assert_eq!(f.feed(&s, &mut b), 1);
        assert_eq!(f.finish(&mut b, true), 0);
        let mut want = b"ok\n".to_vec();
        want.extend_from_slice(&[b'z'; 1024]);
        want.push(b'\n');
        assert_eq!(b.data, want);
    }

    #[test]
    fn unfinished_frames_and_frames_ended() {
        let mut f = Framer::new(1024);
        let mut b = Batch::default();
        assert!(!f.unfinished());
        f.feed(b"a\nb", &mut b);
        assert_eq!((f.unfinished(), f.frames_ended()), (true, 1));
        f.feed(b"c\n", &mut b);
        assert_eq!((f.unfinished(), f.frames_ended()), (false, 2));
        // a frame too long, still being skipped, is unfinished; it ends at its end
        f.feed(&[b'x'; 2000], &mut b);
        assert_eq!((f.unfinished(), f.frames_ended()), (true, 2));
        f.feed(b"x\n5 ab", &mut b);
        assert_eq!((f.unfinished(), f.frames_ended()), (true, 3));
        f.feed(b"cde", &mut b);
        assert_eq!((f.unfinished(), f.frames_ended()), (false, 4));
        assert_eq!(b.data, b"a\nbc\nabcde\n");
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
}
