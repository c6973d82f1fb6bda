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

/// Names that carry person-level ids, added to PRODUCT.md's list (issue 11):
/// OAuth and SAML, signed cloud URLs, analytics and marketing ids.
pub(crate) const MORE_DENY: &[&str] = &[
    "client_secret",
    "login_hint",
    "id_token_hint",
    "SAMLRequest",
    "SAMLResponse",
    "RelayState",
    "ticket",
    "X-Amz-Security-Token",
    "X-Goog-Signature",
    "X-Goog-Credential",
    "first_name",
    "last_name",
    "full_name",
    "_gl",
    "_ga",
    "_gid",
    "_fbp",
    "_fbc",
    "mc_eid",
    "_hsenc",
    "mkt_tok",
    "_id",
    "cid",
    "duid",
    "bearer",
    "jwt",
    "otp",
    "pin",
    "pw",
    "login_name",
    "remote_user",
    "auth_user",
    "nick",
    "nickname",
    "usr",
    "uname",
    "user_mail",
    // advertising and device ids (issue 25): Apple's IFA, Android's id,
    // Huawei's OAID, Roku's RIDA, Amazon Fire's AFAI, Microsoft's MSAI,
    // Adjust's gps_adid, an IMEI or MEID by name
    "ifa",
    "android_id",
    "oaid",
    "rida",
    "afai",
    "msai",
    "gps_adid",
    "google_aid",
    "imei",
    "imeisv",
    "imsi",
    "meid",
    // where phone numbers are written (issue 25)
    "contact",
    "fax",
    "cell",
];

/// Patterns over normalized names: a name that ends with one of `SUFFIXES`,
/// starts with one of `PREFIXES` or holds one of `INFIXES` is deny-listed
/// (`*token`, `*email`, `*apikey`, `email*`, `*password*`).
pub(crate) const SUFFIXES: &[&str] = &[
    "token",
    "secret",
    "signature",
    "credential",
    "credentials",
    "email",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "appkey",
    "passcode",
    "passphrase",
    "deviceid",
    "advertisingid",
    "phone",
    "mobile",
];
/// Names starting with one of these are deny-listed too (`email_2`, `phone1`).
pub(crate) const PREFIXES: &[&str] = &["email", "phone"];
/// Names holding one of these are deny-listed too (`new_password`).
pub(crate) const INFIXES: &[&str] = &["password", "session"];

/// Longest parameter name the deny list can hold; longer names never match.
pub(crate) const MAX_NAME: usize = 64;

/// A parameter name as the deny list compares it: ASCII lower case, with
/// `-`, `_`, `.` and spaces dropped (`access_token`, `accessToken`,
/// `Access-Token` are all `accesstoken`), except the underscores that open
/// it (`_id` and `id` differ). `None` when it is longer than [`MAX_NAME`].
pub(crate) fn normalize(name: &[u8], out: &mut [u8; MAX_NAME]) -> Option<usize> {
    let lead = name.iter().take_while(|&&b| b == b'_').count();
    let mut n = 0;
    for (k, &b) in name.iter().enumerate() {
        if k >= lead && matches!(b, b'-' | b'_' | b'.' | b' ') {
            continue;
        }
        *out.get_mut(n)? = b.to_ascii_lowercase();
        n += 1;
    }
    Some(n)
}

/// A parameter name that leaves nothing to match (the name as given); its
/// text is the message shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a parameter name; use 1 to {MAX_NAME} characters without '=' (case, '-', '_', '.' and spaces do not count)")]
pub struct ParamNameError(pub String);

/// A parameter name given by the user (`--redact-param`, `--keep-param`,
/// the config file), percent-decoded (`user%5Fid`); an error that says what
/// is accepted when nothing of it is left to match.
pub fn param_name(s: &str) -> Result<Vec<u8>, ParamNameError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    let mut buf = [0u8; MAX_NAME];
    match normalize(&out, &mut buf) {
        Some(n) if n > 0 && !out.contains(&b'=') => Ok(out),
        _ => Err(ParamNameError(s.to_string())),
    }
}

/// [`normalize`] into a buffer of its own; `None` also when nothing is left.
fn normalized(name: &[u8]) -> Option<([u8; MAX_NAME], usize)> {
    let mut buf = [0u8; MAX_NAME];
    normalize(name, &mut buf).filter(|&n| n > 0).map(|n| (buf, n))
}

/// Case-, separator- and spelling-insensitive set of parameter names, with
/// the suffix, prefix and infix patterns above. This runs for every `=` of
/// every line, so a name of up to 16 normalized bytes (nearly all) is packed
/// into one `u128` and every test is an integer compare: exact names are
/// bucketed by length, and the patterns are masks and shifts of the packed
/// name. Longer names fall back to byte comparison.
///
/// A structured name is tested whole and by its parts: `email[]`,
/// `user[email]`, `user.name` match through `email`, `email` and `name`
/// (and `user`).
#[derive(Clone, Debug)]
pub struct DenyList {
    short: Vec<Vec<u128>>,
    long: Vec<Box<[u8]>>,
    /// normalized names taken out (`--keep-param`): they win over the rest
    keep: Vec<Box<[u8]>>,
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
        for n in DEFAULT_DENY.iter().chain(MORE_DENY) {
            d.add(n.as_bytes());
        }
        d
    }
}

#[inline]
fn pack(name: &[u8]) -> u128 {
    let mut k = 0u128;
    for &b in name {
        k = (k << 8) | u128::from(b);
    }
    k
}

/// Whether the packed name `k` of `n` bytes matches a pattern.
#[inline]
fn packed_pattern(k: u128, n: usize) -> bool {
    let ends = |p: &[u8]| n >= p.len() && k & ((1u128 << (8 * p.len())) - 1) == pack(p);
    let starts = |p: &[u8]| n >= p.len() && k >> (8 * (n - p.len())) == pack(p);
    let holds = |p: &[u8]| {
        n >= p.len() && (0..=n - p.len()).any(|j| (k >> (8 * j)) & ((1u128 << (8 * p.len())) - 1) == pack(p))
    };
    SUFFIXES.iter().any(|p| ends(p.as_bytes()))
        || PREFIXES.iter().any(|p| starts(p.as_bytes()))
        || INFIXES.iter().any(|p| holds(p.as_bytes()))
}

fn byte_pattern(t: &[u8]) -> bool {
    SUFFIXES.iter().any(|p| t.ends_with(p.as_bytes()))
        || PREFIXES.iter().any(|p| t.starts_with(p.as_bytes()))
        || INFIXES.iter().any(|p| t.windows(p.len()).any(|w| w == p.as_bytes()))
}

impl DenyList {
    /// A deny list with no name in it.
    pub fn empty() -> Self {
        DenyList {
            short: vec![Vec::new(); 17],
            long: Vec::new(),
            keep: Vec::new(),
            version: next_version(),
        }
    }

    /// An id of this list's content: two lists with the same version hold
    /// the same names (a clone keeps it; a change takes a new one). Lets a
    /// cache of lookups know when to start over.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Adds a name (any spelling: it is normalized); returns false when it
    /// is empty or longer than `MAX_NAME` once normalized.
    pub fn add(&mut self, name: &[u8]) -> bool {
        let Some((buf, n)) = normalized(name) else {
            return false;
        };
        self.version = next_version();
        let t = &buf[..n];
        self.keep.retain(|k| **k != *t);
        if n <= 16 {
            let k = pack(t);
            let bucket = &mut self.short[n];
            if !bucket.contains(&k) {
                bucket.push(k);
            }
        } else if !self.long.iter().any(|l| **l == *t) {
            self.long.push(t.into());
        }
        true
    }

    /// Takes a name out (`--keep-param`): it no longer matches, whether it
    /// was listed or matched a pattern. False when it normalizes to nothing.
    pub fn keep(&mut self, name: &[u8]) -> bool {
        let Some((buf, n)) = normalized(name) else {
            return false;
        };
        self.version = next_version();
        let t = &buf[..n];
        if n <= 16 {
            let k = pack(t);
            self.short[n].retain(|&x| x != k);
        }
        self.long.retain(|l| **l != *t);
        if !self.keep.iter().any(|k| **k == *t) {
            self.keep.push(t.into());
        }
        true
    }

    /// Whether `name` (as found in a line) is deny-listed. Only a name can
    /// be: letters, digits, `_ - . [ ]` and spaces (a JSON key such as
    /// `password=x` is text that holds a name, and is scanned as such).
    #[inline]
    pub fn contains(&self, name: &[u8]) -> bool {
        if name.is_empty() || name.len() > NAME_CACHE_LEN {
            return self.lookup(name);
        }
        NAMES.with(|c| match c.try_borrow_mut() {
            Ok(mut c) => c.get(self, name),
            Err(_) => self.lookup(name),
        })
    }

    /// [`DenyList::contains`] without the cache.
    fn lookup(&self, name: &[u8]) -> bool {
        // a control byte shows nothing where a log is read: the name is
        // what is left without it (`remote\x7fuser`)
        if name.iter().any(|&b| crate::decode::is_control(b)) {
            let shown: Vec<u8> = name
                .iter()
                .copied()
                .filter(|&b| !crate::decode::is_control(b))
                .collect();
            return self.lookup(&shown);
        }
        if name.is_empty()
            || !name
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']' | b' '))
        {
            return false;
        }
        if name.iter().any(|&b| matches!(b, b'[' | b']' | b'.')) {
            return self.contains_structured(name);
        }
        self.contains_plain(name)
    }

    fn contains_plain(&self, name: &[u8]) -> bool {
        let Some((buf, n)) = normalized(name) else {
            return false;
        };
        let t = &buf[..n];
        if !self.keep.is_empty() && self.keep.iter().any(|k| **k == *t) {
            return false;
        }
        if n <= 16 {
            let k = pack(t);
            self.short[n].contains(&k) || packed_pattern(k, n)
        } else {
            self.long.iter().any(|l| **l == *t) || byte_pattern(t)
        }
    }

    /// `user[email]`, `email[]`, `user.name`, `a[b][c]`: the whole name, its
    /// base (before the first `[` or `.`) and its leaf (the last part).
    #[cold]
    fn contains_structured(&self, name: &[u8]) -> bool {
        let whole: Vec<u8> = name.iter().copied().filter(|&b| b != b'[' && b != b']').collect();
        let base_end = name.iter().position(|&b| b == b'[' || b == b'.').unwrap_or(name.len());
        let parts = name
            .split(|&b| matches!(b, b'[' | b']' | b'.'))
            .filter(|p| !p.is_empty());
        let leaf = parts.clone().next_back().unwrap_or(&[]);
        // a structured name is one the user chose as a whole: kept whole
        let mut buf = [0u8; MAX_NAME];
        if let Some(n) = normalize(&whole, &mut buf) {
            if self.keep.iter().any(|k| **k == buf[..n]) {
                return false;
            }
        }
        self.contains_plain(&whole) || self.contains_plain(&name[..base_end]) || self.contains_plain(leaf)
    }
}

const NAME_CACHE_LEN: usize = 23;
const NAME_SETS: usize = 128;

/// A name of up to [`NAME_CACHE_LEN`] bytes, whether it is listed, and for
/// which list version (0: empty).
#[derive(Clone, Copy)]
struct NameSlot {
    version: u64,
    len: u8,
    listed: bool,
    bytes: [u8; NAME_CACHE_LEN],
}

/// Names looked up lately, per thread: two-way set-associative. The same
/// few parameter names (`utm_source`, `id`, `page`) come on line after
/// line, and normalizing one and trying the patterns cost some 200
/// instructions; a hit costs a hash and a compare.
struct NameCache {
    slots: Box<[NameSlot; 2 * NAME_SETS]>,
}

impl NameCache {
    fn get(&mut self, list: &DenyList, name: &[u8]) -> bool {
        let n = name.len();
        // four bytes and the length: cheap, and enough to keep a log's
        // dozen names apart in 128 two-way sets
        let key = u64::from(name[0])
            | u64::from(name[n - 1]) << 8
            | u64::from(name[n / 2]) << 16
            | u64::from(name[n / 3]) << 24
            | (n as u64) << 32;
        let mix = (key ^ list.version << 40).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let set = 2 * (mix >> 57) as usize;
        for e in &self.slots[set..set + 2] {
            if e.version == list.version && usize::from(e.len) == n && e.bytes[..n] == *name {
                return e.listed;
            }
        }
        let listed = list.lookup(name);
        self.slots[set + 1] = self.slots[set];
        let e = &mut self.slots[set];
        e.version = list.version;
        e.len = n as u8;
        e.listed = listed;
        e.bytes[..n].copy_from_slice(name);
        listed
    }
}

thread_local! {
    static NAMES: std::cell::RefCell<NameCache> = std::cell::RefCell::new(NameCache {
        slots: Box::new(
            [NameSlot {
                version: 0,
                len: 0,
                listed: false,
                bytes: [0; NAME_CACHE_LEN],
            }; 2 * NAME_SETS],
        ),
    });
}

/// What becomes of a precise location (`--location`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// each number keeps this many decimals (the rest of its digits go)
    Decimals(u8),
    /// left as it is
    Keep,
    /// the whole value becomes `REDACTED`
    Drop,
}

impl Default for Location {
    fn default() -> Self {
        Location::Decimals(2)
    }
}

impl std::str::FromStr for Location {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "keep" => Ok(Location::Keep),
            "drop" => Ok(Location::Drop),
            _ => match s.parse::<u8>() {
                Ok(n) if n <= 8 => Ok(Location::Decimals(n)),
                _ => Err(format!(
                    "'{s}' is no location policy; use the decimals kept (0 to 8, 2 is about 1 km), keep or drop"
                )),
            },
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Decimals(n) => write!(f, "{n}"),
            Location::Keep => f.write_str("keep"),
            Location::Drop => f.write_str("drop"),
        }
    }
}

/// Everything the per-line engine needs to know about what to remove.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// How addresses are truncated, and the networks left whole.
    pub addr: AddrPolicy,
    /// The query and field names whose values are removed.
    pub deny: DenyList,
    /// What becomes of precise locations (`lat=`, `ll=`, `"lng":`).
    pub location: Location,
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

    #[test]
    fn names_are_matched_after_normalization() {
        let d = DenyList::default();
        for yes in [
            &b"access_token"[..],
            b"accessToken",
            b"access-token",
            b"ACCESS.TOKEN",
            b"user_id",
            b"userId",
            b"email[]",
            b"user[email]",
            b"user[name]",
            b"user.name",
            b"profile[address][email]",
            b"my_session_key",
            b"db_password_hash",
            b"csrfToken",
            b"client_secret",
            b"emailAddress",
            b"phone_number",
            b"X-Goog-Credential",
            b"x_amz_security_token",
            b"SAMLResponse",
            b"_ga",
            b"_id",
            b"first-name",
            b"a_very_long_parameter_name_with_token",
            b"a_very_long_parameter_name_holding_password_inside",
        ] {
            assert!(d.contains(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"page"[..],
            b"id",
            b"utm_source",
            b"q",
            b"ref",
            b"sort",
            b"lang",
            b"size",
            b"photo",
            b"x.y",
        ] {
            assert!(!d.contains(no), "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn keep_takes_names_and_patterns_out() {
        let mut d = DenyList::default();
        assert!(d.contains(b"name"));
        let v = d.version();
        assert!(d.keep(b"name"));
        assert_ne!(d.version(), v);
        assert!(!d.contains(b"name"));
        assert!(!d.contains(b"Name"));
        assert!(d.contains(b"username"));
        assert!(d.keep(b"csrf_token"));
        assert!(!d.contains(b"csrfToken"));
        assert!(d.contains(b"token"));
        // adding it again puts it back
        assert!(d.add(b"name"));
        assert!(d.contains(b"name"));
    }

    #[test]
    fn policies_read_and_written() {
        for s in ["0", "2", "8", "keep", "drop"] {
            assert_eq!(s.parse::<Location>().unwrap().to_string(), s);
        }
        assert!("9".parse::<Location>().is_err() && "coarse".parse::<Location>().is_err());
    }
}
