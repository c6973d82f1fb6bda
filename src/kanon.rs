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

/// A network of a day: `net` is the network address (an IPv4 one in the
/// low 32 bits when `v6` is false).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetKey {
    pub day: i64,
    pub v6: bool,
    pub net: u128,
}

/// A client address as counted: its network of the day-less key, and the
/// hash of the address itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub v6: bool,
    pub net: u128,
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

/// The distinct addresses of one network and day.
#[derive(Clone, Debug)]
enum Distinct {
    One(u64),
    /// sorted, at most the cap
    Exact(Vec<u64>),
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

impl Distinct {
    fn insert(&mut self, h: u64, cap: usize) {
        match self {
            Distinct::One(x) if *x == h => {}
            Distinct::One(x) => {
                let mut v = vec![*x, h];
                v.sort_unstable();
                *self = Distinct::Exact(v);
            }
            Distinct::Exact(v) => {
                if let Err(at) = v.binary_search(&h) {
                    v.insert(at, h);
                    if v.len() > cap {
                        *self = Distinct::Sketch(sketch_of(v));
                    }
                }
            }
            Distinct::Sketch(regs) => sketch_add(regs, h),
        }
    }

    fn merge(&mut self, o: &Distinct, cap: usize) {
        match o {
            Distinct::One(h) => self.insert(*h, cap),
            Distinct::Exact(v) => {
                for &h in v {
                    self.insert(h, cap);
                }
            }
            Distinct::Sketch(b) => match self {
                Distinct::Sketch(a) => {
                    for (a, b) in a.iter_mut().zip(b.iter()) {
                        *a = (*a).max(*b);
                    }
                }
                Distinct::One(h) => {
                    let mut regs = b.clone();
                    sketch_add(&mut regs, *h);
                    *self = Distinct::Sketch(regs);
                }
                Distinct::Exact(v) => {
                    let mut regs = b.clone();
                    for &h in v.iter() {
                        sketch_add(&mut regs, h);
                    }
                    *self = Distinct::Sketch(regs);
                }
            },
        }
    }

    /// Exact below the cap; above it, at least the cap (the estimate, never
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

/// Distinct client addresses and requests per network and day. Merging is
/// a union (exact sets) or a maximum (sketches): the result does not depend
/// on the order of lines, chunks or threads.
#[derive(Clone, Debug)]
pub struct Counts {
    cap: usize,
    nets: HashMap<NetKey, Net>,
}

impl Counts {
    /// Counts whose exact sets hold up to `max(k, EXACT_MIN)` addresses.
    pub fn new(k: u64) -> Counts {
        Counts {
            cap: (k as usize).max(EXACT_MIN),
            nets: HashMap::new(),
        }
    }

    /// Empty counts with the same cap.
    pub fn empty_like(&self) -> Counts {
        Counts {
            cap: self.cap,
            nets: HashMap::new(),
        }
    }

    /// The most addresses an exact set holds.
    pub fn cap(&self) -> usize {
        self.cap
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// The networks counted (all days).
    pub fn networks(&self) -> usize {
        self.nets.len()
    }

    /// One client address of a line of `day`; `request` for the line's
    /// first (a line is one request).
    pub fn add(&mut self, day: i64, c: Client, request: bool) {
        let key = NetKey {
            day,
            v6: c.v6,
            net: c.net,
        };
        let cap = self.cap;
        match self.nets.get_mut(&key) {
            Some(n) => {
                n.addrs.insert(c.hash, cap);
                n.requests += u64::from(request);
            }
            None => {
                self.nets.insert(
                    key,
                    Net {
                        addrs: Distinct::One(c.hash),
                        requests: u64::from(request),
                    },
                );
            }
        }
    }

    /// Adds `o` (emptied) to these counts.
    pub fn merge(&mut self, o: &mut Counts) {
        if self.nets.is_empty() && self.cap == o.cap {
            std::mem::swap(&mut self.nets, &mut o.nets);
            return;
        }
        let cap = self.cap;
        for (k, n) in o.nets.drain() {
            match self.nets.get_mut(&k) {
                Some(m) => {
                    m.addrs.merge(&n.addrs, cap);
                    m.requests += n.requests;
                }
                None => {
                    self.nets.insert(k, n);
                }
            }
        }
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

/// One output network of a day: the networks written at `level`'s width
/// as `anc`.
#[derive(Clone, Debug)]
struct Class {
    level: u8,
    anc: u128,
    members: Vec<u128>,
    count: u64,
    requests: u64,
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
    pub k: u64,
    /// `--min-k` was applied (else: what plain truncation gives)
    pub enforced: bool,
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

/// What `--min-k` writes: the width of every counted network of every day,
/// and the pools written wider, for addresses that were not counted.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub k: u64,
    v4: Vec<u8>,
    v6: Vec<u8>,
    /// counted networks and their level (index into the ladder)
    levels: HashMap<NetKey, u8>,
    /// pools written at a level above 0: (day, v6, level, network)
    pools: HashSet<(i64, bool, u8, u128)>,
}

fn mask(v6: bool, prefix: u8) -> u128 {
    if v6 {
        v6_mask(prefix)
    } else {
        u128::from(v4_mask(prefix))
    }
}

impl Plan {
    /// The plan for `counts` under `policy`'s prefixes, and its report.
    /// With `enforce` false nothing is widened: the report then tells what
    /// truncation alone gives.
    pub fn build(counts: &Counts, k: u64, policy: &AddrPolicy, enforce: bool) -> (Plan, Report) {
        let mut plan = Plan {
            k,
            v4: ladder(policy.ipv4_prefix, &[16, 8]),
            v6: ladder(policy.ipv6_prefix, &[32, 16]),
            ..Plan::default()
        };
        // the networks of each day and family, in a fixed order
        let mut groups: HashMap<(i64, bool), Vec<(u128, u64, u64)>> = HashMap::new();
        for (key, n) in &counts.nets {
            groups
                .entry((key.day, key.v6))
                .or_default()
                .push((key.net, n.addrs.count(counts.cap), n.requests));
        }
        let mut keys: Vec<_> = groups.keys().copied().collect();
        keys.sort_unstable();
        let mut days: Vec<DayReport> = Vec::new();
        for (day, v6) in keys {
            let mut nets = groups.remove(&(day, v6)).unwrap_or_default();
            nets.sort_unstable();
            let lad = if v6 { plan.v6.clone() } else { plan.v4.clone() };
            let classes = if enforce {
                classes(&nets, k, v6, &lad)
            } else {
                nets.iter()
                    .map(|&(net, count, requests)| Class {
                        level: 0,
                        anc: net,
                        members: vec![net],
                        count,
                        requests,
                    })
                    .collect()
            };
            if days.last().is_none_or(|d| d.day != day) {
                days.push(DayReport {
                    day,
                    ..DayReport::default()
                });
            }
            let rep = days.last_mut().expect("a day was pushed");
            for c in &classes {
                rep.networks += 1;
                rep.requests += c.requests;
                if c.count < k {
                    rep.below_k += 1;
                    rep.requests_below_k += c.requests;
                }
                if c.level > 0 {
                    rep.widened += c.members.len() as u64;
                    plan.pools.insert((day, v6, c.level, c.anc));
                }
                for &m in &c.members {
                    plan.levels.insert(NetKey { day, v6, net: m }, c.level);
                }
            }
        }
        let report = Report {
            k,
            enforced: enforce,
            days,
        };
        (plan, report)
    }

    /// The prefix kept for the truncated network `net` on `day`.
    pub fn prefix(&self, day: i64, v6: bool, net: u128) -> u8 {
        let lad = if v6 { &self.v6 } else { &self.v4 };
        if let Some(&l) = self.levels.get(&NetKey { day, v6, net }) {
            return lad[usize::from(l)];
        }
        // not counted: the narrowest pool over it, else the widest
        for (l, &p) in lad.iter().enumerate().skip(1) {
            if self.pools.contains(&(day, v6, l as u8, net & mask(v6, p))) {
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

/// The output networks of one day and family (`nets`: sorted network,
/// count, requests) under K.
fn classes(nets: &[(u128, u64, u64)], k: u64, v6: bool, lad: &[u8]) -> Vec<Class> {
    let mut out = Vec::new();
    // (network, count, requests) not yet placed
    let mut pending: Vec<(u128, u64, u64)> = Vec::new();
    for &(net, count, requests) in nets {
        if count >= k || lad.len() == 1 {
            out.push(Class {
                level: 0,
                anc: net,
                members: vec![net],
                count,
                requests,
            });
        } else {
            pending.push((net, count, requests));
        }
    }
    for (l, &p) in lad.iter().enumerate().skip(1) {
        let last = l + 1 == lad.len();
        let mut pools: std::collections::BTreeMap<u128, Class> = std::collections::BTreeMap::new();
        for &(net, count, requests) in &pending {
            let anc = net & mask(v6, p);
            let c = pools.entry(anc).or_insert_with(|| Class {
                level: l as u8,
                anc,
                members: Vec::new(),
                count: 0,
                requests: 0,
            });
            c.members.push(net);
            c.count += count;
            c.requests += requests;
        }
        pending.clear();
        for (_, c) in pools {
            if c.count >= k || last {
                out.push(c);
            } else {
                for &m in &c.members {
                    // members carry their own counts on
                    let (_, count, requests) = nets[nets.binary_search_by(|x| x.0.cmp(&m)).unwrap_or(0)];
                    pending.push((m, count, requests));
                }
            }
        }
    }
    // a widest pool below K takes the smallest other networks until it
    // holds K (a day with fewer than K addresses in all stays below)
    let top = lad.len() as u8 - 1;
    if let Some(at) = out.iter().position(|c| c.level == top && c.level > 0) {
        if out[at].count < k {
            let mut root = out.swap_remove(at);
            out.sort_by(|a, b| (a.count, a.level, a.anc).cmp(&(b.count, b.level, b.anc)));
            let mut rest = out.into_iter();
            out = Vec::new();
            for c in rest.by_ref() {
                if root.count >= k {
                    out.push(c);
                    continue;
                }
                root.members.extend(c.members);
                root.count += c.count;
                root.requests += c.requests;
            }
            root.members.sort_unstable();
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
        let (plan, rep) = Plan::build(&c, 5, &AddrPolicy::default(), true);
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
        let (_, plain) = Plan::build(&c, 5, &AddrPolicy::default(), false);
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
        let n = |c: &Counts| c.nets.values().next().unwrap().addrs.count(c.cap);
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
