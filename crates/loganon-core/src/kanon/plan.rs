//! The plan of `--min-k`: the width of each network of each day, the
//! sparse networks pooled one step wider until they hold K.

use std::collections::HashSet;

use super::client::{Map, Seeded};
use super::counts::{Counts, Net};
use super::report::{DayReport, Report};
use crate::addr::{self, v4_mask, v6_mask, AddrPolicy};

/// The prefixes a family steps through: the configured one, then the wider
/// of `steps`, down to 0.
pub(super) fn ladder(prefix: u8, steps: &[u8]) -> Vec<u8> {
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
