//! Log formats: recognising a line's fields so that rules apply by role.

pub mod clf;

use std::fmt;

/// The `--format` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// recognise each line among all supported formats
    #[default]
    Auto,
    Common,
    Combined,
    VhostCombined,
}

/// What a line was recognised as; indexes the per-format counters in stats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    Common = 0,
    Combined = 1,
    VhostCombined = 2,
}

impl Parsed {
    pub const ALL: [Parsed; 3] = [Parsed::Common, Parsed::Combined, Parsed::VhostCombined];

    pub fn name(self) -> &'static str {
        match self {
            Parsed::Common => "common",
            Parsed::Combined => "combined",
            Parsed::VhostCombined => "vhost_combined",
        }
    }
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["auto", "common", "combined", "vhost_combined"];

    /// Parses a `--format` value; the error lists the accepted values.
    pub fn from_name(s: &str) -> Result<Format, String> {
        Ok(match s {
            "auto" => Format::Auto,
            "common" => Format::Common,
            "combined" => Format::Combined,
            "vhost_combined" => Format::VhostCombined,
            _ => return Err(format!("unknown format '{s}'; accepted: {}", Format::NAMES.join(", "))),
        })
    }

    /// Whether a line recognised as `p` satisfies this choice.
    pub fn accepts(self, p: Parsed) -> bool {
        match self {
            Format::Auto => true,
            Format::Common => p == Parsed::Common,
            Format::Combined => p == Parsed::Combined,
            Format::VhostCombined => p == Parsed::VhostCombined,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = *self as usize;
        f.write_str(Format::NAMES[i])
    }
}
