//! k-anonymous truncation (`--min-k K`): the distinct client addresses of
//! each truncated network and day, and the plan that widens the networks
//! used by fewer than K of them.
//!
//! - **Counting** ([`Counts`]): per day and truncated network (the /24 or
//!   /48 of `--ipv4-prefix`/`--ipv6-prefix`), the distinct addresses of the
//!   client field (never the addresses found elsewhere in a line, which a
//!   visitor can write: a query value or an `X-Forwarded-For` of their own
//!   could otherwise make a sparse network look dense) and the requests
//!   they made. The addresses are kept as 64-bit hashes in an exact sorted
//!   set while there are at most [`Counts::cap`] of them (at least K, so
//!   every "fewer than K" is exact), then in a HyperLogLog sketch of 256
//!   registers: a sketched network has more than the cap, so it is dense
//!   whatever the sketch's error (about 6.5%); the estimate only ever
//!   orders dense networks and sizes the report.
//! - **Planning** ([`Plan::build`]): a network with at least K addresses
//!   keeps its prefix; the others of a wider network (IPv4 /16, /8, then
//!   0.0.0.0/0; IPv6 /32, /16, then ::/0) are pooled, and the pool is written
//!   at that width when it holds at least K addresses, else it moves one
//!   step wider. So every output network counts the addresses written as
//!   it, never those of its dense sub-networks (which a reader could
//!   subtract). When the last pool (0.0.0.0 or ::) is not empty but holds
//!   fewer than K, the smallest other output networks of the day join it
//!   until it holds K; only a day with fewer than K addresses in all stays
//!   below K (the report says so).
//! - **Rewriting** ([`Plan::widen_v4`], [`Plan::widen_v6`]): every address
//!   the engine truncates, wherever in the line, takes its network's width
//!   of that day, so no network appears at two widths in one day. An
//!   address whose network was never counted (no client of that day in it)
//!   joins the narrowest pool over it that was written, else 0.0.0.0/0.
//!
//! Pure: the counts come from the engine, the days from the lines (or the
//! caller's clock for undated lines).

use std::collections::{HashMap, HashSet};

use crate::addr::{self, v4_mask, v6_mask, AddrPolicy};

/// The exact sets hold at least this many addresses before a sketch.
pub const EXACT_MIN: usize = 64;
/// The default K of the report (`--stats`, `check --k-report`).
pub const DEFAULT_K: u64 = 5;

const SKETCH_BITS: u32 = 8;
const SKETCH_M: usize = 1 << SKETCH_BITS;

/// A client address as counted: its network of the day-less key, and the
/// hash of the address itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    /// an IPv6 address (else IPv4)
    pub v6: bool,
    /// its network at the policy's prefix
    pub net: u128,
    /// the hash of the whole address
    pub hash: u64,
}

/// A fixed 64-bit mix (SplitMix64's finalizer over the two halves): stable
/// across runs, versions and `-j`.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn addr_hash(v6: bool, a: u128) -> u64 {
    let hi = mix((a >> 64) as u64 ^ if v6 { 0x5555_5555_5555_5555 } else { 0 });
    mix(hi ^ (a as u64).wrapping_add(0x9e37_79b9_7f4a_7c15))
}

/// How an IPv4 client address is counted (None: in a `--keep-network`).
pub fn client_v4(policy: &AddrPolicy, a: u32) -> Option<Client> {
    if policy.keeps_v4(a) {
        return None;
    }
    Some(Client {
        v6: false,
        net: u128::from(policy.truncate_v4(a)),
        hash: addr_hash(false, u128::from(a)),
    })
}

/// How an IPv6 client address is counted: IPv4-mapped, NAT64 and 6to4
/// addresses as the IPv4 address they carry (their IPv4 part is what the
/// truncation keeps), others by their IPv6 network.
pub fn client_v6(policy: &AddrPolicy, a: u128) -> Option<Client> {
    if policy.keeps_v6(a) {
        return None;
    }
    match addr::mapped_v4(a)
        .or_else(|| addr::nat64_v4(a))
        .or_else(|| addr::six_to_four_v4(a))
    {
        Some(v4) => client_v4(policy, v4),
        None => Some(Client {
            v6: true,
            net: a & v6_mask(policy.ipv6_prefix),
            hash: addr_hash(true, a),
        }),
    }
}

/// The hasher of the count's maps: a multiply-rotate over the key's
/// integers (FxHash's step) with a final avalanche, seeded per process from
/// std's random keys (so an input cannot be built to collide). SipHash, std's
/// default, cost a tenth of the time of a count; no map's order reaches the
/// output (the plan sorts what it reads).
#[derive(Clone, Copy, Debug)]
pub struct Seeded(u64);

impl Default for Seeded {
    fn default() -> Self {
        use std::hash::BuildHasher;
        Seeded(std::collections::hash_map::RandomState::new().hash_one(0x006b_616e_6f6e_u64) | 1)
    }
}

/// The hasher a [`Seeded`] builds.
pub struct Mix(u64);

impl std::hash::Hasher for Mix {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, x: u8) {
        self.write_u64(u64::from(x));
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    #[inline]
    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }
    #[inline]
    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        mix(self.0)
    }
}

impl std::hash::BuildHasher for Seeded {
    type Hasher = Mix;
    #[inline]
    fn build_hasher(&self) -> Mix {
        Mix(self.0)
    }
}

type Map<K, V> = HashMap<K, V, Seeded>;

/// The distinct addresses of one network and day: one hash inline, a
/// sorted boxed slice (exactly as long as it holds: most networks hold a
/// few), or a sketch; 24 bytes with the tag.
#[derive(Clone, Debug)]
enum Distinct {
    One(u64),
    /// sorted, at most the cap
    Exact(Box<[u64]>),
    Sketch(Box<[u8; SKETCH_M]>),
}

fn sketch_add(regs: &mut [u8; SKETCH_M], h: u64) {
    let idx = (h >> (64 - SKETCH_BITS)) as usize;
    let w = (h << SKETCH_BITS) | (1 << (SKETCH_BITS - 1));
    let rank = w.leading_zeros() as u8 + 1;
    regs[idx] = regs[idx].max(rank);
}

fn sketch_of(hs: &[u64]) -> Box<[u8; SKETCH_M]> {
    let mut regs = Box::new([0u8; SKETCH_M]);
    for &h in hs {
        sketch_add(&mut regs, h);
    }
    regs
}

/// The HyperLogLog estimate (Flajolet et al. 2007; linear counting for
/// small counts).
fn sketch_count(regs: &[u8; SKETCH_M]) -> u64 {
    let m = SKETCH_M as f64;
    let zeros = regs.iter().filter(|&&r| r == 0).count();
    let sum: f64 = regs.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
    let raw = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
    let e = if raw <= 2.5 * m && zeros > 0 {
        m * (m / zeros as f64).ln()
    } else {
        raw
    };
    e.round() as u64
}

/// `v` with `h` inserted in order.
fn with(v: &[u64], at: usize, h: u64) -> Box<[u64]> {
    let mut n = Vec::with_capacity(v.len() + 1);
    n.extend_from_slice(&v[..at]);
    n.push(h);
    n.extend_from_slice(&v[at..]);
    n.into_boxed_slice()
}

impl Distinct {
    fn insert(&mut self, h: u64, cap: usize) {
        match self {
            Distinct::One(x) if *x == h => {}
            Distinct::One(x) => {
                let pair = if *x < h { [*x, h] } else { [h, *x] };
                *self = Distinct::Exact(Box::new(pair));
            }
            Distinct::Exact(v) => {
                if let Err(at) = v.binary_search(&h) {
                    if v.len() >= cap {
                        let mut regs = sketch_of(v);
                        sketch_add(&mut regs, h);
                        *self = Distinct::Sketch(regs);
                    } else {
                        *v = with(v, at, h);
                    }
                }
            }
            Distinct::Sketch(regs) => sketch_add(regs, h),
        }
    }

    fn merge(&mut self, o: Distinct, cap: usize) {
        match o {
            Distinct::One(h) => self.insert(h, cap),
            Distinct::Exact(v) => {
                for &h in v.iter() {
                    self.insert(h, cap);
                }
            }
            Distinct::Sketch(mut regs) => {
                match self {
                    Distinct::One(h) => sketch_add(&mut regs, *h),
                    Distinct::Exact(v) => {
                        for &h in v.iter() {
                            sketch_add(&mut regs, h);
                        }
                    }
                    Distinct::Sketch(a) => {
                        for (r, a) in regs.iter_mut().zip(a.iter()) {
                            *r = (*r).max(*a);
                        }
                    }
                }
                *self = Distinct::Sketch(regs);
            }
        }
    }

    /// Exact up to the cap; above it, more than the cap (the estimate, never
    /// less than what the exact set held).
    fn count(&self, cap: usize) -> u64 {
        match self {
            Distinct::One(_) => 1,
            Distinct::Exact(v) => v.len() as u64,
            Distinct::Sketch(regs) => sketch_count(regs).max(cap as u64 + 1),
        }
    }
}

#[derive(Clone, Debug)]
struct Net {
    addrs: Distinct,
    requests: u64,
}

/// The counts of one day. Lines come mostly in time order, so the day in
/// hand stays in the cache whatever the number of days.
#[derive(Clone, Debug, Default)]
struct DayCounts {
    v4: Map<u32, Net>,
    v6: Map<u128, Net>,
}

/// Distinct client addresses and requests per network and day. Merging is
/// a union (exact sets) or a maximum (sketches): the result does not depend
/// on the order of lines, chunks or threads.
#[derive(Clone, Debug)]
pub struct Counts {
    cap: usize,
    /// sorted by day
    days: Vec<(i64, DayCounts)>,
    /// the index of the day last counted
    last: usize,
}

fn add_to<K: std::hash::Hash + Eq>(map: &mut Map<K, Net>, key: K, hash: u64, request: bool, cap: usize) {
    match map.get_mut(&key) {
        Some(n) => {
            n.addrs.insert(hash, cap);
            n.requests += u64::from(request);
        }
        None => {
            map.insert(
                key,
                Net {
                    addrs: Distinct::One(hash),
                    requests: u64::from(request),
                },
            );
        }
    }
}

fn merge_into<K: std::hash::Hash + Eq>(to: &mut Map<K, Net>, from: Map<K, Net>, cap: usize) {
    if to.is_empty() {
        *to = from;
        return;
    }
    to.reserve(from.len());
    for (k, n) in from {
        match to.get_mut(&k) {
            Some(m) => {
                m.addrs.merge(n.addrs, cap);
                m.requests += n.requests;
            }
            None => {
                to.insert(k, n);
            }
        }
    }
}

/// The index of `day` in `days` (sorted), inserted when missing.
fn day_index<T: Default>(days: &mut Vec<(i64, T)>, day: i64) -> usize {
    match days.binary_search_by(|d| d.0.cmp(&day)) {
        Ok(at) => at,
        Err(at) => {
            days.insert(at, (day, T::default()));
            at
        }
    }
}

impl Counts {
    /// Counts whose exact sets hold up to `max(k, EXACT_MIN)` addresses.
    pub fn new(k: u64) -> Counts {
        Counts {
            cap: (k as usize).max(EXACT_MIN),
            days: Vec::new(),
            last: 0,
        }
    }

    /// Empty counts with the same cap.
    pub fn empty_like(&self) -> Counts {
        Counts {
            cap: self.cap,
            days: Vec::new(),
            last: 0,
        }
    }

    /// The most addresses an exact set holds.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Whether no client was counted.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(|(_, d)| d.v4.is_empty() && d.v6.is_empty())
    }

    /// The networks counted (all days).
    pub fn networks(&self) -> usize {
        self.days.iter().map(|(_, d)| d.v4.len() + d.v6.len()).sum()
    }

    fn day(&mut self, day: i64) -> &mut DayCounts {
        if self.days.get(self.last).is_none_or(|d| d.0 != day) {
            self.last = day_index(&mut self.days, day);
        }
        &mut self.days[self.last].1
    }

    /// One client address of a line of `day`; `request` for the line's
    /// first (a line is one request).
    #[inline]
    pub fn add(&mut self, day: i64, c: Client, request: bool) {
        let cap = self.cap;
        let d = self.day(day);
        if c.v6 {
            add_to(&mut d.v6, c.net, c.hash, request, cap);
        } else {
            add_to(&mut d.v4, c.net as u32, c.hash, request, cap);
        }
    }

    /// Adds `o` (emptied) to these counts.
    pub fn merge(&mut self, o: &mut Counts) {
        let cap = self.cap.max(o.cap);
        self.cap = cap;
        for (day, dc) in std::mem::take(&mut o.days) {
            let at = day_index(&mut self.days, day);
            let to = &mut self.days[at].1;
            merge_into(&mut to.v4, dc.v4, cap);
            merge_into(&mut to.v6, dc.v6, cap);
        }
        o.last = 0;
    }
}

/// The prefixes a family steps through: the configured one, then the wider
/// of `steps`, down to 0.
fn ladder(prefix: u8, steps: &[u8]) -> Vec<u8> {
    let mut l = vec![prefix];
    l.extend(steps.iter().copied().filter(|&s| s < prefix));
    if prefix > 0 && l.last() != Some(&0) {
        l.push(0);
    }
    l
}

/// One output network of a day: the networks (indices into the day's rows)
/// written at `level`'s width as `anc`.
#[derive(Clone, Debug)]
struct Class {
    level: u8,
    anc: u128,
    /// the one member of a network that keeps its prefix
    one: usize,
    /// the members of a pool
    many: Vec<usize>,
    count: u64,
    requests: u64,
}

impl Class {
    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        let one = self.many.is_empty().then_some(self.one);
        one.into_iter().chain(self.many.iter().copied())
    }

    fn size(&self) -> u64 {
        if self.many.is_empty() {
            1
        } else {
            self.many.len() as u64
        }
    }
}

/// The figures of one day (IPv4 and IPv6 together).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayReport {
    /// days since 1970
    pub day: i64,
    /// output networks used by clients
    pub networks: u64,
    /// of those, used by fewer than K distinct client addresses
    pub below_k: u64,
    /// lines with a counted client
    pub requests: u64,
    /// of those, in networks below K
    pub requests_below_k: u64,
    /// truncated networks written wider than their prefix (`--min-k`)
    pub widened: u64,
}

/// The k-anonymity report: per day, the output networks below K.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// the K the report is for
    pub k: u64,
    /// `--min-k` was applied (else: what plain truncation gives)
    pub enforced: bool,
    /// the days, in order
    pub days: Vec<DayReport>,
}

fn share(part: u64, all: u64) -> f64 {
    if all == 0 {
        0.0
    } else {
        part as f64 * 100.0 / all as f64
    }
}

impl Report {
    /// Days with a network below K.
    pub fn days_below_k(&self) -> usize {
        self.days.iter().filter(|d| d.below_k > 0).count()
    }

    /// One line per day; never an address or a network.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "loganon: k-anonymity, K={} ({}): {} day(s), {} with networks below K\n",
            self.k,
            if self.enforced {
                "enforced by --min-k"
            } else {
                "truncation alone"
            },
            self.days.len(),
            self.days_below_k()
        );
        for d in &self.days {
            s.push_str(&format!(
                "loganon:   {}: networks {}, below K {} ({:.1}% of {} requests), widened {}\n",
                crate::time::date_string(d.day * 86400),
                d.networks,
                d.below_k,
                share(d.requests_below_k, d.requests),
                d.requests,
                d.widened
            ));
        }
        s
    }

    /// The report as JSON (`--stats json`, `check --k-report --json`).
    pub fn to_json(&self) -> serde_json::Value {
        let days: Vec<_> = self
            .days
            .iter()
            .map(|d| {
                serde_json::json!({
                    "date": crate::time::date_string(d.day * 86400),
                    "networks": d.networks,
                    "below_k": d.below_k,
                    "requests": d.requests,
                    "requests_below_k": d.requests_below_k,
                    "share_below_k": (share(d.requests_below_k, d.requests) * 10.0).round() / 10.0,
                    "widened": d.widened,
                })
            })
            .collect();
        serde_json::json!({ "k": self.k, "enforced": self.enforced, "days": days })
    }
}

/// What `--min-k` writes on one day.
#[derive(Clone, Debug, Default)]
struct DayPlan {
    /// counted networks and their level (index into the ladder)
    v4: Map<u32, u8>,
    v6: Map<u128, u8>,
    /// pools written at a level above 0: (v6, level, network)
    pools: HashSet<(bool, u8, u128), Seeded>,
}

/// What `--min-k` writes: the width of every counted network of every day,
/// and the pools written wider, for addresses that were not counted.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// the K every written network holds
    pub k: u64,
    lad4: Vec<u8>,
    lad6: Vec<u8>,
    /// sorted by day
    days: Vec<(i64, DayPlan)>,
}

fn mask(v6: bool, prefix: u8) -> u128 {
    if v6 {
        v6_mask(prefix)
    } else {
        u128::from(v4_mask(prefix))
    }
}

/// (network, addresses, requests) of one family of a day, in network order.
fn rows<K: Copy + Into<u128>>(map: Map<K, Net>, cap: usize) -> Vec<(u128, u64, u64)> {
    let mut rows: Vec<(u128, u64, u64)> = map
        .into_iter()
        .map(|(k, n)| (k.into(), n.addrs.count(cap), n.requests))
        .collect();
    rows.sort_unstable();
    rows
}

impl Plan {
    /// The plan for `counts` under `policy`'s prefixes, and its report.
    /// With `enforce` false nothing is widened (and the plan is empty): the
    /// report then tells what truncation alone gives.
    pub fn build(counts: Counts, k: u64, policy: &AddrPolicy, enforce: bool) -> (Plan, Report) {
        let mut plan = Plan {
            k,
            lad4: ladder(policy.ipv4_prefix, &[16, 8]),
            lad6: ladder(policy.ipv6_prefix, &[32, 16]),
            ..Plan::default()
        };
        let mut report = Report {
            k,
            enforced: enforce,
            days: Vec::new(),
        };
        let cap = counts.cap;
        for (day, dc) in counts.days {
            let mut dp = DayPlan::default();
            let mut rep = DayReport {
                day,
                ..DayReport::default()
            };
            let v4 = rows(dc.v4, cap);
            plan.day(&mut dp, &mut rep, false, &v4, enforce);
            drop(v4);
            let v6 = rows(dc.v6, cap);
            plan.day(&mut dp, &mut rep, true, &v6, enforce);
            report.days.push(rep);
            if enforce {
                plan.days.push((day, dp));
            }
        }
        (plan, report)
    }

    /// The networks of one day and family into its plan and report.
    fn day(&self, dp: &mut DayPlan, rep: &mut DayReport, v6: bool, nets: &[(u128, u64, u64)], enforce: bool) {
        let k = self.k;
        if !enforce {
            for &(_, count, requests) in nets {
                rep.networks += 1;
                rep.requests += requests;
                if count < k {
                    rep.below_k += 1;
                    rep.requests_below_k += requests;
                }
            }
            return;
        }
        if v6 {
            dp.v6.reserve(nets.len());
        } else {
            dp.v4.reserve(nets.len());
        }
        let lad = if v6 { &self.lad6 } else { &self.lad4 };
        for c in classes(nets, k, v6, lad) {
            rep.networks += 1;
            rep.requests += c.requests;
            if c.count < k {
                rep.below_k += 1;
                rep.requests_below_k += c.requests;
            }
            if c.level > 0 {
                rep.widened += c.size();
                dp.pools.insert((v6, c.level, c.anc));
            }
            for m in c.members() {
                let net = nets[m].0;
                if v6 {
                    dp.v6.insert(net, c.level);
                } else {
                    dp.v4.insert(net as u32, c.level);
                }
            }
        }
    }

    /// The prefix kept for the truncated network `net` on `day`.
    #[inline]
    pub fn prefix(&self, day: i64, v6: bool, net: u128) -> u8 {
        let Ok(at) = self.days.binary_search_by(|d| d.0.cmp(&day)) else {
            // a day without clients: the widest
            return 0;
        };
        let dp = &self.days[at].1;
        let lad = if v6 { &self.lad6 } else { &self.lad4 };
        let found = if v6 { dp.v6.get(&net) } else { dp.v4.get(&(net as u32)) };
        if let Some(&l) = found {
            return lad[usize::from(l)];
        }
        // not counted: the narrowest pool over it, else the widest
        for (l, &p) in lad.iter().enumerate().skip(1) {
            if dp.pools.contains(&(v6, l as u8, net & mask(v6, p))) {
                return p;
            }
        }
        0
    }

    /// An IPv4 address truncated to its network's width of `day`.
    pub fn widen_v4(&self, policy: &AddrPolicy, day: i64, a: u32) -> u32 {
        let net = policy.truncate_v4(a);
        a & v4_mask(self.prefix(day, false, u128::from(net)))
    }

    /// An IPv6 address truncated to its network's width of `day`: the IPv4
    /// part of a mapped, NAT64 or 6to4 address by the IPv4 plan (6to4 cut
    /// to 16 + that width), others by the IPv6 plan.
    pub fn widen_v6(&self, policy: &AddrPolicy, day: i64, a: u128) -> u128 {
        if let Some(v4) = addr::six_to_four_v4(a) {
            let p = self.prefix(day, false, u128::from(policy.truncate_v4(v4)));
            return a & v6_mask(policy.ipv6_prefix) & v6_mask(16 + p);
        }
        if let Some(v4) = addr::mapped_v4(a).or_else(|| addr::nat64_v4(a)) {
            return (a & !0xffff_ffff) | u128::from(self.widen_v4(policy, day, v4));
        }
        let net = a & v6_mask(policy.ipv6_prefix);
        a & v6_mask(self.prefix(day, true, net))
    }
}

/// The output networks of one day and family (`nets`: its rows, sorted by
/// network) under K.
fn classes(nets: &[(u128, u64, u64)], k: u64, v6: bool, lad: &[u8]) -> Vec<Class> {
    let mut out = Vec::new();
    // indices of the networks not yet placed, in network order
    let mut pending: Vec<usize> = Vec::new();
    for (i, &(net, count, requests)) in nets.iter().enumerate() {
        if count >= k || lad.len() == 1 {
            out.push(Class {
                level: 0,
                anc: net,
                one: i,
                many: Vec::new(),
                count,
                requests,
            });
        } else {
            pending.push(i);
        }
    }
    for (l, &p) in lad.iter().enumerate().skip(1) {
        let last = l + 1 == lad.len();
        let m = mask(v6, p);
        let mut next = Vec::new();
        // networks in order: those of one wider network are a run
        let mut at = 0;
        while at < pending.len() {
            let anc = nets[pending[at]].0 & m;
            let end = at + pending[at..].partition_point(|&i| nets[i].0 & m == anc);
            let run = &pending[at..end];
            let count: u64 = run.iter().map(|&i| nets[i].1).sum();
            if count >= k || last {
                out.push(Class {
                    level: l as u8,
                    anc,
                    one: run[0],
                    many: run.to_vec(),
                    count,
                    requests: run.iter().map(|&i| nets[i].2).sum(),
                });
            } else {
                next.extend_from_slice(run);
            }
            at = end;
        }
        pending = next;
    }
    // a widest pool below K takes the smallest other networks until it
    // holds K (a day with fewer than K addresses in all stays below)
    let top = lad.len() as u8 - 1;
    if let Some(at) = out.iter().position(|c| c.level == top && c.level > 0) {
        if out[at].count < k {
            let mut root = out.swap_remove(at);
            out.sort_by_key(|c| (c.count, c.level, c.anc));
            let rest = std::mem::take(&mut out);
            for c in rest {
                if root.count >= k {
                    out.push(c);
                    continue;
                }
                root.many.extend(c.members());
                root.count += c.count;
                root.requests += c.requests;
            }
            root.many.sort_unstable();
            out.push(root);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> u32 {
        u32::from(s.parse::<std::net::Ipv4Addr>().unwrap())
    }

    fn counts(addrs: &[&str], day: i64) -> Counts {
        let p = AddrPolicy::default();
        let mut c = Counts::new(5);
        for a in addrs {
            c.add(day, client_v4(&p, v4(a)).unwrap(), true);
        }
        c
    }

    fn out(plan: &Plan, a: &str, day: i64) -> String {
        crate::addr::v4_text(plan.widen_v4(&AddrPolicy::default(), day, v4(a)))
    }

    #[test]
    fn sparse_networks_widen_dense_ones_stay() {
        let mut a: Vec<String> = (1..=5).map(|h| format!("10.1.1.{h}")).collect();
        // three sparse /24s in 10.2/16 holding 6 together
        a.extend((1..=2).map(|h| format!("10.2.1.{h}")));
        a.extend((1..=2).map(|h| format!("10.2.2.{h}")));
        a.extend((1..=2).map(|h| format!("10.2.3.{h}")));
        // two lone addresses far apart: pooled at 0.0.0.0 with too few,
        // so the smallest other output network joins them
        a.push("20.0.0.1".into());
        a.push("30.0.0.1".into());
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let c = counts(&refs, 7);
        let (plan, rep) = Plan::build(c.clone(), 5, &AddrPolicy::default(), true);
        assert_eq!(out(&plan, "10.2.3.2", 7), "10.2.0.0");
        assert_eq!(out(&plan, "20.0.0.1", 7), "0.0.0.0");
        // 10.1.1/24 (5) and 10.2/16 (6): the smaller joins the widest pool
        assert_eq!(out(&plan, "10.1.1.3", 7), "0.0.0.0");
        assert_eq!(out(&plan, "10.2.1.1", 7), "10.2.0.0");
        // not counted: under the 10.2/16 pool, else the widest
        assert_eq!(out(&plan, "10.2.9.9", 7), "10.2.0.0");
        assert_eq!(out(&plan, "99.9.9.9", 7), "0.0.0.0");
        // another day: nothing counted
        assert_eq!(out(&plan, "10.2.3.2", 8), "0.0.0.0");
        assert_eq!(rep.days.len(), 1);
        assert_eq!(rep.days[0].below_k, 0);
        assert_eq!(rep.days[0].networks, 2);
        let (_, plain) = Plan::build(c, 5, &AddrPolicy::default(), false);
        assert_eq!(plain.days[0].networks, 6);
        assert_eq!(plain.days[0].below_k, 5);
    }

    #[test]
    fn exact_up_to_the_cap_then_a_sketch_that_merges_in_any_order() {
        let p = AddrPolicy::default();
        let mut a = Counts::new(5);
        let mut b = Counts::new(5);
        for h in 0..200u32 {
            let c = client_v4(&p, 0x0a00_0000 | h).unwrap();
            if h % 2 == 0 {
                a.add(1, c, true);
            } else {
                b.add(1, c, true);
            }
        }
        let mut ab = a.clone();
        ab.merge(&mut b.clone());
        let mut ba = b;
        ba.merge(&mut a);
        let n = |c: &Counts| c.days[0].1.v4.values().next().unwrap().addrs.count(c.cap);
        assert_eq!(n(&ab), n(&ba));
        assert!((180..=220).contains(&n(&ab)), "{}", n(&ab));
        let few = counts(&["1.2.3.4", "1.2.3.4", "1.2.3.5"], 1);
        assert_eq!(n(&few), 2);
    }

    #[test]
    fn ladders() {
        assert_eq!(ladder(24, &[16, 8]), [24, 16, 8, 0]);
        assert_eq!(ladder(16, &[16, 8]), [16, 8, 0]);
        assert_eq!(ladder(20, &[16, 8]), [20, 16, 8, 0]);
        assert_eq!(ladder(0, &[16, 8]), [0]);
        assert_eq!(ladder(48, &[32, 16]), [48, 32, 16, 0]);
    }
}
