//! The totals of a file, read from disk: one read of a whole file (plain or
//! compressed) gives its daily totals ([`crate::summary`], line by line) and
//! what identifies its content whatever its compression (`run`).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::Engine;

use crate::io::input::{open_regular, Input, InputError, Source, READ_BUF};
use crate::io::names::show;
use crate::lines::{lines, AtCut, LineReader, Step};
use crate::summary::{add_line_in, Days};

/// Why a file could not be read to its end; its text is the message shown
/// (the path first).
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    /// The file could not be opened as the regular file expected.
    #[error("{}: {source}", show(path))]
    Open {
        /// the file
        path: PathBuf,
        /// what the system said, or why the file is refused
        source: io::Error,
    },
    /// The file could not be read or decompressed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A stop signal came while the file was read.
    #[error("{}: interrupted while it was read", show(path))]
    Interrupted {
        /// the file
        path: PathBuf,
    },
}

/// The totals of a whole file (plain or gzip).
pub fn totals_of_file(engine: &Engine, path: &Path) -> Result<Days, ReadFileError> {
    read_file(engine, path, true, None, None).map(|r| r.days)
}

/// What one read of a file gives: its totals (when asked for) and what
/// identifies its content whatever its compression.
#[derive(Debug, Default)]
pub struct FileRead {
    pub days: Days,
    /// BLAKE3 of the whole decompressed content, in hex
    pub content: String,
    /// the length of the decompressed content
    pub len: u64,
}

/// Reads a whole file (plain or compressed) once: the BLAKE3 hash and length
/// of its decompressed content, and with `totals` its daily totals.
///
/// The file must be a regular file (a symlink or FIFO swapped in is refused,
/// never followed or waited on) and, with `expect`, that device and inode.
/// Its lines are [`crate::lines`]'s; one longer than
/// [`LONG_LINE`](crate::lines::LONG_LINE) is not counted (no request line is
/// that long: anonymization never parses it either) and never held whole:
/// memory stays bounded and time linear.
pub fn read_file(
    engine: &Engine,
    path: &Path,
    totals: bool,
    expect: Option<(u64, u64)>,
    stop: Option<&AtomicBool>,
) -> Result<FileRead, ReadFileError> {
    match read_file_partly(engine, path, totals, expect, stop) {
        (read, None) => Ok(read),
        (_, Some(e)) => Err(e),
    }
}

/// [`read_file`] that keeps what it read before an error: the totals of the
/// lines read whole before the first byte that could not be read or
/// decompressed (a corrupt `.gz`), with the error. The content hash is then
/// that of the bytes read: it identifies nothing. A `stop` set meanwhile
/// (SIGTERM) ends the read with [`ReadFileError::Interrupted`].
pub fn read_file_partly(
    engine: &Engine,
    path: &Path,
    totals: bool,
    expect: Option<(u64, u64)>,
    stop: Option<&AtomicBool>,
) -> (FileRead, Option<ReadFileError>) {
    let mut days = Days::new();
    let mut len = 0u64;
    let mut hash = blake3::Hasher::new();
    let e = read_into(engine, path, totals, (expect, stop), &mut days, &mut hash, &mut len).err();
    let read = FileRead {
        days,
        content: hash.finalize().to_hex().to_string(),
        len,
    };
    (read, e)
}

/// The reading of [`read_file_partly`]: its totals, hash and length go
/// into the arguments as it reads.
fn read_into(
    engine: &Engine,
    path: &Path,
    totals: bool,
    (expect, stop): (Option<(u64, u64)>, Option<&AtomicBool>),
    days: &mut Days,
    hash: &mut blake3::Hasher,
    len: &mut u64,
) -> Result<(), ReadFileError> {
    let file = open_regular(path, expect).map_err(|source| ReadFileError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut input = Input::from_reader(Source::File(path.to_path_buf()), Box::new(file))?;
    let mut ctx = engine.opts.start(Default::default());
    let mut buf = vec![0u8; READ_BUF];
    let mut reader = LineReader::new(AtCut::Keep { overlap: 0 });
    let mut add = |step: Step<'_>, days: &mut Days| {
        // the pieces of a long line are not counted
        if let Step::Lines(batch) = step {
            for line in lines(batch.joined()) {
                add_line_in(engine, line.head, &mut ctx, days);
            }
        }
        true
    };
    // the totals of the gzip members read whole: what a corrupt member
    // decoded before its checksum failed is not counted
    let (mut members, mut whole) = (0u64, Days::new());
    loop {
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(ReadFileError::Interrupted {
                path: path.to_path_buf(),
            });
        }
        let n = match input.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                match input.codec {
                    // plain: what was read is what the file holds
                    None => {}
                    Some(crate::io::codec::Codec::Gzip) => *days = std::mem::take(&mut whole),
                    // xz, bzip2, zstd: no member boundary known, nothing kept
                    Some(_) => days.clear(),
                }
                return Err(e.into());
            }
        };
        if n == 0 {
            break;
        }
        if let Some(m) = input.members_done().filter(|&m| m != members) {
            members = m;
            whole.clone_from(days);
        }
        hash.update(&buf[..n]);
        *len += n as u64;
        if totals {
            reader.feed(&buf[..n], &mut |s| add(s, days));
        }
    }
    if totals {
        reader.finish(&mut |s| add(s, days));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::LONG_LINE;

    #[test]
    fn a_file_read_skips_an_over_long_line_and_saturates_its_sums() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut text = Vec::new();
        // an over-long line without its end in one read, then two lines
        // whose sizes sum past u64::MAX
        text.extend(std::iter::repeat_n(b'a', LONG_LINE + READ_BUF + 7));
        text.push(b'\n');
        for _ in 0..2 {
            text.extend_from_slice(
                b"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 18446744073709551615\n",
            );
        }
        std::fs::write(&p, &text).unwrap();
        let r = read_file(&Engine::default(), &p, true, None, None).unwrap();
        assert_eq!(r.len, text.len() as u64);
        let day = &r.days["2026-01-01"];
        assert_eq!((day.requests, day.bytes), (2, u64::MAX));
        assert_eq!(r.days.len(), 1, "the long line is not counted: {:?}", r.days.keys());
        // a FIFO is refused, never waited on
        let fifo = t.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let e = read_file(&Engine::default(), &fifo, true, None, None).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
