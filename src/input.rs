//! Opening inputs: stdin or files, gzip detected by content (magic bytes, not
//! the name), multi-member gzip read to the end. Errors carry the input's name
//! and position so a corrupt file is reported where it broke.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

pub const READ_BUF: usize = 256 * 1024;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn from_arg(a: &str) -> Source {
        if a == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(a))
        }
    }

    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// An input failure, with the input's name and where it happened.
#[derive(Debug)]
pub struct InputError {
    pub name: String,
    pub what: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.what)
    }
}

impl std::error::Error for InputError {}

/// Counts bytes read from the underlying file, for error positions.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input: a reader of decompressed bytes and what is known about it.
pub struct Input {
    pub source: Source,
    pub gzip: bool,
    reader: Box<dyn Read + Send>,
    raw_read: Arc<AtomicU64>,
    /// decompressed bytes handed out so far
    pub out_pos: u64,
}

impl Input {
    /// Opens a source and sniffs the gzip magic.
    pub fn open(source: &Source) -> Result<Input, InputError> {
        let name = source.name();
        let raw: Box<dyn Read + Send> = match source {
            Source::Stdin => Box::new(io::stdin()),
            Source::File(p) => Box::new(open_file(p).map_err(|what| InputError {
                name: name.clone(),
                what,
            })?),
        };
        Input::from_reader(source.clone(), raw).map_err(|e| InputError {
            name,
            what: format!("cannot read: {e}"),
        })
    }

    /// Wraps any reader (a file, stdin, a socket) with gzip sniffing.
    pub fn from_reader(source: Source, raw: Box<dyn Read + Send>) -> io::Result<Input> {
        let raw_read = Arc::new(AtomicU64::new(0));
        let mut br = BufReader::with_capacity(
            READ_BUF,
            Counting {
                inner: raw,
                count: raw_read.clone(),
            },
        );
        let head = loop {
            match br.fill_buf() {
                Ok(h) => break h,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        let reader: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(br))
        } else {
            Box::new(br)
        };
        Ok(Input {
            source,
            gzip,
            reader,
            raw_read,
            out_pos: 0,
        })
    }

    pub fn name(&self) -> String {
        self.source.name()
    }

    /// Reads decompressed bytes; errors name the input and the position.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, InputError> {
        loop {
            match self.reader.read(buf) {
                Ok(n) => {
                    self.out_pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.error(&e)),
            }
        }
    }

    fn error(&self, e: &io::Error) -> InputError {
        let what = if self.gzip {
            format!(
                "corrupt or truncated gzip data near compressed byte {} (after {} decompressed bytes): {}",
                self.raw_read.load(Ordering::Relaxed),
                self.out_pos,
                gzip_error_text(e)
            )
        } else {
            format!("read error at byte {}: {e}", self.out_pos)
        };
        InputError {
            name: self.name(),
            what,
        }
    }
}

fn gzip_error_text(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        "unexpected end of file (truncated)".to_string()
    } else {
        e.to_string()
    }
}

/// Opens a file for reading, with a message that says what is wrong.
pub fn open_file(p: &Path) -> Result<File, String> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => return Err("is a directory, not a log file".to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err("no such file".to_string()),
        Err(e) => return Err(format!("cannot open: {e}")),
    }
    File::open(p).map_err(|e| format!("cannot open: {e}"))
}
