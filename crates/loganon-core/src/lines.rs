//! The one definition of a line, for every reader of logs (the stream and
//! batch producer, `check`, `run`'s totals) and for the engine's chunks.
//! Pure: bytes in, lines and pieces out; the I/O layer only reads bytes and
//! hands them here.
//!
//! - A line ends at `\n`, at `\r\n` (one end) or at a lone `\r` (old Mac
//!   line ends). A `\r` that is the last byte of a read is held until the
//!   next read says which it is; at the end of the input it is a lone `\r`.
//! - A line whose text (the bytes before its end) is longer than
//!   [`LONG_LINE`] is never held whole: it goes out in pieces, the first
//!   cut within its first [`LONG_LINE`] bytes, each other within the
//!   [`PIECE`] bytes after the cut before, just after a separator found in
//!   the last [`CUT_WINDOW`] bytes ([`crate::scan::safe_cut`]). The cuts
//!   depend on the bytes only: the same input gives the same lines and
//!   pieces whatever its reads.
//! - Where no separator is near, the cut splits a token. [`AtCut`], the
//!   consumer's policy, says what becomes of it: the anonymizer replaces it
//!   (`REDACTED`: no half of it survives), `check` keeps it and judges it
//!   whole in the next piece, which begins with the end of the one before.
//!
//! [`lines`] splits a buffer of whole lines; [`LineReader`] takes an
//! input's bytes as they are read and hands out batches of whole lines and
//! the pieces of long lines.

use std::ops::Range;

/// A line whose text is longer than this (the whole-line limit) goes out in
/// pieces, so that memory does not grow with the length of a line.
pub const LONG_LINE: usize = 16 * 1024 * 1024;
/// The most text a piece of a long line holds after its first.
pub const PIECE: usize = 1024 * 1024;
/// A cut falls just after the last separator in a piece's last bytes, this
/// many.
pub const CUT_WINDOW: usize = 64 * 1024;
/// What each piece of a long line repeats of the bytes before its cut, for
/// `check` ([`AtCut::Keep`]).
pub const OVERLAP: usize = 64 * 1024;

/// One line of a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line without the last byte of its end: its text, and the `\r`
    /// of a `\r\n` end (the engine keeps it and writes it back).
    pub head: &'a [u8],
    /// The last byte of its end: `\n` (of `\n` or `\r\n`), `\r` (a lone
    /// `\r`), none for the last line of a buffer that has no end.
    pub eol: Option<u8>,
}

impl<'a> Line<'a> {
    /// Its text: the line without its end.
    #[inline]
    pub fn text(&self) -> &'a [u8] {
        match self.eol {
            Some(b'\n') => self.head.strip_suffix(b"\r").unwrap_or(self.head),
            _ => self.head,
        }
    }
}

/// The lines of a buffer, in order (see [`lines`]).
#[derive(Clone, Debug)]
pub struct Lines<'a> {
    rest: &'a [u8],
    /// the buffer holds a `\r`: lines are split at `\r` too
    cr: bool,
}

/// The lines of `buf`, each with its end; the last one may have none. A
/// `\r` last in `buf` is a lone `\r` (a [`LineReader`] holds such a `\r`
/// back until it knows).
#[inline]
pub fn lines(buf: &[u8]) -> Lines<'_> {
    // one search for `\r` per buffer: most logs hold none, and their lines
    // are then split at `\n` alone (a two-byte search per line costs more)
    Lines {
        rest: buf,
        cr: memchr::memchr(b'\r', buf).is_some(),
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    #[inline]
    fn next(&mut self) -> Option<Line<'a>> {
        let buf = self.rest;
        if buf.is_empty() {
            return None;
        }
        let found = if self.cr {
            memchr::memchr2(b'\n', b'\r', buf)
        } else {
            memchr::memchr(b'\n', buf)
        };
        let (head, next, eol) = match found {
            Some(k) if buf[k] == b'\n' => (k, k + 1, Some(b'\n')),
            Some(k) if buf.get(k + 1) == Some(&b'\n') => (k + 1, k + 2, Some(b'\n')),
            Some(k) => (k, k + 1, Some(b'\r')),
            None => (buf.len(), buf.len(), None),
        };
        self.rest = &buf[next..];
        Some(Line {
            head: &buf[..head],
            eol,
        })
    }
}

/// The end of the last line in `data` (after its `\n`, or after a lone
/// `\r`). A `\r` as the last byte is not taken: its `\n` may come with the
/// next read.
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

/// What becomes of a token that a cut splits (a long line with no
/// separator near the cut): the consumer's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtCut {
    /// The token is replaced by these bytes (the anonymizer's `REDACTED`),
    /// so that no half of it survives in either piece.
    Replace(&'static [u8]),
    /// The bytes go on as they are; each piece after the first begins with
    /// the last `overlap` bytes before its cut (its [`Piece::overlap`]), so
    /// that a token across a cut is whole in the next piece (`check` judges
    /// it there). With 0 the pieces are the input cut, nothing repeated.
    Keep {
        /// how many bytes before a cut each piece repeats
        overlap: usize,
    },
}

/// Whole lines, each with its end (the last one of an input may have none):
/// the bytes carried from the reads before (`head`), then those of the read
/// just made (`tail`). Either may be empty.
#[derive(Debug)]
pub struct Batch<'a> {
    /// The carried start; the consumer may use it as its buffer or take it
    /// (the reader empties it after).
    pub head: &'a mut Vec<u8>,
    /// The rest of the lines, from the read just made.
    pub tail: &'a [u8],
}

impl<'a> Batch<'a> {
    /// The lines in one slice (the tail appended to the head when the head
    /// holds bytes).
    pub fn joined(self) -> &'a [u8] {
        if self.head.is_empty() {
            return self.tail;
        }
        self.head.extend_from_slice(self.tail);
        self.head
    }
}

/// A piece of a line too long to hold whole.
#[derive(Debug)]
pub struct Piece<'a> {
    /// Its bytes; the consumer may take them (the reader empties it after).
    pub bytes: &'a mut Vec<u8>,
    /// The line's first piece (the line counts with it).
    pub first: bool,
    /// The line's last piece: it ends with the line's end, when it has one.
    pub last: bool,
    /// How many of its first bytes repeat the end of the piece before
    /// ([`AtCut::Keep`]; 0 otherwise).
    pub overlap: usize,
}

/// What a [`LineReader`] hands out.
#[derive(Debug)]
pub enum Step<'a> {
    /// Whole lines.
    Lines(Batch<'a>),
    /// A piece of a long line.
    Piece(Piece<'a>),
}

/// A consumer of a [`LineReader`]'s steps; false stops the reading.
pub type Consumer<'s> = dyn FnMut(Step<'_>) -> bool + 's;

/// The limits of a reader (the constants above; tests take small ones).
#[derive(Clone, Copy, Debug)]
struct Limits {
    long_line: usize,
    piece: usize,
    window: usize,
}

/// An input's lines from its bytes as they are read: [`LineReader::feed`]
/// each read, [`LineReader::finish`] at the end. Whole lines go out in
/// batches, one per read (more where a line over the limit is among them);
/// a line over [`LONG_LINE`] goes out in pieces as its bytes come. Memory:
/// the unfinished line, at most [`LONG_LINE`] and the read.
#[derive(Debug)]
pub struct LineReader {
    at_cut: AtCut,
    limits: Limits,
    /// the unfinished line: `carry[..sent]` repeats the end of its last
    /// piece ([`AtCut::Keep`]), `carry[from..]` is what counts towards the
    /// next cut (after the part of a cut token that follows the cut)
    carry: Vec<u8>,
    sent: usize,
    from: usize,
    /// the carry ends with a `\r` read last: its line has ended, with
    /// `\r\n` or a lone `\r`, as the next byte tells
    cr: bool,
    /// pieces of the carried line went out
    long: bool,
}

impl LineReader {
    /// A reader with the limits above, `at_cut` the policy for tokens that
    /// cuts split.
    pub fn new(at_cut: AtCut) -> LineReader {
        LineReader::with_limits(
            at_cut,
            Limits {
                long_line: LONG_LINE,
                piece: PIECE,
                window: CUT_WINDOW,
            },
        )
    }

    fn with_limits(at_cut: AtCut, limits: Limits) -> LineReader {
        LineReader {
            at_cut,
            limits,
            carry: Vec::new(),
            sent: 0,
            from: 0,
            cr: false,
            long: false,
        }
    }

    /// Takes the bytes of one read and hands `sink` the lines and pieces
    /// they complete. Returns false when `sink` did.
    pub fn feed(&mut self, mut data: &[u8], sink: &mut Consumer<'_>) -> bool {
        if data.is_empty() {
            return true;
        }
        if self.cr {
            // the carried line ended with a `\r` read last
            self.cr = false;
            let e = usize::from(data[0] == b'\n');
            if !self.end_line(&data[..e], sink) {
                return false;
            }
            data = &data[e..];
        }
        while !data.is_empty() {
            if !self.long {
                // all the lines this read ends at once, when none of them
                // can be over the limit (each is shorter than all together)
                if let Some(cut) = last_line_end(data).filter(|&c| self.carry.len() + c <= self.limits.long_line) {
                    let batch = Batch {
                        head: &mut self.carry,
                        tail: &data[..cut],
                    };
                    let ok = sink(Step::Lines(batch));
                    self.carry.clear();
                    if !ok {
                        return false;
                    }
                    data = &data[cut..];
                    if data.is_empty() {
                        break;
                    }
                }
            }
            if !self.one(&mut data, sink) {
                return false;
            }
        }
        true
    }

    /// The end of the input: its last line goes out with the end it has (a
    /// `\r` held is a lone `\r`). Returns false when `sink` did.
    pub fn finish(&mut self, sink: &mut Consumer<'_>) -> bool {
        self.cr = false;
        if self.carry.is_empty() && !self.long {
            return true;
        }
        self.end_line(&[], sink)
    }

    /// Whether a line has begun and not ended: the input's last line has no
    /// end (yet).
    pub fn unterminated(&self) -> bool {
        !self.cr && (self.long || self.carry.len() > self.sent)
    }

    /// Whether pieces of the unfinished line went out.
    pub fn in_long_line(&self) -> bool {
        self.long
    }

    /// The bytes held of the unfinished line.
    pub fn pending(&self) -> usize {
        self.carry.len()
    }

    /// Forgets the unfinished line (an input that could not be read on).
    pub fn clear(&mut self) {
        self.carry.clear();
        (self.sent, self.from, self.cr, self.long) = (0, 0, false, false);
    }

    /// Takes the first line of `data`, or as much of it as the limit lets
    /// the carry hold, and cuts the carry when it passed the limit.
    fn one(&mut self, data: &mut &[u8], sink: &mut Consumer<'_>) -> bool {
        let limit = self.limit();
        let text = self.carry.len() - self.from;
        let room = (limit + 1).saturating_sub(text);
        let look = &data[..room.min(data.len())];
        match memchr::memchr2(b'\n', b'\r', look) {
            Some(k) if data[k] == b'\r' && k + 1 == data.len() => {
                // a `\r` read last: its `\n` may come with the next read
                self.carry.extend_from_slice(data);
                self.cr = true;
                *data = &[];
                true
            }
            Some(k) => {
                let e = if data[k] == b'\r' && data[k + 1] == b'\n' {
                    k + 2
                } else {
                    k + 1
                };
                let (line, rest) = data.split_at(e);
                *data = rest;
                self.end_line(line, sink)
            }
            None => {
                self.carry.extend_from_slice(look);
                *data = &data[look.len()..];
                self.cut(sink)
            }
        }
    }

    /// The text a piece may hold before it is cut.
    fn limit(&self) -> usize {
        if self.long {
            self.limits.piece
        } else {
            self.limits.long_line
        }
    }

    /// The carried line ends with `end` (its last bytes, its end included):
    /// it goes out whole, or as the last piece of a long line.
    fn end_line(&mut self, end: &[u8], sink: &mut Consumer<'_>) -> bool {
        if !self.long {
            let ok = sink(Step::Lines(Batch {
                head: &mut self.carry,
                tail: end,
            }));
            self.carry.clear();
            return ok;
        }
        self.carry.extend_from_slice(end);
        let overlap = self.sent;
        (self.sent, self.from, self.long) = (0, 0, false);
        let ok = sink(Step::Piece(Piece {
            bytes: &mut self.carry,
            first: false,
            last: true,
            overlap,
        }));
        self.carry.clear();
        ok
    }

    /// While the carried text is over its limit, a piece goes out: its
    /// first `limit` bytes decide where (so the reads do not), the rest is
    /// carried.
    fn cut(&mut self, sink: &mut Consumer<'_>) -> bool {
        while self.carry.len() - self.from > self.limit() {
            let window = &self.carry[self.from..self.from + self.limit()];
            let (cut, token) = cut_at(window, self.limits.window);
            let first = !self.long;
            self.long = true;
            let (ok, rest) = match self.at_cut {
                AtCut::Replace(with) => {
                    // (nothing is repeated: the carry is all unsent text)
                    // a token split goes, so that no half of it survives
                    let (end, resume) = token.as_ref().map_or((cut, cut), |r| (r.start, r.end));
                    let rest = self.carry.split_off(self.from + resume);
                    self.carry.truncate(self.from + end);
                    if token.is_some() {
                        self.carry.extend_from_slice(with);
                    }
                    (self.from, self.sent) = (0, 0);
                    let piece = Piece {
                        bytes: &mut self.carry,
                        first,
                        last: false,
                        overlap: 0,
                    };
                    (sink(Step::Piece(piece)), rest)
                }
                AtCut::Keep { overlap } => {
                    let end = self.from + cut;
                    let resume = self.from + token.map_or(cut, |r| r.end);
                    let keep = end.saturating_sub(overlap);
                    let rest = self.carry[keep..].to_vec();
                    self.carry.truncate(end);
                    let piece = Piece {
                        bytes: &mut self.carry,
                        first,
                        last: false,
                        overlap: self.sent,
                    };
                    let ok = sink(Step::Piece(piece));
                    (self.sent, self.from) = (end - keep, resume - keep);
                    (ok, rest)
                }
            };
            self.carry = rest;
            if !ok {
                return false;
            }
        }
        true
    }
}

/// Where a line's `window` (its first bytes, as many as its limit) is cut,
/// and the token that the cut splits when no separator is within `near`
/// bytes of the window's end: the bytes around the cut up to the nearest
/// separators ([`crate::scan::safe_cut`]), after two rules for emails.
fn cut_at(window: &[u8], near: usize) -> (usize, Option<Range<usize>>) {
    let (cut, scrub) = crate::scan::safe_cut(window, near);
    let Some(mut r) = scrub else {
        return (cut, None);
    };
    // The bytes before the token must not end in half an email: in a run
    // of glued emails (`q@example.comq@exa`) the scan would keep that `@`;
    // they end before the first `@`...
    if let Some(k) = memchr::memchr(b'@', &window[r.clone()]) {
        r.start += k;
    }
    // nor the bytes after it begin with one (`@example.com`)
    while window.get(r.end) == Some(&b'@') {
        r.end += 1;
    }
    if r.end == 0 {
        // (limits smaller than the scan's scrub reach: the whole window
        // goes, so that the reading moves on)
        r = 0..window.len();
    }
    (cut, Some(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a reader handed out: one entry per line (with its end) or piece.
    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Out {
        Line(Vec<u8>),
        Piece {
            bytes: Vec<u8>,
            first: bool,
            last: bool,
            overlap: usize,
        },
    }

    /// The marker replacing a cut token in these tests (no input holds it).
    const MARK: &[u8] = b"#";

    /// Feeds `input` in reads ending at `splits`, then finishes.
    fn read(mut reader: LineReader, input: &[u8], splits: &[usize]) -> Vec<Out> {
        let mut out = Vec::new();
        let mut sink = |s: Step<'_>| {
            match s {
                Step::Lines(b) => {
                    for l in lines(b.joined()) {
                        let mut v = l.head.to_vec();
                        v.extend(l.eol);
                        out.push(Out::Line(v));
                    }
                }
                Step::Piece(p) => out.push(Out::Piece {
                    bytes: p.bytes.clone(),
                    first: p.first,
                    last: p.last,
                    overlap: p.overlap,
                }),
            }
            true
        };
        let mut from = 0;
        for &s in splits.iter().chain([&input.len()]) {
            let s = s.clamp(from, input.len());
            assert!(reader.feed(&input[from..s], &mut sink));
            from = s;
        }
        assert!(reader.finish(&mut sink));
        out
    }

    fn small(at_cut: AtCut, long_line: usize, piece: usize, window: usize) -> LineReader {
        LineReader::with_limits(
            at_cut,
            Limits {
                long_line,
                piece,
                window,
            },
        )
    }

    /// The lines of `input` by the definition, byte by byte.
    fn reference(input: &[u8]) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        let mut line = Vec::new();
        let mut k = 0;
        while k < input.len() {
            let b = input[k];
            line.push(b);
            k += 1;
            if b == b'\n' || (b == b'\r' && input.get(k) != Some(&b'\n')) {
                lines.push(std::mem::take(&mut line));
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    fn text(v: &[u8]) -> String {
        String::from_utf8_lossy(v).into_owned()
    }

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        let got: Vec<_> = lines(b"a\nb\r\nc\rd\r\re").map(|l| (l.head, l.eol, l.text())).collect();
        let want: [(&[u8], Option<u8>, &[u8]); 6] = [
            (b"a", Some(b'\n'), b"a"),
            (b"b\r", Some(b'\n'), b"b"),
            (b"c", Some(b'\r'), b"c"),
            (b"d", Some(b'\r'), b"d"),
            (b"", Some(b'\r'), b""),
            (b"e", None, b"e"),
        ];
        assert_eq!(got, want);
        // a `\r` last in a buffer is a lone `\r`
        assert_eq!(lines(b"a\r").map(|l| l.eol).collect::<Vec<_>>(), [Some(b'\r')]);
        assert_eq!(lines(b"").count(), 0);
    }

    #[test]
    fn a_cr_read_last_waits_for_the_next_read() {
        let r = || LineReader::new(AtCut::Keep { overlap: 0 });
        let line = |s: &[u8]| Out::Line(s.to_vec());
        // `\r` then `\n` in the next read: one line, `\r\n`
        assert_eq!(read(r(), b"a\r\nb\n", &[2]), [line(b"a\r\n"), line(b"b\n")]);
        // `\r` then another byte: a lone `\r`
        assert_eq!(read(r(), b"a\rb\n", &[2]), [line(b"a\r"), line(b"b\n")]);
        // `\r` at the end of the input: a lone `\r`
        assert_eq!(read(r(), b"a\r", &[]), [line(b"a\r")]);
        let mut held = r();
        assert!(held.feed(b"a\r", &mut |_| panic!("the line is not out yet")));
        assert!(!held.unterminated(), "its end came");
        assert!(held.feed(b"b", &mut |_| true));
        assert!(held.unterminated());
    }

    #[test]
    fn a_long_line_goes_in_pieces_cut_after_a_separator() {
        // a 40-byte limit, 16-byte pieces: the cuts fall after the spaces
        let input = b"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk\nshort\n";
        let got = read(small(AtCut::Replace(MARK), 40, 16, 64), input, &[]);
        let piece = |b: &[u8], first, last| Out::Piece {
            bytes: b.to_vec(),
            first,
            last,
            overlap: 0,
        };
        assert_eq!(
            got,
            [
                piece(b"aaaa bbbb cccc dddd eeee ffff gggg hhhh ", true, false),
                piece(b"iiii jjjj kkkk\n", false, true),
                Out::Line(b"short\n".to_vec()),
            ],
            "{got:?}"
        );
        // a line of exactly the limit is whole
        let exact = [&[b'x'; 40][..], b"\n"].concat();
        assert_eq!(
            read(small(AtCut::Replace(MARK), 40, 16, 64), &exact, &[]),
            [Out::Line(exact.clone())]
        );
    }

    #[test]
    fn a_token_across_a_cut_is_replaced_or_kept_whole_in_the_overlap() {
        // 3000 bytes of glued emails: no separator, the cut splits a token
        let input = [b"q@example.com".repeat(300).as_slice(), b"\n"].concat();
        let replaced = read(small(AtCut::Replace(MARK), 3000, 3000, 64), &input, &[]);
        let Out::Piece { bytes, .. } = &replaced[0] else {
            panic!("{replaced:?}")
        };
        // the bytes before it end before an `@` (no half email)
        assert!(bytes.ends_with(b".comq#"), "{}", text(bytes));
        let Out::Piece { bytes: next, .. } = &replaced[1] else {
            panic!("{replaced:?}")
        };
        assert!(next[0] != b'@', "nor do the bytes after begin with one: {}", text(next));
        assert_eq!(replaced.len(), 2);
        let kept = read(small(AtCut::Keep { overlap: 2048 }, 3000, 3000, 64), &input, &[]);
        let [Out::Piece { bytes: a, .. }, Out::Piece { bytes: b, overlap, .. }] = &kept[..] else {
            panic!("{kept:?}")
        };
        assert_eq!(*overlap, 2048.min(a.len()));
        assert_eq!([&a[..], &b[*overlap..]].concat(), input);
        // the token the other policy replaced is whole in the second piece
        let Out::Piece { bytes: first, .. } = &replaced[0] else {
            unreachable!()
        };
        let token_start = first.len() - 1;
        let token_end = input.len() - next.len();
        let token = &input[token_start..token_end];
        assert!(token.len() > 100 && memchr::memmem::find(b, token).is_some());
    }

    /// Bytes rich in line ends, separators and email parts.
    fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(b"aaaaxx@@.\r\r\n\n ".to_vec()), 0..max)
    }

    /// Long-line bytes: mostly text, a few separators and ends.
    fn long_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                20 => proptest::sample::select(b"abcxyz@.=".to_vec()),
                1 => proptest::sample::select(b" \r\n".to_vec()),
            ],
            0..6000,
        )
    }

    fn splits(n: usize) -> impl Strategy<Value = Vec<usize>> {
        proptest::collection::vec(0..n.max(1), 0..12).prop_map(|mut v| {
            v.sort_unstable();
            v
        })
    }

    fn policies() -> impl Strategy<Value = AtCut> {
        prop_oneof![
            Just(AtCut::Replace(MARK)),
            Just(AtCut::Keep { overlap: 0 }),
            Just(AtCut::Keep { overlap: 5 }),
            Just(AtCut::Keep { overlap: 600 }),
        ]
    }

    /// The input again from what a reader handed out: lines, pieces less
    /// their overlap, each replaced token as [`MARK`].
    fn rejoin(out: &[Out]) -> Vec<u8> {
        let mut v = Vec::new();
        for o in out {
            match o {
                Out::Line(l) => v.extend_from_slice(l),
                Out::Piece { bytes, overlap, .. } => v.extend_from_slice(&bytes[*overlap..]),
            }
        }
        v
    }

    /// `out` (with `MARK`s) is `input` with some runs of bytes replaced:
    /// each run nonempty, every other byte in place.
    fn replaced_runs(input: &[u8], out: &[u8]) -> Result<usize, String> {
        let mut at = 0;
        let parts: Vec<&[u8]> = out.split(|&b| b == MARK[0]).collect();
        for (k, part) in parts.iter().enumerate() {
            if k > 0 {
                // a replaced run: the next part is further on (the last
                // part where the input ends)
                let skip = if k + 1 == parts.len() {
                    input
                        .len()
                        .checked_sub(part.len() + at + 1)
                        .ok_or("no room for the last part")?
                } else {
                    memchr::memmem::find(&input[at + 1..], part).ok_or("part not found")?
                };
                at += 1 + skip;
            }
            if !input[at..].starts_with(part) {
                return Err(format!("byte {at}: {} is not where it was", text(part)));
            }
            at += part.len();
        }
        if at != input.len() {
            return Err(format!("{} bytes lost at the end", input.len() - at));
        }
        Ok(parts.len() - 1)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Short lines: the reference's lines, whatever the reads.
        #[test]
        fn any_reads_give_the_reference_lines(input in bytes(300), s in splits(300), p in policies()) {
            let got = read(LineReader::new(p), &input, &s);
            let want: Vec<Out> = reference(&input).into_iter().map(Out::Line).collect();
            prop_assert_eq!(&got, &want);
            let one: Vec<Out> = lines(&input).map(|l| {
                let mut v = l.head.to_vec();
                v.extend(l.eol);
                Out::Line(v)
            }).collect();
            prop_assert_eq!(got, one);
        }

        /// Small limits: the same lines and pieces whatever the reads (byte
        /// by byte too); the lines are the reference's where none is long.
        #[test]
        fn any_reads_give_the_same_lines_and_pieces(
            input in bytes(400),
            s in splits(400),
            p in policies(),
            limit in 1usize..60,
            piece in 1usize..30,
            window in 1usize..40,
        ) {
            let whole = read(small(p, limit, piece, window), &input, &[]);
            prop_assert_eq!(&read(small(p, limit, piece, window), &input, &s), &whole);
            let bytewise: Vec<usize> = (1..input.len()).collect();
            prop_assert_eq!(&read(small(p, limit, piece, window), &input, &bytewise), &whole);
            check_out(&input, &whole, p, limit, piece)?;
        }

        /// Limits of the scan's scale (its scrub reaches 512 bytes either
        /// side of a forced cut, 1 KiB before a piece's end).
        #[test]
        fn long_lines_are_cut_in_the_same_places(
            input in long_bytes(),
            s in splits(6000),
            p in policies(),
            limit in 1500usize..3000,
            piece in 1100usize..2000,
            window in 16usize..600,
        ) {
            let whole = read(small(p, limit, piece, window), &input, &[]);
            prop_assert_eq!(&read(small(p, limit, piece, window), &input, &s), &whole);
            check_out(&input, &whole, p, limit, piece)?;
            // the cuts are the same whatever is done with a cut token
            let count = |o: &[Out]| o.iter().map(|o| matches!(o, Out::Piece { .. })).filter(|&x| x).count();
            let other = if p == AtCut::Replace(MARK) { AtCut::Keep { overlap: 7 } } else { AtCut::Replace(MARK) };
            prop_assert_eq!(count(&read(small(other, limit, piece, window), &input, &s)), count(&whole));
        }
    }

    /// What any reader's output holds: no byte lost or repeated (but the
    /// replaced tokens and the overlaps), whole lines within the limit and
    /// pieces beyond it, each line's pieces in order.
    fn check_out(input: &[u8], out: &[Out], p: AtCut, limit: usize, piece: usize) -> Result<(), TestCaseError> {
        let again = rejoin(out);
        match p {
            AtCut::Replace(_) => {
                let runs = replaced_runs(input, &again).map_err(TestCaseError::fail)?;
                let marks = out
                    .iter()
                    .filter(|o| matches!(o, Out::Piece { bytes, last: false, .. } if bytes.ends_with(MARK)))
                    .count();
                prop_assert_eq!(runs, marks, "a replaced token ends a piece");
            }
            AtCut::Keep { overlap } => {
                prop_assert_eq!(&again, input, "no byte lost or repeated");
                let mut before: Vec<u8> = Vec::new();
                for o in out {
                    match o {
                        Out::Piece {
                            bytes,
                            first,
                            overlap: o,
                            ..
                        } => {
                            if *first {
                                before.clear();
                            }
                            prop_assert_eq!(*o, overlap.min(before.len()));
                            prop_assert_eq!(&bytes[..*o], &before[before.len() - o..]);
                            before.extend_from_slice(&bytes[*o..]);
                        }
                        Out::Line(_) => before.clear(),
                    }
                }
            }
        }
        let mut open = false;
        for o in out {
            match o {
                Out::Line(l) => {
                    prop_assert!(!open, "a whole line inside a long one");
                    let t = lines(l).next().map_or(0, |l| l.text().len());
                    prop_assert!(t <= limit, "a line of {} bytes over the limit {}", t, limit);
                }
                Out::Piece {
                    bytes,
                    first,
                    last,
                    overlap,
                } => {
                    prop_assert_eq!(*first, !open, "{}", text(bytes));
                    open = !last;
                    let body = &bytes[*overlap..];
                    let ends = body.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
                    if *last {
                        prop_assert!(ends <= 2, "one end at most: {}", text(body));
                    } else {
                        prop_assert_eq!(ends, 0, "no end in a piece: {}", text(body));
                        let cap = if *first { limit } else { piece };
                        // (a kept piece also holds the part of a cut token
                        // after the cut before it, not counted)
                        let replaced = matches!(p, AtCut::Replace(_));
                        prop_assert!(
                            !replaced || body.len() <= cap + MARK.len(),
                            "{} over {}",
                            body.len(),
                            cap
                        );
                    }
                }
            }
        }
        prop_assert!(!open, "the last line is finished");
        Ok(())
    }
}
