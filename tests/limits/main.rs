//! Issue 12, items 5 and 7: streams on a full disk, FIFOs and devices as
//! inputs, stop signals while an input blocks, and bounded memory (a line of
//! 200 MB: `streams.rs`; `listen` with a connection cap, an idle timeout and
//! 1,000 connections each holding an unfinished 1 MiB frame: `listen.rs`).
//!
//! Nothing waits for a fixed time: every wait polls for its condition (a
//! file holds N lines, a process has its handlers and sleeps in `poll`, a
//! counter reached N) until a deadline. Tests that mount a tmpfs need root;
//! they say so and pass when they cannot.
//!
//! A test binary of its own, not a module of `tests/integration/`: the peak
//! RSS of a child comes from `wait4`, and Linux counts in it the high-water
//! mark of the process that spawned it (exec records the image it replaces).
//! In the one binary of all the other tests, whose own peak reaches 200 MiB,
//! every child would be measured at that much.

#[path = "../common/mod.rs"]
mod common;
mod listen;
mod streams;

pub(crate) const MIB: i64 = 1024 * 1024;

/// A CLF line whose user field is personal.
pub(crate) fn clf_line(i: usize) -> String {
    format!(
        "10.1.{}.{} - alice{i} [01/Jan/2026:00:00:00 +0000] \"GET /page/{i}?id={i} HTTP/1.1\" 200 {i}\n",
        i / 250 % 250,
        i % 250 + 1
    )
}
