//! Opening inputs: stdin or files, compression detected by content (magic
//! bytes, not the name; see [`crate::io::codec`]), every member read to the end,
//! binary or unknown compressed data refused. Errors carry the input's name
//! and position so a corrupt file is reported where it broke.

use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::io::codec::{Codec, Sniff};
use crate::io::gz_members::{GzMembers, Skipped};
use crate::io::names::show;
use crate::io::progress::{self, Meter};

pub const READ_BUF: usize = 256 * 1024;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn from_arg(a: &std::ffi::OsStr) -> Source {
        if a == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(a))
        }
    }

    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => show(p).to_string(),
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

/// Counts bytes read from the underlying file, for error positions and
/// the progress meter (one call per read of up to [`READ_BUF`] bytes).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
    meter: Option<&'static dyn Meter>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(m) = self.meter {
            m.read(n as u64);
        }
        Ok(n)
    }
}

/// The raw bytes of an input, buffered.
type Raw = BufReader<Counting<Box<dyn Read + Send>>>;

/// What an input's bytes are read through: gzip by members (which can read
/// on past a corrupt one), the rest as it is or through its decoder.
enum Decoded {
    Gzip(Box<GzMembers<Raw>>),
    Other(Box<dyn Read + Send>),
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Gzip(g) => g.read(buf),
            Decoded::Other(r) => r.read(buf),
        }
    }
}

/// An opened input: a reader of decompressed bytes and what is known about it.
pub struct Input {
    pub source: Source,
    /// the compression the input is in, if any
    pub codec: Option<Codec>,
    reader: Decoded,
    /// decompressed bytes read ahead to look at (served first)
    head: Vec<u8>,
    head_pos: usize,
    raw_read: Arc<AtomicU64>,
    /// decompressed bytes handed out so far
    pub out_pos: u64,
}

impl Input {
    /// Opens a source and sniffs its compression.
    pub fn open(source: &Source) -> Result<Input, InputError> {
        let name = source.name();
        let raw: Box<dyn Read + Send> = match source {
            Source::Stdin => Box::new(io::stdin()),
            Source::File(p) => Box::new(open_file(p).map_err(|e| InputError {
                name: name.clone(),
                what: e.to_string(),
            })?),
        };
        Input::from_reader(source.clone(), raw)
    }

    /// Wraps any reader (a file, stdin, a socket) with compression sniffing.
    /// Data that is neither text nor a format of [`crate::io::codec`] is refused.
    /// A file's reading is told to the installed progress meter.
    pub fn from_reader(source: Source, raw: Box<dyn Read + Send>) -> Result<Input, InputError> {
        let meter = progress::meter().filter(|_| matches!(source, Source::File(_)));
        Input::metered(source, raw, meter)
    }

    /// [`Input::from_reader`], telling `meter` of the reading.
    pub fn metered(
        source: Source,
        raw: Box<dyn Read + Send>,
        meter: Option<&'static dyn Meter>,
    ) -> Result<Input, InputError> {
        let name = source.name();
        if let Some(m) = meter {
            m.file(&name);
        }
        let cannot = |e: io::Error| InputError {
            name: name.clone(),
            what: format!("cannot read: {e}"),
        };
        let raw_read = Arc::new(AtomicU64::new(0));
        let mut br = BufReader::with_capacity(
            READ_BUF,
            Counting {
                inner: raw,
                count: raw_read.clone(),
                meter,
            },
        );
        let head = loop {
            match br.fill_buf() {
                Ok(h) => break h,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(cannot(e)),
            }
        };
        let refused = |why: &str, inside: Option<Codec>| InputError {
            name: name.clone(),
            what: match inside {
                Some(c) => format!(
                    "its {} content is {why}, not a text log; loganon reads plain, gzip, xz, bzip2 and zstd logs",
                    c.name()
                ),
                None => format!("is {why}, not a text log; loganon reads plain, gzip, xz, bzip2 and zstd logs"),
            },
        };
        let (codec, reader) = match Codec::sniff(head) {
            Sniff::Plain => (None, Decoded::Other(Box::new(br))),
            Sniff::Compressed(Codec::Gzip) => (Some(Codec::Gzip), Decoded::Gzip(Box::new(GzMembers::new(br)))),
            Sniff::Compressed(c) => (Some(c), Decoded::Other(c.decoder(br).map_err(cannot)?)),
            Sniff::Refused(why) => return Err(refused(why, None)),
        };
        let mut input = Input {
            source,
            codec,
            reader,
            head: Vec::new(),
            head_pos: 0,
            raw_read,
            out_pos: 0,
        };
        // What a compressed input holds must be text too (no .tar.gz, no
        // double compression): its first decompressed block is looked at.
        if let Some(c) = codec {
            let mut first = vec![0u8; 4096];
            let n = loop {
                match input.reader.read(&mut first) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(input.error(&e)),
                }
            };
            first.truncate(n);
            match Codec::sniff(&first) {
                Sniff::Plain => {}
                Sniff::Compressed(inner) => {
                    return Err(refused(&format!("{} compressed again", inner.name()), Some(c)))
                }
                Sniff::Refused(why) => return Err(refused(why, Some(c))),
            }
            input.head = first;
        }
        Ok(input)
    }

    pub fn name(&self) -> String {
        self.source.name()
    }

    /// Reads decompressed bytes; errors name the input and the position.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, InputError> {
        if self.head_pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.head_pos);
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            self.out_pos += n as u64;
            return Ok(n);
        }
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

    /// The gzip members read to their end so far (None for other inputs).
    pub fn members_done(&self) -> Option<u64> {
        match &self.reader {
            Decoded::Gzip(g) => Some(g.members_done),
            Decoded::Other(_) => None,
        }
    }

    /// After a read error of a gzip input: skips the rest of the corrupt
    /// member up to the next member header and reads on from there (the
    /// stream's recovery; batch keeps its all-or-nothing rule and never
    /// calls it). What was skipped, in compressed bytes; None for other
    /// inputs, or when nothing more can be read.
    pub fn resync(&mut self) -> Option<Skipped> {
        match &mut self.reader {
            Decoded::Gzip(g) => g.resync(),
            Decoded::Other(_) => None,
        }
    }

    fn error(&self, e: &io::Error) -> InputError {
        let what = if let Some(c) = self.codec {
            format!(
                "corrupt or truncated {} data near compressed byte {} (after {} decompressed bytes): {}",
                c.name(),
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

/// Why an input file could not be looked at or opened; its text is the
/// message shown after the input's name.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path is a directory.
    #[error("is a directory, not a log file")]
    Directory,
    /// Nothing is at the path.
    #[error("no such file")]
    NotFound,
    /// The path is a symbolic link to nothing.
    #[error("no such file (a symbolic link to nothing)")]
    DanglingLink,
    /// The system refused the look or the open.
    #[error("cannot open: {0}")]
    Cannot(#[source] io::Error),
    /// A symbolic link was put in place of the file planned.
    #[error("was replaced by a symbolic link after loganon looked at it; not read")]
    BecameLink,
    /// The file planned was removed before it was opened.
    #[error("no such file (removed after loganon looked at it)")]
    Removed,
    /// Another file was put in place of the file planned.
    #[error("was replaced by another file after loganon looked at it; not read")]
    Replaced,
}

/// Opens a file for reading without ever blocking in `open` (a FIFO with
/// no writer), with the messages of [`open_file`]. Returns the file and
/// whether it is a regular file; a FIFO or a device stays non-blocking (read
/// it after `poll`), a regular file is made blocking again.
pub fn open_nonblocking(p: &Path) -> Result<(File, bool), OpenError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => return Err(OpenError::Directory),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::NotFound),
        Err(e) => return Err(OpenError::Cannot(e)),
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)
        .map_err(OpenError::Cannot)?;
    let meta = f.metadata().map_err(OpenError::Cannot)?;
    if meta.is_dir() {
        return Err(OpenError::Directory);
    }
    let regular = meta.is_file();
    if regular {
        // only O_NONBLOCK is cleared
        if let Ok(fl) = rustix::fs::fcntl_getfl(&f) {
            let _ = rustix::fs::fcntl_setfl(&f, fl - rustix::fs::OFlags::NONBLOCK);
        }
    }
    Ok((f, regular))
}

/// What a file that is not a regular file is, for messages.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Opens a file for reading, with a message that says what is wrong.
pub fn open_file(p: &Path) -> Result<File, OpenError> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => return Err(OpenError::Directory),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::NotFound),
        Err(e) => return Err(OpenError::Cannot(e)),
    }
    File::open(p).map_err(OpenError::Cannot)
}

/// What was seen of a file when the work was planned, before it is opened:
/// `lstat`, and where the path is a symlink, `stat` of what it points to.
#[derive(Clone, Debug)]
pub struct Planned {
    /// the file itself (the symlink followed)
    pub meta: Metadata,
    /// the path named was a symbolic link
    pub link: bool,
}

/// Looks at a file before opening it, with the messages of [`open_file`].
pub fn plan_file(p: &Path) -> Result<Planned, OpenError> {
    let lmeta = match fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::NotFound),
        Err(e) => return Err(OpenError::Cannot(e)),
    };
    let link = lmeta.file_type().is_symlink();
    let meta = if link {
        match fs::metadata(p) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::DanglingLink),
            Err(e) => return Err(OpenError::Cannot(e)),
        }
    } else {
        lmeta
    };
    if meta.is_dir() {
        return Err(OpenError::Directory);
    }
    Ok(Planned { meta, link })
}

/// Opens a file that must be a regular file, for `run`'s own reads (totals,
/// fingerprints): a symlink as the last component is not followed, a FIFO
/// or device swapped in does not block the open and is refused, and with
/// `expect` the descriptor must be that device and inode (the file walked).
pub fn open_regular(p: &Path, expect: Option<(u64, u64)>) -> io::Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(p)?;
    let m = f.metadata()?;
    if !m.file_type().is_file() {
        return Err(io::Error::other(
            "not a regular file (replaced since it was found?); not read",
        ));
    }
    if expect.is_some_and(|(dev, ino)| (m.dev(), m.ino()) != (dev, ino)) {
        return Err(io::Error::other(
            "replaced by another file since it was found; not read",
        ));
    }
    Ok(f)
}

/// Whether two looks at a path saw the same file (device and inode).
pub fn same_inode(a: &Metadata, b: &Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Opens a planned file and checks (`fstat`) that the descriptor is the file
/// that was planned, so a file or symlink swapped in since is never read. A
/// path that was a regular file is opened with `O_NOFOLLOW`; a symlink named
/// as such is followed, but must still lead to the file it led to. Returns
/// the file and its metadata at open.
pub fn open_planned(p: &Path, plan: &Planned) -> Result<(File, Metadata), OpenError> {
    let mut flags = libc::O_CLOEXEC;
    if !plan.link {
        flags |= libc::O_NOFOLLOW;
    }
    if plan.meta.file_type().is_file() {
        // a FIFO swapped in must not block the open
        flags |= libc::O_NONBLOCK;
    }
    let f = match OpenOptions::new().read(true).custom_flags(flags).open(p) {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(OpenError::BecameLink),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::Removed),
        Err(e) => return Err(OpenError::Cannot(e)),
    };
    let meta = f.metadata().map_err(OpenError::Cannot)?;
    if !same_inode(&meta, &plan.meta) || meta.file_type() != plan.meta.file_type() {
        return Err(OpenError::Replaced);
    }
    Ok((f, meta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Seen {
        bytes: AtomicU64,
        files: Mutex<Vec<String>>,
    }

    impl Meter for Seen {
        fn file(&self, name: &str) {
            self.files.lock().unwrap().push(name.to_string());
        }
        fn read(&self, bytes: u64) {
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn read_all(input: &mut Input) -> u64 {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0;
        loop {
            match input.read(&mut buf).unwrap() {
                0 => return total,
                n => total += n as u64,
            }
        }
    }

    #[test]
    fn the_meter_counts_the_file_bytes_read_under_decompression() {
        static SEEN: Seen = Seen {
            bytes: AtomicU64::new(0),
            files: Mutex::new(Vec::new()),
        };
        let plain: Vec<u8> = (0..40_000)
            .flat_map(|i| {
                format!(
                    "192.0.2.{} - - [01/Jan/2026:00:00:00 +0000] \"GET /{i} HTTP/1.1\" 200 1\n",
                    i % 250
                )
                .into_bytes()
            })
            .collect();
        let gz = Codec::Gzip.compress(&plain, 6, Vec::new()).unwrap();
        assert!(gz.len() * 4 < plain.len(), "the test needs compressible data");
        let src = Source::File(PathBuf::from("a\nb.log.gz"));
        let mut input = Input::metered(src, Box::new(io::Cursor::new(gz.clone())), Some(&SEEN)).unwrap();
        // part of the way: the meter moves within the file
        let mut buf = vec![0u8; 4096];
        input.read(&mut buf).unwrap();
        let early = SEEN.bytes.load(Ordering::Relaxed);
        assert!(early > 0 && early <= gz.len() as u64, "{early}");
        assert_eq!(read_all(&mut input) + 4096, plain.len() as u64);
        // the compressed offset: the file's own size, not the decompressed one
        assert_eq!(SEEN.bytes.load(Ordering::Relaxed), gz.len() as u64);
        assert_eq!(*SEEN.files.lock().unwrap(), ["a\\nb.log.gz"], "named as printed");
        // no meter: nothing told
        let n = gz.len() as u64;
        let mut quiet = Input::metered(Source::Stdin, Box::new(io::Cursor::new(gz)), None).unwrap();
        read_all(&mut quiet);
        assert_eq!(SEEN.bytes.load(Ordering::Relaxed), n);
    }
}
