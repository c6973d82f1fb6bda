//! What the scanner's unit tests share: a sink that records findings as
//! text, and the findings of a whole line.

use super::state::{Scanner, NO_PHONE};
use super::{scan, Kind, Sink, V4Form};
use crate::rules::Rules;

/// Records findings as text for exact assertions.
#[derive(Default)]
pub(super) struct Rec(pub(super) Vec<String>);
impl Sink for Rec {
    fn ipv4(&mut self, s: usize, e: usize, a: u32, sep: Option<&[u8]>) {
        let enc = sep.map_or(String::new(), |p| format!(" sep {}", String::from_utf8_lossy(p)));
        self.0.push(format!("v4 {s}..{e} {}{enc}", crate::addr::v4_text(a)));
    }
    fn ipv6(&mut self, s: usize, e: usize, a: u128, sep: Option<&[u8]>, z: usize) {
        let enc = sep.map_or(String::new(), |p| format!(" sep {}", String::from_utf8_lossy(p)));
        self.0
            .push(format!("v6 {s}..{e}..{z} {}{enc}", std::net::Ipv6Addr::from(a)));
    }
    fn ipv4_form(&mut self, s: usize, e: usize, a: u32, form: V4Form, sep: Option<&[u8]>) {
        let enc = sep.map_or(String::new(), |p| format!(" sep {}", String::from_utf8_lossy(p)));
        self.0
            .push(format!("v4 {s}..{e} {} {form:?}{enc}", crate::addr::v4_text(a)));
    }
    fn ip6_nibbles(&mut self, s: usize, e: usize, a: u128, n: u8, upper: bool, _sep: Option<&[u8]>) {
        self.0
            .push(format!("nibbles {s}..{e} {} {n} {upper}", std::net::Ipv6Addr::from(a)));
    }
    fn redact(&mut self, s: usize, e: usize, k: Kind) {
        self.0.push(format!("{} {s}..{e}", k.name()));
    }
    fn remove(&mut self, s: usize, e: usize, k: Kind) {
        self.0.push(format!("-{} {s}..{e}", k.name()));
    }
}

/// The findings of `line`, scanned whole with the default rules.
pub(super) fn found(line: &str) -> Vec<String> {
    let mut r = Rec::default();
    scan(line.as_bytes(), 0, line.len(), &Rules::default(), &mut r);
    r.0
}

/// A scanner over `s` (plain bytes, nothing read ahead yet), for the
/// recognisers' own tests.
pub(super) fn scanner<'a>(s: &'a [u8], rules: &'a Rules) -> Scanner<'a> {
    Scanner {
        s,
        floor: 0,
        rules,
        view: None,
        phone: NO_PHONE,
        ahead: None,
        next_at: (usize::MAX, 0),
    }
}

/// Bytes made of `parts` picked by `picks` (what the tests of reading
/// ahead feed the recognisers: runs of the shapes they read over).
pub(super) fn made_of(parts: &[&str], picks: &[usize]) -> Vec<u8> {
    picks.iter().flat_map(|&k| parts[k % parts.len()].bytes()).collect()
}
