//! The generic scanner: finds personal data in a byte range of a line without
//! knowing its format. It recognises
//! - IPv4 and IPv6 addresses (any spelling, zone ids, glued to words),
//! - MAC addresses (`:` or `-` separated),
//! - email addresses, with local parts and domains in any script and
//!   encoding, quoted local parts and address literals (`a@[192.0.2.1]`),
//! - credentials in URLs (`scheme://user:pass@host`),
//! - `name=value` pairs whose name is deny-listed, and `;name=value` path
//!   parameters,
//! - card numbers (an issuer prefix and the Luhn check) in values, paths and
//!   text, grouped or not,
//! - identifier shapes whatever names them: JWTs, `Bearer`/`Basic`
//!   credentials, IBANs (mod-97), Cisco and short MACs, Google Analytics
//!   ids, and E.164 phone numbers in parameter values,
//!
//! and reports each to a [`Sink`], left to right, with non-overlapping spans.
//! Versions in user agents (`Firefox/2.0.0.4`, `rv:1.9.0.1`) are no
//! addresses, and file names (`logo@2x.png`) no emails.
//!
//! A span that holds a `%`, `\` or `&` is first decoded through all its
//! layers (`crate::decode`): the recognisers run on the plain view, and
//! what they find is reported over the source bytes of whole escapes. So
//! `198%2E51%2E100%2E7`, `john\u0040example.com` and `&amp;token=abc` are
//! seen as what they stand for, and escapes count as token boundaries
//! (`192.0.2.1%2012.34.56.78` is two addresses). Spans without those bytes
//! go straight to the recognisers and pay one `memchr3` for the check.
//!
//! The scan is one pass over the bytes: a 16-byte SIMD compare finds the
//! trigger bytes `. : @ = -`, `B`/`b` and runs of five digits, and only those
//! start a closer look, which reads
//! a few bytes around them. No regular expression and no allocation per line
//! (the decoded view lives in a per-thread buffer that is reused).
//!
//! `loganon check` does not use this module: it has its own decoder and its
//! own detectors ([`crate::check`]), so a miss here is caught there.

use std::cell::RefCell;

use crate::addr::{is_digit, parse_v4_at, parse_v6};
use crate::decode::Decoded;
use crate::rules::{Rules, MAX_NAME};

/// What kind of identifier a span holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An email address.
    Email,
    /// A MAC address.
    Mac,
    /// the value of a deny-listed `name=value` pair
    Param,
    /// a `;name=value` path parameter of a deny-listed name (removed whole)
    PathParam,
    /// `user:pass@` of a URL (removed whole)
    UrlCredentials,
    /// a card number: a valid issuer prefix (IIN) and the Luhn check
    Card,
    /// the ident or user field of a Common Log Format line
    UserField,
    /// a JSON Web Token (`eyJ...` `.` `...` `.` `...`)
    Jwt,
    /// the credentials after `Bearer ` or `Basic ` (the scheme stays)
    AuthCredentials,
    /// an IBAN (its country's length, mod-97 checked)
    Iban,
    /// an E.164 phone number (`+` and 8 to 15 digits)
    Phone,
    /// a Google Analytics client or session id (`GA1.2.NNN.NNN`, `GS1.1...`)
    AnalyticsId,
}

impl Kind {
    /// The kind's name in counts and messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Mac => "mac",
            Kind::Param => "deny-listed-parameter",
            Kind::PathParam => "path-parameter",
            Kind::UrlCredentials => "url-credentials",
            Kind::Card => "card-number",
            Kind::UserField => "user-field",
            Kind::Jwt => "jwt",
            Kind::AuthCredentials => "auth-credentials",
            Kind::Iban => "iban",
            Kind::Phone => "phone",
            Kind::AnalyticsId => "analytics-id",
        }
    }
}

/// Receives what the scanner finds. Spans are byte offsets into the line,
/// strictly increasing and non-overlapping. An address found behind
/// escapes comes with `sep`: how its separators (`.` for IPv4, `:` for
/// IPv6) are spelled in the source (`%2E`, `\u002e`, `%253A`), so its
/// replacement can be spelled the same way.
pub trait Sink {
    /// An IPv4 address at `start..end`.
    fn ipv4(&mut self, start: usize, end: usize, addr: u32, sep: Option<&[u8]>);
    /// An IPv6 address at `start..end`; a zone id (`%eth0`) follows until
    /// `zone_end` (equal to `end` when there is none).
    fn ipv6(&mut self, start: usize, end: usize, addr: u128, sep: Option<&[u8]>, zone_end: usize);
    /// An IPv4 address at `start..end` spelled otherwise than as a dotted
    /// quad (see [`V4Form`]); its replacement is spelled the same way, with
    /// the separators (`-` of a dashed one, `.` of a reverse name) spelled
    /// `sep` when they were escaped.
    fn ipv4_form(&mut self, start: usize, end: usize, addr: u32, form: V4Form, sep: Option<&[u8]>);
    /// The nibbles of an `ip6.arpa` name at `start..end` (`nibbles` of
    /// them, least significant first, `upper` when its letters are upper
    /// case): the address, or the prefix padded with zeros when there are
    /// fewer than 32.
    fn ip6_nibbles(&mut self, start: usize, end: usize, addr: u128, nibbles: u8, upper: bool, sep: Option<&[u8]>);
    /// An identifier at `start..end` to be replaced by `REDACTED`.
    fn redact(&mut self, start: usize, end: usize, kind: Kind);
    /// An identifier at `start..end` to be removed.
    fn remove(&mut self, start: usize, end: usize, kind: Kind);
}

/// How an IPv4 address found inside a name or a URL host is spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V4Form {
    /// four decimal octets joined by `-` inside a host name
    /// (`dsl-84-12-3-5.dyn.example.net`)
    Dashed,
    /// the labels of an `in-addr.arpa` name, most significant last
    /// (`5.3.12.84.in-addr.arpa`); `labels` (1 to 4) of them, the address
    /// padded with zeros when there are fewer than four
    Reversed {
        /// how many labels, 1 to 4
        labels: u8,
    },
    /// a URL host written as one decimal number (`http://3325256781/`)
    Decimal,
    /// the hex digits of a URL host written `0x...` (`http://0xc633644d/`):
    /// `digits` of them, upper case or not
    Hex {
        /// how many hex digits
        digits: u8,
        /// whether they are upper case
        upper: bool,
    },
}

const C_DOT: u8 = 1;
const C_COLON: u8 = 2;
const C_AT: u8 = 3;
const C_EQ: u8 = 5;
const C_DASH: u8 = 6;
const C_B: u8 = 7;

/// Trigger bytes. A run of five digits is a trigger too (cards and IBANs
/// without separators); it is found by [`Triggers`], not by this table.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'.' as usize] = C_DOT;
    t[b':' as usize] = C_COLON;
    t[b'@' as usize] = C_AT;
    t[b'=' as usize] = C_EQ;
    t[b'-' as usize] = C_DASH;
    t[b'B' as usize] = C_B;
    t[b'b' as usize] = C_B;
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
const LOCAL: u8 = 4;
const DOMAIN: u8 = 8;

static PROPS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        // `[` and `]`: PHP and Rails names (`email[]`, `user[email]`)
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' || c == b'[' || c == b']' {
            t[b] |= NAME;
        }
        // (`)`, `]` and `}` close what holds the pair: `(key=abc)`)
        if matches!(
            c,
            b'&' | b' ' | b'\t' | b'"' | b'\'' | b'#' | b';' | b'<' | b'>' | b'\r' | b'\n' | b')' | b']' | b'}'
        ) {
            t[b] |= VALUE_END;
        }
        // RFC 5322 atext less the bytes that structure URLs (`/ = ? & #`
        // and braces), plus every non-ASCII byte: UTF-8 (RFC 6531) and
        // Latin-1 local parts alike.
        if c.is_ascii_alphanumeric()
            || c >= 0x80
            || matches!(
                c,
                b'.' | b'_' | b'%' | b'+' | b'-' | b'\'' | b'!' | b'$' | b'*' | b'^' | b'~'
            )
        {
            t[b] |= LOCAL;
        }
        // letters, digits, `.`, `-`, and non-ASCII bytes (IDN in UTF-8)
        if c.is_ascii_alphanumeric() || c >= 0x80 || c == b'.' || c == b'-' {
            t[b] |= DOMAIN;
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
    PROPS[b as usize] & LOCAL != 0
}

#[inline]
fn is_domain_char(b: u8) -> bool {
    PROPS[b as usize] & DOMAIN != 0
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

/// Bytes other than letters and digits at which a recogniser starts
/// (`. : @ = -`) or an escape does (`% \\ &`).
static STARTS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (CLASS[b] != 0 && !(b as u8).is_ascii_alphanumeric())
            || b == b'%' as usize
            || b == b'\\' as usize
            || b == b'&' as usize;
        b += 1;
    }
    t
};

/// Whether `span` can hold anything the scanner finds that has a
/// punctuation trigger or an escape byte in it (not the shapes made of
/// letters and digits only: `Bearer`/`Basic` credentials, cards and IBANs
/// without separators). A cheap test for short spans (JSON keys) before the
/// scan proper.
#[inline]
pub(crate) fn may_hold_personal(span: &[u8]) -> bool {
    span.iter().any(|&b| STARTS[b as usize])
}

thread_local! {
    /// The decoded view of the span in hand, reused from span to span.
    static VIEW: RefCell<Decoded> = RefCell::new(Decoded::default());
}

/// Scans `line[from..to]`, reporting findings to `sink`. Bytes before
/// `from` are only read to decide token boundaries. A span holding escapes
/// is scanned through them (see the module documentation).
pub fn scan<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, sink: &mut S) {
    if from >= to {
        return;
    }
    let span = &line[from..to];
    let Some(first) = first_escape(span) else {
        return scan_plain(line, from, to, rules, None, sink);
    };
    // Only the quoted fields that hold escapes are decoded: the view runs
    // from the `" ` (end of a quoted field and its separator) before the
    // first escape to the one after the last, and the rest is scanned as
    // it is. No finding crosses a `" `: no recogniser takes a quote followed
    // by a space into a value, an address or a name.
    let last = crate::decode::last_escape_byte(span).unwrap_or(first);
    let a = from + field_start(&span[..first]);
    let b = from + last + field_end(&span[last..]);
    if a > from {
        scan_plain(line, from, a, rules, None, sink);
    }
    let done = VIEW.with(|v| match v.try_borrow_mut() {
        Ok(mut d) => scan_decoded(&mut d, line, a, b, rules, sink),
        // not reached (a sink does not scan), but never a panic
        Err(_) => scan_decoded(&mut Decoded::default(), line, a, b, rules, sink),
    });
    if !done {
        scan_plain(line, a, b, rules, None, sink);
    }
    if b < to {
        scan_plain(line, b, to, rules, None, sink);
    }
}

/// Whether `span` holds nothing [`scan`] could take, whatever surrounds it:
/// spaces, runs of at most 12 digits and lone dashes only (the status and
/// size of a CLF line, ` 200 39982 `), at most 32 bytes. A card number has
/// at least 13 digits, an address, a MAC or an IBAN separators or letters, a
/// phone number a `+`, and a dash alone starts nothing. The engine skips
/// such spans: most are the few bytes between the fields it scans apart.
#[inline]
pub fn is_inert(span: &[u8]) -> bool {
    if span.len() > 32 {
        return false;
    }
    // the length of the token in hand, whether it is a dash, and the digits
    // so far (a card's groups may be spaced: 12 digits in all at most)
    let (mut run, mut dash, mut digits) = (0u8, false, 0u8);
    for &b in span {
        match b {
            b' ' => (run, dash) = (0, false),
            b'0'..=b'9' if !dash && digits < 12 => (run, digits) = (run + 1, digits + 1),
            b'-' if run == 0 => (run, dash) = (1, true),
            _ => return false,
        }
    }
    true
}

/// Where the last `" ` in `before` ends (0 when there is none). An
/// escaped quote (`\\" `) is no field end.
fn field_start(before: &[u8]) -> usize {
    let mut end = before.len();
    while let Some(k) = memchr::memrchr(b'"', &before[..end]) {
        // (`name=" x"`: a quote after `=` opens a value, it ends no field)
        if before.get(k + 1) == Some(&b' ') && (k == 0 || !matches!(before[k - 1], b'\\' | b'=')) {
            return k + 2;
        }
        end = k;
    }
    0
}

/// Where the first `" ` in `after` ends its field (after the quote), or its length. An escaped
/// quote (`\\" `) is no field end.
fn field_end(after: &[u8]) -> usize {
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'"', &after[i..]) {
        let q = i + k;
        if after.get(q + 1) == Some(&b' ') && (q == 0 || !matches!(after[q - 1], b'\\' | b'=')) {
            // the quote stays with its field (`name="%3A" x` closes there)
            return q + 1;
        }
        i = q + 1;
    }
    after.len()
}

/// The offset of the first escape in `span`, if it holds one (a `%`, `\\`
/// or `&` that starts one). Short spans (a client field) are looked at
/// byte by byte, which costs less than setting up the SIMD search.
#[inline(always)]
fn first_escape(span: &[u8]) -> Option<usize> {
    // a short span (a client field) most often holds none: a branch-free
    // test first, cheaper than setting up the SIMD search
    if span.len() < 32
        && !span
            .iter()
            .fold(false, |acc, &b| acc | matches!(b, b'%' | b'\\' | b'&'))
    {
        return None;
    }
    let first = crate::decode::next_escape_byte(span)?;
    crate::decode::has_escape(&span[first..]).then_some(first)
}

/// Decodes the span and scans the view; false when it held no escape.
/// Out of line: most spans never come here.
#[inline(never)]
fn scan_decoded<S: Sink>(d: &mut Decoded, line: &[u8], from: usize, to: usize, rules: &Rules, sink: &mut S) -> bool {
    if !d.decode(line, from, to) {
        return false;
    }
    let view = View {
        d,
        src: line,
        last: from,
    };
    scan_plain(&d.text, 0, d.text.len(), rules, Some(view), sink);
    true
}

/// A decoded view being scanned, and how its findings become findings
/// over the source: each span grows to whole escapes, and spans stay in
/// order without overlap (two findings that meet inside one escape share it
/// with the first). The scanner applies it itself rather than through a
/// wrapping sink, so there is one copy of the recognisers per sink type
/// (two copies did not fit the instruction cache together).
#[derive(Clone, Copy)]
struct View<'a> {
    d: &'a Decoded,
    src: &'a [u8],
    last: usize,
}

impl<'a> View<'a> {
    fn span(&mut self, a: usize, b: usize) -> (usize, usize) {
        let s = self.d.range(a).0.max(self.last);
        let e = self.d.range(b - 1).1.max(s);
        self.last = e;
        (s, e)
    }

    /// The source spelling of the first `c` in `a..b` when it was escaped.
    fn sep(&self, a: usize, b: usize, c: u8) -> Option<&'a [u8]> {
        let k = a + memchr::memchr(c, &self.d.text[a..b])?;
        let (s, e) = self.d.range(k);
        let src: &'a [u8] = self.src;
        (e - s > 1).then(|| &src[s..e])
    }
}

/// The recognisers over plain bytes.
fn scan_plain<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, view: Option<View>, sink: &mut S) {
    let s = &line[..to];
    let mut sc = Scanner {
        s,
        floor: from,
        rules,
        view,
        phone: NO_PHONE,
    };
    let mut i = from;
    let mut triggers = Triggers::NONE;
    while let Some(t) = triggers.next(s, i) {
        if t >= sc.phone.0 {
            i = sc.pending_phone(sink);
            continue;
        }
        i = match CLASS[s[t] as usize] {
            // (one call site of `address`, so that it stays inlined)
            C_DOT | C_COLON => match (s[t] == b':' && t > from && matches!(s[t - 1], b'"' | b' ' | b'\t'))
                .then(|| sc.json_pair(t, sink))
            {
                Some(Some(e)) => e,
                _ => sc.address(t, sink),
            },
            C_AT => sc.at(t, sink),
            C_EQ => sc.equals(t, sink),
            C_DASH => sc.dash(t, sink),
            C_B => sc.auth_scheme(t, sink),
            _ => sc.digits(t, sink),
        };
    }
    if sc.phone != NO_PHONE {
        sc.pending_phone(sink);
    }
}

/// The triggers of a line: a trigger byte (`. : @ = -`, `B`, `b`) or the
/// start of a run of five digits (a card number or an IBAN without
/// separators has one: 13 digits over two 16-byte blocks leave at least
/// seven in one of them, and the ten or more digits of an IBAN's account
/// number at least five).
///
/// Hand-written SIMD: on x86_64, SSE2 (always present there) compares 16
/// bytes against the triggers at once. This loop is the floor of the whole
/// engine's cost (every byte of every line passes through it); the block
/// compare made the engine about 1.3x faster than a per-byte table lookup.
/// The mask of the last block is kept: the triggers of a dense block (a
/// time `10:00:00`, an address, `- -`) cost one compare, not one each.
/// Blocks tile the line from where the scan resumes, so the digit-run rule
/// above holds whatever the handlers skip. (Elsewhere than on x86_64 the
/// scan goes byte by byte and keeps no mask.)
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Triggers {
    /// the start of the block `bits` describes (`usize::MAX`: none yet)
    blk: usize,
    /// bit k: a trigger at `blk + k`
    bits: u32,
}

impl Triggers {
    const NONE: Triggers = Triggers {
        blk: usize::MAX,
        bits: 0,
    };

    /// The offset of the next trigger at or after `i`.
    #[inline]
    fn next(&mut self, s: &[u8], mut i: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if s.len() >= 16 {
            if i >= self.blk && i - self.blk < 16 {
                let m = self.bits >> (i - self.blk);
                if m != 0 {
                    return Some(i + m.trailing_zeros() as usize);
                }
                i = self.blk + 16;
            }
            use std::arch::x86_64::*;
            // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned
            // and stay within `s` (p + 16 <= len).
            unsafe {
                let dot = _mm_set1_epi8(b'.' as i8);
                let colon = _mm_set1_epi8(b':' as i8);
                let at = _mm_set1_epi8(b'@' as i8);
                let eq = _mm_set1_epi8(b'=' as i8);
                let dash = _mm_set1_epi8(b'-' as i8);
                let case = _mm_set1_epi8(0x20);
                let bee = _mm_set1_epi8(b'b' as i8);
                // digits: '0'..'9' moved to -128..-119, the least signed values
                let shift = _mm_set1_epi8(0x50);
                let ten = _mm_set1_epi8(-118);
                let block = |p: usize| {
                    let v = _mm_loadu_si128(s.as_ptr().add(p) as *const __m128i);
                    let m = _mm_or_si128(
                        _mm_or_si128(
                            _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon)),
                            _mm_cmpeq_epi8(v, at),
                        ),
                        _mm_or_si128(
                            _mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, dash)),
                            _mm_cmpeq_epi8(_mm_or_si128(v, case), bee),
                        ),
                    );
                    let digit = _mm_cmplt_epi8(_mm_add_epi8(v, shift), ten);
                    let dm = _mm_movemask_epi8(digit) as u32;
                    // bit k: digits at k..k+5
                    let d2 = dm & (dm >> 1);
                    (_mm_movemask_epi8(m) as u32) | (d2 & (d2 >> 2) & (dm >> 4))
                };
                while i + 16 <= s.len() {
                    let bits = block(i);
                    if bits != 0 {
                        self.blk = i;
                        self.bits = bits;
                        return Some(i + bits.trailing_zeros() as usize);
                    }
                    i += 16;
                }
                // the tail: the last 16 bytes, less those before `i`
                if i < s.len() {
                    let p = s.len() - 16;
                    let bits = (block(p) >> (i - p)) << (i - p);
                    if bits != 0 {
                        self.blk = p;
                        self.bits = bits;
                        return Some(p + bits.trailing_zeros() as usize);
                    }
                }
                return None;
            }
        }
        let mut run = 0;
        while i < s.len() {
            let b = s[i];
            if CLASS[b as usize] != 0 {
                return Some(i);
            }
            if is_digit(b) {
                run += 1;
                if run == 5 {
                    return Some(i - 4);
                }
            } else {
                run = 0;
            }
            i += 1;
        }
        None
    }
}

struct Scanner<'a> {
    s: &'a [u8],
    /// Nothing before this offset may be part of a new span.
    floor: usize,
    rules: &'a Rules,
    /// the decoded view `s` is, if it is one: which bytes were escaped,
    /// and where findings lie in the source
    view: Option<View<'a>>,
    /// a phone number found inside a parameter value, to be reported when
    /// the scan reaches it ([`NO_PHONE`]: none)
    phone: (usize, usize),
}

const NO_PHONE: (usize, usize) = (usize::MAX, 0);

/// Whether an IPv6 candidate cut out of a run glued to other word bytes
/// looks like an address rather than a word (`std::vector`, `Foo::Bar`):
/// three groups, or two with a decimal digit among them.
fn plausible_v6(t: &[u8]) -> bool {
    let mut groups = 0;
    for g in t.split(|&b| b == b':') {
        if !g.is_empty() {
            groups += if g.contains(&b'.') { 2 } else { 1 };
        }
    }
    groups >= 3 || (groups >= 2 && t.iter().any(u8::is_ascii_digit))
}

impl Scanner<'_> {
    #[inline]
    fn v4<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, addr: u32) {
        match &mut self.view {
            None => sink.ipv4(a, b, addr, None),
            Some(v) => {
                let sep = v.sep(a, b, b'.');
                let (s, e) = v.span(a, b);
                sink.ipv4(s, e, addr, sep);
            }
        }
    }

    #[inline]
    fn v6<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, addr: u128, zone_end: usize) {
        match &mut self.view {
            None => sink.ipv6(a, b, addr, None, zone_end),
            Some(v) => {
                let sep = v.sep(a, b, b':');
                let (s, e) = v.span(a, b);
                let z = if zone_end > b {
                    let z = v.d.range(zone_end - 1).1.max(e);
                    v.last = z;
                    z
                } else {
                    e
                };
                sink.ipv6(s, e, addr, sep, z);
            }
        }
    }

    #[inline]
    fn v4_form<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, addr: u32, form: V4Form) {
        let c = if form == V4Form::Dashed { b'-' } else { b'.' };
        let sep = self.view.as_ref().and_then(|v| v.sep(a, b, c));
        let (s, e) = self.source_span(a, b);
        sink.ipv4_form(s, e, addr, form, sep);
        self.floor = b;
    }

    /// `a..b` of the scanned bytes as a span of the source line.
    #[inline]
    fn source_span(&mut self, a: usize, b: usize) -> (usize, usize) {
        match &mut self.view {
            None => (a, b),
            Some(v) => v.span(a, b),
        }
    }

    #[inline]
    fn redact<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, kind: Kind) {
        let (s, e) = self.source_span(a, b);
        sink.redact(s, e, kind);
    }

    #[inline]
    fn remove<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, kind: Kind) {
        let (s, e) = self.source_span(a, b);
        sink.remove(s, e, kind);
    }

    /// Whether byte `k` of the view came from an escape.
    #[inline]
    fn escaped(&self, k: usize) -> bool {
        match &self.view {
            Some(v) => {
                let (s, e) = v.d.range(k);
                e - s > 1
            }
            None => false,
        }
    }

    /// Whether the byte at `k` of a value was written as an escape that
    /// keeps the value going: an escaped quote, space or `;` is part of a
    /// value (`token=a%20b`, `token=a\x22b`, `token=a\"b` go whole: fail
    /// closed), except JSON's `\n`, `\r`, `\t` and a closing `\"`. An
    /// escaped `&` ends the value of an escaped `=` (an encoded query inside
    /// a value: `%3Ftoken%3Dabc%26x` keeps `%26x`); a percent-encoded one
    /// after a plain `=` is data (`token=%26abc` goes whole), while `&amp;`
    /// and `\u0026` are the separator written for HTML or JSON.
    #[inline]
    fn escaped_in_value(&self, k: usize, eq_escaped: bool) -> bool {
        let Some(v) = &self.view else { return false };
        let (s, e) = v.d.range(k);
        if e - s <= 1 {
            return false;
        }
        // a JSON `\n`, `\r` or `\t`, and a `\"` that closes, are the structure
        // of the string the line is in (a Docker record, an extra field),
        // not data: they end the value (`\"token=abc\"` keeps its `\"`)
        if v.src[s] == b'\\' {
            match v.src.get(s + 1) {
                Some(b'n' | b'r' | b't') => return false,
                // a quote that closes (what follows is no part of a value;
                // `token=a\"b` goes whole)
                Some(b'"') if !self.s.get(k + 1).is_some_and(u8::is_ascii_alphanumeric) => return false,
                _ => {}
            }
        }
        // `&amp;` and `\u0026` are spellings of the separator itself
        self.s[k] != b'&' || (!eq_escaped && v.src[s] == b'%')
    }

    /// A `.` or `:` at `i`: the hex/dot/colon run around it may be an
    /// IPv4 or IPv6 address or a MAC.
    fn address<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if s[i] == b':' && s.get(i + 1..i + 3) == Some(b"//") && i > self.floor && s[i - 1].is_ascii_alphanumeric() {
            return self.url_authority(i, sink);
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
            if let Some(end) = self.arpa(e, sink) {
                return end;
            }
        }
        if colons < 2 && dots < 3 {
            // no address: a card number may be (`:4111111111111111.`)
            if e - start >= 13 {
                if let Some(c) = self
                    .card_in_run(start, e, sink)
                    .or_else(|| self.iban_in_run(start, e, sink))
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
        if colons < 2 && s.get(e) == Some(&b'@') && domain_end(s, e + 1).is_some() {
            return e;
        }
        if colons >= 2 && self.ipv6_or_mac(start, e, sink) {
            return self.floor.max(i + 1);
        }
        // IPv4 addresses inside the run: `1.2.3.4:80`, `abc1.2.3.4`, `a:1.2.3.4`.
        if dots >= 3 {
            let mut p = start.max(self.floor);
            while p < e {
                if is_digit(s[p]) && (p == start || !is_digit(s[p - 1])) {
                    if let Some((addr, end)) = parse_v4_at(s, p) {
                        // a card number before it in the run goes first
                        if p >= self.floor.max(start) + 13
                            && self.card_in_run(start, p, sink).is_some()
                            && p < self.floor
                        {
                            p = self.floor;
                            continue;
                        }
                        if is_version_at(s, p) {
                            p = end;
                            continue;
                        }
                        self.v4(sink, p, end, addr);
                        self.floor = end;
                        p = end;
                        continue;
                    }
                }
                p += 1;
            }
            // what follows the last IPv4 address may still be IPv6
            // (`1.2.3.4a0::1`)
            if self.floor > start && self.floor < e && s[self.floor..e].iter().filter(|&&c| c == b':').count() >= 2 {
                let f = self.floor;
                self.ipv6_or_mac(f, e, sink);
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
    fn ipv6_or_mac<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> bool {
        let s = self.s;
        if e - start > 128 {
            return false;
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
        if !left_glued && !right_glued {
            if let Some(addr) = parse_v6(text).or_else(|| parse_v6_leading_zero_v4(text)) {
                let zone_end = zone_end(s, b);
                self.v6(sink, a, b, addr, zone_end);
                self.floor = zone_end;
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
                    // would glue onto the replacement: `1::4111111` -> `1::`)
                    let zone_end = if r == text.len() && !right_glued {
                        zone_end(s, b)
                    } else {
                        b
                    };
                    if !policy.v6_is_clean(addr) {
                        self.v6(sink, a + l, b, addr, zone_end);
                        self.floor = zone_end;
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
                        self.v6(sink, a, b, addr, z);
                        self.floor = z;
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
                self.v6(sink, cs, ce, addr, z);
                self.floor = z;
                true
            }
            _ => false,
        }
    }

    /// The labels of a reverse name before `s[e..]`, if that is
    /// `in-addr.arpa` or `ip6.arpa` (any case) and the name ends there.
    /// Out of line: only runs of digits and dots before an `i` come here.
    #[cold]
    #[inline(never)]
    fn arpa<S: Sink>(&mut self, e: usize, sink: &mut S) -> Option<usize> {
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
            if n == 0 {
                return None;
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
            if n == 0 {
                return None;
            }
            let sep = self.view.as_ref().and_then(|v| v.sep(k, e - 1, b'.'));
            let (from, to) = self.source_span(k, e - 1);
            sink.ip6_nibbles(from, to, addr, n as u8, upper, sep);
            self.floor = e - 1;
            return Some(e - 1);
        }
        None
    }

    /// A `-` between digits at `i`: four decimal octets joined by `-` in a
    /// host name (`dsl-84-12-3-5.dyn.example.net`,
    /// `ec2-54-12-34-56.compute-1.amazonaws.com`, `host86-1-2-3.range...`).
    /// Before them: nothing of the name, a letter, or a `-` after a part
    /// with a letter (`10-84-12-3-5` is five numbers, no address); after
    /// them: no `-` and digit, and the rest of the label then two more
    /// labels (`.dyn.example`). Out of line: dates come here too.
    #[cold]
    #[inline(never)]
    fn dashed_v4<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let mut d = i;
        while d > self.floor && is_digit(s[d - 1]) {
            d -= 1;
            if i - d > 3 {
                return None;
            }
        }
        if d > self.floor && s[d - 1] == b'-' {
            let mut k = d - 1;
            let mut letter = false;
            while k > self.floor && s[k - 1].is_ascii_alphanumeric() {
                k -= 1;
                letter |= s[k].is_ascii_alphabetic();
            }
            if !letter {
                return None;
            }
        }
        // a MAC is no address (`10-20-30-40-aa-bb`)
        if s.get(d..d + 17).is_some_and(|t| is_mac(t, b'-')) {
            return None;
        }
        let mut p = d;
        let mut addr = 0u32;
        for k in 0..4 {
            if k > 0 {
                if s.get(p) != Some(&b'-') {
                    return None;
                }
                p += 1;
            }
            let st = p;
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
        let label = |mut q: usize| {
            while q < s.len() && (s[q].is_ascii_alphanumeric() || s[q] == b'-') {
                q += 1;
            }
            q
        };
        let mut q = label(end);
        for _ in 0..2 {
            if s.get(q) != Some(&b'.') || !s.get(q + 1).is_some_and(u8::is_ascii_alphanumeric) {
                return None;
            }
            q = label(q + 1);
        }
        self.v4_form(sink, d, end, addr, V4Form::Dashed);
        Some(end)
    }

    /// A URL host at `h` written as one number, decimal (`3325256781`) or
    /// hex (`0xc633644d`), which URL parsers read as an IPv4 address.
    fn numeric_host<S: Sink>(&mut self, h: usize, sink: &mut S) -> Option<usize> {
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

    /// A `-` at `i`: a card number grouped by dashes (`4111-1111-1111-1111`),
    /// or the end of the first group of a MAC like `00-1a-2b-3c-4d-5e`.
    fn dash<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i > self.floor && is_digit(s[i - 1]) && s.get(i + 1).is_some_and(|&b| is_digit(b)) {
            let mut g = i - 1;
            while g > self.floor && is_digit(s[g - 1]) && i - g < 6 {
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

    /// A `-` at `i`: the end of the first group of a MAC like `00-1a-2b-3c-4d-5e`?
    fn dash_mac<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i > self.floor && is_digit(s[i - 1]) && s.get(i + 1).is_some_and(|&b| is_digit(b)) {
            if let Some(end) = self.dashed_v4(i, sink) {
                return end;
            }
        }
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
        self.redact(sink, start, end, Kind::Mac);
        self.floor = end;
        end
    }

    /// A card number starting at `p`: 13 to 19 digits, grouped or not by
    /// one kind of separator (` `, `-`, `.` or `+`), with a valid issuer
    /// prefix and the Luhn check, not glued to letters or digits, and not the
    /// local part of an email. Its end, if it is one.
    fn card_at(&self, p: usize) -> Option<usize> {
        let s = self.s;
        // no issuer starts with 0, 1, 7, 8 or 9: most digit runs end here
        if p < self.floor || !s.get(p).is_some_and(|&b| matches!(b, b'2'..=b'6')) {
            return None;
        }
        if p > 0 && s[p - 1].is_ascii_alphanumeric() {
            return None;
        }
        let mut digits = [0u8; 19];
        let mut n = 0;
        let mut j = p;
        let mut sep = 0u8;
        // the first group alone, when groups follow (`4111111111111111 0`)
        let mut first = None;
        loop {
            if j < s.len() && is_digit(s[j]) {
                if n == 19 {
                    n = 20;
                    break;
                }
                digits[n] = s[j] - b'0';
                n += 1;
                j += 1;
            } else if j + 1 < s.len()
                && matches!(s[j], b' ' | b'-' | b'.' | b'+')
                && (sep == 0 || sep == s[j])
                && is_digit(s[j + 1])
            {
                first = first.or(Some((n, j)));
                sep = s[j];
                j += 1;
            } else {
                break;
            }
        }
        let glued = j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'@');
        if n <= 19 && !glued && is_card(&digits[..n]) {
            return Some(j);
        }
        match first {
            Some((k, f)) if k >= 13 && is_card(&digits[..k]) => Some(f),
            _ => None,
        }
    }

    /// The first card number in the run `start..e` of hex digits, dots and
    /// colons, reported; its end.
    #[cold]
    #[inline(never)]
    fn card_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        for p in start.max(self.floor)..e {
            if is_digit(s[p]) && (p == 0 || !s[p - 1].is_ascii_alphanumeric()) {
                if let Some(c) = self.card_at(p) {
                    self.redact(sink, p, c, Kind::Card);
                    self.floor = c;
                    return Some(c);
                }
            }
        }
        None
    }

    /// An IBAN starting inside the hex run `start..e` after a `:` or `.`
    /// (`:DE89370400440532013000`): the run is skipped whole when it holds
    /// no address, so its digits are never a trigger of their own.
    #[cold]
    #[inline(never)]
    fn iban_in_run<S: Sink>(&mut self, start: usize, e: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        for p in start.max(self.floor)..e {
            if s[p].is_ascii_alphabetic() && (p == 0 || !s[p - 1].is_ascii_alphanumeric()) {
                let mut te = p;
                while te < s.len() && s[te].is_ascii_alphanumeric() && te - p <= 34 {
                    te += 1;
                }
                let bounded = te == s.len() || !(s[te].is_ascii_alphanumeric() || s[te] == b'@');
                if bounded && is_iban(&s[p..te]) {
                    self.redact(sink, p, te, Kind::Iban);
                    self.floor = te;
                    return Some(te);
                }
            }
        }
        None
    }

    /// A run of five or more digits around `t` (see [`Triggers`]): a card
    /// number, or the account part of an IBAN when letters are glued before
    /// it (`DE89370400440532013000`, `GB82WEST12345698765432`).
    fn digits<S: Sink>(&mut self, t: usize, sink: &mut S) -> usize {
        let s = self.s;
        let mut a = t;
        while a > self.floor && is_digit(s[a - 1]) {
            a -= 1;
        }
        let mut e = t;
        while e < s.len() && is_digit(s[e]) {
            e += 1;
        }
        if a > self.floor && s[a - 1].is_ascii_alphabetic() {
            // the IBAN around it: letters and digits, 15 to 34 of them
            let mut k = a;
            while k > self.floor && s[k - 1].is_ascii_alphanumeric() && e - k <= 34 {
                k -= 1;
            }
            let mut te = e;
            while te < s.len() && s[te].is_ascii_alphanumeric() && te - k <= 34 {
                te += 1;
            }
            let bounded = (k == 0 || !s[k - 1].is_ascii_alphanumeric())
                && (te == s.len() || !(s[te].is_ascii_alphanumeric() || s[te] == b'@'));
            if bounded && k >= self.floor && is_iban(&s[k..te]) {
                self.redact(sink, k, te, Kind::Iban);
                self.floor = te;
                return te;
            }
            return e;
        }
        let grouped = || {
            s.get(e).is_some_and(|&b| matches!(b, b' ' | b'-' | b'.' | b'+'))
                && s.get(e + 1).is_some_and(|&b| is_digit(b))
        };
        if e - a >= 13 || grouped() {
            if let Some(c) = self.card_at(a) {
                self.redact(sink, a, c, Kind::Card);
                self.floor = c;
                return c;
            }
        }
        e
    }

    /// A `B` or `b` at `i`: `Bearer <token>` or `Basic <base64>` (any case),
    /// the credentials of an HTTP `Authorization` header written where no
    /// field says so (a user agent, an extra field, a message). The scheme
    /// stays; what follows goes when it looks like a credential: a bearer
    /// token of six or more token68 bytes with a digit or a sign before its
    /// last (or twenty or more letters), a basic one that is base64 of
    /// `user:pass`.
    fn auth_scheme<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        if i > self.floor && s[i - 1].is_ascii_alphanumeric() {
            return i + 1;
        }
        let basic = match s.get(i + 1) {
            Some(b'e' | b'E') if s.len() > i + 7 && s[i + 1..i + 6].eq_ignore_ascii_case(b"earer") => false,
            Some(b'a' | b'A') if s.len() > i + 6 && s[i + 1..i + 5].eq_ignore_ascii_case(b"asic") => true,
            _ => return i + 1,
        };
        let mut a = i + if basic { 5 } else { 6 };
        let gap = a;
        while a < s.len() && matches!(s[a], b' ' | b'+' | b'\t') && a - gap < 4 {
            a += 1;
        }
        if a == gap {
            return i + 1;
        }
        let mut e = a;
        while e < s.len() && is_token68(s[e]) && e - a < 8192 {
            e += 1;
        }
        while e < s.len() && s[e] == b'=' && e - a < 8192 {
            e += 1;
        }
        let tok = &s[a..e];
        let glued = e < s.len() && s[e] == b'@';
        let ok = !glued
            && !is_placeholder(tok)
            && if basic {
                is_basic_credentials(tok)
            } else {
                is_bearer_token(tok)
            };
        if !ok {
            return i + 1;
        }
        self.redact(sink, a, e, Kind::AuthCredentials);
        self.floor = e;
        e
    }

    /// A `.` at `i` followed by `eyJ`: the end of a JWT's header when one
    /// starts `eyJ` before it; the token runs over its parts (the signature
    /// may be empty: `eyJ...eyJ....`).
    #[cold]
    #[inline(never)]
    fn jwt<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let mut k = i;
        while k > self.floor && is_b64url(s[k - 1]) && i - k < 4096 {
            k -= 1;
        }
        if !s[k..i].starts_with(b"eyJ") || (k > 0 && is_b64url(s[k - 1])) {
            return None;
        }
        let mut e = i;
        let mut dots = 0;
        while e < s.len() && (is_b64url(s[e]) || s[e] == b'.') && e - k < 16384 {
            dots += usize::from(s[e] == b'.');
            e += 1;
        }
        if dots < 2 {
            return None;
        }
        self.redact(sink, k, e, Kind::Jwt);
        self.floor = e;
        Some(e)
    }

    /// A `.` at `i` with another five bytes on: a MAC in Cisco's dotted form
    /// (`0011.2233.4455`), three groups of four hex digits.
    #[cold]
    #[inline(never)]
    fn cisco_mac<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
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

    /// A `.` at `i` after `GA1` or `GS1`: a Google Analytics client id
    /// (`GA1.2.1234567890.1700000000`) or a GA4 session id (`GS1.1.1700000000.3.1...`,
    /// `GS2.1.s1700000000$o3$g1...`): the whole id goes.
    #[cold]
    #[inline(never)]
    fn analytics_id<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
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

    /// `scheme://` at `i`: userinfo in the authority (up to its last `@`, as
    /// RFC 3986 reads it) is removed before anything inside it is looked at,
    /// so a password holding an `@` or an address still goes whole.
    #[inline(never)]
    fn url_authority<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let a = i + 3;
        let mut e = a;
        let mut last_at = None;
        loop {
            // a run of `@` goes whole (one left would be userinfo again on
            // the next run: `p://@@@` -> `p://@`), also right after `//`
            // (`https://@1/`)
            while s.get(e) == Some(&b'@') {
                last_at = Some(e);
                e += 1;
            }
            if e >= s.len() || ends_userinfo(s[e]) || e - a >= 1024 {
                break;
            }
            e += 1;
        }
        let host = match last_at {
            Some(at) => {
                self.remove(sink, a, at + 1, Kind::UrlCredentials);
                self.floor = at + 1;
                at + 1
            }
            None => a,
        };
        if s.get(host).is_some_and(u8::is_ascii_digit) {
            if let Some(end) = self.numeric_host(host, sink) {
                return end;
            }
        }
        host
    }

    /// An `@` at `i`: an email address. The local part is any run of
    /// RFC 5322 atext or non-ASCII bytes, or a quoted string
    /// (`"john doe"@`); the domain has an alphabetic, non-ASCII or
    /// punycode top-level label, or is an address literal (`@[192.0.2.1]`).
    fn at<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let after = i + 1;
        let mut k = i;
        while k > self.floor && is_local_char(s[k - 1]) && i - k < 512 {
            k -= 1;
        }
        if k == i && i > self.floor + 1 && s[i - 1] == b'"' {
            // a quoted local part: back to its opening quote
            let from = self.floor.max((i - 1).saturating_sub(128));
            if let Some(q) = memchr::memrchr(b'"', &s[from..i - 1]) {
                if from + q + 1 < i - 1 {
                    k = from + q;
                }
            }
        }
        // a quote or dot before the name is not part of it (`'john@x.com'`)
        while k < i && matches!(s[k], b'\'' | b'.') {
            k += 1;
        }
        if k == i {
            return after;
        }
        if s.get(after) == Some(&b'[') {
            if let Some(close) = memchr::memchr(b']', &s[after..s.len().min(after + 64)]) {
                let lit = &s[after + 1..after + close];
                let lit = lit.strip_prefix(b"IPv6:").unwrap_or(lit);
                if parse_v4_at(lit, 0).is_some_and(|(_, e)| e == lit.len()) || parse_v6(lit).is_some() {
                    let d = after + close + 1;
                    self.redact(sink, k, d, Kind::Email);
                    self.floor = d;
                    return d;
                }
            }
            return after;
        }
        let Some(mut d) = domain_end(s, after) else {
            return after;
        };
        // `a@b.cc@d.ee`: what is glued on by another `@` goes too
        while s.get(d) == Some(&b'@') {
            match domain_end(s, d + 1) {
                Some(e) => d = e,
                None => break,
            }
        }
        self.redact(sink, k, d, Kind::Email);
        self.floor = d;
        d
    }

    /// A `:` at `i` after a quote: `"name":"value"` (JSON in a query value,
    /// decoded or raw) with a deny-listed name gets its value redacted, a
    /// string's content or a bare number or word. `None`: no such pair, the
    /// colon is an address candidate as usual.
    #[cold]
    fn json_pair<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        // white space may stand before the colon (`"pw" : x`)
        let mut close = i - 1;
        while close > self.floor && matches!(s[close], b' ' | b'\t') {
            close -= 1;
        }
        if s[close] != b'"' {
            return None;
        }
        let mut n = close;
        while n > self.floor && is_name_char(s[n - 1]) && close - n <= MAX_NAME {
            n -= 1;
        }
        // `name` and `key` mean what their object says (HAR header pairs,
        // multi-line JSON): left to the JSON roles, as `check` leaves them
        let leaf = &s[n..close];
        let leaf = leaf.rsplit(|&b| b == b'.').next().unwrap_or(leaf);
        if n == close
            || n == 0
            || s[n - 1] != b'"'
            || leaf.eq_ignore_ascii_case(b"name")
            || leaf.eq_ignore_ascii_case(b"key")
            || !self.rules.deny.contains(&s[n..close])
        {
            return None;
        }
        let mut v = i + 1;
        while v < s.len() && matches!(s[v], b' ' | b'\t') {
            v += 1;
        }
        let (a, b) = if s.get(v) == Some(&b'"') {
            match memchr::memchr(b'"', &s[v + 1..]) {
                Some(k) => (v + 1, v + 1 + k),
                None => (v + 1, s.len()),
            }
        } else {
            let e = s[v..]
                .iter()
                .position(|&c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'&' | b'"'))
                .map_or(s.len(), |k| v + k);
            (v, e)
        };
        let value = &s[a..b];
        // an address under `ip` is truncated as an address, further on
        let address = parse_v4_at(value, 0).is_some_and(|(_, e)| e == value.len()) || parse_v6(value).is_some();
        if a >= b || address || is_placeholder(value) || matches!(value, b"true" | b"false" | b"null" | b"{" | b"[") {
            return Some(i + 1);
        }
        self.redact(sink, a, b, Kind::Param);
        self.floor = b;
        Some(b)
    }

    /// An `=` at `i`: a deny-listed name before it gets its value redacted;
    /// any other value is checked for card numbers and then scanned like the
    /// rest of the line.
    fn equals<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        let s = self.s;
        let v = i + 1;
        let mut n = i;
        while n > self.floor && is_name_char(s[n - 1]) && i - n <= MAX_NAME + 2 {
            n -= 1;
        }
        let named = n < i && i - n <= MAX_NAME;
        // `name="value"` of logfmt, RFC 5424 structured data and key-value
        // fields: a deny-listed name's quoted value goes to its closing quote
        // (a `[` in the name that no `]` closes opens structured data: the
        // name starts after it)
        let nq = match s[n..i].iter().rposition(|&b| b == b'[') {
            Some(k) if s[i - 1] != b']' => n + k + 1,
            _ => n,
        };
        if named
            && s.get(i + 1) == Some(&b'"')
            && (nq == 0
                || nq == self.floor
                || matches!(
                    s[nq - 1],
                    b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b'[' | b',' | b';' | b'{'
                ))
            && self.rules.deny.contains(&s[nq..i])
        {
            if let Some(q) = memchr::memchr(b'"', &s[i + 2..s.len().min(i + 2 + 4096)]) {
                let (a, b) = (i + 2, i + 2 + q);
                // an address under `ip="..."` is truncated as an address
                let value = &s[a..b];
                if parse_v4_at(value, 0).is_some_and(|(_, e)| e == value.len()) || parse_v6(value).is_some() {
                    return i + 1;
                }
                if a < b && !is_placeholder(value) {
                    self.redact(sink, a, b, Kind::Param);
                    self.floor = b;
                }
                return b + 1;
            }
        }
        let path_param = named && n > self.floor && s[n - 1] == b';';
        let eq_escaped = self.escaped(i);
        let mut end = v;
        if end < s.len() && s[end] == b'"' && self.escaped(end) {
            // a value in escaped quotes (`key=\"a b\"`) runs to the closing one
            if let Some(q) = (end + 1..s.len().min(end + 512)).find(|&q| s[q] == b'"' && self.escaped(q)) {
                end = q + 1;
            }
        }
        while end < s.len() && (!ends_value(s[end]) || self.escaped_in_value(end, eq_escaped)) {
            if path_param && matches!(s[end], b'/' | b'?') {
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
                self.remove(sink, n - 1, end, Kind::PathParam);
            } else {
                self.redact(sink, v, end, Kind::Param);
            }
            self.floor = end;
            return end;
        }
        // a card number grouped by spaces (`%20` decoded) runs on past the
        // first space
        let mut cend = end;
        while cend + 1 < s.len() && s[cend] == b' ' && is_digit(s[cend + 1]) && cend > v && is_digit(s[cend - 1]) {
            cend += 1;
            while cend < s.len() && !ends_value(s[cend]) {
                cend += 1;
            }
        }
        if has_card_number(value) || (cend > end && has_card_number(&s[v..cend])) {
            self.redact(sink, v, cend, Kind::Card);
            self.floor = cend;
            return cend;
        }
        if end - v < 4 {
            // an E.164 number whose `+` became a space (`%20`)
            if s.get(v) == Some(&b' ') && s.get(v + 1).is_some_and(|b| (b'1'..=b'9').contains(b)) {
                if let Some(e) = phone_end(s, v + 1) {
                    self.redact(sink, v, e, Kind::Phone);
                    self.floor = e;
                    return e;
                }
            }
            return v;
        }
        // an IBAN in groups of four (`DE89%203704%200044...`, `DE89+3704+...`)
        if let Some(e) = grouped_iban(s, v) {
            self.redact(sink, v, e, Kind::Iban);
            self.floor = e;
            return e;
        }
        // an E.164 number in the value: reported when the scan gets there
        // (what is before it in the value is scanned first)
        if let Some((p, e)) = phone_in(s, v, end) {
            if p == v {
                self.redact(sink, v, e, Kind::Phone);
                self.floor = e;
                return e;
            }
            // inside a value a `+` may be the space it means in a query
            // (`q=call+4915...`): it stays, the digits go
            self.phone = (p + 1, e);
        }
        v
    }

    /// Reports the phone number [`Scanner::equals`] found further on, unless
    /// a finding took its bytes meanwhile.
    #[cold]
    fn pending_phone<S: Sink>(&mut self, sink: &mut S) -> usize {
        let (p, e) = std::mem::replace(&mut self.phone, NO_PHONE);
        if p >= self.floor {
            self.redact(sink, p, e, Kind::Phone);
            self.floor = e;
        }
        e.max(self.floor)
    }
}

/// Whether the IPv4-shaped token at `p` is a version: right after a
/// product name and `/` (`Firefox/2.0.0.4`, `Chrome/1.2.3.4`) or after `rv:`
/// (`rv:1.9.0.1`), as user agents write them. The product name is letters,
/// digits, `_` and `-`, starts with a letter and stands at the start of a
/// token (after white space, `(`, `;`, `,`, a quote, `+` or the start) and
/// holds a lower-case letter, as user-agent products do (`Firefox`,
/// `zlib`): `/ip/1.2.3.4`, `?a=b/1.2.3.4`, `example.com/1.2.3.4` and Squid's
/// `DIRECT/93.184.216.34` are addresses.
fn is_version_at(s: &[u8], p: usize) -> bool {
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

/// Six groups of one or two hex digits separated by `:`, one of them
/// written without its leading zero (`0:1a:2b:3c:4d:5e`).
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

/// Whether card digits (values 0-9, 13 to 19 of them) have a valid issuer
/// prefix and pass the Luhn check. The prefixes: Visa 4; Mastercard 51-55
/// and 2221-2720; American Express 34, 37; Discover 6011, 65, 644-649; JCB
/// 3528-3589; Diners 300-305, 36, 38; UnionPay 62; Maestro 50, 56-69 (so
/// every `5` and `6` prefix). A millisecond timestamp (`1700000000004`)
/// passes Luhn one time in ten but starts with `1`.
pub(crate) fn is_card(d: &[u8]) -> bool {
    if !(13..=19).contains(&d.len()) {
        return false;
    }
    let p2 = u16::from(d[0]) * 10 + u16::from(d[1]);
    let p3 = p2 * 10 + u16::from(d[2]);
    let p4 = p3 * 10 + u16::from(d[3]);
    let iin = match d[0] {
        4..=6 => true,
        2 => (2221..=2720).contains(&p4),
        3 => matches!(p2, 34 | 36 | 37 | 38) || (300..=305).contains(&p3) || (3528..=3589).contains(&p4),
        _ => false,
    };
    iin && luhn(d)
}

/// A JSON number that is a card number (the JSON walker redacts it).
pub(crate) fn is_card_number_token(t: &[u8]) -> bool {
    if !(13..=19).contains(&t.len()) || !t.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut d = [0u8; 19];
    for (k, &b) in t.iter().enumerate() {
        d[k] = b - b'0';
    }
    is_card(&d[..t.len()])
}

/// IBAN lengths by country (the SWIFT IBAN registry).
#[rustfmt::skip]
static IBAN_LENGTHS: [(&[u8; 2], u8); 87] = [
    (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20), (b"BE", 16),
    (b"BG", 22), (b"BH", 22), (b"BI", 27), (b"BR", 29), (b"BY", 28), (b"CH", 21), (b"CR", 22),
    (b"CY", 28), (b"CZ", 24), (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"EE", 20),
    (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22),
    (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GR", 27), (b"GT", 28), (b"HN", 28), (b"HR", 21),
    (b"HU", 28), (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IS", 26), (b"IT", 27), (b"JO", 30),
    (b"KW", 30), (b"KZ", 20), (b"LB", 28), (b"LC", 32), (b"LI", 21), (b"LT", 20), (b"LU", 20),
    (b"LV", 21), (b"LY", 25), (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MK", 19), (b"MN", 20),
    (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23),
    (b"PK", 24), (b"PL", 28), (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22),
    (b"RU", 33), (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24),
    (b"SM", 27), (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26),
    (b"UA", 29), (b"VA", 22), (b"VG", 24),
];

/// An IBAN without spaces: a country's code and length, two check digits,
/// letters and digits, and the ISO 7064 mod-97 check (any letter case).
pub(crate) fn is_iban(t: &[u8]) -> bool {
    if t.len() < 15 || t.len() > 34 || !is_digit(t[2]) || !is_digit(t[3]) {
        return false;
    }
    let cc = [t[0].to_ascii_uppercase(), t[1].to_ascii_uppercase()];
    if !IBAN_LENGTHS
        .iter()
        .any(|(c, n)| **c == cc && usize::from(*n) == t.len())
    {
        return false;
    }
    let mut r: u32 = 0;
    for &b in t[4..].iter().chain(&t[..4]) {
        r = match b {
            b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
            b'a'..=b'z' | b'A'..=b'Z' => (r * 100 + u32::from(b.to_ascii_uppercase() - b'A') + 10) % 97,
            _ => return false,
        };
    }
    r == 1
}

/// An IBAN at `v` written in groups of four separated by single spaces or
/// `+` (`DE89 3704 0044 0532 0130 00`): its end.
fn grouped_iban(s: &[u8], v: usize) -> Option<usize> {
    if s.len() < v + 18 || !s[v].is_ascii_alphabetic() || !matches!(s[v + 4], b' ' | b'+') {
        return None;
    }
    let mut buf = [0u8; 34];
    let mut n = 0;
    let mut j = v;
    let mut group = 0;
    while j < s.len() {
        let b = s[j];
        if b.is_ascii_alphanumeric() {
            if n == 34 || group == 4 {
                return None;
            }
            buf[n] = b;
            n += 1;
            group += 1;
            j += 1;
        } else if matches!(b, b' ' | b'+') && group == 4 && s.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) {
            group = 0;
            j += 1;
        } else {
            break;
        }
    }
    let glued = j < s.len() && s[j] == b'@';
    (!glued && is_iban(&buf[..n])).then_some(j)
}

/// The first E.164 number in the value `v..end`: a `+` (raw or `%2B`) not
/// after a digit (`1+49...` is a sum), then 8 to 15 digits, the first not 0.
/// Its span, `+` included. A space opening the value (a `%20`, the space a
/// `+` means in a query) counts as the `+`.
fn phone_in(s: &[u8], v: usize, end: usize) -> Option<(usize, usize)> {
    if end < v + 9 {
        return None;
    }
    let mut k = if s[v] == b' ' {
        v
    } else {
        v + s[v..end].iter().position(|&b| b == b'+')?
    };
    loop {
        if (k == v || !is_digit(s[k - 1])) && s.get(k + 1).is_some_and(|b| (b'1'..=b'9').contains(b)) {
            if let Some(e) = phone_end(s, k + 1) {
                return Some((k, e));
            }
        }
        k += 1 + s.get(k + 1..end)?.iter().position(|&b| b == b'+')?;
    }
}

/// The end of an E.164 number whose digits start at `d` (after its `+`): 8
/// to 15 digits, not glued to letters or more digits (nor a decimal
/// fraction, nor an email's `@`).
fn phone_end(s: &[u8], d: usize) -> Option<usize> {
    let mut e = d;
    while e < s.len() && is_digit(s[e]) && e - d <= 15 {
        e += 1;
    }
    let n = e - d;
    let glued = e < s.len()
        && (s[e].is_ascii_alphanumeric()
            || s[e] == b'@'
            || (s[e] == b'.' && s.get(e + 1).is_some_and(u8::is_ascii_digit)));
    ((8..=15).contains(&n) && !glued).then_some(e)
}

/// A byte of base64url (a JWT's parts).
#[inline]
fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A byte of RFC 7235's token68 before its `=` padding.
#[inline]
fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// A bearer token rather than a word: six or more bytes with a digit or a
/// sign before the last one, or twenty or more letters (`Bearer
/// authentication`, `Bearer token.` stay).
fn is_bearer_token(t: &[u8]) -> bool {
    t.len() >= 6 && (t.len() >= 20 || t[..t.len() - 1].iter().any(|b| !b.is_ascii_alphabetic()))
}

/// Base64 (standard or URL alphabet, padding optional) of text holding a
/// `:`: the `user:password` of HTTP basic authentication.
fn is_basic_credentials(t: &[u8]) -> bool {
    let body = {
        let mut n = t.len();
        while n > 0 && t[n - 1] == b'=' {
            n -= 1;
        }
        &t[..n]
    };
    if body.len() < 4 || body.len() % 4 == 1 {
        return false;
    }
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in body {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if (acc >> bits) & 0xff == u32::from(b':') {
                return true;
            }
        }
    }
    false
}

/// A letter of a top-level label: ASCII, or a byte of a non-ASCII one.
fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b >= 0x80
}

/// The end of a domain name starting at `from`, if there is one there.
fn domain_end(s: &[u8], from: usize) -> Option<usize> {
    let mut d = from;
    while d < s.len() && is_domain_char(s[d]) && d - from < 256 {
        d += 1;
    }
    while d > from && matches!(s[d - 1], b'.' | b'-') {
        d -= 1;
    }
    if is_domain(&s[from..d]) {
        return Some(d);
    }
    // a file name (`pkg@latest.min.css`): no shorter reading either
    if let Some(dot) = memchr::memrchr(b'.', &s[from..d]) {
        if is_file_extension(&s[from + dot + 1..d]) {
            return None;
        }
    }
    // Fail closed: `x@y.com1.2.3.4` is no domain as a whole, but it starts
    // with one (`y.com`, its top-level label glued to what follows); then the
    // whole run goes.
    (from..d)
        .rev()
        .filter(|&p| is_letter(s[p - 1]) && !is_letter(s[p]))
        .any(|p| is_domain(&s[from..p]))
        .then_some(d)
}

/// Whether the `;` at `semi` ends a `name=value` before
/// it: removing what follows the `;` would then glue more bytes onto that value.
fn ends_a_value(s: &[u8], semi: usize) -> bool {
    let mut k = semi;
    while k > 0 && semi - k < 256 {
        let b = s[k - 1];
        if b == b'=' {
            return true;
        }
        if ends_value(b) || matches!(b, b'/' | b'?') {
            return false;
        }
        k -= 1;
    }
    false
}

/// Bytes at which a line too long to hold whole may be cut: no address,
/// email, MAC, escape or parameter value runs across them.
fn is_cut_point(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'&' | b'"' | b'\'' | b',' | b';' | b'<' | b'>' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'|'
    )
}

/// How far a scrub around a forced cut reaches on each side.
pub(crate) const CUT_SCRUB: usize = 512;

/// Where to cut `buf`, the start of a line too long to hold whole, so that
/// the pieces can be scanned apart: just after the last separator in its
/// last `window` bytes. Where there is none (one long token), the cut falls
/// 1 KiB before the end and the bytes around it, up to the nearest
/// separators or `CUT_SCRUB` bytes on each side, are returned to be
/// replaced (fail closed: the token the cut splits is never kept in halves).
pub fn safe_cut(buf: &[u8], window: usize) -> (usize, Option<std::ops::Range<usize>>) {
    let from = buf.len().saturating_sub(window);
    if let Some(k) = buf[from..].iter().rposition(|&b| is_cut_point(b)) {
        return (from + k + 1, None);
    }
    let cut = buf.len().saturating_sub(1024);
    let lo = cut.saturating_sub(CUT_SCRUB);
    let hi = (cut + CUT_SCRUB).min(buf.len());
    let l = buf[lo..cut]
        .iter()
        .rposition(|&b| is_cut_point(b))
        .map_or(lo, |k| lo + k + 1);
    let r = buf[cut..hi]
        .iter()
        .position(|&b| is_cut_point(b))
        .map_or(hi, |k| cut + k);
    (cut, Some(l..r))
}

/// Values that hold nothing personal: empty, `-`, or already redacted.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
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

/// `%zone` after an IPv6 address: `%` then `[A-Za-z0-9_.-]+` (a `%25`
/// of URL-encoded text is already decoded to `%` when this runs).
fn zone_end(s: &[u8], end: usize) -> usize {
    if end >= s.len() || s[end] != b'%' {
        return end;
    }
    let zone = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~');
    let mut z = end + 1;
    // (letters, digits, `_ - . ~`: a name's `[ ]` are no part of a zone)
    while z < s.len() && zone(s[z]) {
        z += 1;
        // a `%` inside the zone (`::%2%2`) goes with it: what follows would
        // be a zone of its own once the first is removed (idempotence)
        if z + 1 < s.len() && s[z] == b'%' && zone(s[z + 1]) {
            z += 1;
        }
    }
    // no zone when more of the run follows (`::%x00:1a:...`)
    if z == end + 1 || s.get(z) == Some(&b':') {
        end
    } else {
        z
    }
}

/// Whether `t` holds `n` decimal digits in a row.
fn has_digit_run(t: &[u8], n: usize) -> bool {
    let mut run = 0;
    for &b in t {
        run = if is_digit(b) { run + 1 } else { 0 };
        if run == n {
            return true;
        }
    }
    false
}

/// Six groups of two hex digits separated by `sep`.
fn is_mac(t: &[u8], sep: u8) -> bool {
    t.len() == 17
        && t.iter()
            .enumerate()
            .all(|(k, &b)| if k % 3 == 2 { b == sep } else { is_hex(b) })
}

/// A domain with at least two labels and a top-level label of letters
/// (ASCII or not: `.de`, `.中国` in UTF-8) or punycode (`.xn--p1ai`).
fn is_domain(d: &[u8]) -> bool {
    if d.is_empty() || d[0] == b'.' || d[0] == b'-' {
        return false;
    }
    // the last dot: `.`, or one that IDNA reads as a dot (U+3002, U+FF0E,
    // U+FF61 in UTF-8: `example。com`)
    let mut dot = None;
    let mut k = 0;
    while k < d.len() {
        let w = idn_dot(&d[k..]);
        if w > 0 {
            dot = Some((k, w));
            k += w;
        } else {
            k += 1;
        }
    }
    let Some((dot, w)) = dot else {
        return false;
    };
    let tld = &d[dot + w..];
    let letters = tld.len() >= 2 && tld.iter().all(|&b| is_letter(b)) && !is_file_extension(tld);
    let puny =
        tld.len() > 4 && tld[..4].eq_ignore_ascii_case(b"xn--") && tld[4..].iter().all(u8::is_ascii_alphanumeric);
    (letters || puny) && !d.windows(2).any(|w| w == b"..")
}

/// File name extensions that are no top-level domain, so `logo@2x.png`,
/// `pkg@latest.min.css` and `file@v1.js` are file names, not emails. Each
/// was checked against the IANA root zone: none is delegated (unlike `.zip`,
/// `.mov`, `.py`, `.sh`, `.md` or `.rs`, which are, and so are not here).
const FILE_EXTENSIONS: [&[u8]; 22] = [
    b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"avif", b"bmp", b"ico", b"css", b"js", b"mjs", b"map", b"json",
    b"xml", b"html", b"htm", b"php", b"txt", b"woff", b"ttf", b"pdf",
];

fn is_file_extension(tld: &[u8]) -> bool {
    tld.len() <= 4 && FILE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e))
}

/// The length of a dot at the start of `t`: 1 for `.`, 3 for the UTF-8 of
/// the dots IDNA maps to `.` (U+3002, U+FF0E, U+FF61), else 0.
fn idn_dot(t: &[u8]) -> usize {
    match t {
        [b'.', ..] => 1,
        [0xE3, 0x80, 0x82, ..] | [0xEF, 0xBC, 0x8E, ..] | [0xEF, 0xBD, 0xA1, ..] => 3,
        _ => 0,
    }
}

/// A run of 13 to 19 digits, optionally grouped by single ` `, `-` or `+`
/// (a `%20` is decoded to a space before this runs), that is a card number
/// ([`is_card`]).
pub(crate) fn has_card_number(v: &[u8]) -> bool {
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
            } else {
                break;
            }
        }
        if (13..=19).contains(&n) && (j == v.len() || !v[j].is_ascii_alphanumeric()) && is_card(&digits[..n]) {
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
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records findings as text for exact assertions.
    #[derive(Default)]
    struct Rec(Vec<String>);
    impl Sink for Rec {
        fn ipv4(&mut self, s: usize, e: usize, a: u32, sep: Option<&[u8]>) {
            let enc = sep.map_or(String::new(), |p| format!(" sep {}", String::from_utf8_lossy(p)));
            self.0.push(format!("v4 {s}..{e} {}{enc}", crate::addr::v4_text(a)));
        }
        fn ipv6(&mut self, s: usize, e: usize, a: u128, sep: Option<&[u8]>, z: usize) {
            let enc = sep.map_or(String::new(), |p| format!(" sep {}", String::from_utf8_lossy(p)));
            self.0
                .push(format!("v6 {s}..{e}..{z} {}{enc}", std::net::Ipv6Addr::from(a)));
        }
        fn ipv4_form(&mut self, s: usize, e: usize, a: u32, form: V4Form, sep: Option<&[u8]>) {
            let enc = sep.map_or(String::new(), |p| format!(" sep {}", String::from_utf8_lossy(p)));
            self.0
                .push(format!("v4 {s}..{e} {} {form:?}{enc}", crate::addr::v4_text(a)));
        }
        fn ip6_nibbles(&mut self, s: usize, e: usize, a: u128, n: u8, upper: bool, _sep: Option<&[u8]>) {
            self.0
                .push(format!("nibbles {s}..{e} {} {n} {upper}", std::net::Ipv6Addr::from(a)));
        }
        fn redact(&mut self, s: usize, e: usize, k: Kind) {
            self.0.push(format!("{} {s}..{e}", k.name()));
        }
        fn remove(&mut self, s: usize, e: usize, k: Kind) {
            self.0.push(format!("-{} {s}..{e}", k.name()));
        }
    }

    #[test]
    fn inert_spans() {
        assert!(is_inert(b" 200 39982 "));
        assert!(is_inert(b" 304 - "));
        assert!(is_inert(b" "));
        assert!(is_inert(b""));
        assert!(!is_inert(b" 200 4111111111111111 "));
        assert!(!is_inert(b" 200 4111-1111-1111-1111 "));
        assert!(!is_inert(b" 0-1-2-3-4-5 "));
        assert!(!is_inert(b" 200 -1 "));
        assert!(!is_inert(b" 411 1111111111 "));
        assert!(!is_inert(b" 200 1.2 "));
        assert!(!is_inert(&[b' '; 33]));
    }

    proptest::proptest! {
        /// An inert span finds nothing, alone and between the fields of a
        /// CLF line (the bytes around it are context).
        #[test]
        fn inert_spans_find_nothing(
            span in proptest::collection::vec(proptest::sample::select(b"0123456789- ".to_vec()), 0..33),
        ) {
            if is_inert(&span) {
                let mut line = b"\"GET / HTTP/1.1\"".to_vec();
                let from = line.len();
                line.extend_from_slice(&span);
                let to = line.len();
                line.extend_from_slice(b"\"-\"");
                let mut r = Rec::default();
                scan(&line, from, to, &Rules::default(), &mut r);
                proptest::prop_assert!(r.0.is_empty(), "{:?}: {:?}", String::from_utf8_lossy(&span), r.0);
                scan(&span, 0, span.len(), &Rules::default(), &mut r);
                proptest::prop_assert!(r.0.is_empty(), "{:?}: {:?}", String::from_utf8_lossy(&span), r.0);
            }
        }

        /// 13 digits or more are never inert (a card may hide there, its
        /// groups spaced), however spaces split them.
        #[test]
        fn thirteen_digits_are_not_inert(groups in proptest::collection::vec(1usize..8, 1..6), pad in 0usize..3) {
            let mut span = vec![b' '; pad];
            for g in &groups {
                span.extend(std::iter::repeat_n(b'4', *g));
                span.push(b' ');
            }
            let digits: usize = groups.iter().sum();
            proptest::prop_assert_eq!(is_inert(&span), digits <= 12 && span.len() <= 32);
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
        for s in [
            "2013-11-22",
            "10-84-12-3-5.dyn.example.net",
            "dsl-84-12-3-5-6.example.net",
            "/img/shoe-10-11-12-13.html",
            "dsl-84-12-3-256.dyn.example.net",
            "http://3325256781.example.com/",
            "http://99999999999/",
            "http://1234:80:1/",
        ] {
            assert_eq!(found(s), Vec::<String>::new(), "{s}");
        }
    }

    #[test]
    fn names_and_hosts_leave_macs_whole() {
        assert_eq!(found("https://00:1a:2b:3c:4d:5e.%3D0"), ["mac 8..25"]);
        assert_eq!(found("x 10-20-30-40-aa-bb.example.net"), ["mac 2..19"]);
        assert_eq!(found("http://1234:80/"), ["v4 7..11 0.0.4.210 Decimal"]);
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
    fn long_lines_are_cut_between_tokens() {
        let mut b = vec![b'a'; 5000];
        b[3000] = b'&';
        assert_eq!(safe_cut(&b, 4096), (3001, None));
        let b = vec![b'x'; 5000];
        assert_eq!(safe_cut(&b, 4096), (3976, Some(3464..4488)));
        let mut b = vec![b'x'; 5000];
        b[3900] = b' ';
        b[4000] = b'"';
        assert_eq!(safe_cut(&b, 100), (3976, Some(3901..4000)));
    }

    #[test]
    fn luhn_known_values() {
        assert!(luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(has_card_number(b"5500-0000-0000-0004"));
        assert!(!has_card_number(b"12345678901234567890123"));
    }
}
