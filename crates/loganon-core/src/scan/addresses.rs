//! Addresses in the spellings that are no plain dotted quad or colon run:
//! an IPv4 address inside a host name (dashed, `dsl-84-12-3-5.example.net`),
//! reverse names (`in-addr.arpa`, `ip6.arpa`), a URL host written as one
//! number (`http://3325256781/`), and the pieces the dispatch reads plain
//! addresses with: an IPv6 zone, an IPv4 part with leading zeros, whether a
//! cut looks like an address, and versions in user agents.

use crate::addr::{is_digit, parse_v4_at, parse_v6};

use super::bytes::{is_hex, is_mac};
use super::sink::{Sink, V4Form};
use super::state::{run_end, Scanner};

/// Whether an IPv6 candidate cut out of a run glued to other word bytes
/// looks like an address rather than a word (`std::vector`, `Foo::Bar`):
/// three groups, or two with a decimal digit among them.
pub(super) fn plausible_v6(t: &[u8]) -> bool {
    let mut groups = 0;
    for g in t.split(|&b| b == b':') {
        if !g.is_empty() {
            groups += if g.contains(&b'.') { 2 } else { 1 };
        }
    }
    groups >= 3 || (groups >= 2 && t.iter().any(u8::is_ascii_digit))
}

impl Scanner<'_> {
    /// The labels of a reverse name before `s[e..]`, if that is
    /// `in-addr.arpa` or `ip6.arpa` (any case) and the name ends there;
    /// the run around `.` and `:` that holds them starts at `run`.
    /// Out of line: only runs of digits and dots before an `i` come here.
    #[cold]
    #[inline(never)]
    pub(super) fn arpa<S: Sink>(&mut self, run: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let rest = &s[e..];
        let ends = |n: usize| {
            rest.get(n)
                .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        };
        let floor = self.floor;
        if rest.len() >= 12 && rest[..12].eq_ignore_ascii_case(b"in-addr.arpa") && ends(12) {
            // decimal labels back from the dot at e - 1, at most four
            let (mut k, mut n, mut addr, mut from) = (e - 1, 0u32, 0u32, e);
            while n < 4 {
                let mut d = k;
                while d > floor && is_digit(s[d - 1]) && k - d <= 3 {
                    d -= 1;
                }
                let text = &s[d..k];
                if text.is_empty() || text.len() > 3 || (d > floor && is_digit(s[d - 1])) {
                    break;
                }
                let v = text.iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
                if v > 255 {
                    break;
                }
                addr |= v << (24 - 8 * n);
                n += 1;
                from = d;
                if d > floor + 1 && s[d - 1] == b'.' && is_digit(s[d - 2]) {
                    k = d - 1;
                } else {
                    break;
                }
            }
            // (fewer than four labels glued to a `:` or a hex digit end an
            // IPv6 address: `8::3:1.in-addr.arpa` and `9::1:f1.in-addr.arpa`
            // are read as that address)
            if n == 0 || (n < 4 && from > floor && (s[from - 1] == b':' || s[from - 1].is_ascii_alphanumeric())) {
                return None;
            }
            if !self.before_reverse(run, from, sink) {
                return Some(self.floor);
            }
            self.v4_form(sink, from, e - 1, addr, V4Form::Reversed { labels: n as u8 });
            return Some(e - 1);
        }
        if rest.len() >= 8 && rest[..8].eq_ignore_ascii_case(b"ip6.arpa") && ends(8) {
            // single hex digits and dots back from e, at most 32
            let (mut k, mut n, mut addr, mut upper) = (e, 0u32, 0u128, false);
            while n < 32 && k >= floor + 2 && s[k - 1] == b'.' && is_hex(s[k - 2]) {
                let c = s[k - 2];
                if k - 2 > floor && s[k - 3].is_ascii_alphanumeric() {
                    break;
                }
                let v = (c as char).to_digit(16).unwrap_or(0);
                upper |= c.is_ascii_uppercase();
                addr |= u128::from(v) << (124 - 4 * n);
                n += 1;
                k -= 2;
                if !(k > floor && s[k - 1] == b'.') {
                    break;
                }
            }
            // (fewer than 32 nibbles glued to a `:` end an address run, as
            // reverse labels do: `4.3.2.5:2:7.ip6.arpa` is read as that run)
            if n == 0 || (n < 32 && k > floor && s[k - 1] == b':') {
                return None;
            }
            if !self.before_reverse(run, k, sink) {
                return Some(self.floor);
            }
            let sep = self.view.as_ref().and_then(|v| v.sep(k, e - 1, b'.'));
            let (from, to) = self.source_span(k, e - 1);
            sink.ip6_nibbles(from, to, addr, n as u8, upper, sep);
            self.floor = e - 1;
            return Some(e - 1);
        }
        None
    }

    /// The run from `run` up to a reverse name that starts at `from`: its
    /// addresses go first (`1.2.3.4:4.3.2.1.in-addr.arpa`,
    /// `2001:db8::1:4.3.2.1.in-addr.arpa`), as they come before the name.
    /// False when one of them runs into the name (it is then not read as
    /// one).
    fn before_reverse<S: Sink>(&mut self, run: usize, from: usize, sink: &mut S) -> bool {
        let a = run.max(self.floor);
        if from < a + 8 {
            return true;
        }
        let colons = self.s[a..from].iter().filter(|&&c| c == b':').count();
        if colons < 2 || !self.ipv6_or_mac(a, from, sink) {
            self.v4_in_run(a, from, sink);
        }
        self.floor <= from
    }

    /// A `-` between digits at `i`: four decimal octets joined by `-` in a
    /// host name (`dsl-84-12-3-5.dyn.example.net`,
    /// `ec2-54-12-34-56.compute-1.amazonaws.com`, `host86-1-2-3.range...`).
    /// Before them: nothing of the name, a letter, or a `-` after a part
    /// with a letter (`10-84-12-3-5` is five numbers, no address); after
    /// them: no `-` and digit, and the rest of the label then two more
    /// labels (`.dyn.example`). `domain_at(s, d)`: whether a domain name
    /// starts at `d` (numbers before `@` and a domain are an email's local
    /// part, for the email's rule to take whole). Out of line: dates come
    /// here too.
    #[cold]
    #[inline(never)]
    pub(super) fn dashed_v4<S: Sink>(
        &mut self,
        i: usize,
        domain_at: impl Fn(&[u8], usize) -> bool,
        sink: &mut S,
    ) -> Option<usize> {
        let s = self.s;
        let mut d = i;
        while d > self.floor && is_digit(s[d - 1]) {
            d -= 1;
            if i - d > 3 {
                return None;
            }
        }
        // a part with a letter before (`ip-`, `dsl-`)
        let mut named = false;
        if d > self.floor && s[d - 1] == b'-' {
            let mut k = d - 1;
            while k > self.floor && s[k - 1].is_ascii_alphanumeric() {
                k -= 1;
                named |= s[k].is_ascii_alphabetic();
            }
            if !named {
                return None;
            }
        }
        // a MAC is no address (`10-20-30-40-aa-bb`)
        if s.get(d..d + 17).is_some_and(|t| is_mac(t, b'-')) {
            return None;
        }
        let mut p = d;
        let mut addr = 0u32;
        let mut last = d;
        for k in 0..4 {
            if k > 0 {
                if s.get(p) != Some(&b'-') {
                    return None;
                }
                p += 1;
            }
            let st = p;
            last = st;
            let mut v = 0u32;
            while p < s.len() && is_digit(s[p]) && p - st < 3 {
                v = v * 10 + u32::from(s[p] - b'0');
                p += 1;
            }
            if p == st || v > 255 || (p < s.len() && is_digit(s[p])) {
                return None;
            }
            addr = (addr << 8) | v;
        }
        let end = p;
        if s.get(end) == Some(&b'-') && s.get(end + 1).is_some_and(|&b| is_digit(b)) {
            return None;
        }
        // (where a label read from `q` ends: remembered, as the `-` of the
        // next numbers in the same label come here again)
        let label = |sc: &mut Self, q: usize, k: usize| {
            run_end(s, q, &mut sc.ahead().label[k], |b| {
                b.is_ascii_alphanumeric() || b == b'-'
            })
        };
        // a name of its own (`ip-10-1-2-3`, as EC2 names its hosts) ends
        // with the numbers: no more of a label or a name after them
        let alone = named
            && match s.get(end) {
                None => true,
                Some(b'.') => !s.get(end + 1).is_some_and(u8::is_ascii_alphanumeric),
                // (`ip-10-1-2-3@example.com`: the local part of an email,
                // which the `@` takes whole; an `@` before no domain is
                // none)
                Some(b'@') => !domain_at(s, end + 1),
                Some(&b) => !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            };
        if !alone {
            let mut q = label(self, end, 0);
            for k in 0..2 {
                if s.get(q) != Some(&b'.') || !s.get(q + 1).is_some_and(u8::is_ascii_alphanumeric) {
                    return None;
                }
                if k == 0 {
                    q = label(self, q + 1, 1);
                }
            }
        }
        // the last number begins a dotted address (`dsl-84-12-3-51.2.3.4`):
        // that one goes with it (fail closed, as `dashed_tail` takes the
        // numbers dashed after a dotted one)
        let end = match parse_v4_at(s, last) {
            Some((_, e)) if e > end && s[end] == b'.' => e,
            _ => end,
        };
        // or an IPv6 address (`l-4-2-3-5::1`: left, `0::1` would be one)
        let end = match s.get(end) {
            Some(b':') => v6_after_dashed(s, last).unwrap_or(end),
            _ => end,
        };
        self.v4_form(sink, d, end, addr, V4Form::Dashed);
        Some(end)
    }

    /// The first label of a host name written as one number, `a..dot`:
    /// eight to ten decimal digits (`3325256781.nip.io`), eight hex digits
    /// with a digit among them (`c0a80105.nip.io`, as nip.io and sslip.io
    /// read them), or `0x` and eight hex digits (`a` after the `0x`).
    /// Before it: no letter, digit or `_` (a `-` or `.` of a longer name
    /// may be: `app-c0a80105.nip.io`; not a `-` before decimal digits);
    /// after it, a wildcard DNS service's name ([`WILDCARD_DNS`]). Out of
    /// line: few dots come here.
    #[cold]
    #[inline(never)]
    pub(super) fn number_label<S: Sink>(&mut self, a: usize, dot: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let text = &s[a..dot];
        let prefixed = a >= 2 && s[a - 2] == b'0' && matches!(s[a - 1], b'x' | b'X');
        let b = if prefixed { a - 2 } else { a };
        if (b > 0 && (s[b - 1].is_ascii_alphanumeric() || s[b - 1] == b'_'))
            || !s.get(dot + 1).is_some_and(u8::is_ascii_alphabetic)
        {
            return None;
        }
        if prefixed {
            if text.len() != 8 || !text.iter().all(|&b| is_hex(b)) {
                return None;
            }
        } else if !(8..=10).contains(&text.len()) {
            return None;
        }
        // the rest of the host name: a wildcard DNS service, which reads
        // the label as an address (elsewhere such a label is a name's:
        // `3f2a9c1b.myproject.pages.dev`, `20240101.backup.example.com`)
        let mut q = dot + 1;
        while q < s.len() && (s[q].is_ascii_alphanumeric() || matches!(s[q], b'-' | b'.')) && q - dot < 64 {
            q += 1;
        }
        let host = s[dot + 1..q].strip_suffix(b".").unwrap_or(&s[dot + 1..q]);
        if !WILDCARD_DNS.iter().any(|d| host.eq_ignore_ascii_case(d)) {
            return None;
        }
        let (v, form) = if !prefixed && text.iter().all(|&b| is_digit(b)) {
            // (a number after a `-` is a name's: `name-12030537.eu-central-1.elb.amazonaws.com`)
            if b > 0 && s[b - 1] == b'-' {
                return None;
            }
            let v = text.iter().fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
            (u32::try_from(v).ok()?, V4Form::Decimal)
        } else if (prefixed || (text.len() == 8 && text.iter().any(|&b| is_digit(b))))
            && text.iter().all(|&b| is_hex(b))
        {
            let v = text
                .iter()
                .fold(0u32, |v, &b| (v << 4) | (b as char).to_digit(16).unwrap_or(0));
            let upper = text.iter().any(u8::is_ascii_uppercase);
            (
                v,
                V4Form::Hex {
                    digits: text.len() as u8,
                    upper,
                },
            )
        } else {
            return None;
        };
        self.v4_form(sink, a, dot, v, form);
        Some(dot)
    }

    /// A URL host at `h` written as one number, decimal (`3325256781`) or
    /// hex (`0xc633644d`), which URL parsers read as an IPv4 address.
    pub(super) fn numeric_host<S: Sink>(&mut self, h: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let hex = s.get(h) == Some(&b'0') && matches!(s.get(h + 1), Some(b'x' | b'X'));
        let from = if hex { h + 2 } else { h };
        let (max, radix) = if hex { (8, 16) } else { (10, 10) };
        let mut p = from;
        let mut v = 0u64;
        let mut upper = false;
        while p < s.len() && p - from <= max {
            let Some(x) = (s[p] as char).to_digit(radix) else { break };
            upper |= s[p].is_ascii_uppercase();
            v = v * u64::from(radix) + u64::from(x);
            p += 1;
        }
        let n = p - from;
        if n == 0 || n > max || v > u64::from(u32::MAX) {
            return None;
        }
        // the host ends there, or a port follows (`00:1a:2b:...` is no host
        // and port: a MAC or an address may start at the host)
        let ends = |b: Option<&u8>| {
            b.is_none_or(|&b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b'%' | b':' | b'@'))
            })
        };
        if !ends(s.get(p)) {
            if s.get(p) != Some(&b':') {
                return None;
            }
            let mut q = p + 1;
            while q < s.len() && is_digit(s[q]) {
                q += 1;
            }
            if q == p + 1 || !ends(s.get(q)) {
                return None;
            }
        }
        let form = if hex {
            V4Form::Hex { digits: n as u8, upper }
        } else {
            V4Form::Decimal
        };
        self.v4_form(sink, from, p, v as u32, form);
        Some(p)
    }
}

/// Wildcard DNS services: a name under them spells the address it resolves
/// to (`c0a80105.nip.io`, `3325256781.sslip.io`).
const WILDCARD_DNS: &[&[u8]] = &[b"nip.io", b"sslip.io", b"xip.io", b"nip.direct", b"traefik.me"];

/// The end of an IPv6 address that starts with a dashed address's last
/// number at `last` (`5::1` of `l-4-2-3-5::1`): its run of hex digits,
/// colons and dots, when that holds `::` or parses as an address.
fn v6_after_dashed(s: &[u8], last: usize) -> Option<usize> {
    let mut e = last;
    while e < s.len() && e - last < 45 && (s[e].is_ascii_hexdigit() || matches!(s[e], b':' | b'.')) {
        e += 1;
    }
    while e > last && matches!(s[e - 1], b'.') {
        e -= 1;
    }
    let run = &s[last..e];
    (run.windows(2).any(|w| w == b"::") || parse_v6(run).is_some()).then_some(e)
}

/// After an IPv6 address ending at `end` in an IPv4 part
/// (`::ffff:1.2.3.44-12-3-5.dyn...`): the end of the numbers dashed on
/// after it, as [`dashed_tail`] reads them after an IPv4 address (they go
/// with it, fail closed).
#[inline]
pub(super) fn v4_tail(s: &[u8], end: usize) -> Option<usize> {
    if s.get(end) != Some(&b'-') {
        return None;
    }
    let group = s[..end].iter().rposition(|&b| b == b':').map_or(0, |k| k + 1);
    if !s[group..end].contains(&b'.') {
        return None;
    }
    dashed_tail(s, end)
}

/// After an IPv4 address ending at `end`: three numbers or more (0 to 255)
/// joined on by `-`, whose end is returned (`172.17.0.84-12-3-5`: the
/// last number of the address and those read as a dashed address too).
pub(super) fn dashed_tail(s: &[u8], end: usize) -> Option<usize> {
    let (mut p, mut n) = (end, 0);
    while s.get(p) == Some(&b'-') {
        let st = p + 1;
        let (mut q, mut v) = (st, 0u32);
        while q < s.len() && is_digit(s[q]) && q - st < 3 {
            v = v * 10 + u32::from(s[q] - b'0');
            q += 1;
        }
        if q == st || v > 255 || s.get(q).is_some_and(|&b| is_digit(b)) {
            break;
        }
        n += 1;
        p = q;
    }
    (n >= 3).then_some(p)
}

/// Whether the IPv4-shaped token at `p` is a version: right after a
/// product name and `/` (`Firefox/2.0.0.4`, `Chrome/1.2.3.4`) or after `rv:`
/// (`rv:1.9.0.1`), as user agents write them. The product name is letters,
/// digits, `_` and `-`, starts with a letter and stands at the start of a
/// token (after white space, `(`, `;`, `,`, a quote, `+` or the start) and
/// holds a lower-case letter, as user-agent products do (`Firefox`,
/// `zlib`): `/ip/1.2.3.4`, `?a=b/1.2.3.4`, `example.com/1.2.3.4` and Squid's
/// `DIRECT/93.184.216.34` are addresses.
pub(super) fn is_version_at(s: &[u8], p: usize) -> bool {
    if p >= 3 && s[p - 3..p].eq_ignore_ascii_case(b"rv:") {
        return p == 3 || !s[p - 4].is_ascii_alphanumeric();
    }
    if p < 2 || s[p - 1] != b'/' {
        return false;
    }
    let mut k = p - 1;
    while k > 0 && (s[k - 1].is_ascii_alphanumeric() || matches!(s[k - 1], b'_' | b'-')) && p - k < 64 {
        k -= 1;
    }
    k < p - 1
        && s[k].is_ascii_alphabetic()
        && s[k..p - 1].iter().any(u8::is_ascii_lowercase)
        && (k == 0 || matches!(s[k - 1], b' ' | b'\t' | b'(' | b';' | b',' | b'"' | b'\'' | b'+'))
}

/// IPv6 with an embedded IPv4 part written with leading zeros
/// (`::01.2.3.4`), which std refuses: the IPv4 part is read leniently and the
/// address parsed again.
pub(super) fn parse_v6_leading_zero_v4(text: &[u8]) -> Option<u128> {
    let colon = memchr::memrchr(b':', text)?;
    let (v4, end) = parse_v4_at(text, colon + 1)?;
    if end != text.len() {
        return None;
    }
    let mut buf = Vec::with_capacity(64);
    buf.extend_from_slice(&text[..=colon]);
    crate::addr::write_v4(&mut buf, v4);
    parse_v6(&buf)
}

/// `%zone` after an IPv6 address: `%` then `[A-Za-z0-9_.-]+` (a `%25`
/// of URL-encoded text is already decoded to `%` when this runs).
pub(super) fn zone_end(s: &[u8], end: usize) -> usize {
    if end >= s.len() || s[end] != b'%' {
        return end;
    }
    let zone = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~');
    let mut z = end + 1;
    // the last `%` inside the zone
    let mut inner = None;
    // (letters, digits, `_ - . ~`: a name's `[ ]` are no part of a zone)
    while z < s.len() && zone(s[z]) {
        z += 1;
        // a `%` inside the zone (`::%2%2`) goes with it: what follows would
        // be a zone of its own once the first is removed (idempotence)
        if z + 1 < s.len() && s[z] == b'%' && zone(s[z + 1]) {
            inner = Some(z);
            z += 1;
        }
    }
    match s.get(z) {
        _ if z == end + 1 => end,
        // more of the run follows (`::%x00:1a:...`): no zone, or the zone
        // up to its last `%`, where the next address begins
        // (`::1%et%0::1`: the zone `%et`, then `%0::1`), as a second pass
        // reads it once the first address is rewritten
        Some(b':') => inner.unwrap_or(end),
        _ => z,
    }
}

#[cfg(test)]
mod tests {
    use crate::scan::testing::found;

    #[test]
    fn addresses() {
        assert_eq!(found("1.2.3.4:8080"), ["v4 0..7 1.2.3.4"]);
        assert_eq!(found("[2001:db8::1]:443"), ["v6 1..12..12 2001:db8::1"]);
        assert_eq!(found("fe80::1%eth0 x"), ["v6 0..7..12 fe80::1"]);
        assert_eq!(found("a ::1%0 -"), ["v6 2..5..7 ::1"]);
        assert_eq!(found("ip:2001:db8::1."), ["v6 3..14..14 2001:db8::1"]);
        assert_eq!(found("x=2001%3Adb8%3A%3A1&"), ["v6 2..19..19 2001:db8::1 sep %3A"]);
        assert_eq!(found("10.0.0.2, 10.0.0.1"), ["v4 0..8 10.0.0.2", "v4 10..18 10.0.0.1"]);
        assert_eq!(found("abc1.2.3.4 x"), ["v4 3..10 1.2.3.4"]);
    }

    #[test]
    fn addresses_in_names_and_hosts() {
        assert_eq!(found("dsl-84-12-3-5.dyn.example.net"), ["v4 4..13 84.12.3.5 Dashed"]);
        assert_eq!(
            found("ec2-54-12-34-56.compute-1.amazonaws.com"),
            ["v4 4..15 54.12.34.56 Dashed"]
        );
        assert_eq!(found("ip-10-1-2-3.ec2.internal"), ["v4 3..11 10.1.2.3 Dashed"]);
        assert_eq!(found("1-2-3-4.sslip.io"), ["v4 0..7 1.2.3.4 Dashed"]);
        assert_eq!(
            found("host86-142-1-2.range86-142.btcentralplus.com"),
            ["v4 4..14 86.142.1.2 Dashed"]
        );
        assert_eq!(found("54.12.34.56.nip.io"), ["v4 0..11 54.12.34.56"]);
        assert_eq!(
            found("h=dsl%2d84%2d12%2d3%2d5.dyn.example.net"),
            ["v4 8..23 84.12.3.5 Dashed sep %2d"]
        );
        assert_eq!(
            found("5.3.12.84.in-addr.arpa"),
            ["v4 0..9 84.12.3.5 Reversed { labels: 4 }"]
        );
        assert_eq!(
            found("x 3.12.84.IN-ADDR.ARPA."),
            ["v4 2..9 84.12.3.0 Reversed { labels: 3 }"]
        );
        assert_eq!(
            found("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.ip6.arpa"),
            ["nibbles 0..63 2001:db8:1:2:3:4:567:89ab 32 true"]
        );
        assert_eq!(found("http://3325256781/"), ["v4 7..17 198.51.100.77 Decimal"]);
        assert_eq!(
            found("http://u:p@0XC633644D:80/"),
            [
                "-url-credentials 7..11",
                "v4 13..21 198.51.100.77 Hex { digits: 8, upper: true }"
            ]
        );
        // a host's first label written as one number under a wildcard DNS
        // service (issue 25); elsewhere a name's
        assert_eq!(found("http://3325256781.nip.io/"), ["v4 7..17 198.51.100.77 Decimal"]);
        assert_eq!(found("http://3325256781.example.com/"), Vec::<String>::new());
        for s in [
            "2013-11-22",
            "10-84-12-3-5.dyn.example.net",
            "dsl-84-12-3-5-6.example.net",
            "/img/shoe-10-11-12-13.html",
            "dsl-84-12-3-256.dyn.example.net",
            "http://99999999999/",
            "http://1234:80:1/",
        ] {
            assert_eq!(found(s), Vec::<String>::new(), "{s}");
        }
    }

    #[test]
    fn not_addresses() {
        for s in [
            "Chrome/120.0.6099.109",
            "1.2.3.256",
            "version 1.2.3",
            "[10/Oct/2000:13:55:36 -0700]",
            "std::vector",
            "http://example.com/a.b.c",
            "1.3.6.1.4.1",
            "2013-11-22",
            "550e8400-e29b-41d4-a716-446655440000",
        ] {
            assert_eq!(found(s), Vec::<String>::new(), "{s}");
        }
    }
}
