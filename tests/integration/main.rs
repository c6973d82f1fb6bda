//! The integration tests, one module per file, linked into one test binary
//! (`cargo test --test integration`): the library and its dependencies are
//! linked once, not once per file. Filter by module path, for example
//! `cargo test --test integration batch::` or `... cli::sighup`.
//!
//! The shared harness is `tests/common/` (the binary, child processes,
//! gzip, waiting, the shared-folder skip, the sample files).
//!
//! `tests/limits.rs` is a binary of its own: it measures the peak RSS of
//! its children, which on Linux includes the peak of the test process that
//! spawned them (see there).

#[path = "../common/mod.rs"]
mod common;

mod active_files;
mod batch;
mod cli;
mod cli_edges;
mod compression;
mod corpus;
mod embedded;
mod encodings;
mod formats;
mod fuzz_regressions;
mod hostile_fs;
mod kanon;
mod keyed;
mod params;
mod passes;
mod planted;
mod properties;
mod registry;
mod retention;
mod rotation;
mod run_safety;
mod scale;
mod servers;
mod shapes;
mod summaries;
mod timestamps;
mod wrapped;
