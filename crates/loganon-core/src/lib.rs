//! loganon-core: web access log lines in, anonymized lines out, with no
//! I/O. It reads no file, socket or clock and starts no thread (keys come
//! in as bytes, the day of undated lines as a number; `tests/layers/` at
//! the workspace root checks this), so it builds on its own, for
//! `wasm32-unknown-unknown` too, and is what a binding (Python) or a
//! benchmark takes. The `loganon` crate at the workspace root is the
//! program on top: inputs and outputs, the commands, the command line.
//!
//! This folder (`crates/loganon-core/src/`) holds:
//!
//! - [`engine`]: the [`Engine`] and its [`Options`]: one line, or a chunk of
//!   lines, in; the anonymized bytes and the [`Stats`] out;
//! - [`formats`] (a folder): recognising a line's fields (CLF family, JSON,
//!   W3C/IIS, the cloud formats, HAProxy, Squid, Apache and nginx
//!   templates, syslog and container wrappers), so that rules apply by role;
//! - [`scan`]: the byte scanner that finds personal data in free text
//!   (through `decode`, private, where a field holds escapes), and `clean`
//!   (private), the cache of values found clean;
//! - [`rules`] and [`addr`]: what is removed (the deny list) and how
//!   addresses are cut (the policy, IPv4 and IPv6 parsing and writing);
//! - [`keyed`]: Crypto-PAn, hashed addresses and identifiers, the keys
//!   ([`keyed::MasterKey::from_bytes`]) and the key of each day;
//! - [`lines`]: what a line is (its ends, the pieces of a line too long to
//!   hold whole, what a cut scrubs), for every reader of logs;
//! - [`controls`]: whether bytes hold a control byte (a line that does is
//!   read again whole once rewritten);
//! - [`check`]: the independent leak checker (its own detectors);
//! - [`kanon`]: the distinct clients of each network and day, and the
//!   widths `--min-k` writes them at;
//! - [`stats`], [`summary`], [`time`]: counters, daily totals, durations
//!   and the times lines write.

#![warn(missing_docs)]

pub mod addr;
pub mod check;
mod clean;
pub mod controls;
mod decode;
pub mod engine;
pub mod formats;
pub mod ipcrypt;
pub mod kanon;
pub mod keyed;
pub mod lines;
pub mod rules;
pub mod scan;
pub mod stats;
pub mod summary;
pub mod time;

pub use engine::{Engine, OnUnparsed, Options};
pub use rules::Rules;
pub use stats::Stats;
