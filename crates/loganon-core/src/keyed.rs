//! Keyed pseudonyms: Crypto-PAn, hashed addresses, hashed identifiers, and
//! the keys behind them.
//!
//! - Crypto-PAn (Fan, Xu, Ammar, Moon 2004) is prefix-preserving: two
//!   addresses sharing a k-bit prefix map to pseudonyms sharing exactly a k-bit
//!   prefix. IPv4 follows the reference construction bit for bit (it meets the
//!   published vectors); IPv6 applies the same construction over 128 bits.
//! - `hash` maps an address to a stable pseudonymous address of its family in a
//!   reserved range: IPv4 into 240.0.0.0/4 (28 hashed bits), IPv6 into fd00::/8
//!   (120 hashed bits), so tools still parse the field and distinct counts
//!   still work.
//! - Hashed identifiers are `~` and 16 hex digits of a keyed BLAKE3 hash.
//! - With `--rotate-key daily` each day has its own key, derived from the master
//!   key and the date of the line's own timestamp: the same value maps to the
//!   same pseudonym within a day and to unlinkable ones across days, and output
//!   depends only on input and key (not on `-j` or chunking).
//!
//! Nothing here reads a file or the clock: the key comes in as a
//! [`MasterKey`] (read by `io::keys`), the day as a number.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io::Write;
use std::rc::Rc;

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use serde::Deserialize;

/// A 32-byte master key.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey(pub [u8; 32]);

/// Key bytes that are not a key: their length; the text says what a key
/// holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("holds {0} bytes; it must hold 32 raw bytes or 64 hex digits")]
pub struct KeyError(pub usize);

impl MasterKey {
    /// A key from what a key file (or a binding's caller) holds: 32 raw
    /// bytes, or 64 hex digits with white space around them.
    pub fn from_bytes(bytes: &[u8]) -> Result<MasterKey, KeyError> {
        let mut k = [0u8; 32];
        if bytes.len() == 32 {
            k.copy_from_slice(bytes);
            return Ok(MasterKey(k));
        }
        let text = bytes.trim_ascii();
        let hex = |c: u8| (c as char).to_digit(16);
        if text.len() == 64 {
            for (k, pair) in k.iter_mut().zip(text.chunks_exact(2)) {
                match (hex(pair[0]), hex(pair[1])) {
                    (Some(h), Some(l)) => *k = (h * 16 + l) as u8,
                    _ => return Err(KeyError(bytes.len())),
                }
            }
            return Ok(MasterKey(k));
        }
        Err(KeyError(bytes.len()))
    }

    /// 64 hex digits (white space around them ignored): a key given as
    /// text (`--key-env`).
    pub fn from_hex(text: &str) -> Option<MasterKey> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut k = [0u8; 32];
        for (i, k) in k.iter_mut().enumerate() {
            *k = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(MasterKey(k))
    }

    /// A key as a key file holds it ([`MasterKey::from_bytes`]), or none.
    pub fn parse(bytes: &[u8]) -> Option<MasterKey> {
        MasterKey::from_bytes(bytes).ok()
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)") // never print the key
    }
}

/// Crypto-PAn with one 32-byte key.
pub struct CryptoPan {
    aes: Aes128,
    pad: [u8; 16],
}

impl CryptoPan {
    /// Crypto-PAn with `key`: AES-128 over its first 16 bytes, the pad from
    /// the last 16.
    pub fn new(key: &[u8; 32]) -> CryptoPan {
        let aes = Aes128::new(key[..16].into());
        let mut pad = aes::Block::clone_from_slice(&key[16..]);
        aes.encrypt_block(&mut pad);
        let mut p = [0u8; 16];
        p.copy_from_slice(&pad);
        CryptoPan { aes, pad: p }
    }

    /// The first bit of AES(block) for each block, as bits of a u128 (block
    /// 0 is the most significant of the `n` used bits). The blocks do not
    /// depend on each other, so they are encrypted in one batch, which lets
    /// AES-NI pipeline them (several times faster than one at a time).
    fn first_bits(&self, blocks: &mut [aes::Block]) -> u128 {
        self.aes.encrypt_blocks(blocks);
        blocks.iter().fold(0u128, |acc, b| (acc << 1) | u128::from(b[0] >> 7))
    }

    /// The address whose pseudonym is `p` (`bits` 32 or 128, `p` in the
    /// low bits): bit by bit, each original bit is the pseudonym's XOR the
    /// function of the original prefix before it, known by then.
    fn reveal(&self, p: u128, bits: u32) -> u128 {
        let pad = u128::from_be_bytes(self.pad);
        let mut orig = 0u128;
        for pos in 0..bits {
            // the block: the original's first `pos` bits, then the pad's
            let mask = if pos == 0 { 0 } else { u128::MAX << (128 - pos) };
            let known = orig << (128 - bits);
            let pad_part = if bits == 32 {
                // IPv4: the pad's first 32 bits fill the address, the rest stays the pad's
                let hi = (pad >> 96) << 96;
                (hi & !mask) | (pad & ((1u128 << 96) - 1))
            } else {
                pad & !mask
            };
            let mut b = [aes::Block::from(((known & mask) | pad_part).to_be_bytes())];
            let f = (self.first_bits(&mut b) & 1) as u32;
            let bit = ((p >> (bits - 1 - pos)) & 1) as u32 ^ f;
            orig |= u128::from(bit) << (bits - 1 - pos);
        }
        orig
    }

    /// The IPv4 address whose pseudonym is `p` (`reveal`).
    pub fn v4_reveal(&self, p: u32) -> u32 {
        self.reveal(u128::from(p), 32) as u32
    }

    /// The IPv6 address whose pseudonym is `p`.
    pub fn v6_reveal(&self, p: u128) -> u128 {
        self.reveal(p, 128)
    }

    /// The prefix-preserving pseudonym of an IPv4 address.
    pub fn v4(&self, addr: u32) -> u32 {
        let pad = u128::from_be_bytes(self.pad);
        let pad_hi = (pad >> 96) as u32;
        let mut blocks = [aes::Block::default(); 32];
        for (pos, b) in blocks.iter_mut().enumerate() {
            let mask = if pos == 0 { 0 } else { u32::MAX << (32 - pos) };
            let first = (addr & mask) | (pad_hi & !mask);
            let block = (u128::from(first) << 96) | (pad & ((1u128 << 96) - 1));
            *b = aes::Block::from(block.to_be_bytes());
        }
        addr ^ (self.first_bits(&mut blocks) as u32)
    }

    /// The prefix-preserving pseudonym of an IPv6 address.
    pub fn v6(&self, addr: u128) -> u128 {
        let pad = u128::from_be_bytes(self.pad);
        let mut blocks = [aes::Block::default(); 128];
        for (pos, b) in blocks.iter_mut().enumerate() {
            let mask = if pos == 0 { 0 } else { u128::MAX << (128 - pos) };
            *b = aes::Block::from(((addr & mask) | (pad & !mask)).to_be_bytes());
        }
        addr ^ self.first_bits(&mut blocks)
    }
}

/// How addresses are pseudonymized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpMode {
    /// Cut to the prefixes (`--ipv4-prefix`, `--ipv6-prefix`).
    #[default]
    Truncate,
    /// A keyed hash into a reserved range of the family.
    Hash,
    /// Crypto-PAn, prefix-preserving.
    CryptoPan,
    /// The IETF draft's ipcrypt-pfx (prefix-preserving, the family kept;
    /// see [`crate::ipcrypt`]): the day's 32-byte key as its key, the key
    /// file as it is with `rotate_key = "never"`, so other tools with the
    /// same key give the same pseudonyms.
    #[serde(rename = "ipcrypt-pfx")]
    IpcryptPfx,
    /// every address becomes 0.0.0.0 or ::
    Drop,
}

impl IpMode {
    /// Whether the mode needs a key (`hash`, `cryptopan`).
    pub fn keyed(self) -> bool {
        matches!(self, IpMode::Hash | IpMode::CryptoPan | IpMode::IpcryptPfx)
    }
}

/// Whether identifiers are replaced by `REDACTED` or by a keyed hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Identifiers {
    /// Replaced by `-` or `REDACTED`.
    #[default]
    Redact,
    /// Replaced by a keyed hash (`~` and 16 hex digits).
    Hash,
}

/// Whether the key changes: a key per day (derived from the key file and
/// the line's date), or the key as given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotate {
    /// A key per day, derived from the master key and the line's date.
    #[default]
    Daily,
    /// The master key itself, every day.
    Never,
}

/// The keys in force for one day.
pub struct DayKeys {
    pan: CryptoPan,
    /// the day's key, ipcrypt-pfx's
    pfx: [u8; 32],
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

impl DayKeys {
    fn new(key: &[u8; 32]) -> DayKeys {
        let sub = |ctx: &str| blake3::Hasher::new_keyed(&blake3::keyed_hash(key, ctx.as_bytes()).into());
        DayKeys {
            pan: CryptoPan::new(key),
            pfx: *key,
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
            IpMode::IpcryptPfx => self.cached(mode, false, u128::from(a), || {
                u128::from(crate::ipcrypt::pfx_v4(&self.pfx, a))
            }) as u32,
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
            IpMode::IpcryptPfx => self.cached(mode, true, a, || crate::ipcrypt::pfx_v6(&self.pfx, a)),
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

    /// `~` and 16 hex digits.
    pub fn id(&self, value: &[u8], out: &mut Vec<u8>) {
        let h = Self::hash(&self.id_hash, value);
        out.push(b'~');
        for b in &h[..8] {
            let _ = write!(out, "{b:02x}");
        }
    }
}

/// The master key and how it rotates; hands out the day's keys.
#[derive(Clone, Debug)]
pub struct KeyRing {
    /// The key as given.
    pub master: MasterKey,
    /// Whether each day has its own key.
    pub rotate: Rotate,
    /// distinguishes key rings in the per-thread cache
    id: u64,
}

thread_local! {
    static DAY_KEYS: RefCell<Option<(u64, i64, Rc<DayKeys>)>> = const { RefCell::new(None) };
}

impl KeyRing {
    /// The ring of `master`, rotating as `rotate` says.
    pub fn new(master: MasterKey, rotate: Rotate) -> KeyRing {
        let h = blake3::hash(&master.0);
        let id =
            u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or_default()) ^ u64::from(rotate == Rotate::Daily);
        KeyRing { master, rotate, id }
    }

    /// The day's key: with `daily`, BLAKE3 keyed by the master key over the
    /// date; with `never`, the master key itself.
    pub(crate) fn day_key(&self, day: i64) -> [u8; 32] {
        match self.rotate {
            Rotate::Never => self.master.0,
            Rotate::Daily => {
                let date = crate::time::date_string(day * 86400);
                *blake3::keyed_hash(&self.master.0, format!("loganon day {date}").as_bytes()).as_bytes()
            }
        }
    }

    /// The keys of `day` (days since 1970), cached per thread.
    pub fn for_day(&self, day: i64) -> Rc<DayKeys> {
        let day = if self.rotate == Rotate::Never { 0 } else { day };
        DAY_KEYS.with(|c| {
            let mut c = c.borrow_mut();
            if let Some((id, d, k)) = c.as_ref() {
                if *id == self.id && *d == day {
                    return k.clone();
                }
            }
            let k = Rc::new(DayKeys::new(&self.day_key(day)));
            *c = Some((self.id, day, k.clone()));
            k
        })
    }
}

/// True for a hashed identifier: `~` and 16 lower-case hex digits.
pub(crate) fn is_hashed_id(v: &[u8]) -> bool {
    v.len() == 17 && v[0] == b'~' && v[1..].iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF_KEY: [u8; 32] = [
        21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131, 121, 121, 101, 39,
        98, 87, 76, 45, 42, 132, 34, 2,
    ];

    fn v4(s: &str) -> u32 {
        u32::from(s.parse::<std::net::Ipv4Addr>().unwrap())
    }

    #[test]
    fn keys_from_bytes() {
        let hex: String = REF_KEY.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(MasterKey::from_bytes(&REF_KEY), Ok(MasterKey(REF_KEY)));
        assert_eq!(MasterKey::from_bytes(hex.as_bytes()), Ok(MasterKey(REF_KEY)));
        assert_eq!(
            MasterKey::from_bytes(format!(" {}\n", hex.to_lowercase()).as_bytes()),
            Ok(MasterKey(REF_KEY))
        );
        let not_hex = format!("{}g", &hex[..63]);
        assert_eq!(MasterKey::from_bytes(not_hex.as_bytes()), Err(KeyError(64)));
        assert_eq!(MasterKey::from_bytes(b"short"), Err(KeyError(5)));
        assert_eq!(
            KeyError(5).to_string(),
            "holds 5 bytes; it must hold 32 raw bytes or 64 hex digits"
        );
    }

    #[test]
    fn reference_vectors_from_the_paper_distribution() {
        let p = CryptoPan::new(&REF_KEY);
        assert_eq!(p.v4(v4("128.11.68.132")), v4("135.242.180.132"));
        assert_eq!(p.v4(v4("24.5.0.80")), v4("100.9.15.210"));
        assert_eq!(p.v4(v4("24.13.62.231")), v4("100.2.192.247"));
        assert_eq!(p.v4(v4("208.234.120.210")), v4("227.154.67.17"));
    }

    #[test]
    fn hash_ranges_and_ids() {
        let ring = KeyRing::new(MasterKey([7; 32]), Rotate::Daily);
        let k = ring.for_day(20454);
        let h = k.v4(IpMode::Hash, v4("1.2.3.4"));
        assert_eq!(h >> 28, 0xF);
        assert_eq!(k.v6(IpMode::Hash, 1) >> 120, 0xfd);
        let mut out = Vec::new();
        k.id(b"alice", &mut out);
        assert!(is_hashed_id(&out), "{out:?}");
        let other = ring.for_day(20455);
        assert_ne!(other.v4(IpMode::Hash, v4("1.2.3.4")), h, "daily keys differ");
        let never = KeyRing::new(MasterKey([7; 32]), Rotate::Never);
        assert_eq!(
            never.for_day(1).v4(IpMode::Hash, 5),
            never.for_day(2).v4(IpMode::Hash, 5)
        );
    }
}

#[cfg(test)]
mod reveal_tests {
    use super::*;

    #[test]
    fn crypto_pan_pseudonyms_are_revealed() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 7 + 3) as u8);
        let pan = CryptoPan::new(&key);
        for a in [0u32, 1, 0xc633_6407, 0xffff_ffff, 0x0a00_0001] {
            assert_eq!(pan.v4_reveal(pan.v4(a)), a, "{a:x}");
        }
        for a in [0u128, 1, u128::MAX, 0x2001_0db8_0000_0000_0000_0000_0000_0001] {
            assert_eq!(pan.v6_reveal(pan.v6(a)), a, "{a:x}");
        }
    }
}
