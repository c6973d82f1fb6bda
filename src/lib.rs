//! loganon: anonymize web access logs and enforce their retention.
//!
//! The engine is pure: [`engine::Engine`] turns bytes into bytes with no I/O.
//! Around it: [`formats`] recognise lines, [`scan`] finds personal data
//! (through [`decode`] where a field holds escapes), [`check`] reports what
//! is left with its own, independent detectors, [`input`] opens plain and
//! compressed inputs ([`codec`]), and [`stream`] is the stdin -> stdout
//! filter.

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
pub mod batch;
pub mod check;
pub mod cli;
pub mod codec;
pub mod config;
pub mod cron;
pub mod decode;
pub mod engine;
pub mod formats;
pub mod handles;
pub mod input;
pub mod keyed;
pub mod listen;
pub mod manual;
pub mod names;
pub mod pipeline;
pub mod retention;
pub mod rules;
pub mod scan;
pub mod stats;
pub mod stream;
pub mod summary;
pub mod tempfiles;
pub mod time;

pub use engine::{Engine, OnUnparsed, Options};
pub use rules::Rules;
pub use stats::Stats;
