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

mod cryptopan;
mod day;

pub use cryptopan::CryptoPan;
pub use day::DayKeys;

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;

/// A master key: 32 bytes, or 16 (the size `ipcrypt-deterministic` and
/// `ipcrypt-nd` take as they are with `rotate_key = "never"`).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    /// the key, a 16-byte one in the first half (the rest zero)
    bytes: [u8; 32],
    /// 16 or 32
    len: u8,
}

/// Key bytes that are not a key: their length; the text says what a key
/// holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("holds {0} bytes; it must hold 32 raw bytes or 64 hex digits (16 raw bytes or 32 hex digits for ipcrypt-deterministic and ipcrypt-nd)")]
pub struct KeyError(pub usize);

impl MasterKey {
    /// A 32-byte key.
    pub fn new(bytes: [u8; 32]) -> MasterKey {
        MasterKey { bytes, len: 32 }
    }

    /// A 16-byte key.
    pub fn short(key: [u8; 16]) -> MasterKey {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(&key);
        MasterKey { bytes, len: 16 }
    }

    /// The key's bytes (16 or 32).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// A key from what a key file (or a binding's caller) holds: 32 or 16
    /// raw bytes, or 64 or 32 hex digits with white space around them.
    /// Exactly 32 bytes are a raw key, as before 16-byte keys were read (a
    /// 16-byte key in hex ends with a newline, or is given raw).
    pub fn from_bytes(bytes: &[u8]) -> Result<MasterKey, KeyError> {
        match bytes.len() {
            32 => return Ok(MasterKey::new(bytes.try_into().map_err(|_| KeyError(32))?)),
            16 => return Ok(MasterKey::short(bytes.try_into().map_err(|_| KeyError(16))?)),
            _ => {}
        }
        let text = bytes.trim_ascii();
        match text.len() {
            64 | 32 => MasterKey::from_hex_bytes(text).ok_or(KeyError(bytes.len())),
            _ => Err(KeyError(bytes.len())),
        }
    }

    fn from_hex_bytes(text: &[u8]) -> Option<MasterKey> {
        let hex = |c: u8| (c as char).to_digit(16);
        let mut k = [0u8; 32];
        for (k, pair) in k.iter_mut().zip(text.chunks_exact(2)) {
            *k = (hex(pair[0])? * 16 + hex(pair[1])?) as u8;
        }
        Some(MasterKey {
            bytes: k,
            len: (text.len() / 2) as u8,
        })
    }

    /// 64 or 32 hex digits (white space around them ignored): a key given
    /// as text (`--key-env`).
    pub fn from_hex(text: &str) -> Option<MasterKey> {
        let text = text.trim().as_bytes();
        if text.len() != 64 && text.len() != 32 {
            return None;
        }
        MasterKey::from_hex_bytes(text)
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
    /// The draft's ipcrypt-deterministic: AES-128 of the address's 16-byte
    /// form, written as an address (IPv6, whatever the family was).
    #[serde(rename = "ipcrypt-deterministic")]
    IpcryptDeterministic,
    /// The draft's ipcrypt-nd: KIASU-BC under a fresh 8-byte tweak, 48 hex
    /// digits; the same address gives a new value each time.
    #[serde(rename = "ipcrypt-nd")]
    IpcryptNd,
    /// The draft's ipcrypt-ndx: AES-XTS under a fresh 16-byte tweak, 64 hex
    /// digits.
    #[serde(rename = "ipcrypt-ndx")]
    IpcryptNdx,
    /// every address becomes 0.0.0.0 or ::
    Drop,
}

impl IpMode {
    /// Whether the mode needs a key (`hash`, `cryptopan`, the ipcrypt
    /// variants).
    pub fn keyed(self) -> bool {
        !matches!(self, IpMode::Truncate | IpMode::Drop)
    }

    /// The ipcrypt variants that write something other than an address of
    /// the input's family (an IPv6 address, or hex digits): an address in
    /// a spelling that cannot hold that (an integer, a dashed host name, a
    /// reverse name) is truncated instead.
    pub fn writes_text(self) -> bool {
        matches!(
            self,
            IpMode::IpcryptDeterministic | IpMode::IpcryptNd | IpMode::IpcryptNdx
        )
    }

    /// The mode's name, as the options and the config spell it.
    pub fn name(self) -> &'static str {
        match self {
            IpMode::Truncate => "truncate",
            IpMode::Hash => "hash",
            IpMode::CryptoPan => "cryptopan",
            IpMode::IpcryptPfx => "ipcrypt-pfx",
            IpMode::Drop => "drop",
            IpMode::IpcryptDeterministic => "ipcrypt-deterministic",
            IpMode::IpcryptNd => "ipcrypt-nd",
            IpMode::IpcryptNdx => "ipcrypt-ndx",
        }
    }

    /// The size of key the mode takes as it is (`rotate_key = "never"`):
    /// 16 bytes for ipcrypt-deterministic and ipcrypt-nd, 32 for the others.
    pub fn key_len(self) -> usize {
        match self {
            IpMode::IpcryptDeterministic | IpMode::IpcryptNd => 16,
            _ => 32,
        }
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

/// Where the day keys come from instead of being derived from a master
/// key: a directory of random keys, one per day (`keys_dir`), read and made
/// by the I/O layer. None for a day whose key is gone (deleted by
/// `key_retention`) or could not be made: that day's lines are then written
/// with nothing of their addresses and identifiers (fail closed), and the
/// source reports why.
pub trait DayKeySource: Send + Sync + std::fmt::Debug {
    /// The key of `day` (days since 1970).
    fn day_key(&self, day: i64) -> Option<[u8; 32]>;

    /// Whether the key of `day` was deleted (`key_retention`), rather than
    /// never made.
    fn gone(&self, day: i64) -> bool;
}

/// Where ipcrypt-nd and ipcrypt-ndx take their tweaks: a random seed the
/// I/O layer drew for the run, or one tweak given (the draft's vectors).
#[derive(Clone, Default)]
pub enum Tweak {
    /// none: nd and ndx write `0.0.0.0`
    #[default]
    None,
    /// a seed drawn at random for the run
    Seed([u8; 32]),
    /// this tweak each time (tests against the draft's vectors)
    Fixed([u8; 16]),
}

impl std::fmt::Debug for Tweak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tweak::None => "Tweak::None",
            Tweak::Seed(_) => "Tweak::Seed(..)", // never print the seed
            Tweak::Fixed(_) => "Tweak::Fixed(..)",
        })
    }
}

/// The master key and how it rotates (or the directory of day keys);
/// hands out the day's keys.
#[derive(Clone, Debug)]
pub struct KeyRing {
    /// The key as given.
    pub master: MasterKey,
    /// Whether each day has its own key.
    pub rotate: Rotate,
    /// distinguishes key rings in the per-thread cache
    id: u64,
    /// the day keys, when they are kept apart (`keys_dir`)
    source: Option<std::sync::Arc<dyn DayKeySource>>,
    tweak: Tweak,
}

/// A thread's last day keys: the ring's id, the day, the keys (None: gone).
type LastDayKeys = Option<(u64, i64, Option<Rc<DayKeys>>)>;

thread_local! {
    static DAY_KEYS: RefCell<LastDayKeys> = const { RefCell::new(None) };
}

/// Numbers the key rings of day-key sources (a master key's ring is known
/// by its key's hash).
static SOURCE_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl KeyRing {
    /// The ring of `master`, rotating as `rotate` says.
    pub fn new(master: MasterKey, rotate: Rotate) -> KeyRing {
        let h = blake3::hash(master.bytes());
        // (even: a source's ring has an odd id)
        let id = (u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or_default()) & !3)
            | u64::from(rotate == Rotate::Daily) << 1;
        KeyRing {
            master,
            rotate,
            id,
            source: None,
            tweak: Tweak::None,
        }
    }

    /// The ring whose day keys come from `source` (a key per day, kept
    /// apart: `keys_dir`).
    pub fn from_source(source: std::sync::Arc<dyn DayKeySource>) -> KeyRing {
        let n = SOURCE_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        KeyRing {
            master: MasterKey::new([0; 32]),
            rotate: Rotate::Daily,
            // (odd: never the id of a master key's ring)
            id: n << 1 | 1,
            source: Some(source),
            tweak: Tweak::None,
        }
    }

    /// The ring with ipcrypt-nd's and ipcrypt-ndx's tweaks taken from `tweak`.
    pub fn with_tweak(mut self, tweak: Tweak) -> KeyRing {
        self.tweak = tweak;
        self
    }

    /// Whether the key of `day` was deleted from the source of day keys
    /// (its pseudonyms are then out of anyone's reach); false for a master
    /// key's ring, and for a day that never had a key.
    pub fn key_gone(&self, day: i64) -> bool {
        self.source.as_ref().is_some_and(|s| s.gone(day))
    }

    /// Whether the day keys come from a source (`keys_dir`), not a master key.
    pub fn kept_apart(&self) -> bool {
        self.source.is_some()
    }

    /// Why the ring cannot serve `mode`: a key of the wrong size used as
    /// it is (`never`), or ipcrypt-nd and ipcrypt-ndx without tweaks.
    pub fn unfit_for(&self, mode: IpMode) -> Option<String> {
        if self.source.is_none() && self.rotate == Rotate::Never && self.master.bytes().len() != mode.key_len() {
            return Some(format!(
                "--ip-mode {} with --rotate-key never takes a {}-byte key as it is ({} raw bytes or {} hex digits); this key holds {} bytes",
                mode.name(),
                mode.key_len(),
                mode.key_len(),
                2 * mode.key_len(),
                self.master.bytes().len()
            ));
        }
        if matches!(mode, IpMode::IpcryptNd | IpMode::IpcryptNdx) && matches!(self.tweak, Tweak::None) {
            return Some(format!("--ip-mode {} needs a source of random tweaks", mode.name()));
        }
        None
    }

    /// The day's key: with `daily`, BLAKE3 keyed by the master key over the
    /// date; with `never`, the master key itself (a 16-byte one in the
    /// first half); from the source when the keys are kept apart.
    pub(crate) fn day_key(&self, day: i64) -> Option<[u8; 32]> {
        if let Some(s) = &self.source {
            return s.day_key(day);
        }
        Some(match (self.rotate, self.master.len) {
            (Rotate::Never, _) => self.master.bytes,
            (Rotate::Daily, 32) => {
                let date = crate::time::date_string(day * 86400);
                *blake3::keyed_hash(&self.master.bytes, format!("loganon day {date}").as_bytes()).as_bytes()
            }
            (Rotate::Daily, _) => {
                let date = crate::time::date_string(day * 86400);
                *blake3::keyed_hash(&self.master.bytes, format!("loganon day {date} k16").as_bytes()).as_bytes()
            }
        })
    }

    /// A fingerprint of the key of `day` (audit records): a keyed hash that
    /// names the key without giving it away.
    pub fn fingerprint(&self, day: i64) -> Option<String> {
        let k = match &self.source {
            Some(_) => self.day_key(day)?,
            None => self.master.bytes,
        };
        Some(blake3::keyed_hash(&k, b"loganon key fingerprint").to_hex().to_string())
    }

    /// The keys of `day` (days since 1970), cached per thread; None when
    /// the day's key is gone or could not be made (keys kept apart).
    pub fn for_day(&self, day: i64) -> Option<Rc<DayKeys>> {
        let day = if self.rotate == Rotate::Never { 0 } else { day };
        DAY_KEYS.with(|c| {
            let mut c = c.borrow_mut();
            if let Some((id, d, k)) = c.as_ref() {
                if *id == self.id && *d == day {
                    return k.clone();
                }
            }
            let k = self.day_key(day).map(|key| Rc::new(DayKeys::new(&key, &self.tweak)));
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
        assert_eq!(MasterKey::from_bytes(&REF_KEY), Ok(MasterKey::new(REF_KEY)));
        assert_eq!(MasterKey::from_bytes(hex.as_bytes()), Ok(MasterKey::new(REF_KEY)));
        assert_eq!(
            MasterKey::from_bytes(format!(" {}\n", hex.to_lowercase()).as_bytes()),
            Ok(MasterKey::new(REF_KEY))
        );
        let not_hex = format!("{}g", &hex[..63]);
        assert_eq!(MasterKey::from_bytes(not_hex.as_bytes()), Err(KeyError(64)));
        assert_eq!(MasterKey::from_bytes(b"short"), Err(KeyError(5)));
        assert_eq!(
            KeyError(5).to_string(),
            "holds 5 bytes; it must hold 32 raw bytes or 64 hex digits (16 raw bytes or 32 hex digits for ipcrypt-deterministic and ipcrypt-nd)"
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
        let ring = KeyRing::new(MasterKey::new([7; 32]), Rotate::Daily);
        let k = ring.for_day(20454).unwrap();
        let h = k.v4(IpMode::Hash, v4("1.2.3.4"));
        assert_eq!(h >> 28, 0xF);
        assert_eq!(k.v6(IpMode::Hash, 1) >> 120, 0xfd);
        let mut out = Vec::new();
        k.id(b"alice", &mut out);
        assert!(is_hashed_id(&out), "{out:?}");
        let other = ring.for_day(20455).unwrap();
        assert_ne!(other.v4(IpMode::Hash, v4("1.2.3.4")), h, "daily keys differ");
        let never = KeyRing::new(MasterKey::new([7; 32]), Rotate::Never);
        assert_eq!(
            never.for_day(1).unwrap().v4(IpMode::Hash, 5),
            never.for_day(2).unwrap().v4(IpMode::Hash, 5)
        );
    }
}
