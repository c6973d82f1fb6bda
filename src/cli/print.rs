//! What the command line prints: the panic hook, stdout for reports, the
//! `--stats` summaries, and the errors of a stream and a batch.

use std::io::Write;

use super::Exit;
use crate::commands::batch::BatchOutcome;
use crate::commands::stream::StreamError;
use crate::formats::Format;
use crate::io::names::show;
use crate::kanon::Report;
use crate::stats::Stats;

/// Panics must not print data: the hook names the place only. It never
/// panics itself (a broken stderr would turn that into an abort).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "loganon: internal error at {at}; please report it (no log data is shown)"
        );
    }));
}

/// stdout for the reports of `purge`, `check` and `run`: a reader that went
/// away (`| head`) stops the output, not the work, and is no error; any other
/// write error (a full disk) is kept for [`Stdout::finish`].
pub struct Stdout {
    closed: bool,
    failed: Option<std::io::Error>,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout {
            closed: false,
            failed: None,
        }
    }

    /// `code`, or at least `on_error` when a write failed (reported here).
    pub fn finish(mut self, code: Exit, on_error: Exit) -> Exit {
        if self.failed.is_none() {
            if let Err(e) = std::io::stdout().flush() {
                self.note(e);
            }
        }
        match self.failed {
            Some(e) => {
                eprintln!("loganon: cannot write to stdout: {e}");
                code.max(on_error)
            }
            None => code,
        }
    }

    fn note(&mut self, e: std::io::Error) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            self.closed = true;
        } else if self.failed.is_none() {
            self.failed = Some(e);
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.closed && self.failed.is_none() {
            if let Err(e) = std::io::stdout().write_all(buf) {
                self.note(e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `--stats`: the counters on stderr, as text or JSON.
pub fn stats(fmt: Option<&str>, stats: &Stats, k: Option<&Report>, secs: f64) {
    let text = match fmt {
        Some("json") => {
            let mut j = stats.to_json(secs);
            if let Some(k) = k {
                j["k_anonymity"] = k.to_json();
            }
            format!("{j}\n")
        }
        Some(_) => {
            let mut t = stats.to_text(secs);
            if let Some(k) = k {
                t.push_str(&k.to_text());
            }
            t
        }
        None => return,
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// A stream's errors on stderr; the exit code they make.
pub fn stream_errors(errors: &[StreamError], format: &Format) -> Exit {
    let mut code = Exit::Ok;
    for e in errors {
        code = code.max(Exit::Failed);
        match e {
            StreamError::Input(e) => eprintln!("loganon: {e}"),
            StreamError::Unparsed { name, line } => eprintln!(
                "loganon: {name}: line {line} matches no format (--format {format}) and --on-unparsed is fail; \
                 lines before it were written"
            ),
            StreamError::Output { name, err } => eprintln!("loganon: cannot write {name}: {err}"),
            StreamError::Threads(e) => {
                eprintln!("loganon: {e}");
                code = Exit::Usage;
            }
        }
    }
    code
}

/// A batch's errors, and with `--stats` its summary, on stderr; the exit
/// code they make.
/// Lines dropped by `--max-age` (without `--stats`, which counts them):
/// said on stderr, never silent.
pub fn expired(n: u64) {
    if n > 0 {
        let s = if n == 1 { "" } else { "s" };
        eprintln!("loganon: {n} line{s} older than --max-age dropped");
    }
}

pub fn batch(res: &BatchOutcome, fmt: Option<&str>, secs: f64) -> Exit {
    let mut code = Exit::Ok;
    let mut total = Stats::default();
    for f in &res.files {
        total.add(&f.stats);
        if let Some(e) = &f.error {
            eprintln!("loganon: {e}");
            code = Exit::Failed;
        }
    }
    if res.interrupted {
        eprintln!("loganon: interrupted; only complete outputs were kept");
        code = Exit::Failed;
    }
    let done = res.files.iter().filter(|f| f.error.is_none()).count();
    match fmt {
        Some("json") => {
            let files: Vec<_> = res
                .files
                .iter()
                .map(|f| {
                    let mut j = f.stats.to_json(f.seconds);
                    j["input"] = crate::io::names::json(&f.input).into();
                    j["output"] = f.output.as_deref().map(crate::io::names::json).into();
                    j["error"] = f.error.clone().into();
                    j
                })
                .collect();
            let mut t = total.to_json(secs);
            t["files"] = done.into();
            t["files_failed"] = (res.files.len() - done).into();
            if let Some(k) = &res.k_report {
                t["k_anonymity"] = k.to_json();
            }
            eprintln!("{}", serde_json::json!({ "files": files, "total": t }));
        }
        Some(_) => {
            for f in &res.files {
                if f.error.is_none() {
                    eprint!(
                        "{}: {}",
                        show(&f.input),
                        f.stats.to_text(f.seconds).trim_start_matches("loganon: ")
                    );
                }
            }
            eprint!(
                "total: files {done} of {}, {}",
                res.files.len(),
                total.to_text(secs).trim_start_matches("loganon: ")
            );
            if let Some(k) = &res.k_report {
                eprint!("{}", k.to_text());
            }
        }
        None => expired(total.expired),
    }
    code
}
