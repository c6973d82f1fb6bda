//! Generates a synthetic but realistic combined access log for benchmarks:
//! `cargo run --release --example genlog -- LINES [SEED [combined|json|w3c|encoded|planted [POOL]]] > FILE`.
//!
//! With POOL, every client is one of POOL distinct IPv4 addresses, 16 to a
//! /24 (the k-anonymity memory figures: `benches/kanon.sh`).
//!
//! Deterministic (xorshift PRNG): the same arguments give the same bytes.
//! About 230 bytes a line: IPv4 and IPv6 clients, a few host names and user
//! fields, query strings with deny-listed parameters and emails now and then,
//! referers, real user agents, and for some lines an X-Forwarded-For field.

use std::io::{BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/assets/app.3f9a1c.js",
    "/assets/style.css",
    "/images/logo.png",
    "/api/v1/items",
    "/blog/2024/03/how-we-scaled-our-logging",
    "/products/9200000002876066/fissler-pan",
    "/search",
    "/login",
    "/favicon.ico",
    "/wp-login.php",
];
const QUERIES: &[&str] = &[
    "",
    "",
    "",
    "",
    "?page=2",
    "?q=rust+log+anonymizer&lang=en",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
    "?id=12345&sort=asc",
    "?session=8f14e45fceea167a5a36dedd4bea2543&view=full",
    "?email=jane.doe%40example.com&ref=signup",
    "?token=eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo",
    "?user=alice&next=%2Fdashboard",
];
/// Queries with values behind encodings, for the `encoded` kind.
const ENCODED: &[&str] = &[
    "?next=%2Flogin%3Ftoken%3Dabc123%26lang%3Den",
    "?host=198%2E51%2E100%2E7&x=1",
    "?to=john%2540example.com",
    "?d={\\x22ip\\x22:\\x2245.67.89.12\\x22}",
    "?r=%3Fpeer%3D2001%3Adb8%3A1%3A2%3A%3A1",
    "?a=1&amp;token=abc&amp;b=2",
    "?q=caf%C3%A9+cr%C3%A8me&page=3",
    "?redirect=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc",
];
/// Personal data planted in every line of the `planted` kind: in the path,
/// the query, the referer and an extra field, plain and behind encodings.
const PLANTED: &[&str] = &[
    "/u/jane.doe@example.com/profile",
    "/api/devices/00:1a:2b:3c:4d:5e",
    "/pay?card=4111111111111111&amount=12",
    "/cb?phone=%2B4915112345678&tel=+4915112345678",
    "/x?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop&sid=9a8b7c6d5e",
    "/r?to=https://bob:hunter2@intranet.example.org/a",
    "/peer?addr=198.51.100.77&v6=2001:db8:4::17",
    "/n?next=%2Fverify%3Femail%3Djohn%2540example.com%26x%3D1",
    "/i?iban=DE89370400440532013000&mac=00-1A-2B-3C-4D-5E",
    "/h/ip-10-1-2-3.ec2.internal/1-2-3-4.sslip.io",
];
const REFERERS: &[&str] = &[
    "-",
    "-",
    "https://www.google.com/",
    "https://example.com/blog/2024/03/how-we-scaled-our-logging",
    "https://news.ycombinator.com/item?id=39512345",
    "https://example.com/search?q=pans&sid=a81be0c2",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.4.0",
];
const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Writes `lines` generated lines to `w`.
/// The output format of the generator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Combined,
    /// nginx `escape=json`-style JSON lines
    Json,
    /// IIS-style W3C extended, with its directives
    W3c,
    /// combined, with a value behind an encoding in 20% of the lines
    Encoded,
    /// combined, with personal data planted in every line: in the path and
    /// query, the referer, the user field and an X-Forwarded-For field
    Planted,
}

/// Writes `lines` generated combined lines to `w`.
pub fn generate(lines: u64, seed: u64, w: &mut impl Write) -> std::io::Result<()> {
    generate_kind(lines, seed, Kind::Combined, w)
}

/// Writes `lines` generated lines of `kind` to `w`.
pub fn generate_kind(lines: u64, seed: u64, kind: Kind, w: &mut impl Write) -> std::io::Result<()> {
    generate_pool(lines, seed, kind, None, w)
}

/// The `k`-th of a pool of client addresses: 16 hosts to a /24, the /24s
/// spread over 1.0.0.0 to 223.255.255.0.
fn pool_addr(k: u64) -> String {
    let mut z = (k >> 4).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let net = (1 << 16) + z % (223 << 16);
    format!("{}.{}.{}.{}", net >> 16, (net >> 8) & 255, net & 255, 1 + (k & 15))
}

/// [`generate_kind`] with the clients drawn from `pool` distinct addresses.
pub fn generate_pool(lines: u64, seed: u64, kind: Kind, pool: Option<u64>, w: &mut impl Write) -> std::io::Result<()> {
    let mut r = Rng(seed | 1);
    if kind == Kind::W3c {
        w.write_all(
            b"#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-01-01 00:00:00\n",
        )?;
        w.write_all(b"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n")?;
    }
    for n in 0..lines {
        let client = match pool {
            Some(p) => pool_addr(r.below(p.max(1))),
            None => match r.below(100) {
                0..=79 => format!(
                    "{}.{}.{}.{}",
                    1 + r.below(223),
                    r.below(256),
                    r.below(256),
                    1 + r.below(254)
                ),
                80..=94 => format!(
                    "2001:db8:{:x}:{:x}::{:x}",
                    r.below(0x10000),
                    r.below(0x10000),
                    1 + r.below(0xffff)
                ),
                _ => format!("host-{}.dyn.example.net", r.below(10000)),
            },
        };
        let planted = kind == Kind::Planted;
        let user = if planted || r.below(50) == 0 { "bob" } else { "-" };
        let method = if r.below(10) == 0 { "POST" } else { "GET" };
        let path = if planted { r.pick(PLANTED) } else { r.pick(PATHS) };
        let query = if kind == Kind::Encoded && r.below(5) == 0 {
            r.pick(ENCODED)
        } else if planted {
            // (a planted path with a query of its own takes none more)
            let q = r.pick(ENCODED);
            if path.contains('?') {
                ""
            } else {
                q
            }
        } else {
            r.pick(QUERIES)
        };
        let status = [200, 200, 200, 304, 404, 301, 500][r.below(7) as usize];
        let size = r.below(60000);
        let referer = if planted { r.pick(PLANTED) } else { r.pick(REFERERS) };
        let agent = r.pick(AGENTS);
        let day = 1 + (n / 50000) % 28;
        let secs = n % 86400;
        let (hh, mm, ss) = (secs / 3600, (secs / 60) % 60, secs % 60);
        let month = (n / 1_000_000) as usize % 12;
        match kind {
            Kind::Combined | Kind::Encoded | Kind::Planted => {
                write!(
                    w,
                    "{client} - {user} [{day:02}/{}/2026:{hh:02}:{mm:02}:{ss:02} +0000] \"{method} {path}{query} HTTP/1.1\" {status} {size} \"{referer}\" \"{agent}\"",
                    MONTHS[month]
                )?;
                if planted || r.below(10) == 0 {
                    write!(
                        w,
                        " \"10.{}.{}.{}, {}\"",
                        r.below(256),
                        r.below(256),
                        r.below(256),
                        client
                    )?;
                }
            }
            Kind::Json => {
                let xff = if r.below(10) == 0 {
                    format!("10.{}.{}.{}, {}", r.below(256), r.below(256), r.below(256), client)
                } else {
                    String::new()
                };
                write!(
                    w,
                    "{{\"time_iso8601\":\"2026-{:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}+00:00\",\"remote_addr\":\"{client}\",\"remote_user\":\"{}\",\"request\":\"{method} {path}{query} HTTP/1.1\",\"status\":{status},\"body_bytes_sent\":{size},\"request_time\":0.{:03},\"http_referer\":\"{referer}\",\"http_user_agent\":\"{agent}\",\"http_x_forwarded_for\":\"{xff}\"}}",
                    month + 1,
                    if user == "-" { "" } else { user },
                    r.below(1000)
                )?;
            }
            Kind::W3c => {
                let q = query.strip_prefix('?').unwrap_or("-");
                let q = if q.is_empty() { "-" } else { q };
                write!(
                    w,
                    "2026-{:02}-{day:02} {hh:02}:{mm:02}:{ss:02} 10.0.0.5 {method} {path} {q} 443 {user} {client} {} {referer} {status} 0 0 {}",
                    month + 1,
                    agent.replace(' ', "+"),
                    r.below(1000)
                )?;
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

pub const DEFAULT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

#[allow(dead_code)]
fn main() {
    let mut args = std::env::args().skip(1);
    let lines: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED);
    let kind = match args.next().as_deref() {
        None | Some("combined") => Kind::Combined,
        Some("json") => Kind::Json,
        Some("w3c") => Kind::W3c,
        Some("encoded") => Kind::Encoded,
        Some("planted") => Kind::Planted,
        Some(other) => {
            eprintln!("genlog: unknown kind '{other}'; use combined, json, w3c, encoded or planted");
            std::process::exit(2);
        }
    };
    let pool: Option<u64> = args.next().and_then(|s| s.parse().ok());
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    if generate_pool(lines, seed, kind, pool, &mut w)
        .and_then(|()| w.flush())
        .is_err()
    {
        std::process::exit(1);
    }
}
