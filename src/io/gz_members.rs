//! Gzip members decoded one after the other (what flate2's
//! `MultiGzDecoder` does), with one thing more: after a corrupt member, the
//! reading can go on at the next member header ([`GzMembers::resync`]), as
//! gzip recovery tools do. The stream uses it: a corrupt member of a
//! rotated archive loses that member's rest, not every line after it.
//!
//! Written here rather than taken from flate2 because `MultiGzDecoder` owns
//! its reader and cannot say where a member began nor start again further
//! on; each member is still decoded by flate2's `bufread::GzDecoder`.

use std::io::{self, BufRead, Read};

use flate2::bufread::GzDecoder;

/// The bytes that open every gzip member (magic and deflate method).
const HEADER: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The most compressed bytes of one member kept for a resync (a corrupt
/// member's decoder may read past the next member's header before it fails;
/// the search for that header starts again from the failed member's start).
const KEEP: usize = 16 << 20;

/// A reader that counts the bytes consumed from it (the compressed
/// position), keeps those of the member in hand (up to [`KEEP`]), and can
/// serve kept bytes again before the rest.
pub struct Tracked<R> {
    inner: R,
    pos: u64,
    /// the bytes consumed since the member in hand began
    kept: Vec<u8>,
    /// more than [`KEEP`] were consumed: `kept` is not whole
    overflow: bool,
    /// bytes served again first, from `rpos`
    replay: Vec<u8>,
    rpos: usize,
}

impl<R> Tracked<R> {
    fn new(inner: R) -> Tracked<R> {
        Tracked {
            inner,
            pos: 0,
            kept: Vec::new(),
            overflow: false,
            replay: Vec::new(),
            rpos: 0,
        }
    }

    fn keep(&mut self, b: &[u8]) {
        if self.overflow || self.kept.len() + b.len() > KEEP {
            self.overflow = true;
            self.kept.clear();
        } else {
            self.kept.extend_from_slice(b);
        }
    }

    /// A member begins here.
    fn begin(&mut self) {
        self.kept.clear();
        self.overflow = false;
    }
}

impl<R: BufRead> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let b = self.fill_buf()?;
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tracked<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.rpos < self.replay.len() {
            return Ok(&self.replay[self.rpos..]);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.pos += n as u64;
        if self.rpos < self.replay.len() {
            let end = (self.rpos + n).min(self.replay.len());
            let taken = self.replay[self.rpos..end].to_vec();
            self.keep(&taken);
            self.rpos = end;
            if self.rpos == self.replay.len() {
                self.replay.clear();
                self.rpos = 0;
            }
            return;
        }
        if !self.overflow {
            // (the fields borrowed apart: no copy but the one kept)
            if let Ok(b) = self.inner.fill_buf() {
                let b = &b[..n.min(b.len())];
                if self.kept.len() + b.len() > KEEP {
                    self.overflow = true;
                    self.kept = Vec::new();
                } else {
                    self.kept.extend_from_slice(b);
                }
            }
        }
        self.inner.consume(n);
    }
}

/// Compressed bytes skipped by [`GzMembers::resync`]: from the start of
/// the corrupt member to the next member header (or the end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub from: u64,
    pub to: u64,
    /// whether a member header was found there (else the input ended)
    pub found: bool,
}

/// The decompressed bytes of every member of a gzip stream.
pub struct GzMembers<R: BufRead> {
    member: Option<GzDecoder<Tracked<R>>>,
    /// the members read to their end (checksum and length right)
    pub members_done: u64,
    /// where the member being read began
    start: u64,
}

impl<R: BufRead> GzMembers<R> {
    pub fn new(r: R) -> GzMembers<R> {
        GzMembers {
            member: Some(GzDecoder::new(Tracked::new(r))),
            members_done: 0,
            start: 0,
        }
    }

    /// After an error from [`Read::read`]: skips to the next member header
    /// after the start of the member that failed, and reads on from there.
    /// Returns what was skipped; None when nothing can be done (the input
    /// ended already, or cannot be read).
    pub fn resync(&mut self) -> Option<Skipped> {
        let mut r = self.member.take()?.into_inner();
        let from = self.start;
        // the failed member's bytes, read again from its second byte: its
        // decoder may have read past the next header before failing
        let kept = std::mem::take(&mut r.kept);
        if !r.overflow && kept.len() > 1 {
            let rest = r.replay.split_off(r.rpos);
            r.replay = kept[1..].to_vec();
            r.replay.extend_from_slice(&rest);
            // and what the reader holds buffered, so that a header across
            // the two is seen whole
            if rest.is_empty() {
                if let Ok(b) = r.inner.fill_buf() {
                    let more = b.to_vec();
                    r.inner.consume(more.len());
                    r.replay.extend_from_slice(&more);
                }
            }
            r.rpos = 0;
            r.pos = from + 1;
        }
        r.begin();
        // never the same header again
        let mut skip = (from + 1).saturating_sub(r.pos);
        loop {
            let buf = r.fill_buf().ok()?;
            if buf.is_empty() {
                return Some(Skipped {
                    from,
                    to: r.pos,
                    found: false,
                });
            }
            let n = usize::try_from(skip).unwrap_or(usize::MAX).min(buf.len());
            if n > 0 {
                r.consume(n);
                skip -= n as u64;
                continue;
            }
            if let Some(k) = memchr::memmem::find(buf, &HEADER) {
                r.consume(k);
                r.begin();
                self.start = r.pos;
                let to = r.pos;
                self.member = Some(GzDecoder::new(r));
                return Some(Skipped { from, to, found: true });
            }
            // keep a header's first bytes that may go on in the next read
            // (one cut by the buffer's refill may be missed: that member is
            // then skipped too, and said)
            let keep = if buf.ends_with(&HEADER[..2]) {
                2
            } else {
                usize::from(buf.ends_with(&HEADER[..1]))
            };
            let n = (buf.len() - keep).max(1);
            r.consume(n);
        }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(m) = self.member.as_mut() else {
                return Ok(0);
            };
            let n = m.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // the member ended: another one follows, or the input ends
            let Some(mut r) = self.member.take().map(GzDecoder::into_inner) else {
                return Ok(0);
            };
            self.members_done += 1;
            if r.fill_buf()?.is_empty() {
                return Ok(0);
            }
            r.begin();
            self.start = r.pos;
            self.member = Some(GzDecoder::new(r));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn read_all(m: &mut GzMembers<&[u8]>) -> (Vec<u8>, Vec<Skipped>) {
        let (mut out, mut skipped) = (Vec::new(), Vec::new());
        let mut buf = [0u8; 7];
        loop {
            match m.read(&mut buf) {
                Ok(0) => return (out, skipped),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(_) => match m.resync() {
                    Some(s) => skipped.push(s),
                    None => return (out, skipped),
                },
            }
        }
    }

    #[test]
    fn members_are_read_in_order_as_multigz_does() {
        let mut data = gz(b"one\n");
        data.extend(gz(b""));
        data.extend(gz(b"two\nthree\n"));
        let mut want = Vec::new();
        flate2::read::MultiGzDecoder::new(&data[..])
            .read_to_end(&mut want)
            .unwrap();
        let (got, skipped) = read_all(&mut GzMembers::new(&data[..]));
        assert_eq!(got, want);
        assert_eq!(got, b"one\ntwo\nthree\n");
        assert!(skipped.is_empty());
    }

    #[test]
    fn a_member_the_failed_decoder_read_past_is_not_lost() {
        // m2 cut in its middle: its decoder reads on into m3 before it fails
        let (m1, m2, m3, m4) = (gz(b"one\n"), gz(&b"two ".repeat(400)), gz(b"three\n"), gz(b"four\n"));
        let mut data = m1.clone();
        data.extend(&m2[..m2.len() / 2]);
        data.extend(&m3);
        data.extend(&m4);
        let (got, skipped) = read_all(&mut GzMembers::new(&data[..]));
        assert!(
            got.starts_with(b"one\n") && got.ends_with(b"three\nfour\n"),
            "{skipped:?}"
        );
        assert_eq!(skipped.len(), 1);
        assert_eq!(
            (skipped[0].from, skipped[0].to),
            (m1.len() as u64, (m1.len() + m2.len() / 2) as u64)
        );
    }

    #[test]
    fn a_corrupt_member_is_skipped_to_the_next_header() {
        let (a, b, c) = (gz(b"first\n"), gz(b"second line\n"), gz(b"third\n"));
        let mut data = a.clone();
        let mut bad = b.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0xff;
        bad[mid + 1] ^= 0x55;
        data.extend(&bad);
        data.extend(&c);
        let (got, skipped) = read_all(&mut GzMembers::new(&data[..]));
        assert!(got.starts_with(b"first\n") && got.ends_with(b"third\n"), "{got:?}");
        assert_eq!(
            skipped,
            [Skipped {
                from: a.len() as u64,
                to: (a.len() + b.len()) as u64,
                found: true
            }]
        );
        // a member cut short at the end: skipped to the end
        let mut cut = a.clone();
        cut.extend(&b[..b.len() - 5]);
        let (got, skipped) = read_all(&mut GzMembers::new(&cut[..]));
        assert!(got.starts_with(b"first\n"));
        assert_eq!(skipped.len(), 1);
        assert_eq!(
            (skipped[0].from, skipped[0].to, skipped[0].found),
            (a.len() as u64, cut.len() as u64, false)
        );
        // garbage between members
        let mut junk = a.clone();
        junk.extend(b"\x1f\x8b\x08garbage\x1f");
        junk.extend(&c);
        let (got, skipped) = read_all(&mut GzMembers::new(&junk[..]));
        assert_eq!(got, b"first\nthird\n");
        assert_eq!(skipped.len(), 1, "{skipped:?}");
    }
}
