//! IP addresses: recognising them in bytes, truncating them to a prefix, and
//! writing them back in canonical text.
//!
//! The IPv4 parser is hand-written: it runs on every candidate token of every
//! line, and a byte loop with early exits is several times faster than going
//! through `str::parse` (which needs UTF-8 validation first). The IPv6 parser
//! and writer are hand-written too (see `parse_v6`), held to std's by tests.

use std::net::Ipv4Addr;

use ipnet::IpNet;

/// How addresses are rewritten: the prefix lengths kept and the networks left whole.
#[derive(Clone, Debug)]
pub struct AddrPolicy {
    /// Bits of an IPv4 address kept (`--ipv4-prefix`, 0 to 32).
    pub ipv4_prefix: u8,
    /// Bits of an IPv6 address kept (`--ipv6-prefix`, 0 to 128).
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

/// The IPv4 netmask of `prefix` bits (0 to 32).
pub fn v4_mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    }
}

/// The IPv6 netmask of `prefix` bits (0 to 128).
pub fn v6_mask(prefix: u8) -> u128 {
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

    /// Whether the IPv4 address is in a network left whole (`--keep-network`).
    pub fn keeps_v4(&self, a: u32) -> bool {
        self.keep_v4.iter().any(|&(n, m)| a & m == n)
    }

    /// Whether the IPv6 address is in a network left whole, directly or by
    /// the IPv4 address it embeds (mapped, NAT64, 6to4).
    pub fn keeps_v6(&self, a: u128) -> bool {
        if let Some(v4) = mapped_v4(a).or_else(|| nat64_v4(a)).or_else(|| six_to_four_v4(a)) {
            if self.keeps_v4(v4) {
                return true;
            }
        }
        self.keep_v6.iter().any(|&(n, m)| a & m == n)
    }

    /// The IPv4 address cut to the IPv4 prefix.
    pub fn truncate_v4(&self, a: u32) -> u32 {
        a & self.v4_mask
    }

    /// IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`)
    /// addresses keep their form with the IPv4 part truncated by the IPv4
    /// prefix. A 6to4 address (`2002:WWXX:YYZZ::/48`, the IPv4 in bits
    /// 16..48) is cut to 16 + the IPv4 prefix bits (or the IPv6 prefix, when
    /// shorter): its /48 would be the whole IPv4. All others are cut to the
    /// IPv6 prefix.
    pub fn truncate_v6(&self, a: u128) -> u128 {
        if a >> 112 == 0x2002 {
            return a & self.v6_mask & v6_mask(16 + self.ipv4_prefix.min(32));
        }
        match mapped_v4(a).or_else(|| nat64_v4(a)) {
            Some(v4) => (a & !0xffff_ffff) | u128::from(self.truncate_v4(v4)),
            None => a & self.v6_mask,
        }
    }

    /// True when the address has no bits beyond what the policy keeps
    /// (already anonymized, or in a kept network).
    pub fn v4_is_clean(&self, a: u32) -> bool {
        self.truncate_v4(a) == a || self.keeps_v4(a)
    }

    /// True when the IPv6 address has no bits beyond what the policy keeps.
    pub fn v6_is_clean(&self, a: u128) -> bool {
        self.truncate_v6(a) == a || self.keeps_v6(a)
    }
}

/// The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
pub(crate) fn mapped_v4(a: u128) -> Option<u32> {
    if a >> 32 == 0xffff {
        Some(a as u32)
    } else {
        None
    }
}

/// The IPv4 address a NAT64 address (`64:ff9b::/96`, RFC 6052) carries in
/// its last 32 bits.
pub(crate) fn nat64_v4(a: u128) -> Option<u32> {
    if a >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        Some(a as u32)
    } else {
        None
    }
}

/// The IPv4 address a 6to4 address (`2002::/16`, RFC 3056) carries in its
/// bits 16..48.
pub(crate) fn six_to_four_v4(a: u128) -> Option<u32> {
    if a >> 112 == 0x2002 {
        Some((a >> 80) as u32)
    } else {
        None
    }
}

/// An ASCII digit (the scanner's test, inlined).
#[inline]
pub(crate) fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// Parses a dotted-quad IPv4 address starting at `s[p]`, with the boundary rules
/// that separate addresses from version numbers: not preceded by a digit or by
/// `digit.`, not followed by a digit or by `.digit` (so `1.2.3.4.5` and
/// `Chrome/120.0.6099.109` are not addresses). Octets have one to three digits
/// and are at most 255. Returns the address and the end of its text.
#[inline]
pub(crate) fn parse_v4_at(s: &[u8], p: usize) -> Option<(u32, usize)> {
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
            while i < s.len() && is_digit(s[i]) {
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

/// A dotted quad followed by `.` and a number of six digits or more, which
/// no version is: Apache `mod_usertrack` cookies are `ADDRESS.TIME`
/// (`52.45.125.4.1700000000123456`). The address and the end of its text
/// (the number stays); what [`parse_v4_at`] refuses for the `.digit` after
/// it. Not followed by another `.digit`.
pub(crate) fn parse_v4_before_number(s: &[u8], p: usize) -> Option<(u32, usize)> {
    // the four octets' end: the fourth dot's place (octets padded with
    // zeros are octets, however long, as `parse_v4_at` reads them; called
    // where a number starts, so each byte is read by four calls at most)
    let mut dots = 0;
    let mut q = p;
    while q < s.len() && (is_digit(s[q]) || s[q] == b'.') {
        if s[q] == b'.' {
            dots += 1;
            if dots == 4 {
                break;
            }
        }
        q += 1;
    }
    if dots != 4 {
        return None;
    }
    let mut n = q + 1;
    while n < s.len() && is_digit(s[n]) {
        n += 1;
    }
    if n - (q + 1) < 6 || (s.get(n) == Some(&b'.') && s.get(n + 1).is_some_and(|&b| is_digit(b))) {
        return None;
    }
    parse_v4_at(&s[..q], p)
}

/// A dotted quad after a number of six digits or more and a `.`, which no
/// version has (`1700000000.52.45.125.4`, an ALB time run into an address:
/// `10:00:00.186641.52.45.125.4`): the mirror of
/// [`parse_v4_before_number`]. The address and the end of its text.
pub(crate) fn parse_v4_after_number(s: &[u8], p: usize) -> Option<(u32, usize)> {
    if p < 7 || s[p - 1] != b'.' {
        return None;
    }
    let digits = s[..p - 1].iter().rev().take_while(|&&b| is_digit(b)).count();
    if digits < 6 {
        return None;
    }
    parse_v4_at(&s[p..], 0).map(|(a, e)| (a, p + e))
}

/// Writes an IPv4 address in dotted decimal without going through `fmt`.
#[inline]
pub(crate) fn write_v4(out: &mut Vec<u8>, a: u32) {
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

/// Writes an IPv6 address in RFC 5952 text, byte for byte what std's
/// `Display` writes (lower-case hex, the first longest run of two or more
/// zero groups as `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`).
///
/// Hand-written: going through `fmt` cost about 1,200 instructions an
/// address and pulled the formatting machinery into the hot path's
/// instruction cache; a unit test holds this to std's output.
pub(crate) fn write_v6(out: &mut Vec<u8>, a: u128) {
    let g: [u16; 8] = std::array::from_fn(|k| (a >> (112 - 16 * k)) as u16);
    if g[..5] == [0; 5] && g[5] == 0xffff {
        out.extend_from_slice(b"::ffff:");
        write_v4(out, a as u32);
        return;
    }
    // the first longest run of zero groups
    let (mut best, mut best_len, mut cur, mut cur_len) = (0, 0, 0, 0);
    for (k, &x) in g.iter().enumerate() {
        if x == 0 {
            if cur_len == 0 {
                cur = k;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    let hex = |out: &mut Vec<u8>, groups: &[u16]| {
        for (k, &x) in groups.iter().enumerate() {
            if k > 0 {
                out.push(b':');
            }
            let digits = (16 - x.leading_zeros() as usize).div_ceil(4).max(1);
            for d in (0..digits).rev() {
                out.push(b"0123456789abcdef"[usize::from((x >> (4 * d)) & 0xf)]);
            }
        }
    };
    if best_len > 1 {
        hex(out, &g[..best]);
        out.extend_from_slice(b"::");
        hex(out, &g[best + best_len..]);
    } else {
        hex(out, &g);
    }
}

/// Parses IPv6 text: accepts exactly what std's `Ipv6Addr` parser accepts
/// (1 to 4 hex digits a group, one `::`, an IPv4 tail without leading
/// zeros in the last two groups' place), and nothing else.
///
/// Hand-written for the same reason as [`write_v6`] (std's parser needs a
/// UTF-8 check first and cost about 1,300 instructions an address); it
/// follows std's algorithm step by step, and a property test holds it to
/// std on random text.
pub(crate) fn parse_v6(t: &[u8]) -> Option<u128> {
    let mut head = [0u16; 8];
    let mut i = 0;
    let (n, v4) = v6_groups(t, &mut i, &mut head);
    if n == 8 {
        return (i == t.len()).then(|| groups_value(&head));
    }
    if v4 || t.get(i..i + 2) != Some(b"::") {
        return None;
    }
    i += 2;
    let mut tail = [0u16; 7];
    let limit = 8 - (n + 1);
    let (m, _) = v6_groups(t, &mut i, &mut tail[..limit]);
    if i != t.len() {
        return None;
    }
    head[8 - m..].copy_from_slice(&tail[..m]);
    Some(groups_value(&head))
}

fn groups_value(g: &[u16; 8]) -> u128 {
    g.iter().fold(0u128, |a, &x| (a << 16) | u128::from(x))
}

/// std's `read_groups`: colon-separated groups into `out` from `*i`, with an
/// IPv4 tail where two groups are still free; how many were read, and
/// whether the last two came from an IPv4 tail. `*i` ends after the last
/// whole group (a separator without a group after it is not taken).
fn v6_groups(t: &[u8], i: &mut usize, out: &mut [u16]) -> (usize, bool) {
    let limit = out.len();
    for k in 0..limit {
        let at = if k > 0 {
            if t.get(*i) != Some(&b':') {
                return (k, false);
            }
            *i + 1
        } else {
            *i
        };
        if k + 1 < limit {
            if let Some((a, e)) = strict_v4(t, at) {
                out[k] = (a >> 16) as u16;
                out[k + 1] = a as u16;
                *i = e;
                return (k + 2, true);
            }
        }
        let mut j = at;
        let mut v = 0u32;
        while j < t.len() && t[j].is_ascii_hexdigit() {
            if j - at == 4 {
                return (k, false);
            }
            v = (v << 4) | (t[j] as char).to_digit(16).unwrap_or(0);
            j += 1;
        }
        if j == at {
            return (k, false);
        }
        out[k] = v as u16;
        *i = j;
    }
    (limit, false)
}

/// std's IPv4 reader as used inside IPv6: four decimal octets of at most
/// three digits, no leading zero, each at most 255. Reads a prefix of
/// `t[at..]`; what follows is not looked at.
fn strict_v4(t: &[u8], at: usize) -> Option<(u32, usize)> {
    let mut i = at;
    let mut a = 0u32;
    for k in 0..4 {
        if k > 0 {
            if t.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let s = i;
        let mut v = 0u32;
        while i < t.len() && is_digit(t[i]) {
            if i - s == 3 {
                return None;
            }
            v = v * 10 + u32::from(t[i] - b'0');
            i += 1;
        }
        if i == s || v > 255 || (t[s] == b'0' && i - s > 1) {
            return None;
        }
        a = (a << 8) | v;
    }
    Some((a, i))
}

/// An IPv4 address in dotted decimal.
pub fn v4_text(a: u32) -> String {
    Ipv4Addr::from(a).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv6Addr;

    fn std_v6(t: &[u8]) -> Option<u128> {
        std::str::from_utf8(t).ok()?.parse::<Ipv6Addr>().ok().map(u128::from)
    }

    fn v6_text(a: u128) -> String {
        let mut out = Vec::new();
        write_v6(&mut out, a);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn v6_writer_matches_std_on_edge_cases() {
        let cases: &[&str] = &[
            "::",
            "::1",
            "1::",
            "::ffff:1.2.3.4",
            "::fffe:1.2.3.4",
            "::1.2.3.4",
            "64:ff9b::1.2.3.4",
            "1:0:0:1:0:0:0:1",
            "1:0:0:0:1:0:0:1",
            "1:0:1:0:1:0:1:0",
            "0:1:0:1:0:1:0:1",
            "1:2:3:4:5:6:7:0",
            "0:0:1:2:3:4:5:6",
            "2001:db8::",
            "fe80::1:0:0:0",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "0:0:0:0:0:ffff:0:0",
            "1:2:3:4:5:6:7:8",
            "a:b:c:d:e:f:10:100",
        ];
        for c in cases {
            let a = u128::from(c.parse::<Ipv6Addr>().unwrap());
            assert_eq!(v6_text(a), Ipv6Addr::from(a).to_string(), "{c}");
        }
    }

    /// Text close to an IPv6 address: a valid spelling (compressed, full,
    /// upper case, with an IPv4 tail) with up to three bytes changed,
    /// inserted or removed, so that the parsers' edges get hit.
    fn v6ish() -> impl Strategy<Value = String> {
        let spelling = (any::<u128>(), 0u8..5, 0u32..8).prop_map(|(a, how, zeros)| {
            // runs of zero groups where `zeros` says
            let a = a & !(((1u128 << (16 * (zeros % 4 + 1))) - 1) << (16 * (zeros % 5)));
            let ip = Ipv6Addr::from(a);
            let g = ip.segments();
            match how {
                0 => ip.to_string(),
                1 => g.map(|x| format!("{x:X}")).join(":"),
                2 => g.map(|x| format!("{x:04x}")).join(":"),
                3 => format!(
                    "{}:{}",
                    g[..6].iter().map(|x| format!("{x:x}")).collect::<Vec<_>>().join(":"),
                    Ipv4Addr::from(a as u32)
                ),
                _ => format!("::{}", Ipv4Addr::from(a as u32)),
            }
        });
        let edit = (
            0usize..64,
            0u8..3,
            proptest::sample::select(b"0123456789abcdefABCDEFg:.% ".to_vec()),
        );
        (spelling, proptest::collection::vec(edit, 0..4)).prop_map(|(t, edits)| {
            let mut b = t.into_bytes();
            for (at, op, c) in edits {
                let at = at % (b.len() + 1);
                match op {
                    0 => b.insert(at, c),
                    1 if at < b.len() => b[at] = c,
                    _ if at < b.len() => {
                        b.remove(at);
                    }
                    _ => {}
                }
            }
            String::from_utf8(b).unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn v6_parser_matches_std(t in v6ish()) {
            prop_assert_eq!(parse_v6(t.as_bytes()), std_v6(t.as_bytes()), "{}", t);
        }

        #[test]
        fn v6_round_trips_and_writer_matches_std(a in any::<u128>(), shape in 0u8..6) {
            // sparse addresses too: runs of zero groups, IPv4-mapped
            let a = match shape {
                0 => a,
                1 => a & 0xffff_0000_0000_ffff_0000_ffff_0000_ffff,
                2 => a & 0xffff_ffff,
                3 => (a & 0xffff_ffff) | (0xffff << 32),
                4 => a & 0xffff_0000_0000_0000_0000_0000_ffff_0000,
                _ => a & 0x0000_ffff_0000_ffff_ffff_0000_0000_0000,
            };
            let text = v6_text(a);
            prop_assert_eq!(&text, &Ipv6Addr::from(a).to_string());
            prop_assert_eq!(parse_v6(text.as_bytes()), Some(a));
            let full = Ipv6Addr::from(a).segments().map(|g| format!("{g:04X}")).join(":");
            prop_assert_eq!(parse_v6(full.as_bytes()), Some(a));
        }
    }

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
        let t = |p: &AddrPolicy, s: &str| {
            let mut out = Vec::new();
            write_v6(&mut out, p.truncate_v6(parse_v6(s.as_bytes()).unwrap()));
            String::from_utf8(out).unwrap()
        };
        // 6to4: the embedded 198.51.100.7 keeps its /24, the rest goes
        assert_eq!(t(&p, "2002:c633:6407::1"), "2002:c633:6400::");
        assert_eq!(t(&p, "2002:c633:6407:1234:5678::9"), "2002:c633:6400::");
        assert_eq!(t(&AddrPolicy::new(16, 48, &[]), "2002:c633:6407::1"), "2002:c633::");
        assert_eq!(t(&AddrPolicy::new(24, 32, &[]), "2002:c633:6407::1"), "2002:c633::");
        // NAT64: the form stays, the IPv4 part is truncated
        assert_eq!(t(&p, "64:ff9b::198.51.100.7"), "64:ff9b::c633:6400");
        assert_eq!(t(&p, "64:ff9b::c633:6400"), "64:ff9b::c633:6400");
        // not NAT64: 64:ff9b:1::/48 (RFC 8215) is cut to the /48
        assert_eq!(t(&p, "64:ff9b:1::c633:6407"), "64:ff9b:1::");
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
        assert!(p.keeps_v6(parse_v6(b"64:ff9b::10.1.2.3").unwrap()));
        assert!(p.keeps_v6(parse_v6(b"2002:a01:203::1").unwrap()));
        assert!(!p.keeps_v6(parse_v6(b"2002:b01:203::1").unwrap()));
    }

    #[test]
    fn write_v4_all_widths() {
        let mut out = Vec::new();
        write_v4(&mut out, u32::from(Ipv4Addr::new(0, 9, 99, 255)));
        assert_eq!(out, b"0.9.99.255");
    }
}
