//! What may join a replacement into something new: the bytes around it
//! that make the line worth reading again (the line path's settling pass).
//! Each test is conservative: when unsure, the line is read again.

/// Whether the bytes of `src` around a replacement of `start..end` could
/// join it into something new; `authority` is how far the line was read
/// for the authority test.
#[inline]
pub(super) fn joins(src: &[u8], start: usize, end: usize, authority: &mut Authority) -> bool {
    // `REDACTED` ends in a hex digit: what follows may join it into an
    // address, a MAC, an email or an escape; before it, only an email's
    // `@`, a dot or an entity's `&` (`&REDACTED;`) can claim it
    let after = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'@' | b'-' | b'%' | b';');
    let rest = &src[end.min(src.len())..];
    if (start > 0 && matches!(src[start - 1], b'@' | b'.' | b'&'))
        || rest.first().is_some_and(|&b| after(b))
        || escape_joins(rest)
        || userinfo_joins(rest)
    {
        return true;
    }
    // a value inside a URL's authority that held URL structure (`/`,
    // `?`, `#`, `@`, or an escape of one) no longer splits what is around
    // it: `https://user=/&%40` becomes userinfo once `/` is gone
    // (a branch-free fold: most values hold none of these)
    let structure = src[start..end].iter().fold(false, |acc, &b| {
        acc | matches!(
            b,
            b'/' | b'?' | b'#' | b'@' | b'%' | b'\\' | b'[' | b']' | b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>'
        )
    });
    structure && authority.before(src, start)
}

/// Whether the end of `before` may lie inside a URL's authority: its last
/// `/` is the second of a `//`, or it holds encoded slashes (`%2F%2F`,
/// `\/\/`: fail closed, any `%2` or `\/` counts).
fn in_authority(before: &[u8]) -> bool {
    if let Some(k) = memchr::memrchr(b'/', before) {
        if k > 0 && before[k - 1] == b'/' {
            return true;
        }
    }
    // (memchr rather than memmem: a substring finder costs more to build
    // than these short searches)
    let pair = |first: u8, second: u8| memchr::memchr_iter(first, before).any(|k| before.get(k + 1) == Some(&second));
    pair(b'%', b'2') || pair(b'\\', b'/')
}

/// Whether `t`, the bytes right after a replacement, open with a `\` or
/// `&` escape that may decode into a byte that joins it (`\u0040x.com`,
/// `&commat;x.com`, `\\u0040` in two layers). Not: an escaped double
/// quote before what starts no escape and no `@` (`\x22,`: a JSON string
/// closed in a request body), and an `&` whose name ends in a byte that
/// ends no entity (a query's next parameter, `&lang=en`), as neither
/// decoder reads an entity's name without its `;`.
#[inline]
fn escape_joins(t: &[u8]) -> bool {
    let joins = |b: Option<&u8>| b.is_some_and(|&b| matches!(b, b'@' | b'%' | b'\\' | b'&') || b < 0x20 || b == 0x7f);
    match t.first() {
        Some(b'\\') => {
            let quote = match t.get(1) {
                Some(b'"') => 2,
                Some(b'x' | b'X') if t.get(2..4) == Some(b"22") => 4,
                Some(b'u' | b'U') if t.get(2..6) == Some(b"0022") => 6,
                _ => return true,
            };
            joins(t.get(quote))
        }
        Some(b'&') => {
            // (`&amp;` stands for an `&`, read with what follows it)
            let mut k = 1;
            while t[k..].starts_with(b"amp;") {
                k += 4;
            }
            let name = t[k..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            name == 0 || joins(t.get(k + name)) || t.get(k + name) == Some(&b';')
        }
        _ => false,
    }
}

/// Whether `t`, the bytes right after a replacement, go on as a URL's
/// userinfo (`_`, `~`, `!`, `*`, `$`, `(`, `)`, `'`, `+`, `,`, `=`) to an
/// `@` or an escape that may spell one, within the word: the replacement
/// would be a user to the next reading (`http:REDACTED_x%40host`). A word
/// longer than [`USERINFO_AHEAD`] joins (fail closed), so a line of many
/// replacements costs no more than its length times that bound.
#[inline]
fn userinfo_joins(t: &[u8]) -> bool {
    if !t.first().is_some_and(|&b| {
        matches!(
            b,
            b'_' | b'~' | b'!' | b'*' | b'$' | b'(' | b')' | b'\'' | b'+' | b',' | b'='
        )
    }) {
        return false;
    }
    let ahead = &t[1..t.len().min(USERINFO_AHEAD)];
    match ahead.iter().position(|&b| {
        matches!(
            b,
            b'@' | b'%' | b'\\' | b'&' | b' ' | b'\t' | b'"' | b'/' | b'?' | b'#' | b'<' | b'>'
        ) || b < 0x20
    }) {
        Some(k) => matches!(ahead[k], b'@' | b'%' | b'\\' | b'&') || ahead[k] < 0x20,
        None => t.len() > USERINFO_AHEAD,
    }
}

/// How far [`userinfo_joins`] reads for an `@`.
const USERINFO_AHEAD: usize = 256;

/// [`in_authority`] of the line up to one replacement after another, read
/// once: what it depends on is kept up to where the line was read (the last
/// `/`, and whether a `%2` or `\/` was met), so a line of many findings
/// costs no more than its length.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Authority {
    /// the line was read up to here
    upto: usize,
    /// its last `/` there
    slash: Option<usize>,
    /// a `%2` or `\/` lies whole before `upto`
    pair: bool,
}

impl Authority {
    /// [`in_authority`]`(&src[..start])`.
    pub(super) fn before(&mut self, src: &[u8], start: usize) -> bool {
        if start < self.upto {
            // (not reached: replacements come in order)
            return in_authority(&src[..start]);
        }
        // (a pair may start at the last byte read before)
        let from = self.upto.saturating_sub(1);
        let new = &src[from..start];
        if let Some(k) = memchr::memrchr(b'/', &src[self.upto..start]) {
            self.slash = Some(self.upto + k);
        }
        let pair = |first: u8, second: u8| memchr::memchr_iter(first, new).any(|k| new.get(k + 1) == Some(&second));
        self.pair = self.pair || pair(b'%', b'2') || pair(b'\\', b'/');
        self.upto = start;
        self.pair || self.slash.is_some_and(|k| k > 0 && src[k - 1] == b'/')
    }
}
