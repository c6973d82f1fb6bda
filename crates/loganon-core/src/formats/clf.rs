//! The Common Log Format family: `common`, `combined`, `vhost_combined`, and
//! combined with extra trailing fields (X-Forwarded-For, response time, ...).
//!
//! ```text
//! [vhost[:port]] client ident user [time] "request" status size ["referer" "agent" [extra...]]
//! ```
//!
//! Real-log quirks handled: an X-Forwarded-For chain in the client slot
//! (`10.0.0.2, 10.0.0.1 - - [...]`), runs of spaces between fields, escaped
//! quotes (`\"`) and `\xHH` escapes inside quoted fields, `-` and `""` fields,
//! requests without protocol or with binary garbage, a timestamp without zone.

use std::ops::Range;

use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::space1;
use nom::combinator::{opt, recognize};
use nom::sequence::{delimited, preceded, tuple};
use nom::IResult;

/// Which member of the family a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClfKind {
    /// `%h %l %u %t "%r" %>s %b`
    Common,
    /// Common and `"%{Referer}i" "%{User-Agent}i"`
    Combined,
    /// `%v:%p` and combined
    VhostCombined,
}

/// Byte ranges of the fields a line's anonymization needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClfLine {
    /// Which member of the family.
    pub kind: ClfKind,
    /// `vhost[:port]` of vhost_combined
    pub vhost: Option<Range<usize>>,
    /// the client slot, possibly an X-Forwarded-For chain
    pub client: Range<usize>,
    /// The ident field (`%l`).
    pub ident: Range<usize>,
    /// The user field (`%u`).
    pub user: Range<usize>,
    /// `[time]`, brackets included
    pub time: Range<usize>,
    /// everything after the time: request, status, size, referer, agent, extras
    pub rest: Range<usize>,
    /// the request text, inside the quotes
    pub request: Range<usize>,
    /// The status (`%>s`).
    pub status: Range<usize>,
    /// The size (`%b`).
    pub size: Range<usize>,
    /// the referer and the user agent of a combined line, inside their quotes
    pub referer: Option<Range<usize>>,
    /// The user agent (see `referer`).
    pub agent: Option<Range<usize>>,
}

type Res<'a, T> = IResult<&'a [u8], T>;

/// A double-quoted field with backslash escapes; returns the inner bytes.
fn quoted(i: &[u8]) -> Res<'_, &[u8]> {
    let (rest, _) = tag(b"\"")(i)?;
    let mut k = 0;
    while let Some(d) = memchr::memchr2(b'"', b'\\', &rest[k..]) {
        k += d;
        if rest[k] == b'"' {
            return Ok((&rest[k + 1..], &rest[..k]));
        }
        k += 2;
        if k > rest.len() {
            break;
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char)))
}

fn bracketed(i: &[u8]) -> Res<'_, &[u8]> {
    recognize(delimited(tag(b"["), take_till(|b| b == b']'), tag(b"]")))(i)
}

fn number_or_dash(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|b: u8| b.is_ascii_digit() || b == b'-')(i)
}

/// `"request" status size`, after the time.
fn request_status_size(i: &[u8]) -> Res<'_, (&[u8], &[u8], &[u8])> {
    let (i, (_, req, _, status, _, size)) = tuple((space1, quoted, space1, number_or_dash, space1, number_or_dash))(i)?;
    Ok((i, (req, status, size)))
}

/// `"referer" "agent"`, after the size.
fn referer_agent(i: &[u8]) -> Res<'_, (&[u8], &[u8])> {
    tuple((preceded(space1, quoted), preceded(space1, quoted)))(i)
}

fn off(line: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - line.as_ptr() as usize;
    start..start + part.len()
}

/// Splits the part before `[time]` into space-separated tokens.
fn head_tokens(head: &[u8], toks: &mut [Range<usize>; 8]) -> usize {
    let mut n = 0;
    let mut k = 0;
    while k < head.len() {
        while k < head.len() && matches!(head[k], b' ' | b'\t') {
            k += 1;
        }
        let s = k;
        while k < head.len() && !matches!(head[k], b' ' | b'\t') {
            k += 1;
        }
        if s < k {
            if n == toks.len() {
                return n + 1;
            }
            toks[n] = s..k;
            n += 1;
        }
    }
    n
}

/// The fields before the time: enough to find the ident and user fields of
/// a line whose rest is broken (truncated, unbalanced quotes), so that they
/// are blanked even then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClfHead {
    /// `vhost[:port]` of vhost_combined.
    pub vhost: Option<Range<usize>>,
    /// The client slot.
    pub client: Range<usize>,
    /// The ident field.
    pub ident: Range<usize>,
    /// The user field.
    pub user: Range<usize>,
    /// offset of the time's `[`
    pub time_start: usize,
}

/// Whether the `[` at `k` opens a time: it follows a space and starts with
/// digits that end in `/`, `-`, `.` or `T` (`[01/Jan/2026:...`, nginx's
/// `[2026-01-01T10:00:00+00:00]`, `[1700000000.123]`) or the bracket holds
/// only digits. A `[v6]:port` client (`[2001:db8::1]`: digits then `:`) is
/// no time.
fn opens_time(line: &[u8], k: usize) -> bool {
    if k == 0 || !matches!(line[k - 1], b' ' | b'\t') || !line.get(k + 1).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    // the common `[dd/` first
    if line.get(k + 3) == Some(&b'/') && line[k + 2].is_ascii_digit() {
        return true;
    }
    let d = line[k + 1..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(line.len(), |p| k + 1 + p);
    match line.get(d) {
        Some(b'/') => true,
        // ISO 8601 (`[2026-01-01T10:00:00+00:00]`, `[2026-01-01 10:00:00]`)
        Some(b'-') => {
            let t = &line[k + 1..];
            d - k - 1 == 4
                && t.len() >= 11
                && t[7] == b'-'
                && t[5..7].iter().chain(&t[8..10]).all(u8::is_ascii_digit)
                && matches!(t[10], b'T' | b' ')
        }
        // seconds since 1970 with a fraction (`[1767261600.123]`), or ten
        // digits of them (`[1767261600]`; a pid in brackets has fewer)
        Some(b'.') => d - k > 9 && line.get(d + 1).is_some_and(u8::is_ascii_digit),
        Some(b']') => d - k == 11,
        _ => false,
    }
}

/// Whether a head token can be a client: an address (v4, v6, `[v6]:port`,
/// a chain) or a host name. A time or a pid (`2026-01-01T10:00:00Z`,
/// `[1226033]`) cannot; it only matters where the time is not the
/// classic `[dd/Mon/...` one, which no other log line imitates.
fn plausible_client(t: &[u8]) -> bool {
    let t = t.strip_prefix(b"[").unwrap_or(t);
    crate::addr::parse_v4_at(t, 0).is_some()
        || (t.contains(&b':') && plausible_v6_client(t))
        || (t.iter().any(u8::is_ascii_alphabetic)
            && t.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b',')))
}

/// An IPv6 client up to a `]` or `,`: hex digits, colons and dots, with a
/// zone id after a `%` (`fe80::1%eth0`: the scanner removes the zone; a
/// client with one is still a client, so that the fields after it keep
/// their roles whether or not the zone is there).
fn plausible_v6_client(t: &[u8]) -> bool {
    let end = t.iter().position(|&b| b == b']' || b == b',').unwrap_or(t.len());
    let (addr, zone) = match memchr::memchr(b'%', &t[..end]) {
        Some(k) => (&t[..k], Some(&t[k + 1..end])),
        None => (&t[..end], None),
    };
    addr.iter().all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        && zone.is_none_or(|z| {
            !z.is_empty()
                && z.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        })
}

/// Parses the head: `[vhost] client ident user [time...`.
pub fn parse_head(line: &[u8]) -> Option<ClfHead> {
    // a `[v6]:port` client comes before the time's `[`
    let lb = memchr::memchr_iter(b'[', line).take(4).find(|&k| opens_time(line, k))?;
    let h = head_before(line, lb)?;
    let classic = line.get(lb + 2) == Some(&b'/') || line.get(lb + 3) == Some(&b'/');
    (classic || plausible_client(&line[h.client.clone()])).then_some(h)
}

/// The head of a CLF line cut short right after its user field, or inside
/// its time (`1.2.3.4 - bob`, `1.2.3.4 - bob [01/Ja`): three tokens, the
/// first an address. Its ident and user fields are still blanked.
pub fn parse_cut(line: &[u8]) -> Option<ClfHead> {
    let lb = match memchr::memchr(b'[', line) {
        Some(k)
            if k > 0
                && matches!(line[k - 1], b' ' | b'\t')
                && line[k + 1..].iter().all(|&b| b != b']' && b != b'"') =>
        {
            k
        }
        Some(_) => return None,
        None => line.len(),
    };
    let h = head_before(line, lb)?;
    // three tokens (a vhost would make the shape too loose to trust), the
    // ident `-` unless the time's `[` follows; with nothing after it, no
    // more than the three (`8.8.8.8 - ping timeout after 3 retries` is text)
    if h.vhost.is_some()
        || (lb == line.len()
            && (&line[h.ident.clone()] != b"-"
                || h.user.end < line.trim_ascii_end().len()
                || line[h.user.clone()].contains(&b' ')))
    {
        return None;
    }
    let c = &line[h.client.clone()];
    let c = c.strip_prefix(b"[").unwrap_or(c);
    let c = &c[..c.iter().position(|&b| b == b']' || b == b',').unwrap_or(c.len())];
    let v4 = crate::addr::parse_v4_at(c, 0).is_some();
    let v6 = c.contains(&b':') && plausible_v6_client(c);
    (v4 || v6).then_some(h)
}

/// The head of a line no format took: a CLF line with a broken rest
/// ([`parse_head`]) or cut after its user field ([`parse_cut`]), also after
/// a syslog or container-runtime prefix (a truncated syslog message, a CRI
/// partial line).
pub fn parse_broken(line: &[u8]) -> Option<ClfHead> {
    if let Some(h) = parse_head(line).or_else(|| parse_cut(line)) {
        return Some(h);
    }
    let p = crate::formats::wrap::inner_start(line)?;
    let rest = &line[p..];
    parse_head(rest).or_else(|| parse_cut(rest)).map(|h| h.shifted(p))
}

impl ClfHead {
    /// The same head found `p` bytes into a longer line (after a prefix).
    fn shifted(self, p: usize) -> ClfHead {
        let m = |r: Range<usize>| r.start + p..r.end + p;
        ClfHead {
            vhost: self.vhost.map(m),
            client: m(self.client),
            ident: m(self.ident),
            user: m(self.user),
            time_start: self.time_start + p,
        }
    }
}

/// The head fields before the time's `[` at `lb`.
#[inline(always)]
fn head_before(line: &[u8], lb: usize) -> Option<ClfHead> {
    let head = &line[..lb];
    let mut toks: [Range<usize>; 8] = Default::default();
    let mut n = head_tokens(head, &mut toks);
    if !(3..=8).contains(&n) {
        return None;
    }
    let mut user = toks[n - 1].clone();
    // A user name with a space (`john doe`, `"john doe"`) is one field:
    // a quoted one runs from its opening quote; an unquoted one after an
    // ident of `-` in the second place (no client is `-`).
    let opened =
        (2..n).find(|&k| head[toks[k].start] == b'"' && head[user.end - 1] == b'"' && (k < n - 1 || user.len() > 1));
    if let Some(k) = opened {
        user = toks[k].start..user.end;
        n = k + 1;
    } else if n >= 4
        && &head[toks[1].clone()] == b"-"
        && head[toks[0].clone()] != *b"-"
        && toks[2..n].iter().any(|t| &head[t.clone()] != b"-")
    {
        user = toks[2].start..user.end;
        n = 3;
    }
    if n < 3 {
        return None;
    }
    let ident = toks[n - 2].clone();
    let before = &toks[..n - 2];
    let chain = head[before[0].start..before[before.len() - 1].end].contains(&b',');
    let (vhost, client) = if before.len() == 2 && !chain {
        (Some(before[0].clone()), before[1].clone())
    } else if before.len() == 1 || chain {
        (None, before[0].start..before[before.len() - 1].end)
    } else {
        return None;
    };
    Some(ClfHead {
        vhost,
        client,
        ident,
        user,
        time_start: lb,
    })
}

impl ClfLine {
    /// The same line found `p` bytes into a longer one (after a prefix).
    pub(crate) fn shifted(self, p: usize) -> ClfLine {
        let m = |r: Range<usize>| r.start + p..r.end + p;
        ClfLine {
            kind: self.kind,
            vhost: self.vhost.map(m),
            client: m(self.client),
            ident: m(self.ident),
            user: m(self.user),
            time: m(self.time),
            rest: m(self.rest),
            request: m(self.request),
            status: m(self.status),
            size: m(self.size),
            referer: self.referer.map(m),
            agent: self.agent.map(m),
        }
    }
}

/// Whether a CLF time is the plain `[dd/Mon/yyyy:hh:mm:ss +zzzz]` (then it
/// holds nothing to scan).
///
/// Four 8-byte words tested against masks made from that pattern, rather
/// than a byte loop: this runs on every CLF line, and the loop cost about
/// a tenth of the whole parse.
pub(crate) fn is_plain_time(t: &[u8]) -> bool {
    let Ok(t) = <&[u8; 28]>::try_from(t) else {
        return false;
    };
    #[cfg(target_arch = "x86_64")]
    {
        plain_time_sse2(t)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        plain_time_words(t)
    }
}

/// [`is_plain_time`] on two 16-byte blocks (bytes 0..16 and 12..28): a
/// class test per byte (literal, digit, letter, sign) in a few vector
/// compares, a third of the word version's instructions.
#[cfg(target_arch = "x86_64")]
fn plain_time_sse2(t: &[u8; 28]) -> bool {
    use std::arch::x86_64::*;
    let block = |v: __m128i, m: &TimeBlock| -> bool {
        // SAFETY: SSE2 is part of the x86_64 baseline; the template is 16
        // bytes.
        unsafe {
            let lit = _mm_movemask_epi8(_mm_cmpeq_epi8(
                v,
                _mm_loadu_si128(m.template.as_ptr() as *const __m128i),
            ));
            let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
            let digit = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
            let x = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8(b'a' as i8));
            let alpha = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(25)), x));
            let sign = _mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_or_si128(v, _mm_set1_epi8(0x06)),
                _mm_set1_epi8(0x2f),
            ));
            ((lit & m.lit) | (digit & m.digit) | (alpha & m.alpha) | (sign & m.sign)) == 0xffff
        }
    };
    // SAFETY: both loads lie within the 28 bytes of `t` (0..16, 12..28).
    let (a, b) = unsafe {
        (
            _mm_loadu_si128(t.as_ptr() as *const __m128i),
            _mm_loadu_si128(t.as_ptr().add(12) as *const __m128i),
        )
    };
    block(a, &TIME_BLOCKS[0]) && block(b, &TIME_BLOCKS[1])
}

/// What each byte of one 16-byte block of the plain time must be: its
/// template byte (for literals) and, as movemask bits, which class it is.
#[cfg(target_arch = "x86_64")]
struct TimeBlock {
    template: [u8; 16],
    lit: i32,
    digit: i32,
    alpha: i32,
    sign: i32,
}

#[cfg(target_arch = "x86_64")]
const fn time_block(at: usize) -> TimeBlock {
    let mut m = TimeBlock {
        template: [0; 16],
        lit: 0,
        digit: 0,
        alpha: 0,
        sign: 0,
    };
    let mut k = 0;
    while k < 16 {
        m.template[k] = PLAIN_TIME[at + k];
        match TIME_KIND[at + k] {
            b'L' => m.lit |= 1 << k,
            b'D' => m.digit |= 1 << k,
            b'A' => m.alpha |= 1 << k,
            _ => m.sign |= 1 << k,
        }
        k += 1;
    }
    m
}

#[cfg(target_arch = "x86_64")]
const TIME_BLOCKS: [TimeBlock; 2] = [time_block(0), time_block(12)];

/// [`is_plain_time`] on four 8-byte words (SWAR), where SSE2 is not there.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn plain_time_words(t: &[u8; 28]) -> bool {
    let word = |k: usize| {
        u64::from_le_bytes([
            t[k],
            t[k + 1],
            t[k + 2],
            t[k + 3],
            t[k + 4],
            t[k + 5],
            t[k + 6],
            t[k + 7],
        ])
    };
    TIME_WORDS.iter().all(|m| {
        let w = word(m.at);
        // literal bytes equal; digits are 0x30..=0x39 (high nibble 3, and
        // still 3 after adding 6); letters, lower-cased, are 0x61..=0x7a
        // (ASCII, at least 0x61, and at most 0x7a: bit 0x80 set after
        // adding 0x1f, not after adding 5); a sign is + or -
        let digits = w & m.digit;
        let x = (w | 0x2020_2020_2020_2020) & m.alpha;
        let top = 0x8080_8080_8080_8080 & m.alpha;
        (w & m.lit_mask) == m.lit
            && (digits & HIGH) == (0x3030_3030_3030_3030 & m.digit)
            && ((digits + (0x0606_0606_0606_0606 & m.digit)) & HIGH) == (0x3030_3030_3030_3030 & m.digit)
            && x & top == 0
            && (x + (0x1f1f_1f1f_1f1f_1f1f & m.alpha)) & top == top
            && (x + (0x0505_0505_0505_0505 & m.alpha)) & top == 0
            && ((w & m.sign) | (0x0606_0606_0606_0606 & m.sign)) == (0x2f2f_2f2f_2f2f_2f2f & m.sign)
    })
}

const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;

/// What each byte of one word of the plain time must be.
struct TimeWord {
    at: usize,
    lit_mask: u64,
    lit: u64,
    digit: u64,
    alpha: u64,
    sign: u64,
}

/// `L` a literal byte of `PLAIN_TIME`, `D` a digit, `A` a letter, `S` `+`
/// or `-` (`+` is 0x2b, `-` 0x2d: with bits 0x06 set both are 0x2f).
const PLAIN_TIME: &[u8; 28] = b"[00/Jan/0000:00:00:00 +0000]";
const TIME_KIND: &[u8; 28] = b"LDDLAAALDDDDLDDLDDLDDLSDDDDL";

const fn time_word(at: usize) -> TimeWord {
    let mut m = TimeWord {
        at,
        lit_mask: 0,
        lit: 0,
        digit: 0,
        alpha: 0,
        sign: 0,
    };
    let mut k = 0;
    while k < 8 {
        let shift = 8 * k as u32;
        let b = PLAIN_TIME[at + k] as u64;
        match TIME_KIND[at + k] {
            b'L' => {
                m.lit_mask |= 0xff << shift;
                m.lit |= b << shift;
            }
            b'D' => m.digit |= 0xff << shift,
            b'A' => m.alpha |= 0xff << shift,
            _ => m.sign |= 0xff << shift,
        }
        k += 1;
    }
    m
}

const TIME_WORDS: [TimeWord; 4] = [time_word(0), time_word(8), time_word(16), time_word(20)];

/// Parses a line (without its line ending). `None` when it is not CLF-shaped.
pub fn parse(line: &[u8]) -> Option<ClfLine> {
    let ClfHead {
        vhost,
        client,
        ident,
        user,
        time_start: lb,
    } = parse_head(line)?;
    let (after_time, time) = bracketed(&line[lb..]).ok()?;
    let (after, (req, status, size)) = request_status_size(after_time).ok()?;
    let (tail, ra) = opt(referer_agent)(after).ok()?;
    let kind = match (ra.is_some(), vhost.is_some()) {
        (true, true) => ClfKind::VhostCombined,
        (true, false) => ClfKind::Combined,
        (false, _) => {
            // common: only white space may follow the size
            if !tail.iter().all(|&b| b == b' ' || b == b'\t') {
                return None;
            }
            ClfKind::Common
        }
    };
    let time = off(line, time);
    Some(ClfLine {
        kind,
        vhost,
        client,
        ident,
        user,
        rest: time.end..line.len(),
        time,
        request: off(line, req),
        status: off(line, status),
        size: off(line, size),
        referer: ra.map(|(r, _)| off(line, r)),
        agent: ra.map(|(_, a)| off(line, a)),
    })
}

#[cfg(test)]
mod plain_time_tests {
    use super::{is_plain_time, plain_time_words};

    /// The vector and the word versions agree on every one-byte change.
    #[test]
    fn both_versions_agree() {
        let good = *b"[01/Jan/2026:10:00:00 +0000]";
        for k in 0..28 {
            for b in 0..=255u8 {
                let mut t = good;
                t[k] = b;
                assert_eq!(is_plain_time(&t), plain_time_words(&t), "{k} {b}");
            }
        }
    }

    #[test]
    fn plain_times_and_others() {
        assert!(is_plain_time(b"[01/Jan/2026:10:00:00 +0000]"));
        assert!(is_plain_time(b"[31/Dec/1999:23:59:59 -0730]"));
        for t in [
            &b"[01/Jan/2026:10:00:00+00:00]"[..],
            b"[2026-01-01T10:00:00+00:00]",
            b"[01/Jan/2026:10:00:00 *0000]",
            b"[01/J4n/2026:10:00:00 +0000]",
            b"[01/Jan/2026:1.:00:00 +0000]",
            b"[01/Jan/2026:10:00:0: +0000]",
            b"[01/Jan/2026:10:00:00 +000a]",
            b"[0a/Jan/2026:10:00:00 +0000]",
            b"[01/Jan/2026 10:00:00 +0000]",
            b"[01/Jan/2026:10:00:00 +0000",
            b"[01/Jan/1.2.3.4:00:00 +0000]",
        ] {
            assert!(!is_plain_time(t), "{}", String::from_utf8_lossy(t));
        }
        // every byte changed to something else, one at a time
        let good = *b"[01/Jan/2026:10:00:00 +0000]";
        for k in 0..28 {
            for b in [b'@', b'.', b'=', b'%', b'\\', b'[', b'{', b'`', 0xff, 0xc1] {
                if good[k] == b {
                    continue;
                }
                let mut t = good;
                t[k] = b;
                assert!(!is_plain_time(&t), "{k} {b}");
            }
        }
    }
}

// ------------------------------------------------------------ the registry

use super::registry::FormatSpec;
use super::{Ctx, Parsed, Recognised};
use crate::rules::DenyList;

fn of_kind(want: ClfKind, line: &[u8]) -> Option<Recognised> {
    parse(line).filter(|l| l.kind == want).map(Recognised::Clf)
}

fn common(_: Parsed, line: &[u8], _: &DenyList, _: &mut Ctx) -> Option<Recognised> {
    of_kind(ClfKind::Common, line)
}

fn combined(_: Parsed, line: &[u8], _: &DenyList, _: &mut Ctx) -> Option<Recognised> {
    of_kind(ClfKind::Combined, line)
}

fn vhost_combined(_: Parsed, line: &[u8], _: &DenyList, _: &mut Ctx) -> Option<Recognised> {
    of_kind(ClfKind::VhostCombined, line)
}

/// Detection takes the whole family at once; each line is counted by its kind.
fn family(_: Parsed, line: &[u8], _: &DenyList, _: &mut Ctx) -> Option<Recognised> {
    parse(line).map(Recognised::Clf)
}

pub(crate) const COMMON: FormatSpec = FormatSpec {
    name: "common",
    help: Some("the Common Log Format: host ident user [time] \"request\" status bytes"),
    parse: common,
    detect: &[(40, family)],
};

pub(crate) const COMBINED: FormatSpec = FormatSpec {
    name: "combined",
    help: Some("common, then \"referer\" \"user agent\" (and extra fields)"),
    parse: combined,
    detect: &[],
};

pub(crate) const VHOST_COMBINED: FormatSpec = FormatSpec {
    name: "vhost_combined",
    help: Some("combined after a vhost[:port] field"),
    parse: vhost_combined,
    detect: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<ClfKind> {
        parse(s.as_bytes()).map(|l| l.kind)
    }

    #[test]
    fn family() {
        let c = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
        let l = parse(c.as_bytes()).unwrap();
        assert_eq!(l.kind, ClfKind::Common);
        assert_eq!(&c[l.client.clone()], "127.0.0.1");
        assert_eq!(&c[l.user.clone()], "frank");
        assert_eq!(&c[l.request.clone()], "GET /apache_pb.gif HTTP/1.0");
        assert_eq!(
            kind(&format!("{c} \"http://x/\" \"Mozilla/4.08\"")),
            Some(ClfKind::Combined)
        );
        assert_eq!(
            kind(&format!("{c} \"-\" \"UA\" \"1.2.3.4, 5.6.7.8\" 0.003")),
            Some(ClfKind::Combined)
        );
        assert_eq!(
            kind(&format!("www.x.org:80 {c} \"-\" \"UA\"")),
            Some(ClfKind::VhostCombined)
        );
        assert_eq!(kind(&format!("{c} junk")), None);
    }

    #[test]
    fn bracketed_ipv6_client() {
        let v6 =
            r#"www.x.org:443 [2001:db8::1]:52100 - bob [01/Jan/2026:00:00:03 +0000] "GET / HTTP/2.0" 201 88 "-" "UA""#;
        let l = parse(v6.as_bytes()).unwrap();
        assert_eq!(l.kind, ClfKind::VhostCombined);
        assert_eq!(&v6[l.client], "[2001:db8::1]:52100");
        assert_eq!(&v6[l.user], "bob");
        let plain = r#"[::1]:443 - - [1/Jan/2026:00:00:03 +0000] "GET / HTTP/2.0" 200 1"#;
        assert_eq!(kind(plain), Some(ClfKind::Common));
    }

    #[test]
    fn quirks() {
        let chain = r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Mozilla/5.0""#;
        let l = parse(chain.as_bytes()).unwrap();
        assert_eq!(&chain[l.client], "10.0.0.2, 10.0.0.1, 127.0.0.1");
        let esc = r#"1.2.3.4 - - [1/Jan/2020:00:00:00 +0000] "GET /\"x\" HTTP/1.1" 400 0 "-" "a \"q\" b""#;
        assert_eq!(kind(esc), Some(ClfKind::Combined));
        let spaces = "175.18.15.10 -  -  [02/sept./2015:00:11:31 +0200] \"GET /a HTTP/1.1\" 401 1382 ";
        assert_eq!(kind(spaces), Some(ClfKind::Common));
        let empty = r#"1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "" 400 47 "-" "-" "-""#;
        assert_eq!(kind(empty), Some(ClfKind::Combined));
        let dash = "::1 - - [26/Dec/2016:16:16:48 +0200] \"-\" 408 -";
        assert_eq!(kind(dash), Some(ClfKind::Common));
        assert_eq!(kind("not a log line"), None);
        assert_eq!(kind("[x] y"), None);
    }
}
