//! Values already scanned and found to hold nothing the rules take.
//!
//! User agents repeat: a few hundred strings cover most lines of a real log
//! (the corpus's Apache log from Elastic: 558 in 9,999 lines), and scanning one
//! costs more than the rest of a combined line (a user agent is full of
//! dotted versions, each a candidate address). Requests and referers repeat
//! too (static files, the site's own pages): a CLF line's request and
//! referer, a JSON line's request and referer values and a W3C line's path,
//! query and referer columns take the same way (see
//! [`crate::formats::record::RoleWalk`]). A value is remembered only
//! when scanning it on its own changed nothing, and it is taken as clean only
//! when the bytes are equal, not merely the hash: a hit is exactly a scan
//! that would have found nothing. The scan of a value on its own is a pure
//! function of its bytes and the engine's rules, so a cache belongs to one
//! engine (it lives in the per-worker [`crate::formats::Ctx`]).
//!
//! Hand-written rather than a map crate: a direct-mapped table of a fixed
//! size, with no allocation per line once warm and a bounded footprint
//! (`SETS * WAYS` values of at most `MAX_LEN` bytes: 512 KiB at most per
//! worker).

/// Sets in the table (a power of two), of `WAYS` slots each: two values
/// whose hashes share a set both stay (a direct-mapped table let two
/// frequent agents that collide evict each other on every line).
const SETS: usize = 512;
const WAYS: usize = 2;
/// Longer values are not remembered.
pub const MAX_LEN: usize = 512;
/// A slot's credit: hits raise it (to this), misses on the slot by other
/// values lower it, and a value takes the slot only at zero, so a frequent
/// value is not evicted by a stream of one-off ones.
const MAX_CREDIT: u8 = 4;

#[derive(Debug, Default)]
struct Slot {
    hash: u64,
    credit: u8,
    bytes: Vec<u8>,
}

/// A table of values known to be clean (see the module docs).
#[derive(Debug, Default)]
pub struct CleanCache {
    slots: Vec<Slot>,
}

/// FxHash-style (multiply-rotate over 8-byte words): a few instructions a
/// word; equality is checked on the bytes anyway. (Hashing only the ends of
/// a long value cost more than it saved: more agents shared a set.)
#[inline]
fn hash(v: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = v.len() as u64;
    let mut words = v.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut b = [0u8; 8];
        b[..tail.len()].copy_from_slice(tail);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// What a lookup found: a hit, or the hash to insert with after a scan.
pub enum Lookup {
    Clean,
    Miss(u64),
}

impl CleanCache {
    /// Whether `v` is known to be clean.
    #[inline]
    pub fn lookup(&mut self, v: &[u8]) -> Lookup {
        let h = hash(v);
        let set = (h as usize & (SETS - 1)) * WAYS;
        if let Some(ways) = self.slots.get_mut(set..set + WAYS) {
            for s in ways {
                if s.hash == h && s.credit > 0 && s.bytes == v {
                    s.credit = (s.credit + 1).min(MAX_CREDIT);
                    return Lookup::Clean;
                }
            }
        }
        Lookup::Miss(h)
    }

    /// Remembers `v` (hash `h` from [`CleanCache::lookup`]), scanned and
    /// found clean, unless its slot holds a value with credit left.
    pub fn insert(&mut self, h: u64, v: &[u8]) {
        if v.len() > MAX_LEN {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SETS * WAYS, Slot::default);
        }
        let set = (h as usize & (SETS - 1)) * WAYS;
        let ways = &mut self.slots[set..set + WAYS];
        // a free slot, else both lose credit and the value waits
        let Some(s) = ways.iter_mut().find(|s| s.credit == 0) else {
            ways.iter_mut().for_each(|s| s.credit -= 1);
            return;
        };
        s.hash = h;
        s.credit = 1;
        s.bytes.clear();
        s.bytes.extend_from_slice(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_equal_bytes() {
        let mut c = CleanCache::default();
        let Lookup::Miss(h) = c.lookup(b"\"curl/8.4.0\"") else {
            panic!("empty cache hit")
        };
        c.insert(h, b"\"curl/8.4.0\"");
        assert!(matches!(c.lookup(b"\"curl/8.4.0\""), Lookup::Clean));
        assert!(matches!(c.lookup(b"\"curl/8.4.1\""), Lookup::Miss(_)));
    }

    #[test]
    fn frequent_values_stay() {
        let mut c = CleanCache::default();
        let v = b"\"Mozilla/5.0\"".as_slice();
        let Lookup::Miss(h) = c.lookup(v) else { panic!() };
        c.insert(h, v);
        for _ in 0..3 {
            assert!(matches!(c.lookup(v), Lookup::Clean));
        }
        // two values of one set both stay; a third cannot take a slot
        // while they have credit
        c.insert(h ^ 0x1_0000_0000, b"\"x\"");
        c.insert(h ^ 0x2_0000_0000, b"\"y\"");
        assert!(matches!(c.lookup(v), Lookup::Clean));
        // long values are never kept
        let long = vec![b'a'; MAX_LEN + 1];
        let Lookup::Miss(hl) = c.lookup(&long) else { panic!() };
        c.insert(hl, &long);
        assert!(matches!(c.lookup(&long), Lookup::Miss(_)));
    }
}
