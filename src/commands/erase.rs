//! `loganon erase`: one person's lines out of archives (GDPR Article 17).
//! Every line that holds the subject (an address, an email, a user name)
//! is removed, or with `--redact` only the subject's values become
//! `REDACTED`; every other byte stays. Files are plain or compressed (gzip,
//! xz, bzip2, zstd: rewritten in the same compression) and may be
//! pseudonymized already: with the key, the subject's pseudonym of each
//! line's own day is looked for too. Each file is rewritten as `--in-place`
//! rewrites (a temporary file beside it, its mode, owner and times, a
//! rename only if the file did not change meanwhile); a file without the
//! subject is not touched.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::commands::anonymize_file::{fail, finish_like, temp_in, Failure};
use crate::formats::record::record;
use crate::formats::{recognise, Ctx, Format};
use crate::io::codec::Codec;
use crate::io::input::{open_regular, Input, Source, READ_BUF};
use crate::io::names::show;
use crate::keyed::{IpMode, KeyRing};
use crate::rules::DenyList;

/// Whose lines go.
#[derive(Debug, Default)]
pub struct Subject {
    pub addresses: Vec<IpAddr>,
    /// compared without regard to case
    pub emails: Vec<String>,
    pub users: Vec<String>,
}

/// The keyed mode the files were pseudonymized with, if any.
pub struct Keyed<'a> {
    pub mode: IpMode,
    pub ring: &'a KeyRing,
}

/// What was done to one file.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Erased {
    pub file: String,
    pub lines: u64,
    /// lines removed (or, with `--redact`, lines with values redacted)
    pub matched: u64,
    pub rewritten: bool,
}

/// Whether the byte beside a match (before `at` going back, or at `at`
/// going on) continues the token, so that the match is only part of
/// another value (`10.0.0.1` in `10.0.0.10`, `bob` in `bobby`). A `.` or
/// `:` continues it only when a letter or digit follows it (a sentence's
/// full stop does not).
fn continues(text: &[u8], at: usize, forward: bool, n: &Needle) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || (!n.address && (b == b'_' || b == b'-'));
    let joins = |b: u8| b == b'.' || (n.v6 && b == b':');
    let (b, beyond) = if forward {
        (text.get(at).copied(), text.get(at + 1).copied())
    } else {
        (at.checked_sub(1).map(|i| text[i]), at.checked_sub(2).map(|i| text[i]))
    };
    match b {
        Some(b) if word(b) => true,
        Some(b) if joins(b) => beyond.is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => false,
    }
}

/// The options of one erase.
pub struct Erase<'a> {
    pub subject: &'a Subject,
    pub keyed: Option<Keyed<'a>>,
    pub redact: bool,
    pub dry_run: bool,
    pub level: u32,
}

/// A needle and whether it is a word of letters (a user, an email) or an
/// address (its neighbours must not continue it).
struct Needle {
    text: Vec<u8>,
    address: bool,
    /// an IPv6 address (a `:` after it goes on with it; after IPv4 it
    /// starts a port)
    v6: bool,
}

impl Erase<'_> {
    /// The texts to look for in a line of `day` (Unix days; the keyed
    /// pseudonyms depend on it).
    fn needles(&self, day: Option<i64>) -> Vec<Needle> {
        let mut n = Vec::new();
        for a in &self.subject.addresses {
            n.push(Needle {
                text: a.to_string().into_bytes(),
                address: true,
                v6: a.is_ipv6(),
            });
            if let (Some(k), Some(day)) = (&self.keyed, day) {
                let keys = k.ring.for_day(day);
                let p = match a {
                    IpAddr::V4(v) => IpAddr::from(keys.v4(k.mode, u32::from(*v)).to_be_bytes()),
                    IpAddr::V6(v) => IpAddr::from(keys.v6(k.mode, u128::from(*v)).to_be_bytes()),
                };
                n.push(Needle {
                    text: p.to_string().into_bytes(),
                    address: true,
                    v6: p.is_ipv6(),
                });
            }
        }
        for e in &self.subject.emails {
            let e = e.to_ascii_lowercase();
            n.push(Needle {
                text: e.replace('@', "%40").into_bytes(),
                address: false,
                v6: false,
            });
            n.push(Needle {
                text: e.into_bytes(),
                address: false,
                v6: false,
            });
        }
        for u in &self.subject.users {
            n.push(Needle {
                text: u.to_ascii_lowercase().into_bytes(),
                address: false,
                v6: false,
            });
        }
        n
    }

    /// Where the subject stands in `line` (lowercased in `low`).
    fn hits(&self, line: &[u8], low: &[u8], day: Option<i64>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for n in self.needles(day) {
            let text = if n.address { line } else { low };
            for s in memchr::memmem::find_iter(text, &n.text) {
                let e = s + n.text.len();
                if !continues(text, s, false, &n) && !continues(text, e, true, &n) {
                    out.push((s, e));
                }
            }
        }
        // overlapping matches (a user name that begins an email) as one
        out.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
        for (s, e) in out {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// The day of a line's own time, for the keyed pseudonyms.
    fn day_of(&self, line: &[u8], ctx: &mut Ctx, deny: &DenyList) -> Option<i64> {
        self.keyed.as_ref()?;
        let rec = recognise(&Format::Auto, line, deny, ctx);
        record(&Format::Auto, &rec, line, ctx)?
            .unix_time
            .map(|t| t.div_euclid(86400))
    }

    /// Erases the subject from one file; the error is the message.
    pub fn file(&self, path: &Path) -> Result<Erased, String> {
        self.file_in(path).map_err(|f| f.msg)
    }

    fn file_in(&self, path: &Path) -> Result<Erased, Failure> {
        let p = show(path);
        let meta = fs::symlink_metadata(path).map_err(|e| fail(format!("{p}: {e}")))?;
        if !meta.file_type().is_file() {
            return Err(fail(format!("{p}: not a regular file; left alone")));
        }
        let f = open_regular(path, None).map_err(|e| fail(format!("{p}: {e}")))?;
        let mut input = Input::from_reader(Source::File(path.to_path_buf()), Box::new(f))?;
        let codec = input.codec;
        let deny = DenyList::default();
        let mut ctx = Ctx::default();
        let mut done = Erased {
            file: p.to_string(),
            ..Erased::default()
        };
        let (mut out, mut pending, mut buf) = (Vec::new(), Vec::new(), vec![0u8; READ_BUF]);
        let mut take = |line: &[u8], out: &mut Vec<u8>, done: &mut Erased| {
            done.lines += 1;
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let low = body.to_ascii_lowercase();
            let day = self.day_of(body, &mut ctx, &deny);
            let hits = self.hits(body, &low, day);
            if hits.is_empty() {
                out.extend_from_slice(line);
                return;
            }
            done.matched += 1;
            if self.redact {
                let mut at = 0;
                for (s, e) in hits {
                    if s < at {
                        continue;
                    }
                    out.extend_from_slice(&body[at..s]);
                    out.extend_from_slice(b"REDACTED");
                    at = e;
                }
                out.extend_from_slice(&line[at..]);
            }
        };
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
            let mut start = 0;
            while let Some(k) = memchr::memchr(b'\n', &pending[start..]) {
                let end = start + k + 1;
                take(&pending[start..end], &mut out, &mut done);
                start = end;
            }
            pending.drain(..start);
        }
        if !pending.is_empty() {
            take(&pending, &mut out, &mut done);
        }
        if done.matched == 0 || self.dry_run {
            return Ok(done);
        }
        let bytes = match codec {
            Some(c) => compressed(c, &out, self.level).map_err(|e| fail(format!("{p}: {e}")))?,
            None => out,
        };
        let dir = crate::io::atomic::parent_of(path);
        let mut tmp = temp_in(&dir, &dir)?;
        tmp.as_file_mut()
            .write_all(&bytes)
            .map_err(|e| fail(format!("{p}: cannot write the new file: {e}")))?;
        finish_like(tmp.as_file(), &meta).map_err(|e| fail(format!("{p}: {e}")))?;
        let now = fs::symlink_metadata(path).map_err(|e| fail(format!("{p}: {e}")))?;
        if !crate::commands::in_place::unchanged(&meta, &now) {
            return Err(fail(format!(
                "{p}: changed while it was read (an active log?); left as it was, try again later"
            )));
        }
        tmp.persist(path)
            .map_err(|e| fail(format!("{p}: cannot rename the new file into place: {}", e.error)))?;
        crate::io::atomic::sync_dir(&dir);
        done.rewritten = true;
        Ok(done)
    }
}

/// `plain` compressed as `codec`, in members of at most 4 MiB.
fn compressed(codec: Codec, plain: &[u8], level: u32) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if plain.is_empty() {
        return codec.compress(plain, level, out);
    }
    for part in plain.chunks(4 << 20) {
        out = codec.compress(part, level, out)?;
    }
    Ok(out)
}

/// The receipt of an erase: when, what was looked for (counts, never the
/// values), and each file's figures.
pub fn receipt(subject: &Subject, files: &[Erased], now: i64, dry_run: bool) -> String {
    let j = serde_json::json!({
        "action": "erase",
        "dry_run": dry_run,
        "time": now,
        "subject": {
            "addresses": subject.addresses.len(),
            "emails": subject.emails.len(),
            "users": subject.users.len(),
        },
        "files": files,
        "lines_matched": files.iter().map(|f| f.matched).sum::<u64>(),
    });
    format!("{j}\n")
}

/// The paths of `files` that are not regular files, for the message.
pub fn missing(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter(|p| !fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
        .map(|p| show(p).to_string())
        .collect()
}
