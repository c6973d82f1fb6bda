//! Where a line too long to hold whole may be cut, so that its pieces can
//! be scanned apart (the I/O layer's reader cuts there).

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
