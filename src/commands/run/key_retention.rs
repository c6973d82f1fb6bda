//! Retention by key deletion: `run` deletes the day keys of `keys_dir`
//! older than `key_retention`. Once a day's key is gone, that day's
//! pseudonyms can no longer be revealed, erased by pseudonym or linked to
//! other days': the pseudonymized archives of that day are anonymous.

use std::path::Path;

use super::cron::Runner;
use crate::io::names::show;

impl Runner<'_> {
    /// Deletes (a dry run: names) the day keys of `dir` older than
    /// `retention` seconds; each is told as `deleted-key PATH day=DATE`.
    pub(super) fn expire_keys(&mut self, dir: &Path, retention: i64) {
        let expired = match crate::io::day_keys::expired(dir, retention, self.now) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => return self.error(format!("keys_dir {}: {e}", show(dir))),
        };
        let verb = if self.dry_run {
            "would-delete-key"
        } else {
            "deleted-key"
        };
        for (path, day) in expired {
            let p = show(&path);
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.error(format!("{p}: {e}"));
                    continue;
                }
            };
            if !meta.file_type().is_file() {
                // deleting a link would leave the key it points to
                self.error(format!(
                    "{p}: not a regular file (a symlink?); a day key must be a file of its own; left alone, \
                     the day's pseudonyms stay linkable"
                ));
                continue;
            }
            if !self.dry_run {
                if let Err(e) = std::fs::remove_file(&path) {
                    self.error(format!("{p}: {e}; the day's pseudonyms stay linkable"));
                    continue;
                }
                if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
                    self.warn(format!(
                        "{p}: deleted, but other hard links to it keep the key; delete them too"
                    ));
                }
            }
            self.report.keys_deleted += 1;
            let date = crate::time::date_string(day * 86400);
            self.file_act(verb, &path, &format!(" day={date}"), serde_json::json!({ "day": date }));
        }
        // no key of a day past the window is made again (a late file of
        // such a day would bring its pseudonyms back to life)
        if !self.dry_run && dir.is_dir() {
            let first = self.now.div_euclid(86400) - retention.div_euclid(86400);
            if let Err(e) = crate::io::day_keys::mark_deleted_before(dir, first) {
                self.error(format!("keys_dir {}: {e}", show(dir)));
            }
        }
        if !self.dry_run && self.report.keys_deleted > 0 {
            // the deletions reach the disk before the run says they are done
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
}
