//! Where an anonymized stream goes: stdout, or a file appended to (a live
//! log), compressed by its name, never left ending in a torn line, reopened
//! on SIGHUP; and the one empty member that makes an empty compressed file
//! valid.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::path::PathBuf;

use crate::io::codec::{Codec, Compress};
use crate::io::names::show;

/// Where the anonymized stream goes.
pub enum Output {
    /// stdout; with `compress` (`--compress`), written as complete members
    /// like a compressed file, and given an empty one at the end when
    /// nothing was written (`wrote`)
    Stdout {
        file: ManuallyDrop<File>,
        compress: Option<Compress>,
        wrote: bool,
    },
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
        Output::stdout_compressed(None)
    }

    /// stdout, compressed with `compress` (`--compress gzip`: an object
    /// storage pipe), the members made in parallel as for a file.
    pub fn stdout_compressed(compress: Option<Compress>) -> Output {
        // SAFETY: fd 1 is open for the life of the process; ManuallyDrop keeps
        // this File from closing it.
        Output::Stdout {
            file: ManuallyDrop::new(unsafe { File::from_raw_fd(1) }),
            compress,
            wrote: false,
        }
    }

    /// Opens FILE for appending as [`Output::append`] does, compressed by
    /// `compress` when given (`--compress`), else by its name.
    pub fn append_as(path: PathBuf, level: u32, compress: Option<Compress>) -> io::Result<Output> {
        let mut out = Output::append(path, level)?;
        if let (Output::File { compress: c, .. }, Some(want)) = (&mut out, compress) {
            *c = Some(want);
        }
        Ok(out)
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
            Output::File { compress, .. } | Output::Stdout { compress, .. } => *compress,
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
            Output::Stdout { file, wrote, .. } => {
                *wrote |= !b.is_empty();
                file.write_all(b)
            }
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
                ensure_compressed(&mut file, c)?;
                file.sync_data()
            }
            Output::File { file, .. } => file.sync_data(),
            Output::Stdout {
                mut file,
                compress: Some(c),
                wrote: false,
            } => file.write_all(&c.member(b"", Vec::new())?),
            Output::Stdout { .. } => Ok(()),
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
            Output::Stdout { .. } => "<stdout>".into(),
            Output::File { path, .. } => show(path).to_string(),
        }
    }
}

/// A compressed output that received no data still has to be a valid file
/// of its format: it gets one empty member.
pub fn ensure_compressed(f: &mut File, c: Compress) -> io::Result<()> {
    if f.metadata()?.len() == 0 {
        f.write_all(&c.member(b"", Vec::new())?)?;
    }
    Ok(())
}
