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
//!
//! The files: `client` (how an address is counted, and the hasher of the
//! maps), `counts` (the distinct addresses of each network and day),
//! `plan` (the widths) and `report` (what the widths give).

mod client;
mod counts;
mod plan;
mod report;
mod wire;

pub use client::{client_v4, client_v6, Client, Mix, Seeded};
pub use counts::{Counts, EXACT_MIN};
pub use plan::Plan;
pub use report::{DayReport, Report, DEFAULT_K};
pub use wire::WireError;

#[cfg(test)]
mod tests {
    use super::plan::ladder;
    use super::*;
    use crate::addr::AddrPolicy;

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
