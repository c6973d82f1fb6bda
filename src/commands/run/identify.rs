//! Files `run` anonymized, known again under another name: after logrotate
//! renamed them (same inode, same bytes at both ends) or compressed them
//! (same decompressed content). Their records move to the new path.

use std::path::Path;

use crate::commands::run::config::LogSet;
use crate::commands::run::cron::Runner;
use crate::commands::run::state::{ends_of, state_key, FileId, Print};
use crate::commands::run::totals::read_file;
use crate::engine::Engine;
use crate::io::handles::Found;

impl Runner<'_> {
    /// Recognises files anonymized under another name: a file whose path has
    /// no record of it is compared with the records whose file is no longer
    /// where they say (their path is gone or holds another file). Same
    /// inode, size and mtime, and the same bytes at both ends ([`ends_of`]):
    /// renamed. Else the same decompressed content (one read of the file,
    /// skipped for a plain file when no such record has its length):
    /// compressed or copied. Their records move to the new path.
    pub(super) fn identify(&mut self, set: &LogSet, engine: &Engine, files: &[Found]) {
        let mut unmatched: Vec<(String, FileId, &Path)> = Vec::new();
        for f in files {
            let key = state_key(&f.path);
            let Some(id) = self.present.get(&key) else { continue };
            if self.state.anonymized.get(&key) != Some(id) {
                unmatched.push((key, id.clone(), f.path.as_path()));
            }
        }
        if unmatched.is_empty() {
            return;
        }
        let mut cands: Vec<String> = self
            .state
            .prints
            .iter()
            .filter(|(k, p)| {
                (p.set.is_empty() || p.set == set.name)
                    && self
                        .state
                        .anonymized
                        .get(*k)
                        .is_some_and(|done| self.present.get(*k) != Some(done))
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut moves: Vec<(String, String, FileId, Print)> = Vec::new();
        let mut left = Vec::new();
        // renamed: the same inode with the same bytes
        for (key, id, path) in unmatched {
            let same = cands.iter().position(|k| {
                self.state
                    .anonymized
                    .get(k)
                    .is_some_and(|d| (d.dev, d.ino, d.size, d.mtime_ns) == (id.dev, id.ino, id.size, id.mtime_ns))
            });
            if let Some(i) = same {
                let known = self.state.prints.get(&cands[i]).cloned();
                if let Some(p) = known.filter(|p| ends_of(path).is_ok_and(|e| e == p.ends)) {
                    moves.push((cands.remove(i), key, id, p));
                    continue;
                }
            }
            left.push((key, id, path));
        }
        // compressed or copied: the same content
        for (key, id, path) in left {
            if cands.is_empty() {
                break;
            }
            let mut head = [0u8; 4096];
            let n = crate::io::input::open_regular(path, Some((id.dev, id.ino)))
                .and_then(|f| std::os::unix::fs::FileExt::read_at(&f, &mut head, 0))
                .unwrap_or(0);
            let plain = crate::io::codec::Codec::sniff(&head[..n]) == crate::io::codec::Sniff::Plain;
            let print = |k: &String| self.state.prints.get(k);
            if plain && !cands.iter().any(|k| print(k).is_some_and(|p| p.len == id.size)) {
                continue;
            }
            let Ok(r) = read_file(engine, path, false, Some((id.dev, id.ino)), Some(&self.sig.stop)) else {
                continue; // what is wrong with it is said when it is worked on
            };
            let Some(i) = cands
                .iter()
                .position(|k| print(k).is_some_and(|p| p.content == r.content))
            else {
                continue;
            };
            let (Ok(ends), Some(p)) = (ends_of(path), print(&cands[i]).cloned()) else {
                continue;
            };
            moves.push((cands.remove(i), key, id, Print { ends, ..p }));
        }
        if moves.is_empty() {
            return;
        }
        for (old, ..) in &moves {
            self.state.anonymized.remove(old);
            self.state.prints.remove(old);
        }
        for (_, key, id, p) in moves {
            self.state.anonymized.insert(key.clone(), id);
            self.state.prints.insert(key, p);
        }
        self.save();
    }
}
