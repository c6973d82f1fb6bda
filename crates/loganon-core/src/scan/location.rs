//! Precise locations: the value of a location name (`lat`, `lng`, `ll`,
//! `latlng`, `geo`, ...) holding one to three decimal numbers is coarsened
//! to [`Location::Decimals`] decimals (2 by default, about 1 km), kept, or
//! removed, as the rules say. A value that is not such a list of numbers is
//! left to the other rules (an address under `ll` is still an address).
//! The scanner's readers of such values (`lat=...`, `"lat":...`) are here
//! too, after the value rules.

use super::bytes::is_name_char;
use super::sink::{Kind, Sink};
use super::state::Scanner;
use crate::rules::{normalize, Location, MAX_NAME};

/// The names whose values are locations, normalized (see
/// [`crate::rules::normalize`]: case, `-`, `_` and `.` folded).
const NAMES: &[&[u8]] = &[
    b"lat",
    b"latitude",
    b"lon",
    b"lng",
    b"long",
    b"longitude",
    b"ll",
    b"latlng",
    b"latlon",
    b"latlong",
    b"lnglat",
    b"lonlat",
    b"geo",
    b"geoloc",
    b"geolocation",
    b"coords",
    b"coordinates",
];

/// Whether `name` names a location (any case and separators; the leaf of
/// a structured name: `pos.lat`, `user[lng]`).
pub fn is_location_name(name: &[u8]) -> bool {
    // separators after the name fold away (`lat_`, `pos[lat]-`, `LAT.-`)
    let end = name
        .iter()
        .rposition(|&b| !matches!(b, b'_' | b'-' | b'.'))
        .map_or(0, |p| p + 1);
    let name = &name[..end];
    let leaf = name.strip_suffix(b"]").unwrap_or(name);
    let leaf = leaf.rsplit(|&b| matches!(b, b'.' | b'[')).next().unwrap_or(leaf);
    let leaf = if leaf.is_empty() { name } else { leaf };
    if !(2..=16).contains(&leaf.len()) {
        return false;
    }
    let mut buf = [0u8; MAX_NAME];
    match normalize(leaf, &mut buf) {
        Some(n) => NAMES.contains(&&buf[..n]),
        None => false,
    }
}

/// The numbers of a location value `v` (`48.858844,2.294351`,
/// `geo:48.8588,2.2943`, `-33.86 151.21`): the ranges of their decimals,
/// relative to `v`; `None` when `v` is anything else (at most three
/// numbers, each `[+-]digits[.digits]`, between `,`, `;`, `|` or spaces).
fn decimals(v: &[u8]) -> Option<([(usize, usize); 3], usize)> {
    let mut out = [(0, 0); 3];
    let mut n = 0;
    let mut i = if v.len() > 4 && v[..4].eq_ignore_ascii_case(b"geo:") {
        4
    } else {
        0
    };
    loop {
        if n == 3 {
            return None;
        }
        i = integer_at(v, i)?;
        let mut frac = (i, i);
        if v.get(i) == Some(&b'.') {
            let f = i + 1;
            i = f;
            while i < v.len() && v[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return None;
            }
            frac = (f, i);
        }
        out[n] = frac;
        n += 1;
        if i == v.len() {
            return Some((out, n));
        }
        if !matches!(v[i], b',' | b';' | b'|' | b' ') {
            return None;
        }
        i += 1;
        while v.get(i) == Some(&b' ') {
            i += 1;
        }
    }
}

/// The end of a sign (`+`, `-`, or none) and one to three digits at `i`
/// of `v`, the integer part of a coordinate; `None` when there are none.
fn integer_at(v: &[u8], mut i: usize) -> Option<usize> {
    if matches!(v.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let int = i;
    while i < v.len() && v[i].is_ascii_digit() {
        i += 1;
    }
    (i > int && i - int <= 3).then_some(i)
}

/// The end of a location value read to `end` that runs on: up to two more
/// numbers (`[+-]`, one to three digits, decimals) each after `,`, `;`, `|`
/// or spaces, which its reader stopped before (`ll=48.858844 2.294351`,
/// `"ll":48.858844,2.294351`, `geo=48.858844;2.294351`): the coordinates
/// after the first are a location too.
pub fn run_on(s: &[u8], end: usize) -> usize {
    let mut end = end;
    for _ in 0..2 {
        let mut j = end;
        if !matches!(s.get(j), Some(b',' | b';' | b'|' | b' ')) {
            break;
        }
        j += 1;
        while s.get(j) == Some(&b' ') {
            j += 1;
        }
        let Some(e) = integer_at(s, j) else {
            break;
        };
        j = e;
        if s.get(j) == Some(&b'.') && s.get(j + 1).is_some_and(u8::is_ascii_digit) {
            j += 1;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
        } else if s.get(j) == Some(&b':') {
            // (an IPv6 address's first group: `ll=2,3::2`)
            break;
        }
        end = j;
    }
    end
}

/// What becomes of a location value: its spans relative to the value, each
/// to be removed (`true`: extra decimals) or redacted (`false`: the whole
/// value, `--location drop`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Spans {
    pub list: [(usize, usize, bool); 3],
    pub len: usize,
}

impl Spans {
    /// The spans, in order.
    pub fn spans(&self) -> impl Iterator<Item = &(usize, usize, bool)> {
        self.list[..self.len].iter()
    }
}

/// The location value `v` under `policy`: its extra decimals to remove, or
/// the whole value to redact. `None` when the value is no list of numbers
/// (the other rules read it).
pub fn coarsen(v: &[u8], policy: Location) -> Option<Spans> {
    let mut out = Spans::default();
    let Some((nums, n)) = decimals(v) else {
        // no list of numbers, yet digits enough for a precise one after a
        // separator (`48,858844`, ` 48.858844`, `"48.858844"`): the whole
        // value goes (fail closed), unless locations are kept
        if policy != Location::Keep && precise_digits(v, policy) {
            out.list[0] = (0, v.len(), false);
            out.len = 1;
            return Some(out);
        }
        return None;
    };
    match policy {
        Location::Keep => {}
        Location::Drop => {
            out.list[0] = (0, v.len(), false);
            out.len = 1;
        }
        Location::Decimals(keep) => {
            let keep = usize::from(keep);
            for &(f, e) in &nums[..n] {
                if e - f > keep {
                    // with no decimal kept, the dot goes too
                    let from = if keep == 0 { f - 1 } else { f + keep };
                    out.list[out.len] = (from, e, true);
                    out.len += 1;
                }
            }
        }
    }
    Some(out)
}

/// Whether `v` holds a run of digits after a separator longer than the
/// decimals kept (any digits at all under `drop`).
fn precise_digits(v: &[u8], policy: Location) -> bool {
    let keep = match policy {
        Location::Decimals(n) => usize::from(n),
        _ => 0,
    };
    let mut run = 0;
    let mut after_sep = false;
    for &b in v {
        if b.is_ascii_digit() {
            run += 1;
            if after_sep && run > keep {
                return true;
            }
        } else {
            after_sep = matches!(b, b'.' | b',');
            run = 0;
        }
    }
    false
}

impl Scanner<'_> {
    /// The value `i + 1..end` of a location name before the `=` at `i`
    /// (`lat=48.858844`), coarsened by the rules; its end. In line: the name
    /// is looked at only when it ends like one of them (`t`, `e`, `n`, `g`,
    /// `l`, `o`, `s`, `]` of `pos[lat]`), or in a separator the name rules
    /// fold away (`lon_`, `lat-`, `lng.`).
    #[inline(always)]
    pub(super) fn location<S: Sink>(&mut self, i: usize, end: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        if i <= self.floor + 1
            || !(matches!(s[i - 1], b']' | b'_' | b'-' | b'.')
                || matches!(s[i - 1] | 0x20, b't' | b'e' | b'n' | b'g' | b'l' | b'o' | b's'))
        {
            return None;
        }
        self.location_value(i, end, sink)
    }

    #[cold]
    #[inline(never)]
    fn location_value<S: Sink>(&mut self, i: usize, end: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let mut n = i;
        while n > self.floor && is_name_char(s[n - 1]) && i - n <= 32 {
            n -= 1;
        }
        if !is_location_name(&s[n..i]) {
            return None;
        }
        let mut v = i + 1;
        let mut end = end;
        // a quoted value (`lng="2.294351"`): inside its quotes; one left
        // open (`lng="2.294351` at a line's end), its number, or its word
        // when that holds more (`lng="[2.294351`, `lng="5x6.779`: not a
        // list, yet precise digits)
        if v == end && s.get(v) == Some(&b'"') {
            v += 1;
            end = match memchr::memchr(b'"', &s[v..s.len().min(v + 65)]) {
                Some(close) => v + close,
                None => match (number_len(&s[v..])?, word_len(&s[v..])) {
                    (n, w) if n < w => v + w,
                    (n, _) => v + n,
                },
            };
        }
        // more coordinates after the one its reader stopped at
        let end = run_on(s, end);
        self.coarsen_value(v, end, sink)?;
        Some(end)
    }

    /// Coarsens the location value `v..end` as the rules say, reports each
    /// change, and moves the floor past it; `None` when it is no list of
    /// numbers (left to the other rules).
    fn coarsen_value<S: Sink>(&mut self, v: usize, end: usize, sink: &mut S) -> Option<()> {
        let spans = coarsen(&self.s[v..end], self.rules.location)?;
        for &(from, to, remove) in spans.spans() {
            if remove {
                self.remove(sink, v + from, v + to, Kind::Location);
            } else {
                self.redact(sink, v + from, v + to, Kind::Location);
            }
        }
        self.floor = end;
        Some(())
    }

    /// The value of a `"name":value` pair with a location's name
    /// (`{\x22lat\x22:48.858844}` in a request body, `"ll":[48.85,2.29]`
    /// outside JSON), coarsened; `None` for any other name.
    pub(super) fn quoted_location<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let (n, close) = self.quoted_name(i)?;
        if !is_location_name(&s[n..close]) {
            return None;
        }
        // the value: a number, or a string's content
        let mut v = i + 1;
        while v < s.len() && matches!(s[v], b' ' | b'\t') {
            v += 1;
        }
        let quoted = s.get(v) == Some(&b'"');
        let mut from = v + usize::from(quoted);
        // an array's numbers (`"ll":[48.858844,2.294351]`)
        if !quoted && s.get(from) == Some(&b'[') {
            from += 1;
        }
        // a string's content; a number, also one whose string is left open
        // (`"geo":"2.294351` at a line's end), and the coordinates after it;
        // else the word of a string left open (`"geo":"[2.294351`)
        let end = match memchr::memchr(b'"', &s[from..s.len().min(from + 64)]) {
            Some(close) if quoted => from + close,
            _ => match (number_len(&s[from..])?, word_len(&s[from..])) {
                (n, w) if quoted && n < w => from + w,
                (n, _) => run_on(s, from + n),
            },
        };
        self.coarsen_value(from, end, sink)?;
        Some(end.max(i + 1))
    }
}

/// The length of the number that opens `v`: digits, `.`, `-` and `+`;
/// `None` when it has no `.` and a `:` follows, which makes it the first
/// group of an IPv6 address (`"geo":1::2`), for the address rules.
fn number_len(v: &[u8]) -> Option<usize> {
    let n = v
        .iter()
        .take_while(|&&b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
        .count();
    (v.get(n) != Some(&b':') || v[..n].contains(&b'.')).then_some(n)
}

/// The length of the word that opens `v`, the value of a string left open:
/// up to a space, a quote or a byte that ends a query's value (`&`, `#`,
/// `;`, `<`, `>`), at most [`MAX_WORD`] bytes.
fn word_len(v: &[u8]) -> usize {
    let v = &v[..v.len().min(MAX_WORD)];
    v.iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'&' | b'#' | b';' | b'<' | b'>'))
        .unwrap_or(v.len())
}

/// The longest word read as a location's value left open: as far as a
/// quoted parameter's value is read (`params.rs`), so that a line of many
/// such names costs no more than a few readings of its length.
const MAX_WORD: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::testing::Rec;
    use crate::scan::{Kind, Sink};

    /// What becomes of `v`, as the scanner's test sink writes findings.
    fn run(v: &str, policy: Location) -> Vec<String> {
        let Some(spans) = coarsen(v.as_bytes(), policy) else {
            return Vec::new();
        };
        let mut r = Rec::default();
        for &(a, b, remove) in spans.spans() {
            if remove {
                r.remove(a, b, Kind::Location);
            } else {
                r.redact(a, b, Kind::Location);
            }
        }
        r.0
    }

    #[test]
    fn names() {
        for n in [
            "lat",
            "LAT",
            "Latitude",
            "lng",
            "long",
            "ll",
            "latLng",
            "lat_lng",
            "geo",
            "pos.lat",
            "user[lng]",
        ] {
            assert!(is_location_name(n.as_bytes()), "{n}");
        }
        for n in ["l", "page", "location", "latest", "slat", "lang", "geometry"] {
            assert!(!is_location_name(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn a_value_runs_on_over_more_numbers() {
        let on = |v: &str, end: usize| run_on(v.as_bytes(), end);
        assert_eq!(on("48.858844 2.294351 x", 9), 18);
        assert_eq!(on("48.858844;2.294351", 9), 18);
        assert_eq!(on("48.858844,  -2.294351,1,5", 9), 23);
        assert_eq!(on("0 1.044", 1), 7);
        // no number after the separator, or one with four digits before
        // its point: the value ends where its reader said
        for v in [
            "48.858844 HTTP/1.1",
            "48.858844 1234.5",
            "48.858844 .5",
            "48.858844",
            "48.858844,3::2",
        ] {
            assert_eq!(on(v, 9), 9, "{v}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(run("48.858844", Location::default()), ["-location 5..9"]);
        assert_eq!(
            run("48.858844,2.294351", Location::default()),
            ["-location 5..9", "-location 14..18"]
        );
        assert_eq!(
            run("geo:-33.8688 151.2093", Location::Decimals(1)),
            ["-location 9..12", "-location 18..21"]
        );
        assert_eq!(run("48.858844", Location::Decimals(0)), ["-location 2..9"]);
        assert_eq!(run("48.85", Location::default()), Vec::<String>::new());
        assert_eq!(run("48.858844", Location::Drop), ["location 0..9"]);
        assert!(run("48.858844", Location::Keep).is_empty());
        // not a list of numbers: nothing, or the whole value when it holds
        // more digits after a separator than are kept
        for v in ["abc", "48.8,2.2,1.1,0.1", "1234.5", "48.", ""] {
            assert!(run(v, Location::default()).is_empty(), "{v}");
        }
        for v in ["1.2.3.456", "48,858844", " 48.858844", "\"48.858844\""] {
            assert_eq!(run(v, Location::default()), [format!("location 0..{}", v.len())], "{v}");
        }
    }
}
