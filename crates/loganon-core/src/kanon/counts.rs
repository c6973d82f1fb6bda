//! The distinct client addresses and requests of each network and day:
//! exact sets of hashes up to a cap, then a sketch.

use super::client::{Client, Map};

/// The exact sets hold at least this many addresses before a sketch.
pub const EXACT_MIN: usize = 64;

const SKETCH_BITS: u32 = 8;
pub(super) const SKETCH_M: usize = 1 << SKETCH_BITS;

/// The distinct addresses of one network and day: one hash inline, a
/// sorted boxed slice (exactly as long as it holds: most networks hold a
/// few), or a sketch; 24 bytes with the tag.
#[derive(Clone, Debug)]
pub(super) enum Distinct {
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
    pub(super) fn count(&self, cap: usize) -> u64 {
        match self {
            Distinct::One(_) => 1,
            Distinct::Exact(v) => v.len() as u64,
            Distinct::Sketch(regs) => sketch_count(regs).max(cap as u64 + 1),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Net {
    pub(super) addrs: Distinct,
    pub(super) requests: u64,
}

/// The counts of one day. Lines come mostly in time order, so the day in
/// hand stays in the cache whatever the number of days.
#[derive(Clone, Debug, Default)]
pub(super) struct DayCounts {
    pub(super) v4: Map<u32, Net>,
    pub(super) v6: Map<u128, Net>,
}

/// Distinct client addresses and requests per network and day. Merging is
/// a union (exact sets) or a maximum (sketches): the result does not depend
/// on the order of lines, chunks or threads.
#[derive(Clone, Debug)]
pub struct Counts {
    pub(super) cap: usize,
    /// sorted by day
    pub(super) days: Vec<(i64, DayCounts)>,
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
