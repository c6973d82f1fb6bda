//! The IETF ipcrypt draft (draft-denis-ipcrypt): address encryption that
//! other tools share (libsodium, Vector's VRL, PowerDNS, ClickHouse).
//!
//! - `ipcrypt-deterministic`: AES-128 of the 16-byte form of the address
//!   (IPv4 as `::ffff:a.b.c.d`); the result is an IPv6 address (or IPv4
//!   when it happens to be IPv4-mapped).
//! - `ipcrypt-pfx`: prefix-preserving, a 32-byte key (two AES-128 keys whose
//!   encryptions are XORed); keeps the family: IPv4 stays IPv4.
//! - `ipcrypt-nd`: KIASU-BC with an 8-byte tweak: 24 bytes out (tweak and
//!   ciphertext), non-deterministic when the tweak is random.
//! - `ipcrypt-ndx`: AES-XTS with a 32-byte key and a 16-byte tweak: 32 bytes
//!   out.
//!
//! Addresses are 16-byte blocks here (`u128`, big-endian). The core draws no
//! random tweak (it has no randomness source): the caller gives it.
//!
//! KIASU-BC is hand-written (the AES rounds with the tweak added to each
//! round key): the `aes` crate does not expose round keys or a round
//! without MixColumns. The other variants use the `aes` crate.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes128;

/// An IPv4 address in its 16-byte IPv4-mapped form.
pub fn mapped(v4: u32) -> u128 {
    0xffff_0000_0000 | u128::from(v4)
}

/// The IPv4 address a 16-byte block is the IPv4-mapped form of.
pub fn unmapped(a: u128) -> Option<u32> {
    (a >> 32 == 0xffff).then_some(a as u32)
}

fn aes(key: &[u8; 16], block: u128) -> u128 {
    let c = Aes128::new(key.into());
    let mut b = aes::Block::from(block.to_be_bytes());
    c.encrypt_block(&mut b);
    u128::from_be_bytes(b.into())
}

fn aes_decrypt(key: &[u8; 16], block: u128) -> u128 {
    let c = Aes128::new(key.into());
    let mut b = aes::Block::from(block.to_be_bytes());
    c.decrypt_block(&mut b);
    u128::from_be_bytes(b.into())
}

/// `ipcrypt-deterministic`: AES-128 of the address's 16-byte form.
pub fn deterministic(key: &[u8; 16], addr: u128) -> u128 {
    aes(key, addr)
}

/// The address (16-byte form) whose `ipcrypt-deterministic` pseudonym is `p`.
pub fn deterministic_reveal(key: &[u8; 16], p: u128) -> u128 {
    aes_decrypt(key, p)
}

/// The ciphers of one 32-byte key, built once (a key schedule per address
/// cost more than the encryptions): AES-128 under its two halves, which
/// are pfx's and ndx's K1 and K2 (K1 is also deterministic's and nd's key
/// when the key is a day's derived key), and nd's KIASU-BC round keys.
pub struct Ciphers {
    k1: Aes128,
    k2: Aes128,
    nd: [[u8; 16]; 11],
}

impl Ciphers {
    /// The ciphers of `key`.
    pub fn new(key: &[u8; 32]) -> Ciphers {
        let (k1, k2) = key.split_at(16);
        let half: [u8; 16] = k1.try_into().unwrap_or([0; 16]);
        Ciphers {
            k1: Aes128::new(k1.into()),
            k2: Aes128::new(k2.into()),
            nd: kiasu::round_keys(&half),
        }
    }

    /// `ipcrypt-deterministic` under the key's first half.
    pub fn deterministic(&self, addr: u128) -> u128 {
        let mut b = aes::Block::from(addr.to_be_bytes());
        self.k1.encrypt_block(&mut b);
        u128::from_be_bytes(b.into())
    }

    /// `ipcrypt-pfx` of an IPv4 address.
    pub fn pfx_v4(&self, addr: u32) -> u32 {
        self.pfx(mapped(addr), 96) as u32
    }

    /// `ipcrypt-pfx` of an IPv6 address.
    pub fn pfx_v6(&self, addr: u128) -> u128 {
        self.pfx(addr, 0)
    }

    /// The prefix-preserving walk forwards: the prefix fed to the function
    /// at each bit is the input's, known from the start, so every bit's
    /// blocks are encrypted in one batch (AES-NI pipelines them), as
    /// Crypto-PAn's are.
    fn pfx(&self, addr: u128, start: u32) -> u128 {
        let p0: u128 = if start == 96 { (1u128 << 96) | 0xffff } else { 1 };
        let n = (128 - start) as usize;
        let mut b1 = [aes::Block::default(); 128];
        for (i, b) in b1[..n].iter_mut().enumerate() {
            let i = i as u32;
            let bits = if i == 0 { 0 } else { (addr << start) >> (128 - i) };
            *b = aes::Block::from(((p0 << i) | bits).to_be_bytes());
        }
        let mut b2 = b1;
        self.k1.encrypt_blocks(&mut b1[..n]);
        self.k2.encrypt_blocks(&mut b2[..n]);
        let mut flip = 0u128;
        for i in 0..n {
            flip |= u128::from((b1[i][15] ^ b2[i][15]) & 1) << (127 - start as usize - i);
        }
        addr ^ flip
    }

    /// `ipcrypt-nd` under the key's first half.
    pub fn nd(&self, tweak: &[u8; 8], addr: u128) -> [u8; 24] {
        let c = kiasu::encrypt_with(&self.nd, tweak, addr.to_be_bytes());
        let mut out = [0u8; 24];
        out[..8].copy_from_slice(tweak);
        out[8..].copy_from_slice(&c);
        out
    }

    /// `ipcrypt-ndx` under the whole key.
    pub fn ndx(&self, tweak: &[u8; 16], addr: u128) -> [u8; 32] {
        let mut t = aes::Block::from(*tweak);
        self.k2.encrypt_block(&mut t);
        let t = u128::from_be_bytes(t.into());
        let mut b = aes::Block::from((addr ^ t).to_be_bytes());
        self.k1.encrypt_block(&mut b);
        let c = u128::from_be_bytes(b.into()) ^ t;
        let mut out = [0u8; 32];
        out[..16].copy_from_slice(tweak);
        out[16..].copy_from_slice(&c.to_be_bytes());
        out
    }
}

/// `ipcrypt-pfx` of an IPv4 address (its 32 bits; the result is IPv4).
pub fn pfx_v4(key: &[u8; 32], addr: u32) -> u32 {
    pfx(key, mapped(addr), 96) as u32
}

/// `ipcrypt-pfx` of an IPv6 address.
pub fn pfx_v6(key: &[u8; 32], addr: u128) -> u128 {
    pfx(key, addr, 0)
}

/// The IPv4 address whose ipcrypt-pfx pseudonym is `p`.
pub fn pfx_v4_reveal(key: &[u8; 32], p: u32) -> u32 {
    pfx_walk(key, mapped(p), 96, true) as u32
}

/// The IPv6 address whose ipcrypt-pfx pseudonym is `p`.
pub fn pfx_v6_reveal(key: &[u8; 32], p: u128) -> u128 {
    pfx_walk(key, p, 0, true)
}

/// The prefix-preserving walk: bit by bit from `start` (96 for IPv4, 0 for
/// IPv6), each output bit the input bit XOR the low bit of
/// AES(K1, prefix) ^ AES(K2, prefix), the prefix padded with a separator
/// bit (the draft's `pad_prefix`).
fn pfx(key: &[u8; 32], addr: u128, start: u32) -> u128 {
    pfx_walk(key, addr, start, false)
}

/// [`pfx`] forwards, or (`reveal`) backwards: the prefix fed to the
/// function is always the original's (the input's bits forwards, the
/// output's backwards).
fn pfx_walk(key: &[u8; 32], addr: u128, start: u32, reveal: bool) -> u128 {
    let (k1, k2) = key.split_at(16);
    let (c1, c2) = (Aes128::new(k1.into()), Aes128::new(k2.into()));
    let mut out = if start == 96 { addr & !0xffff_ffff } else { 0 };
    // the padded prefix: the bits seen so far after a 1 (separator); for
    // IPv4 the 96 bits of the mapped prefix come first
    let mut padded: u128 = if start == 96 { (1u128 << 96) | 0xffff } else { 1 };
    for len in start..128 {
        let mut b1 = aes::Block::from(padded.to_be_bytes());
        let mut b2 = b1;
        c1.encrypt_block(&mut b1);
        c2.encrypt_block(&mut b2);
        let bit_of_prf = (b1[15] ^ b2[15]) & 1;
        let pos = 127 - len;
        let bit = ((addr >> pos) & 1) as u8;
        let new = bit ^ bit_of_prf;
        out |= u128::from(new) << pos;
        let original = if reveal { new } else { bit };
        padded = (padded << 1) | u128::from(original);
    }
    out
}

/// `ipcrypt-nd`: KIASU-BC of the address under `tweak`; the 24 bytes the
/// draft writes (tweak, then ciphertext).
pub fn nd(key: &[u8; 16], tweak: &[u8; 8], addr: u128) -> [u8; 24] {
    let c = kiasu::encrypt(key, tweak, addr.to_be_bytes());
    let mut out = [0u8; 24];
    out[..8].copy_from_slice(tweak);
    out[8..].copy_from_slice(&c);
    out
}

/// `ipcrypt-ndx`: AES-XTS (one block: AES(K1, P ^ T') ^ T' with
/// T' = AES(K2, tweak)) of the address; tweak then ciphertext.
pub fn ndx(key: &[u8; 32], tweak: &[u8; 16], addr: u128) -> [u8; 32] {
    let (k1, k2) = key.split_at(16);
    let k1: &[u8; 16] = k1.try_into().unwrap_or(&[0; 16]);
    let k2: &[u8; 16] = k2.try_into().unwrap_or(&[0; 16]);
    let t = aes(k2, u128::from_be_bytes(*tweak));
    let c = aes(k1, addr ^ t) ^ t;
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(tweak);
    out[16..].copy_from_slice(&c.to_be_bytes());
    out
}

/// The address (16-byte form) an `ipcrypt-nd` output (tweak, then
/// ciphertext) stands for.
pub fn nd_reveal(key: &[u8; 16], out: &[u8; 24]) -> u128 {
    let mut tweak = [0u8; 8];
    tweak.copy_from_slice(&out[..8]);
    let mut c = [0u8; 16];
    c.copy_from_slice(&out[8..]);
    u128::from_be_bytes(kiasu::decrypt(key, &tweak, c))
}

/// The address (16-byte form) an `ipcrypt-ndx` output stands for.
pub fn ndx_reveal(key: &[u8; 32], out: &[u8; 32]) -> u128 {
    let (k1, k2) = key.split_at(16);
    let k1: &[u8; 16] = k1.try_into().unwrap_or(&[0; 16]);
    let k2: &[u8; 16] = k2.try_into().unwrap_or(&[0; 16]);
    let mut tweak = [0u8; 16];
    tweak.copy_from_slice(&out[..16]);
    let mut c = [0u8; 16];
    c.copy_from_slice(&out[16..]);
    let t = aes(k2, u128::from_be_bytes(tweak));
    aes_decrypt(k1, u128::from_be_bytes(c) ^ t) ^ t
}

/// KIASU-BC: AES-128 with a 64-bit tweak spread over the state (two bytes
/// at the head of each column) and added to every round key.
mod kiasu {
    const SBOX: [u8; 256] = sbox();
    const INV_SBOX: [u8; 256] = inv_sbox();

    const fn inv_sbox() -> [u8; 256] {
        let mut s = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            s[SBOX[i] as usize] = i as u8;
            i += 1;
        }
        s
    }

    /// The AES S-box, computed (multiplicative inverse in GF(2^8), then
    /// the affine map) rather than typed in.
    const fn sbox() -> [u8; 256] {
        let mut s = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            let inv = if i == 0 { 0 } else { inverse(i as u8) };
            let mut x = inv;
            let mut r = inv;
            let mut k = 0;
            while k < 4 {
                x = x.rotate_left(1);
                r ^= x;
                k += 1;
            }
            s[i] = r ^ 0x63;
            i += 1;
        }
        s
    }

    const fn mul(mut a: u8, mut b: u8) -> u8 {
        let mut p = 0;
        while b != 0 {
            if b & 1 != 0 {
                p ^= a;
            }
            let hi = a & 0x80;
            a <<= 1;
            if hi != 0 {
                a ^= 0x1b;
            }
            b >>= 1;
        }
        p
    }

    /// a^254 = a^-1 in GF(2^8).
    const fn inverse(a: u8) -> u8 {
        let mut r = 1u8;
        let mut k = 0;
        while k < 254 {
            r = mul(r, a);
            k += 1;
        }
        r
    }

    pub(super) fn round_keys(key: &[u8; 16]) -> [[u8; 16]; 11] {
        const RCON: [u8; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];
        let mut rk = [[0u8; 16]; 11];
        rk[0] = *key;
        for i in 0..10 {
            let prev = rk[i];
            let mut t = [prev[13], prev[14], prev[15], prev[12]];
            for b in &mut t {
                *b = SBOX[*b as usize];
            }
            t[0] ^= RCON[i];
            let mut next = [0u8; 16];
            for j in 0..4 {
                for k in 0..4 {
                    let before = if j == 0 { t[k] } else { next[(j - 1) * 4 + k] };
                    next[j * 4 + k] = prev[j * 4 + k] ^ before;
                }
            }
            rk[i + 1] = next;
        }
        rk
    }

    fn add(state: &mut [u8; 16], key: &[u8; 16], tweak: &[u8; 16]) {
        for i in 0..16 {
            state[i] ^= key[i] ^ tweak[i];
        }
    }

    fn sub_shift(s: &mut [u8; 16]) {
        let t = *s;
        // ShiftRows on a column-major state, with SubBytes
        for c in 0..4 {
            for r in 0..4 {
                s[c * 4 + r] = SBOX[t[((c + r) % 4) * 4 + r] as usize];
            }
        }
    }

    /// Multiplication by 2 in GF(2^8) (MixColumns' hot step: the general
    /// `mul` loops over bits).
    fn xtime(a: u8) -> u8 {
        (a << 1) ^ (0x1b & 0u8.wrapping_sub(a >> 7))
    }

    fn mix(s: &mut [u8; 16]) {
        for c in 0..4 {
            let [a0, a1, a2, a3] = [s[c * 4], s[c * 4 + 1], s[c * 4 + 2], s[c * 4 + 3]];
            let (d0, d1, d2, d3) = (xtime(a0), xtime(a1), xtime(a2), xtime(a3));
            s[c * 4] = d0 ^ d1 ^ a1 ^ a2 ^ a3;
            s[c * 4 + 1] = a0 ^ d1 ^ d2 ^ a2 ^ a3;
            s[c * 4 + 2] = a0 ^ a1 ^ d2 ^ d3 ^ a3;
            s[c * 4 + 3] = d0 ^ a0 ^ a1 ^ a2 ^ d3;
        }
    }

    fn inv_sub_shift(s: &mut [u8; 16]) {
        let t = *s;
        for c in 0..4 {
            for r in 0..4 {
                s[((c + r) % 4) * 4 + r] = INV_SBOX[t[c * 4 + r] as usize];
            }
        }
    }

    fn inv_mix(s: &mut [u8; 16]) {
        for c in 0..4 {
            let [a0, a1, a2, a3] = [s[c * 4], s[c * 4 + 1], s[c * 4 + 2], s[c * 4 + 3]];
            s[c * 4] = mul(a0, 14) ^ mul(a1, 11) ^ mul(a2, 13) ^ mul(a3, 9);
            s[c * 4 + 1] = mul(a0, 9) ^ mul(a1, 14) ^ mul(a2, 11) ^ mul(a3, 13);
            s[c * 4 + 2] = mul(a0, 13) ^ mul(a1, 9) ^ mul(a2, 14) ^ mul(a3, 11);
            s[c * 4 + 3] = mul(a0, 11) ^ mul(a1, 13) ^ mul(a2, 9) ^ mul(a3, 14);
        }
    }

    /// The tweak spread over the state: two bytes at the head of each column.
    fn spread(tweak: &[u8; 8]) -> [u8; 16] {
        let mut t = [0u8; 16];
        for i in 0..4 {
            t[i * 4] = tweak[i * 2];
            t[i * 4 + 1] = tweak[i * 2 + 1];
        }
        t
    }

    /// [`encrypt`] undone (`loganon reveal`).
    pub(super) fn decrypt(key: &[u8; 16], tweak: &[u8; 8], block: [u8; 16]) -> [u8; 16] {
        let rk = round_keys(key);
        let t = spread(tweak);
        let mut s = block;
        add(&mut s, &rk[10], &t);
        inv_sub_shift(&mut s);
        for k in rk[1..10].iter().rev() {
            add(&mut s, k, &t);
            inv_mix(&mut s);
            inv_sub_shift(&mut s);
        }
        add(&mut s, &rk[0], &t);
        s
    }

    pub(super) fn encrypt(key: &[u8; 16], tweak: &[u8; 8], block: [u8; 16]) -> [u8; 16] {
        encrypt_with(&round_keys(key), tweak, block)
    }

    /// [`encrypt`] with the round keys made already.
    pub(super) fn encrypt_with(rk: &[[u8; 16]; 11], tweak: &[u8; 8], block: [u8; 16]) -> [u8; 16] {
        let t = spread(tweak);
        let mut s = block;
        add(&mut s, &rk[0], &t);
        for k in &rk[1..10] {
            sub_shift(&mut s);
            mix(&mut s);
            add(&mut s, k, &t);
        }
        sub_shift(&mut s);
        add(&mut s, &rk[10], &t);
        s
    }

    #[cfg(test)]
    #[test]
    fn the_sbox_is_aes() {
        assert_eq!((SBOX[0], SBOX[1], SBOX[0x53], SBOX[0xff]), (0x63, 0x7c, 0xed, 0x16));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).unwrap();
        }
        out
    }

    fn parse(ip: &str) -> (u128, bool) {
        match ip.parse::<std::net::IpAddr>().unwrap() {
            std::net::IpAddr::V4(a) => (mapped(u32::from(a)), true),
            std::net::IpAddr::V6(a) => (u128::from(a), false),
        }
    }

    fn show(a: u128) -> String {
        match unmapped(a) {
            Some(v4) => std::net::Ipv4Addr::from(v4).to_string(),
            None => std::net::Ipv6Addr::from(a).to_string(),
        }
    }

    fn to_hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The first of the draft's vectors of each variant (all 31, from
    /// `../shared/ipcrypt/test_vectors.json`: tests/integration/ipcrypt.rs).
    #[test]
    fn the_drafts_vectors() {
        // ipcrypt-deterministic
        let k: [u8; 16] = hex("0123456789abcdeffedcba9876543210");
        assert_eq!(
            show(deterministic(&k, parse("0.0.0.0").0)),
            "bde9:6789:d353:824c:d7c6:f58a:6bd2:26eb"
        );
        // ipcrypt-nd
        let k: [u8; 16] = hex("0123456789abcdeffedcba9876543210");
        let t: [u8; 8] = hex("08e0c289bff23b7c");
        assert_eq!(
            to_hex(&nd(&k, &t, parse("0.0.0.0").0)),
            "08e0c289bff23b7cb349aadfe3bcef56221c384c7c217b16"
        );
        // ipcrypt-ndx
        let k: [u8; 32] = hex("0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301");
        let t: [u8; 16] = hex("21bd1834bc088cd2b4ecbe30b70898d7");
        assert_eq!(
            to_hex(&ndx(&k, &t, parse("0.0.0.0").0)),
            "21bd1834bc088cd2b4ecbe30b70898d782db0d4125fdace61db35b8339f20ee5"
        );
    }

    #[test]
    fn the_prebuilt_ciphers_are_the_functions() {
        let k: [u8; 32] = hex("2b7e151628aed2a6abf7158809cf4f3ca9f5ba40db214c3798f2e1c23456789a");
        let half: [u8; 16] = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let c = Ciphers::new(&k);
        for x in [0u32, 47, 0xffff_ffff, 0xc000_0201, 0x0a00_00ea] {
            assert_eq!(c.pfx_v4(x), pfx_v4(&k, x), "{x:x}");
        }
        for (a, _) in ["192.0.2.1", "0.0.0.0", "2001:db8::1", "ffff:ffff::ffff", "::"].map(parse) {
            assert_eq!(c.pfx_v6(a), pfx_v6(&k, a), "{a:x}");
            assert_eq!(c.deterministic(a), deterministic(&half, a));
            assert_eq!(c.nd(&[3; 8], a), nd(&half, &[3; 8], a));
            assert_eq!(c.ndx(&[4; 16], a), ndx(&k, &[4; 16], a));
        }
    }

    #[test]
    fn every_variant_is_undone() {
        let k16: [u8; 16] = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let k32: [u8; 32] = hex("2b7e151628aed2a6abf7158809cf4f3c3c4fcf098815f7aba6d2ae2816157e2b");
        for (a, _) in ["192.0.2.1", "0.0.0.0", "2001:db8::1", "ffff:ffff::ffff"].map(parse) {
            assert_eq!(deterministic_reveal(&k16, deterministic(&k16, a)), a);
            assert_eq!(nd_reveal(&k16, &nd(&k16, &[7; 8], a)), a);
            assert_eq!(ndx_reveal(&k32, &ndx(&k32, &[9; 16], a)), a);
        }
    }

    #[test]
    fn pfx_keeps_prefixes_and_the_family() {
        let k: [u8; 32] = hex("0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301");
        let a = pfx_v4(&k, u32::from(std::net::Ipv4Addr::new(10, 0, 0, 47)));
        let b = pfx_v4(&k, u32::from(std::net::Ipv4Addr::new(10, 0, 0, 129)));
        let c = pfx_v4(&k, u32::from(std::net::Ipv4Addr::new(10, 0, 1, 1)));
        // the common prefix of the inputs is the common prefix of the outputs
        assert_eq!((a ^ b).leading_zeros(), (47u32 ^ 129).leading_zeros());
        assert_eq!((a ^ c).leading_zeros(), (47u32 ^ 257).leading_zeros());
        // and back
        for x in [0u32, 47, 0xffff_ffff, 0xc000_0201] {
            assert_eq!(pfx_v4_reveal(&k, pfx_v4(&k, x)), x);
        }
        for x in [0u128, 1, u128::MAX, 0x2001_0db8 << 96] {
            assert_eq!(pfx_v6_reveal(&k, pfx_v6(&k, x)), x);
        }
    }
}
