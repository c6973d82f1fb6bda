//! Compression formats: which one an input is in (by its first bytes, never
//! its name), how to read it, and how to write one complete member of it.
//!
//! gzip, xz, bzip2 and zstd are read and written. Each of them allows
//! complete members (gzip members, xz streams, bzip2 streams, zstd frames)
//! to be concatenated into one valid file, so the pipeline's workers compress
//! chunks in parallel and the writer only appends; every decoder here reads
//! all members to the end.
//!
//! Anything else that is clearly not text (another compressor's, archive's
//! or executable's magic bytes, or a first block of control bytes, see
//! [`is_binary`]) is refused: a log that loganon cannot read is never passed
//! through unchanged. A NUL or another control byte in a log's lines is no
//! reason to refuse it: those lines are anonymized like any other.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;

/// A compression format that loganon reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Xz,
    Bzip2,
    Zstd,
}

/// Compressed output: which format, at which level (0-9, see [`Codec::compress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compress {
    pub codec: Codec,
    pub level: u32,
}

/// What the first bytes of an input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// not compressed (as far as its first bytes tell)
    Plain,
    Compressed(Codec),
    /// not text, and not a format loganon reads: the reason
    Refused(&'static str),
}

/// Magic bytes of formats that are recognised only to be refused.
const REFUSED: &[(&[u8], &str)] = &[
    (b"\x04\x22\x4d\x18", "lz4 compressed"),
    (b"PK\x03\x04", "a zip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"LZIP", "lzip compressed"),
    (b"\x1f\x9d", "compress (.Z) compressed"),
    (b"\x1f\xa0", "compress (.Z) compressed"),
    (b"\x89LZO", "lzop compressed"),
    (b"Rar!", "a RAR archive"),
    (b"\xff\x06\x00\x00sNaPpY", "snappy compressed"),
    (b"\x5d\x00\x00", "lzma (legacy) compressed"),
    (b"\x7fELF", "an ELF executable or core dump"),
    (b"MZ\x90\x00", "a Windows executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O universal binary"),
    (b"\x00asm", "a WebAssembly module"),
];

/// The first block [`Codec::sniff`] looks at.
const BLOCK: usize = 4096;

/// Whether the first block of an input is binary data rather than a log:
/// at least 32 of its bytes, and more than one in eight, are control bytes
/// (below 0x20 or 0x7f) other than tab, line feed, vertical tab, form feed,
/// carriage return and escape. A log with a NUL or another control byte in
/// some of its lines (a request of garbage, a broken client) is a log: its
/// lines are anonymized like any other; a UTF-16 file, an image or a
/// database file is not.
fn is_binary(head: &[u8]) -> bool {
    let block = &head[..head.len().min(BLOCK)];
    let control = block
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1b)) || b == 0x7f)
        .count();
    control >= 32 && control * 8 > block.len()
}

impl Codec {
    /// All of them, for messages and tests.
    pub const ALL: [Codec; 4] = [Codec::Gzip, Codec::Xz, Codec::Bzip2, Codec::Zstd];

    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Xz => "xz",
            Codec::Bzip2 => "bzip2",
            Codec::Zstd => "zstd",
        }
    }

    /// The usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Gzip => "gz",
            Codec::Xz => "xz",
            Codec::Bzip2 => "bz2",
            Codec::Zstd => "zst",
        }
    }

    /// The format a file name asks for (`x.log.gz`, `x.xz`, `x.bz2`, `x.zst`).
    pub fn from_name(p: &Path) -> Option<Codec> {
        let ext = p.extension()?.to_str()?;
        Codec::ALL
            .into_iter()
            .find(|c| c.extension().eq_ignore_ascii_case(ext) || (*c == Codec::Zstd && ext == "zstd"))
    }

    /// What `head` (the first bytes of an input) is.
    pub fn sniff(head: &[u8]) -> Sniff {
        if head.starts_with(b"\x1f\x8b") {
            return Sniff::Compressed(Codec::Gzip);
        }
        if head.starts_with(b"\xfd7zXZ\x00") {
            return Sniff::Compressed(Codec::Xz);
        }
        if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            return Sniff::Compressed(Codec::Bzip2);
        }
        // a zstd frame, or a skippable frame (0x184D2A5?) before one
        if head.starts_with(b"\x28\xb5\x2f\xfd")
            || (head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == *b"\x2a\x4d\x18")
        {
            return Sniff::Compressed(Codec::Zstd);
        }
        if let Some((_, what)) = REFUSED.iter().find(|(m, _)| head.starts_with(m)) {
            return Sniff::Refused(what);
        }
        if is_binary(head) {
            return Sniff::Refused("binary data (one byte in eight of its first 4 KiB a control byte)");
        }
        Sniff::Plain
    }

    /// A reader of the decompressed bytes of all members of `r`.
    pub fn decoder<R: BufRead + Send + 'static>(self, r: R) -> io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
            Codec::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(r)),
            Codec::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(r)),
            Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
        })
    }

    /// Compresses `plain` into one complete member, appended to `out`.
    /// `level` is loganon's 0-9 scale: gzip and xz take it as it is, bzip2
    /// from 1 (its lowest), zstd as its own level 1-9 (0 is zstd's default, 3).
    pub fn compress(self, plain: &[u8], level: u32, out: Vec<u8>) -> io::Result<Vec<u8>> {
        let level = level.min(9);
        match self {
            Codec::Gzip => {
                let mut e = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
                e.write_all(plain)?;
                e.finish()
            }
            Codec::Xz => {
                let mut e = liblzma::write::XzEncoder::new(out, level);
                e.write_all(plain)?;
                e.finish()
            }
            Codec::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(out, bzip2::Compression::new(level.max(1)));
                e.write_all(plain)?;
                e.finish()
            }
            Codec::Zstd => {
                let mut e = zstd::stream::write::Encoder::new(out, level as i32)?;
                e.write_all(plain)?;
                e.finish()
            }
        }
    }
}

impl Compress {
    /// One complete member holding `plain`.
    pub fn member(&self, plain: &[u8], out: Vec<u8>) -> io::Result<Vec<u8>> {
        self.codec.compress(plain, self.level, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_concatenated_members() {
        for c in Codec::ALL {
            let mut z = c.compress(b"a 1\nb 2\n", 6, Vec::new()).unwrap();
            z = c.compress(b"c 3\n", 1, z).unwrap();
            z = c.compress(b"", 9, z).unwrap();
            assert_eq!(Codec::sniff(&z), Sniff::Compressed(c), "{c:?}");
            let mut out = Vec::new();
            c.decoder(io::BufReader::new(io::Cursor::new(z)))
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, b"a 1\nb 2\nc 3\n", "{c:?}");
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(Codec::sniff(b"1.2.3.4 - - [x]"), Sniff::Plain);
        assert_eq!(Codec::sniff(b""), Sniff::Plain);
        assert_eq!(Codec::sniff(b"BZh"), Sniff::Plain);
        assert_eq!(Codec::sniff(b"PK\x03\x04rest"), Sniff::Refused("a zip archive"));
        // a NUL in a line is no binary data; a block of control bytes is
        assert_eq!(Codec::sniff(b"abc\x00def\n"), Sniff::Plain);
        let line = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\x00\x01 HTTP/1.1\" 200 1\n";
        assert_eq!(Codec::sniff(&line.repeat(100)), Sniff::Plain);
        let utf16: Vec<u8> = "1.2.3.4 - - [x]\n".repeat(20).bytes().flat_map(|b| [b, 0]).collect();
        assert!(matches!(Codec::sniff(&utf16), Sniff::Refused(_)));
        assert!(matches!(Codec::sniff(&[0u8; 40]), Sniff::Refused(_)));
        assert_eq!(Codec::sniff(&[0u8; 31]), Sniff::Plain);
        assert!(matches!(Codec::sniff(b"\x7fELF\x02\x01\x01"), Sniff::Refused(_)));
        assert_eq!(Codec::from_name(Path::new("a/access.log.2.ZST")), Some(Codec::Zstd));
        assert_eq!(Codec::from_name(Path::new("a.log.bz2")), Some(Codec::Bzip2));
        assert_eq!(Codec::from_name(Path::new("a.log")), None);
    }
}
