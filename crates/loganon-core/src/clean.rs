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
//! Hand-written rather than a map crate: a set-associative table of a
//! fixed size, with no allocation per line once warm and a bounded
//! footprint (`SETS * WAYS` values of at most `MAX_LEN` bytes: 512 KiB at
//! most per worker). A lookup runs on every repeating field of every line,
//! so it is built for the data cache and the pipeline: the tags, lengths
//! and credits of all slots in one small array (8 KiB, read first), the
//! bytes of a set side by side at fixed places (made when the set takes
//! its first value), and a hash that reads four words at a time in
//! independent lanes.

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

/// What the table knows of a slot: the high half of its value's hash (the
/// low bits chose the set), its credit and its length; the bytes are kept
/// apart, at the slot's place. Eight bytes, so that all the slots fit in
/// 8 KiB of the data cache.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    tag: u32,
    len: u16,
    credit: u8,
}

/// The part of a hash a slot keeps.
fn tag(h: u64) -> u32 {
    (h >> 32) as u32
}

/// A table of values known to be clean (see the module docs).
#[derive(Debug, Default)]
pub struct CleanCache {
    slots: Vec<Slot>,
    /// per set, when it has held a value: `MAX_LEN` bytes per way
    bytes: Vec<Option<Box<[u8]>>>,
}

const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline(always)]
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(K)
}

/// FxHash-style (multiply-rotate over 8-byte words) in four lanes of 32
/// bytes each, folded into one at the end; equality is checked on the
/// bytes anyway. (Hashing only the ends of a long value cost more than it
/// saved: more agents shared a set.)
#[inline]
fn hash(v: &[u8]) -> u64 {
    let mut lanes = [v.len() as u64, K, K.rotate_left(16), K.rotate_left(32)];
    let mut blocks = v.chunks_exact(32);
    for b in &mut blocks {
        for (l, w) in lanes.iter_mut().zip(b.chunks_exact(8)) {
            *l = mix(*l, word(w));
        }
    }
    let mut h = lanes.iter().fold(0, |h, &l| mix(h, l));
    let mut words = blocks.remainder().chunks_exact(8);
    for w in &mut words {
        h = mix(h, word(w));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // the last eight bytes of the value as one load (they overlap words
        // already hashed): a copy of the tail into a word is a call to
        // `memcpy` and a stalled load after it, which cost more than the rest
        let last = match v.len().checked_sub(8) {
            Some(p) => word(&v[p..]),
            None => tail.iter().fold(0, |w, &b| w << 8 | u64::from(b)),
        };
        h = mix(h, last);
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
            for (w, s) in ways.iter_mut().enumerate() {
                if s.tag == tag(h) && s.credit > 0 && usize::from(s.len) == v.len() {
                    let at = w * MAX_LEN;
                    let held = self.bytes[set / WAYS].as_deref().unwrap_or_default();
                    if held.get(at..at + v.len()) == Some(v) {
                        s.credit = (s.credit + 1).min(MAX_CREDIT);
                        return Lookup::Clean;
                    }
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
            self.slots = vec![Slot::default(); SETS * WAYS];
            self.bytes = vec![None; SETS];
        }
        let set = (h as usize & (SETS - 1)) * WAYS;
        let ways = &mut self.slots[set..set + WAYS];
        // a free slot, else both lose credit and the value waits
        let Some(w) = ways.iter().position(|s| s.credit == 0) else {
            ways.iter_mut().for_each(|s| s.credit -= 1);
            return;
        };
        ways[w] = Slot {
            tag: tag(h),
            // (MAX_LEN fits)
            len: v.len() as u16,
            credit: 1,
        };
        let held = self.bytes[set / WAYS].get_or_insert_with(|| vec![0; WAYS * MAX_LEN].into_boxed_slice());
        held[w * MAX_LEN..w * MAX_LEN + v.len()].copy_from_slice(v);
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
