//! JSON lines (nginx `escape=json`, Caddy, Traefik, Envoy, Cloudflare, ...).
//!
//! A hand-written walker over the bytes (no allocation of a document): every
//! string value gets a role from the nearest key that holds it, at any depth
//! (`remote_addr`, `request.remote_ip`, `ClientHost`, `x_forwarded_for` as a
//! string or an array, `remote_user`, `Cookie` headers, ...); `{"name":
//! "Cookie", "value": "..."}` header pairs are recognised too. Keys, numbers,
//! punctuation and white space are kept byte for byte, so the output is valid
//! JSON whenever the input was. A line may carry a prefix before its object
//! (a container runtime's `TIME stdout F {...}`, a syslog header).

use crate::formats::fields::{Fields, Role};
use crate::rules::DenyList;

/// Lower-cased letters and digits of a key (`X-Forwarded-For` -> `xforwardedfor`).
/// Also says whether the key holds a byte where a finding of the scanner can
/// start (see [`crate::scan::may_hold_personal`]); those are never letters
/// or digits, so the test costs nothing on the letters.
fn norm(key: &[u8], buf: &mut [u8; 64]) -> (usize, bool) {
    let mut n = 0;
    let mut starts = false;
    for &b in key {
        if b.is_ascii_alphanumeric() {
            if n < 64 {
                buf[n] = b.to_ascii_lowercase();
                n += 1;
            }
        } else {
            starts |= crate::scan::may_hold_personal(&[b]);
        }
    }
    (n, starts)
}

/// What the parser needs to know of a key: the role of its value, whether
/// the key itself is to be scanned, and whether it is `value` or a
/// `name`/`key`/`header` (of a `{"name": "Cookie", "value": ...}` pair).
#[derive(Clone, Copy, Debug)]
struct KeyInfo {
    role: Role,
    scan: bool,
    is_value: bool,
    is_name: bool,
    /// an ECS object whose `name` is no person's (see [`PLAIN_OBJECTS`])
    plain_object: bool,
    /// how good a time key it is (see [`TIME_KEYS`]); 0: none
    time: u8,
    /// `event` (ECS: its `created` is a time)
    is_event: bool,
    /// `created`
    is_created: bool,
    /// how good a status (bytes) key it is in the outermost object (see
    /// [`STATUS_KEYS`], [`BYTES_KEYS`]); 0: none
    status: u8,
    bytes: u8,
    /// what the key names on the way to ECS `http.response.status_code`
    /// and `http.response.body.bytes`
    part: Part,
    /// a user agent key (see [`AGENT_KEYS`])
    agent: bool,
    /// a request (1) or referer (2) key (see [`REPEAT_KEYS`]); 0: neither
    repeat: u8,
}

/// The parts of ECS `http.response.status_code` and
/// `http.response.body.bytes` (nested objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
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

/// Scratch space of the JSON walker, kept from line to line (in
/// [`Fields`]) so that a line costs no allocation: the frame stack, and the
/// keys seen lately with what they mean.
#[derive(Debug, Default)]
pub struct Scratch {
    stack: Vec<Frame>,
    keys: KeyCache,
}

/// Keys of up to [`KEY_CACHE_LEN`] bytes and their [`KeyInfo`], in a small
/// two-way set-associative table. The same dozen keys open every line of a
/// JSON log, and finding a key's role (normalising it, comparing it with
/// some hundred names) cost a third of the JSON parser's time; a hit costs a
/// hash and one compare. Entries are for one deny list (its
/// [`DenyList::version`]): another one empties the table.
#[derive(Debug)]
struct KeyCache {
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
    fn get(&mut self, key: &[u8], deny: &DenyList) -> KeyInfo {
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
pub(crate) fn key_role(key: &[u8], deny: &DenyList) -> Role {
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
const EVENT_CREATED: u8 = TIME_KEYS.len() as u8;

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
    } else {
        Role::GenericEscaped
    }
}

#[derive(Debug)]
struct Frame {
    object: bool,
    /// opened under a user or secret key: every value inside takes that
    /// role, whatever its own key (`{"password":{"a":"x"}}`)
    inherit: Option<Role>,
    /// the role of values here (from the key that opened an array, or the
    /// current key of an object)
    role: Role,
    /// in an object: a key was read, its value comes next
    want_value: bool,
    /// in an object: the `:` after the key was read
    colon: bool,
    /// `"name": "Cookie"` seen: the `"value"` of this object is a secret
    header_secret: bool,
    /// the current key is `value`
    key_is_value: bool,
    /// the current key is `name`/`key`/`header`
    key_is_name: bool,
    /// the current key names an object whose `name` is not a person's
    /// (ECS `service`, `host`, `user_agent`, ...)
    key_plain_object: bool,
    /// this object's `name` is no person's: it is an ECS object of that
    /// kind, or an element of an array (HAR `{"name":"Cookie","value":...}`
    /// header pairs)
    plain_name: bool,
    /// the current key is `event` (in the outermost object)
    key_event: bool,
    /// the time rank of the current key (0: no time key, or not in the
    /// outermost object or an ECS `event` object in it)
    key_time: u8,
    /// this is the ECS `event` object of the outermost object
    event: bool,
    /// the status (bytes) rank of the current key (0: none)
    key_status: u8,
    key_bytes: u8,
    /// the ECS part an object under the current key is
    key_opens: Part,
    /// the ECS part this object is (`http`, `http.response`, ...)
    part: Part,
    /// the current key is a user agent key
    key_agent: bool,
    /// the current key's [`KeyInfo::repeat`]
    key_repeat: u8,
}

/// The end of a JSON string starting at `i` (on its `"`): the offset of the
/// closing quote.
fn string_end(s: &[u8], i: usize) -> Option<usize> {
    let mut k = i + 1;
    loop {
        let d = memchr::memchr2(b'"', b'\\', &s[k..])?;
        k += d;
        if s[k] == b'"' {
            return Some(k);
        }
        k += 2;
        if k > s.len() {
            return None;
        }
    }
}

/// Walks the JSON object starting at `start` (on its `{`) to the end of the
/// line and fills `f`. `None` when it is not one well-formed object (followed
/// only by white space).
pub fn parse(s: &[u8], start: usize, deny: &DenyList, f: &mut Fields) -> Option<()> {
    let mut brk = start;
    walk(s, start, deny, f, &mut brk)
}

/// [`parse`] for a line that is not one well-formed object (cut short, or
/// followed by text): the fields up to where it breaks keep their roles,
/// and the rest is one field, of the role of the value it was in (a cut
/// `"remote_user":"bo` is still a user) or scanned. `None` only when nothing
/// before the break was JSON.
pub fn parse_lenient(s: &[u8], start: usize, deny: &DenyList, f: &mut Fields) -> Option<()> {
    let mut brk = start;
    if walk(s, start, deny, f, &mut brk).is_some() {
        return Some(());
    }
    if brk <= start {
        return None;
    }
    let role = match f.json.stack.last() {
        Some(top) if s.get(brk) == Some(&b'"') && (!top.object || (top.want_value && top.colon)) => top.role,
        _ => Role::Generic,
    };
    f.list.retain(|(r, _)| r.end <= brk);
    // scanned, the rest takes the punctuation before it along, so that
    // what the break splits is seen whole (`{"a"::4`: `::4`)
    let from = match role {
        Role::Generic => f.list.last().map_or(start, |(r, _)| r.end).min(brk),
        _ => brk + 1,
    };
    if from < s.len() {
        f.list.push((from..s.len(), role));
    }
    f.gaps = Some(Role::Generic);
    Some(())
}

/// The walk of [`parse`]; `brk` follows the offset of the token being read,
/// so that on `None` it says where the line stopped being JSON.
fn walk(s: &[u8], start: usize, deny: &DenyList, f: &mut Fields, brk: &mut usize) -> Option<()> {
    f.clear();
    let Fields {
        list,
        gaps,
        json: Scratch { stack, keys },
        time,
        status,
        bytes,
        client: _,
        http,
        repeats,
    } = f;
    // the rank of the time key `time` was found under, of the status and
    // bytes keys
    let mut time_rank = u8::MAX;
    let (mut status_rank, mut bytes_rank) = (u8::MAX, u8::MAX);
    *gaps = Some(Role::Verbatim);
    if start > 0 {
        list.push((0..start, Role::Generic));
    }
    stack.clear();
    let mut i = start;
    let mut done = false;
    while i < s.len() {
        let b = s[i];
        *brk = i;
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b',' => {}
            _ if done => return None,
            b'{' | b'[' => {
                if let Some(top) = stack.last() {
                    if top.object && !(top.want_value && top.colon) {
                        return None;
                    }
                }
                let role = stack.last().map_or(Role::GenericEscaped, |f| f.role);
                let inherit = stack.last().and_then(|f| {
                    f.inherit
                        .or(matches!(f.role, Role::User | Role::Secret).then_some(f.role))
                });
                let plain_name = stack.last().is_some_and(|f| !f.object || f.key_plain_object);
                let event = stack.len() == 1 && stack[0].object && stack[0].key_event;
                let part = match stack.last() {
                    Some(top) if top.object && b == b'{' => top.key_opens,
                    _ => Part::No,
                };
                stack.push(Frame {
                    object: b == b'{',
                    inherit,
                    role,
                    want_value: false,
                    colon: false,
                    header_secret: false,
                    key_is_value: false,
                    key_is_name: false,
                    key_plain_object: false,
                    plain_name,
                    key_time: 0,
                    key_event: false,
                    event,
                    key_status: 0,
                    key_bytes: 0,
                    key_opens: Part::No,
                    part,
                    key_agent: false,
                    key_repeat: 0,
                });
            }
            b'}' | b']' => {
                if stack.last().is_some_and(|f| f.object && f.want_value) {
                    return None; // `{"a":}`
                }
                let fr = stack.pop()?;
                if fr.object != (b == b'}') {
                    return None;
                }
                if stack.is_empty() {
                    done = true;
                } else if let Some(top) = stack.last_mut() {
                    if top.object {
                        top.want_value = false;
                        top.colon = false;
                    }
                }
            }
            b':' => {
                let top = stack.last_mut()?;
                if !top.object || !top.want_value || top.colon {
                    return None;
                }
                top.colon = true;
            }
            b'"' => {
                let end = string_end(s, i)?;
                let depth = stack.len();
                let top = stack.last_mut()?;
                let content = i + 1..end;
                if top.object && !top.want_value {
                    // a key: scanned too (an address or an email can be one)
                    let key = &s[content.clone()];
                    let k = keys.get(key, deny);
                    if k.scan {
                        list.push((content, Role::GenericEscaped));
                    }
                    top.role = match top.inherit {
                        Some(r) => r,
                        // `{"service":{"name":...}}`, a HAR header's name:
                        // scanned, not a secret
                        None if k.is_name && top.plain_name && k.role == Role::Secret => Role::GenericEscaped,
                        None => k.role,
                    };
                    top.key_is_value = k.is_value;
                    top.key_agent = k.agent;
                    top.key_repeat = k.repeat;
                    top.key_is_name = k.is_name;
                    top.key_plain_object = k.plain_object;
                    // a time key counts in the outermost object, and
                    // `created` in its `event` object
                    top.key_time = 0;
                    top.key_event = false;
                    if depth == 1 {
                        top.key_time = k.time;
                        top.key_event = k.is_event;
                    } else if top.event && k.is_created {
                        top.key_time = EVENT_CREATED;
                    }
                    // status and bytes keys count in the outermost object,
                    // and ECS `http.response.status_code` and
                    // `http.response.body.bytes` nested in it
                    (top.key_status, top.key_bytes, top.key_opens) = match (depth, top.part, k.part) {
                        (1, _, Part::Http) => (k.status, k.bytes, Part::Http),
                        (1, _, _) => (k.status, k.bytes, Part::No),
                        (_, Part::No, _) => (0, 0, Part::No),
                        (_, Part::Http, Part::Response) => (0, 0, Part::Response),
                        (_, Part::Response, Part::Body) => (0, 0, Part::Body),
                        (_, Part::Response, Part::StatusCode) => (1, 0, Part::No),
                        (_, Part::Body, Part::Bytes) => (0, 1, Part::No),
                        _ => (0, 0, Part::No),
                    };
                    if top.key_is_value && top.header_secret {
                        top.role = Role::Secret;
                    }
                    top.want_value = true;
                    top.colon = false;
                } else {
                    if top.object && !top.colon {
                        return None;
                    }
                    // a value
                    if top.object && top.key_is_name && key_role(&s[content.clone()], deny) == Role::Secret {
                        top.header_secret = true;
                    }
                    let role = top.role;
                    if top.object {
                        if top.key_time != 0 && top.key_time < time_rank {
                            time_rank = top.key_time;
                            *time = Some(content.clone());
                        }
                        if (top.key_status | top.key_bytes) != 0 {
                            figure(top, &content, (&mut status_rank, status), (&mut bytes_rank, bytes));
                        }
                        top.want_value = false;
                        top.colon = false;
                    }
                    if top.key_agent && depth == 1 && top.object && http.agent.is_none() {
                        http.agent = Some(content.clone());
                    }
                    if !content.is_empty() {
                        if top.key_repeat != 0 && depth == 1 && top.object && list.len() < 64 {
                            *repeats |= 1 << list.len();
                        }
                        list.push((content, role));
                    }
                }
                i = end;
            }
            _ => {
                // a number or a literal
                let top = stack.last_mut()?;
                let st = i;
                while i < s.len() && !matches!(s[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                let tok = &s[st..i];
                // (`NaN` and `Infinity`: what Python's json writes by default)
                let literal = matches!(tok, b"true" | b"false" | b"null" | b"NaN" | b"Infinity" | b"-Infinity");
                let number = !tok.is_empty()
                    && tok
                        .iter()
                        .all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'));
                if !literal && !number {
                    return None;
                }
                if top.object && !(top.want_value && top.colon) {
                    return None;
                }
                // (a card number written as a number goes too: `"cc":4111111111111111`)
                if number && (matches!(top.role, Role::User | Role::Secret) || crate::scan::is_card_number_token(tok)) {
                    list.push((st..i, Role::SecretNumber));
                } else if number && top.role == Role::Client {
                    list.push((st..i, Role::ClientNumber));
                }
                if top.object {
                    if number && top.key_time != 0 && top.key_time < time_rank {
                        time_rank = top.key_time;
                        *time = Some(st..i);
                    }
                    if number && (top.key_status | top.key_bytes) != 0 {
                        figure(top, &(st..i), (&mut status_rank, status), (&mut bytes_rank, bytes));
                    }
                    top.want_value = false;
                    top.colon = false;
                }
                continue;
            }
        }
        i += 1;
    }
    *brk = s.len();
    if done {
        Some(())
    } else {
        None
    }
}

/// Notes `value` as the line's status (bytes) when its key ranks better
/// than the one noted so far (a tie goes to the first).
#[inline(never)]
fn figure(
    top: &Frame,
    value: &std::ops::Range<usize>,
    status: (&mut u8, &mut Option<std::ops::Range<usize>>),
    bytes: (&mut u8, &mut Option<std::ops::Range<usize>>),
) {
    for (key, (rank, slot)) in [(top.key_status, status), (top.key_bytes, bytes)] {
        if key != 0 && key < *rank {
            *rank = key;
            *slot = Some(value.clone());
        }
    }
}

/// Where a JSON object starts in a line: at its first byte (after white
/// space), or after a prefix when the line ends with `}`.
pub fn object_start(s: &[u8]) -> Option<usize> {
    let first = s.iter().position(|&b| !matches!(b, b' ' | b'\t'))?;
    if s[first] == b'{' {
        return Some(first);
    }
    let last = s.iter().rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))?;
    if s[last] != b'}' {
        return None;
    }
    memchr::memmem::find(s, b" {").map(|k| k + 1)
}

// ------------------------------------------------------------ the registry

fn line(kind: super::Parsed, line: &[u8], deny: &DenyList, ctx: &mut super::Ctx) -> Option<super::Recognised> {
    let start = object_start(line)?;
    parse(line, start, deny, &mut ctx.fields).map(|()| super::Recognised::Fields(kind))
}

pub(crate) const SPEC: super::registry::FormatSpec = super::registry::FormatSpec {
    name: "json",
    help: Some("one JSON object a line, its keys by name (also after a prefix)"),
    parse: line,
    detect: &[(20, line)],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(s: &str) -> Vec<(String, Role)> {
        let mut f = Fields::default();
        parse(
            s.as_bytes(),
            object_start(s.as_bytes()).unwrap(),
            &DenyList::default(),
            &mut f,
        )
        .unwrap();
        f.list
            .iter()
            .map(|(r, role)| (s[r.clone()].to_string(), *role))
            .collect()
    }

    #[test]
    fn key_roles_follow_the_deny_list_of_each_call() {
        // one Fields (and so one key cache) across lines and deny lists
        let mut f = Fields::default();
        let line = br#"{"foo":"a","Foo":"b","user":"c"}"#;
        let role_of_values = |f: &Fields| {
            f.list
                .iter()
                .map(|(r, role)| (line[r.clone()].to_vec(), *role))
                .collect::<Vec<_>>()
        };
        let plain = DenyList::default();
        let mut more = DenyList::default();
        more.add(b"foo");
        for (deny, want) in [
            (&plain, Role::GenericEscaped),
            (&more, Role::Secret),
            (&plain, Role::GenericEscaped),
        ] {
            for _ in 0..2 {
                parse(line, 0, deny, &mut f).unwrap();
                let r = role_of_values(&f);
                assert_eq!(r[0], (b"a".to_vec(), want), "{r:?}");
                assert_eq!(r[1], (b"b".to_vec(), want), "{r:?}");
                assert_eq!(r[2], (b"c".to_vec(), Role::User), "{r:?}");
            }
        }
    }

    #[test]
    fn roles_by_key_at_any_depth() {
        let r = roles(
            r#"{"request":{"remote_ip":"1.2.3.4","headers":{"Cookie":["a=b"],"User-Agent":["x"]}},"user_id":42,"ClientUsername":"-","x_forwarded_for":["5.6.7.8"],"n":1.5}"#,
        );
        assert!(r.contains(&("1.2.3.4".into(), Role::Client)), "{r:?}");
        assert!(r.contains(&("a=b".into(), Role::Secret)), "{r:?}");
        assert!(r.contains(&("x".into(), Role::GenericEscaped)), "{r:?}");
        assert!(r.contains(&("42".into(), Role::SecretNumber)), "{r:?}");
        assert!(r.contains(&("-".into(), Role::User)), "{r:?}");
        assert!(r.contains(&("5.6.7.8".into(), Role::Generic)), "{r:?}");
    }

    #[test]
    fn the_time_key_is_noted_and_its_value_still_scanned() {
        // `date` ranks below `time`; a tie goes to the first
        let s = r#"{"date":"x","n":{"ts":"y"},"time":"1.2.3.4 at noon","ts":1767261600}"#;
        let mut f = Fields::default();
        parse(s.as_bytes(), 0, &DenyList::default(), &mut f).unwrap();
        assert_eq!(f.time.clone().map(|r| &s[r]), Some("1.2.3.4 at noon"));
        assert!(roles(s).contains(&("1.2.3.4 at noon".into(), Role::GenericEscaped)));
        let s = r#"{"date":"x","ts":1767261600}"#;
        parse(s.as_bytes(), 0, &DenyList::default(), &mut f).unwrap();
        assert_eq!(f.time.clone().map(|r| &s[r]), Some("1767261600"));
        parse(br#"{"a":"b"}"#, 0, &DenyList::default(), &mut f).unwrap();
        assert_eq!(f.time, None);
    }

    /// The values noted as the status and the bytes of `s`.
    fn figures(s: &str) -> (Option<&str>, Option<&str>) {
        let mut f = Fields::default();
        parse(
            s.as_bytes(),
            object_start(s.as_bytes()).unwrap(),
            &DenyList::default(),
            &mut f,
        )
        .unwrap();
        (f.status.map(|r| &s[r]), f.bytes.map(|r| &s[r]))
    }

    #[test]
    fn status_and_bytes_keys_are_noted_by_rank() {
        // nginx `escape=json` (strings), Caddy (numbers)
        assert_eq!(
            figures(r#"{"status":"404","body_bytes_sent":"512","bytes_sent":"700"}"#),
            (Some("404"), Some("512"))
        );
        assert_eq!(
            figures(r#"{"ts":1.5,"size":31,"status":200}"#),
            (Some("200"), Some("31"))
        );
        // a status code before a bare `status`, the body's bytes before
        // the bytes sent before a bare `bytes` or `size`
        assert_eq!(
            figures(r#"{"status":"ok","size":1,"bytes":2,"response_code":503,"response_size":3}"#),
            (Some("503"), Some("3"))
        );
        assert_eq!(
            figures(r#"{"StatusCode":301,"bytes_sent":9,"sc-status":"200","sc-bytes":"8"}"#),
            (Some("301"), Some("9"))
        );
        // ECS, flat and nested; nested keys elsewhere do not count
        assert_eq!(
            figures(r#"{"http.response.status_code":201,"http.response.body.bytes":77}"#),
            (Some("201"), Some("77"))
        );
        assert_eq!(
            figures(
                r#"{"status":"x","http":{"request":{"bytes":5,"status_code":1},"response":{"status_code":302,"body":{"bytes":40},"bytes":41}},"size":2}"#
            ),
            (Some("302"), Some("40"))
        );
        assert_eq!(
            figures(
                r#"{"request":{"status":200,"size":5},"a":[{"status":1}],"x":{"http":{"response":{"status_code":2}}}}"#
            ),
            (None, None)
        );
        // `null` is no status; a time key is not one either
        assert_eq!(figures(r#"{"status":null,"time":"200"}"#), (None, None));
        // after a container runtime's prefix
        let p = r#"2025-12-31T17:37:40Z stdout F {"response_code":200,"bytes_sent":4}"#;
        assert_eq!(figures(p), (Some("200"), Some("4")));
    }

    #[test]
    fn header_pairs_and_prefixes() {
        let r = roles(r#"{"headers":[{"name":"Cookie","value":"sid=1"},{"name":"Host","value":"x"}]}"#);
        assert!(r.contains(&("sid=1".into(), Role::Secret)), "{r:?}");
        assert!(r.contains(&("x".into(), Role::GenericEscaped)), "{r:?}");
        let p = "2025-12-31T17:37:40Z stdout F {\"downstream_remote_address\":\"10.0.0.12:59292\"}";
        assert_eq!(object_start(p.as_bytes()), Some(30));
        assert!(roles(p).contains(&("10.0.0.12:59292".into(), Role::Client)));
    }

    #[test]
    fn malformed_is_none() {
        let mut f = Fields::default();
        let d = DenyList::default();
        for s in [
            r#"{"a":"b""#,
            r#"{"a":}"#,
            r#"{"a":"b"}x"#,
            r#"{"a":[}"#,
            r#"{"a" "b"}"#,
        ] {
            assert!(parse(s.as_bytes(), 0, &d, &mut f).is_none(), "{s}");
        }
    }
}
