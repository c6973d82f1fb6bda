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

use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::path::Path;

use crate::commands::anonymize_file::{fail, finish_like, temp_in, Failure};
use crate::formats::record::record;
use crate::formats::{recognise, Ctx, Format};
use crate::io::codec::Codec;
use crate::io::input::{open_regular, Input, Source, READ_BUF};
use crate::io::names::show;
use crate::keyed::{IpMode, KeyRing};
use crate::rules::DenyList;

use super::erase_match::{decoded, hits, key_of, Targets, Word};
use std::collections::{BTreeSet, HashSet};

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
    /// the file's sha256 before and after (the same when it was not rewritten)
    pub sha256_before: String,
    pub sha256_after: String,
    /// the days (`YYYY-MM-DD`) whose key is deleted (`key_retention`): the
    /// subject's pseudonyms of those days were not looked for, and cannot be
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys_deleted: Vec<String>,
}

/// The options of one erase.
pub struct Erase<'a> {
    pub subject: &'a Subject,
    pub keyed: Option<Keyed<'a>>,
    pub redact: bool,
    pub dry_run: bool,
    pub level: u32,
}

impl Erase<'_> {
    /// What to look for in a line of `day` (Unix days; None: undated):
    /// the subject's addresses and their pseudonyms of that day (of every
    /// day in `days` for an undated line), and the words (emails, users,
    /// and their keyed hashes).
    fn targets(&self, day: Option<i64>, days: &BTreeSet<i64>, gone: &mut BTreeSet<i64>) -> (Targets, Vec<Word>) {
        let mut t: HashSet<u128> = self.subject.addresses.iter().map(|a| key_of(*a)).collect();
        let mut words: Vec<Word> = self
            .subject
            .emails
            .iter()
            .flat_map(|e| {
                // as written, and with its `@` percent-encoded (a query's)
                let e = e.to_lowercase();
                [e.replace('@', "%40"), e].map(|t| Word {
                    text: t.into_bytes(),
                    email: true,
                })
            })
            .chain(self.subject.users.iter().map(|u| Word {
                text: u.to_lowercase().into_bytes(),
                email: false,
            }))
            .collect();
        if let Some(k) = &self.keyed {
            let all: Vec<i64> = match day {
                Some(d) => vec![d],
                None => days.iter().copied().collect(),
            };
            let mut opened = Vec::new();
            for d in all {
                let Some(keys) = k.ring.for_day(d) else {
                    // the day's key is deleted: its pseudonyms are out of
                    // reach (a day that never had a key has none to find)
                    if k.ring.key_gone(d) {
                        gone.insert(d);
                    }
                    continue;
                };
                if k.mode == IpMode::IpcryptDeterministic {
                    let mut text = Vec::new();
                    for a in &self.subject.addresses {
                        text.clear();
                        keys.write_text(k.mode, key_of(*a), &mut text);
                        if let Some(p) = std::str::from_utf8(&text).ok().and_then(|t| t.parse().ok()) {
                            t.insert(key_of(p));
                        }
                    }
                } else if k.mode.writes_text() {
                    opened.push(keys.clone());
                } else if k.mode.keyed() {
                    for a in &self.subject.addresses {
                        t.insert(match a {
                            IpAddr::V4(v) => 0xffff_0000_0000 | u128::from(keys.v4(k.mode, u32::from(*v))),
                            IpAddr::V6(v) => keys.v6(k.mode, u128::from(*v)),
                        });
                    }
                }
                // identifiers hashed with the key (`--identifiers hash`)
                let values = self
                    .subject
                    .emails
                    .iter()
                    .flat_map(|e| [e.clone(), e.replace('@', "%40")]);
                for v in values.chain(self.subject.users.iter().cloned()) {
                    let mut h = Vec::new();
                    keys.id(v.as_bytes(), &mut h);
                    words.push(Word { text: h, email: true });
                }
            }
            if !opened.is_empty() {
                let mode = k.mode;
                let open = move |run: &[u8]| opened.iter().filter_map(|keys| keys.reveal_text(mode, run)).collect();
                return (
                    Targets {
                        set: t,
                        open: Some(Box::new(open)),
                    },
                    words,
                );
            }
        }
        (t.into(), words)
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
        if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
            return Err(fail(format!(
                "{p}: has other hard links, which would keep the subject's lines; erase each name's file, or \
                 remove the other links first; left alone"
            )));
        }
        // two passes, so that memory does not grow with the file: the first
        // counts (a file without the subject is read once and not touched),
        // the second writes what stays into a file beside it
        let mut done = self.pass(path, &meta, None)?;
        done.sha256_before = sha256_of(path).map_err(|e| fail(format!("{p}: {e}")))?;
        done.sha256_after = done.sha256_before.clone();
        if done.matched == 0 || self.dry_run {
            return Ok(done);
        }
        let dir = crate::io::atomic::parent_of(path);
        let mut out = Kept {
            tmp: temp_in(&dir, &dir)?,
            plain: Vec::new(),
            codec: None,
            level: self.level,
            sha: Sha256::new(),
            written: false,
        };
        let again = self.pass(path, &meta, Some(&mut out))?;
        let now = fs::symlink_metadata(path).map_err(|e| fail(format!("{p}: {e}")))?;
        if (again.lines, again.matched) != (done.lines, done.matched)
            || !crate::commands::in_place::unchanged(&meta, &now)
        {
            return Err(fail(format!(
                "{p}: changed while it was read (an active log?); left as it was, try again later"
            )));
        }
        let (tmp, after) = out
            .finish()
            .map_err(|e| fail(format!("{p}: cannot write the new file: {e}")))?;
        finish_like(tmp.as_file(), &meta).map_err(|e| fail(format!("{p}: {e}")))?;
        tmp.persist(path)
            .map_err(|e| fail(format!("{p}: cannot rename the new file into place: {}", e.error)))?;
        crate::io::atomic::sync_dir(&dir);
        done.sha256_after = after;
        done.rewritten = true;
        Ok(done)
    }

    /// One reading of the file: its lines counted and matched; with `out`,
    /// what stays written there.
    fn pass(&self, path: &Path, meta: &fs::Metadata, mut out: Option<&mut Kept>) -> Result<Erased, Failure> {
        let p = show(path);
        let f = open_regular(path, None).map_err(|e| fail(format!("{p}: {e}")))?;
        let mut input = Input::from_reader(Source::File(path.to_path_buf()), Box::new(f))?;
        if let Some(o) = out.as_deref_mut() {
            o.codec = input.codec;
        }
        let deny = DenyList::default();
        let mut ctx = Ctx::default();
        let mut done = Erased {
            file: p.to_string(),
            ..Erased::default()
        };
        // the days an undated line's pseudonyms are looked for under: the
        // file's modification day and the one before, and every day of its
        // dated lines read so far (`rotate_key = never`: one key for all)
        let mtime_day = std::os::unix::fs::MetadataExt::mtime(meta).div_euclid(86400);
        let mut days: BTreeSet<i64> = [mtime_day - 1, mtime_day].into();
        let mut cache: std::collections::HashMap<Option<i64>, (Targets, Vec<Word>)> = Default::default();
        let mut gone = BTreeSet::new();
        let (mut kept, mut pending, mut buf) = (Vec::new(), Vec::new(), vec![0u8; READ_BUF]);
        let mut take = |line: &[u8], out: &mut Vec<u8>, done: &mut Erased| {
            done.lines += 1;
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let day = self.day_of(body, &mut ctx, &deny);
            if let Some(d) = day {
                if days.insert(d) {
                    cache.remove(&None);
                }
            }
            let (targets, words) = cache.entry(day).or_insert_with(|| self.targets(day, &days, &mut gone));
            let raw = hits(body, targets, words);
            let found = !raw.is_empty() || !hits(&decoded(body), targets, words).is_empty();
            if !found {
                out.extend_from_slice(line);
                return;
            }
            done.matched += 1;
            if !self.redact || raw.is_empty() {
                // (redact: a value found only decoded cannot be cut out
                // alone; the line goes)
                return;
            }
            let mut red = Vec::with_capacity(line.len());
            let mut at = 0;
            for (s, e) in raw {
                red.extend_from_slice(&body[at..s]);
                red.extend_from_slice(b"REDACTED");
                at = e;
            }
            red.extend_from_slice(&body[at..]);
            // what is left must hold none of it, decoded too; else the line goes
            if hits(&decoded(&red), targets, words).is_empty() {
                out.extend_from_slice(&red);
                out.extend_from_slice(&line[body.len()..]);
            }
        };
        let write = |out: &mut Option<&mut Kept>, kept: &mut Vec<u8>| -> Result<(), Failure> {
            if let Some(o) = out.as_deref_mut() {
                o.push(kept)
                    .map_err(|e| fail(format!("{p}: cannot write the new file: {e}")))?;
            }
            kept.clear();
            Ok(())
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
                take(&pending[start..end], &mut kept, &mut done);
                start = end;
            }
            pending.drain(..start);
            write(&mut out, &mut kept)?;
        }
        if !pending.is_empty() {
            take(&pending, &mut kept, &mut done);
        }
        write(&mut out, &mut kept)?;
        done.keys_deleted = gone.iter().map(|d| crate::time::date_string(d * 86400)).collect();
        Ok(done)
    }
}

/// What stays of a file, written beside it: compressed as the file was, in
/// members of at most 4 MiB of lines (memory stays bounded), its sha256
/// taken as it is written.
struct Kept {
    tmp: tempfile::NamedTempFile,
    plain: Vec<u8>,
    codec: Option<Codec>,
    level: u32,
    sha: Sha256,
    /// a member (or the plain bytes) was written
    written: bool,
}

impl Kept {
    fn push(&mut self, lines: &[u8]) -> std::io::Result<()> {
        self.plain.extend_from_slice(lines);
        if self.plain.len() >= 4 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let bytes = match self.codec {
            Some(c) => c.compress(&self.plain, self.level, Vec::new())?,
            None => std::mem::take(&mut self.plain),
        };
        self.plain.clear();
        self.sha.update(&bytes);
        self.tmp.as_file_mut().write_all(&bytes)?;
        self.written = true;
        Ok(())
    }

    /// The file, written and synced, and its sha256 (hex).
    fn finish(mut self) -> std::io::Result<(tempfile::NamedTempFile, String)> {
        // (a compressed file of no lines is still one empty member)
        if !self.plain.is_empty() || (!self.written && self.codec.is_some()) {
            self.flush()?;
        }
        self.tmp.as_file().sync_all()?;
        let sha = crate::io::keys::to_hex(&self.sha.finalize());
        Ok((self.tmp, sha))
    }
}

/// The sha256 of a file's bytes as they are on disk.
fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut f = open_regular(path, None)?;
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; READ_BUF];
    loop {
        match std::io::Read::read(&mut f, &mut buf) {
            Ok(0) => break,
            Ok(n) => sha.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(crate::io::keys::to_hex(&sha.finalize()))
}

/// The subject as the receipt names it: a keyed BLAKE3 fingerprint (32
/// hex digits) of its values, canonical (addresses as written by
/// `to_canonical`, emails and users lowercased, sorted): whoever holds the
/// key and the request can tell the receipt is that subject's; nobody can
/// read the values from it, nor try addresses against it without the key.
pub fn subject_fingerprint(key: &[u8], subject: &Subject) -> String {
    let mut parts: Vec<String> = subject
        .addresses
        .iter()
        .map(|a| format!("address {}", a.to_canonical()))
        .chain(subject.emails.iter().map(|e| format!("email {}", e.to_lowercase())))
        .chain(subject.users.iter().map(|u| format!("user {}", u.to_lowercase())))
        .collect();
    parts.sort();
    parts.dedup();
    let k = blake3::derive_key("loganon erase receipt subject", key);
    blake3::keyed_hash(&k, parts.join("\n").as_bytes()).to_hex()[..32].to_string()
}

/// The receipt of an erase: when, by which version, the subject by its
/// fingerprint and how many values were looked for (never the values), and
/// each file's figures and sha256 before and after, and the files that
/// failed (left as they were) with their messages.
pub fn receipt(
    subject: &Subject,
    fingerprint: &str,
    files: &[Erased],
    failed: &[(String, String)],
    now: i64,
    dry_run: bool,
) -> String {
    let j = serde_json::json!({
        "action": "erase",
        "dry_run": dry_run,
        "time": crate::commands::audit::rfc3339(now),
        "version": env!("CARGO_PKG_VERSION"),
        "subject": {
            "fingerprint": fingerprint,
            "addresses": subject.addresses.len(),
            "emails": subject.emails.len(),
            "users": subject.users.len(),
        },
        "files": files,
        // files that were not done (left as they were), with why
        "failed": failed.iter().map(|(f, m)| serde_json::json!({ "file": f, "message": m })).collect::<Vec<_>>(),
        "lines_matched": files.iter().map(|f| f.matched).sum::<u64>(),
    });
    format!("{j}\n")
}
