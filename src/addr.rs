//! IP addresses: recognising them in bytes, truncating them to a prefix, and
//! writing them back in canonical text.
//!
//! The IPv4 parser is hand-written: it runs on every candidate token of every
//! line, and a byte loop with early exits is several times faster than going
//! through `str::parse` (which needs UTF-8 validation first). IPv6 candidates are
//! rarer and go through `std`'s parser, which already accepts every spelling
//! (compressed, full, upper case, embedded IPv4).

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// How addresses are rewritten: the prefix lengths kept and the networks left whole.
#[derive(Clone, Debug)]
pub struct AddrPolicy {
    pub ipv4_prefix: u8,
    pub ipv6_prefix: u8,
    v4_mask: u32,
    v6_mask: u128,
    keep_v4: Vec<(u32, u32)>,
    keep_v6: Vec<(u128, u128)>,
}

impl Default for AddrPolicy {
    fn default() -> Self {
        AddrPolicy::new(24, 48, &[])
    }
}

fn v4_mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    }
}

fn v6_mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix.min(128)))
    }
}

impl AddrPolicy {
    /// `ipv4_prefix` must be at most 32 and `ipv6_prefix` at most 128 (the CLI checks).
    pub fn new(ipv4_prefix: u8, ipv6_prefix: u8, keep: &[IpNet]) -> Self {
        let mut keep_v4 = Vec::new();
        let mut keep_v6 = Vec::new();
        for net in keep {
            match net {
                IpNet::V4(n) => {
                    let m = v4_mask(n.prefix_len());
                    keep_v4.push((u32::from(n.network()) & m, m));
                }
                IpNet::V6(n) => {
                    let m = v6_mask(n.prefix_len());
                    keep_v6.push((u128::from(n.network()) & m, m));
                }
            }
        }
        AddrPolicy {
            ipv4_prefix,
            ipv6_prefix,
            v4_mask: v4_mask(ipv4_prefix),
            v6_mask: v6_mask(ipv6_prefix),
            keep_v4,
            keep_v6,
        }
    }

    pub fn keeps_v4(&self, a: u32) -> bool {
        self.keep_v4.iter().any(|&(n, m)| a & m == n)
    }

    pub fn keeps_v6(&self, a: u128) -> bool {
        if let Some(v4) = mapped_v4(a) {
            if self.keeps_v4(v4) {
                return true;
            }
        }
        self.keep_v6.iter().any(|&(n, m)| a & m == n)
    }

    pub fn truncate_v4(&self, a: u32) -> u32 {
        a & self.v4_mask
    }

    /// IPv4-mapped addresses (`::ffff:a.b.c.d`) keep their form with the IPv4
    /// part truncated by the IPv4 prefix; all others are cut to the IPv6 prefix.
    pub fn truncate_v6(&self, a: u128) -> u128 {
        match mapped_v4(a) {
            Some(v4) => (a & !0xffff_ffff) | u128::from(self.truncate_v4(v4)),
            None => a & self.v6_mask,
        }
    }

    /// True when the address has no bits beyond what the policy keeps
    /// (already anonymized, or in a kept network).
    pub fn v4_is_clean(&self, a: u32) -> bool {
        self.truncate_v4(a) == a || self.keeps_v4(a)
    }

    pub fn v6_is_clean(&self, a: u128) -> bool {
        self.truncate_v6(a) == a || self.keeps_v6(a)
    }
}

pub fn mapped_v4(a: u128) -> Option<u32> {
    if a >> 32 == 0xffff {
        Some(a as u32)
    } else {
        None
    }
}

#[inline]
pub fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// Parses a dotted-quad IPv4 address starting at `s[p]`, with the boundary rules
/// that separate addresses from version numbers: not preceded by a digit or by
/// `digit.`, not followed by a digit or by `.digit` (so `1.2.3.4.5` and
/// `Chrome/120.0.6099.109` are not addresses). Octets have one to three digits
/// and are at most 255. Returns the address and the end of its text.
#[inline]
pub fn parse_v4_at(s: &[u8], p: usize) -> Option<(u32, usize)> {
    if p > 0 {
        let b = s[p - 1];
        if is_digit(b) || (b == b'.' && p > 1 && is_digit(s[p - 2])) {
            return None;
        }
    }
    let mut i = p;
    let mut addr: u32 = 0;
    for octet in 0..4 {
        if octet > 0 {
            if i >= s.len() || s[i] != b'.' {
                return None;
            }
            i += 1;
        }
        // leading zeros are read as decimal, however many (`0121`, `0004`):
        // an octet is its value, and a padded address is still an address
        let start = i;
        let mut v: u32 = 0;
        while i < s.len() && is_digit(s[i]) && i - start < 3 {
            v = v * 10 + u32::from(s[i] - b'0');
            i += 1;
        }
        if v == 0 || s[start] == b'0' {
            // padded (`0121`, `0004`): read on, leading zeros count for nothing
            while i < s.len() && is_digit(s[i]) && i - start < 12 {
                v = (v * 10 + u32::from(s[i] - b'0')).min(1000);
                i += 1;
            }
        }
        if i == start || v > 255 || (i < s.len() && is_digit(s[i])) {
            return None;
        }
        addr = (addr << 8) | v;
    }
    if i < s.len() && s[i] == b'.' && i + 1 < s.len() && is_digit(s[i + 1]) {
        return None;
    }
    Some((addr, i))
}

/// Writes an IPv4 address in dotted decimal without going through `fmt`.
#[inline]
pub fn write_v4(out: &mut Vec<u8>, a: u32) {
    for (k, shift) in [24u32, 16, 8, 0].into_iter().enumerate() {
        if k > 0 {
            out.push(b'.');
        }
        let o = ((a >> shift) & 0xff) as u8;
        if o >= 100 {
            out.push(b'0' + o / 100);
        }
        if o >= 10 {
            out.push(b'0' + (o / 10) % 10);
        }
        out.push(b'0' + o % 10);
    }
}

/// Writes an IPv6 address in RFC 5952 text (std's `Display` follows it, and
/// shows IPv4-mapped addresses as `::ffff:a.b.c.d`).
pub fn write_v6(out: &mut Vec<u8>, a: u128) {
    use std::io::Write;
    let _ = write!(out, "{}", Ipv6Addr::from(a));
}

/// Parses IPv6 text (ASCII bytes, any spelling std accepts).
pub fn parse_v6(text: &[u8]) -> Option<u128> {
    let s = std::str::from_utf8(text).ok()?;
    s.parse::<Ipv6Addr>().ok().map(u128::from)
}

pub fn v4_text(a: u32) -> String {
    Ipv4Addr::from(a).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Option<String> {
        parse_v4_at(s.as_bytes(), 0).map(|(a, e)| format!("{}@{}", v4_text(a), e))
    }

    #[test]
    fn ipv4_parse_and_boundaries() {
        assert_eq!(v4("1.2.3.4").as_deref(), Some("1.2.3.4@7"));
        assert_eq!(v4("1.2.3.4:80").as_deref(), Some("1.2.3.4@7"));
        assert_eq!(v4("1.2.3.4.").as_deref(), Some("1.2.3.4@7"));
        assert_eq!(v4("255.255.255.255").as_deref(), Some("255.255.255.255@15"));
        assert_eq!(v4("1.2.3.256"), None);
        assert_eq!(v4("1.2.3"), None);
        assert_eq!(v4("1.2.3.4.5"), None);
        assert_eq!(v4("120.0.6099.109"), None);
        assert_eq!(v4("1.2.3.1234"), None);
        let s = b"x5.1.2.3.4";
        assert_eq!(parse_v4_at(s, 3), None, "preceded by digit-dot");
    }

    #[test]
    fn truncation() {
        let p = AddrPolicy::default();
        assert_eq!(v4_text(p.truncate_v4(0x7b7b7b7b)), "123.123.123.0");
        let a = parse_v6(b"2001:db8:85a3:8d3:1319:8a2e:370:7348").unwrap();
        let mut out = Vec::new();
        write_v6(&mut out, p.truncate_v6(a));
        assert_eq!(out, b"2001:db8:85a3::");
        let m = parse_v6(b"::ffff:1.2.3.4").unwrap();
        out.clear();
        write_v6(&mut out, p.truncate_v6(m));
        assert_eq!(out, b"::ffff:1.2.3.0");
        let p0 = AddrPolicy::new(0, 0, &[]);
        assert_eq!(p0.truncate_v4(0xffff_ffff), 0);
        let p32 = AddrPolicy::new(32, 128, &[]);
        assert_eq!(p32.truncate_v4(0x01020304), 0x01020304);
    }

    #[test]
    fn keep_networks() {
        let p = AddrPolicy::new(24, 48, &["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()]);
        assert!(p.keeps_v4(0x0a010203));
        assert!(!p.keeps_v4(0x0b010203));
        assert!(p.keeps_v6(parse_v6(b"fd12::1").unwrap()));
        assert!(p.keeps_v6(parse_v6(b"::ffff:10.1.2.3").unwrap()));
    }

    #[test]
    fn write_v4_all_widths() {
        let mut out = Vec::new();
        write_v4(&mut out, u32::from(Ipv4Addr::new(0, 9, 99, 255)));
        assert_eq!(out, b"0.9.99.255");
    }
}
