//! What a replacement is glued to: whether the bytes around a rewritten
//! span could join it into a new finding, so that the line is read again
//! (the settling pass of `line.rs`). Each test is conservative (fail
//! closed) and as narrow as the shapes it guards: a line spared a second
//! reading is a line read at half the cost.

use crate::decode::{first_layer, is_control, next_escape_byte};

/// Whether a byte right after `REDACTED` (or an address) may join it into
/// something new: an address, a MAC, an email or an escape.
pub(super) fn glues_after(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'@' | b'-' | b'%' | b';')
}

/// Whether the `%` at `src[i]`, right after a replacement, may join it into
/// something new. A `%` that is no escape may (an IPv6 zone: `%eth0`); an
/// escape may when what it stands for does ([`glues_after`]), when that
/// can start another escape (`%25`, `%5C`), a control byte or a byte that
/// is not ASCII (a letter to the scanner), or an `&` that starts an entity
/// (`%26%2364;` is `&#64;`, an `@`). `%26x%3D1` (`&x=1`) does not: a
/// query string's `&` after a redacted value spares the line a settling
/// pass.
pub(super) fn escape_glues(src: &[u8], i: usize) -> bool {
    let Some((len, c)) = first_layer(src, i) else {
        return true;
    };
    match c {
        b'&' => entity_may_start(src, i + len),
        b'%' | b'\\' => true,
        c => glues_after(c) || is_control(c) || !c.is_ascii(),
    }
}

/// Whether the bytes at `src[j..]`, after an `&` that an escape stood for,
/// may make it an entity: a `#`, an escape or a control byte, or a name
/// followed by `;` (written or escaped). Fail closed on a name too long to
/// read to its end.
fn entity_may_start(src: &[u8], j: usize) -> bool {
    let starts_more = |b: u8| matches!(b, b'#' | b'%' | b'\\' | b'&') || is_control(b);
    let mut k = j;
    while k < src.len() && src[k].is_ascii_alphanumeric() {
        if k - j >= 32 {
            return true;
        }
        k += 1;
    }
    match src.get(k) {
        None => false,
        Some(&b) if k == j => starts_more(b),
        Some(b';') => true,
        Some(b'%' | b'\\' | b'&') => {
            first_layer(src, k).is_none_or(|(_, c)| c == b';' || starts_more(c) || !c.is_ascii())
        }
        Some(&b) => is_control(b),
    }
}

/// Whether `c`, what an escape stood for, followed by `src[at..]` may
/// spell a `/` on a deeper layer: a `%` before `2` (`%252F`), a `\\`
/// before `/`, `u` or `x` (`%5Cu002f`), an `&` that may start an entity
/// (`%26%2347;`), or any of them before another escape; a control byte
/// always (the scanner reads through it).
fn may_begin_slash(src: &[u8], c: u8, at: usize) -> bool {
    let next = src.get(at).copied();
    let escape = |b: Option<u8>| matches!(b, Some(b'%' | b'\\' | b'&'));
    match c {
        b'%' => next == Some(b'2') || escape(next),
        b'\\' => matches!(next, Some(b'/' | b'u' | b'U' | b'x' | b'X')) || escape(next),
        b'&' => entity_may_start(src, at),
        c => is_control(c),
    }
}

/// Whether the replacement at `start` may lie inside a URL's authority (see
/// [`super::rewrite`]'s `note_glue`), the line read once for all its replacements:
/// the last `/` before it is the second of a `//`, or the line holds an
/// encoded `//` before it (`%2F%2F`, `\/\/`, `/%2F`, to any depth: an
/// escape that stands for another escape's first byte, or one that may
/// finish an escape begun by a `%`, `\` or `&` that was none
/// (`&#%34%37;`), counts as a slash; fail closed). One
/// encoded `/` alone does not (`next=%2Fverify%3F...`), so a redacted value
/// in such a query spares the line a settling pass.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Authority {
    /// the line was read up to here
    upto: usize,
    /// its last `/` there
    slash: Option<usize>,
    /// an encoded `//` lies before `upto`
    pair: bool,
    /// where the last escape that stood for `/` ended
    slash_end: usize,
    /// one past the last `%`, `\` or `&` that started no escape (an
    /// escape after it and letters, digits or `#` may finish one)
    stray: Option<usize>,
}

impl Authority {
    /// Whether the replacement at `start` may lie in an authority.
    pub(super) fn before(&mut self, src: &[u8], start: usize) -> bool {
        if start < self.upto {
            // a replacement before one already seen (a field rewritten
            // after a later one): the line read again up to it
            return Authority::default().before(src, start);
        }
        if let Some(k) = memchr::memrchr(b'/', &src[self.upto..start]) {
            self.slash = Some(self.upto + k);
        }
        let mut i = self.upto;
        while !self.pair && i < start {
            let Some(k) = next_escape_byte(&src[i..start]).map(|k| i + k) else {
                break;
            };
            i = k + 1;
            if !matches!(src[k], b'%' | b'\\' | b'&') {
                continue;
            }
            let Some((len, c)) = first_layer(src, k) else {
                self.stray = Some(k + 1);
                continue;
            };
            let deep = may_begin_slash(src, c, k + len)
                || self
                    .stray
                    .is_some_and(|s| k - s < 40 && src[s..k].iter().all(|&b| b.is_ascii_alphanumeric() || b == b'#'));
            let slash =
                c == b'/' && ((k > 0 && src[k - 1] == b'/') || src.get(k + len) == Some(&b'/') || self.slash_end == k);
            self.pair = deep || slash;
            if c == b'/' {
                self.slash_end = k + len;
            }
            i = k + len;
        }
        self.upto = start;
        self.pair || self.slash.is_some_and(|k| k > 0 && src[k - 1] == b'/')
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_glues, Authority};

    /// `REDACTED` written before `rest`: whether the escape that starts
    /// `rest` may join it into something new.
    fn glues(rest: &str) -> bool {
        escape_glues(format!("REDACTED{rest}").as_bytes(), 8)
    }

    #[test]
    fn an_escape_after_a_replacement_glues_when_what_it_stands_for_may() {
        // what joins: an address's, a MAC's or an email's bytes, to any depth
        for rest in [
            "%3A%3A1",
            "%40x.com",
            "%2E1",
            "%41",
            "%2540x.com",
            "%5Cu0040",
            "%00@x",
            "%FFx",
            "%u0040x",
            "%zz",
            "%",
            // an `&` that may start an entity: numeric, named, escaped
            "%26%2364;x.com",
            "%26#64;",
            "%26commat;x",
            "%26at%3B",
            "%26%26",
        ] {
            assert!(glues(rest), "{rest}");
        }
        // a query's `&`, `=`, `/`, a space: nothing joins
        for rest in ["%26x%3D1", "%26lang%3Den", "%26", "%3D1", "%2F", "%20x", "%3F"] {
            assert!(!glues(rest), "{rest}");
        }
    }

    /// Whether a replacement at the first `|` of `line` (taken out) may
    /// lie in a URL's authority.
    fn in_authority(line: &str) -> bool {
        let at = line.find('|').expect("a marker");
        let src = line.replace('|', "");
        Authority::default().before(src.as_bytes(), at)
    }

    #[test]
    fn an_encoded_double_slash_before_a_replacement_makes_an_authority() {
        for line in [
            "/?u=https://|",
            "/?u=https%3A%2F%2F|",
            "/?u=https%3A%2f/|",
            "/?u=https:/%2F|x/",
            "/?u=https:\\/\\/|",
            "/?u=https:&#47;&#x2f;|",
            "/?u=https:%252F%252F|",
            "/?u=https:%25%32%46%2F|",
            "/?u=https:&#%34%37;&#47;|",
            "/?u=https:%5Cu002f%5Cu002f|",
            "/?u=https:%26%2347;%2F|",
        ] {
            assert!(in_authority(line), "{line}");
        }
        for line in [
            "/n?next=%2Fverify%3Femail%3D|",
            "/a?card=1&amount=12 \"/n?next=%2Fv%3Fe%3D|",
            "/a?to=john%2540example.com&amp;token=x \"/n?next=%2Fv%3Fe%3D|",
            "/a?x=%26lang%3Den \"/cb?phone=|",
            "https://host/a/b?x=|",
        ] {
            assert!(!in_authority(line), "{line}");
        }
    }

    #[test]
    fn replacements_out_of_order_read_the_line_again() {
        let src = b"/?u=https%3A%2F%2Fx.org/a b=c";
        let mut a = Authority::default();
        assert!(!a.before(src, 0));
        assert!(a.before(src, 18));
        // an earlier replacement after a later one: read from the start
        // (not the pair met after it)
        let mut a = Authority::default();
        assert!(a.before(src, 28));
        assert!(!a.before(src, 3));
    }
}
