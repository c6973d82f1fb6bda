//! The per-line engine: bytes in, bytes out, no I/O.
//!
//! A line is recognised (see [`crate::formats`]); fields with a known role get
//! their rule (client address or host name, ident and user), and everything
//! that may hold personal data goes through the generic [`scan`]. Bytes that no
//! rule touches are copied unchanged, in spans, never byte by byte.

use std::ops::Range;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::addr::{self, AddrPolicy};
use crate::clean::{CleanCache, Lookup, MAX_LEN};
use crate::formats::fields::{Fields, Role};
use crate::formats::record::RoleWalk;
use crate::formats::w3c::Header;
use crate::formats::{clf, json, line_time, nested, recognise, Ctx, Format, Recognised};
use crate::kanon::{self, Client, Counts, Plan};

/// How deep JSON strings holding lines are followed (a line in a string in
/// a line); deeper ones are scanned as text.
const MAX_NESTING: u8 = 2;
use crate::keyed::{DayKeys, Identifiers, IpMode, KeyRing};
use crate::rules::Rules;
use crate::scan::{is_placeholder, scan, Kind, Sink, V4Form};
use crate::stats::Stats;

/// What to do with a line that no format recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUnparsed {
    /// apply the rules that need no parsing and keep the line
    #[default]
    Scrub,
    /// leave the line out (counted as dropped)
    Drop,
    /// stop with an error naming the line number
    Fail,
}

/// Everything that decides what a line becomes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The address prefixes, kept networks and deny-listed parameters.
    pub rules: Rules,
    /// How lines are recognised (`--format`; `auto` per line).
    pub format: Format,
    /// What happens to a line no format recognises (`--on-unparsed`).
    pub on_unparsed: OnUnparsed,
    /// `--max-age`: lines whose own time is before this Unix time are dropped
    pub not_before: Option<i64>,
    /// How addresses are pseudonymized (`--ip-mode`).
    pub ip_mode: IpMode,
    /// Whether user names and other identifiers are redacted or hashed.
    pub identifiers: Identifiers,
    /// the key of the keyed modes, read by the caller (`io::keys`)
    pub keys: Option<KeyRing>,
    /// `--w3c-fields`: the W3C columns of an input's lines before its first
    /// `#Fields:` directive (a file split into parts, a header-less export)
    pub w3c_fields: Option<Arc<Header>>,
    /// `--min-k`: the width of each network of each day (truncate mode)
    pub plan: Option<Arc<Plan>>,
    /// the client addresses of the lines anonymized are counted here, a
    /// chunk at a time (the k-anonymity report of `--stats`)
    pub counter: Option<Arc<Mutex<Counts>>>,
    /// the first pass of `--min-k`: lines are counted into `counter`, not
    /// anonymized
    pub count_only: bool,
    /// ... and copied to the output unchanged (a stream's spool)
    pub count_copy: bool,
}

impl Options {
    /// Sets the address and identifier modes and the key ring they need
    /// (the command line and the config file both come here, with the ring
    /// they read). `missing` is the message, worded for its source, when a
    /// keyed mode has no key.
    pub fn set_keys(
        &mut self,
        ip_mode: IpMode,
        identifiers: Identifiers,
        keys: Option<KeyRing>,
        missing: &str,
    ) -> Result<(), MissingKey> {
        if keys.is_none() && (ip_mode.keyed() || identifiers == Identifiers::Hash) {
            return Err(MissingKey(missing.to_string()));
        }
        self.ip_mode = ip_mode;
        self.identifiers = identifiers;
        self.keys = keys;
        Ok(())
    }

    /// The state an input starts with: the columns of `--w3c-fields` in
    /// force, or `header` (those of a `#Fields:` met earlier in the input).
    pub fn start(&self, header: Option<Arc<Header>>) -> Ctx {
        Ctx::with_header(header.or_else(|| self.w3c_fields.clone()))
    }

    /// Whether lines need the day's keys.
    pub fn keyed(&self) -> bool {
        self.keys.is_some() && (self.ip_mode.keyed() || self.identifiers == Identifiers::Hash)
    }
}

/// A keyed mode was asked for without a key; the message, worded for
/// where the options came from, is its text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MissingKey(pub String);

/// The outcome of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The line was written (anonymized).
    Written,
    /// The line was dropped (`--on-unparsed drop`, `--max-age`).
    Dropped,
    /// `--on-unparsed fail` met an unparsed line; nothing was written for it
    Unparsed,
}

/// `--on-unparsed fail` stopped at this line (1-based, counted from the start
/// of the input). The line itself is never part of the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnparsedLine(pub u64);

/// What a removed value becomes.
pub const REDACTED: &[u8] = b"REDACTED";

/// The anonymizing sink: copies the line in spans and writes replacements.
struct Rewriter<'a> {
    src: &'a [u8],
    out: &'a mut Vec<u8>,
    copied: usize,
    policy: &'a AddrPolicy,
    mode: IpMode,
    ids: Identifiers,
    /// the day's keys, when a keyed mode is on
    keys: Option<Rc<DayKeys>>,
    addresses: u64,
    identifiers: u64,
    /// spans removed (URL credentials, path parameters): they join neighbours
    removals: u64,
    /// a replacement touches bytes that could join it into a new finding
    /// (`REDACTED::100` reads as an address)
    glued: bool,
    /// how far the line was read for [`in_authority`]
    authority: Authority,
    /// where the scanned slice starts in `src`: findings of a value scanned
    /// on its own (see [`crate::clean`]) are offsets into it
    base: usize,
    /// a pass of [`Engine::settle`] over the first pass's output: in the
    /// keyed modes its addresses are pseudonyms already, never keyed twice
    settling: bool,
    /// `--min-k`'s widths, and the day of the line they are taken for
    plan: Option<&'a Plan>,
    wday: i64,
    /// client addresses are being counted, and this is the client field
    counting: bool,
    record: bool,
    clients: [Client; MAX_CLIENTS],
    n_clients: usize,
}

/// The client addresses of one line counted (a chain in the client field
/// past these is not: fewer counted is the safe side).
const MAX_CLIENTS: usize = 4;
const NO_CLIENT: Client = Client {
    v6: false,
    net: 0,
    hash: 0,
};

impl Rewriter<'_> {
    #[inline]
    fn copy_to(&mut self, pos: usize) {
        self.out.extend_from_slice(&self.src[self.copied..pos]);
        self.copied = pos;
    }

    /// Replaces `start..end` with `with`.
    #[inline]
    fn replace(&mut self, start: usize, end: usize, with: &[u8]) {
        self.copy_to(start);
        self.out.extend_from_slice(with);
        self.copied = end;
    }
}

impl Rewriter<'_> {
    /// Notes a client address (when counting, in the client field).
    #[inline]
    fn note_client(&mut self, c: Option<Client>) {
        if let Some(c) = c {
            if self.n_clients < MAX_CLIENTS {
                self.clients[self.n_clients] = c;
                self.n_clients += 1;
            }
        }
    }

    /// Truncation: the policy's, or `--min-k`'s width of the day.
    #[inline]
    fn trunc_v4(&self, a: u32) -> u32 {
        match self.plan {
            None => self.policy.truncate_v4(a),
            Some(p) => p.widen_v4(self.policy, self.wday, a),
        }
    }

    #[inline]
    fn trunc_v6(&self, a: u128) -> u128 {
        match self.plan {
            None => self.policy.truncate_v6(a),
            Some(p) => p.widen_v6(self.policy, self.wday, a),
        }
    }

    #[inline]
    fn new_v4(&self, a: u32) -> u32 {
        match (self.mode, &self.keys) {
            (IpMode::Truncate, _) => self.trunc_v4(a),
            (IpMode::Drop, _) => 0,
            // the first pass's pseudonyms (`hash` writes 240.0.0.0/4)
            (IpMode::Hash, Some(_)) if self.settling && a >> 28 == 0xf => a,
            (IpMode::CryptoPan, Some(_)) if self.settling => a,
            (mode, Some(k)) => k.v4(mode, a),
            // keyed mode without keys cannot happen (the CLI requires a key);
            // fail closed
            (_, None) => 0,
        }
    }

    #[inline]
    fn new_v6(&self, a: u128) -> u128 {
        if self.mode == IpMode::Truncate {
            return self.trunc_v6(a);
        }
        // IPv4-mapped and NAT64 keep their form; their IPv4 part follows the
        // IPv4 rule. 6to4 keeps its form too: its IPv4 part follows the IPv4
        // rule, and what follows it (subnet, interface) is zeroed.
        if let Some(v4) = addr::six_to_four_v4(a) {
            return (0x2002 << 112) | (u128::from(self.new_v4(v4)) << 80);
        }
        match addr::mapped_v4(a).or_else(|| addr::nat64_v4(a)) {
            Some(v4) => (a & !0xffff_ffff) | u128::from(self.new_v4(v4)),
            None => match (self.mode, &self.keys) {
                // the first pass's pseudonyms (`hash` writes fd00::/8)
                (IpMode::Hash, Some(_)) if self.settling && a >> 120 == 0xfd => a,
                (IpMode::CryptoPan, Some(_)) if self.settling => a,
                (IpMode::Hash | IpMode::CryptoPan, Some(k)) => k.v6(self.mode, a),
                _ => 0,
            },
        }
    }

    /// A reverse zone (a prefix) is truncated in every mode; under
    /// `--min-k` (truncate mode) to its network's width of the day.
    fn zone_v4(&self, a: u32) -> u32 {
        if self.mode == IpMode::Truncate {
            self.trunc_v4(a)
        } else {
            self.policy.truncate_v4(a)
        }
    }

    fn zone_v6(&self, a: u128) -> u128 {
        if self.mode == IpMode::Truncate {
            self.trunc_v6(a)
        } else {
            self.policy.truncate_v6(a)
        }
    }

    /// Notes whether the bytes around a replacement of `start..end` could
    /// join it into something new.
    #[inline]
    fn note_glue(&mut self, start: usize, end: usize) {
        // `REDACTED` ends in a hex digit: what follows may join it into an
        // address, a MAC, an email or an escape; before it, only an email's
        // `@`, a dot or an entity's `&` (`&REDACTED;`) can claim it
        let after = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'@' | b'-' | b'%' | b';');
        if (start > 0 && matches!(self.src[start - 1], b'@' | b'.' | b'&'))
            || self.src.get(end).is_some_and(|&b| after(b))
        {
            self.glued = true;
        }
        // a value inside a URL's authority that held URL structure (`/`,
        // `?`, `#`, `@`, or an escape of one) no longer splits what is around
        // it: `https://user=/&%40` becomes userinfo once `/` is gone
        // (a branch-free fold: most values hold none of these)
        let structure = self.src[start..end].iter().fold(false, |acc, &b| {
            acc | matches!(
                b,
                b'/' | b'?' | b'#' | b'@' | b'%' | b'\\' | b'[' | b']' | b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>'
            )
        });
        if structure && self.authority.before(self.src, start) {
            self.glued = true;
        }
    }

    /// An identifier's replacement: `REDACTED`, or its keyed hash.
    fn identifier(&mut self, start: usize, end: usize, hashable: bool) {
        self.note_glue(start, end);
        self.copy_to(start);
        match (self.keys.clone(), self.ids == Identifiers::Hash && hashable) {
            (Some(k), true) => k.id(&self.src[start..end], self.out),
            _ => self.out.extend_from_slice(REDACTED),
        }
        self.copied = end;
        self.identifiers += 1;
    }

    /// A number that is an identifier (JSON): the string `"REDACTED"` (or the
    /// quoted hash), so the document stays valid.
    fn quoted_identifier(&mut self, start: usize, end: usize) {
        self.copy_to(start);
        self.out.push(b'"');
        let at = self.out.len();
        match (self.keys.clone(), self.ids == Identifiers::Hash) {
            (Some(k), true) => k.id(&self.src[start..end], self.out),
            _ => self.out.extend_from_slice(REDACTED),
        }
        debug_assert!(self.out.len() > at);
        self.out.push(b'"');
        self.copied = end;
        self.identifiers += 1;
    }

    /// An IPv4 address written as an integer (JSON `"ip":3325256781`): the
    /// rewritten address as an integer.
    fn ipv4_number(&mut self, start: usize, end: usize, a: u32) {
        if self.record {
            self.note_client(kanon::client_v4(self.policy, a));
        }
        if self.policy.keeps_v4(a) {
            return;
        }
        let t = self.new_v4(a);
        self.replace(start, end, t.to_string().as_bytes());
        self.addresses += 1;
    }

    /// The ident or user field: `-`, or its keyed hash.
    fn user_field(&mut self, start: usize, end: usize) {
        match self.keys.clone() {
            Some(k) if self.ids == Identifiers::Hash => {
                self.copy_to(start);
                k.id(&self.src[start..end], self.out);
                self.copied = end;
                self.identifiers += 1;
            }
            _ => {
                self.replace(start, end, b"-");
                self.identifiers += 1;
            }
        }
    }
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

/// [`in_authority`] of the line up to one replacement after another, read
/// once: what it depends on is kept up to where the line was read (the last
/// `/`, and whether a `%2` or `\/` was met), so a line of many findings
/// costs no more than its length.
#[derive(Clone, Copy, Debug, Default)]
struct Authority {
    /// the line was read up to here
    upto: usize,
    /// its last `/` there
    slash: Option<usize>,
    /// a `%2` or `\/` lies whole before `upto`
    pair: bool,
}

impl Authority {
    /// [`in_authority`]`(&src[..start])`.
    fn before(&mut self, src: &[u8], start: usize) -> bool {
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

/// Writes `text` with each `sep` byte spelled `spelling` (an address found
/// behind escapes keeps the escapes of its separators: `198%2E51%2E100%2E0`).
fn write_spelled(out: &mut Vec<u8>, text: &[u8], sep: u8, spelling: Option<&[u8]>) {
    match spelling {
        None => out.extend_from_slice(text),
        Some(sp) => {
            for part in text.split_inclusive(|&b| b == sep) {
                match part.strip_suffix(&[sep]) {
                    Some(p) => {
                        out.extend_from_slice(p);
                        out.extend_from_slice(sp);
                    }
                    None => out.extend_from_slice(part),
                }
            }
        }
    }
}

impl Sink for Rewriter<'_> {
    fn ipv4(&mut self, start: usize, end: usize, a: u32, sep: Option<&[u8]>) {
        let (start, end) = (start + self.base, end + self.base);
        if self.record {
            self.note_client(kanon::client_v4(self.policy, a));
        }
        if self.policy.keeps_v4(a) {
            return;
        }
        let t = self.new_v4(a);
        if t == a {
            return;
        }
        self.copy_to(start);
        match sep {
            None => addr::write_v4(self.out, t),
            Some(_) => {
                let mut text = Vec::with_capacity(16);
                addr::write_v4(&mut text, t);
                write_spelled(self.out, &text, b'.', sep);
            }
        }
        self.copied = end;
        self.addresses += 1;
    }

    fn ipv6(&mut self, start: usize, end: usize, a: u128, sep: Option<&[u8]>, zone_end: usize) {
        let (start, end, zone_end) = (start + self.base, end + self.base, zone_end + self.base);
        if self.record {
            self.note_client(kanon::client_v6(self.policy, a));
        }
        if self.policy.keeps_v6(a) {
            return;
        }
        let t = self.new_v6(a);
        if t == a && zone_end == end {
            return;
        }
        self.copy_to(start);
        match sep {
            None => addr::write_v6(self.out, t),
            Some(_) => {
                let mut text = Vec::with_capacity(48);
                addr::write_v6(&mut text, t);
                write_spelled(self.out, &text, b':', sep);
            }
        }
        // a `:` after a replacement that ends in `::` makes a `:::` run
        // (`2001:db8::1:%2` -> `2001:db8:::%2`), read anew on the next run
        if self.src.get(zone_end) == Some(&b':') {
            self.glued = true;
        }
        self.copied = zone_end;
        self.addresses += 1;
    }

    fn ipv4_form(&mut self, start: usize, end: usize, a: u32, form: V4Form, sep: Option<&[u8]>) {
        let (start, end) = (start + self.base, end + self.base);
        if self.policy.keeps_v4(a) {
            return;
        }
        let t = match form {
            // a reverse zone (fewer than four labels) is a prefix: truncated
            V4Form::Reversed { labels } if labels < 4 => self.zone_v4(a),
            _ => self.new_v4(a),
        };
        if t == a {
            return;
        }
        self.copy_to(start);
        let octet = |k: u8| (t >> (24 - 8 * u32::from(k))) & 0xff;
        match form {
            V4Form::Dashed => {
                let mut text = Vec::with_capacity(16);
                addr::write_v4(&mut text, t);
                write_spelled(self.out, &text, b'.', Some(sep.unwrap_or(b"-")));
            }
            V4Form::Reversed { labels } => {
                for k in (0..labels).rev() {
                    self.out.extend_from_slice(octet(k).to_string().as_bytes());
                    if k > 0 {
                        self.out.extend_from_slice(sep.unwrap_or(b"."));
                    }
                }
            }
            V4Form::Decimal => self.out.extend_from_slice(t.to_string().as_bytes()),
            V4Form::Hex { digits, upper } => {
                let w = usize::from(digits);
                let text = if upper {
                    format!("{t:0w$X}")
                } else {
                    format!("{t:0w$x}")
                };
                self.out.extend_from_slice(text.as_bytes());
            }
        }
        self.copied = end;
        self.addresses += 1;
    }

    fn ip6_nibbles(&mut self, start: usize, end: usize, a: u128, nibbles: u8, upper: bool, sep: Option<&[u8]>) {
        let (start, end) = (start + self.base, end + self.base);
        if nibbles == 32 && self.policy.keeps_v6(a) {
            return;
        }
        let t = if nibbles == 32 {
            self.new_v6(a)
        } else {
            // a reverse zone is a prefix: truncated
            self.zone_v6(a)
        };
        if t == a {
            return;
        }
        self.copy_to(start);
        let digits: &[u8; 16] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        for k in (0..u32::from(nibbles)).rev() {
            self.out.push(digits[((t >> (124 - 4 * k)) & 0xf) as usize]);
            if k > 0 {
                self.out.extend_from_slice(sep.unwrap_or(b"."));
            }
        }
        self.copied = end;
        self.addresses += 1;
    }

    fn redact(&mut self, start: usize, end: usize, kind: Kind) {
        let (start, end) = (start + self.base, end + self.base);
        let hashable = matches!(kind, Kind::Email | Kind::Mac | Kind::Param | Kind::UserField);
        self.identifier(start, end, hashable);
    }

    fn remove(&mut self, start: usize, end: usize, _kind: Kind) {
        let (start, end) = (start + self.base, end + self.base);
        self.replace(start, end, b"");
        self.identifiers += 1;
        self.removals += 1;
    }
}

/// The first pass's sink: the addresses of a client field, nothing else.
struct ClientSink<'a> {
    policy: &'a AddrPolicy,
    clients: [Client; MAX_CLIENTS],
    n: usize,
}

impl ClientSink<'_> {
    fn note(&mut self, c: Option<Client>) {
        if let Some(c) = c {
            if self.n < MAX_CLIENTS {
                self.clients[self.n] = c;
                self.n += 1;
            }
        }
    }
}

impl Sink for ClientSink<'_> {
    fn ipv4(&mut self, _: usize, _: usize, a: u32, _: Option<&[u8]>) {
        self.note(kanon::client_v4(self.policy, a));
    }
    fn ipv6(&mut self, _: usize, _: usize, a: u128, _: Option<&[u8]>, _: usize) {
        self.note(kanon::client_v6(self.policy, a));
    }
    fn ipv4_form(&mut self, _: usize, _: usize, _: u32, _: V4Form, _: Option<&[u8]>) {}
    fn ip6_nibbles(&mut self, _: usize, _: usize, _: u128, _: u8, _: bool, _: Option<&[u8]>) {}
    fn redact(&mut self, _: usize, _: usize, _: Kind) {}
    fn remove(&mut self, _: usize, _: usize, _: Kind) {}
}

/// Top-level labels of local networks (home routers, corporate DNS,
/// RFC 6762 and RFC 8375 names): under them the label before the last
/// names a device (`johns-iphone.lan`), not an organisation.
fn is_local_tld(l: &[u8]) -> bool {
    const LOCAL: &[&[u8]] = &[
        b"lan",
        b"local",
        b"localdomain",
        b"home",
        b"internal",
        b"intranet",
        b"corp",
        b"private",
        b"localnet",
        b"workgroup",
    ];
    LOCAL.iter().any(|t| t.eq_ignore_ascii_case(l))
}

/// A client slot holding a host name (HostnameLookups) rather than an address:
/// the offset where what is kept starts: its last two labels, when it has more
/// than two, or only its last label when that is a local network's
/// (`johns-iphone.lan` becomes `lan`).
pub(crate) fn hostname_cut(h: &[u8]) -> Option<usize> {
    // one pass: only letters, digits, dots and dashes, at least one letter
    let mut alpha = false;
    for &b in h {
        if b.is_ascii_alphabetic() {
            alpha = true;
        } else if !(b.is_ascii_digit() || b == b'.' || b == b'-') {
            return None;
        }
    }
    if !alpha {
        return None;
    }
    let h = h.strip_suffix(b".").unwrap_or(h);
    let last = memchr::memrchr(b'.', h)?;
    if is_local_tld(&h[last + 1..]) {
        return Some(last + 1);
    }
    let second = memchr::memrchr(b'.', &h[..last])?;
    Some(second + 1)
}

/// The ident and user fields of a CLF line become `-`.
/// The roles of a CLF head as fields: vhost scanned, client, ident and
/// user; what lies between them is scanned.
fn head_fields(vhost: Option<Range<usize>>, client: Range<usize>, ident: Range<usize>, user: Range<usize>) -> Fields {
    let mut f = Fields {
        gaps: Some(Role::Generic),
        ..Fields::default()
    };
    if let Some(v) = vhost {
        f.push(v, Role::Generic);
    }
    f.push(client, Role::Client);
    f.push(ident, Role::User);
    f.push(user, Role::User);
    f
}

/// A line found in a string, without the `\n` or `\r\n` it ends with.
fn without_line_end(t: &[u8]) -> &[u8] {
    let t = t.strip_suffix(b"\n").unwrap_or(t);
    t.strip_suffix(b"\r").unwrap_or(t)
}

fn blank_user_fields(body: &[u8], ident: &Range<usize>, user: &Range<usize>, rw: &mut Rewriter) {
    for f in [ident, user] {
        let v = &body[f.clone()];
        if v != b"-" && !crate::keyed::is_hashed_id(v) {
            rw.user_field(f.start, f.end);
        }
    }
}

/// The anonymizer: immutable once built, shared by all threads.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    /// What decides what a line becomes.
    pub opts: Options,
}

impl Engine {
    /// An engine with these options (the default: truncation, `auto`).
    pub fn new(opts: Options) -> Self {
        Engine { opts }
    }

    /// A rewriter for one line; `time` is the line's own time, whose date
    /// selects the day's keys (`day`, the processing date, when it has none).
    fn rewriter<'a>(&'a self, src: &'a [u8], out: &'a mut Vec<u8>, time: Option<i64>, day: i64) -> Rewriter<'a> {
        let wday = time.map_or(day, |t| t.div_euclid(86400));
        let keys = match &self.opts.keys {
            Some(ring) if self.opts.keyed() => Some(ring.for_day(time.map_or(day, |t| t.div_euclid(86400)))),
            _ => None,
        };
        Rewriter {
            src,
            out,
            copied: 0,
            policy: &self.opts.rules.addr,
            mode: self.opts.ip_mode,
            ids: self.opts.identifiers,
            keys,
            addresses: 0,
            identifiers: 0,
            removals: 0,
            glued: false,
            authority: Authority::default(),
            base: 0,
            settling: false,
            plan: self.opts.plan.as_deref(),
            wday,
            counting: false,
            record: false,
            clients: [NO_CLIENT; MAX_CLIENTS],
            n_clients: 0,
        }
    }

    /// Anonymizes one line (without its `\n`; a trailing `\r` is kept) and
    /// appends the result to `out`. Without line-to-line state: W3C columns
    /// set by a directive apply through [`Engine::line_in`]. A line without a
    /// readable time takes the keys of day 0 (1970-01-01) in the keyed modes:
    /// the commands pass the processing day through [`Engine::line_in`].
    pub fn line(&self, line: &[u8], out: &mut Vec<u8>, stats: &mut Stats) -> Outcome {
        self.line_in(line, 0, &mut Ctx::default(), out, stats)
    }

    /// [`Engine::line`] with the state carried from line to line, and `day`
    /// (days since 1970, the processing date, which the caller reads from its
    /// clock) for a line without a readable time in the keyed modes.
    #[inline]
    pub fn line_in(&self, line: &[u8], day: i64, ctx: &mut Ctx, out: &mut Vec<u8>, stats: &mut Stats) -> Outcome {
        self.line_counted(line, day, ctx, out, stats, None)
    }

    /// [`Engine::line_in`], counting the line's client addresses into
    /// `counts` when given.
    #[inline]
    fn line_counted(
        &self,
        line: &[u8],
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
        counts: Option<&mut Counts>,
    ) -> Outcome {
        stats.lines_read += 1;
        let (body, cr) = match line.last() {
            Some(b'\r') => (&line[..line.len() - 1], true),
            _ => (line, false),
        };
        let rules = &self.opts.rules;
        let rec = recognise(&self.opts.format, body, &rules.deny, ctx);
        // the line's own time, read only when something needs it
        let time =
            if self.opts.not_before.is_some() || self.opts.keyed() || self.opts.plan.is_some() || counts.is_some() {
                line_time(&self.opts.format, &rec, body, ctx)
            } else {
                None
            };
        if let (Some(cut), Some(p)) = (self.opts.not_before, rec.parsed()) {
            if !matches!(rec, Recognised::Directive { .. }) {
                match time {
                    Some(t) if t < cut => {
                        stats.parsed[p.index()] += 1;
                        stats.expired += 1;
                        stats.dropped += 1;
                        return Outcome::Dropped;
                    }
                    Some(_) => {}
                    None => stats.undated += 1,
                }
            }
        }
        let mark = out.len();
        let mut rw = self.rewriter(body, out, time, day);
        rw.counting = counts.is_some() && matches!(rec, Recognised::Clf(_) | Recognised::Fields(_));
        match &rec {
            // the one role walk (shared with `check` and the records): a rule
            // per role along it, and the gaps scanned or kept
            Recognised::Clf(_) | Recognised::Fields(_) => {
                let walk = RoleWalk::of(&rec, body, &ctx.fields);
                self.apply_walk(body, &walk, 0..body.len(), &mut rw, 0, Some(&mut ctx.clean));
            }
            // column names hold nothing the rules take, so a `#Fields:` line
            // is scanned too: what it holds besides names goes (fail closed)
            Recognised::Directive { .. } => scan(body, 0, body.len(), rules, &mut rw),
            Recognised::Unparsed => {
                stats.unparsed += 1;
                if self.opts.not_before.is_some() {
                    stats.undated += 1;
                }
                match self.opts.on_unparsed {
                    OnUnparsed::Scrub => self.scrub_broken(body, ctx, &mut rw),
                    OnUnparsed::Drop => {
                        stats.dropped += 1;
                        return Outcome::Dropped;
                    }
                    OnUnparsed::Fail => return Outcome::Unparsed,
                }
            }
        }
        if let Some(p) = rec.parsed() {
            stats.parsed[p.index()] += 1;
        }
        rw.copy_to(body.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        if let Some(c) = counts {
            for (k, &client) in rw.clients[..rw.n_clients].iter().enumerate() {
                c.add(rw.wday, client, k == 0);
            }
        }
        let wday = rw.wday;
        if rw.removals > 0 || rw.glued || (rw.identifiers > 0 && memchr::memchr(b'@', &out[mark..]).is_some()) {
            self.settle(out, mark, time, day, wday, stats);
        }
        if cr {
            out.push(b'\r');
        }
        stats.lines_written += 1;
        Outcome::Written
    }

    /// A field that repeats from line to line (a user agent, a request, a
    /// referer), with the byte before it, scanned on its own: skipped when the cache knows it as
    /// clean, remembered when scanning it changed nothing.
    /// `plain` says whether a value not in the cache may be scanned apart;
    /// false when it was not (the caller takes it another way).
    fn clean_value(
        &self,
        body: &[u8],
        q: Range<usize>,
        cache: &mut CleanCache,
        rw: &mut Rewriter,
        plain: impl Fn(&[u8]) -> bool,
    ) -> bool {
        let v = &body[q.clone()];
        let Lookup::Miss(h) = cache.lookup(v) else {
            return true;
        };
        if !plain(v) {
            return false;
        }
        let (copied, written) = (rw.copied, rw.out.len());
        rw.base = q.start;
        scan(v, 1, v.len(), &self.opts.rules, rw);
        rw.base = 0;
        if rw.copied == copied && rw.out.len() == written {
            cache.insert(h, v);
        }
        true
    }

    /// An unparsed line (or the first piece of a line too long to hold): a
    /// CLF line with a broken rest, or cut after its user field (after a
    /// prefix too), still has the roles of its head; JSON cut short or
    /// followed by text has the roles up to the break; the rest is scanned.
    fn scrub_broken(&self, body: &[u8], ctx: &mut Ctx, rw: &mut Rewriter) {
        let rules = &self.opts.rules;
        match clf::parse_broken(body) {
            // a CLF line with a broken rest, or cut after its user field
            // (after a prefix too): its head still has roles
            Some(h) => {
                // prefix, vhost and client in one piece: a pair may span
                // them (`"ip": x - bob [...`)
                scan(body, 0, h.client.end, rules, rw);
                blank_user_fields(body, &h.ident, &h.user, rw);
                scan(body, h.user.end, body.len(), rules, rw);
            }
            None => {
                let f = &mut ctx.fields;
                match json::object_start(body).and_then(|k| json::parse_lenient(body, k, &rules.deny, f)) {
                    Some(()) => self.apply_walk(body, &RoleWalk::fields(f), 0..body.len(), rw, 0, None),
                    None => scan(body, 0, body.len(), rules, rw),
                }
            }
        }
    }

    /// The client field: a host name keeps its last two labels; anything else
    /// (an address, a chain, `unix:`) is scanned.
    fn client(&self, body: &[u8], r: Range<usize>, rw: &mut Rewriter) {
        let v = &body[r.clone()];
        // Most client fields are one address and nothing else: written
        // straight away, as the scanner would (it finds the same address
        // with the same bounds), without its setup per span.
        if let Some((a, e)) = addr::parse_v4_at(v, 0) {
            if e == v.len() {
                return rw.ipv4(r.start, r.end, a, None);
            }
        } else if v.len() > 2 && v.contains(&b':') {
            if let Some(a) = addr::parse_v6(v) {
                return rw.ipv6(r.start, r.end, a, None, r.end);
            }
        }
        match hostname_cut(v) {
            Some(cut) => {
                rw.replace(r.start, r.start + cut, b"");
                rw.addresses += 1;
            }
            None => scan(body, r.start, r.end, &self.opts.rules, rw),
        }
    }

    /// Applies the rule of each field's role; bytes between fields are
    /// scanned or kept, as the format says. `f` lies within `within`, and
    /// so do the gaps. `depth` counts the JSON strings this line was found in.
    #[inline(never)]
    fn apply_walk(
        &self,
        body: &[u8],
        walk: &RoleWalk,
        within: Range<usize>,
        rw: &mut Rewriter,
        depth: u8,
        mut clean: Option<&mut CleanCache>,
    ) {
        let rules = &self.opts.rules;
        let gaps = walk.gaps == Some(Role::Generic);
        // the fields that repeat (a user agent; a CLF request and referer),
        // scanned apart through the cache of clean values (the byte before
        // each, a quote or a separator, is its context)
        let cached = clean.is_some();
        let is_apart = |k: usize, r: &Range<usize>| cached && walk.is_apart(k, r);
        let (list, skip_empty) = walk.list();
        let mut pos = within.start;
        let mut k = 0;
        while k < list.len() {
            let (r, role) = &list[k];
            if skip_empty && r.is_empty() {
                k += 1;
                continue;
            }
            if gaps && r.start > pos {
                scan(body, pos, r.start, rules, rw);
            }
            k += 1;
            if matches!(role, Role::Generic | Role::GenericEscaped) && is_apart(k - 1, r) {
                // (a short value that holds nothing, `-` say, is skipped
                // straight away)
                if crate::scan::is_inert(&body[r.clone()]) {
                    pos = r.end;
                    continue;
                }
                if let Some(cache) = clean.as_deref_mut().filter(|_| r.start > 0 && r.len() < MAX_LEN) {
                    // (a JSON value that may nest a line takes the nested
                    // path: it is never remembered, so a hit never holds one;
                    // other fields nest nothing)
                    let escaped = *role == Role::GenericEscaped;
                    if self.clean_value(body, r.start - 1..r.end, cache, rw, |v| {
                        !(escaped && nested::may_nest(&v[1..]))
                    }) {
                        pos = r.end;
                        continue;
                    }
                }
            }
            if *role == Role::Generic {
                // one scan over a run of generic fields and the separators
                // between them (costs less than a scan per field)
                let mut end = r.end;
                while k < list.len() && list[k].1 == Role::Generic && !is_apart(k, &list[k].0) {
                    if !(skip_empty && list[k].0.is_empty()) {
                        end = list[k].0.end;
                    }
                    k += 1;
                }
                if !crate::scan::is_inert(&body[r.start..end]) {
                    scan(body, r.start, end, rules, rw);
                }
                pos = end;
                continue;
            }
            let v = &body[r.clone()];
            match role {
                Role::Client => {
                    rw.record = rw.counting && depth == 0;
                    self.client(body, r.clone(), rw);
                    rw.record = false;
                }
                // a CLF user or ident becomes `-` unless it is `-` or a
                // hashed id; any other user unless it is a placeholder
                Role::User if walk.is_clf() => {
                    if v != b"-" && !crate::keyed::is_hashed_id(v) {
                        rw.user_field(r.start, r.end);
                    }
                }
                Role::User => {
                    if !is_placeholder(v) {
                        rw.user_field(r.start, r.end);
                    }
                }
                Role::Secret => {
                    if !is_placeholder(v) {
                        rw.identifier(r.start, r.end, true);
                    }
                }
                Role::SecretNumber => rw.quoted_identifier(r.start, r.end),
                Role::ClientNumber => match std::str::from_utf8(v).ok().and_then(|t| t.parse::<u32>().ok()) {
                    Some(a) => {
                        rw.record = rw.counting && depth == 0;
                        rw.ipv4_number(r.start, r.end, a);
                        rw.record = false;
                    }
                    None => rw.quoted_identifier(r.start, r.end),
                },
                Role::Time | Role::Verbatim => {}
                Role::GenericEscaped => {
                    if !(depth < MAX_NESTING && nested::may_nest(v) && self.nested(body, r.clone(), rw, depth)) {
                        scan(body, r.start, r.end, rules, rw)
                    }
                }
                Role::Generic => scan(body, r.start, r.end, rules, rw),
            }
            pos = r.end;
        }
        if gaps && pos < within.end {
            scan(body, pos, within.end, rules, rw);
        }
    }

    /// A JSON string value at `r` that holds a whole line or a serialized
    /// object (a Docker `log` record, a `msg` of escaped JSON, a logged
    /// request body): its escapes are undone, the inner line is recognised,
    /// and the roles of its fields apply to the source bytes they came from.
    /// False when the value is no line of a known format.
    #[cold]
    #[inline(never)]
    fn nested(&self, body: &[u8], r: Range<usize>, rw: &mut Rewriter, depth: u8) -> bool {
        let rules = &self.opts.rules;
        let mut u = nested::Unescaped::default();
        let mut ctx = Ctx::default();
        // a line escaped more than once (a JSON log in a Docker record)
        // is unescaped until it is recognised, three times at most
        let mut rec = Recognised::Unparsed;
        for layer in 0..3 {
            if layer == 0 {
                u.unescape(&body[r.clone()]);
            } else if !u.unescape_again() {
                break;
            }
            rec = recognise(&Format::Auto, without_line_end(&u.text), &rules.deny, &mut ctx);
            if matches!(rec, Recognised::Clf(_) | Recognised::Fields(_)) {
                break;
            }
        }
        let inner = match rec {
            Recognised::Clf(l) => head_fields(l.vhost, l.client, l.ident, l.user),
            Recognised::Fields(_) => ctx.fields,
            // a broken or cut CLF line in the string: its head's roles; an
            // object after text or cut short: its roles up to the break
            _ => {
                let text = without_line_end(&u.text);
                let object = memchr::memmem::find(text, b"{\"");
                if let Some(()) = object.and_then(|k| json::parse_lenient(text, k, &rules.deny, &mut ctx.fields)) {
                    ctx.fields
                } else {
                    let Some(h) = clf::parse_broken(text) else {
                        return false;
                    };
                    head_fields(h.vhost, h.client, h.ident, h.user)
                }
            }
        };
        // the inner fields as spans of the source, in order
        let mut f = Fields {
            gaps: Some(Role::Generic),
            ..Fields::default()
        };
        let mut pos = r.start;
        for (ir, role) in &inner.list {
            if ir.is_empty() {
                continue;
            }
            let (s, e) = (
                r.start + u.src[ir.start].0 as usize,
                r.start + u.src[ir.end - 1].1 as usize,
            );
            let s = s.max(pos);
            if e <= s {
                continue;
            }
            f.push(s..e, *role);
            pos = e;
        }
        if f.list.is_empty() {
            // nothing of the inner line mapped back: the value is scanned
            // as text by the caller
            return false;
        }
        // bytes of the value between and after the inner fields (the `\n`
        // of a Docker record, what a format leaves between its fields) are
        // scanned: the gaps are generic
        self.apply_walk(body, &RoleWalk::fields(&f), r, rw, depth + 1, None);
        true
    }

    /// A redaction or removal can bring bytes together into something new
    /// (`https://user=/&u:p@h` loses its `/`, and `u:p@` becomes userinfo).
    /// Lines where that is possible (a span was removed, or an identifier
    /// was rewritten and an `@` remains) are scanned again until nothing changes, so the output is
    /// always a fixed point: anonymizing it again, or checking it, finds
    /// nothing. At most three more passes; the rules only ever shorten a line
    /// or keep its length, so this settles at once in practice.
    #[cold]
    #[inline(never)]
    fn settle(&self, out: &mut Vec<u8>, mark: usize, time: Option<i64>, day: i64, wday: i64, stats: &mut Stats) {
        let mut again = Vec::new();
        for _ in 0..3 {
            again.clear();
            let line = &out[mark..];
            // the passes take the keys of the line's own day, as the first
            // one did (the processing date `day` only for an undated line):
            // a re-run on another day gives the same output
            let mut rw = self.rewriter(line, &mut again, time, day);
            rw.settling = true;
            // (`--min-k`'s widths are the line's own day's)
            rw.wday = wday;
            scan(line, 0, line.len(), &self.opts.rules, &mut rw);
            let (addresses, identifiers) = (rw.addresses, rw.identifiers);
            if addresses + identifiers == 0 {
                return;
            }
            rw.copy_to(line.len());
            stats.addresses += addresses;
            stats.identifiers += identifiers;
            out.truncate(mark);
            out.extend_from_slice(&again);
        }
    }

    /// Scrubs a piece of a line too long to hold whole (see
    /// the I/O layer's `LONG_LINE`) with the rules that need no parsing.
    /// The caller counts the line once; `day` is the processing date (see
    /// [`Engine::line_in`]).
    pub fn fragment(&self, piece: &[u8], day: i64, out: &mut Vec<u8>, stats: &mut Stats) {
        if self.opts.count_only {
            // not counted (fewer counted is the safe side), handed on as it came
            if self.opts.count_copy {
                out.extend_from_slice(piece);
            }
            return;
        }
        let mut rw = self.rewriter(piece, out, None, day);
        scan(piece, 0, piece.len(), &self.opts.rules, &mut rw);
        rw.copy_to(piece.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        stats.bytes_in += piece.len() as u64;
    }

    /// The first piece of a line too long to hold: as [`Engine::fragment`],
    /// but the head of a CLF line keeps its roles (its ident and user fields
    /// are blanked, as in an unparsed line), and so do the keys of a JSON
    /// object up to the cut.
    pub fn first_fragment(&self, piece: &[u8], day: i64, out: &mut Vec<u8>, stats: &mut Stats) {
        if self.opts.count_only {
            if self.opts.count_copy {
                out.extend_from_slice(piece);
            }
            return;
        }
        let mut rw = self.rewriter(piece, out, None, day);
        self.scrub_broken(piece, &mut Ctx::default(), &mut rw);
        rw.copy_to(piece.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        stats.bytes_in += piece.len() as u64;
    }

    /// Anonymizes a chunk of whole lines. A last line without `\n` is processed
    /// and written without one. `first_line` is the 1-based number of the
    /// chunk's first line, for the `--on-unparsed fail` error; `day` the
    /// processing date of its lines without a readable time (see
    /// [`Engine::line_in`]). On that error, `out` holds the lines before the
    /// failing one.
    pub fn chunk(
        &self,
        chunk: &[u8],
        first_line: u64,
        day: i64,
        out: &mut Vec<u8>,
        stats: &mut Stats,
    ) -> Result<(), UnparsedLine> {
        self.chunk_in(chunk, first_line, day, &mut self.opts.start(None), out, stats)
    }

    /// [`Engine::chunk`] starting from the state `ctx` (the W3C columns in
    /// force where the chunk begins).
    pub fn chunk_in(
        &self,
        chunk: &[u8],
        first_line: u64,
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
    ) -> Result<(), UnparsedLine> {
        out.reserve(chunk.len() + chunk.len() / 16);
        stats.bytes_in += chunk.len() as u64;
        let before = out.len();
        // the chunk's own counts, added to the shared ones at its end
        let mut counts = self.opts.counter.as_ref().map(|c| match c.lock() {
            Ok(g) => g.empty_like(),
            Err(p) => p.into_inner().empty_like(),
        });
        let mut start = 0;
        let mut no = first_line;
        // one search for `\r` per chunk: most logs hold none, and their lines
        // are then split at `\n` alone (a two-byte search per line cost more)
        let cr = memchr::memchr(b'\r', chunk).is_some();
        let result = loop {
            if start >= chunk.len() {
                break Ok(());
            }
            // a line ends at `\n`, `\r\n` (the `\r` stays with the line, as
            // line_in expects) or a lone `\r` (old Mac line endings)
            let found = if cr {
                memchr::memchr2(b'\n', b'\r', &chunk[start..])
            } else {
                memchr::memchr(b'\n', &chunk[start..])
            };
            let (end, next, eol) = match found {
                Some(k) => {
                    let p = start + k;
                    if chunk[p] == b'\n' {
                        (p, p + 1, b'\n')
                    } else if chunk.get(p + 1) == Some(&b'\n') {
                        (p + 1, p + 2, b'\n')
                    } else {
                        (p, p + 1, b'\r')
                    }
                }
                None => (chunk.len(), chunk.len(), b'\n'),
            };
            if self.opts.count_only {
                if let Some(c) = counts.as_mut() {
                    self.count_line(&chunk[start..end], day, ctx, c);
                }
                start = next;
                no += 1;
                continue;
            }
            match self.line_counted(&chunk[start..end], day, ctx, out, stats, counts.as_mut()) {
                Outcome::Written => {
                    if next > end {
                        out.push(eol);
                    }
                }
                Outcome::Dropped => {}
                Outcome::Unparsed => break Err(UnparsedLine(no)),
            }
            start = next;
            no += 1;
        };
        if self.opts.count_only && self.opts.count_copy {
            // the first pass hands its input on as it came (a spool of stdin)
            out.extend_from_slice(chunk);
        }
        if let (Some(mut mine), Some(shared)) = (counts, self.opts.counter.as_ref()) {
            match shared.lock() {
                Ok(mut g) => g.merge(&mut mine),
                Err(p) => p.into_inner().merge(&mut mine),
            }
        }
        stats.bytes_out += (out.len() - before) as u64;
        result
    }

    /// The first pass of `--min-k`: the client addresses of one line, as
    /// the anonymizing pass finds them (the client field of a recognised
    /// line, not of a line nested in a JSON string), unless `--max-age`
    /// drops the line.
    pub fn count_line(&self, line: &[u8], day: i64, ctx: &mut Ctx, counts: &mut Counts) {
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let rules = &self.opts.rules;
        let rec = recognise(&self.opts.format, body, &rules.deny, ctx);
        if !matches!(rec, Recognised::Clf(_) | Recognised::Fields(_)) {
            return;
        }
        let time = line_time(&self.opts.format, &rec, body, ctx);
        if let (Some(cut), Some(t)) = (self.opts.not_before, time) {
            if t < cut {
                return;
            }
        }
        let wday = time.map_or(day, |t| t.div_euclid(86400));
        let walk = RoleWalk::of(&rec, body, &ctx.fields);
        let (list, _) = walk.list();
        let mut sink = ClientSink {
            policy: &rules.addr,
            clients: [NO_CLIENT; MAX_CLIENTS],
            n: 0,
        };
        for (r, role) in list {
            let v = &body[r.clone()];
            match role {
                Role::Client => {
                    if let Some((a, e)) = addr::parse_v4_at(v, 0) {
                        if e == v.len() {
                            sink.ipv4(r.start, r.end, a, None);
                            continue;
                        }
                    } else if v.len() > 2 && v.contains(&b':') {
                        if let Some(a) = addr::parse_v6(v) {
                            sink.ipv6(r.start, r.end, a, None, r.end);
                            continue;
                        }
                    }
                    if hostname_cut(v).is_none() {
                        scan(body, r.start, r.end, rules, &mut sink);
                    }
                }
                Role::ClientNumber => {
                    if let Some(a) = std::str::from_utf8(v).ok().and_then(|t| t.parse::<u32>().ok()) {
                        sink.ipv4(r.start, r.end, a, None);
                    }
                }
                _ => {}
            }
        }
        for (k, &c) in sink.clients[..sink.n].iter().enumerate() {
            counts.add(wday, c, k == 0);
        }
    }
}

/// Convenience for tests and examples: anonymizes one line with default options.
pub fn anonymize_line(engine: &Engine, line: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stats = Stats::default();
    engine.line(line, &mut out, &mut stats);
    out
}

/// A keyed engine and lines for the tests of the day of undated lines
/// (here and in the commands that pass it: the `loganon` crate's tests
/// turn on the `testing` feature).
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing {
    use super::*;
    use crate::keyed::{MasterKey, Rotate};

    /// `--ip-mode hash --identifiers hash`, a fixed key, a key per day.
    pub fn hashing() -> Engine {
        let mut opts = Options::default();
        let ring = KeyRing::new(MasterKey([9; 32]), Rotate::Daily);
        opts.set_keys(IpMode::Hash, Identifiers::Hash, Some(ring), "no key")
            .unwrap();
        Engine::new(opts)
    }

    /// A line without a readable time: its day is the processing date.
    pub const UNDATED: &str = "connect from 203.0.113.9";
    /// A line of its own day (2026-12-01).
    pub const DATED: &str = "203.0.113.9 - alice [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5";
    /// 2026-12-05 23:59:59 UTC and, a second later, the next day.
    pub const BEFORE_MIDNIGHT: i64 = 20792 * 86400 + 86399;
    pub const AFTER_MIDNIGHT: i64 = BEFORE_MIDNIGHT + 1;

    /// `line` through `e` on `day`.
    pub fn on_day(e: &Engine, line: &str, day: i64) -> String {
        let mut out = Vec::new();
        e.line_in(
            line.as_bytes(),
            day,
            &mut Ctx::default(),
            &mut out,
            &mut Stats::default(),
        );
        String::from_utf8(out).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::DenyList;

    #[test]
    fn undated_lines_take_the_day_passed_dated_lines_their_own() {
        use testing::*;
        let e = hashing();
        let (d1, d2) = (BEFORE_MIDNIGHT.div_euclid(86400), AFTER_MIDNIGHT.div_euclid(86400));
        assert_eq!(d1 + 1, d2);
        let (u1, u2) = (on_day(&e, UNDATED, d1), on_day(&e, UNDATED, d2));
        assert!(!u1.contains("203.0.113.9") && !u2.contains("203.0.113.9"), "{u1} {u2}");
        assert_ne!(u1, u2, "an undated line takes the keys of the day passed");
        assert_eq!(u1, on_day(&e, UNDATED, d1), "the same day, the same pseudonym");
        let (a, b) = (on_day(&e, DATED, d1), on_day(&e, DATED, d2));
        assert_eq!(a, b, "a dated line keeps its own day's keys");
        assert!(!a.contains("alice") && !a.contains("203.0.113.9"), "{a}");
        // its own day is neither of the days passed
        let own = 20788;
        assert_eq!(a, on_day(&e, DATED, own));
        let undated_then = on_day(&e, UNDATED, own);
        assert_eq!(
            a.split(' ').next(),
            undated_then.rsplit(' ').next(),
            "the dated line's address pseudonym is its own day's"
        );
        // the chunk passes its day to every line
        let mut out = Vec::new();
        let chunk = format!("{UNDATED}\n{DATED}\n");
        e.chunk(chunk.as_bytes(), 1, d2, &mut out, &mut Stats::default())
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{u2}\n{a}\n"));
    }

    fn anon(line: &str) -> String {
        let e = Engine::default();
        String::from_utf8(anonymize_line(&e, line.as_bytes())).unwrap()
    }

    #[track_caller]
    fn same(line: &str) {
        assert_eq!(anon(line), line);
    }

    #[test]
    fn addresses_everywhere() {
        assert_eq!(anon("1.2.3.4:8080"), "1.2.3.0:8080");
        assert_eq!(anon("[2001:db8::1]:443"), "[2001:db8::]:443");
        assert_eq!(anon("::ffff:1.2.3.4"), "::ffff:1.2.3.0");
        assert_eq!(anon("fe80::1%eth0"), "fe80::");
        assert_eq!(anon("2001:0DB8:0000:0000:0008:0800:200C:417A"), "2001:db8::");
        assert_eq!(anon("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::");
        assert_eq!(anon("123.123.123.123"), "123.123.123.0");
        assert_eq!(anon("\"1.2.3.4, 5.6.7.8\""), "\"1.2.3.0, 5.6.7.0\"");
        assert_eq!(anon("a=2001%3adb8%3a85a3%3a1%3a%3a1&b"), "a=2001%3adb8%3a85a3%3a%3a&b");
    }

    #[test]
    fn not_addresses_left_alone() {
        same("Mozilla/5.0 Chrome/120.0.6099.109 Safari/537.36");
        same("1.2.3.256");
        same("version 1.2.3");
        same("[10/Oct/2000:13:55:36 -0700]");
        same("123.123.123.0");
    }

    #[test]
    fn identifiers() {
        assert_eq!(anon("GET /?email=a%40b.com&x=1"), "GET /?email=REDACTED&x=1");
        assert_eq!(anon("GET /a;jsessionid=ABC?x=1"), "GET /a?x=1");
        assert_eq!(anon("https://u:p@h/"), "https://h/");
        assert_eq!(anon("contact john@example.com now"), "contact REDACTED now");
        assert_eq!(anon("mac 00:1a:2b:3c:4d:5e"), "mac REDACTED");
        assert_eq!(anon("/pay?cc=4111111111111111&ok"), "/pay?cc=REDACTED&ok");
        assert_eq!(anon("/pay?n=4111111111111112"), "/pay?n=4111111111111112");
        assert_eq!(anon("/?PassWord=hunter2"), "/?PassWord=REDACTED");
    }

    #[test]
    fn combined_line() {
        let l = r#"83.149.9.216 - frank [17/May/2015:10:05:03 +0000] "GET /x?token=abc&page=2 HTTP/1.1" 200 203023 "http://a:b@semicomplete.com/?user=bob" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) Chrome/32.0.1700.77 Safari/537.36""#;
        assert_eq!(
            anon(l),
            r#"83.149.9.0 - - [17/May/2015:10:05:03 +0000] "GET /x?token=REDACTED&page=2 HTTP/1.1" 200 203023 "http://semicomplete.com/?user=REDACTED" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) Chrome/32.0.1700.77 Safari/537.36""#
        );
    }

    #[test]
    fn hostname_client_and_user_field() {
        let l = r#"dsl-84-12-3-5.dyn.example.net ident bob [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#;
        assert_eq!(
            anon(l),
            r#"example.net - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#
        );
        let l = r#"johns-iphone.lan - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#;
        assert_eq!(
            anon(l),
            r#"lan - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#
        );
        assert_eq!(hostname_cut(b"johns-iphone.home.LAN"), Some(18));
        assert_eq!(hostname_cut(b"lan"), None);
        assert_eq!(hostname_cut(b"localhost"), None);
        assert_eq!(hostname_cut(b"example.net"), None);
        assert_eq!(hostname_cut(b"1.2.3.4"), None);
    }

    #[test]
    fn addresses_inside_addresses() {
        // 6to4: the embedded IPv4 keeps its /24, what follows it goes
        assert_eq!(anon("x 2002:c633:6407::1 y"), "x 2002:c633:6400:: y");
        assert_eq!(anon("x 2002:C633:6407:1234::9 y"), "x 2002:c633:6400:: y");
        assert_eq!(anon("[2002:c633:6407::1]:443"), "[2002:c633:6400::]:443");
        // NAT64: the form stays, written as std writes it
        assert_eq!(anon("x 64:ff9b::198.51.100.7 y"), "x 64:ff9b::c633:6400 y");
        assert_eq!(anon("x 64:FF9B::C633:6407 y"), "x 64:ff9b::c633:6400 y");
        same("x 2002:c633:6400:: 64:ff9b::c633:6400 y");
        let mut o = Options::default();
        o.rules.addr = AddrPolicy::new(16, 48, &[]);
        let e = Engine::new(o);
        assert_eq!(
            anonymize_line(&e, b"2002:c633:6407::1 64:ff9b::198.51.100.7"),
            b"2002:c633:: 64:ff9b::c633:0"
        );
    }

    #[test]
    fn addresses_inside_names() {
        assert_eq!(
            anon("from dsl-84-12-3-5.dyn.example.net to ec2-54-12-34-56.compute-1.amazonaws.com"),
            "from dsl-84-12-3-0.dyn.example.net to ec2-54-12-34-0.compute-1.amazonaws.com"
        );
        assert_eq!(
            anon("54.12.34.56.nip.io ip-10-1-2-3.ec2.internal"),
            "54.12.34.0.nip.io ip-10-1-2-0.ec2.internal"
        );
        assert_eq!(anon("DSL-84-12-3-5.DYN.EXAMPLE.NET"), "DSL-84-12-3-0.DYN.EXAMPLE.NET");
        assert_eq!(anon("xdsl84-12-3-5.example.net"), "xdsl84-12-3-0.example.net");
        assert_eq!(anon("ptr 5.3.12.84.in-addr.arpa ok"), "ptr 0.3.12.84.in-addr.arpa ok");
        assert_eq!(anon("ptr 5.3.12.84.IN-ADDR.ARPA."), "ptr 0.3.12.84.IN-ADDR.ARPA.");
        // a /24 zone is a network already; a /16 policy cuts it
        same("zone 3.12.84.in-addr.arpa");
        assert_eq!(
            anon("ptr b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa ok"),
            "ptr 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa ok"
        );
        assert_eq!(
            anon("B.A.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA"),
            "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA"
        );
        // behind escapes, and in JSON strings
        assert_eq!(
            anon("q=dsl%2D84%2D12%2D3%2D5.dyn.example.net&h=5%2E3%2E12%2E84%2Ein-addr%2Earpa"),
            "q=dsl%2D84%2D12%2D3%2D0.dyn.example.net&h=0%2E3%2E12%2E84%2Ein-addr%2Earpa"
        );
        assert_eq!(
            anon(r#"{"host":"dsl-84-12-3-5.dyn.example.net","ptr":"5.3.12.84.in-addr.arpa"}"#),
            r#"{"host":"dsl-84-12-3-0.dyn.example.net","ptr":"0.3.12.84.in-addr.arpa"}"#
        );
        // not addresses: dates, five numbers, a file name, an octet over 255
        same("2013-11-22 10-84-12-3-5.dyn.example.net /img/a-1-2-3-4.png dsl-84-12-3-256.example.net");
    }

    #[test]
    fn numeric_url_hosts() {
        assert_eq!(
            anon(r#""GET http://3325256781/a HTTP/1.1" "http://0xc633644d/" "http://0XC633644D:8080/x""#),
            r#""GET http://3325256704/a HTTP/1.1" "http://0xc6336400/" "http://0XC6336400:8080/x""#
        );
        assert_eq!(anon("https://u:p@3325256781/"), "https://3325256704/");
        assert_eq!(
            anon(r#"{"u":"http:\/\/3325256781\/"}"#),
            r#"{"u":"http:\/\/3325256704\/"}"#
        );
        same("http://3325256704/ http://3325256781.example.com/ http://99999999999/");
    }

    #[test]
    fn xff_chain_client_and_crlf() {
        let l = "10.0.0.2, 10.0.0.1, 85.181.35.98 - - [07/Dec/2016:11:05:07 +0100] \"GET /o HTTP/1.1\" 200 571 \"-\" \"UA\"\r";
        assert_eq!(
            anon(l),
            "10.0.0.0, 10.0.0.0, 85.181.35.0 - - [07/Dec/2016:11:05:07 +0100] \"GET /o HTTP/1.1\" 200 571 \"-\" \"UA\"\r"
        );
    }

    #[test]
    fn options_prefixes_keep_and_deny() {
        let mut o = Options::default();
        o.rules.addr = AddrPolicy::new(16, 32, &["10.0.0.0/8".parse().unwrap()]);
        o.rules.deny = DenyList::default();
        o.rules.deny.add(b"ref");
        let e = Engine::new(o);
        let out = anonymize_line(&e, b"1.2.3.4 10.9.8.7 2001:db8:1:2::1 /?ref=x");
        assert_eq!(out, b"1.2.0.0 10.9.8.7 2001:db8:: /?ref=REDACTED");
    }

    #[test]
    fn chunk_policies() {
        let input = b"garbage 1.2.3.4\n1.2.3.4 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\nlast";
        let mut stats = Stats::default();
        let mut out = Vec::new();
        Engine::default().chunk(input, 1, 0, &mut out, &mut stats).unwrap();
        assert_eq!(
            out,
            b"garbage 1.2.3.0\n1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\nlast"
        );
        assert_eq!((stats.lines_read, stats.lines_written, stats.unparsed), (3, 3, 2));

        let drop = Engine::new(Options {
            on_unparsed: OnUnparsed::Drop,
            ..Options::default()
        });
        let mut out = Vec::new();
        let mut stats = Stats::default();
        drop.chunk(input, 1, 0, &mut out, &mut stats).unwrap();
        assert_eq!(
            out,
            b"1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n"
        );
        assert_eq!(stats.dropped, 2);

        let fail = Engine::new(Options {
            on_unparsed: OnUnparsed::Fail,
            ..Options::default()
        });
        let mut out = Vec::new();
        let err = fail.chunk(&input[16..], 2, 0, &mut out, &mut stats).unwrap_err();
        assert_eq!(err, UnparsedLine(3));
        assert_eq!(
            out,
            b"1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n"
        );
    }

    #[test]
    fn max_age_drops_old_lines_by_their_own_time() {
        let e = Engine::new(Options {
            not_before: crate::time::parse_now("2026-01-01").ok(),
            ..Options::default()
        });
        let input = b"1.2.3.4 - - [31/Dec/2025:23:59:59 +0000] \"GET / HTTP/1.1\" 200 1\n\
1.2.3.4 - - [01/Jan/2026:00:59:59 +0100] \"GET /tz HTTP/1.1\" 200 1\n\
1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET /new HTTP/1.1\" 200 1\n\
1.2.3.4 - - [01/Foo/2026:00:00:00 +0000] \"GET /undated HTTP/1.1\" 200 1\n\
not a log line 1.2.3.4\n";
        let mut out = Vec::new();
        let mut stats = Stats::default();
        e.chunk(input, 1, 0, &mut out, &mut stats).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("GET / ") && !text.contains("/tz"), "{text}");
        assert!(
            text.contains("/new") && text.contains("not a log line 1.2.3.0"),
            "{text}"
        );
        assert_eq!((stats.expired, stats.dropped, stats.undated), (2, 2, 2));
    }

    #[test]
    fn broken_clf_line_still_loses_its_user_field() {
        let l = "1.2.3.4 - bob [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1";
        assert_eq!(anon(l), "1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1");
    }

    #[test]
    fn invalid_utf8_kept() {
        let e = Engine::default();
        let out = anonymize_line(&e, b"\xff\xfe 1.2.3.4 \xc3");
        assert_eq!(out, b"\xff\xfe 1.2.3.0 \xc3");
    }
}
