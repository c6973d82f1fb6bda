//! The oracle's location detector: the value of a location name (`lat`,
//! `lng`, `ll`, `geo`, ...) with a number more precise than the rules allow
//! (`--location`: more decimals than kept; any number when dropped).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::{mask, Oracle};
use crate::rules::Location;

/// The names of locations, lower case, without `-`, `_` and `.`.
const NAMES: &[&str] = &[
    "lat",
    "latitude",
    "lon",
    "lng",
    "long",
    "longitude",
    "ll",
    "latlng",
    "latlon",
    "latlong",
    "lnglat",
    "lonlat",
    "geo",
    "geoloc",
    "geolocation",
    "coords",
    "coordinates",
];

/// Whether `name` (the leaf of a structured one: `pos.lat`, `a[lng]`) is a
/// location's.
pub(super) fn is_location_name(name: &[u8]) -> bool {
    let text = String::from_utf8_lossy(name).to_ascii_lowercase();
    let leaf = text.trim_end_matches(']');
    let leaf = leaf.rsplit(['.', '[']).next().unwrap_or(leaf);
    let folded: String = leaf.chars().filter(|c| !matches!(c, '-' | '_' | '.' | ' ')).collect();
    NAMES.contains(&folded.as_str())
}

/// A `name=value` pair (a query's, a form's, logfmt's; the value may be
/// quoted), with up to two more coordinates after `,`, `;`, `|` or a space
/// (`ll=48.85 2.294351`).
fn pairs() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r#"(?-u)([A-Za-z0-9_.\[\]\-]{2,40})="?([^&\s"'#;<>]*(?:[,;| ] *[+-]?[0-9]{1,3}(?:\.[0-9]+)?){0,2})"#)
            .expect("the expression is valid")
    })
}

/// A `"name":value` pair (JSON in a request body, a message; the value
/// may be an array: `"ll":[48.858844,2.294351]`).
fn quoted_pairs() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r#"(?-u)"([A-Za-z0-9_.\-]{2,40})"[ \t]*:[ \t]*"?\[?([0-9.+\-,;| ]*)"#)
            .expect("the expression is valid")
    })
}

/// A decimal number and its decimals.
fn numbers() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?-u)[0-9]+(?:\.([0-9]+))?").expect("the expression is valid"))
}

impl Oracle<'_> {
    /// The values of location names in `name=value` pairs of `t` that are
    /// more precise than the rules allow.
    pub(super) fn location_params(&mut self, t: &[u8]) {
        for c in pairs().captures_iter(t).chain(quoted_pairs().captures_iter(t)) {
            if is_location_name(&c[1]) {
                self.location_value(&c[2]);
            }
        }
    }

    /// A location value more precise than the rules allow.
    pub(super) fn location_value(&mut self, v: &[u8]) {
        let too_precise = match self.location {
            Location::Keep => false,
            Location::Drop => numbers().is_match(v),
            Location::Decimals(n) => numbers()
                .captures_iter(v)
                .any(|c| c.get(1).is_some_and(|d| d.len() > usize::from(n))),
        };
        if too_precise {
            self.found.push(("location", mask(v)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_bytes;
    use crate::rules::{Location, Rules};

    #[test]
    fn precise_locations() {
        let count = |rules: &Rules, s: &str| check_bytes(rules, s.as_bytes()).total();
        let d = Rules::default();
        for raw in [
            "/?lat=48.858844",
            "/?ll=48.85,2.294351",
            r#"{"lng":2.294351}"#,
            "/?pos.lat=1.234",
            "/?ll=48.85 2.294351",
            "geo=48.85;2.294351",
            r#""ll":0 1.044"#,
            r#""geo":"2.200"#,
        ] {
            assert!(count(&d, raw) > 0, "{raw}");
        }
        for clean in [
            "/?lat=48.85",
            "/?ll=48.85,2.29",
            r#"{"lng":2.29}"#,
            "/?latest=1.23456",
            "/?lat=REDACTED",
            "/?lat=48.85 1234.5678",
        ] {
            assert_eq!(count(&d, clean), 0, "{clean}");
        }
        let drop = Rules {
            location: Location::Drop,
            ..Rules::default()
        };
        assert!(count(&drop, "/?lat=48.85") > 0);
        let keep = Rules {
            location: Location::Keep,
            ..Rules::default()
        };
        assert_eq!(count(&keep, "/?lat=48.858844"), 0);
    }
}
