//! The integration tests, one module per file, linked into one test binary
//! (`cargo test --test integration`): the library and its dependencies are
//! linked once, not once per file. Filter by module path, for example
//! `cargo test --test integration batch::` or `... cli_stream::sighup`.
//!
//! The shared harness is `tests/common/` (the binary, child processes,
//! gzip, waiting, the shared-folder skip, the sample files).
//!
//! `tests/limits/` is a binary of its own: it measures the peak RSS of
//! its children, which on Linux includes the peak of the test process that
//! spawned them (see there).

#[path = "../common/mod.rs"]
mod common;

mod active_files;
mod audit_report;
mod batch;
mod batch_faults;
mod batch_outputs;
mod cli;
mod cli_edges;
mod cli_gzip;
mod cli_long_lines;
mod cli_stats;
mod cli_stream;
mod cli_unparsed;
mod compression;
mod containers;
mod corpus;
mod cron;
mod cron_sigkill;
mod devices_places;
mod docs_examples;
mod embedded;
mod enclosed;
mod encodings;
mod erase;
mod error_logs;
mod fail_closed;
mod first_hour;
mod formats;
mod fuzz_regressions;
mod grouped_numbers;
mod hostile_fs;
mod hostile_roots;
mod ipcrypt;
mod ipcrypt_modes;
mod kanon;
mod keyed;
mod line_ends;
mod line_model;
mod listen;
mod listen_starve;
mod no_abort;
mod params;
mod passes;
mod planted;
mod planted_oracle;
mod properties;
mod property_regressions;
mod purge;
mod registry;
mod reliability;
mod retention;
mod reveal;
mod rotation;
mod rotation_examples;
mod rotation_state;
mod run_safety;
mod run_state;
mod scale;
mod servers;
mod shapes;
mod shapes_hidden;
mod strange_names;
mod summaries;
mod timestamps;
mod wrapped;
