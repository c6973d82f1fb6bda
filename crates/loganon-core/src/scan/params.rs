//! Parameters: the value of a `name=value` pair (query strings, logfmt,
//! RFC 5424 structured data, `;name=value` path parameters) or of a JSON
//! `"name":value` pair whose name is deny-listed (see [`crate::rules`]).

use std::ops::ControlFlow;

use crate::addr::{parse_v4_at, parse_v6};
use crate::rules::MAX_NAME;

use super::bytes::{ends_value, is_name_char};
use super::sink::{Kind, Sink};
use super::state::Scanner;
use super::state::{is_placeholder, run_end, Run, FAR};

impl Scanner<'_> {
    /// A `:` at `i` after a quote: `"name":"value"` (JSON in a query value,
    /// decoded or raw) with a deny-listed name gets its value redacted, a
    /// string's content or a bare number or word. `None`: no such pair, the
    /// colon is an address candidate as usual.
    #[cold]
    pub(super) fn json_pair<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let (n, close) = self.quoted_name(i)?;
        // `name` and `key` mean what their object says (HAR header pairs,
        // multi-line JSON): left to the JSON roles, as `check` leaves them
        let leaf = &s[n..close];
        let leaf = leaf.rsplit(|&b| b == b'.').next().unwrap_or(leaf);
        if leaf.eq_ignore_ascii_case(b"name")
            || leaf.eq_ignore_ascii_case(b"key")
            || !self.rules.deny.contains(&s[n..close])
        {
            return None;
        }
        let mut v = i + 1;
        while v < s.len() && matches!(s[v], b' ' | b'\t') {
            v += 1;
        }
        let quoted = s.get(v) == Some(&b'"');
        let (a, b) = if quoted {
            match memchr::memchr(b'"', &s[v + 1..]) {
                Some(k) => (v + 1, v + 1 + k),
                None => {
                    sink.open_value();
                    (v + 1, s.len())
                }
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
        // (an object or array opens after an unquoted `{` or `[`; a string
        // `"{"` is a value like any other)
        if a >= b
            || address
            || is_placeholder(value)
            || (!quoted && matches!(value, b"true" | b"false" | b"null" | b"{" | b"["))
        {
            return Some(i + 1);
        }
        self.redact(sink, a, b, Kind::Param);
        self.floor = b;
        Some(b)
    }

    /// An `=` at `i`: a deny-listed name before it gets its value redacted
    /// (`Break`: where the scan goes on); any other value's end
    /// (`Continue`), for the dispatch to look into.
    #[inline(always)]
    pub(super) fn param<S: Sink>(&mut self, i: usize, sink: &mut S) -> ControlFlow<usize, usize> {
        let s = self.s;
        let v = i + 1;
        let mut n = i;
        while n > self.floor && is_name_char(s[n - 1]) && i - n <= MAX_NAME + 2 {
            n -= 1;
        }
        if i - n > MAX_NAME {
            n = long_name_leaf(s, n, i);
        }
        let named = n < i && i - n <= MAX_NAME;
        // `name="value"` of logfmt, RFC 5424 structured data and key-value
        // fields, or in a query or a path (`?a=1&token="x y"`, a quote no
        // browser sends unescaped): a deny-listed name's quoted value goes
        // to its closing quote
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
                )
                // (in a query or a path, a quote followed by a space or the
                // span's end closes the field: `"GET /?token=" 200`)
                || (matches!(s[nq - 1], b'&' | b'?' | b'/') && s.get(i + 2).is_some_and(|&b| b != b' ')))
            && (self.rules.deny.contains(&s[nq..i]) || (nq == self.floor && nq > 0 && self.name_before_floor(nq, i)))
        {
            if let Some(q) = memchr::memchr(b'"', &s[i + 2..s.len().min(i + 2 + 4096)]) {
                let (a, b) = (i + 2, i + 2 + q);
                // an address under `ip="..."` is truncated as an address
                let value = &s[a..b];
                if parse_v4_at(value, 0).is_some_and(|(_, e)| e == value.len()) || parse_v6(value).is_some() {
                    return ControlFlow::Break(i + 1);
                }
                if a < b && !is_placeholder(value) {
                    self.redact(sink, a, b, Kind::Param);
                    self.floor = b;
                }
                return ControlFlow::Break(b + 1);
            }
            if s.len() < i + 2 + 4096 {
                // no closing quote before the span's end
                sink.open_value();
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
        // (a path parameter's value ends at a `/` or `?` too)
        let end = match self.value_end(end, eq_escaped) {
            e if path_param => self.path_end(end, e),
            e => e,
        };
        if (named && self.rules.deny.contains(&s[n..i])) || (n == self.floor && n > 0 && self.name_before_floor(n, i)) {
            // a `(` opened in the value: its `)` ends nothing
            // (`tel=(030)%20123456`)
            let mut end = end;
            while s.get(end) == Some(&b')') && opens_more(&s[v..end]) {
                end = self.value_end(end + 1, eq_escaped);
            }
            let value = &s[v..end];
            if value.is_empty() {
                // (`token= 97040044`: what follows is looked into as after
                // any other name, a number grouped after a space)
                return ControlFlow::Continue(end);
            }
            if is_placeholder(value) {
                return ControlFlow::Break(end);
            }
            // `;jsessionid=X` is removed whole, unless that would glue what
            // follows onto a value before it (`?sid=;jsessionid=X/b`)
            if path_param && !ends_a_value(s, n - 1) {
                self.remove(sink, n - 1, end, Kind::PathParam);
            } else {
                self.redact(sink, v, end, Kind::Param);
            }
            self.floor = end;
            return ControlFlow::Break(end);
        }
        ControlFlow::Continue(end)
    }

    /// Whether the name before the `=` at `i`, read back past the floor
    /// `n` (a finding before took its start: `email4-2-3-5.d.t=`, a dashed
    /// address), is deny-listed. Only read: the value is what goes.
    #[cold]
    #[inline(never)]
    fn name_before_floor(&self, n: usize, i: usize) -> bool {
        let s = self.s;
        let mut m = n;
        while m > 0 && is_name_char(s[m - 1]) && i - m <= MAX_NAME {
            m -= 1;
        }
        m < n && self.rules.deny.contains(&s[m..i])
    }

    /// The end of a value read from `x`: its first byte that ends a value
    /// and was not escaped inside it (see [`Scanner::escaped_in_value`]).
    #[inline]
    fn value_end(&mut self, x: usize, eq_escaped: bool) -> usize {
        let s = self.s;
        let k = usize::from(eq_escaped);
        if let Some(e) = self.ahead.as_ref().and_then(|a| a.value[k].end_from(x)) {
            return e;
        }
        let lim = s.len().min(x + FAR);
        let mut e = x;
        while e < lim && (!ends_value(s[e]) || self.escaped_in_value(e, eq_escaped)) {
            e += 1;
        }
        if e < lim || lim == s.len() {
            return e;
        }
        self.value_end_far(x, e, eq_escaped)
    }

    /// [`Scanner::value_end`] past [`FAR`] bytes, remembered.
    #[cold]
    #[inline(never)]
    fn value_end_far(&mut self, x: usize, mut e: usize, eq_escaped: bool) -> usize {
        let s = self.s;
        let k = usize::from(eq_escaped);
        let memo = self.ahead().value[k];
        while e < s.len() && (!ends_value(s[e]) || self.escaped_in_value(e, eq_escaped)) {
            e += 1;
            if e == memo.from {
                e = memo.to;
                break;
            }
        }
        self.ahead().value[k] = Run { from: x, to: e };
        e
    }

    /// Where a path parameter's value read from `x` ends, `end` at the
    /// latest: at its first `/` or `?`.
    #[inline]
    fn path_end(&mut self, x: usize, end: usize) -> usize {
        let s = self.s;
        if end - x <= FAR {
            return memchr::memchr2(b'/', b'?', &s[x..end]).map_or(end, |k| x + k);
        }
        run_end(s, x, &mut self.ahead().path, |b| !matches!(b, b'/' | b'?')).min(end)
    }
}

/// Whether `v` opens more `(` than it closes.
fn opens_more(v: &[u8]) -> bool {
    let open = v.iter().filter(|&&b| b == b'(').count();
    open > v.iter().filter(|&&b| b == b')').count()
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

/// Where to read a name `s[n..i]` too long for the deny list from: its
/// leaf, after its last `[` or `.` (`<64 bytes>[user]`, `<64
/// bytes>.email`, which `check` reads as the name), or else its last
/// [`MAX_NAME`] bytes, so that the list's patterns still see its end
/// (`<64 bytes>_password`).
#[cold]
#[inline(never)]
fn long_name_leaf(s: &[u8], n: usize, i: usize) -> usize {
    let name = &s[n..i];
    let name = name.strip_suffix(b"]").unwrap_or(name);
    match name.iter().rposition(|&b| matches!(b, b'[' | b'.')) {
        Some(k) if i - (n + k + 1) <= MAX_NAME => n + k + 1,
        _ => i - MAX_NAME,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use crate::scan::testing::found;
    use crate::scan::testing::{made_of, scanner};

    #[test]
    fn deny_listed_parameters() {
        assert_eq!(found("/?email=a%40b.com&x=1"), ["deny-listed-parameter 8..17"]);
        assert_eq!(found("/a;jsessionid=ABC?x"), ["-path-parameter 2..17"]);
        assert_eq!(
            found("next=%2Flogin%3Ftoken%3Dabc%26x"),
            ["deny-listed-parameter 24..27"]
        );
        assert_eq!(found("user=-&token=REDACTED"), Vec::<String>::new());
    }

    proptest::proptest! {
        /// A value read from each byte in turn ends where it ends read byte
        /// by byte, long values (read once, then remembered) too; so does
        /// a path parameter's value, at a `/` or `?`.
        #[test]
        fn values_read_ahead_end_where_they_end(picks in proptest::collection::vec(0usize..12, 0..300)) {
            let s = made_of(&["a", "aaaaaaaaaaaaaaaaaaaa", "=", "b=c", "/", "?", " ", "&", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x", "y", ";"], &picks);
            let rules = Rules::default();
            let mut sc = scanner(&s, &rules);
            for x in 0..=s.len() {
                let plain = x + s[x..].iter().take_while(|&&b| !ends_value(b)).count();
                proptest::prop_assert_eq!(sc.value_end(x, false), plain);
                let path = x + s[x..plain].iter().take_while(|&&b| !matches!(b, b'/' | b'?')).count();
                proptest::prop_assert_eq!(sc.path_end(x, plain), path);
            }
        }
    }
}
