//! The I/O layer: everything that touches files, descriptors and signals,
//! built on the core (the engine, the formats) and used by the commands.
//! Nothing here knows a command or a flag.
//!
//! - [`input`], [`codec`], [`gz_members`]: stdin and files, plain or compressed
//!   (by content), gzip members read on past a corrupt one in the stream;
//! - [`output`]: stdout or a file appended to, compressed members, torn lines
//!   cut back;
//! - [`chunks`], [`pipeline`]: inputs cut into chunks of whole lines, run in
//!   order through the engine on worker threads, with bounded memory;
//! - [`clock`]: the clock a command owns, read per chunk for the day of
//!   undated lines;
//! - [`signals`]: the one signal handler (stop, reopen, report);
//! - [`atomic`], [`tempfiles`]: whole files written atomically, folders
//!   synced, the run lock, temporary files named after their creator;
//! - [`handles`]: walking and deleting through directory handles;
//! - [`keys`]: key files read into the key ring, `keygen`;
//! - [`names`]: file names as printed;
//! - [`progress`]: the bytes read of input files, for a progress display.

pub mod atomic;
pub mod chunks;
pub mod clock;
pub mod codec;
pub mod day_keys;
pub mod gz_members;
pub mod handles;
pub mod input;
pub mod keys;
pub mod names;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod signals;
pub mod tempfiles;
