//! The keys in force for one day: the pseudonyms of every keyed mode
//! under that day's key, cached, and the tweaks of ipcrypt-nd and -ndx.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io::Write;

use super::{CryptoPan, IpMode, Tweak};

/// The keys in force for one day.
pub struct DayKeys {
    pan: CryptoPan,
    /// the day's key: ipcrypt-pfx's and ipcrypt-ndx's; its first half
    /// ipcrypt-deterministic's and ipcrypt-nd's
    pfx: [u8; 32],
    /// the ipcrypt ciphers of that key, built once
    ciphers: crate::ipcrypt::Ciphers,
    /// where ipcrypt-nd and ipcrypt-ndx take their tweaks
    tweaks: Option<TweakGen>,
    addr_hash: blake3::Hasher,
    id_hash: blake3::Hasher,
    /// pseudonyms already computed (Crypto-PAn costs 32 or 128 AES blocks)
    cache: RefCell<HashMap<(u8, u128), u128, BuildHasherDefault<AddrHasher>>>,
}

/// A multiplicative hasher for the address cache: the keys are addresses
/// already (no attacker controls the table's layout usefully: a bad spread only
/// costs time, and the cache is cleared at 2^20 entries). SipHash, the default,
/// cost more than the hashing it saved.
#[derive(Default)]
pub(crate) struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u8(&mut self, v: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(v)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u128(&mut self, v: u128) {
        for half in [v as u64, (v >> 64) as u64] {
            self.0 = (self.0.rotate_left(5) ^ half).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

const CACHE_MAX: usize = 1 << 20;

/// The tweaks of ipcrypt-nd and ipcrypt-ndx: AES-128 under the run's
/// random seed of a block no other tweak of the process has (this day
/// keys' own number, then a count): AES being a permutation, no two
/// occurrences get the same 16 bytes (ndx's tweak; nd takes the first 8,
/// which repeat only by chance, at about 2^32 of them). Or one fixed tweak
/// (the draft's test vectors).
struct TweakGen {
    fixed: Option<[u8; 16]>,
    prf: aes::Aes128,
    nonce: u64,
    n: std::cell::Cell<u64>,
}

/// Numbers the [`TweakGen`]s of a process.
static TWEAK_NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl TweakGen {
    fn new(tweak: &Tweak) -> Option<TweakGen> {
        use aes::cipher::KeyInit;
        let (fixed, seed) = match tweak {
            Tweak::None => return None,
            Tweak::Seed(seed) => (None, *seed),
            Tweak::Fixed(t) => (Some(*t), [0; 32]),
        };
        Some(TweakGen {
            fixed,
            prf: aes::Aes128::new(seed[..16].into()),
            nonce: TWEAK_NONCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            n: std::cell::Cell::new(0),
        })
    }

    fn next(&self) -> [u8; 16] {
        use aes::cipher::BlockEncrypt;
        if let Some(t) = self.fixed {
            return t;
        }
        let i = self.n.get();
        self.n.set(i.wrapping_add(1));
        let mut b = aes::Block::from((u128::from(self.nonce) << 64 | u128::from(i)).to_be_bytes());
        self.prf.encrypt_block(&mut b);
        b.into()
    }
}

impl DayKeys {
    pub(super) fn new(key: &[u8; 32], tweak: &Tweak) -> DayKeys {
        let sub = |ctx: &str| blake3::Hasher::new_keyed(&blake3::keyed_hash(key, ctx.as_bytes()).into());
        DayKeys {
            pan: CryptoPan::new(key),
            pfx: *key,
            ciphers: crate::ipcrypt::Ciphers::new(key),
            tweaks: TweakGen::new(tweak),
            addr_hash: sub("loganon addresses"),
            id_hash: sub("loganon identifiers"),
            cache: RefCell::new(HashMap::default()),
        }
    }

    /// The pseudonym of `a` under `mode` (and family), computed once: the
    /// cache is keyed by both, since one day's keys serve every mode.
    fn cached(&self, mode: IpMode, v6: bool, a: u128, f: impl FnOnce() -> u128) -> u128 {
        let tag = (mode as u8) << 1 | u8::from(v6);
        if let Some(&p) = self.cache.borrow().get(&(tag, a)) {
            return p;
        }
        let p = f();
        let mut c = self.cache.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert((tag, a), p);
        p
    }

    fn hash(h: &blake3::Hasher, data: &[u8]) -> [u8; 32] {
        let mut h = h.clone();
        h.update(data);
        *h.finalize().as_bytes()
    }

    /// The pseudonym of an IPv4 address under a keyed `mode` (the address
    /// itself under the others), cached per day.
    pub fn v4(&self, mode: IpMode, a: u32) -> u32 {
        match mode {
            IpMode::CryptoPan => self.cached(mode, false, u128::from(a), || u128::from(self.pan.v4(a))) as u32,
            IpMode::IpcryptPfx => self.cached(mode, false, u128::from(a), || u128::from(self.ciphers.pfx_v4(a))) as u32,
            IpMode::Hash => self.cached(mode, false, u128::from(a), || {
                let h = Self::hash(&self.addr_hash, &a.to_be_bytes());
                u128::from(0xF000_0000 | (u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x0FFF_FFFF))
            }) as u32,
            _ => a,
        }
    }

    /// The pseudonym of an IPv6 address under a keyed `mode`, as [`DayKeys::v4`].
    pub fn v6(&self, mode: IpMode, a: u128) -> u128 {
        match mode {
            IpMode::CryptoPan => self.cached(mode, true, a, || self.pan.v6(a)),
            IpMode::IpcryptPfx => self.cached(mode, true, a, || self.ciphers.pfx_v6(a)),
            IpMode::Hash => self.cached(mode, true, a, || {
                let h = Self::hash(&self.addr_hash, &a.to_be_bytes());
                let mut b = [0u8; 16];
                b.copy_from_slice(&h[..16]);
                (0xfd << 120) | (u128::from_be_bytes(b) >> 8)
            }),
            _ => a,
        }
    }

    /// The address a pseudonym of a reversible keyed `mode` stands for
    /// (`loganon reveal`): None for a mode that is one-way (`hash`) or
    /// keeps no host part (`truncate`, `drop`).
    pub fn reveal_v4(&self, mode: IpMode, p: u32) -> Option<u32> {
        match mode {
            IpMode::CryptoPan => Some(self.pan.v4_reveal(p)),
            IpMode::IpcryptPfx => Some(crate::ipcrypt::pfx_v4_reveal(&self.pfx, p)),
            _ => None,
        }
    }

    /// [`DayKeys::reveal_v4`] for IPv6.
    pub fn reveal_v6(&self, mode: IpMode, p: u128) -> Option<u128> {
        match mode {
            IpMode::CryptoPan => Some(self.pan.v6_reveal(p)),
            IpMode::IpcryptPfx => Some(crate::ipcrypt::pfx_v6_reveal(&self.pfx, p)),
            _ => None,
        }
    }

    fn half(&self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k.copy_from_slice(&self.pfx[..16]);
        k
    }

    /// Writes the pseudonym of `a` (an address in its 16-byte form, IPv4
    /// mapped) under an ipcrypt mode that writes text
    /// ([`IpMode::writes_text`]): an address for ipcrypt-deterministic,
    /// hex digits for ipcrypt-nd and ipcrypt-ndx. Without tweaks (a key
    /// ring made without a tweak source), nd and ndx write `0.0.0.0`:
    /// nothing of the address, rather than a reused tweak.
    /// Returns deterministic's pseudonym as a 16-byte block (what a settling
    /// pass keeps), None for the others.
    pub fn write_text(&self, mode: IpMode, a: u128, out: &mut Vec<u8>) -> Option<u128> {
        let hex = |out: &mut Vec<u8>, bytes: &[u8]| {
            for b in bytes {
                out.push(b"0123456789abcdef"[usize::from(b >> 4)]);
                out.push(b"0123456789abcdef"[usize::from(b & 15)]);
            }
        };
        match (mode, &self.tweaks) {
            (IpMode::IpcryptNd, Some(t)) => {
                let mut tweak = [0u8; 8];
                tweak.copy_from_slice(&t.next()[..8]);
                hex(out, &self.ciphers.nd(&tweak, a));
            }
            (IpMode::IpcryptNdx, Some(t)) => hex(out, &self.ciphers.ndx(&t.next(), a)),
            (IpMode::IpcryptDeterministic, _) => {
                let p = self.cached(mode, true, a, || self.ciphers.deterministic(a));
                match crate::ipcrypt::unmapped(p) {
                    Some(v4) => crate::addr::write_v4(out, v4),
                    None => crate::addr::write_v6(out, p),
                }
                return Some(p);
            }
            _ => out.extend_from_slice(b"0.0.0.0"),
        }
        None
    }

    /// The address (16-byte form) behind a pseudonym an ipcrypt mode that
    /// writes text wrote: an address for ipcrypt-deterministic, hex digits
    /// for nd and ndx. None when `p` is not one.
    pub fn reveal_text(&self, mode: IpMode, p: &[u8]) -> Option<u128> {
        let bytes = |n: usize| -> Option<Vec<u8>> {
            if p.len() != 2 * n {
                return None;
            }
            p.chunks_exact(2)
                .map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                .collect()
        };
        match mode {
            IpMode::IpcryptDeterministic => {
                let a: std::net::IpAddr = std::str::from_utf8(p).ok()?.parse().ok()?;
                let block = match a {
                    std::net::IpAddr::V4(v4) => crate::ipcrypt::mapped(u32::from(v4)),
                    std::net::IpAddr::V6(v6) => u128::from(v6),
                };
                Some(crate::ipcrypt::deterministic_reveal(&self.half(), block))
            }
            IpMode::IpcryptNd => Some(crate::ipcrypt::nd_reveal(&self.half(), &bytes(24)?.try_into().ok()?)),
            IpMode::IpcryptNdx => Some(crate::ipcrypt::ndx_reveal(&self.pfx, &bytes(32)?.try_into().ok()?)),
            _ => None,
        }
    }

    /// `~` and 16 hex digits.
    pub fn id(&self, value: &[u8], out: &mut Vec<u8>) {
        let h = Self::hash(&self.id_hash, value);
        out.push(b'~');
        for b in &h[..8] {
            let _ = write!(out, "{b:02x}");
        }
    }
}
