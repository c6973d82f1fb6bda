//! Texts of many lines: `anonymize_text` (a file's contents, or a part
//! of it) and `anonymize_stream` (a reader to a writer), read by the core's
//! line reader as the binary reads its input, with no Python object per
//! line; and what every call borrows: a context of the pool and an output
//! buffer kept from the call before.

use std::sync::Arc;

use loganon::engine::{KPass, UnparsedLine, REDACTED};
use loganon::formats::wrap::open_partial_records;
use loganon::formats::{Ctx, StreamState};
use loganon::kanon::Plan as KPlan;
use loganon::lines::{AtCut, LineReader, Step, LONG_LINE};
use loganon::Stats;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use super::values::{gather, give, Held};
use super::Inner;

/// The size of the pieces a text is fed to the line reader in (the
/// binary's read size).
const READ: usize = 1 << 20;

/// The largest output buffer kept for the next call.
const SPARE_MAX: usize = 64 << 20;

impl Inner {
    /// An empty output buffer with room for `size` bytes (a fresh one per
    /// call cost a page fault per 4 KiB of output: about 5% of a call).
    pub(crate) fn buffer(&self, size: usize) -> Vec<u8> {
        let mut b = self.spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
        b.clear();
        b.reserve(size);
        b
    }

    /// An output buffer for the next call (at most 8 kept, of 64 MiB at most).
    pub(crate) fn give_back(&self, b: Vec<u8>) {
        if b.capacity() <= SPARE_MAX {
            if let Ok(mut s) = self.spare.lock() {
                if s.len() < 8 {
                    s.push(b);
                }
            }
        }
    }

    /// A context of the pool (the last given back) and its generation.
    fn take_ctx(&self) -> Result<(u64, (Ctx, Stats)), String> {
        let mut pool = self.ctxs.lock().map_err(|_| "poisoned".to_string())?;
        let c = pool
            .1
            .pop()
            .unwrap_or_else(|| (self.core.opts.start(StreamState::default()), Stats::default()));
        Ok((pool.0, c))
    }

    /// A context back to the pool, unless `reset()` came in between.
    fn put_ctx(&self, generation: u64, taken: (Ctx, Stats)) -> Result<(), String> {
        let mut pool = self.ctxs.lock().map_err(|_| "poisoned".to_string())?;
        if pool.0 == generation {
            pool.1.push(taken);
        }
        Ok(())
    }

    /// `work` in a context of the pool (taken, then given back).
    pub(crate) fn in_context<T>(&self, work: impl FnOnce(&mut (Ctx, Stats)) -> Result<T, String>) -> Result<T, String> {
        let (generation, mut taken) = self.take_ctx()?;
        let result = work(&mut taken);
        self.put_ctx(generation, taken)?;
        result
    }
}

/// The message of a line `on_unparsed="fail"` stopped at (never the line).
fn unparsed(UnparsedLine(no): UnparsedLine) -> String {
    format!("line {no} of the input: no format recognises this line (on_unparsed=\"fail\"); the line is not shown")
}

/// An input read as the binary reads one: its lines (the core's reader)
/// and the partial container-runtime records held back at the end of the
/// lines read so far, so that the records of one line are joined whatever
/// the reads (as `src/io/chunks.rs` holds them).
struct Reading {
    lines: LineReader,
    held: Vec<u8>,
    /// the count of lines read when the input began (the error names the
    /// line from 1)
    read0: u64,
}

impl Reading {
    fn new(stats: &Stats) -> Reading {
        Reading {
            lines: LineReader::new(AtCut::Replace(REDACTED)),
            held: Vec::new(),
            read0: stats.lines_read,
        }
    }
}

/// Whole lines through the engine.
#[allow(clippy::too_many_arguments)]
fn lines_through(
    inner: &Inner,
    chunk: &[u8],
    read0: u64,
    day: i64,
    plan: Option<&KPlan>,
    ctx: &mut Ctx,
    stats: &mut Stats,
    out: &mut Vec<u8>,
) -> Result<(), UnparsedLine> {
    let k = KPass { plan, counts: None };
    let first = stats.lines_read - read0 + 1;
    inner.core.chunk_k(chunk, first, day, ctx, out, stats, k)
}

/// One read (`None`: the end of the input) through `r` into `out`.
#[allow(clippy::too_many_arguments)]
fn feed(
    inner: &Inner,
    r: &mut Reading,
    data: Option<&[u8]>,
    day: i64,
    plan: Option<&KPlan>,
    ctx: &mut Ctx,
    stats: &mut Stats,
    out: &mut Vec<u8>,
) -> Result<(), UnparsedLine> {
    let mut failed = None;
    let carried = r.lines.pending() > 0;
    let (read0, held) = (r.read0, &mut r.held);
    let mut sink = |step: Step<'_>| -> bool {
        let done = match step {
            Step::Lines(batch) => {
                let mut joined;
                let chunk = if held.is_empty() {
                    batch.joined()
                } else {
                    joined = std::mem::take(held);
                    joined.extend_from_slice(batch.joined());
                    &joined[..]
                };
                let open = open_partial_records(chunk);
                let (now, later) = if open < chunk.len() && chunk.len() - open <= LONG_LINE {
                    chunk.split_at(open)
                } else {
                    (chunk, &[][..])
                };
                let done = lines_through(inner, now, read0, day, plan, ctx, stats, out);
                held.extend_from_slice(later);
                done
            }
            Step::Piece(p) => {
                let held = std::mem::take(held);
                let done = lines_through(inner, &held, read0, day, plan, ctx, stats, out);
                // (counted as the binary counts a long line: read, written,
                // unparsed, once)
                if p.first {
                    stats.lines_read += 1;
                    stats.lines_written += 1;
                    stats.unparsed += 1;
                    inner.core.first_fragment(p.bytes, day, plan, out, stats);
                } else {
                    inner.core.fragment(p.bytes, day, plan, out, stats);
                }
                done
            }
        };
        done.map_err(|e| failed = Some(e)).is_ok()
    };
    let Some(mut rest) = data else {
        if r.lines.finish(&mut sink) {
            let held = std::mem::take(&mut r.held);
            if let Err(e) = lines_through(inner, &held, read0, day, plan, ctx, stats, out) {
                failed = Some(e);
            }
        }
        return failed.map_or(Ok(()), Err);
    };
    // fed in pieces of about the binary's read size, each cut after a `\n`
    // where one is near: the reader hands such a piece on whole, without
    // copying it (a piece over LONG_LINE would go line by line, and one
    // that ends inside a line is joined to the next); after a carried
    // start, the first piece ends at the first `\n`, so that only the
    // carried line is joined
    let mut first = carried;
    while !rest.is_empty() {
        let mut end = rest.len().min(READ);
        if first {
            end = rest[..end].iter().position(|&b| b == b'\n').map_or(end, |p| p + 1);
            first = false;
        } else if end < rest.len() {
            end = rest[..end].iter().rposition(|&b| b == b'\n').map_or(end, |p| p + 1);
        }
        if !r.lines.feed(&rest[..end], &mut sink) {
            break;
        }
        rest = &rest[end..];
    }
    failed.map_or(Ok(()), Err)
}

/// Lines as the binary reads them, through the core's line reader (a value
/// longer than the binary holds whole as one line too), so that a line over
/// [`loganon::lines::LONG_LINE`] goes in the same pieces, with the same
/// tokens cut and replaced, and comes out the same bytes.
pub(crate) fn through_reader(
    inner: &Inner,
    v: &[u8],
    day: i64,
    plan: Option<&KPlan>,
    ctx: &mut Ctx,
    stats: &mut Stats,
    out: &mut Vec<u8>,
) -> Result<(), UnparsedLine> {
    let mut r = Reading::new(stats);
    feed(inner, &mut r, Some(v), day, plan, ctx, stats, out)?;
    feed(inner, &mut r, None, day, plan, ctx, stats, out)
}

/// `Anonymizer.anonymize_text`.
pub(crate) fn anonymize_text<'py>(
    inner: &Inner,
    py: Python<'py>,
    text: Bound<'py, PyAny>,
    plan: Option<Arc<KPlan>>,
) -> PyResult<Bound<'py, PyAny>> {
    let held = gather(vec![text])?;
    let Some(v) = held[0].bytes() else {
        return Ok(py.None().into_bound(py));
    };
    let out = py
        .detach(|| {
            let mut out = inner.buffer(v.len() + v.len() / 16 + 64);
            let day = inner.day();
            inner
                .in_context(|(ctx, stats)| {
                    through_reader(inner, v, day, plan.as_deref(), ctx, stats, &mut out).map_err(unparsed)
                })
                .map(|()| out)
        })
        .map_err(PyValueError::new_err)?;
    let r = give(py, &held[0], &out);
    inner.give_back(out);
    r
}

/// `Anonymizer.anonymize_stream`: the binary's loop (read, lines, write)
/// with Python's reader and writer; the work on each read runs without
/// the GIL. The input is one of its own, as each file is to the binary: it
/// starts with no W3C columns in force, and the context's state from calls
/// before is given back as it was.
pub(crate) fn anonymize_stream(
    inner: &Inner,
    py: Python<'_>,
    reader: &Bound<'_, PyAny>,
    writer: &Bound<'_, PyAny>,
    chunk_size: usize,
    plan: Option<Arc<KPlan>>,
) -> PyResult<u64> {
    if chunk_size == 0 {
        return Err(PyValueError::new_err("chunk_size=0: give a size of at least 1 byte"));
    }
    let (generation, mut taken) = inner.take_ctx().map_err(PyValueError::new_err)?;
    let before = taken.0.stream.clone();
    inner.core.opts.restart(&mut taken.0, StreamState::default());
    let mut stream = || -> PyResult<u64> {
        let day = inner.day();
        let mut r = Reading::new(&taken.1);
        let mut out = inner.buffer(chunk_size.min(SPARE_MAX) + 64);
        let mut written = 0;
        loop {
            let data = read(reader, chunk_size)?;
            let bytes = data.bytes().unwrap_or_default();
            let end = bytes.is_empty();
            out.clear();
            py.detach(|| {
                let (ctx, stats) = &mut taken;
                feed(
                    inner,
                    &mut r,
                    (!end).then_some(bytes),
                    day,
                    plan.as_deref(),
                    ctx,
                    stats,
                    &mut out,
                )
            })
            .map_err(|e| PyValueError::new_err(unparsed(e)))?;
            write_all(py, writer, &out)?;
            written += out.len() as u64;
            if end {
                break;
            }
        }
        inner.give_back(out);
        Ok(written)
    };
    let result = stream();
    taken.0.stream = before;
    inner.put_ctx(generation, taken).map_err(PyValueError::new_err)?;
    result
}

/// `reader.read(n)`: `bytes` (or another bytes-like value, copied); `str`
/// and the rest are a `TypeError`.
fn read<'py>(reader: &Bound<'py, PyAny>, n: usize) -> PyResult<Held<'py>> {
    let data = reader.call_method1("read", (n,))?;
    if data.is_instance_of::<PyString>() || data.is_none() {
        return Err(PyTypeError::new_err(format!(
            "reader.read() gave a {}, not bytes: open the input in binary mode (\"rb\")",
            data.get_type().name()?
        )));
    }
    let mut held = gather(vec![data]).map_err(|_| PyTypeError::new_err("reader.read() gave no bytes-like value"))?;
    Ok(held.remove(0))
}

/// All of `bytes` to `writer`, however little each `write` takes (an
/// unbuffered file or a socket may take part and say how much).
fn write_all(py: Python<'_>, writer: &Bound<'_, PyAny>, bytes: &[u8]) -> PyResult<()> {
    let mut at = 0;
    while at < bytes.len() {
        let took = writer.call_method1("write", (PyBytes::new(py, &bytes[at..]),))?;
        // a writer that says nothing (None) took it all
        let n = if took.is_none() {
            bytes.len() - at
        } else {
            took.extract::<usize>()?
        };
        if n == 0 {
            return Err(PyValueError::new_err(
                "writer.write() took 0 bytes: the output would be lost (a non-blocking writer?)",
            ));
        }
        at += n.min(bytes.len() - at);
    }
    Ok(())
}
