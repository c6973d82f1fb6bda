//! What a JSON key means: the role of its value (client, user, secret, or
//! scanned), and whether it names the line's time, status, bytes, user agent
//! or a field that repeats; a small cache of the keys seen lately.

use crate::formats::fields::Role;
use crate::rules::DenyList;

/// Lower-cased letters and digits of a key (`X-Forwarded-For` -> `xforwardedfor`).
/// Also says whether the key is to be scanned: it holds a byte where a
/// finding of the scanner can start (see [`crate::scan::may_hold_personal`];
/// never a letter or a digit), a space (`Bearer ...`), or six digits in a
/// row (a card number, an IBAN's or a phone number's digits, glued to
/// letters or to bytes that are no trigger: `msg\xc14111111111111111`).
fn norm(key: &[u8], buf: &mut [u8; 64]) -> (usize, bool) {
    let mut n = 0;
    let mut starts = false;
    let mut digits = 0u8;
    for &b in key {
        if b.is_ascii_alphanumeric() {
            if n < 64 {
                buf[n] = b.to_ascii_lowercase();
                n += 1;
            }
            digits = if b.is_ascii_digit() {
                digits.saturating_add(1)
            } else {
                0
            };
            starts |= digits >= 6;
        } else {
            digits = 0;
            starts |= b == b' ' || crate::scan::may_hold_personal(&[b]);
        }
    }
    (n, starts)
}

/// What the parser needs to know of a key: the role of its value, whether
/// the key itself is to be scanned, and whether it is `value` or a
/// `name`/`key`/`header` (of a `{"name": "Cookie", "value": ...}` pair).
#[derive(Clone, Copy, Debug)]
pub(super) struct KeyInfo {
    pub(super) role: Role,
    pub(super) scan: bool,
    pub(super) is_value: bool,
    pub(super) is_name: bool,
    /// an ECS object whose `name` is no person's (see [`PLAIN_OBJECTS`])
    pub(super) plain_object: bool,
    /// how good a time key it is (see [`TIME_KEYS`]); 0: none
    pub(super) time: u8,
    /// `event` (ECS: its `created` is a time)
    pub(super) is_event: bool,
    /// `created`
    pub(super) is_created: bool,
    /// how good a status (bytes) key it is in the outermost object (see
    /// [`STATUS_KEYS`], [`BYTES_KEYS`]); 0: none
    pub(super) status: u8,
    pub(super) bytes: u8,
    /// what the key names on the way to ECS `http.response.status_code`
    /// and `http.response.body.bytes`
    pub(super) part: Part,
    /// a user agent key (see [`AGENT_KEYS`])
    pub(super) agent: bool,
    /// a request (1) or referer (2) key (see [`REPEAT_KEYS`]); 0: neither
    pub(super) repeat: u8,
}

/// The parts of ECS `http.response.status_code` and
/// `http.response.body.bytes` (nested objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    No,
    Http,
    Response,
    Body,
    StatusCode,
    Bytes,
}

/// ECS and OpenTelemetry objects whose `name` names a thing, not a person
/// (`service.name`, `host.name`, `user_agent.name`, ...).
const PLAIN_OBJECTS: &[&str] = &[
    "service",
    "host",
    "useragent",
    "observer",
    "os",
    "process",
    "agent",
    "container",
    "cloud",
    "event",
    "orchestrator",
    "package",
    "file",
    "rule",
    "threat",
    "tls",
    "log",
    "ecs",
    "dll",
    "network",
    "geo",
    "server",
    "destination",
    "interface",
    "vlan",
    "span",
    "trace",
    "transaction",
    "http",
    "url",
    "device",
    "browser",
    "telemetry",
    "sdk",
    "k8s",
    "pod",
    "namespace",
    "deployment",
    "node",
    "db",
    "messaging",
    "rpc",
    "peer",
];

/// Keys of up to [`KEY_CACHE_LEN`] bytes and their [`KeyInfo`], in a small
/// two-way set-associative table. The same dozen keys open every line of a
/// JSON log, and finding a key's role (normalising it, comparing it with
/// some hundred names) cost a third of the JSON parser's time; a hit costs a
/// hash and one compare. Entries are for one deny list (its
/// [`DenyList::version`]): another one empties the table.
#[derive(Debug)]
pub(super) struct KeyCache {
    deny: u64,
    slots: Box<[KeySlot; 2 * KEY_SETS]>,
}

const KEY_CACHE_LEN: usize = 30;
const KEY_SETS: usize = 128;

/// A key's length and bytes, and what it means (`None`: an empty slot).
type KeySlot = (u8, [u8; KEY_CACHE_LEN], Option<KeyInfo>);

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            deny: 0,
            slots: Box::new([(0, [0; KEY_CACHE_LEN], None); 2 * KEY_SETS]),
        }
    }
}

impl KeyCache {
    pub(super) fn get(&mut self, key: &[u8], deny: &DenyList) -> KeyInfo {
        let n = key.len();
        if n == 0 || n > KEY_CACHE_LEN {
            return key_info(key, deny);
        }
        let id = deny.version();
        if self.deny != id {
            self.slots.iter_mut().for_each(|e| e.2 = None);
            self.deny = id;
        }
        // the first and last eight bytes (overlapping when short) and the
        // length, mixed by one multiply
        // (eight bytes are one load; shorter keys are folded byte by byte)
        let word = |b: &[u8]| match <[u8; 8]>::try_from(b) {
            Ok(w) => u64::from_be_bytes(w),
            Err(_) => b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)),
        };
        let (head, tail) = (word(&key[..n.min(8)]), word(&key[n.saturating_sub(8)..]));
        let mix = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let set = 2 * (mix >> 57) as usize;
        for slot in &self.slots[set..set + 2] {
            if let Some(info) = slot.2 {
                if usize::from(slot.0) == n && slot.1[..n] == *key {
                    return info;
                }
            }
        }
        // the newer entry first; the older one makes room
        let info = key_info(key, deny);
        self.slots[set + 1] = self.slots[set];
        let slot = &mut self.slots[set];
        slot.0 = n as u8;
        slot.1[..n].copy_from_slice(key);
        slot.2 = Some(info);
        info
    }
}

const CLIENT: &[&str] = &[
    "remoteaddr",
    "remoteip",
    "remotehost",
    "clientip",
    "clienthost",
    "clientaddr",
    "clientaddress",
    "clientipaddress",
    "realip",
    "xrealip",
    "trueclientip",
    "cip",
    "sourceip",
    "srcip",
    "sourceaddress",
    "downstreamremoteaddress",
    "downstreamdirectremoteaddress",
    "peeraddress",
    "ip",
    // OpenTelemetry
    "netpeerip",
    "networkpeeraddress",
    "httpclientip",
];

const USER: &[&str] = &[
    "remoteuser",
    "user",
    "username",
    "userid",
    "userident",
    "clientusername",
    "login",
    "userlogin",
    "csusername",
    "authuser",
    "principal",
    "email",
    "mail",
    "useremail",
    // ECS and OpenTelemetry (`user.full_name`, `client.user.id`, `url.username`,
    // `enduser.id`, JWT `sub`); `user.*` and `enduser` objects pass the role on
    "userfullname",
    "clientuserid",
    "clientuseremail",
    "clientuserfullname",
    "serveruserid",
    "serverusername",
    "urlusername",
    "enduser",
    "enduserid",
    "sub",
];

const SECRET: &[&str] = &[
    "cookie",
    "cookies",
    "setcookie",
    "authorization",
    "proxyauthorization",
    "httpcookie",
    "httpauthorization",
    "requestcookie",
    "xapikey",
    "xauthtoken",
    "apikey",
    "xamzsecuritytoken",
    "urlpassword",
];

/// The role of a value under `key`.
pub(super) fn key_role(key: &[u8], deny: &DenyList) -> Role {
    key_info(key, deny).role
}

/// [`key_role`], and what else the parser needs to know of the key.
#[inline(never)]
fn key_info(key: &[u8], deny: &DenyList) -> KeyInfo {
    let mut buf = [0u8; 64];
    let (n, starts) = norm(key, &mut buf);
    let mut role = role_of(key, &buf[..n], deny);
    // a `\` is one of the bytes that make `starts` true
    if starts && key.contains(&b'\\') {
        // a key spelled with escapes (`to\u006ben`) has the role of what it
        // spells
        let mut d = crate::decode::Decoded::default();
        if d.decode(key, 0, key.len()) {
            role = key_role(&d.text, deny);
        }
    }
    KeyInfo {
        role,
        scan: starts,
        is_value: key.eq_ignore_ascii_case(b"value"),
        is_name: key.eq_ignore_ascii_case(b"name")
            || key.eq_ignore_ascii_case(b"key")
            || key.eq_ignore_ascii_case(b"header"),
        plain_object: PLAIN_OBJECTS.iter().any(|p| p.as_bytes() == &buf[..n]),
        time: rank(TIME_KEYS, &buf[..n]),
        is_event: key.eq_ignore_ascii_case(b"event"),
        is_created: key.eq_ignore_ascii_case(b"created"),
        status: rank(STATUS_KEYS, &buf[..n]),
        bytes: rank(BYTES_KEYS, &buf[..n]),
        agent: AGENT_KEYS.iter().any(|a| a.as_bytes() == &buf[..n]),
        repeat: rank(REPEAT_KEYS, &buf[..n]),
        part: match &buf[..n] {
            b"http" => Part::Http,
            b"response" => Part::Response,
            b"body" => Part::Body,
            b"statuscode" => Part::StatusCode,
            b"bytes" => Part::Bytes,
            _ => Part::No,
        },
    }
}

/// Keys that hold the user agent in the outermost object (lower-cased
/// letters and digits): noted for the typed record, and scanned apart
/// through the engine's cache of clean values.
const AGENT_KEYS: &[&str] = &[
    "httpuseragent",
    "useragent",
    "useragentoriginal",
    "requestuseragent",
    "ua",
];

/// Keys whose values repeat from line to line, in the outermost object
/// (lower-cased letters and digits): the request, then the referer. They
/// are scanned apart through the engine's cache of clean values, like the
/// user agent; their role is that of any value.
const REPEAT_KEYS: &[&[&str]] = &[
    &[
        "request",
        "requesturi",
        "uri",
        "url",
        "path",
        "urlpath",
        "urloriginal",
        "httprequest",
    ],
    &[
        "httpreferer",
        "referer",
        "referrer",
        "httpreferrer",
        "httprequestreferrer",
    ],
];

/// Keys that hold a line's own time (lower-cased letters and digits), the
/// best first: a line's time is the value of its best time key in the
/// outermost object (ECS `event.created`, flat or in an `event` object, is
/// the last resort).
const TIME_KEYS: &[&[&str]] = &[
    &["timestamp", "time", "ts", "timelocal", "timeiso8601", "datetime"],
    &[
        "starttime",
        "startutc",
        "edgestarttimestamp",
        "requesttime8601",
        "eventtime",
        "logtime",
        "msec",
        "date",
    ],
    &["eventcreated"],
];

/// Keys that hold a line's HTTP status, the best first (in the outermost
/// object; ECS `http.response.status_code` nested there ranks first too):
/// the names that say "status code" before a bare `status`.
const STATUS_KEYS: &[&[&str]] = &[
    &[
        "httpresponsestatuscode",
        "statuscode",
        "responsecode",
        "responsestatus",
        "httpstatus",
        "httpstatuscode",
        "scstatus",
        // Traefik, Cloudflare
        "downstreamstatus",
        "edgeresponsestatus",
    ],
    &["status"],
];

/// Keys that hold a line's response bytes, the best first: the body's
/// bytes (what CLF's `%b` counts; ECS `http.response.body.bytes`, flat or
/// nested), then the bytes sent, then a bare `bytes` or `size`.
const BYTES_KEYS: &[&[&str]] = &[
    &[
        "httpresponsebodybytes",
        "bodybytessent",
        "downstreamcontentsize",
        "edgeresponsebytes",
    ],
    &["bytessent", "responsesize", "responsebytes", "scbytes"],
    &["bytes", "size"],
];

/// The rank of a key in `sets`: 1 for the best, 0 for a key not in them.
fn rank(sets: &[&[&str]], k: &[u8]) -> u8 {
    sets.iter()
        .position(|set| set.iter().any(|s| s.as_bytes() == k))
        .map_or(0, |p| p as u8 + 1)
}

/// The rank of `created` in an `event` object (ECS): the last resort.
pub(super) const EVENT_CREATED: u8 = TIME_KEYS.len() as u8;

fn role_of(key: &[u8], k: &[u8], deny: &DenyList) -> Role {
    let is = |set: &[&str]| set.iter().any(|s| s.as_bytes() == k);
    // `service.name`, `user_agent.name`: the name of a thing (see
    // PLAIN_OBJECTS), not a person's, though `name` is deny-listed
    let plain_name = key.iter().rposition(|&b| b == b'.').is_some_and(|d| {
        let mut b = [0u8; 64];
        let (n, _) = norm(&key[..key.iter().position(|&c| c == b'.').unwrap_or(d)], &mut b);
        key[d + 1..].eq_ignore_ascii_case(b"name") && PLAIN_OBJECTS.iter().any(|p| p.as_bytes() == &b[..n])
    });
    if is(SECRET) || (!plain_name && deny.contains(key)) {
        // `user`, `email` and `ip` are on the deny list too: their own roles win
        if is(CLIENT) {
            return Role::Client;
        }
        if is(USER) {
            return Role::User;
        }
        return Role::Secret;
    }
    if is(CLIENT) {
        Role::Client
    } else if is(USER) {
        Role::User
    } else if k.ends_with(b"xforwardedfor") || k.ends_with(b"forwardedfor") {
        Role::Generic
    } else if crate::scan::is_location_name(key) {
        Role::Location
    } else {
        Role::GenericEscaped
    }
}
