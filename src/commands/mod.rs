//! The commands: each takes options (never flags) and returns what it did
//! (never an exit code); the command line (`cli`, the layer above) turns
//! flags into those options and the results into messages and exit codes.
//! Commands that act on files one by one (`run`, `purge`) write a line per
//! action to the writer they are given and tell errors on stderr as they
//! happen.
//!
//! - [`stream`]: `anonymize` as a filter (stdin or files -> stdout or `-o`);
//! - [`batch`]: `anonymize` of many files (`--out-dir`, `--in-place`, `-o`);
//! - [`check`]: `check` over inputs;
//! - [`kanon`]: what `--min-k` and the k report ask of `batch`, `stream`
//!   and `run` (the first pass, the plan, the report);
//! - [`purge`]: `purge`, deleting expired files;
//! - [`run`]: `run`, the nightly job (its config, the totals of files);
//! - [`listen`]: `listen`, the syslog server.
//!
//! And what several commands share:
//! - [`retention`]: a file's age, what becomes of it, the line per
//!   deletion (`purge` and `run`);
//! - [`in_place`]: the atomic in-place rewrite of a file (`--in-place` and
//!   `run`);
//! - [`anonymize_file`]: one input file into one new file, atomically
//!   (`batch` and [`in_place`]).

pub mod anonymize_file;
pub mod audit;
pub mod batch;
pub mod check;
pub mod erase;
pub mod erase_match;
pub mod in_place;
pub mod kanon;
pub mod listen;
pub mod purge;
pub mod retention;
pub mod reveal;
pub mod run;
pub mod stream;
