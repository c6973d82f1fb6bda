//! The progress bar of `anonymize` with file inputs: the bytes read of the
//! inputs (a compressed file by its compressed offset, see
//! [`crate::io::progress`]) against their total size, the files begun of
//! all (`3/20`) and the current file's name, the rate and an ETA. Drawn on stderr, only when stderr is a
//! terminal and the output is not (never in a pipe, a cron job or a test).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::io::progress::{self, Meter};

/// Whether the bar is drawn: stderr is a terminal, what is written does not
/// go to a terminal (the bar would tear its lines), and there are files
/// (stdin has no size and may never end).
pub fn wanted(stderr_tty: bool, output_tty: bool, files: usize) -> bool {
    stderr_tty && !output_tty && files > 0
}

struct Bar {
    bar: ProgressBar,
    /// files begun so far, of `files`
    begun: AtomicUsize,
    files: usize,
}

impl Meter for Bar {
    fn file(&self, name: &str) {
        let n = self.begun.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.set_message(label(n, self.files, name));
    }

    fn read(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}

/// The bar's message: the files begun of all, and the file's name.
fn label(begun: usize, files: usize, name: &str) -> String {
    format!("{}/{files} {name}", begun.min(files))
}

/// Starts the bar for `files` and installs it as the inputs' meter; the
/// bar is cleared with [`ProgressBar::finish_and_clear`] before anything
/// else is printed.
pub fn start(files: &[PathBuf]) -> Option<ProgressBar> {
    let total: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg:.bold} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let meter = Bar {
        bar: bar.clone(),
        begun: AtomicUsize::new(0),
        files: files.len(),
    };
    if !progress::install(Box::new(meter)) {
        return None;
    }
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_on_a_terminal_with_files_and_output_elsewhere() {
        assert!(wanted(true, false, 1));
        assert!(!wanted(false, false, 1), "stderr in a pipe, a file, a test");
        assert!(!wanted(true, true, 3), "the output on the terminal too");
        assert!(!wanted(true, false, 0), "stdin only");
    }

    #[test]
    fn the_message_counts_the_files() {
        assert_eq!(label(3, 20, "access.log.3.gz"), "3/20 access.log.3.gz");
        assert_eq!(label(21, 20, "x"), "20/20 x", "never past the count");
    }
}
