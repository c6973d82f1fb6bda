//! The generic scanner: finds personal data in a byte range of a line without
//! knowing its format. It recognises
//! - IPv4 and IPv6 addresses (any spelling, zone ids, glued to words),
//! - MAC addresses (`:` or `-` separated),
//! - email addresses, with local parts and domains in any script and
//!   encoding, quoted local parts and address literals (`a@[192.0.2.1]`),
//! - credentials in URLs (`scheme://user:pass@host`),
//! - `name=value` pairs whose name is deny-listed, and `;name=value` path
//!   parameters,
//! - card numbers (an issuer prefix and the Luhn check) in values, paths and
//!   text, grouped or not,
//! - identifier shapes whatever names them: JWTs, `Bearer`/`Basic`
//!   credentials, IBANs (mod-97), Cisco and short MACs, Google Analytics
//!   ids, and E.164 phone numbers in parameter values,
//!
//! and reports each to a [`Sink`], left to right, with non-overlapping spans.
//! Versions in user agents (`Firefox/2.0.0.4`, `rv:1.9.0.1`) are no
//! addresses, and file names (`logo@2x.png`) no emails.
//!
//! A span that holds a `%`, `\` or `&` is first decoded through all its
//! layers (`crate::decode`): the recognisers run on the plain view, and
//! what they find is reported over the source bytes of whole escapes. So
//! `198%2E51%2E100%2E7`, `john\u0040example.com` and `&amp;token=abc` are
//! seen as what they stand for, and escapes count as token boundaries
//! (`192.0.2.1%2012.34.56.78` is two addresses). Spans without those bytes
//! go straight to the recognisers and pay one `memchr3` for the check.
//!
//! The scan is one pass over the bytes: a 16-byte SIMD compare finds the
//! trigger bytes `. : @ = -`, `B`/`b` and runs of five digits, and only those
//! start a closer look, which reads
//! a few bytes around them. No regular expression and no allocation per line
//! (the decoded view lives in a per-thread buffer that is reused).
//!
//! `loganon check` does not use this module: it has its own decoder and its
//! own detectors ([`crate::check`]), so a miss here is caught there.
//!
//! The folder, from the top down: this entry (the scan of a span, its
//! decoded view, the loop over triggers); `dispatch` (the order in which
//! shapes that read alike are tried); one file per recogniser family
//! (`addresses`, `contact`: emails and phones, `payment`: cards and IBANs,
//! `credentials`: URL userinfo, JWTs, bearer and basic, `params`: the deny
//! list, `devices`: MACs and device ids), which never call each other;
//! `state` (the scanner's state and the emit methods every family reports
//! through); and at the ground `triggers`, `bytes` (byte predicates) and
//! `sink` (what is reported). `cut` stands apart: where a long line may be
//! cut. A new rule is a recogniser in its family's file, tried from
//! `dispatch` or from the loop below.

mod addresses;
mod bytes;
mod contact;
mod credentials;
mod cut;
mod devices;
mod dispatch;
mod enclosed;
mod location;
mod params;
mod payment;
mod plain;
mod sink;
mod state;
#[cfg(test)]
mod testing;
mod triggers;

use std::cell::RefCell;

use crate::decode::Decoded;
use crate::rules::Rules;

use bytes::{CLASS, C_AT, C_B, C_COLON, C_DASH, C_DOT, C_EQ, C_PLUS};
use state::{Scanner, View, NO_PHONE};
use triggers::{field_end, field_start, first_escape, Triggers};

pub use cut::safe_cut;
pub(crate) use devices::is_imei;
pub use location::{coarsen, is_location_name};
pub(crate) use payment::is_card_number_token;
pub use plain::is_plain;
pub use sink::{Kind, Sink, V4Form};
pub(crate) use state::is_placeholder;
pub use triggers::is_inert;
pub(crate) use triggers::may_hold_personal;
// at the paths `scan.rs` gave them, for the core's code being moved beside
// this folder (nothing outside the scanner names them today)
#[allow(unused_imports)]
pub(crate) use {
    cut::CUT_SCRUB,
    payment::{has_card_number, is_card, is_iban},
};

thread_local! {
    /// The decoded view of the span in hand, reused from span to span.
    static VIEW: RefCell<Decoded> = RefCell::new(Decoded::default());
}

/// Scans `line[from..to]`, reporting findings to `sink`. Bytes before
/// `from` are only read to decide token boundaries. A span holding escapes
/// is scanned through them (see the module documentation).
pub fn scan<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, sink: &mut S) {
    if from >= to {
        return;
    }
    let span = &line[from..to];
    let Some(first) = first_escape(span) else {
        return scan_plain(line, from, to, rules, None, sink);
    };
    // Only the quoted fields that hold escapes are decoded: the view runs
    // from the `" ` (end of a quoted field and its separator) before the
    // first escape to the one after the last, and the rest is scanned as
    // it is. No finding crosses a `" `: no recogniser takes a quote followed
    // by a space into a value, an address or a name.
    let last = crate::decode::last_escape_byte(span).unwrap_or(first);
    let a = from + field_start(span, first);
    let b = from + field_end(span, last);
    if a > from {
        scan_plain(line, from, a, rules, None, sink);
    }
    let done = VIEW.with(|v| match v.try_borrow_mut() {
        Ok(mut d) => scan_decoded(&mut d, line, a, b, rules, sink),
        // not reached (a sink does not scan), but never a panic
        Err(_) => scan_decoded(&mut Decoded::default(), line, a, b, rules, sink),
    });
    if !done {
        scan_plain(line, a, b, rules, None, sink);
    }
    if b < to {
        scan_plain(line, b, to, rules, None, sink);
    }
}

/// Decodes the span and scans the view; false when it held no escape.
/// Out of line: most spans never come here.
#[inline(never)]
fn scan_decoded<S: Sink>(d: &mut Decoded, line: &[u8], from: usize, to: usize, rules: &Rules, sink: &mut S) -> bool {
    if !d.decode(line, from, to) {
        return false;
    }
    let view = View {
        d,
        src: line,
        last: from,
    };
    scan_plain(&d.text, 0, d.text.len(), rules, Some(view), sink);
    true
}

/// The recognisers over plain bytes.
fn scan_plain<S: Sink>(line: &[u8], from: usize, to: usize, rules: &Rules, view: Option<View>, sink: &mut S) {
    let s = &line[..to];
    let mut sc = Scanner {
        s,
        floor: from,
        rules,
        view,
        phone: NO_PHONE,
        ahead: None,
        next_at: (usize::MAX, 0),
    };
    let mut i = from;
    let mut triggers = Triggers::NONE;
    while let Some(t) = triggers.next(s, i) {
        if t >= sc.phone.0 {
            i = sc.pending_phone(sink);
            continue;
        }
        i = match CLASS[s[t] as usize] {
            // (one call site of `address`, so that it stays inlined)
            C_DOT | C_COLON => match (s[t] == b':' && t > from && matches!(s[t - 1], b'"' | b' ' | b'\t'))
                .then(|| sc.quoted_pair(t, sink))
            {
                Some(Some(e)) => e,
                _ => sc.address(t, sink),
            },
            C_AT => sc.at_sign(t, sink),
            C_EQ => sc.equals(t, sink),
            C_DASH => sc.dash(t, sink),
            C_B => sc.auth_scheme(t, sink),
            C_PLUS => sc.plus_sign(t, sink),
            _ => sc.digit_run(t, sink),
        };
        // (what a recogniser took past its own end, an `@` read ahead
        // (see `Scanner::taken_by_at`), is done)
        i = i.max(sc.floor);
    }
    if sc.phone != NO_PHONE {
        sc.pending_phone(sink);
    }
}
