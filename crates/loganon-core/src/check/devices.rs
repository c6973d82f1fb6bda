//! The oracle's MAC and device id detectors: MACs with colons or dashes, in
//! Cisco's dotted form or without leading zeros, Google Analytics ids, and
//! IMEIs (15 digits, a reporting body's prefix, the Luhn check).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::{luhn_ok, mask, Oracle};

/// The family's expressions.
struct Res {
    mac: Regex,
    cisco_mac: Regex,
    short_mac: Regex,
    analytics: Regex,
    imei: Regex,
}

/// The MAC and device id detectors, built once.
fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Res {
            mac: re(r"(?i-u)(?:^|[^0-9a-z])([0-9a-f]{2}([:-])[0-9a-f]{2}(?:[:-][0-9a-f]{2}){4})(?:$|[^0-9a-z])"),
            cisco_mac: re(r"(?i-u)(?:^|[^0-9a-z.])([0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})(?:$|[^0-9a-z.])"),
            short_mac: re(r"(?i-u)(?:^|[^0-9a-z:.])([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})(?:$|[^0-9a-z:.])"),
            analytics: re(r"(?-u)(?:^|[^A-Za-z0-9])(G[AS][12]\.[0-9A-Za-z.$]+)"),
            imei: re(r"(?-u)(?:^|[^A-Za-z0-9])([0-9]{15})(?:$|[^A-Za-z0-9@])"),
        }
    })
}

impl Oracle<'_> {
    /// MACs of six two-digit groups, one separator throughout.
    pub(super) fn macs(&mut self, t: &[u8]) {
        let d = res();
        for c in d.mac.captures_iter(t) {
            let m = &c[1];
            if m.iter().filter(|&&b| b == c[2][0]).count() == 5 {
                self.found.push(("mac", mask(m)));
            }
        }
    }

    /// MACs in Cisco's dotted form, and MACs written without leading zeros.
    pub(super) fn short_macs(&mut self, t: &[u8]) {
        let d = res();
        for c in d.cisco_mac.captures_iter(t).chain(d.short_mac.captures_iter(t)) {
            let m = &c[1];
            // (two-digit groups are the MAC detector's)
            if m.contains(&b'.') || m.split(|&b| b == b':').any(|g| g.len() == 1) {
                self.found.push(("mac", mask(m)));
            }
        }
    }

    /// IMEIs: 15 digits standing alone, the first two a GSMA reporting
    /// body's (written again from its list), and the Luhn check.
    pub(super) fn imeis(&mut self, t: &[u8]) {
        const BODIES: &[&[u8]] = &[
            b"01", b"10", b"30", b"33", b"35", b"44", b"45", b"49", b"50", b"51", b"52", b"53", b"54", b"86", b"91",
            b"98", b"99",
        ];
        let d = res();
        let mut at = 0;
        // (one digit of context on each side: matches may touch)
        while let Some(c) = d.imei.captures_at(t, at) {
            let m = c.get(1).expect("the group is in every match");
            at = m.end();
            let v = m.as_bytes();
            if BODIES.contains(&&v[..2]) && luhn_ok(v) {
                self.found.push(("device-id", mask(v)));
            }
        }
    }

    /// Google Analytics client and session ids.
    pub(super) fn analytics_ids(&mut self, t: &[u8]) {
        let d = res();
        for c in d.analytics.captures_iter(t) {
            let Some(m) = c.get(1) else { continue };
            let id = m.as_bytes();
            let id = &id[..id.len() - id.iter().rev().take_while(|&&b| b == b'.').count()];
            let digits = id[3..].iter().filter(|b| b.is_ascii_digit()).count();
            if digits >= 9 && t.get(m.start() + id.len()) != Some(&b'@') {
                self.found.push(("analytics-id", mask(id)));
            }
        }
    }
}
