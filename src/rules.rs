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

/// Case-insensitive set of parameter names, bucketed by length so a lookup is
/// a length index plus a handful of short comparisons, with no allocation.
#[derive(Clone, Debug)]
pub struct DenyList {
    by_len: Vec<Vec<Box<[u8]>>>,
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

impl DenyList {
    pub fn empty() -> Self {
        DenyList {
            by_len: vec![Vec::new(); MAX_NAME + 1],
        }
    }

    /// Adds a name; returns false when it is empty or longer than [`MAX_NAME`].
    pub fn add(&mut self, name: &[u8]) -> bool {
        if name.is_empty() || name.len() > MAX_NAME {
            return false;
        }
        let lower: Box<[u8]> = name.to_ascii_lowercase().into();
        let bucket = &mut self.by_len[name.len()];
        if !bucket.contains(&lower) {
            bucket.push(lower);
        }
        true
    }

    #[inline]
    pub fn contains(&self, name: &[u8]) -> bool {
        match self.by_len.get(name.len()) {
            Some(bucket) => bucket.iter().any(|n| n.eq_ignore_ascii_case(name)),
            None => false,
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
