//! The generic scanner: finds personal data in a byte range of a line without
//! knowing its format. It recognises
//! - IPv4 and IPv6 addresses (any spelling, `%3A`-encoded colons, zone ids),
//! - MAC addresses (`:`, `-` or `%3A` separated),
//! - email addresses (`@`, `%40` or `%2540`),
//! - credentials in URLs (`scheme://user:pass@host`),
//! - `name=value` pairs (plain or `%3D`) whose name is deny-listed, and
//!   `;name=value` path parameters,
//! - Luhn-valid card numbers in parameter values,
//!
//! and reports each to a [`Sink`], left to right, with non-overlapping spans.
//! The rewriter ([`crate::engine`]) and the leak checker ([`crate::check`]) are
//! two sinks over the same scanner, the way ripgrep keeps its searcher apart from
//! its printer.
//!
//! The scan is one pass of a table lookup per byte: most bytes of a log line
//! are in class 0 and cost one load and one branch. Only the trigger bytes
//! `. : @ % = -` start a closer look, which reads a few bytes around them. No
//! regular expression and no allocation per line.

use crate::addr::{is_digit, parse_v4_at, parse_v6};
use crate::rules::{Rules, MAX_NAME};

/// What kind of identifier a span holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Email,
    Mac,
    /// the value of a deny-listed `name=value` pair
    Param,
    /// a `;name=value` path parameter of a deny-listed name (removed whole)
    PathParam,
    /// `user:pass@` of a URL (removed whole)
    UrlCredentials,
    /// a Luhn-valid card number in a parameter value
    Card,
    /// the ident or user field of a Common Log Format line
    UserField,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Mac => "mac",
            Kind::Param => "deny-listed-parameter",
            Kind::PathParam => "path-parameter",
            Kind::UrlCredentials => "url-credentials",
            Kind::Card => "card-number",
            Kind::UserField => "user-field",
        }
    }
}

/// Receives what the scanner finds. Spans are byte offsets into the line,
/// strictly increasing and non-overlapping.
pub trait Sink {
    /// An IPv4 address at `start..end`.
    fn ipv4(&mut self, start: usize, end: usize, addr: u32);
    /// An IPv6 address at `start..end`; `encoded` is `Some(b'A')` or
    /// `Some(b'a')` when its colons were written `%3A`/`%3a`; a zone id
    /// (`%eth0`) follows until `zone_end` (equal to `end` when there is none).
    fn ipv6(&mut self, start: usize, end: usize, addr: u128, encoded: Option<u8>, zone_end: usize);
    /// An identifier at `start..end` to be replaced by `REDACTED`.
    fn redact(&mut self, start: usize, end: usize, kind: Kind);
    /// An identifier at `start..end` to be removed.
    fn remove(&mut self, start: usize, end: usize, kind: Kind);
}

const C_DOT: u8 = 1;
const C_COLON: u8 = 2;
const C_AT: u8 = 3;
const C_PCT: u8 = 4;
const C_EQ: u8 = 5;
const C_DASH: u8 = 6;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'.' as usize] = C_DOT;
    t[b':' as usize] = C_COLON;
    t[b'@' as usize] = C_AT;
    t[b'%' as usize] = C_PCT;
    t[b'=' as usize] = C_EQ;
    t[b'-' as usize] = C_DASH;
    t
};

#[inline]
fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

#[inline]
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Byte property bits, one table lookup instead of a chain of compares.
const NAME: u8 = 1;
const VALUE_END: u8 = 2;

static PROPS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' {
            t[b] |= NAME;
        }
        if matches!(
            c,
            b'&' | b' ' | b'\t' | b'"' | b'\'' | b'#' | b';' | b'<' | b'>' | b'\r' | b'\n'
        ) {
            t[b] |= VALUE_END;
        }
        b += 1;
    }
    t
};

#[inline]
fn is_name_char(b: u8) -> bool {
    PROPS[b as usize] & NAME != 0
}

#[inline]
fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

#[inline]
fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// Bytes that end the userinfo part of a URL when looking back from `@`.
#[inline]
fn ends_userinfo(b: u8) -> bool {
    matches!(
        b,
        b'/' | b'?' | b'#' | b'@' | b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'[' | b']'
    )
}

/// Bytes that end a parameter value.
#[inline]
fn ends_value(b: u8) -> bool {
    PROPS[b as usize] & VALUE_END != 0
}

#[inline]
fn is_pct(s: &[u8], i: usize, a: u8, b: u8) -> bool {
    i + 2 < s.len() && s[i] == b'%' && s[i + 1] == a && (s[i + 2] | 0x20) == (b | 0x20)
}

/// Scans `line[from..to]`, reporting findings to `sink`. Bytes outside the
/// range are only read to decide token boundaries.
pub fn scan<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, sink: &mut S) {
    scan_with(line, from, to, rules, false, sink)
}

/// [`scan`] over the content of a JSON string: a parameter value never ends
/// inside a `\` escape (`token=a\"b` is redacted whole), so the output stays
/// valid JSON.
pub fn scan_escaped<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, sink: &mut S) {
    scan_with(line, from, to, rules, true, sink)
}

fn scan_with<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, escapes: bool, sink: &mut S) {
    let s = &line[..to];
    let mut sc = Scanner {
        s,
        floor: from,
        rules,
        escapes,
    };
    let mut i = from;
    while let Some(t) = next_trigger(s, i) {
        i = match CLASS[s[t] as usize] {
            C_DOT | C_COLON => sc.address(t, sink),
            C_AT => sc.at(t, 1, sink),
            C_EQ => sc.equals(t, 1, sink),
            C_DASH => sc.dash_mac(t, sink),
            _ => sc.percent(t, sink),
        };
    }
}

/// The offset of the next trigger byte (`. : @ % = -`) at or after `i`.
///
/// Hand-written SIMD: on x86_64, SSE2 (always present there) compares 16
/// bytes against the six triggers at once. This loop is the floor of the whole
/// engine's cost (every byte of every line passes through it); the block
/// compare made the engine about 1.3x faster than a per-byte table lookup.
#[inline]
fn next_trigger(s: &[u8], mut i: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned
        // and stay within `s` (i + 16 <= len).
        unsafe {
            let dot = _mm_set1_epi8(b'.' as i8);
            let colon = _mm_set1_epi8(b':' as i8);
            let at = _mm_set1_epi8(b'@' as i8);
            let pct = _mm_set1_epi8(b'%' as i8);
            let eq = _mm_set1_epi8(b'=' as i8);
            let dash = _mm_set1_epi8(b'-' as i8);
            while i + 16 <= s.len() {
                let v = _mm_loadu_si128(s.as_ptr().add(i) as *const __m128i);
                let m = _mm_or_si128(
                    _mm_or_si128(
                        _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon)),
                        _mm_or_si128(_mm_cmpeq_epi8(v, at), _mm_cmpeq_epi8(v, pct)),
                    ),
                    _mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, dash)),
                );
                let bits = _mm_movemask_epi8(m) as u32;
                if bits != 0 {
                    return Some(i + bits.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
    }
    while i < s.len() {
        if CLASS[s[i] as usize] != 0 {
            return Some(i);
        }
        i += 1;
    }
    None
}

struct Scanner<'a> {
    s: &'a [u8],
    /// Nothing before this offset may be part of a new span.
    floor: usize,
    rules: &'a Rules,
    /// `\` escapes (JSON strings) are kept whole inside values
    escapes: bool,
}

impl Scanner<'_> {
    fn percent<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i + 2 >= s.len() {
            return i + 1;
        }
        match (s[i + 1], s[i + 2] | 0x20) {
            (b'4', b'0') => self.at(i, 3, sink),
            (b'3', b'a') => self.address(i, sink),
            (b'3', b'd') => self.equals(i, 3, sink),
            (b'2', b'5') if s.get(i + 3..i + 5) == Some(b"40") => self.at(i, 5, sink),
            _ => i + 1,
        }
    }

    /// A `.`, `:` or `%3A` at `i`: the hex/dot/colon run around it may be an
    /// IPv4 or IPv6 address or a MAC.
    fn address<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if s[i] == b':' && s.get(i + 1..i + 3) == Some(b"//") && i > self.floor && s[i - 1].is_ascii_alphanumeric() {
            return self.url_authority(i, sink);
        }
        // Quick rejects, from the first trigger of a run: an IPv4 address's
        // first dot follows a digit; an IPv6 address's first colon is followed
        // by a hex digit, a colon or `%3A` (`.com`, `://` end here).
        let next = s.get(i + 1).copied().unwrap_or(b' ');
        let prev = if i > self.floor { s[i - 1] } else { b' ' };
        if s[i] == b'.' && !is_digit(prev) {
            return i + 1;
        }
        if s[i] == b':' && !(is_hex(next) || next == b':' || next == b'%') {
            return i + 1;
        }
        let mut start = i;
        while start > self.floor && is_hex(s[start - 1]) {
            start -= 1;
        }
        // The run: hex digits, dots, colons, and %3A-encoded colons.
        let mut colons = 0;
        let mut dots = 0;
        let mut encoded = None;
        let mut e = start;
        while e < s.len() {
            let b = s[e];
            if is_hex(b) {
                e += 1;
            } else if b == b'.' {
                dots += 1;
                e += 1;
            } else if b == b':' {
                colons += 1;
                e += 1;
            } else if b == b'%' && e + 2 < s.len() && s[e + 1] == b'3' && (s[e + 2] | 0x20) == b'a' {
                encoded = Some(s[e + 2]);
                colons += 1;
                e += 3;
            } else {
                break;
            }
        }
        if colons < 2 && dots < 3 {
            return e.max(i + 1);
        }
        if colons >= 2 && e - start <= 3 * 64 && self.ipv6_run(start, e, encoded, sink) {
            return self.floor.max(i + 1);
        }
        // IPv4 addresses inside the run: `1.2.3.4:80`, `abc1.2.3.4`, `a:1.2.3.4`.
        if dots >= 3 {
            let mut p = start.max(self.floor);
            while p < e {
                if is_digit(s[p]) && (p == start || !is_digit(s[p - 1])) {
                    if let Some((addr, end)) = parse_v4_at(s, p) {
                        sink.ipv4(p, end, addr);
                        self.floor = end;
                        p = end;
                        continue;
                    }
                }
                p += 1;
            }
        }
        e.max(i + 1)
    }

    /// An IPv6 address or colon MAC in the run `start..e`. Without `%3A` the
    /// run is parsed in place; with it, a normalised copy (at most 64 bytes,
    /// no address text is longer) maps back to source offsets.
    fn ipv6_run<S: Sink>(&mut self, start: usize, e: usize, encoded: Option<u8>, sink: &mut S) -> bool {
        if encoded.is_none() {
            let pos = |k: usize| start + k;
            return self.ipv6_or_mac(&self.s[start..e], pos, None, sink);
        }
        let mut norm = [0u8; 64];
        let mut pos = [0usize; 65];
        let (mut n, mut k) = (0, start);
        while k < e {
            if n == 64 {
                return false;
            }
            pos[n] = k;
            if self.s[k] == b'%' {
                norm[n] = b':';
                k += 3;
            } else {
                norm[n] = self.s[k];
                k += 1;
            }
            n += 1;
        }
        pos[n] = e;
        self.ipv6_or_mac(&norm[..n], |k| pos[k], encoded, sink)
    }

    /// Tries the whole normalised run, then with a stray leading `:` or a
    /// trailing `.`/`:` trimmed, as an IPv6 address or a colon MAC. `pos`
    /// maps an offset in `norm` (up to its length) to a source offset.
    fn ipv6_or_mac<S: Sink>(
        &mut self,
        norm: &[u8],
        pos: impl Fn(usize) -> usize,
        encoded: Option<u8>,
        sink: &mut S,
    ) -> bool {
        let s = self.s;
        let n = norm.len();
        if n > 64 {
            return false;
        }
        let mut a = 0;
        let mut b = n;
        if n >= 2 && norm[0] == b':' && norm[1] != b':' {
            a = 1;
        }
        while b > a && norm[b - 1] == b'.' {
            b -= 1;
        }
        if b >= a + 2 && norm[b - 1] == b':' && norm[b - 2] != b':' {
            b -= 1;
        }
        if b <= a {
            return false;
        }
        let (start, end) = (pos(a), pos(b));
        let left_ok = start == 0 || !is_word(s[start - 1]);
        let right_ok = end >= s.len() || !is_word(s[end]);
        if !left_ok {
            return false;
        }
        let text = &norm[a..b];
        if right_ok {
            if is_mac(text, b':') {
                sink.redact(start, end, Kind::Mac);
                self.floor = end;
                return true;
            }
            if let Some(addr) = parse_v6(text).or_else(|| parse_v6_leading_zero_v4(text)) {
                let zone_end = zone_end(s, end);
                sink.ipv6(start, end, addr, encoded, zone_end);
                self.floor = zone_end;
                return true;
            }
        }
        // Fail closed: a run that starts like a MAC (six groups, then more
        // groups or glued letters) loses those six groups.
        if text.len() >= 17 && is_mac(&text[..17], b':') && (text.len() == 17 || text[17] == b':') {
            let mac_end = pos(a + 17);
            sink.redact(start, mac_end, Kind::Mac);
            self.floor = mac_end;
            return true;
        }
        // Fail closed: a run glued to a word on its right (`...:4d:5ex`) may
        // still hold an address without its last group.
        if !right_ok {
            if let Some(c) = memchr::memrchr(b':', text).filter(|&c| c >= 2) {
                let cand = if text[c - 1] == b':' { &text[..=c] } else { &text[..c] };
                if cand.iter().filter(|&&b| b == b':').count() >= 2 {
                    if let Some(addr) = parse_v6(cand) {
                        let end = pos(a + cand.len());
                        sink.ipv6(start, end, addr, encoded, end);
                        self.floor = end;
                        return true;
                    }
                }
            }
        }
        false
    }

    /// A `-` at `i`: the end of the first group of a MAC like `00-1a-2b-3c-4d-5e`?
    fn dash_mac<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i < self.floor + 2 || i + 15 > s.len() {
            return i + 1;
        }
        let start = i - 2;
        if start > 0 && is_word(s[start - 1]) {
            return i + 1;
        }
        let end = start + 17;
        if !is_mac(&s[start..end], b'-') || (end < s.len() && is_word(s[end])) {
            return i + 1;
        }
        sink.redact(start, end, Kind::Mac);
        self.floor = end;
        end
    }

    /// `scheme://` at `i`: userinfo in the authority (up to its last `@`, as
    /// RFC 3986 reads it) is removed before anything inside it is looked at,
    /// so a password holding an `@` or an address still goes whole.
    fn url_authority<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let a = i + 3;
        let mut e = a;
        let mut last_at = None;
        while e < s.len() && !ends_userinfo(s[e]) && e - a < 1024 {
            e += 1;
            if s.get(e) == Some(&b'@') {
                last_at = Some(e);
                e += 1;
            }
        }
        match last_at {
            Some(at) => {
                sink.remove(a, at + 1, Kind::UrlCredentials);
                self.floor = at + 1;
                at + 1
            }
            None => a,
        }
    }

    /// An `@` (`at_len` 1), `%40` (3) or `%2540` (5) at `i`: an email address.
    fn at<S: Sink>(&mut self, i: usize, at_len: usize, sink: &mut S) -> usize {
        let s = self.s;
        let after = i + at_len;
        let mut k = i;
        while k > self.floor && is_local_char(s[k - 1]) && i - k < 512 {
            k -= 1;
        }
        if k == i {
            return after;
        }
        let mut d = after;
        while d < s.len() && is_domain_char(s[d]) && d - after < 256 {
            d += 1;
        }
        while d > after && matches!(s[d - 1], b'.' | b'-') {
            d -= 1;
        }
        if !is_domain(&s[after..d]) {
            return after;
        }
        // `a@b.cc@d.ee` (or `%40`): what is glued on by another `@` goes too
        while let Some(w) = at_width(s, d) {
            let mut e = d + w;
            while e < s.len() && is_domain_char(s[e]) && e - d < 256 {
                e += 1;
            }
            while e > d + w && matches!(s[e - 1], b'.' | b'-') {
                e -= 1;
            }
            if !is_domain(&s[d + w..e]) {
                break;
            }
            d = e;
        }
        sink.redact(k, d, Kind::Email);
        self.floor = d;
        d
    }

    /// An `=` (`eq_len` 1) or `%3D` (3) at `i`: a deny-listed name before it
    /// gets its value redacted; any other value is checked for card numbers and
    /// then scanned like the rest of the line.
    fn equals<S: Sink>(&mut self, i: usize, eq_len: usize, sink: &mut S) -> usize {
        let s = self.s;
        let v = i + eq_len;
        let mut n = i;
        while n > self.floor && is_name_char(s[n - 1]) && i - n <= MAX_NAME + 2 {
            n -= 1;
        }
        // `%3Ftoken%3D`: the name starts after the escape's two hex digits.
        if n > 0 && s[n - 1] == b'%' && i - n >= 2 {
            n += 2;
        }
        let named = n < i && i - n <= MAX_NAME;
        let path_param = named && eq_len == 1 && n > self.floor && s[n - 1] == b';';
        let mut end = v;
        while end < s.len() && !ends_value(s[end]) {
            if self.escapes && s[end] == b'\\' {
                end = (end + 2).min(s.len());
                continue;
            }
            if path_param && matches!(s[end], b'/' | b'?') {
                break;
            }
            if eq_len == 3 && (is_pct(s, end, b'2', b'6') || is_pct(s, end, b'2', b'0')) {
                break;
            }
            end += 1;
        }
        let value = &s[v..end];
        if named && self.rules.deny.contains(&s[n..i]) {
            if is_placeholder(value) {
                return end;
            }
            // `;jsessionid=X` is removed whole, unless that would glue what
            // follows onto a value before it (`?sid=;jsessionid=X/b`)
            if path_param && !ends_a_value(s, n - 1) {
                sink.remove(n - 1, end, Kind::PathParam);
            } else {
                sink.redact(v, end, Kind::Param);
            }
            self.floor = end;
            return end;
        }
        if has_card_number(value) {
            sink.redact(v, end, Kind::Card);
            self.floor = end;
            return end;
        }
        v
    }
}

/// Whether the `;` at `semi` ends a `name=value` (plain `=` or `%3D`) before
/// it: removing what follows the `;` would then glue more bytes onto that value.
fn ends_a_value(s: &[u8], semi: usize) -> bool {
    let mut k = semi;
    while k > 0 && semi - k < 256 {
        let b = s[k - 1];
        if b == b'=' || (k >= 3 && is_pct(s, k - 3, b'3', b'd')) {
            return true;
        }
        if ends_value(b) || matches!(b, b'/' | b'?') {
            return false;
        }
        k -= 1;
    }
    false
}

/// The width of an `@` at `i`: 1 for `@`, 3 for `%40`, 5 for `%2540`.
fn at_width(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i)? {
        b'@' => Some(1),
        b'%' if is_pct(s, i, b'4', b'0') => Some(3),
        b'%' if is_pct(s, i, b'2', b'5') && s.get(i + 3..i + 5) == Some(b"40") => Some(5),
        _ => None,
    }
}

/// Values that hold nothing personal: empty, `-`, or already redacted.
pub fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty() || v == b"-" || v == b"REDACTED" || crate::keyed::is_hashed_id(v)
}

/// IPv6 with an embedded IPv4 part written with leading zeros
/// (`::01.2.3.4`), which std refuses: the IPv4 part is read leniently and the
/// address parsed again.
fn parse_v6_leading_zero_v4(text: &[u8]) -> Option<u128> {
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

/// `%zone` after an IPv6 address: `%` then `[A-Za-z0-9_.-]+`, or `%25` then
/// the same (URL-encoded). A `%XX` escape of a delimiter is not a zone.
fn zone_end(s: &[u8], end: usize) -> usize {
    if end >= s.len() || s[end] != b'%' {
        return end;
    }
    let mut z = end + 1;
    if z + 2 <= s.len() && &s[z..z + 2] == b"25" && z + 2 < s.len() && s[z + 2].is_ascii_alphanumeric() {
        z += 2;
    } else if z + 2 <= s.len() && is_hex(s[z]) && is_hex(s[z + 1]) && (z + 2 == s.len() || !is_name_char(s[z + 2])) {
        let esc = [s[z], s[z + 1] | 0x20];
        if matches!(
            &esc,
            b"20" | b"22" | b"26" | b"2c" | b"2f" | b"3a" | b"3b" | b"3d" | b"3f" | b"5d"
        ) {
            return end;
        }
    }
    let zs = z;
    while z < s.len() && is_name_char(s[z]) {
        z += 1;
    }
    if z == zs {
        end
    } else {
        z
    }
}

/// Six groups of two hex digits separated by `sep` (normalised `%3A` counts as `:`).
fn is_mac(t: &[u8], sep: u8) -> bool {
    t.len() == 17
        && t.iter()
            .enumerate()
            .all(|(k, &b)| if k % 3 == 2 { b == sep } else { is_hex(b) })
}

/// A domain with at least two labels and an alphabetic top-level label.
fn is_domain(d: &[u8]) -> bool {
    if d.is_empty() || d[0] == b'.' || d[0] == b'-' {
        return false;
    }
    let Some(dot) = memchr::memrchr(b'.', d) else {
        return false;
    };
    let tld = &d[dot + 1..];
    tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) && !d.windows(2).any(|w| w == b"..")
}

/// A run of 13 to 19 digits, optionally grouped by single ` `, `-`, `+` or
/// `%20`, that passes the Luhn check.
pub fn has_card_number(v: &[u8]) -> bool {
    if v.len() < 13 {
        return false;
    }
    let mut i = 0;
    while i < v.len() {
        if !is_digit(v[i]) || (i > 0 && v[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut digits = [0u8; 19];
        let mut n = 0;
        let mut j = i;
        loop {
            if j < v.len() && is_digit(v[j]) {
                if n == 19 {
                    n = 20;
                    break;
                }
                digits[n] = v[j] - b'0';
                n += 1;
                j += 1;
            } else if j + 1 < v.len() && matches!(v[j], b' ' | b'-' | b'+') && is_digit(v[j + 1]) {
                j += 1;
            } else if j + 3 < v.len() && &v[j..j + 3] == b"%20" && is_digit(v[j + 3]) {
                j += 3;
            } else {
                break;
            }
        }
        if (13..=19).contains(&n) && (j == v.len() || !v[j].is_ascii_alphanumeric()) && luhn(&digits[..n]) {
            return true;
        }
        // try again from the next group: `5-4111111111111111`
        i += 1;
    }
    false
}

fn luhn(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (k, &x) in d.iter().rev().enumerate() {
        let mut x = u32::from(x);
        if k % 2 == 1 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records findings as text for exact assertions.
    #[derive(Default)]
    struct Rec(Vec<String>);
    impl Sink for Rec {
        fn ipv4(&mut self, s: usize, e: usize, a: u32) {
            self.0.push(format!("v4 {s}..{e} {}", crate::addr::v4_text(a)));
        }
        fn ipv6(&mut self, s: usize, e: usize, a: u128, enc: Option<u8>, z: usize) {
            let enc = if enc.is_some() { " enc" } else { "" };
            self.0
                .push(format!("v6 {s}..{e}..{z} {}{enc}", std::net::Ipv6Addr::from(a)));
        }
        fn redact(&mut self, s: usize, e: usize, k: Kind) {
            self.0.push(format!("{} {s}..{e}", k.name()));
        }
        fn remove(&mut self, s: usize, e: usize, k: Kind) {
            self.0.push(format!("-{} {s}..{e}", k.name()));
        }
    }

    fn found(line: &str) -> Vec<String> {
        let mut r = Rec::default();
        scan(line.as_bytes(), 0, line.len(), &Rules::default(), &mut r);
        r.0
    }

    #[test]
    fn addresses() {
        assert_eq!(found("1.2.3.4:8080"), ["v4 0..7 1.2.3.4"]);
        assert_eq!(found("[2001:db8::1]:443"), ["v6 1..12..12 2001:db8::1"]);
        assert_eq!(found("fe80::1%eth0 x"), ["v6 0..7..12 fe80::1"]);
        assert_eq!(found("a ::1%0 -"), ["v6 2..5..7 ::1"]);
        assert_eq!(found("ip:2001:db8::1."), ["v6 3..14..14 2001:db8::1"]);
        assert_eq!(found("x=2001%3Adb8%3A%3A1&"), ["v6 2..19..19 2001:db8::1 enc"]);
        assert_eq!(found("10.0.0.2, 10.0.0.1"), ["v4 0..8 10.0.0.2", "v4 10..18 10.0.0.1"]);
        assert_eq!(found("abc1.2.3.4 x"), ["v4 3..10 1.2.3.4"]);
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

    #[test]
    fn identifiers() {
        assert_eq!(found("/?email=a%40b.com&x=1"), ["deny-listed-parameter 8..17"]);
        assert_eq!(found("/a;jsessionid=ABC?x"), ["-path-parameter 2..17"]);
        assert_eq!(found("https://u:p@h/"), ["-url-credentials 8..12"]);
        assert_eq!(found("mailto:john.doe@example.co.uk)"), ["email 7..29"]);
        assert_eq!(found("q=john%40example.com"), ["email 2..20"]);
        assert_eq!(found("q=john%2540example.com"), ["email 2..22"]);
        assert_eq!(found("00:1A:2b:3c:4d:5e"), ["mac 0..17"]);
        assert_eq!(found("x 00-1a-2b-3c-4d-5e y"), ["mac 2..19"]);
        assert_eq!(found("m=00%3A1a%3A2b%3A3c%3A4d%3A5e"), ["mac 2..29"]);
        assert_eq!(found("cc=4111111111111111&a"), ["card-number 3..19"]);
        assert_eq!(found("cc=4111+1111+1111+1111"), ["card-number 3..22"]);
        assert_eq!(found("cc=4111%201111%201111%201111 x"), ["card-number 3..28"]);
        assert_eq!(found("cc=4111111111111112"), Vec::<String>::new());
        assert_eq!(
            found("next=%2Flogin%3Ftoken%3Dabc%26x"),
            ["deny-listed-parameter 24..27"]
        );
        assert_eq!(found("user=-&token=REDACTED"), Vec::<String>::new());
        assert_eq!(found("a@b"), Vec::<String>::new());
        assert_eq!(found("/@alice/posts"), Vec::<String>::new());
    }

    #[test]
    fn luhn_known_values() {
        assert!(luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(has_card_number(b"5500-0000-0000-0004"));
        assert!(!has_card_number(b"12345678901234567890123"));
    }
}
