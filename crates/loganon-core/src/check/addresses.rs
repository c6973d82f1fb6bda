//! The oracle's address detectors: dotted quads (not versions in user
//! agents), runs of hex digits, dots and colons (every IPv6 address that can
//! be cut out of them), four numbers joined by dashes in a host name,
//! reverse names (`in-addr.arpa`, `ip6.arpa`) and URL hosts written as one
//! number.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::Oracle;

/// The family's expressions.
struct Res {
    dotted: Regex,
    hexcolon: Regex,
    /// four decimal numbers joined by `-` in a host name
    dashed: Regex,
    /// `in-addr.arpa` and `ip6.arpa` names
    in_addr: Regex,
    ip6_arpa: Regex,
    /// a URL host that is one decimal or hex number
    num_host: Regex,
    /// a host name's first label written as one number: `0x` and eight hex
    /// digits, eight to ten decimal digits, or eight hex digits
    /// (`c0a80105.nip.io`)
    num_label: Regex,
    /// four decimal numbers joined by `-` after a part with a letter, ending
    /// a name of its own (`ip-10-1-2-3`)
    dashed_alone: Regex,
}

/// The address detectors, built once.
fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Res {
            dotted: re(r"(?-u)[0-9]+(?:\.[0-9]+)+"),
            hexcolon: re(r"(?-u)[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*"),
            // before: not a digit or a dash, or a dash after a part holding a
            // letter (`dsl-`, `ec2-`); after: the rest of the label, then two
            // more labels
            dashed: re(r"(?-u)(?:^|[^0-9\-]|[A-Za-z][0-9]*-)([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})((?:[A-Za-z][A-Za-z0-9\-]*|-|-[A-Za-z\-][A-Za-z0-9\-]*)?)\.[A-Za-z0-9][A-Za-z0-9\-]*\.[A-Za-z0-9]"),
            in_addr: re(r"(?i-u)(?:^|[^0-9A-Za-z])((?:[0-9]{1,3}\.){1,4})in-addr\.arpa(?:$|[^0-9A-Za-z_\-])"),
            ip6_arpa: re(r"(?i-u)(?:^|[^0-9A-Za-z])((?:[0-9a-f]\.){1,32})ip6\.arpa(?:$|[^0-9A-Za-z_\-])"),
            num_host: re(r#"(?i-u)[a-z][a-z0-9+.\-]*://(?:[^/\s@?#"'<>\\\[\]]*@)?(0x[0-9a-f]{1,8}|[0-9]{1,10})(?:$|[^0-9a-z._~%:@\-]|:[0-9]+(?:$|[^0-9a-z._~%:@\-]))"#),
            num_label: re(r"(?i-u)(?:^|([^0-9a-z_]))(0x[0-9a-f]{8}|[0-9]{8,10}|[0-9a-f]{8})((?:\.[a-z0-9][a-z0-9\-]*)+)"),
            dashed_alone: re(r"(?-u)(?:^|[^0-9A-Za-z])[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*-([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})(?:$|[^0-9A-Za-z_.\-]|\.(?:$|[^0-9A-Za-z]))"),
        }
    })
}

/// Whether the dotted number at `start` of `t` is a version in a user agent:
/// after `rv:`, or after `Product/` where the product name starts a token.
fn is_ua_version(t: &[u8], start: usize) -> bool {
    let before = &t[..start];
    if before.len() >= 3 && before[before.len() - 3..].eq_ignore_ascii_case(b"rv:") {
        return before.len() == 3 || !before[before.len() - 4].is_ascii_alphanumeric();
    }
    let Some(name) = before.strip_suffix(b"/") else {
        return false;
    };
    let from = name
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .map_or(0, |k| k + 1);
    let product = &name[from..];
    !product.is_empty()
        && product.len() < 64
        && product[0].is_ascii_alphabetic()
        && product.iter().any(u8::is_ascii_lowercase)
        && (from == 0 || b" \t(;,\"'+".contains(&name[from - 1]))
}

/// Whether a text cut out of a longer run looks like an address rather than
/// a word: three groups, or two with a decimal digit.
fn looks_like_v6(t: &[u8]) -> bool {
    let groups: usize = t
        .split(|&b| b == b':')
        .filter(|g| !g.is_empty())
        .map(|g| if g.contains(&b'.') { 2 } else { 1 })
        .sum();
    groups >= 3 || (groups >= 2 && t.iter().any(u8::is_ascii_digit))
}

impl Oracle<'_> {
    /// Every IPv6 address that can be cut out of a run of hex digits, dots
    /// and colons: the whole run where it stands alone, any part of it that
    /// looks like an address.
    pub(super) fn v6_run(&mut self, text: &[u8], start: usize, end: usize) {
        let run = &text[start..end];
        if run.len() > 128 {
            return;
        }
        let alone = (start == 0 || !text[start - 1].is_ascii_alphanumeric())
            && (end == text.len() || !text[end].is_ascii_alphanumeric());
        // a run standing alone that is one address is that address (its
        // cuts are other addresses: `64:ff9b::c633` of `64:ff9b::c633:6400`)
        if alone {
            if let Some(a) = std::str::from_utf8(run).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) {
                if !self.v6_clean(u128::from(a)) {
                    let net = Ipv6Addr::from(self.policy.truncate_v6(u128::from(a)));
                    self.found.push(("ipv6", format!("{net} + host bits")));
                }
                return;
            }
        }
        // cuts at group boundaries only, and into an overlong first or last
        // group (`abc2001:db8::1`, `2001:db8::1abcd`)
        let colons: Vec<usize> = (0..run.len()).filter(|&k| run[k] == b':').collect();
        let (first, last) = (colons[0], colons[colons.len() - 1]);
        let mut starts: Vec<usize> = std::iter::once(0).chain(colons.iter().map(|k| k + 1)).collect();
        if first > 4 {
            starts.push(first - 4);
        }
        let mut ends: Vec<usize> = colons.iter().copied().chain(std::iter::once(run.len())).collect();
        for k in 0..run.len() - 1 {
            if &run[k..k + 2] == b"::" {
                starts.push(k);
                ends.push(k + 2);
            }
        }
        if run.len() - last > 5 && !run[last..].contains(&b'.') {
            ends.push(last + 5);
        }
        for &i in &starts {
            for &j in &ends {
                if j < i + 2 || j - i > 45 {
                    continue;
                }
                let cand = &run[i..j];
                let whole = i == 0 && j == run.len();
                if !(looks_like_v6(cand) || (whole && alone)) {
                    continue;
                }
                let Some(a) = std::str::from_utf8(cand).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) else {
                    continue;
                };
                if !self.v6_clean(u128::from(a)) {
                    let net = Ipv6Addr::from(self.policy.truncate_v6(u128::from(a)));
                    self.found.push(("ipv6", format!("{net} + host bits")));
                    return;
                }
            }
        }
    }

    /// The reverse names (`in-addr.arpa`, `ip6.arpa`) in `t`: each is
    /// judged as the address it spells, backwards; their spans are returned
    /// so that the dotted detector leaves their labels alone.
    pub(super) fn reverse_names(&mut self, t: &[u8]) -> Vec<Range<usize>> {
        let d = res();
        let mut spans = Vec::new();
        for c in d.in_addr.captures_iter(t) {
            let Some(m) = c.get(1) else { continue };
            spans.push(m.range());
            let labels: Vec<u32> = m
                .as_bytes()
                .split(|&b| b == b'.')
                .filter(|l| !l.is_empty())
                .filter_map(|l| std::str::from_utf8(l).ok()?.parse().ok())
                .collect();
            if labels.iter().any(|&v| v > 255) {
                continue;
            }
            // most significant last; a shorter name is a zone (a prefix)
            let a = labels
                .iter()
                .rev()
                .enumerate()
                .fold(0u32, |a, (k, &v)| a | (v << (24 - 8 * k as u32)));
            if labels.len() == 4 {
                self.v4(a);
            } else if self.policy.truncate_v4(a) != a && !self.policy.keeps_v4(a) {
                let net = Ipv4Addr::from(self.policy.truncate_v4(a));
                self.found
                    .push(("in-addr-arpa", format!("{net}/{} + host bits", self.policy.ipv4_prefix)));
            }
        }
        for c in d.ip6_arpa.captures_iter(t) {
            let Some(m) = c.get(1) else { continue };
            spans.push(m.range());
            let nibbles: Vec<u32> = m.as_bytes().iter().filter_map(|&b| (b as char).to_digit(16)).collect();
            let a = nibbles
                .iter()
                .rev()
                .enumerate()
                .fold(0u128, |a, (k, &v)| a | (u128::from(v) << (124 - 4 * k as u32)));
            let clean = if nibbles.len() == 32 {
                self.v6_clean(a)
            } else {
                // a zone: nothing beyond the IPv6 prefix
                let keep = u32::from(self.policy.ipv6_prefix);
                keep >= 128 || a & (u128::MAX >> keep) == 0
            };
            if !clean {
                let net = Ipv6Addr::from(self.policy.truncate_v6(a));
                self.found.push(("ip6-arpa", format!("{net} + host bits")));
            }
        }
        spans
    }

    /// Four decimal numbers joined by `-` in a host name (`dsl-84-12-3-5.example.net`).
    pub(super) fn dashed_addresses(&mut self, t: &[u8]) {
        let d = res();
        for c in d.dashed.captures_iter(t) {
            // the label goes on with a letter, not with more numbers
            let rest = &c[5];
            if rest.first().is_some_and(u8::is_ascii_digit)
                || (rest.first() == Some(&b'-') && rest.get(1).is_some_and(u8::is_ascii_digit))
            {
                continue;
            }
            let o: Vec<u32> = (1..=4)
                .filter_map(|k| std::str::from_utf8(&c[k]).ok()?.parse().ok())
                .collect();
            if o.len() == 4 && o.iter().all(|&v| v <= 255) {
                self.v4((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]);
            }
        }
        for c in d.dashed_alone.captures_iter(t) {
            let o: Vec<u32> = (1..=4)
                .filter_map(|k| std::str::from_utf8(&c[k]).ok()?.parse().ok())
                .collect();
            if o.len() == 4 && o.iter().all(|&v| v <= 255) {
                self.v4((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]);
            }
        }
    }

    /// A host name's first label written as one number (`3325256781.nip.io`,
    /// `c0a80105.nip.io`, `0xc633644d.nip.io`); eight hex digits count when
    /// one of them is a decimal digit.
    pub(super) fn number_labels(&mut self, t: &[u8]) {
        let d = res();
        for c in d.num_label.captures_iter(t) {
            let h = std::str::from_utf8(&c[2]).unwrap_or("");
            // under a wildcard DNS service (elsewhere such a label is a
            // name's); a decimal number after a `-` is a name's
            let rest = String::from_utf8_lossy(&c[3]).to_ascii_lowercase();
            let dash = c.get(1).is_some_and(|m| m.as_bytes() == b"-");
            if ![".nip.io", ".sslip.io", ".xip.io", ".nip.direct", ".traefik.me"].contains(&rest.as_str())
                || (dash && h.bytes().all(|b| b.is_ascii_digit()))
            {
                continue;
            }
            let v = if let Some(x) = h.strip_prefix("0x").or_else(|| h.strip_prefix("0X")) {
                u64::from_str_radix(x, 16).ok()
            } else if h.bytes().all(|b| b.is_ascii_digit()) {
                h.parse::<u64>().ok()
            } else if h.bytes().any(|b| b.is_ascii_digit()) {
                u64::from_str_radix(h, 16).ok()
            } else {
                None
            };
            if let Some(v) = v.and_then(|v| u32::try_from(v).ok()) {
                self.v4(v);
            }
        }
    }

    /// URL hosts written as one decimal or hex number.
    pub(super) fn numeric_hosts(&mut self, t: &[u8]) {
        let d = res();
        for c in d.num_host.captures_iter(t) {
            let h = std::str::from_utf8(&c[1]).unwrap_or("");
            let v = match h.get(..2) {
                Some("0x" | "0X") => u64::from_str_radix(&h[2..], 16).ok(),
                _ => h.parse::<u64>().ok(),
            };
            if let Some(v) = v.and_then(|v| u32::try_from(v).ok()) {
                self.v4(v);
            }
        }
    }

    /// Dotted quads, outside the `reverse` names and not versions in a user agent.
    pub(super) fn dotted_addresses(&mut self, t: &[u8], reverse: &[Range<usize>]) {
        let d = res();
        // the reverse names as disjoint spans in order, walked along with
        // the matches (which come in order)
        let mut spans: Vec<Range<usize>> = reverse.to_vec();
        spans.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
        for r in spans {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut j = 0;
        for m in d.dotted.find_iter(t) {
            while j < merged.len() && merged[j].end <= m.start() {
                j += 1;
            }
            if merged.get(j).is_some_and(|r| r.start < m.end()) {
                continue;
            }
            let mut parts: Vec<&[u8]> = m.as_bytes().split(|&b| b == b'.').collect();
            // more than four numbers is a version or an OID, not an address,
            // unless the fifth has six digits or more (Apache mod_usertrack's
            // `ADDRESS.TIME`: no version has such a part)
            if parts.len() == 5 && parts[4].len() >= 6 {
                parts.pop();
            } else if parts.len() == 5 && parts[0].len() >= 6 {
                // the mirror: a long number and an address after it
                parts.remove(0);
            }
            if parts.len() != 4 {
                continue;
            }
            let octets: Option<Vec<u8>> = parts
                .iter()
                .map(|p| std::str::from_utf8(p).ok()?.parse::<u8>().ok())
                .collect();
            if let Some(o) = octets {
                if is_ua_version(t, m.start()) {
                    continue;
                }
                self.v4(u32::from_be_bytes([o[0], o[1], o[2], o[3]]));
            }
        }
    }

    /// Runs of hex digits, dots and colons: the IPv6 addresses in them.
    pub(super) fn colon_runs(&mut self, t: &[u8]) {
        let d = res();
        for m in d.hexcolon.find_iter(t) {
            self.v6_run(t, m.start(), m.end());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_bytes;
    use crate::rules::Rules;

    #[test]
    fn finds_addresses_inside_addresses_and_names() {
        let count = |data: &str| check_bytes(&Rules::default(), data.as_bytes()).total();
        for raw in [
            "x 2002:c633:6407::1 y",
            "x 2002:c633:6400:0:1:: y",
            "x 64:ff9b::198.51.100.7 y",
            "x dsl-84-12-3-5.dyn.example.net y",
            "x ec2-54-12-34-56.compute-1.amazonaws.com y",
            "x 1-2-3-4.sslip.io y",
            "x 5.3.12.84.in-addr.arpa y",
            "x 5.3.12.84.in-addr.arpa. y",
            "x b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y",
            "x 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.2.ip6.arpa y",
            r#""http://3325256781/" "http://0xC633644D:80/""#,
            "q=dsl%2D84%2D12%2D3%2D5.dyn.example.net",
            r#"{"u":"http:\/\/3325256781\/"}"#,
            "johns-iphone.lan - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
            "x 3325256781.nip.io y",
            "x c0a80105.nip.io y",
            "x app-C0A80105.nip.io y",
            "x 0xc633644d.nip.io y",
            "x ip-10-1-2-3 y",
            "x ip-10-1-2-3. y",
            "Apache=52.45.125.4.1700000000123456",
        ] {
            assert!(count(raw) > 0, "{raw}");
        }
        for clean in [
            "x 2002:c633:6400:: 64:ff9b::c633:6400 y",
            "x dsl-84-12-3-0.dyn.example.net 2013-11-22 10-84-12-3-5.dyn.example.net a-1-2-3-4.png",
            "x 0.3.12.84.in-addr.arpa 3.12.84.in-addr.arpa y",
            "x 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y",
            "x 1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y",
            r#""http://3325256704/" "http://0xc6336400/" http://3325256704.nip.io/"#,
            "x deadbeef.example.com 1700000000.123 ip-10-1-2-0 a-1-2-3-4-5 1.2.3.4.5 52.45.125.0.1700000000123 y",
            "/files/fex-20070729.tar.gz /js/vendors-1a2b3c4d.chunk.js http://lb-12030537.eu-central-1.elb.amazonaws.com/",
            "https://3f2a9c1b.myproject.pages.dev/ 20240101.backup.example.com http://3325256781.example.com/",
            "lan - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
            "example.net - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        ] {
            let r = check_bytes(&Rules::default(), clean.as_bytes());
            assert_eq!(r.total(), 0, "{clean}: {}", r.to_text());
        }
    }
}
