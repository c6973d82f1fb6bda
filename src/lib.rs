//! loganon: anonymize web access logs and enforce their retention.
//!
//! Four layers, each importing only from itself and the layers below it
//! (`tests/layers.rs` checks this):
//!
//! 1. the core, pure: [`engine::Engine`] turns bytes into bytes with no I/O.
//!    [`formats`] recognise lines, [`scan`] finds personal data (through
//!    [`decode`] where a field holds escapes) under the [`rules`] and
//!    [`addr`] policies, [`keyed`] hashes and encrypts, [`check`] reports
//!    what is left with its own, independent detectors, [`summary`] counts
//!    daily totals, [`kanon`] counts the clients of each network and day
//!    and plans `--min-k`'s widths, with [`stats`] and [`time`];
//! 2. [`io`]: inputs and outputs, compression, the chunk pipeline, signals,
//!    atomic writes and locks, directory handles, names;
//! 3. [`commands`]: `anonymize` (stream and batch), `check`, `purge`, `run`,
//!    `listen`, each taking options and returning results;
//! 4. [`cli`]: the flags, turned into options; results printed; exit codes.

// `eprintln!` and `eprint!` that never panic: std's panic when stderr is a
// broken pipe, and a panic while panicking (the hook prints too) aborts. A
// message that cannot be shown is dropped; the exit code still tells.
// Textual scope: these shadow std's macros in every module declared below.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}

macro_rules! eprint {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::write!(::std::io::stderr(), $($arg)*);
    }};
}

pub mod addr;
pub mod check;
pub mod clean;
pub mod decode;
pub mod engine;
pub mod formats;
pub mod kanon;
pub mod keyed;
pub mod rules;
pub mod scan;
pub mod stats;
pub mod summary;
pub mod time;

pub mod io;

pub mod commands;

pub mod cli;

pub use engine::{Engine, OnUnparsed, Options};
pub use rules::Rules;
pub use stats::Stats;
