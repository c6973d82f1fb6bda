//! The counts of `--min-k` as bytes, so that counts made apart (Spark and
//! Dask tasks, processes, machines) are merged where the plan is made:
//! [`Counts::to_bytes`], [`Counts::from_bytes`]. The client hashes are
//! stable across runs and versions (see `client.rs`), so merged counts are
//! the counts of the whole data.
//!
//! Layout (little-endian): `LGKC`, version 1 (u8), the cap (u32), the
//! number of days (u32); per day: the day (i64), the IPv4 networks (u32)
//! then each (net u32, requests u64, distinct), the IPv6 networks (u32)
//! then each (net u128, requests u64, distinct). A distinct is a tag: 0
//! and one hash (u64); 1, a length (u32) and that many hashes, sorted; 2
//! and the 256 registers of a sketch. Networks are written in order, so
//! the same counts give the same bytes.

use super::counts::{Counts, DayCounts, Distinct, Net, EXACT_MIN, SKETCH_M};

const MAGIC: &[u8; 4] = b"LGKC";
const VERSION: u8 = 1;

/// Bytes that are not counts: what is wrong, at which byte.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not loganon counts: {what} at byte {at}")]
pub struct WireError {
    /// what was expected
    pub what: &'static str,
    /// where
    pub at: usize,
}

fn put_distinct(out: &mut Vec<u8>, d: &Distinct) {
    match d {
        Distinct::One(h) => {
            out.push(0);
            out.extend_from_slice(&h.to_le_bytes());
        }
        Distinct::Exact(v) => {
            out.push(1);
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            for h in v.iter() {
                out.extend_from_slice(&h.to_le_bytes());
            }
        }
        Distinct::Sketch(regs) => {
            out.push(2);
            out.extend_from_slice(&regs[..]);
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&[u8], WireError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or(WireError { what, at: self.at })?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4, what)?);
        Ok(u32::from_le_bytes(a))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, WireError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, what)?);
        Ok(u64::from_le_bytes(a))
    }

    fn u128(&mut self, what: &'static str) -> Result<u128, WireError> {
        let mut a = [0u8; 16];
        a.copy_from_slice(self.take(16, what)?);
        Ok(u128::from_le_bytes(a))
    }

    fn distinct(&mut self, cap: usize) -> Result<Distinct, WireError> {
        let at = self.at;
        match self.u8("a distinct's tag")? {
            0 => Ok(Distinct::One(self.u64("a hash")?)),
            1 => {
                let n = self.u32("a set's length")? as usize;
                if n < 2 || n > cap {
                    return Err(WireError {
                        what: "a set of 2 to cap hashes",
                        at,
                    });
                }
                let mut v = Vec::with_capacity(n.min(self.b.len() / 8));
                for _ in 0..n {
                    v.push(self.u64("a hash")?);
                }
                if !v.windows(2).all(|w| w[0] < w[1]) {
                    return Err(WireError {
                        what: "a set of sorted hashes",
                        at,
                    });
                }
                Ok(Distinct::Exact(v.into_boxed_slice()))
            }
            2 => {
                let mut regs = Box::new([0u8; SKETCH_M]);
                regs.copy_from_slice(self.take(SKETCH_M, "a sketch")?);
                Ok(Distinct::Sketch(regs))
            }
            _ => Err(WireError {
                what: "a distinct's tag 0-2",
                at,
            }),
        }
    }
}

impl Counts {
    /// The counts as bytes (see the module's layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&(self.cap as u32).to_le_bytes());
        out.extend_from_slice(&(self.days.len() as u32).to_le_bytes());
        for (day, d) in &self.days {
            out.extend_from_slice(&day.to_le_bytes());
            let mut v4: Vec<_> = d.v4.iter().collect();
            v4.sort_unstable_by_key(|(k, _)| **k);
            out.extend_from_slice(&(v4.len() as u32).to_le_bytes());
            for (net, n) in v4 {
                out.extend_from_slice(&net.to_le_bytes());
                out.extend_from_slice(&n.requests.to_le_bytes());
                put_distinct(&mut out, &n.addrs);
            }
            let mut v6: Vec<_> = d.v6.iter().collect();
            v6.sort_unstable_by_key(|(k, _)| **k);
            out.extend_from_slice(&(v6.len() as u32).to_le_bytes());
            for (net, n) in v6 {
                out.extend_from_slice(&net.to_le_bytes());
                out.extend_from_slice(&n.requests.to_le_bytes());
                put_distinct(&mut out, &n.addrs);
            }
        }
        out
    }

    /// Counts from [`Counts::to_bytes`]'s bytes; an error names what is
    /// wrong and where (never a panic, whatever the bytes).
    pub fn from_bytes(b: &[u8]) -> Result<Counts, WireError> {
        let mut r = Reader { b, at: 0 };
        if r.take(4, "the magic LGKC")? != MAGIC {
            return Err(WireError {
                what: "the magic LGKC",
                at: 0,
            });
        }
        if r.u8("the version")? != VERSION {
            return Err(WireError {
                what: "version 1",
                at: 4,
            });
        }
        let cap = r.u32("the cap")? as usize;
        if cap < EXACT_MIN {
            return Err(WireError {
                what: "a cap of at least 64",
                at: 5,
            });
        }
        let mut c = Counts::new(cap as u64);
        let days = r.u32("the number of days")?;
        let mut last = None;
        for _ in 0..days {
            let at = r.at;
            let day = r.u64("a day")? as i64;
            if last.is_some_and(|l| l >= day) {
                return Err(WireError {
                    what: "days in order",
                    at,
                });
            }
            last = Some(day);
            let mut d = DayCounts::default();
            for _ in 0..r.u32("the IPv4 networks")? {
                let net = r.u32("a network")?;
                let requests = r.u64("the requests")?;
                let addrs = r.distinct(cap)?;
                d.v4.insert(net, Net { addrs, requests });
            }
            for _ in 0..r.u32("the IPv6 networks")? {
                let net = r.u128("a network")?;
                let requests = r.u64("the requests")?;
                let addrs = r.distinct(cap)?;
                d.v6.insert(net, Net { addrs, requests });
            }
            c.days.push((day, d));
        }
        if r.at != b.len() {
            return Err(WireError {
                what: "the end",
                at: r.at,
            });
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::AddrPolicy;
    use crate::kanon::{client_v4, client_v6, Plan};

    #[test]
    fn counts_made_apart_and_merged_through_bytes_plan_as_counts_made_together() {
        let policy = AddrPolicy::new(24, 48, &[]);
        let clients: Vec<_> = (0..300u32)
            .map(|i| client_v4(&policy, 0xc633_6400 | (i % 200)).unwrap())
            .chain((0..90u128).map(|i| client_v6(&policy, (0x2001_0db8 << 96) | i).unwrap()))
            .collect();
        let (mut whole, mut a, mut b) = (Counts::new(5), Counts::new(5), Counts::new(5));
        for (i, c) in clients.iter().enumerate() {
            let day = 20_000 + (i % 3) as i64;
            whole.add(day, *c, true);
            if i % 2 == 0 { &mut a } else { &mut b }.add(day, *c, true);
        }
        let bytes = a.to_bytes();
        let mut back = Counts::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes, "the same counts, the same bytes");
        back.merge(&mut Counts::from_bytes(&b.to_bytes()).unwrap());
        assert_eq!(back.to_bytes(), whole.to_bytes());
        let report = |c: Counts| Plan::build(c, 5, &policy, true).1.to_json();
        assert_eq!(report(back), report(whole));
    }

    #[test]
    fn bytes_that_are_not_counts_are_an_error_never_a_panic() {
        let mut c = Counts::new(5);
        let policy = AddrPolicy::new(24, 48, &[]);
        for i in 0..100 {
            c.add(20_000, client_v4(&policy, 0x0a00_0000 | i).unwrap(), true);
        }
        let good = c.to_bytes();
        for n in 0..good.len() {
            assert!(Counts::from_bytes(&good[..n]).is_err(), "cut at {n}");
        }
        let mut bad = good.clone();
        bad[0] = b'X';
        assert_eq!(
            Counts::from_bytes(&bad).unwrap_err().to_string(),
            "not loganon counts: the magic LGKC at byte 0"
        );
        let mut longer = good.clone();
        longer.push(0);
        assert!(Counts::from_bytes(&longer).is_err());
        // a huge length claimed is refused, not allocated
        let mut huge = b"LGKC\x01\x40\x00\x00\x00\xff\xff\xff\xff".to_vec();
        huge.extend_from_slice(&[0; 8]);
        assert!(Counts::from_bytes(&huge).is_err());
    }
}
