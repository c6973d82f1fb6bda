//! loganon: anonymize web access logs and enforce their retention.
//!
//! The engine is pure: [`engine::Engine`] turns bytes into bytes with no I/O.
//! Around it: [`formats`] recognise lines, [`scan`] finds personal data
//! (through [`decode`] where a field holds escapes), [`check`] reports what
//! is left with its own, independent detectors, [`input`] opens plain and
//! compressed inputs ([`codec`]), and [`stream`] is the stdin -> stdout
//! filter.

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
pub mod input;
pub mod keyed;
pub mod listen;
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
