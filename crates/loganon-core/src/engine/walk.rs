//! The rules along a line's fields: the client, the values that repeat
//! (through the cache of clean values), lines nested in JSON strings, and
//! the roles a broken line still has.

use std::ops::Range;

use super::rewrite::Rewriter;
use super::Engine;
use crate::addr;
use crate::clean::{CleanCache, Lookup, MAX_LEN};
use crate::formats::fields::{Fields, Role};
use crate::formats::record::RoleWalk;
use crate::formats::{broken, nested, recognise, Ctx, Format, Recognised};
use crate::scan::{is_placeholder, scan, Sink};

/// How deep JSON strings holding lines are followed (a line in a string in
/// a line); deeper ones are scanned as text.
const MAX_NESTING: u8 = 2;

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

/// A line found in a string, without the `\n` or `\r\n` it ends with.
fn without_line_end(t: &[u8]) -> &[u8] {
    let t = t.strip_suffix(b"\n").unwrap_or(t);
    t.strip_suffix(b"\r").unwrap_or(t)
}

impl Engine {
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
    /// followed by text has the roles up to the break (see
    /// [`broken`](crate::formats::broken)); the rest is scanned.
    pub(super) fn scrub_broken(&self, body: &[u8], ctx: &mut Ctx, rw: &mut Rewriter) {
        if broken(body, &self.opts.rules.deny, ctx) {
            self.apply_walk(body, &RoleWalk::of(&ctx.fields), 0..body.len(), rw, 0, None);
            // the structure found is a guess: the whole line passes the
            // plain rules too, in the settling pass (`{" usr="b"`: a key to
            // the broken JSON, a user's `usr="b"` to a reader of pairs)
            rw.glued = true;
        } else {
            scan(body, 0, body.len(), &self.opts.rules, rw);
        }
    }

    /// The client field: a host name keeps its last two labels; anything else
    /// (an address, a chain, `unix:`) is scanned.
    pub(super) fn client(&self, body: &[u8], r: Range<usize>, rw: &mut Rewriter) {
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
    /// scanned or kept, as the format says. The fields lie within `within`,
    /// and so do the gaps. `depth` counts the JSON strings this line was found in.
    #[inline(never)]
    pub(super) fn apply_walk(
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
        let is_apart = |k: usize| cached && walk.is_apart(k);
        let list = walk.list();
        let mut pos = within.start;
        let mut k = 0;
        while k < list.len() {
            let (r, role) = &list[k];
            if gaps && r.start > pos {
                scan(body, pos, r.start, rules, rw);
            }
            k += 1;
            if matches!(role, Role::Generic | Role::GenericEscaped) && is_apart(k - 1) {
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
                while k < list.len() && list[k].1 == Role::Generic && !is_apart(k) {
                    end = list[k].0.end;
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
                Role::User if walk.dash_users() => {
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
                // a time the format has read as one is kept
                Role::Time => {}
                // kept when it has the shape of a number, a code or a name;
                // else scanned (a format may have taken a broken line's
                // bytes for such a field)
                Role::Verbatim => {
                    if !crate::scan::is_plain(v) {
                        scan(body, r.start, r.end, rules, rw);
                    }
                }
                Role::GenericEscaped => {
                    if !(depth < MAX_NESTING && nested::may_nest(v) && self.nested(body, r.clone(), rw, depth)) {
                        scan(body, r.start, r.end, rules, rw)
                    }
                }
                Role::Generic => scan(body, r.start, r.end, rules, rw),
                Role::Location => {
                    // (a JSON number dropped whole becomes the string
                    // "REDACTED": bare, it would break the JSON)
                    let number = r.start == 0 || body[r.start - 1] != b'"';
                    match crate::scan::coarsen(v, rules.location) {
                        Some(spans) if number && spans.spans().any(|&(_, _, remove)| !remove) => {
                            rw.quoted_identifier(r.start, r.end)
                        }
                        Some(spans) => {
                            for &(a, b, remove) in spans.spans() {
                                if remove {
                                    rw.remove(r.start + a, r.start + b, crate::scan::Kind::Location);
                                } else {
                                    rw.redact(r.start + a, r.start + b, crate::scan::Kind::Location);
                                }
                            }
                        }
                        None => scan(body, r.start, r.end, rules, rw),
                    }
                }
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
            if matches!(rec, Recognised::Fields(_)) {
                break;
            }
        }
        // a broken or cut CLF line in the string: its head's roles; an
        // object after text or cut short: its roles up to the break
        if !matches!(rec, Recognised::Fields(_)) && !broken(without_line_end(&u.text), &rules.deny, &mut ctx) {
            return false;
        }
        let inner = &ctx.fields;
        // the inner fields as spans of the source, in order
        let mut f = Fields {
            gaps: Some(Role::Generic),
            dash_users: inner.dash_users,
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
        self.apply_walk(body, &RoleWalk::of(&f), r, rw, depth + 1, None);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_cuts() {
        assert_eq!(hostname_cut(b"johns-iphone.home.LAN"), Some(18));
        assert_eq!(hostname_cut(b"lan"), None);
        assert_eq!(hostname_cut(b"localhost"), None);
        assert_eq!(hostname_cut(b"example.net"), None);
        assert_eq!(hostname_cut(b"1.2.3.4"), None);
    }
}
