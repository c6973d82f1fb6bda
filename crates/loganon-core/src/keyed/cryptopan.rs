//! Crypto-PAn (Fan, Xu, Ammar, Moon 2004), prefix-preserving: IPv4 as the
//! reference construction bit for bit, IPv6 the same over 128 bits; and
//! its inverse (`loganon reveal`).

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;

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

#[cfg(test)]
mod tests {
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
