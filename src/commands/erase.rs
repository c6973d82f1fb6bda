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
                    // the day's key is deleted: its pseudonyms are out of reach
                    gone.insert(d);
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
        let f = open_regular(path, None).map_err(|e| fail(format!("{p}: {e}")))?;
        let mut input = Input::from_reader(Source::File(path.to_path_buf()), Box::new(f))?;
        let codec = input.codec;
        let deny = DenyList::default();
        let mut ctx = Ctx::default();
        let mut done = Erased {
            file: p.to_string(),
            ..Erased::default()
        };
        // the days an undated line's pseudonyms are looked for under: the
        // file's modification day and the one before, and every day of its
        // dated lines read so far (`rotate_key = never`: one key for all)
        let mtime_day = std::os::unix::fs::MetadataExt::mtime(&meta).div_euclid(86400);
        let mut days: BTreeSet<i64> = [mtime_day - 1, mtime_day].into();
        let mut cache: std::collections::HashMap<Option<i64>, (Targets, Vec<Word>)> = Default::default();
        let mut gone = BTreeSet::new();
        let (mut out, mut pending, mut buf) = (Vec::new(), Vec::new(), vec![0u8; READ_BUF]);
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
        done.keys_deleted = gone.iter().map(|d| crate::time::date_string(d * 86400)).collect();
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
