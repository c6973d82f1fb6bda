//! The generated combined log lines of the property tests
//! (`properties.rs`), each with its model: what every field must become and
//! which values are personal.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::common::civil::MONTHS;

// ---------------------------------------------------------------------------
// The model of a generated line
// ---------------------------------------------------------------------------

/// A client slot: what is written, what it must become, what must not survive.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) input: String,
    pub(crate) expected: String,
    pub(crate) secrets: Vec<String>,
}

/// A query parameter `name=value`.
#[derive(Clone, Debug)]
pub(crate) struct Param {
    pub(crate) input: String,
    pub(crate) expected: String,
    /// personal values (empty for a safe parameter)
    pub(crate) secrets: Vec<String>,
}

impl Param {
    pub(crate) fn is_safe(&self) -> bool {
        self.secrets.is_empty()
    }
}

/// A referer field (inside the quotes).
#[derive(Clone, Debug)]
pub(crate) struct Referer {
    pub(crate) input: String,
    pub(crate) expected: String,
    pub(crate) secrets: Vec<String>,
}

/// A trailing X-Forwarded-For field `"a.b.c.d, e.f.g.h"`.
#[derive(Clone, Debug)]
pub(crate) struct Xff {
    pub(crate) input: String,
    pub(crate) expected: String,
    pub(crate) secrets: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) client: Client,
    /// `None` writes `-`
    pub(crate) user: Option<String>,
    /// inside the brackets
    pub(crate) time: String,
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) params: Vec<Param>,
    pub(crate) status: u16,
    pub(crate) size: String,
    pub(crate) referer: Referer,
    pub(crate) agent: &'static str,
    pub(crate) xff: Option<Xff>,
    pub(crate) cr: bool,
}

impl Case {
    pub(crate) fn query(&self, expected: bool) -> String {
        if self.params.is_empty() {
            return String::new();
        }
        let parts: Vec<&str> = self
            .params
            .iter()
            .map(|p| {
                if expected {
                    p.expected.as_str()
                } else {
                    p.input.as_str()
                }
            })
            .collect();
        format!("?{}", parts.join("&"))
    }

    fn render(&self, expected: bool) -> String {
        let pick = |i: &str, e: &str| -> String {
            if expected {
                e.to_string()
            } else {
                i.to_string()
            }
        };
        let client = pick(&self.client.input, &self.client.expected);
        let user = match (&self.user, expected) {
            (Some(u), false) => u.clone(),
            _ => "-".to_string(),
        };
        let referer = pick(&self.referer.input, &self.referer.expected);
        let xff = match &self.xff {
            Some(x) => format!(" \"{}\"", pick(&x.input, &x.expected)),
            None => String::new(),
        };
        format!(
            "{client} - {user} [{}] \"{} {}{} HTTP/1.1\" {} {} \"{referer}\" \"{}\"{xff}{}",
            self.time,
            self.method,
            self.path,
            self.query(expected),
            self.status,
            self.size,
            self.agent,
            if self.cr { "\r" } else { "" },
        )
    }

    /// The generated line (without `\n`; with its CR if any).
    pub(crate) fn line(&self) -> String {
        self.render(false)
    }

    /// What the line must become.
    pub(crate) fn expected(&self) -> String {
        self.render(true)
    }

    /// Every personal value planted in the line.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut s = self.client.secrets.clone();
        s.extend(self.user.iter().cloned());
        for p in &self.params {
            s.extend(p.secrets.iter().cloned());
        }
        s.extend(self.referer.secrets.iter().cloned());
        if let Some(x) = &self.xff {
            s.extend(x.secrets.iter().cloned());
        }
        s
    }
}

// ---------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------

fn v4_text(o: [u8; 4]) -> String {
    Ipv4Addr::from(o).to_string()
}

fn v4_trunc(o: [u8; 4]) -> [u8; 4] {
    [o[0], o[1], o[2], 0]
}

/// `a.b.c.d` -> `a.b.c.0`; the full text is a secret when `d` is not 0.
fn v4_model(o: [u8; 4]) -> (String, String, Vec<String>) {
    let text = v4_text(o);
    let secrets = if o[3] != 0 { vec![text.clone()] } else { vec![] };
    (text, v4_text(v4_trunc(o)), secrets)
}

fn is_mapped(a: u128) -> bool {
    a >> 32 == 0xffff
}

/// The /48 (or, for IPv4-mapped addresses, the mapped /24) of `a`.
fn v6_trunc(a: u128) -> u128 {
    if is_mapped(a) {
        a & !0xff
    } else {
        a & !((1u128 << 80) - 1)
    }
}

fn groups(a: u128) -> [u16; 8] {
    Ipv6Addr::from(a).segments()
}

/// How an IPv6 client is written.
#[derive(Clone, Debug)]
pub(crate) enum Spelling {
    /// RFC 5952 text (what `Display` writes)
    Compressed,
    /// eight groups of four hex digits, leading zeros kept
    Full,
    /// compressed, upper case
    Upper,
    /// full, upper case
    FullUpper,
    /// `[addr]:port`
    Bracketed(u16),
    /// `addr%zone`
    Zone(&'static str),
}

fn spell(a: u128, sp: &Spelling) -> String {
    let canon = Ipv6Addr::from(a).to_string();
    let full = |upper: bool| {
        groups(a)
            .iter()
            .map(|g| if upper { format!("{g:04X}") } else { format!("{g:04x}") })
            .collect::<Vec<_>>()
            .join(":")
    };
    match sp {
        Spelling::Compressed => canon,
        Spelling::Full => full(false),
        Spelling::Upper => canon.to_ascii_uppercase(),
        Spelling::FullUpper => full(true),
        Spelling::Bracketed(port) => format!("[{canon}]:{port}"),
        Spelling::Zone(z) => format!("{canon}%{z}"),
    }
}

fn v6_client(a: u128, sp: Spelling) -> Client {
    let t = v6_trunc(a);
    let canon_t = Ipv6Addr::from(t).to_string();
    let expected = match &sp {
        // an address without host bits is left as it was written
        _ if t == a && !matches!(sp, Spelling::Zone(_)) => spell(a, &sp),
        Spelling::Bracketed(port) => format!("[{canon_t}]:{port}"),
        _ => canon_t,
    };
    let mut secrets = Vec::new();
    if t != a {
        secrets.push(Ipv6Addr::from(a).to_string());
        let bare = match &sp {
            Spelling::Bracketed(_) | Spelling::Zone(_) => spell(a, &Spelling::Compressed),
            _ => spell(a, &sp),
        };
        secrets.push(bare);
        if is_mapped(a) {
            secrets.push(v4_text((a as u32).to_be_bytes()));
        }
    }
    Client {
        input: spell(a, &sp),
        expected,
        secrets,
    }
}

fn v6_addr() -> impl Strategy<Value = u128> {
    let sparse_group = prop_oneof![Just(0u16), Just(1u16), Just(0xffffu16), any::<u16>()];
    prop_oneof![
        any::<u128>(),
        // many zero groups, to exercise `::` compression
        proptest::array::uniform8(sparse_group).prop_map(|g| u128::from(Ipv6Addr::from(g))),
        // IPv4-mapped
        any::<u32>().prop_map(|v4| (0xffffu128 << 32) | u128::from(v4)),
        // link-local
        any::<u64>().prop_map(|h| (0xfe80u128 << 112) | u128::from(h)),
        // documentation prefix with a random subnet and host
        (any::<u16>(), any::<u64>()).prop_map(|(s, h)| (0x2001_0db8u128 << 96) | (u128::from(s) << 64) | u128::from(h)),
    ]
}

fn spelling() -> impl Strategy<Value = Spelling> {
    prop_oneof![
        Just(Spelling::Compressed),
        Just(Spelling::Full),
        Just(Spelling::Upper),
        Just(Spelling::FullUpper),
        (1u16..).prop_map(Spelling::Bracketed),
        select(vec!["eth0", "en0", "0", "wlan1"]).prop_map(Spelling::Zone),
    ]
}

fn client() -> impl Strategy<Value = Client> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| {
            let (input, expected, secrets) = v4_model(o);
            Client {
                input,
                expected,
                secrets,
            }
        }),
        (any::<[u8; 4]>(), 1u16..).prop_map(|(o, port)| {
            let (input, expected, secrets) = v4_model(o);
            Client {
                input: format!("{input}:{port}"),
                expected: format!("{expected}:{port}"),
                secrets,
            }
        }),
        (v6_addr(), spelling()).prop_map(|(a, sp)| v6_client(a, sp)),
    ]
}

// ---------------------------------------------------------------------------
// The other fields
// ---------------------------------------------------------------------------

const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl/8.4.0",
];

pub(crate) fn time() -> impl Strategy<Value = String> {
    (
        1u8..=28,
        0usize..12,
        1995u16..2035,
        (0u8..24, 0u8..60, 0u8..60),
        (any::<bool>(), 0u8..15, select(vec![0u8, 30, 45])),
    )
        .prop_map(|(d, m, y, (hh, mm, ss), (neg, zh, zm))| {
            let sign = if neg { '-' } else { '+' };
            format!("{d:02}/{}/{y}:{hh:02}:{mm:02}:{ss:02} {sign}{zh:02}{zm:02}", MONTHS[m])
        })
}

fn name() -> impl Strategy<Value = String> {
    "[a-z]{3,10}"
}

pub(crate) fn safe(input: String) -> Param {
    Param {
        expected: input.clone(),
        input,
        secrets: vec![],
    }
}

fn denied(name: &str, value: String, secrets: Vec<String>) -> Param {
    Param {
        input: format!("{name}={value}"),
        expected: format!("{name}=REDACTED"),
        secrets,
    }
}

fn param() -> impl Strategy<Value = Param> {
    prop_oneof![
        (1u32..1000).prop_map(|n| safe(format!("page={n}"))),
        "[a-z]{1,8}".prop_map(|w| safe(format!("q={w}"))),
        "[a-z]{1,8}".prop_map(|w| safe(format!("utm_source={w}"))),
        ("[a-z0-9]{1,10}", "[a-z]{2,10}").prop_map(|(l, d)| {
            let enc = format!("{l}%40{d}.com");
            denied("email", enc.clone(), vec![format!("{l}@{d}.com"), enc])
        }),
        "[A-Za-z0-9]{8,24}".prop_map(|v| denied("token", v.clone(), vec![v])),
        "[0-9a-f]{16,32}".prop_map(|v| denied("session", v.clone(), vec![v])),
        "[A-Za-z0-9]{6,16}".prop_map(|v| denied("PASSWORD", v.clone(), vec![v])),
    ]
}

fn referer() -> impl Strategy<Value = Referer> {
    prop_oneof![
        Just(Referer {
            input: "-".into(),
            expected: "-".into(),
            secrets: vec![],
        }),
        ("[a-z]{2,10}", "[a-z0-9/_]{0,20}", proptest::option::of(name())).prop_map(|(d, p, user)| {
            let base = format!("https://{d}.com/{p}");
            match user {
                None => Referer {
                    input: base.clone(),
                    expected: base,
                    secrets: vec![],
                },
                Some(u) => Referer {
                    input: format!("{base}?user={u}"),
                    expected: format!("{base}?user=REDACTED"),
                    secrets: vec![u],
                },
            }
        }),
    ]
}

fn xff() -> impl Strategy<Value = Xff> {
    (any::<[u8; 4]>(), any::<[u8; 4]>()).prop_map(|(a, b)| {
        let (ia, ea, mut secrets) = v4_model(a);
        let (ib, eb, sb) = v4_model(b);
        secrets.extend(sb);
        Xff {
            input: format!("{ia}, {ib}"),
            expected: format!("{ea}, {eb}"),
            secrets,
        }
    })
}

pub(crate) fn case() -> impl Strategy<Value = Case> {
    (
        (client(), proptest::option::of(name()), time()),
        (
            select(vec!["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]),
            "/[a-z0-9/_]{0,30}",
            vec(param(), 0..6),
        ),
        (100u16..600, prop_oneof![Just("-".to_string()), "[0-9]{1,7}"]),
        (
            referer(),
            select(AGENTS.to_vec()),
            proptest::option::of(xff()),
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |((client, user, time), (method, path, params), (status, size), (referer, agent, xff, cr))| Case {
                client,
                user,
                time,
                method,
                path,
                params,
                status,
                size,
                referer,
                agent,
                xff,
                cr,
            },
        )
}

/// A few generated lines and whether the last one ends with `\n`.
pub(crate) fn cases() -> impl Strategy<Value = (Vec<Case>, bool)> {
    (vec(case(), 1..5), any::<bool>())
}
