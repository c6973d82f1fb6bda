//! The writer thread of `listen`: runs the batches through
//! [`Engine::chunk`] and appends them to the output when the queue is
//! momentarily empty (or every [`FLUSH_AT`] bytes, or [`FLUSH_AFTER`] after
//! the first line waiting, so a flood does not hold lines back); a
//! compressed output gets one complete member per write.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::counters::Shared;
use super::framing::Batch;
use super::BATCH;
use crate::engine::{Engine, UnparsedLine};
use crate::io::clock::Clock;
use crate::io::codec::Compress;
use crate::io::output::Output;
use crate::io::pipeline::{member, Pool};
use crate::stats::Stats;

/// The writer writes at the latest when this much output is pending.
const FLUSH_AT: usize = 1024 * 1024;
/// ... or when its first pending line has waited this long (the queue is
/// never empty while streams flood it).
const FLUSH_AFTER: Duration = Duration::from_millis(50);

/// Why the writer stopped the server; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    /// A line matched no format under `--on-unparsed fail`.
    #[error(
        "line {line} since the start matches no format (--format {format}) and --on-unparsed is fail; \
         the server stopped, lines before it were written"
    )]
    Unparsed {
        /// its number since the start
        line: u64,
        /// the format asked for
        format: String,
    },
    /// The output could not be written.
    #[error("cannot write {name}: {source}")]
    Write {
        /// the output, as named in messages
        name: String,
        /// what the system said
        source: io::Error,
    },
    /// The output could not be reopened (SIGHUP).
    #[error("cannot reopen {name}: {source}")]
    Reopen {
        /// the output, as named in messages
        name: String,
        /// what the system said
        source: io::Error,
    },
}

/// What readers and the signal handler send the writer.
pub enum Msg {
    Lines(Batch),
    Reopen,
}

/// The writer thread's state (no tokio in the anonymizing path).
pub struct Writer {
    engine: Engine,
    /// read per batch: the day of its lines without a readable time (keyed
    /// modes), as the stream reads it per chunk
    clock: Clock,
    out: Output,
    compress: Option<Compress>,
    pending: Vec<u8>,
    /// when `pending` got its first line
    pending_since: Option<Instant>,
    /// the counters of what is written
    stats: Stats,
    /// the counters of `pending`, added to `stats` once it is written
    pending_stats: Stats,
    pool: Pool,
    shared: Arc<Shared>,
    format: String,
}

impl Writer {
    /// A writer of `out`; `format` names the format in the error of
    /// `--on-unparsed fail`; `clock` gives the day of undated lines.
    pub fn new(engine: Engine, clock: Clock, out: Output, shared: Arc<Shared>, format: String) -> Writer {
        Writer {
            engine,
            clock,
            compress: out.compression(),
            out,
            pending: Vec::with_capacity(FLUSH_AT + BATCH),
            pending_since: None,
            stats: Stats::default(),
            pending_stats: Stats::default(),
            pool: Pool::default(),
            shared,
            format,
        }
    }

    /// Writes the pending output, and publishes the counters.
    fn flush(&mut self) -> io::Result<()> {
        let r = self.write_pending();
        self.publish();
        r
    }

    fn write_pending(&mut self) -> io::Result<()> {
        self.pending_since = None;
        let counted = std::mem::take(&mut self.pending_stats);
        if self.pending.is_empty() {
            self.stats.add(&counted);
            return Ok(());
        }
        let r = match self.compress {
            Some(c) => {
                let z = member(&self.pending, c, &self.pool);
                let r = self.out.write_all(&z);
                self.pool.put(z);
                r
            }
            None => self.out.write_all(&self.pending),
        };
        self.pending.clear();
        // a failed write wrote nothing (the file is cut back to its last
        // complete line): its lines are not counted as written
        if r.is_ok() {
            self.stats.add(&counted);
        }
        r
    }

    pub fn publish(&self) {
        if let Ok(mut s) = self.shared.stats.lock() {
            s.clone_from(&self.stats);
        }
    }

    fn handle(&mut self, msg: Msg) -> Result<(), WriterError> {
        match msg {
            Msg::Lines(batch) => {
                let first = self.stats.lines_read + self.pending_stats.lines_read + 1;
                // the day of lines without a readable time follows the clock
                let day = self.clock.day();
                let r = self
                    .engine
                    .chunk(&batch.data, first, day, &mut self.pending, &mut self.pending_stats);
                if let Err(UnparsedLine(n)) = r {
                    self.flush().map_err(|e| self.write_error(e))?;
                    return Err(WriterError::Unparsed {
                        line: n,
                        format: self.format.clone(),
                    });
                }
                let since = *self.pending_since.get_or_insert_with(Instant::now);
                if self.pending.len() >= FLUSH_AT || since.elapsed() >= FLUSH_AFTER {
                    self.flush().map_err(|e| self.write_error(e))?;
                }
            }
            Msg::Reopen => {
                self.flush().map_err(|e| self.write_error(e))?;
                self.out.reopen().map_err(|source| WriterError::Reopen {
                    name: self.out.name(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    fn write_error(&self, source: io::Error) -> WriterError {
        WriterError::Write {
            name: self.out.name(),
            source,
        }
    }

    /// Receives until every sender is gone; writes when the queue is empty.
    pub fn run(&mut self, rx: &mut mpsc::Receiver<Msg>) -> Result<(), WriterError> {
        while let Some(msg) = rx.blocking_recv() {
            self.handle(msg)?;
            while let Ok(msg) = rx.try_recv() {
                self.handle(msg)?;
            }
            self.flush().map_err(|e| self.write_error(e))?;
        }
        Ok(())
    }

    /// Publishes the last counters and ends the output (a compressed file
    /// gets its empty member if it received nothing).
    pub fn finish(self) -> Result<(), WriterError> {
        self.publish();
        let name = self.out.name();
        self.out.finish().map_err(|source| WriterError::Write { name, source })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::engine::testing::*;
    use crate::io::clock::stepping;

    /// Two batches of the same two lines through the writer, as `listen`
    /// receives them.
    fn listen(clock: Clock) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log");
        let out = Output::append(path.clone(), 6).unwrap();
        let mut w = Writer::new(hashing(), clock, out, Arc::new(Shared::new()), "auto".into());
        let (tx, mut rx) = mpsc::channel(4);
        for _ in 0..2 {
            let mut b = Batch::default();
            b.push(UNDATED.as_bytes());
            b.push(DATED.as_bytes());
            tx.try_send(Msg::Lines(b)).map_err(drop).unwrap();
        }
        drop(tx);
        w.run(&mut rx).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn listen_past_midnight_gives_later_undated_lines_the_new_day_as_the_stream_does() {
        // 23:59:59 at the first batch, the next day at the second
        let (clock, reads) = stepping(&[BEFORE_MIDNIGHT, AFTER_MIDNIGHT]);
        let got = listen(clock);
        assert_eq!(reads.load(Ordering::SeqCst), 2, "the clock is read once per batch");
        let e = hashing();
        let (d1, d2) = (BEFORE_MIDNIGHT.div_euclid(86400), AFTER_MIDNIGHT.div_euclid(86400));
        let dated = on_day(&e, DATED, d1);
        // the lines the stream writes for the same clock (see stream's test)
        assert_eq!(
            got,
            [on_day(&e, UNDATED, d1), dated.clone(), on_day(&e, UNDATED, d2), dated]
        );
        assert_ne!(got[0], got[2]);
        let fixed = listen(Clock::fixed(BEFORE_MIDNIGHT));
        assert_eq!(fixed[0], fixed[2]);
    }
}
