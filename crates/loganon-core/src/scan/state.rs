//! The scanner's state and the methods every recogniser family reports
//! through: the [`Scanner`] (the bytes, the floor below which nothing new may
//! start, the rules, the decoded [`View`] and a pending phone number), and
//! its emit methods, which map a span of the decoded view back to the source
//! line before it reaches the [`Sink`]. The families stand on this file and
//! never on each other.

use crate::decode::Decoded;
use crate::rules::Rules;

use super::sink::{Kind, Sink, V4Form};

/// A decoded view being scanned, and how its findings become findings
/// over the source: each span grows to whole escapes, and spans stay in
/// order without overlap (two findings that meet inside one escape share it
/// with the first). The scanner applies it itself rather than through a
/// wrapping sink, so there is one copy of the recognisers per sink type
/// (two copies did not fit the instruction cache together).
#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    pub(super) d: &'a Decoded,
    pub(super) src: &'a [u8],
    pub(super) last: usize,
}

impl<'a> View<'a> {
    pub(super) fn span(&mut self, a: usize, b: usize) -> (usize, usize) {
        // (control bytes the decoder read through before the first byte
        // stay where they are: `\x0b1.2.3.4` keeps its `\x0b`)
        let (mut s, e0) = self.d.range(a);
        while s + 1 < e0 && crate::decode::is_control(self.src[s]) {
            s += 1;
        }
        let s = s.max(self.last);
        let e = self.d.range(b - 1).1.max(s);
        self.last = e;
        (s, e)
    }

    /// The source spelling of the first `c` in `a..b` when it was escaped.
    pub(super) fn sep(&self, a: usize, b: usize, c: u8) -> Option<&'a [u8]> {
        let k = a + memchr::memchr(c, &self.d.text[a..b])?;
        let (s, e) = self.d.range(k);
        let src: &'a [u8] = self.src;
        (e - s > 1).then(|| &src[s..e])
    }
}

pub(super) struct Scanner<'a> {
    pub(super) s: &'a [u8],
    /// Nothing before this offset may be part of a new span.
    pub(super) floor: usize,
    pub(super) rules: &'a Rules,
    /// the decoded view `s` is, if it is one: which bytes were escaped,
    /// and where findings lie in the source
    pub(super) view: Option<View<'a>>,
    /// a phone number found inside a parameter value, to be reported when
    /// the scan reaches it ([`NO_PHONE`]: none)
    pub(super) phone: (usize, usize),
    /// what the recognisers read ahead of their triggers so far (set up by
    /// the first that needs it: most spans never read far)
    pub(super) ahead: Option<Ahead>,
    /// `(from, to)`: the next `@` at or after `from` is at `to` (the end of
    /// the span when there is none); see `Scanner::taken_by_at`
    pub(super) next_at: (usize, usize),
}

pub(super) const NO_PHONE: (usize, usize) = (usize::MAX, 0);

/// How far a recogniser reads ahead before it remembers where the run it
/// reads ends (in [`Ahead`]): shorter reads cost less than the bookkeeping.
pub(super) const FAR: usize = 64;

/// Where the runs of bytes the recognisers read ahead of a trigger end,
/// remembered from one trigger to the next in the span. A trigger inside
/// a run read before (an `=` inside a long value, a `-` inside a host name's
/// label, `Bearer` inside a token) then costs nothing, so the cost of a line
/// stays proportional to its length whatever it holds, and what is found is
/// the same: a run's end does not depend on where in it the reading
/// started.
#[derive(Clone, Copy)]
pub(super) struct Ahead {
    /// the end of a value, read with an `=` plain or escaped
    pub(super) value: [Run; 2],
    /// up to the next `/` or `?` (where a path parameter's value ends)
    pub(super) path: Run,
    /// a value run on over spaces between digits (through every value end
    /// in the run)
    pub(super) spaced: Run,
    /// `(end, from)`: no card number starts at or after `from` in a value
    /// ending at `end` (the value, the value run on over spaces)
    pub(super) no_card: [(usize, usize); 2],
    /// up to the next `+` that starts a phone number, and that number's end
    pub(super) plus: (Run, usize),
    /// the labels after an IPv4 address in a host name
    pub(super) label: [Run; 2],
    /// the token after `Bearer` or `Basic`, and its `=` padding
    pub(super) token: Run,
    pub(super) pad: Run,
    /// up to the first byte of a token that is no base64 (`.`, `~`)
    pub(super) bad: Run,
    /// per start of a token modulo 4: from `.0` on, the first group of
    /// four whose bytes hold a `:` starts at `.1`, and the character that
    /// completes the `:` is at `.2` (`usize::MAX`: none up to `.1`, the
    /// token's end)
    pub(super) colon: [(usize, usize, usize); 4],
    /// up to the first byte that is no userinfo's (what may take an
    /// address whole: see `Scanner::taken_by_at`)
    pub(super) userinfo: Run,
    /// up to the first byte that is no email local part's (the same)
    pub(super) local: Run,
}

impl Ahead {
    const NONE: Ahead = Ahead {
        value: [Run::NONE; 2],
        path: Run::NONE,
        spaced: Run::NONE,
        no_card: [(usize::MAX, 0); 2],
        plus: (Run::NONE, 0),
        label: [Run::NONE; 2],
        token: Run::NONE,
        pad: Run::NONE,
        bad: Run::NONE,
        colon: [(usize::MAX, 0, 0); 4],
        userinfo: Run::NONE,
        local: Run::NONE,
    };
}

/// A run read ahead: from `from` on, the first byte outside the run (or
/// the end of the bytes) is at `to`, so a reading that starts anywhere in
/// `from..=to` ends at `to` too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) from: usize,
    pub(super) to: usize,
}

impl Run {
    /// None read yet.
    pub(super) const NONE: Run = Run {
        from: usize::MAX,
        to: 0,
    };

    /// Where a reading from `x` ends, if this run tells.
    #[inline]
    pub(super) fn end_from(self, x: usize) -> Option<usize> {
        (self.from <= x && x <= self.to).then_some(self.to)
    }
}

/// The end of the run of bytes of `s` that `in_run` takes, from `x` on:
/// what `memo` remembers when `x` lies in it, else read (up to the run it
/// remembers, when the reading reaches its start) and remembered.
#[inline]
pub(super) fn run_end(s: &[u8], x: usize, memo: &mut Run, in_run: impl Fn(u8) -> bool) -> usize {
    if let Some(e) = memo.end_from(x) {
        return e;
    }
    let mut e = x;
    while e < s.len() && in_run(s[e]) {
        e += 1;
        if e == memo.from {
            e = memo.to;
            break;
        }
    }
    *memo = Run { from: x, to: e };
    e
}

/// A numeric zone id read as a percent escape: `fe80::1%12` decodes to
/// `fe80::1` and the control byte 0x12 (`%2512` too, through `%25`), which
/// the decoder reads through. When the source of decoded byte `b` starts
/// with such an escape: where the zone ends in the decoded view and in the
/// source (the escape and the zone bytes after it in the source). `None`
/// when it is no control byte's escape (`fe80::1%20GET` is an address and a
/// space, `::1\n` of JSON an address and a line feed).
fn escaped_zone(d: &crate::decode::Decoded, src: &[u8], b: usize) -> Option<(usize, usize)> {
    let t = &d.text;
    if b >= t.len() {
        return None;
    }
    let (s, _) = d.range(b);
    if src.get(s) != Some(&b'%') {
        return None;
    }
    let hex = |k: usize| src.get(k).is_some_and(u8::is_ascii_hexdigit);
    let mut i = s + 1;
    while src.get(i..i + 2) == Some(b"25") && hex(i + 2) && hex(i + 3) {
        i += 2;
    }
    if !(hex(i) && hex(i + 1)) {
        return None;
    }
    let v = u8::from_str_radix(std::str::from_utf8(&src[i..i + 2]).ok()?, 16).ok()?;
    if !crate::decode::is_control(v) {
        return None;
    }
    let zone = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'~');
    let mut j = i + 2;
    while j < src.len() && zone(src[j]) {
        j += 1;
    }
    let mut k = b;
    while k < t.len() && d.range(k).1 <= j {
        k += 1;
    }
    Some((k, j))
}

/// Whether byte `k` of the view was written as an escape: its source is
/// more than the byte, and not the byte itself after control bytes the
/// decoder read through (`\x12&` is a `&`; `%26`, `\"` are escapes).
fn written_as_escape(v: &View, k: usize) -> bool {
    let (s, e) = v.d.range(k);
    e - s > 1 && !(v.src[e - 1] == v.d.text[k] && v.src[e - 2] != b'\\')
}

impl Scanner<'_> {
    /// The quoted name before the `:` at `i` (`"name":`, white space may
    /// stand before the colon: `"pw" : x`): `(start, end)` of the name
    /// between its quotes, at most [`crate::rules::MAX_NAME`] bytes.
    pub(super) fn quoted_name(&self, i: usize) -> Option<(usize, usize)> {
        let s = self.s;
        let mut close = i - 1;
        while close > self.floor && matches!(s[close], b' ' | b'\t') {
            close -= 1;
        }
        if s[close] != b'"' {
            return None;
        }
        let mut n = close;
        // (a control byte inside shows nothing: `"remote\x7fuser"` is
        // `remoteuser`, as the deny list reads it; the name is only read,
        // so it may hold what a finding before took: `"session4-2-3-5.e.i":`
        // names a session whatever its address became)
        while n > 0
            && (super::bytes::is_name_char(s[n - 1]) || crate::decode::is_control(s[n - 1]))
            && close - n <= crate::rules::MAX_NAME
        {
            n -= 1;
        }
        (n < close && n > 0 && s[n - 1] == b'"').then_some((n, close))
    }

    /// What was read ahead so far in this span.
    #[inline]
    pub(super) fn ahead(&mut self) -> &mut Ahead {
        self.ahead.get_or_insert(Ahead::NONE)
    }

    /// An IPv4 address at `a..b`, reported; where scanning goes on (see
    /// [`Scanner::taken_by_at`] for what may take it first).
    #[inline]
    pub(super) fn v4<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, addr: u32) -> usize {
        if let Some(e) = self.taken_by_at(a, b, sink) {
            return e;
        }
        match &mut self.view {
            None => sink.ipv4(a, b, addr, None),
            Some(v) => {
                let sep = v.sep(a, b, b'.');
                let (s, e) = v.span(a, b);
                sink.ipv4(s, e, addr, sep);
            }
        }
        b
    }

    /// An IPv6 address at `a..b` with its zone to `zone_end`, reported;
    /// where scanning goes on (past a zone read as a percent escape too).
    #[inline]
    pub(super) fn v6<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, addr: u128, zone_end: usize) -> usize {
        if let Some(e) = self.taken_by_at(a, b, sink) {
            return e;
        }
        match &mut self.view {
            None => {
                sink.ipv6(a, b, addr, None, zone_end);
                zone_end
            }
            Some(v) => {
                let sep = v.sep(a, b, b':');
                let (s, e) = v.span(a, b);
                let (zone_end, z) = match (zone_end > b, escaped_zone(v.d, v.src, b)) {
                    (true, _) => (zone_end, v.d.range(zone_end - 1).1.max(e)),
                    (false, Some((k, z))) => (k, z.max(e)),
                    (false, None) => (b, e),
                };
                if z > e {
                    v.last = z;
                }
                sink.ipv6(s, e, addr, sep, z);
                zone_end
            }
        }
    }

    #[inline]
    pub(super) fn v4_form<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, addr: u32, form: V4Form) {
        if self.taken_by_at(a, b, sink).is_some() {
            return;
        }
        let c = if form == V4Form::Dashed { b'-' } else { b'.' };
        let sep = self.view.as_ref().and_then(|v| v.sep(a, b, c));
        let (s, e) = self.source_span(a, b);
        sink.ipv4_form(s, e, addr, form, sep);
        self.floor = b;
    }

    /// `a..b` of the scanned bytes as a span of the source line.
    #[inline]
    pub(super) fn source_span(&mut self, a: usize, b: usize) -> (usize, usize) {
        match &mut self.view {
            None => (a, b),
            Some(v) => v.span(a, b),
        }
    }

    #[inline]
    pub(super) fn redact<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, kind: Kind) {
        let (s, e) = self.source_span(a, b);
        sink.redact(s, e, kind);
    }

    #[inline]
    pub(super) fn remove<S: Sink>(&mut self, sink: &mut S, a: usize, b: usize, kind: Kind) {
        let (s, e) = self.source_span(a, b);
        sink.remove(s, e, kind);
    }

    /// Whether byte `k` of the view came from an escape.
    #[inline]
    pub(super) fn escaped(&self, k: usize) -> bool {
        match &self.view {
            Some(v) => written_as_escape(v, k),
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
    pub(super) fn escaped_in_value(&self, k: usize, eq_escaped: bool) -> bool {
        let Some(v) = &self.view else { return false };
        if !written_as_escape(v, k) {
            return false;
        }
        let (s, _) = v.d.range(k);
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
}

/// Values that hold nothing personal: empty, `-`, or already redacted.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty() || v == b"-" || v == b"REDACTED" || crate::keyed::is_hashed_id(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Where a run read ahead ends, through what is remembered, is
        /// where it ends byte by byte, whatever order the readings come in.
        #[test]
        fn runs_read_ahead_end_where_they_end(
            s in proptest::collection::vec(proptest::sample::select(b"aaaab.".to_vec()), 0..300),
            xs in proptest::collection::vec(0usize..301, 1..60),
        ) {
            let mut memo = Run::NONE;
            for x in xs {
                let x = x.min(s.len());
                let plain = x + s[x..].iter().take_while(|&&b| b != b'.').count();
                proptest::prop_assert_eq!(run_end(&s, x, &mut memo, |b| b != b'.'), plain);
            }
        }
    }
}
