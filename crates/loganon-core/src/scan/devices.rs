//! MACs and device identifiers: MACs written with colons (six groups, or
//! without leading zeros) or dashes, in Cisco's dotted form
//! (`0011.2233.4455`), and Google Analytics client and session ids.

use crate::addr::is_digit;

use super::bytes::{is_hex, is_mac, luhn};
use super::sink::{Kind, Sink};
use super::state::Scanner;

impl Scanner<'_> {
    /// A MAC in the run `a..b` of hex digits, dots and colons (glued on
    /// the left or right to letters or digits, as told), reported: false
    /// when there is none.
    #[inline(always)]
    pub(super) fn colon_mac<S: Sink>(
        &mut self,
        a: usize,
        b: usize,
        left_glued: bool,
        right_glued: bool,
        sink: &mut S,
    ) -> bool {
        let s = self.s;
        let text = &s[a..b];
        // A MAC, or a run that starts like one (six groups, then more
        // groups or glued bytes: fail closed, those six groups go). Only a
        // letter or digit before it makes it part of a longer word.
        // A MAC further in (`0.00:1a:2b:3c:4d:5e`) takes what is before it.
        let mut p = 0;
        while p + 17 <= text.len() {
            if (p > 0 || !(a > 0 && s[a - 1].is_ascii_alphanumeric()))
                && is_mac(&text[p..p + 17], b':')
                && (text.len() == p + 17 || !is_hex(text[p + 17]))
            {
                self.redact(sink, a, a + p + 17, Kind::Mac);
                self.floor = a + p + 17;
                return true;
            }
            p += match text[p..].iter().position(|&c| c == b':' || c == b'.') {
                Some(k) => k + 1,
                None => break,
            };
        }
        // a MAC written without leading zeros (`0:1a:2b:3c:4d:5e`)
        if !left_glued && !right_glued && is_short_mac(text) {
            self.redact(sink, a, b, Kind::Mac);
            self.floor = b;
            return true;
        }
        false
    }

    /// A `-` at `i`: the end of the first group of a MAC like `00-1a-2b-3c-4d-5e`?
    /// (The dispatch has ruled out an IPv4 address in a host name first.)
    #[inline(always)]
    pub(super) fn dashed_mac<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i < self.floor + 2 || i + 15 > s.len() {
            return i + 1;
        }
        let start = i - 2;
        // (an `_` is a boundary, as for a MAC with colons: `_00-1a-...-5e_`)
        if start > 0 && s[start - 1].is_ascii_alphanumeric() {
            return i + 1;
        }
        let end = start + 17;
        if !is_mac(&s[start..end], b'-') || (end < s.len() && s[end].is_ascii_alphanumeric()) {
            return i + 1;
        }
        self.redact(sink, start, end, Kind::Mac);
        self.floor = end;
        end
    }

    /// A `.` at `i` with another five bytes on: a MAC in Cisco's dotted form
    /// (`0011.2233.4455`), three groups of four hex digits.
    #[cold]
    #[inline(never)]
    pub(super) fn cisco_mac<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        if i < self.floor + 4 || i + 10 > s.len() {
            return None;
        }
        let (a, e) = (i - 4, i + 10);
        let t = &s[a..e];
        let shape = t
            .iter()
            .enumerate()
            .all(|(k, &b)| if k == 4 || k == 9 { b == b'.' } else { is_hex(b) });
        let free = |b: u8| !(b.is_ascii_alphanumeric() || b == b'.');
        if !shape || (a > 0 && !free(s[a - 1])) || (e < s.len() && !free(s[e])) {
            return None;
        }
        self.redact(sink, a, e, Kind::Mac);
        self.floor = e;
        Some(e)
    }

    /// Every MAC written with colons in the part `a..b` of a long run (a
    /// group's start, six groups, no hex digit after them); whether any.
    pub(super) fn macs_in<S: Sink>(&mut self, a: usize, b: usize, sink: &mut S) -> bool {
        let s = self.s;
        let mut found = false;
        let mut p = a;
        while p + 17 <= b {
            if (p == a || matches!(s[p - 1], b':' | b'.'))
                && is_mac(&s[p..p + 17], b':')
                && !s.get(p + 17).is_some_and(|&c| is_hex(c))
            {
                self.redact(sink, p, p + 17, Kind::Mac);
                self.floor = p + 17;
                found = true;
                p += 17;
                continue;
            }
            p += 1;
        }
        found
    }

    /// A MAC in Cisco's dotted form as one of the `:`-separated parts of
    /// the run `start..e` (see [`Scanner::cisco_mac`]); its end.
    #[cold]
    #[inline(never)]
    pub(super) fn cisco_mac_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let mut a = start;
        while a < e {
            let b = a + s[a..e].iter().position(|&c| c == b':').unwrap_or(e - a);
            if b - a == 14 && s[a + 4] == b'.' && a + 4 >= self.floor + 4 {
                if let Some(end) = self.cisco_mac(a + 4, sink) {
                    return Some(end);
                }
            }
            a = b + 1;
        }
        None
    }

    /// A `.` at `i` after `GA1` or `GS1`: a Google Analytics client id
    /// (`GA1.2.1234567890.1700000000`) or a GA4 session id (`GS1.1.1700000000.3.1...`,
    /// `GS2.1.s1700000000$o3$g1...`): the whole id goes.
    #[cold]
    #[inline(never)]
    pub(super) fn analytics_id<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let a = i - 3;
        if a > 0 && s[a - 1].is_ascii_alphanumeric() {
            return None;
        }
        let mut e = i;
        let mut digits = 0;
        while e < s.len() && (s[e].is_ascii_alphanumeric() || s[e] == b'.' || s[e] == b'$') && e - a < 256 {
            digits += usize::from(is_digit(s[e]));
            e += 1;
        }
        while e > i && s[e - 1] == b'.' {
            e -= 1;
        }
        if digits < 9 || (e < s.len() && s[e] == b'@') {
            return None;
        }
        self.redact(sink, a, e, Kind::AnalyticsId);
        self.floor = e;
        Some(e)
    }
}

/// Six groups of one or two hex digits separated by `:`, one of them
/// written without its leading zero (`0:1a:2b:3c:4d:5e`).
/// The GSMA's reporting bodies: the first two digits of an IMEI's type
/// allocation code (not `00`, the test range: zero-padded counters start so).
const REPORTING_BODIES: &[u8] = &[1, 10, 30, 33, 35, 44, 45, 49, 50, 51, 52, 53, 54, 86, 91, 98, 99];

/// Whether the 15 digits `t` are an IMEI: a reporting body's prefix and
/// the Luhn check.
pub(crate) fn is_imei(t: &[u8]) -> bool {
    if t.len() != 15 || !t.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut d = [0u8; 15];
    for (k, &b) in t.iter().enumerate() {
        d[k] = b - b'0';
    }
    REPORTING_BODIES.contains(&(d[0] * 10 + d[1])) && luhn(&d)
}

impl Scanner<'_> {
    /// An IMEI standing alone inside the hex run `start..e` after a `:` or
    /// `.` (`:011111111111110`): its digits are never a trigger of their
    /// own (see [`Scanner::iban_in_run`]). Out of line: few runs are long.
    #[cold]
    #[inline(never)]
    pub(super) fn imei_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let mut p = start.max(self.floor);
        while p + 15 <= e {
            if !is_digit(s[p]) {
                p += 1;
                continue;
            }
            let mut q = p;
            while q < e && is_digit(s[q]) {
                q += 1;
            }
            if q - p == 15 {
                if let Some(c) = self.imei(p, q, sink) {
                    return Some(c);
                }
            }
            p = q;
        }
        None
    }

    /// The 15 digits `a..e` as an IMEI: standing alone, a reporting body's
    /// prefix and the Luhn check (what no card number took before). Out of
    /// line: few runs of 15 digits come here.
    #[cold]
    #[inline(never)]
    pub(super) fn imei<S: Sink>(&mut self, a: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        if (a > 0 && s[a - 1].is_ascii_alphanumeric())
            || s.get(e).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
        {
            return None;
        }
        if !is_imei(&s[a..e]) {
            return None;
        }
        self.redact(sink, a, e, Kind::DeviceId);
        self.floor = e;
        Some(e)
    }
}

fn is_short_mac(t: &[u8]) -> bool {
    if !(11..17).contains(&t.len()) {
        return false;
    }
    let mut groups = 0;
    for g in t.split(|&b| b == b':') {
        if g.is_empty() || g.len() > 2 || !g.iter().all(|&b| is_hex(b)) {
            return false;
        }
        groups += 1;
    }
    groups == 6
}

#[cfg(test)]
mod tests {
    use crate::scan::testing::found;

    #[test]
    fn macs() {
        assert_eq!(found("00:1A:2b:3c:4d:5e"), ["mac 0..17"]);
        assert_eq!(found("x 00-1a-2b-3c-4d-5e y"), ["mac 2..19"]);
        assert_eq!(found("m=00%3A1a%3A2b%3A3c%3A4d%3A5e"), ["mac 2..29"]);
    }
}
