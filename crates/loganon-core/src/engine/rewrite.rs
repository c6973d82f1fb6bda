//! The anonymizing sink: the line copied in spans, replacements written.

use std::rc::Rc;

use super::glue::Authority;
use super::written::{Written, NONE_WRITTEN};
use super::{Options, REDACTED};
use crate::addr::{self, AddrPolicy};
use crate::kanon::{self, Client, Plan};
use crate::keyed::{DayKeys, Identifiers, IpMode};
use crate::scan::{Kind, Sink, V4Form};

/// The anonymizing sink: copies the line in spans and writes replacements.
pub(super) struct Rewriter<'a> {
    pub(super) src: &'a [u8],
    pub(super) out: &'a mut Vec<u8>,
    pub(super) copied: usize,
    pub(super) policy: &'a AddrPolicy,
    pub(super) mode: IpMode,
    pub(super) ids: Identifiers,
    /// the day's keys, when a keyed mode is on
    pub(super) keys: Option<Rc<DayKeys>>,
    pub(super) addresses: u64,
    pub(super) identifiers: u64,
    /// spans removed (URL credentials, path parameters): they join neighbours
    pub(super) removals: u64,
    /// a replacement touches bytes that could join it into a new finding
    /// (`REDACTED::100` reads as an address)
    pub(super) glued: bool,
    /// how far the line was read for [`super::glue`]'s authority test
    pub(super) authority: Authority,
    /// where the scanned slice starts in `src`: findings of a value scanned
    /// on its own (see [`crate::clean`]) are offsets into it
    pub(super) base: usize,
    /// a settling pass (see the line path) over the first pass's output: in the
    /// keyed modes its addresses are pseudonyms already, never keyed twice
    pub(super) settling: bool,
    /// the keyed pseudonyms this pass wrote (IPv4 in their 16-byte mapped
    /// form): a settling pass keeps an address only when an earlier pass
    /// wrote it (`keep`), and keys any other (one that a removal formed out
    /// of the bytes around it: `REDACTED` ends in hex digits)
    pub(super) written: Written,
    pub(super) keep: &'a Written,
    /// `--min-k`'s widths, and the day of the line they are taken for
    pub(super) plan: Option<&'a Plan>,
    pub(super) wday: i64,
    /// client addresses are being counted, and this is the client field
    pub(super) counting: bool,
    pub(super) record: bool,
    pub(super) clients: [Client; MAX_CLIENTS],
    pub(super) n_clients: usize,
}

/// The client addresses of one line counted (a chain in the client field
/// past these is not: fewer counted is the safe side).
pub(super) const MAX_CLIENTS: usize = 4;
pub(super) const NO_CLIENT: Client = Client {
    v6: false,
    net: 0,
    hash: 0,
};

impl<'a> Rewriter<'a> {
    /// A rewriter for one line; `time` is the line's own time, whose date
    /// selects the day's keys (`day`, the processing date, when it has none)
    /// and `--min-k`'s widths (`plan`).
    pub(super) fn new(
        opts: &'a Options,
        src: &'a [u8],
        out: &'a mut Vec<u8>,
        time: Option<i64>,
        day: i64,
        plan: Option<&'a Plan>,
    ) -> Rewriter<'a> {
        let wday = time.map_or(day, |t| t.div_euclid(86400));
        let keys = match &opts.keys {
            // (None for a day whose key is gone: nothing of its addresses
            // and identifiers is written)
            Some(ring) if opts.keyed() => ring.for_day(time.map_or(day, |t| t.div_euclid(86400))),
            _ => None,
        };
        Rewriter {
            src,
            out,
            copied: 0,
            policy: &opts.rules.addr,
            mode: opts.ip_mode,
            ids: opts.identifiers,
            keys,
            addresses: 0,
            identifiers: 0,
            removals: 0,
            glued: false,
            authority: Authority::default(),
            base: 0,
            settling: false,
            written: Written::default(),
            keep: &NONE_WRITTEN,
            plan,
            wday,
            counting: false,
            record: false,
            clients: [NO_CLIENT; MAX_CLIENTS],
            n_clients: 0,
        }
    }
}

impl Rewriter<'_> {
    #[inline]
    pub(super) fn copy_to(&mut self, pos: usize) {
        self.out.extend_from_slice(&self.src[self.copied..pos]);
        self.copied = pos;
    }

    /// Replaces `start..end` with `with`.
    #[inline]
    pub(super) fn replace(&mut self, start: usize, end: usize, with: &[u8]) {
        self.copy_to(start);
        self.out.extend_from_slice(with);
        self.copied = end;
    }
}

impl Rewriter<'_> {
    /// Notes a client address (when counting, in the client field).
    #[inline]
    pub(super) fn note_client(&mut self, c: Option<Client>) {
        if let Some(c) = c {
            if self.n_clients < MAX_CLIENTS {
                self.clients[self.n_clients] = c;
                self.n_clients += 1;
            }
        }
    }

    /// Truncation: the policy's, or `--min-k`'s width of the day.
    #[inline]
    pub(super) fn trunc_v4(&self, a: u32) -> u32 {
        match self.plan {
            None => self.policy.truncate_v4(a),
            Some(p) => p.widen_v4(self.policy, self.wday, a),
        }
    }

    #[inline]
    pub(super) fn trunc_v6(&self, a: u128) -> u128 {
        match self.plan {
            None => self.policy.truncate_v6(a),
            Some(p) => p.widen_v6(self.policy, self.wday, a),
        }
    }

    #[inline]
    pub(super) fn new_v4(&mut self, a: u32) -> u32 {
        match (self.mode, &self.keys) {
            (IpMode::Truncate, _) => self.trunc_v4(a),
            (IpMode::Drop, _) => 0,
            // a spelling that cannot hold an IPv6 address or hex digits
            // (the address as an address goes through [`Rewriter::text`])
            (m, _) if m.writes_text() => self.policy.truncate_v4(a),
            // the first pass's pseudonyms (`hash` writes 240.0.0.0/4)
            (IpMode::Hash, Some(_)) if self.settling && a >> 28 == 0xf => a,
            (IpMode::CryptoPan | IpMode::IpcryptPfx, Some(_))
                if self.settling && self.keep.contains(&crate::ipcrypt::mapped(a)) =>
            {
                a
            }
            (mode @ (IpMode::CryptoPan | IpMode::IpcryptPfx), Some(k)) => {
                let t = k.v4(mode, a);
                self.written.push(crate::ipcrypt::mapped(t));
                t
            }
            (mode, Some(k)) => k.v4(mode, a),
            // keyed mode without keys cannot happen (the CLI requires a key);
            // fail closed
            (_, None) => 0,
        }
    }

    #[inline]
    pub(super) fn new_v6(&mut self, a: u128) -> u128 {
        if self.mode == IpMode::Truncate {
            return self.trunc_v6(a);
        }
        if self.mode.writes_text() {
            // as in [`Rewriter::new_v4`]
            return self.policy.truncate_v6(a);
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
                (IpMode::CryptoPan | IpMode::IpcryptPfx, Some(_)) if self.settling && self.keep.contains(&a) => a,
                (IpMode::CryptoPan | IpMode::IpcryptPfx, Some(k)) => {
                    let t = k.v6(self.mode, a);
                    self.written.push(t);
                    t
                }
                (IpMode::Hash, Some(k)) => k.v6(self.mode, a),
                _ => 0,
            },
        }
    }

    /// A reverse zone (a prefix) is truncated in every mode; under
    /// `--min-k` (truncate mode) to its network's width of the day.
    pub(super) fn zone_v4(&self, a: u32) -> u32 {
        if self.mode == IpMode::Truncate {
            self.trunc_v4(a)
        } else {
            self.policy.truncate_v4(a)
        }
    }

    pub(super) fn zone_v6(&self, a: u128) -> u128 {
        if self.mode == IpMode::Truncate {
            self.trunc_v6(a)
        } else {
            self.policy.truncate_v6(a)
        }
    }

    /// Notes whether the bytes around a replacement of `start..end` could
    /// join it into something new ([`super::glue::joins`]).
    #[inline]
    pub(super) fn note_glue(&mut self, start: usize, end: usize) {
        // (right after the replacement before: `REDACTEDREDACTED` is one
        // value to the next reading)
        if (start > 0 && self.copied == start) || super::glue::joins(self.src, start, end, &mut self.authority) {
            self.glued = true;
        }
    }

    /// An identifier's replacement: `REDACTED`, or its keyed hash.
    pub(super) fn identifier(&mut self, start: usize, end: usize, hashable: bool) {
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
    pub(super) fn quoted_identifier(&mut self, start: usize, end: usize) {
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
    pub(super) fn ipv4_number(&mut self, start: usize, end: usize, a: u32) {
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
    pub(super) fn user_field(&mut self, start: usize, end: usize) {
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

impl Rewriter<'_> {
    /// An address as an address under an ipcrypt mode that writes text
    /// ([`IpMode::writes_text`]): its 16-byte form's pseudonym, an IPv6
    /// address (deterministic) or hex digits (nd, ndx), escaped separators
    /// kept as the input spelt them (`sep` for `sep_byte`). A settling
    /// pass keeps deterministic's pseudonyms that an earlier pass wrote
    /// (never encrypted twice); any other address it meets is new and is
    /// encrypted. Without the
    /// day's key: `0.0.0.0`.
    fn text(&mut self, start: usize, end: usize, block: u128, sep_byte: u8, sep: Option<&[u8]>) {
        if self.settling && self.mode == IpMode::IpcryptDeterministic && self.keep.contains(&block) {
            return;
        }
        self.copy_to(start);
        // written in place (no buffer per address); respelt only when the
        // input escaped its separators
        let at = self.out.len();
        match &self.keys {
            Some(k) => {
                if let Some(p) = k.write_text(self.mode, block, self.out) {
                    self.written.push(p);
                }
            }
            None => self.out.extend_from_slice(b"0.0.0.0"),
        }
        if sep.is_some() {
            let text = self.out.split_off(at);
            write_spelled(self.out, &text, sep_byte, sep);
        }
        // an IPv4 address with a port (`http://192.0.2.1:8080/`) written
        // as IPv6 takes brackets, as a URL's authority writes one
        let after = &self.src[end.min(self.src.len())..];
        let colon = after.first() == Some(&b':')
            || after.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(b"%3a"))
            || after.get(..6).is_some_and(|t| t.eq_ignore_ascii_case(b"\\u003a"));
        if sep_byte == b'.' && colon && self.out[at..].contains(&b':') {
            self.out.insert(at, b'[');
            self.out.push(b']');
        }
        // (`::` at the end and a `:` after it make a `:::` run)
        if self.src.get(end) == Some(&b':') {
            self.glued = true;
        }
        self.copied = end;
        self.addresses += 1;
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
        if self.mode.writes_text() {
            return self.text(start, end, crate::ipcrypt::mapped(a), b'.', sep);
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
        if self.mode.writes_text() {
            // (the zone goes with the address)
            return self.text(start, zone_end, a, b':', sep);
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

    fn open_value(&mut self) {
        self.glued = true;
    }

    fn remove(&mut self, start: usize, end: usize, _kind: Kind) {
        let (start, end) = (start + self.base, end + self.base);
        self.replace(start, end, b"");
        self.identifiers += 1;
        self.removals += 1;
    }
}
