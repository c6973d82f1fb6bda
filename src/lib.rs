//! loganon: anonymize web access logs and enforce their retention.
//!
//! Four layers, each importing only from itself and the layers below it
//! (`tests/layers/` checks this):
//!
//! 1. the core, pure, in its own crate (`crates/loganon-core`, re-exported
//!    here under the same paths): [`engine::Engine`] turns bytes into
//!    bytes with no I/O. [`formats`] recognise lines, [`scan`] finds
//!    personal data under the [`rules`] and [`addr`] policies, [`keyed`]
//!    hashes and encrypts, [`check`] reports what is left with its own,
//!    independent detectors, [`summary`] counts daily totals, [`kanon`]
//!    counts the clients of each network and day and plans `--min-k`'s
//!    widths, with [`stats`] and [`time`]; [`lines`] is what a line is
//!    (its ends, the pieces of one too long to hold) for every reader;
//! 2. [`io`] (`src/io/`): inputs and outputs, compression, the chunk
//!    pipeline, signals, atomic writes and locks, directory handles, names;
//! 3. [`commands`] (`src/commands/`): `anonymize` (stream and batch),
//!    `check`, `purge`, `run`, `listen`, each taking options and returning
//!    results;
//! 4. [`cli`] (`src/cli/`): the flags, turned into options; results
//!    printed; exit codes.
//!
//! The library's surface is the core: [`Engine`] and its [`Options`], the
//! [`formats`], [`check`], the keys of [`keyed`] (from bytes:
//! [`keyed::MasterKey::from_bytes`]), [`Rules`], [`Stats`], [`summary`] and
//! [`time`]; what a binding (Python) or a benchmark needs, each item
//! documented (a binding can depend on `loganon-core` alone). [`io`],
//! [`commands`] and [`cli`] are the program's: public for the binary and
//! the integration tests only, hidden from the docs and no stable
//! interface.

#![warn(missing_docs)]

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

pub use loganon_core::{addr, check, engine, formats, ipcrypt, kanon, keyed, lines, rules, scan, stats, summary, time};

#[doc(hidden)]
pub mod io;

#[doc(hidden)]
pub mod commands;

#[doc(hidden)]
pub mod cli;

pub use loganon_core::{Engine, OnUnparsed, Options, Rules, Stats};
