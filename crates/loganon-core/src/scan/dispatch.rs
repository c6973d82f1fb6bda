//! The decisions between shapes that read alike, above the recogniser
//! families: the run of hex digits, dots and colons around a `.` or `:`
//! (an IPv4 or IPv6 address, a MAC, a card number, a JWT, a URL's
//! authority, a reverse name, a Cisco MAC or an analytics id), a `-` (a
//! grouped card number, an address inside a host name or a MAC), and the
//! value after an `=` (a deny-listed parameter, else a card number, a phone
//! number or an IBAN in it). The families never call each other; the order
//! in which they are tried is written here.

use std::ops::ControlFlow;

use crate::addr::{is_digit, parse_v4_after_number, parse_v4_at, parse_v4_before_number, parse_v6};

use super::addresses::{dashed_tail, is_version_at, parse_v6_leading_zero_v4, plausible_v6, v4_tail, zone_end};
use super::bytes::{has_digit_run, is_hex};
use super::contact::domain_end;
use super::sink::{Kind, Sink};
use super::state::Scanner;

impl Scanner<'_> {
    /// A `.` or `:` at `i`: the hex/dot/colon run around it may be an
    /// IPv4 or IPv6 address or a MAC.
    pub(super) fn address<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        // (a scheme's last byte: a letter, a digit, `+`, `-` or `.`)
        if s[i] == b':'
            && s.get(i + 1..i + 3) == Some(b"//")
            && i > self.floor
            && (s[i - 1].is_ascii_alphanumeric() || matches!(s[i - 1], b'+' | b'-' | b'.'))
        {
            return self.authority(i, sink);
        }
        let next = s.get(i + 1).copied().unwrap_or(b' ');
        let prev = if i > self.floor { s[i - 1] } else { b' ' };
        if s[i] == b'.' {
            // shapes with dots at fixed places, each tested in O(1) first:
            // a JWT's payload starts `eyJ` (`{"`), a Cisco MAC has its second
            // dot five bytes on, a Google Analytics id starts `GA1.`
            if s.get(i + 1..i + 4) == Some(b"eyJ") {
                if let Some(e) = self.jwt(i, sink) {
                    return e;
                }
            }
            if s.get(i + 5) == Some(&b'.') && is_hex(prev) {
                if let Some(e) = self.cisco_mac(i, sink) {
                    return e;
                }
            }
            if matches!(prev, b'1' | b'2') && i >= self.floor + 3 && s[i - 3] == b'G' && matches!(s[i - 2], b'A' | b'S')
            {
                if let Some(e) = self.analytics_id(i, sink) {
                    return e;
                }
            }
        }
        // Quick rejects, from the first trigger of a run: an IPv4 address's
        // first dot follows a digit; an IPv6 address's first colon is followed
        // by a hex digit or a colon (`.com`, `://` end here).
        if s[i] == b'.' && !is_digit(prev) {
            // (a host's first label of eight hex digits: `c0a8010f.nip.io`)
            // (one byte looked at first: the one before the eight, which no
            // letter or digit is, or the `x` of `0x`)
            if is_hex(prev)
                && i >= self.floor + 8
                && (i == 8 || !s[i - 9].is_ascii_alphanumeric() || matches!(s[i - 9], b'x' | b'X'))
                && s.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
            {
                if let Some(e) = self.number_label(i - 8, i, sink) {
                    return e;
                }
            }
            return i + 1;
        }
        if s[i] == b':' && !(is_hex(next) || next == b':') {
            return i + 1;
        }
        let mut start = i;
        while start > self.floor && is_hex(s[start - 1]) {
            start -= 1;
        }
        // The run: hex digits, dots and colons.
        let mut colons = 0;
        let mut dots = 0;
        let mut e = start;
        // (hex digits first: the branch order keeps the loop predictable)
        while e < s.len() {
            let b = s[e];
            if is_hex(b) {
            } else if b == b'.' {
                dots += 1;
            } else if b == b':' {
                colons += 1;
            } else {
                break;
            }
            e += 1;
        }
        // a reverse name: `5.3.12.84.in-addr.arpa`, `b.a.9.8.[...].ip6.arpa`
        // (a run that ends in a dot before an `i`; cheap to test)
        if e > start && s[e - 1] == b'.' && matches!(s.get(e), Some(b'i' | b'I')) {
            if let Some(end) = self.arpa(start, e, sink) {
                return end;
            }
        }
        // a MAC in Cisco's dotted form after a `:` (`:0052.1000.1286`): the
        // run from the `:` is skipped below
        if colons > 0 && dots >= 2 {
            if let Some(end) = self.cisco_mac_in_run(start, e, sink) {
                return end;
            }
        }
        // a number label after other labels or a `:`, before a wildcard
        // DNS service's name (`app.8.11136308.nip.io`, `1.2.3.c0a80105.nip.io`,
        // `:11536308.nip.direct`)
        if s[e - 1] == b'.' && s.get(e).is_some_and(u8::is_ascii_alphabetic) {
            let dot = e - 1;
            let a = dot
                - s[start..dot]
                    .iter()
                    .rev()
                    .take_while(|&&b| b != b'.' && b != b':')
                    .count();
            if a > start && self.may_be_number_label(a, dot) && a >= self.floor {
                if let Some(end) = self.number_label(a, dot, sink) {
                    return end;
                }
            }
        }
        if colons < 2 && dots < 3 {
            // a host's first label written as one number (`3325256781.nip.io`)
            if s[i] == b'.' && i - start <= 10 && start >= self.floor && self.may_be_number_label(start, i) {
                if let Some(end) = self.number_label(start, i, sink) {
                    return end;
                }
            }
            // no address: a card number may be (`:4111111111111111.`),
            // grouped after a colon too (`:55008202601-01`, past the run)
            if s[i] == b':' && is_digit(next) {
                if let Some(c) = self.card_at(i + 1) {
                    self.redact(sink, i + 1, c, Kind::Card);
                    self.floor = c;
                    return c;
                }
            }
            if e - start >= 13 {
                if let Some(c) = self
                    .card_in_run(start, e, sink)
                    .or_else(|| self.iban_in_run(start, e, sink))
                    .or_else(|| self.imei_in_run(start, e, sink))
                {
                    return c;
                }
            }
            return self.run_end(i, e);
        }
        // thirteen digits in a row are in no address: a card number glued
        // to groups (`:411111111111111100:1a:2b:...`) goes whole first
        if e - start >= 13 && has_digit_run(&s[start..e], 13) {
            let from = start.max(self.floor);
            if (from..e)
                .any(|p| is_digit(s[p]) && (p == 0 || !s[p - 1].is_ascii_alphanumeric()) && self.card_at(p).is_some())
            {
                // the whole run: what is left of it would be a half address
                self.redact(sink, from, e, Kind::Card);
                self.floor = e;
                return e;
            }
        }
        // `1.2.3.4@example.com` is an email whose local part is the run: the
        // `@` takes it whole
        if colons == 0 && s.get(e) == Some(&b'@') && domain_end(s, e + 1).is_some() {
            return e;
        }
        if colons >= 2 && self.ipv6_or_mac(start, e, sink) {
            return self.floor.max(i + 1);
        }
        // IPv4 addresses inside the run: `1.2.3.4:80`, `abc1.2.3.4`, `a:1.2.3.4`.
        if dots >= 3 {
            self.v4_in_run(start, e, sink);
            // what follows the last IPv4 address may still be IPv6
            // (`1.2.3.4a0::1`)
            if self.floor > start && self.floor < e && s[self.floor..e].iter().filter(|&&c| c == b':').count() >= 2 {
                let f = self.floor;
                self.ipv6_or_mac(f, e, sink);
            }
        }
        // a card number grouped after an address and a colon, past the run
        // (`1.2.3.4:55008202601-01`: no port has more than five digits)
        let f = self.floor;
        if f > start && f + 6 < e && s[f] == b':' {
            if let Some(c) = self.card_at(f + 1) {
                self.redact(sink, f + 1, c, Kind::Card);
                self.floor = c;
                return c;
            }
        }
        // what is left of a long run may hold a card number
        // (`:4111...00:1a:...`, `1.2.3.4:4111111111111111`)
        if e >= self.floor.max(start) + 13 {
            if let Some(c) = self
                .card_in_run(start, e, sink)
                .or_else(|| self.iban_in_run(start, e, sink))
            {
                return c;
            }
        }
        self.run_end(i, e)
    }

    /// The IPv4 addresses in the run `start..e` (each whole inside it),
    /// from the floor on: `1.2.3.4:80`, `abc1.2.3.4`, `a:1.2.3.4`; a card
    /// number or an IBAN before one in the run goes first.
    #[inline]
    pub(super) fn v4_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) {
        let s = self.s;
        let mut p = start.max(self.floor);
        while p < e {
            if is_digit(s[p]) && (p == start || !is_digit(s[p - 1])) {
                if let Some((addr, end)) = parse_v4_at(s, p)
                    .or_else(|| parse_v4_before_number(s, p))
                    .or_else(|| parse_v4_after_number(s, p))
                    .filter(|&(_, end)| end <= e)
                {
                    // a card number or an IBAN before it in the run
                    // goes first (`:DE89370400440532013000:1.2.3.4`)
                    if p >= self.floor.max(start) + 13
                        && self
                            .card_in_run(start, p, sink)
                            .or_else(|| self.iban_in_run(start, p, sink))
                            .is_some()
                        && p < self.floor
                    {
                        p = self.floor;
                        continue;
                    }
                    if is_version_at(s, p) {
                        p = end;
                        continue;
                    }
                    // three numbers or more joined on by `-`
                    // (`172.17.0.84-12-3-5.dyn...`): its last number and
                    // them read as a dashed address too; fail closed,
                    // they go with it
                    let end = dashed_tail(s, end).unwrap_or(end);
                    self.floor = self.v4(sink, p, end, addr);
                    p = self.floor;
                    continue;
                }
            }
            p += 1;
        }
    }

    /// A run of hex digits, dots and colons longer than any address
    /// (`::::...00:1a:2b:3c:4d:5e::1`, fuzz `crash-a5a197fc`), read whole
    /// in one call: its parts between runs of three colons or more (which
    /// no address holds) as runs of their own, and the MACs of a part
    /// longer than an address. The floor ends past the run when anything
    /// was found, so the run costs its length.
    #[cold]
    #[inline(never)]
    fn long_colon_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> bool {
        let s = self.s;
        let mut found = false;
        let mut a = start;
        while a < e {
            // the part: to the next `:::`
            let mut b = a;
            while b < e && !(s[b] == b':' && s.get(b + 1..b + 3) == Some(b"::")) {
                b += 1;
            }
            // (with the two colons before it: `::1` is an address)
            let pa = a.saturating_sub(2).max(start).max(self.floor);
            if b > pa && b - pa <= 128 {
                found |= self.ipv6_or_mac(pa, b, sink);
            } else if b > pa {
                found |= self.macs_in(pa, b, sink);
            }
            while b < e && s[b] == b':' {
                b += 1;
            }
            a = b;
        }
        if found {
            self.floor = self.floor.max(e);
        }
        found
    }

    /// Whether the hex digits `a..dot` may be a host's first label written
    /// as one number (see [`Scanner::number_label`]): eight of them at
    /// least. In line: it keeps most dots out of the call.
    #[inline(always)]
    fn may_be_number_label(&self, a: usize, dot: usize) -> bool {
        dot - a >= 8
    }

    /// `scheme://` at `i`: the userinfo of the authority goes first
    /// (credentials), then a host written as one number is an address. Out of
    /// line: few lines hold a URL outside the fields parsed apart.
    #[inline(never)]
    fn authority<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let host = self.url_authority(i, sink);
        if s.get(host).is_some_and(u8::is_ascii_digit) {
            if let Some(end) = self.numeric_host(host, sink) {
                return end;
            }
        }
        host
    }

    /// Where scanning goes on after a run `..e` that held no address: at
    /// its last colon when a scheme's `://` starts there (`:b://1`, whose
    /// host and userinfo are then looked at), else after the run.
    #[inline]
    fn run_end(&self, i: usize, e: usize) -> usize {
        let s = self.s;
        if e > i + 1 && s[e - 1] == b':' && e > self.floor && s.get(e..e + 2) == Some(b"//") {
            return e - 1;
        }
        e.max(i + 1)
    }

    /// An IPv6 address or colon MAC in the run `start..e`: the whole run
    /// (less a stray leading `:` or a trailing `.`/`:`), or, when it is
    /// glued to word bytes or does not parse, the widest address cut out of
    /// it (fail closed: `src:2001:db8::1`, `x_2001:db8::1`, `2001:db8::1xyz`,
    /// `abc2001:db8::1` are addresses).
    pub(super) fn ipv6_or_mac<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> bool {
        let s = self.s;
        if e - start > 128 {
            return self.long_colon_run(start, e, sink);
        }
        let mut a = start;
        let mut b = e;
        if b - a >= 2 && s[a] == b':' && s[a + 1] != b':' {
            a += 1;
        }
        while b > a && s[b - 1] == b'.' {
            b -= 1;
        }
        if b >= a + 2 && s[b - 1] == b':' && s[b - 2] != b':' {
            b -= 1;
        }
        if b <= a {
            return false;
        }
        let text = &s[a..b];
        // glued to letters or digits (an `_` is a boundary: `x_2001:db8::1`)
        let left_glued = a > 0 && s[a - 1].is_ascii_alphanumeric();
        let right_glued = b < s.len() && s[b].is_ascii_alphanumeric();
        // a MAC, or a run that starts like one
        if self.colon_mac(a, b, left_glued, right_glued, sink) {
            return true;
        }
        if !left_glued && !right_glued {
            if let Some(addr) = parse_v6(text).or_else(|| parse_v6_leading_zero_v4(text)) {
                let zone_end = v4_tail(s, b).unwrap_or_else(|| zone_end(s, b));
                self.floor = self.v6(sink, a, b, addr, zone_end);
                return true;
            }
        }
        // Without `::` an address has eight groups (or six and an IPv4
        // part): times like `13:55:36` end here, before any cut is tried.
        let colons = text.iter().filter(|&&c| c == b':').count();
        if colons < 6 && !text.windows(2).any(|w| w == b"::") {
            return false;
        }
        self.ipv6_ambiguous(a, b, left_glued, right_glued, sink)
    }

    /// The run `a..b` is glued or does not parse as a whole: see below.
    /// Out of line and cold, so the common path stays small in the
    /// instruction cache.
    #[cold]
    #[inline(never)]
    fn ipv6_ambiguous<S: Sink>(
        &mut self,
        a: usize,
        b: usize,
        left_glued: bool,
        right_glued: bool,
        sink: &mut S,
    ) -> bool {
        let s = self.s;
        let text = &s[a..b];
        // The run is glued or does not parse: every reading of it is tried,
        // and the first that is not clean under the address policy is
        // reported (fail closed: `0::0::1` holds `0::1`, not only `0::0`).
        // First the cuts that keep the rest of the run: from the left, the
        // whole run or the last four digits of an overlong first group
        // (`abc2001:db8::1`); from the right, the whole run, the first four
        // digits of an overlong last group, or without the last group.
        // (A first group glued to letters stays in: `src:2001:db8:1:2::2`
        // reads as `c:2001:db8:...`, the wider of the two readings.)
        let first = memchr::memchr(b':', text).unwrap_or(0);
        let last = memchr::memrchr(b':', text).unwrap_or(text.len());
        let dotted_first = text[..first].contains(&b'.');
        let lefts = [Some(0), (first > 4 && !dotted_first).then(|| first - 4)];
        let rights = [
            Some(text.len()),
            (text.len() - last > 5 && !text[last..].contains(&b'.')).then_some(last + 5),
            (last >= 2).then(|| if text[last - 1] == b':' { last + 1 } else { last }),
        ];
        let policy = &self.rules.addr;
        let mut clean: Option<(usize, usize, u128, usize)> = None;
        for l in lefts.into_iter().flatten() {
            for r in rights.into_iter().flatten() {
                if r < l + 3 || (l == 0 && r == text.len() && !left_glued && !right_glued) {
                    continue;
                }
                let cand = &text[l..r];
                if cand.iter().filter(|&&c| c == b':').count() < 2 || !plausible_v6(cand) {
                    continue;
                }
                if let Some(addr) = parse_v6(cand).or_else(|| parse_v6_leading_zero_v4(cand)) {
                    // what is cut off on the right goes with the address (it
                    // would glue onto the replacement: `1::4111111` -> `1::`),
                    // and a zone after the run with it (left, it would be the
                    // zone of the replacement on the next run)
                    let zone_end = if right_glued {
                        b
                    } else {
                        v4_tail(s, b).unwrap_or_else(|| zone_end(s, b))
                    };
                    if !policy.v6_is_clean(addr) {
                        self.floor = self.v6(sink, a + l, b, addr, zone_end);
                        return true;
                    }
                    clean.get_or_insert((a + l, b, addr, zone_end));
                }
            }
        }
        // Then any run of whole groups inside, which takes the whole run with
        // it (`00:1a:2b:3c:4d:5e00:1a:2b:3c:4d:5e` holds eight groups).
        let group_start =
            |k: usize| k == 0 || text[k - 1] == b':' || text[k..].starts_with(b"::") || (first > 4 && k == first - 4);
        // (and the end of an IPv4 part glued to more: `::1.2.3.4ax`)
        let v4_end = parse_v4_at(text, last + 1).map(|(_, e)| e);
        let group_end = |k: usize| {
            k == text.len()
                || text[k] == b':'
                || (k >= 2 && &text[k - 2..k] == b"::")
                || (text.len() - last > 5 && k == last + 5)
                || v4_end == Some(k)
        };
        for i in (0..text.len()).filter(|&i| group_start(i)) {
            for j in (i + 3..=text.len().min(i + 45)).rev().filter(|&j| group_end(j)) {
                let cand = &text[i..j];
                if !plausible_v6(cand) {
                    continue;
                }
                if let Some(addr) = parse_v6(cand).or_else(|| parse_v6_leading_zero_v4(cand)) {
                    // the whole run goes, and a zone after it with it
                    // (`::2::4%2`: a zone left would go on the next run)
                    let z = if right_glued { b } else { zone_end(s, b) };
                    if !policy.v6_is_clean(addr) {
                        self.floor = self.v6(sink, a, b, addr, z);
                        return true;
                    }
                    clean.get_or_insert((a, b, addr, z));
                }
            }
        }
        // Only clean readings: an IPv4 address in the run is looked for next;
        // without one, the first clean reading is reported (the keyed modes
        // still rewrite it).
        match clean {
            Some((cs, ce, addr, z)) if !text.contains(&b'.') => {
                // a card number or an IBAN in the run goes first, and the
                // rest of the run is read again after it
                // (`:DE89370400440532013000:E::`)
                if ce >= a + 13 {
                    if let Some(c) = self.card_in_run(a, ce, sink).or_else(|| self.iban_in_run(a, ce, sink)) {
                        self.floor = c;
                        return true;
                    }
                }
                self.floor = self.v6(sink, cs, ce, addr, z);
                true
            }
            _ => false,
        }
    }

    /// A `:` at `i` after a quote: `"name":value` with a deny-listed name
    /// (see [`Scanner::json_pair`]), else with a location's name
    /// (see [`Scanner::quoted_location`]). Out of line: few colons follow
    /// a quote.
    #[inline(never)]
    pub(super) fn quoted_pair<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        if let Some(e) = self.json_pair(i, sink) {
            return Some(e);
        }
        self.quoted_location(i, sink)
    }

    /// An `@` at `i`: the end of a URL's userinfo without `scheme://`
    /// before it (`//user:pw@host`, `ftp:user@host`: the userinfo goes, the
    /// host stays), else an email address.
    pub(super) fn at_sign<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        if let Some(e) = self.userinfo_at(i, |s, d| domain_end(s, d).is_some(), sink) {
            return e;
        }
        self.at(i, sink)
    }

    /// A run of five or more digits around `t`: a card number or an IBAN
    /// (see [`Scanner::digits`]), else, fifteen digits standing alone, an
    /// IMEI.
    pub(super) fn digit_run<S: Sink>(&mut self, t: usize, sink: &mut S) -> usize {
        let floor = self.floor;
        let e = self.digits(t, sink);
        let s = self.s;
        if self.floor == floor && e >= floor + 15 && (e == 15 || !is_digit(s[e - 16])) && is_digit(s[e - 15]) {
            if let Some(c) = self.imei(e - 15, e, sink) {
                return c;
            }
        }
        e
    }

    /// A `-` at `i`: a card number grouped by dashes (`4111-1111-1111-1111`,
    /// a first group of up to 18 digits: `30000026-010110`), or the end of
    /// the first group of a MAC like `00-1a-2b-3c-4d-5e`.
    pub(super) fn dash<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i > self.floor && is_digit(s[i - 1]) && s.get(i + 1).is_some_and(|&b| is_digit(b)) {
            let mut g = i - 1;
            while g > self.floor && is_digit(s[g - 1]) && i - g < 19 {
                g -= 1;
            }
            if let Some(c) = self.card_at(g) {
                self.redact(sink, g, c, Kind::Card);
                self.floor = c;
                return c;
            }
        }
        self.dash_mac(i, sink)
    }

    /// A `-` at `i`: between digits, maybe one of the dashes of four numbers
    /// of a host name (an IPv4 address); else maybe the end of the first
    /// group of a MAC like `00-1a-2b-3c-4d-5e`.
    fn dash_mac<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i > self.floor && is_digit(s[i - 1]) && s.get(i + 1).is_some_and(|&b| is_digit(b)) {
            if let Some(end) = self.dashed_v4(i, |s, d| domain_end(s, d).is_some(), sink) {
                return end;
            }
        }
        self.dashed_mac(i, sink)
    }

    /// An `=` at `i`: a deny-listed name before it gets its value redacted;
    /// any other value is checked for a card number, a phone number or an
    /// IBAN, and then scanned like the rest of the line.
    pub(super) fn equals<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let end = match self.param(i, sink) {
            ControlFlow::Break(next) => return next,
            ControlFlow::Continue(end) => end,
        };
        let v = i + 1;
        if let Some(e) = self.location(i, end, sink) {
            return e;
        }
        if let Some(c) = self.value_card(v, end, sink) {
            return c;
        }
        if end - v < 4 {
            return self.spaced_phone(v, sink).unwrap_or(v);
        }
        if let Some(e) = self.value_iban(v, sink) {
            return e;
        }
        self.value_phone(v, end, sink)
    }
}

#[cfg(test)]
mod tests {
    use crate::scan::testing::found;

    #[test]
    fn names_and_hosts_leave_macs_whole() {
        assert_eq!(found("https://00:1a:2b:3c:4d:5e.%3D0"), ["mac 8..25"]);
        assert_eq!(found("x 10-20-30-40-aa-bb.example.net"), ["mac 2..19"]);
        assert_eq!(found("http://1234:80/"), ["v4 7..11 0.0.4.210 Decimal"]);
    }
}
