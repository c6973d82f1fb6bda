//! The oracle's state and its judgments: the findings of a line so far,
//! whether an address is clean under the policy and the mode the logs were
//! anonymized with, and how a finding is masked. The detector families
//! (`addresses`, `contact`, `payment`, `credentials`, `params`, `devices`)
//! stand on this file and never on each other; `detect` runs them in order.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use crate::addr::AddrPolicy;
use crate::keyed::IpMode;

/// How many findings are listed with their location.
pub const FIRST_LOCATIONS: usize = 20;

/// Masks an identifier: its first byte if printable ASCII, then `*` per byte
/// (at most 8), then its length.
pub fn mask(v: &[u8]) -> String {
    let mut s = String::new();
    if let Some(&b) = v.first() {
        if b.is_ascii_graphic() {
            s.push(b as char);
        } else {
            s.push('?');
        }
    }
    for _ in 1..v.len().min(8) {
        s.push('*');
    }
    format!("{s} ({} bytes)", v.len())
}

/// A value that holds nothing personal: empty, `-`, `REDACTED` or a hashed
/// identifier (`~` and 16 hex digits).
pub(super) fn is_clean_value(v: &[u8]) -> bool {
    v.is_empty()
        || v == b"-"
        || v == b"REDACTED"
        || (v.len() == 17 && v[0] == b'~' && v[1..].iter().all(u8::is_ascii_hexdigit))
}

/// The findings of a line so far, and what they are judged by.
pub(super) struct Oracle<'a> {
    pub(super) policy: &'a AddrPolicy,
    pub(super) ip_mode: IpMode,
    pub(super) deny: &'a crate::rules::DenyList,
    /// how precise a location may stay (the rules' `location`)
    pub(super) location: crate::rules::Location,
    pub(super) found: Found,
    /// the card numbers among `found` (one found twice is one finding)
    cards: BTreeSet<String>,
    /// what the detectors of the text in hand read ahead
    pub(super) ahead: Ahead,
    /// (tests) each value read afresh, nothing remembered
    #[cfg(test)]
    pub(super) fresh: bool,
}

/// The findings of one line: the first ones as the report shows them, the
/// others counted only, so that memory does not grow with the findings of a
/// long line (a 16 MiB line may hold millions).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Found {
    /// the first findings, in order, with their masked values
    pub(super) first: Vec<(&'static str, String)>,
    /// the findings after those, per rule
    pub(super) more: BTreeMap<&'static str, u64>,
    /// (tests) the last finding
    #[cfg(test)]
    pub(super) last: Option<(&'static str, String)>,
}

impl Found {
    pub(super) fn push(&mut self, (rule, masked): (&'static str, String)) {
        #[cfg(test)]
        {
            self.last = Some((rule, masked.clone()));
        }
        if self.first.len() < FIRST_LOCATIONS {
            self.first.push((rule, masked));
        } else {
            *self.more.entry(rule).or_default() += 1;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// How many findings in all.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.first.len() + self.more.values().sum::<u64>() as usize
    }
}

/// Where what a detector read ahead of a value ends, remembered from one
/// value to the next of the text in hand: a value that runs on over spaces
/// between digits reaches over the values after it, which then cost
/// nothing more (a line's cost stays proportional to its length).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Ahead {
    /// `(from, to)`: a value run on over spaces from any value end in
    /// `from..=to` ends at `to`
    pub(super) spaced: Option<(usize, usize)>,
    /// the values of `from..to` were looked through for card numbers
    pub(super) carded: Option<(usize, usize)>,
    /// `(from, at)`: the first `+` at or after `from` that opens a phone
    /// number is at `at` (the text's length: none)
    pub(super) plus: Option<(usize, usize)>,
}

/// The Luhn check, written again on purpose: the oracle shares no code with
/// the scanner it checks.
pub(super) fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0;
    for (k, d) in digits.iter().rev().enumerate() {
        let mut x = u32::from(d - b'0');
        if k % 2 == 1 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    sum % 10 == 0
}

impl<'a> Oracle<'a> {
    /// An oracle for a line, with nothing found yet.
    pub(super) fn new(policy: &'a AddrPolicy, ip_mode: IpMode, deny: &'a crate::rules::DenyList) -> Self {
        Oracle {
            policy,
            ip_mode,
            deny,
            location: crate::rules::Location::default(),
            found: Found::default(),
            cards: BTreeSet::new(),
            ahead: Ahead::default(),
            #[cfg(test)]
            fresh: false,
        }
    }
}

impl Oracle<'_> {
    /// A card number (masked), unless the same was found before.
    pub(super) fn card(&mut self, masked: String) {
        if self.cards.insert(masked.clone()) {
            self.found.push(("card-number", masked));
        }
    }

    pub(super) fn v4(&mut self, a: u32) {
        let p = self.policy;
        let clean = match self.ip_mode {
            IpMode::Truncate => p.v4_is_clean(a),
            // pseudonyms live in 240.0.0.0/4
            IpMode::Hash => a >> 28 == 0xF || p.keeps_v4(a),
            // every address is a pseudonym: nothing to tell apart
            IpMode::CryptoPan | IpMode::IpcryptPfx => true,
            IpMode::Drop => a == 0 || p.keeps_v4(a),
            // these write IPv6 or hex digits: an IPv4 address left is one
            // in a spelling that cannot hold them, truncated
            IpMode::IpcryptDeterministic | IpMode::IpcryptNd | IpMode::IpcryptNdx => p.v4_is_clean(a),
        };
        if !clean {
            let net = Ipv4Addr::from(p.truncate_v4(a));
            self.found
                .push(("ipv4", format!("{net}/{} + host bits", p.ipv4_prefix)));
        }
    }

    pub(super) fn v6_clean(&self, a: u128) -> bool {
        let p = self.policy;
        // 6to4 (2002::/16) carries an IPv4 address in bits 16..48, NAT64
        // (64:ff9b::/96) in its last 32: the IPv4 part is judged as an IPv4
        // address, and a 6to4 address has nothing after it
        let six_to_four = (a >> 112 == 0x2002).then_some((a >> 80) as u32);
        let nat64 = (a >> 32 == 0x64_ff9b_u128 << 64).then_some(a as u32);
        if let Some(v4) = six_to_four.or(nat64) {
            let rest_zero = nat64.is_some() || a & ((1u128 << 80) - 1) == 0;
            return match self.ip_mode {
                IpMode::Truncate | IpMode::IpcryptNd | IpMode::IpcryptNdx => {
                    (p.v4_is_clean(v4) && rest_zero) || p.keeps_v4(v4)
                }
                // its pseudonyms are any IPv6 address, 2002::/16 included
                IpMode::CryptoPan | IpMode::IpcryptPfx | IpMode::IpcryptDeterministic => true,
                IpMode::Hash => (v4 >> 28 == 0xF && rest_zero) || p.keeps_v4(v4),
                IpMode::Drop => (v4 == 0 && rest_zero) || p.keeps_v4(v4),
            };
        }
        let mapped = (a >> 32 == 0xffff).then_some(a as u32);
        match (self.ip_mode, mapped) {
            // nd and ndx write hex digits: an address left is truncated
            (IpMode::Truncate | IpMode::IpcryptNd | IpMode::IpcryptNdx, _) => p.v6_is_clean(a),
            (IpMode::CryptoPan | IpMode::IpcryptPfx | IpMode::IpcryptDeterministic, _) => true,
            (IpMode::Hash, Some(v4)) => v4 >> 28 == 0xF || p.keeps_v6(a),
            (IpMode::Hash, None) => a >> 120 == 0xfd || p.keeps_v6(a),
            (IpMode::Drop, Some(v4)) => v4 == 0 || p.keeps_v6(a),
            (IpMode::Drop, None) => a == 0 || p.keeps_v6(a),
        }
    }
}
