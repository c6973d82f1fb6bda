//! File names as printed: escaped for a line of text, and as a JSON string.
//!
//! A name may hold a newline (which would forge an output line), terminal
//! control characters or bytes that are not UTF-8. Text output writes it like
//! `ls -b`: printable UTF-8 as it is, a backslash as `\\`, `\n`, `\r`, `\t`,
//! other ASCII control characters and every byte that is not UTF-8 as `\xHH`,
//! other control characters, bidirectional overrides and isolates and the
//! line and paragraph separators as `\u{HHHH}`. The escaping is reversible
//! for every name a file can have: a name longer than [`MAX_SHOWN`] bytes
//! (`PATH_MAX`; only an argument or a configured path can be that long, a
//! 10 MB `--config` was echoed whole) is cut there and ends with
//! `...[N bytes]`.
//!
//! JSON output gives the exact name when it is valid UTF-8 and holds no
//! backslash (JSON escapes its control characters); any other name is given
//! in the text escaping above. So a decoded JSON name without a backslash is
//! the name itself, and one with a backslash is escaped: lossless both ways.

use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `path` escaped for text output; `format!("{}", show(p))`.
pub fn show(path: &Path) -> Shown<'_> {
    Shown(path.as_os_str().as_bytes())
}

/// Bytes (a name) escaped for text output.
pub fn show_bytes(name: &[u8]) -> Shown<'_> {
    Shown(name)
}

/// `path` escaped for text output, as a `String`.
pub fn text(path: &Path) -> String {
    show(path).to_string()
}

/// `path` as the content of a JSON string (see the module's documentation).
pub fn json(path: &Path) -> String {
    let b = path.as_os_str().as_bytes();
    match std::str::from_utf8(b) {
        Ok(s) if !s.contains('\\') && b.len() <= MAX_SHOWN => s.to_string(),
        _ => text(path),
    }
}

/// Characters that reorder or break a printed line without being control
/// characters: bidirectional overrides and isolates (`U+202E` would show
/// `gol.exe` for `exe.log`), marks, and the line and paragraph separators.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' | '\u{feff}')
}

/// The most bytes of a name printed (Linux's `PATH_MAX`).
pub const MAX_SHOWN: usize = 4096;

/// A name that prints escaped.
pub struct Shown<'a>(&'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = self.0.len() > MAX_SHOWN;
        let shown = if cut { &self.0[..MAX_SHOWN] } else { self.0 };
        for chunk in shown.utf8_chunks() {
            let valid = chunk.valid();
            if valid.bytes().all(|b| b.is_ascii_graphic() && b != b'\\' || b == b' ') {
                f.write_str(valid)?;
            } else {
                for c in valid.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if c.is_control() && c.is_ascii() => write!(f, "\\x{:02x}", c as u32)?,
                        c if c.is_control() || is_invisible_format(c) => write!(f, "\\u{{{:04x}}}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        if cut {
            write!(f, "...[{} bytes]", self.0.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn p(b: &[u8]) -> &Path {
        Path::new(OsStr::from_bytes(b))
    }

    #[test]
    fn text_escapes() {
        assert_eq!(text(p(b"/logs/access.log-1.gz")), "/logs/access.log-1.gz");
        assert_eq!(text(p(b"a b")), "a b");
        assert_eq!(text(p(b"a\nb\rc\td")), "a\\nb\\rc\\td");
        assert_eq!(text(p(b"a\\nb")), "a\\\\nb");
        assert_eq!(text(p(b"\x1b[31m\x7f")), "\\x1b[31m\\x7f");
        assert_eq!(text(p(b"x\xff\xfey")), "x\\xff\\xfey");
        assert_eq!(text(p("é\u{85}ü".as_bytes())), "é\\u{0085}ü");
        // what reorders or breaks a printed line
        assert_eq!(text(p("a\u{202e}gol.exe".as_bytes())), "a\\u{202e}gol.exe");
        assert_eq!(text(p("a\u{2028}b\u{2066}c".as_bytes())), "a\\u{2028}b\\u{2066}c");
        // a truncated UTF-8 sequence: its bytes
        assert_eq!(text(p(b"a\xc3")), "a\\xc3");
    }

    #[test]
    fn json_names() {
        assert_eq!(json(p(b"a\nb")), "a\nb");
        assert_eq!(json(p("é".as_bytes())), "é");
        assert_eq!(json(p(b"a\\b")), "a\\\\b");
        assert_eq!(json(p(b"a\xff\nb")), "a\\xff\\nb");
    }

    #[test]
    fn a_name_longer_than_path_max_is_cut_with_its_size() {
        let long = vec![b'a'; 10 << 20];
        let shown = text(p(&long));
        assert_eq!(shown, format!("{}...[10485760 bytes]", "a".repeat(MAX_SHOWN)));
        assert_eq!(json(p(&long)), shown);
        let at_max = vec![b'b'; MAX_SHOWN];
        assert_eq!(text(p(&at_max)), "b".repeat(MAX_SHOWN), "a real path is never cut");
    }
}
