//! What every format yields: the byte ranges of a line's fields with their
//! roles, and the spans it noted while parsing (time, status, bytes, the
//! request's parts). The engine applies a rule per role; bytes between
//! fields are scanned (or kept: the spaces of a CLF line, JSON punctuation
//! and numbers).

use std::ops::Range;

/// The role of a field, which decides its rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// a client address (or host name, which keeps its last two labels)
    Client,
    /// a user name: becomes `-` (or `REDACTED` inside JSON), or a hashed id
    User,
    /// a cookie, an authorization header, a secret: `REDACTED` whole
    Secret,
    /// a number that holds an identifier (JSON): becomes the string `"REDACTED"`
    SecretNumber,
    /// a number under an address key (JSON `"ip":3325256781`): an IPv4
    /// address as an integer, rewritten as one; any other number is a secret
    ClientNumber,
    /// a timestamp the format has read as one (its shape checked): kept
    /// as it is. A value a format cannot vouch for is `Verbatim`.
    Time,
    /// kept as it is when it has the shape of a number, a code or a time
    /// (see [`crate::scan::is_plain`]); scanned otherwise
    #[default]
    Verbatim,
    /// anything else: the generic scanner
    Generic,
    /// the generic scanner on JSON string content (`\` escapes are kept whole)
    GenericEscaped,
    /// a precise location (`"lat":48.858844`, `"ll":"48.85,2.29"`):
    /// coarsened by the rules' `location`; scanned when it is no list of
    /// numbers
    Location,
}

/// The fields of one line, in order, non-overlapping.
#[derive(Debug, Default)]
pub struct Fields {
    /// The fields: byte ranges of the line, each with its role.
    pub list: Vec<(Range<usize>, Role)>,
    /// what happens to bytes between fields: `Generic` or `Verbatim`
    pub gaps: Option<Role>,
    /// the `User` fields are slots whose empty value is `-` (CLF's ident
    /// and user): clean only as `-` or a hashed id, anything else becomes
    /// `-` (a `REDACTED` too); `check` judges the line's client after them
    pub dash_users: bool,
    /// the value under the line's time key, for formats whose times are
    /// not `Time` fields (JSON: `@timestamp`, `time`, `ts`, ...); the value
    /// keeps its own role
    pub time: Option<Range<usize>>,
    /// the line's HTTP status and response bytes, for the summaries (JSON
    /// status and size keys, W3C `sc-status` and `sc-bytes`, the cloud
    /// formats' and Squid's columns); noted while the line is parsed,
    /// read only by the summary path
    pub status: Option<Range<usize>>,
    /// The response bytes (see `status`).
    pub bytes: Option<Range<usize>>,
    /// the user, where the format says which `User` field it is (CLF's
    /// authuser; else the record takes the first `User` field)
    pub user: Option<Range<usize>>,
    /// the client address of formats that scan it rather than give it the
    /// `Client` role (ALB, ELB, S3, HAProxy: `addr:port` or `addr`), for
    /// the summaries' networks
    pub client: Option<Range<usize>>,
    /// where the HTTP request, referer and user agent are (for the typed
    /// [record](crate::formats::record::Record)); noted by the formats that
    /// have them as columns, read by no rule
    pub http: Http,
    /// the fields that repeat from line to line (the user agent; a CLF
    /// line's request and referer, a JSON line's request and referer values,
    /// a W3C line's path, query and referer columns), a bit by position in
    /// `list` (the first 64): scanned apart through the engine's cache of
    /// clean values (the byte before each, a quote or a separator, is its
    /// context); read by no rule
    pub repeats: u64,
    /// the roles were guessed from what the columns hold (a W3C line
    /// without a `#Fields:` directive): the rules may change a column so
    /// that it reads otherwise, and the engine reads a changed line again
    pub guessed: bool,
}

/// The request's spans a format notes while parsing: a whole request line
/// (`GET /a?b HTTP/1.1`, split by the record) or its parts as columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Http {
    /// A whole request line (`GET /a?b HTTP/1.1`).
    pub request: Option<Range<usize>>,
    /// The method, as a column.
    pub method: Option<Range<usize>>,
    /// a path, or a URL (Squid's), with or without its query
    pub path: Option<Range<usize>>,
    /// The query, as a column.
    pub query: Option<Range<usize>>,
    /// The referer.
    pub referer: Option<Range<usize>>,
    /// The user agent.
    pub agent: Option<Range<usize>>,
}

impl Http {
    fn all(&mut self) -> [&mut Option<Range<usize>>; 6] {
        [
            &mut self.request,
            &mut self.method,
            &mut self.path,
            &mut self.query,
            &mut self.referer,
            &mut self.agent,
        ]
    }
}

impl Fields {
    /// Empties it for the next line (keeping its allocations).
    pub fn clear(&mut self) {
        self.list.clear();
        self.gaps = None;
        self.dash_users = false;
        self.time = None;
        self.status = None;
        self.bytes = None;
        self.client = None;
        self.user = None;
        self.repeats = 0;
        self.guessed = false;
        if self.http != Http::default() {
            self.http = Http::default();
        }
    }

    /// Moves every range by `p` bytes (a line found after a prefix).
    pub(crate) fn shift(&mut self, p: usize) {
        let mv = |r: &mut Range<usize>| *r = r.start + p..r.end + p;
        self.list.iter_mut().for_each(|(r, _)| mv(r));
        for r in [
            &mut self.time,
            &mut self.status,
            &mut self.bytes,
            &mut self.client,
            &mut self.user,
        ]
        .into_iter()
        .chain(self.http.all())
        .flatten()
        {
            mv(r);
        }
    }

    /// Adds a field.
    pub fn push(&mut self, r: Range<usize>, role: Role) {
        self.list.push((r, role));
    }

    /// The client address: the one noted ([`Fields::client`]), else the
    /// first `Client` field.
    pub fn first_client(&self) -> Option<Range<usize>> {
        self.client.clone().or_else(|| {
            self.list
                .iter()
                .find(|(_, role)| *role == Role::Client)
                .map(|(r, _)| r.clone())
        })
    }
}

/// `r` without the double quotes around it, if it has them.
pub(crate) fn unquoted(line: &[u8], r: &Range<usize>) -> Range<usize> {
    let v = &line[r.clone()];
    if v.len() >= 2 && v[0] == b'"' && v[v.len() - 1] == b'"' {
        r.start + 1..r.end - 1
    } else {
        r.clone()
    }
}

/// Splits `line` into fields separated by `sep`, where a field starting with
/// `"` (or `[`) runs to its closing quote (bracket). Returns false when a quote
/// is not closed.
pub(crate) fn split_quoted(line: &[u8], sep: u8, out: &mut Vec<Range<usize>>) -> bool {
    out.clear();
    let mut i = 0;
    while i <= line.len() {
        let start = i;
        if i < line.len() && (line[i] == b'"' || line[i] == b'[') {
            let close = if line[i] == b'"' { b'"' } else { b']' };
            let mut k = i + 1;
            loop {
                match line[k.min(line.len())..].iter().position(|&b| b == close || b == b'\\') {
                    None => return false,
                    Some(d) => {
                        k += d;
                        if line[k] == b'\\' {
                            k += 2;
                            continue;
                        }
                        k += 1;
                        break;
                    }
                }
            }
            i = next_sep(line, k, sep);
        } else {
            i = next_sep(line, i, sep);
        }
        out.push(start..i);
        if i >= line.len() {
            break;
        }
        i += 1;
    }
    true
}

/// The offset of the next `sep` at or after `i`, or `line.len()`.
///
/// Hand-written SSE2, 16 bytes a step: fields are short (a W3C line is a
/// dozen of them), so memchr's setup costs more than the search, and a byte
/// loop cost five instructions a byte.
#[inline]
fn next_sep(line: &[u8], mut i: usize, sep: u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned
        // and stay within `line` (i + 16 <= len).
        unsafe {
            let want = _mm_set1_epi8(sep as i8);
            while i + 16 <= line.len() {
                let v = _mm_loadu_si128(line.as_ptr().add(i) as *const __m128i);
                let bits = _mm_movemask_epi8(_mm_cmpeq_epi8(v, want)) as u32;
                if bits != 0 {
                    return i + bits.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    while i < line.len() && line[i] != sep {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_split() {
        let mut v = Vec::new();
        let l = br#"a "b c" [d e] "f \" g" h"#;
        assert!(split_quoted(l, b' ', &mut v));
        let parts: Vec<&[u8]> = v.iter().map(|r| &l[r.clone()]).collect();
        assert_eq!(parts, [&b"a"[..], b"\"b c\"", b"[d e]", br#""f \" g""#, b"h"]);
        assert!(!split_quoted(b"a \"b", b' ', &mut v));
        // fields across the 16-byte steps, and a quoted one after them
        let l = b"0123456789abcdef0123 x  0123456789abcdefg \"q r\"";
        assert!(split_quoted(l, b' ', &mut v));
        let parts: Vec<&[u8]> = v.iter().map(|r| &l[r.clone()]).collect();
        assert_eq!(
            parts,
            [
                &b"0123456789abcdef0123"[..],
                b"x",
                b"",
                b"0123456789abcdefg",
                b"\"q r\""
            ]
        );
    }
}
