//! A meter of the bytes read from input files, for a progress display.
//!
//! The command line installs one ([`install`], only when the display is
//! wanted: on a terminal); every [`crate::io::input::Input`] of a file then
//! tells it the file's name when it is opened and counts the bytes read from
//! the file itself, under any decompression: for a compressed file the
//! compressed offset, so the count ends at the file's size. Nothing here
//! draws; without a meter nothing is counted.

use std::sync::OnceLock;

/// What is told of the inputs' reading.
pub trait Meter: Send + Sync {
    /// A file is opened (its name as printed).
    fn file(&self, name: &str);
    /// `bytes` more were read from a file.
    fn read(&self, bytes: u64);
}

static METER: OnceLock<Box<dyn Meter>> = OnceLock::new();

/// Installs the process's meter; false when one is installed already.
pub fn install(meter: Box<dyn Meter>) -> bool {
    METER.set(meter).is_ok()
}

/// The installed meter, if any.
pub fn meter() -> Option<&'static dyn Meter> {
    METER.get().map(|m| m.as_ref())
}
