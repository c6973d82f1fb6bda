//! The head of a CLF line (`[vhost] client ident user [time...`), also of a
//! line whose rest is broken or cut short: enough to give its ident and user
//! fields their roles even then.

use std::ops::Range;

/// Splits the part before `[time]` (`line[..lb]`) into tokens separated by
/// spaces and tabs; more than 8 are counted as 9.
///
/// A head of at most 64 bytes (nearly all) is split through a mask of its
/// separators: a loop that stops at the end of each token mispredicts once
/// a token (tokens have any length), and this runs on every CLF line.
fn head_tokens(line: &[u8], lb: usize, toks: &mut [Range<usize>; 8]) -> usize {
    let head = &line[..lb];
    if lb > 64 {
        return head_tokens_bytewise(head, toks);
    }
    let all = if lb == 64 { u64::MAX } else { (1u64 << lb) - 1 };
    // the bytes of tokens, and where each starts and ends (its last byte)
    let word = !separators(line, lb) & all;
    let mut starts = word & !(word << 1);
    let mut ends = word & !(word >> 1);
    let mut n = 0;
    while starts != 0 {
        if n == toks.len() {
            return n + 1;
        }
        toks[n] = starts.trailing_zeros() as usize..ends.trailing_zeros() as usize + 1;
        n += 1;
        starts &= starts - 1;
        ends &= ends - 1;
    }
    n
}

/// Bit k: `line[k]` is a space or a tab, for k < `lb` <= 64 (the bits from
/// `lb` on are anything).
#[inline]
fn separators(line: &[u8], lb: usize) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if line.len() >= lb.div_ceil(16) * 16 {
        use std::arch::x86_64::*;
        let mut m = 0u64;
        let mut p = 0;
        while p < lb {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load is
            // unaligned and within `line` (p + 16 <= line.len(), checked above)
            unsafe {
                let v = _mm_loadu_si128(line.as_ptr().add(p) as *const __m128i);
                let sep = _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)),
                );
                m |= u64::from(_mm_movemask_epi8(sep) as u16) << p;
            }
            p += 16;
        }
        return m;
    }
    line[..lb]
        .iter()
        .enumerate()
        .fold(0, |m, (k, &b)| m | u64::from(matches!(b, b' ' | b'\t')) << k)
}

/// [`head_tokens`] byte by byte (a head longer than 64 bytes).
fn head_tokens_bytewise(head: &[u8], toks: &mut [Range<usize>; 8]) -> usize {
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
    let mut n = head_tokens(line, lb, &mut toks);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &[u8], lb: usize) -> Vec<Range<usize>> {
        let mut toks: [Range<usize>; 8] = Default::default();
        let n = head_tokens(line, lb, &mut toks);
        toks[..n.min(8)].to_vec()
    }

    #[test]
    fn a_head_in_tokens() {
        let line = b"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326";
        assert_eq!(split(line, 16), vec![0..7, 8..9, 10..15]);
        let line = b" \tvh:80\t 1.2.3.4  - -\t[01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1";
        assert_eq!(split(line, 22), vec![2..7, 9..16, 18..19, 20..21]);
    }

    proptest::proptest! {
        /// The mask and the byte loop split a head alike, whatever its
        /// length, where it lies and what follows it.
        #[test]
        fn mask_and_bytes_agree(
            head in proptest::collection::vec(proptest::sample::select(b"ab1.:- \t\"[".to_vec()), 0..80),
            tail in proptest::collection::vec(proptest::sample::select(b"a \t]".to_vec()), 0..40),
        ) {
            let mut line = head.clone();
            line.extend_from_slice(&tail);
            let mut a: [Range<usize>; 8] = Default::default();
            let mut b: [Range<usize>; 8] = Default::default();
            let n = head_tokens(&line, head.len(), &mut a);
            let m = head_tokens_bytewise(&head, &mut b);
            proptest::prop_assert_eq!(n, m);
            proptest::prop_assert_eq!(&a[..n.min(8)], &b[..m.min(8)]);
        }
    }
}
