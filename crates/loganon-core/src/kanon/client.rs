//! How a client address is counted (its network and the hash of the
//! address), and the hasher of the count's maps.

use std::collections::HashMap;

use crate::addr::{self, v6_mask, AddrPolicy};

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

pub(super) type Map<K, V> = HashMap<K, V, Seeded>;
