//! The rule set: address policy plus the deny list of query-parameter names.

use crate::addr::AddrPolicy;

/// The default deny list of PRODUCT.md ("What is anonymized, by default").
pub const DEFAULT_DENY: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "user",
    "username",
    "login",
    "uid",
    "userid",
    "user_id",
    "name",
    "phone",
    "tel",
    "mobile",
    "msisdn",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth",
    "authorization",
    "key",
    "apikey",
    "api_key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "session",
    "sessionid",
    "session_id",
    "sid",
    "ssid",
    "phpsessid",
    "jsessionid",
    "aspsessionid",
    "cfid",
    "cftoken",
    "device_id",
    "deviceid",
    "udid",
    "idfa",
    "idfv",
    "gaid",
    "adid",
    "aaid",
    "advertising_id",
    "mac",
    "ip",
    "client_ip",
    "signature",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "code",
    "fbclid",
    "gclid",
    "msclkid",
];

/// Longest parameter name the deny list can hold; longer names never match.
pub const MAX_NAME: usize = 64;

/// Case-insensitive set of parameter names. Names of up to 16 bytes (all of
/// the default list) are kept as lower-cased `u128` keys bucketed by length, so
/// a lookup packs the candidate into one integer and compares integers; longer
/// names fall back to byte comparison. This runs for every `=` of every line.
#[derive(Clone, Debug)]
pub struct DenyList {
    short: Vec<Vec<u128>>,
    long: Vec<Box<[u8]>>,
    /// changes whenever the content may have (see [`DenyList::version`])
    version: u64,
}

/// Where [`DenyList::version`]s come from: each new or changed list takes
/// the next one.
static VERSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_version() -> u64 {
    VERSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Default for DenyList {
    fn default() -> Self {
        let mut d = DenyList::empty();
        for n in DEFAULT_DENY {
            d.add(n.as_bytes());
        }
        d
    }
}

#[inline]
fn pack(name: &[u8]) -> u128 {
    let mut k = 0u128;
    for &b in name {
        k = (k << 8) | u128::from(b.to_ascii_lowercase());
    }
    k
}

impl DenyList {
    pub fn empty() -> Self {
        DenyList {
            short: vec![Vec::new(); 17],
            long: Vec::new(),
            version: next_version(),
        }
    }

    /// An id of this list's content: two lists with the same version hold
    /// the same names (a clone keeps it; a change takes a new one). Lets a
    /// cache of lookups know when to start over.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Adds a name; returns false when it is empty or longer than [`MAX_NAME`].
    pub fn add(&mut self, name: &[u8]) -> bool {
        if name.is_empty() || name.len() > MAX_NAME {
            return false;
        }
        self.version = next_version();
        if name.len() <= 16 {
            let k = pack(name);
            let bucket = &mut self.short[name.len()];
            if !bucket.contains(&k) {
                bucket.push(k);
            }
        } else {
            let lower: Box<[u8]> = name.to_ascii_lowercase().into();
            if !self.long.contains(&lower) {
                self.long.push(lower);
            }
        }
        true
    }

    #[inline]
    pub fn contains(&self, name: &[u8]) -> bool {
        match self.short.get(name.len()) {
            Some(bucket) => !bucket.is_empty() && bucket.contains(&pack(name)),
            None => self.long.iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }
}

/// Everything the per-line engine needs to know about what to remove.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub addr: AddrPolicy,
    pub deny: DenyList,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_list_is_case_insensitive() {
        let d = DenyList::default();
        assert!(d.contains(b"EMAIL"));
        assert!(d.contains(b"X-Amz-Signature"));
        assert!(d.contains(b"PHPSESSID"));
        assert!(!d.contains(b"page"));
        assert!(!d.contains(b""));
        let mut d = DenyList::empty();
        assert!(d.add(b"Tracking"));
        assert!(d.contains(b"tracking"));
        assert!(!d.add(&[b'a'; 65]));
    }
}
