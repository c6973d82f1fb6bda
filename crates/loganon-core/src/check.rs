//! `loganon check`: finds personal data left in logs, as an oracle that is
//! independent of the anonymizer. It shares no recognizer with
//! [`crate::scan`] or `crate::decode`:
//!
//! - each line is decoded completely by its own decoder (one regular
//!   expression for every escape family: `%XX`, `%uXXXX`, `\xHH`, `\uXXXX`
//!   with surrogate pairs, `\"` and friends, HTML entities), applied again
//!   and again until nothing changes;
//! - deliberately simple detectors, regular expressions over the decoded
//!   text, then look for addresses with host bits beyond the configured
//!   prefixes, emails, MACs, deny-listed parameters with values, URL
//!   credentials and Luhn-valid card numbers in parameter values;
//! - the format's roles (from [`crate::formats`], which only splits a line
//!   into fields) add CLF ident/user fields, secret fields and client host
//!   names.
//!
//! A miss in one is caught by the other: tests run the anonymizer's output
//! through this checker. Reported values are masked; the report never
//! repeats personal data.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::OnceLock;

use regex::bytes::{Captures, Regex};

use crate::addr::AddrPolicy;
use crate::formats::fields::Role;
use crate::formats::record::RoleWalk;
use crate::formats::{broken, recognise, Ctx, Format, Recognised};
use crate::keyed::IpMode;
use crate::rules::Rules;

/// How many findings are listed with their location.
pub const FIRST_LOCATIONS: usize = 20;

/// One place where personal data was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it (`ipv4`, `email`, `param`, ...).
    pub rule: &'static str,
    /// The input it is in, as named in messages.
    pub source: String,
    /// Its line in that input, 1-based.
    pub line: u64,
    /// the value with its personal part masked
    pub masked: String,
}

/// What `check` found over its inputs: counts per rule and the first
/// locations ([`FIRST_LOCATIONS`] at most).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Lines read.
    pub lines: u64,
    /// Lines with at least one finding.
    pub lines_with_findings: u64,
    /// Findings per rule.
    pub counts: BTreeMap<&'static str, u64>,
    /// The first findings, in input order.
    pub first: Vec<Finding>,
    /// the earlier pieces of the line in hand had findings (see
    /// [`Checker::piece_in`])
    open_line_found: bool,
}

impl Report {
    /// Findings in all.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    fn push(&mut self, rule: &'static str, source: &str, line: u64, masked: String) {
        *self.counts.entry(rule).or_default() += 1;
        if self.first.len() < FIRST_LOCATIONS {
            self.first.push(Finding {
                rule,
                source: source.to_string(),
                line,
                masked,
            });
        }
    }

    /// The report as `check` prints it.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "loganon check: {} findings in {} of {} lines\n",
            self.total(),
            self.lines_with_findings,
            self.lines
        );
        for (rule, n) in &self.counts {
            s.push_str(&format!("  {rule}: {n}\n"));
        }
        for f in &self.first {
            s.push_str(&format!("  {}:{}: {} {}\n", f.source, f.line, f.rule, f.masked));
        }
        s
    }

    /// The report as `check --json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "lines": self.lines,
            "lines_with_findings": self.lines_with_findings,
            "findings": self.total(),
            "per_rule": self.counts,
            "first": self.first.iter().map(|f| serde_json::json!({
                "source": f.source, "line": f.line, "rule": f.rule, "value": f.masked,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Masks an identifier: its first byte if printable ASCII, then `*` per byte
/// (at most 8), then its length.
pub fn mask(v: &[u8]) -> String {
    let mut s = String::new();
    if let Some(&b) = v.first() {
        if b.is_ascii_graphic() {
            s.push(b as char);
        } else {
            s.push('?');
        }
    }
    for _ in 1..v.len().min(8) {
        s.push('*');
    }
    format!("{s} ({} bytes)", v.len())
}

// ---------------------------------------------------------------------------
// The oracle's own decoder
// ---------------------------------------------------------------------------

fn escapes() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r#"(?x-u)
              \\[uU](?P<hi>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<lo>[dD][c-fC-F][0-9a-fA-F]{2})
            | %(?P<pct>[0-9a-fA-F]{2})
            | %[uU](?P<pu>[0-9a-fA-F]{4})
            | \\[xX](?P<bx>[0-9a-fA-F]{2})
            | \\[uU](?P<bu>[0-9a-fA-F]{4})
            | \\(?P<simple>["\\/'ntrbfv0])
            | &\#[xX](?P<ex>[0-9a-fA-F]{1,8})(?:;|(?P<exn>[^0-9a-fA-F;%\\&])|$)
            | &\#(?P<ed>[0-9]{1,8})(?:;|(?P<edn>[^0-9;%\\&])|$)
            | &(?P<named>[A-Za-z][A-Za-z0-9]{1,31});
            "#,
        )
        .expect("the decoder's expression is valid")
    })
}

fn push_char(out: &mut Vec<u8>, cp: u32) {
    match char::from_u32(cp) {
        Some(c) => out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        // a lone surrogate or out of range: a letter, so it joins what is around
        None => out.push(b'X'),
    }
}

fn hex_value(b: &[u8]) -> u32 {
    u32::from_str_radix(std::str::from_utf8(b).unwrap_or("0"), 16).unwrap_or(0)
}

fn replacement(c: &Captures, out: &mut Vec<u8>) {
    if let (Some(hi), Some(lo)) = (c.name("hi"), c.name("lo")) {
        let cp = 0x10000 + ((hex_value(hi.as_bytes()) - 0xD800) << 10) + (hex_value(lo.as_bytes()) - 0xDC00);
        push_char(out, cp);
    } else if let Some(h) = c.name("pct").or(c.name("bx")) {
        out.push(hex_value(h.as_bytes()) as u8);
    } else if let Some(h) = c.name("pu").or(c.name("bu")) {
        push_char(out, hex_value(h.as_bytes()));
    } else if let Some(h) = c.name("ex") {
        push_char(out, hex_value(h.as_bytes()));
        // the byte after an entity without its `;` was matched: put it back
        out.extend_from_slice(c.name("exn").map_or(&b""[..], |m| m.as_bytes()));
    } else if let Some(d) = c.name("ed") {
        let cp = std::str::from_utf8(d.as_bytes()).ok().and_then(|s| s.parse().ok());
        push_char(out, cp.unwrap_or(u32::MAX));
        out.extend_from_slice(c.name("edn").map_or(&b""[..], |m| m.as_bytes()));
    } else if let Some(s) = c.name("simple") {
        out.push(match s.as_bytes()[0] {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0' => 0,
            other => other,
        });
    } else if let Some(n) = c.name("named") {
        let b: &[u8] = match n.as_bytes() {
            b"amp" => b"&",
            b"lt" => b"<",
            b"gt" => b">",
            b"quot" => b"\"",
            b"apos" => b"'",
            b"nbsp" => b" ",
            b"commat" => b"@",
            b"period" => b".",
            b"colon" => b":",
            b"equals" => b"=",
            b"percnt" => b"%",
            b"sol" => b"/",
            b"quest" => b"?",
            b"semi" => b";",
            b"comma" => b",",
            b"plus" => b"+",
            b"lowbar" => b"_",
            b"hyphen" | b"dash" => b"-",
            b"num" => b"#",
            b"Tab" => b"\t",
            b"NewLine" => b"\n",
            _ => b"X",
        };
        out.extend_from_slice(b);
    }
}

/// Decodes every escape of every family, again and again until nothing
/// changes (at most 32 rounds).
pub fn decode_fully(line: &[u8]) -> Vec<u8> {
    let mut text = line.to_vec();
    for _ in 0..32 {
        let re = escapes();
        if !re.is_match(&text) {
            break;
        }
        let mut out = Vec::with_capacity(text.len());
        let mut last = 0;
        for c in re.captures_iter(&text) {
            let m = c.get(0).expect("group 0");
            out.extend_from_slice(&text[last..m.start()]);
            replacement(&c, &mut out);
            last = m.end();
        }
        out.extend_from_slice(&text[last..]);
        if out == text {
            break;
        }
        text = out;
    }
    text
}

// ---------------------------------------------------------------------------
// The oracle's detectors
// ---------------------------------------------------------------------------

struct Detectors {
    dotted: Regex,
    hexcolon: Regex,
    mac: Regex,
    email: Regex,
    literal_email: Regex,
    param: Regex,
    /// `"name":"value"` (JSON in a query value, or anywhere)
    json_param: Regex,
    /// `name="value"` after a space (logfmt, syslog structured data)
    quoted_param: Regex,
    credentials: Regex,
    card: Regex,
    /// four decimal numbers joined by `-` in a host name
    dashed: Regex,
    /// `in-addr.arpa` and `ip6.arpa` names
    in_addr: Regex,
    ip6_arpa: Regex,
    /// a URL host that is one decimal or hex number
    num_host: Regex,
    card_run: Regex,
    jwt: Regex,
    auth: Regex,
    iban: Regex,
    iban_grouped: Regex,
    cisco_mac: Regex,
    short_mac: Regex,
    analytics: Regex,
}

fn detectors() -> &'static Detectors {
    static D: OnceLock<Detectors> = OnceLock::new();
    D.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Detectors {
            dotted: re(r"(?-u)[0-9]+(?:\.[0-9]+)+"),
            hexcolon: re(r"(?-u)[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*"),
            mac: re(r"(?i-u)(?:^|[^0-9a-z])([0-9a-f]{2}([:-])[0-9a-f]{2}(?:[:-][0-9a-f]{2}){4})(?:$|[^0-9a-z])"),
            email: re(r#"(?-u)[A-Za-z0-9\x80-\xff_%+\-!$*^~][A-Za-z0-9\x80-\xff._%+\-'!$*^~]*@(?:[A-Za-z0-9\x80-\xff][A-Za-z0-9\x80-\xff-]*(?:\.|\xe3\x80\x82|\xef\xbc\x8e|\xef\xbd\xa1))+(?:[A-Za-z\x80-\xff]{2,}|xn--[A-Za-z0-9]+)"#),
            literal_email: re(r#"(?-u)[A-Za-z0-9\x80-\xff_%+\-!$*^~][A-Za-z0-9\x80-\xff._%+\-'!$*^~]*@\[(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|(?:IPv6:)?[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)\]"#),
            param: re(r#"(?-u)(^|[^A-Za-z0-9_.\-\[\]])([A-Za-z0-9_.\-\[\]]{1,64})=([^&\s"'#;<>)\]}]*)"#),
            quoted_param: re(r#"(?-u)(?:^|[\s\[,;{])([A-Za-z0-9_.\-]{1,64})="([^"]*)""#),
            json_param: re(r#"(?-u)"([A-Za-z0-9_.\-\[\]]{1,64})"\s*:\s*(?:"([^"]*)"|([^,}\]\s&"\[{]+))"#),
            credentials: re(r#"(?i-u)[a-z][a-z0-9+.\-]*://[^/\s@?#"'<>\\\[\]]+@"#),
            card: re(r"(?-u)[0-9](?:[ +\-]?[0-9]){12,18}"),
            // before: not a digit or a dash, or a dash after a part holding a
            // letter (`dsl-`, `ec2-`); after: the rest of the label, then two
            // more labels
            dashed: re(r"(?-u)(?:^|[^0-9\-]|[A-Za-z][0-9]*-)([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})((?:[A-Za-z][A-Za-z0-9\-]*|-|-[A-Za-z\-][A-Za-z0-9\-]*)?)\.[A-Za-z0-9][A-Za-z0-9\-]*\.[A-Za-z0-9]"),
            in_addr: re(r"(?i-u)(?:^|[^0-9A-Za-z])((?:[0-9]{1,3}\.){1,4})in-addr\.arpa(?:$|[^0-9A-Za-z_\-])"),
            ip6_arpa: re(r"(?i-u)(?:^|[^0-9A-Za-z])((?:[0-9a-f]\.){1,32})ip6\.arpa(?:$|[^0-9A-Za-z_\-])"),
            num_host: re(r#"(?i-u)[a-z][a-z0-9+.\-]*://(?:[^/\s@?#"'<>\\\[\]]*@)?(0x[0-9a-f]{1,8}|[0-9]{1,10})(?:$|[^0-9a-z._~%:@\-]|:[0-9]+(?:$|[^0-9a-z._~%:@\-]))"#),
            // digits grouped by `-` or `.`, anywhere (paths, JSON values)
            card_run: re(r"(?-u)[0-9]+(?:[\-.][0-9]+)*"),
            // RFC 7519: header and claims are JSON objects (`{"` is `eyJ` in
            // base64url), the signature may be empty
            jwt: re(r"(?-u)eyJ[A-Za-z0-9_\-]*\.eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_.\-]*"),
            auth: re(r"(?i-u)(?:^|[^A-Za-z0-9])(bearer|basic)[ +\t]{1,4}([A-Za-z0-9._~+/\-]+=*)"),
            iban: re(r"(?i-u)[A-Z0-9]+"),
            iban_grouped: re(r"(?i-u)^[A-Z]{2}[0-9]{2}(?:[ +][A-Z0-9]{1,4})+"),
            cisco_mac: re(r"(?i-u)(?:^|[^0-9a-z.])([0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})(?:$|[^0-9a-z.])"),
            short_mac: re(r"(?i-u)(?:^|[^0-9a-z:.])([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})(?:$|[^0-9a-z:.])"),
            analytics: re(r"(?-u)(?:^|[^A-Za-z0-9])(G[AS][12]\.[0-9A-Za-z.$]+)"),
        }
    })
}

/// The Luhn check, written again on purpose: the oracle shares no code with
/// the scanner it checks.
fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0;
    for (k, d) in digits.iter().rev().enumerate() {
        let mut x = u32::from(d - b'0');
        if k % 2 == 1 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    sum % 10 == 0
}

/// Issuer prefixes of card numbers (written again from the card networks'
/// ranges: Visa 4; Mastercard 51-55, 2221-2720; Amex 34, 37; Discover 6011,
/// 65, 644-649; JCB 3528-3589; Diners 300-305, 36, 38; UnionPay 62; Maestro
/// 50, 56-69).
fn issuer_ok(digits: &[u8]) -> bool {
    let n = |k: usize| -> u32 {
        std::str::from_utf8(&digits[..k])
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    };
    if digits.len() < 4 {
        return false;
    }
    let (p2, p3, p4) = (n(2), n(3), n(4));
    digits[0] == b'4'
        || (50..=55).contains(&p2)
        || (2221..=2720).contains(&p4)
        || p2 == 34
        || p2 == 37
        || p4 == 6011
        || p2 == 65
        || (644..=649).contains(&p3)
        || (3528..=3589).contains(&p4)
        || (300..=305).contains(&p3)
        || p2 == 36
        || p2 == 38
        || p2 == 62
        || (56..=69).contains(&p2)
}

/// A card number: 13 to 19 digits, an issuer prefix, Luhn.
fn card_ok(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && issuer_ok(digits) && luhn_ok(digits)
}

/// IBAN lengths by country, as the SWIFT registry lists them.
const IBAN_COUNTRIES: &str = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 \
    DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 \
    IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 \
    MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 \
    ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24";

/// ISO 13616: the country's length, two check digits, and the number
/// (letters as 10..35, the first four characters moved to the end) is 1
/// modulo 97.
fn iban_ok(t: &[u8]) -> bool {
    let t = t.to_ascii_uppercase();
    if t.len() < 5 || !t[..2].iter().all(u8::is_ascii_uppercase) || !t[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let want = format!("{}{}", String::from_utf8_lossy(&t[..2]), t.len());
    if !IBAN_COUNTRIES.split_whitespace().any(|c| c == want) {
        return false;
    }
    let moved: Vec<u8> = t[4..].iter().chain(&t[..4]).copied().collect();
    let mut digits = String::new();
    for &b in &moved {
        if b.is_ascii_digit() {
            digits.push(b as char);
        } else if b.is_ascii_uppercase() {
            digits.push_str(&(u32::from(b - b'A') + 10).to_string());
        } else {
            return false;
        }
    }
    // long division, nine digits at a time
    let mut rem: u64 = 0;
    for chunk in digits.as_bytes().chunks(9) {
        let s = format!("{rem}{}", std::str::from_utf8(chunk).unwrap_or("0"));
        rem = s.parse::<u64>().unwrap_or(0) % 97;
    }
    rem == 1
}

/// `user:password` in base64: what follows `Basic`.
fn basic_ok(t: &[u8]) -> bool {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let t: Vec<u8> = t.iter().copied().filter(|&b| b != b'=').collect();
    if t.len() < 4 || t.len() % 4 == 1 {
        return false;
    }
    let mut bitbuf: Vec<bool> = Vec::new();
    for &b in &t {
        let v = match ALPHABET.iter().position(|&a| a == b) {
            Some(p) => p as u8,
            None if b == b'+' || b == b'-' => 62,
            None if b == b'/' || b == b'_' => 63,
            None => return false,
        };
        for k in (0..6).rev() {
            bitbuf.push(v >> k & 1 == 1);
        }
    }
    bitbuf
        .chunks_exact(8)
        .any(|byte| byte.iter().fold(0u8, |a, &bit| a << 1 | u8::from(bit)) == b':')
}

/// What follows `Bearer`: six or more bytes with something else than a
/// letter before the last one, or twenty or more letters.
fn bearer_ok(t: &[u8]) -> bool {
    let Some((_, head)) = t.split_last() else {
        return false;
    };
    t.len() >= 6 && (t.len() >= 20 || !head.iter().all(u8::is_ascii_alphabetic))
}

/// File name extensions that are no top-level domain: `logo@2x.png` is a
/// file name (written again; none is in the IANA root zone).
fn file_extension(tld: &[u8]) -> bool {
    let t = String::from_utf8_lossy(tld).to_ascii_lowercase();
    [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "css", "js", "mjs", "map", "json", "xml",
        "html", "htm", "php", "txt", "woff", "ttf", "pdf",
    ]
    .contains(&t.as_str())
}

/// Whether the dotted number at `start` of `t` is a version in a user agent:
/// after `rv:`, or after `Product/` where the product name starts a token.
fn is_ua_version(t: &[u8], start: usize) -> bool {
    let before = &t[..start];
    if before.len() >= 3 && before[before.len() - 3..].eq_ignore_ascii_case(b"rv:") {
        return before.len() == 3 || !before[before.len() - 4].is_ascii_alphanumeric();
    }
    let Some(name) = before.strip_suffix(b"/") else {
        return false;
    };
    let from = name
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .map_or(0, |k| k + 1);
    let product = &name[from..];
    !product.is_empty()
        && product.len() < 64
        && product[0].is_ascii_alphabetic()
        && product.iter().any(u8::is_ascii_lowercase)
        && (from == 0 || b" \t(;,\"'+".contains(&name[from - 1]))
}

/// A value that holds nothing personal: empty, `-`, `REDACTED` or a hashed
/// identifier (`~` and 16 hex digits).
fn is_clean_value(v: &[u8]) -> bool {
    v.is_empty()
        || v == b"-"
        || v == b"REDACTED"
        || (v.len() == 17 && v[0] == b'~' && v[1..].iter().all(u8::is_ascii_hexdigit))
}

/// Whether a text cut out of a longer run looks like an address rather than
/// a word: three groups, or two with a decimal digit.
fn looks_like_v6(t: &[u8]) -> bool {
    let groups: usize = t
        .split(|&b| b == b':')
        .filter(|g| !g.is_empty())
        .map(|g| if g.contains(&b'.') { 2 } else { 1 })
        .sum();
    groups >= 3 || (groups >= 2 && t.iter().any(u8::is_ascii_digit))
}

struct Oracle<'a> {
    policy: &'a AddrPolicy,
    ip_mode: IpMode,
    deny: &'a crate::rules::DenyList,
    found: Found,
}

/// The findings of one line: the first ones as the report shows them, the
/// others counted only, so that memory does not grow with the findings of a
/// long line (a 16 MiB line may hold millions).
#[derive(Default)]
struct Found {
    /// the first findings, in order, with their masked values
    first: Vec<(&'static str, String)>,
    /// the findings after those, per rule
    more: BTreeMap<&'static str, u64>,
    /// every card number's masked value (one found twice is one finding)
    cards: Vec<String>,
}

impl Found {
    fn push(&mut self, (rule, masked): (&'static str, String)) {
        if rule == "card-number" {
            self.cards.push(masked.clone());
        }
        if self.first.len() < FIRST_LOCATIONS {
            self.first.push((rule, masked));
        } else {
            *self.more.entry(rule).or_default() += 1;
        }
    }

    /// Whether a card number of this masked value was found.
    fn has_card(&self, masked: &str) -> bool {
        self.cards.iter().any(|c| c == masked)
    }

    fn is_empty(&self) -> bool {
        self.first.is_empty()
    }
}

impl Oracle<'_> {
    fn v4(&mut self, a: u32) {
        let p = self.policy;
        let clean = match self.ip_mode {
            IpMode::Truncate => p.v4_is_clean(a),
            // pseudonyms live in 240.0.0.0/4
            IpMode::Hash => a >> 28 == 0xF || p.keeps_v4(a),
            // every address is a pseudonym: nothing to tell apart
            IpMode::CryptoPan => true,
            IpMode::Drop => a == 0 || p.keeps_v4(a),
        };
        if !clean {
            let net = Ipv4Addr::from(p.truncate_v4(a));
            self.found
                .push(("ipv4", format!("{net}/{} + host bits", p.ipv4_prefix)));
        }
    }

    fn v6_clean(&self, a: u128) -> bool {
        let p = self.policy;
        // 6to4 (2002::/16) carries an IPv4 address in bits 16..48, NAT64
        // (64:ff9b::/96) in its last 32: the IPv4 part is judged as an IPv4
        // address, and a 6to4 address has nothing after it
        let six_to_four = (a >> 112 == 0x2002).then_some((a >> 80) as u32);
        let nat64 = (a >> 32 == 0x64_ff9b_u128 << 64).then_some(a as u32);
        if let Some(v4) = six_to_four.or(nat64) {
            let rest_zero = nat64.is_some() || a & ((1u128 << 80) - 1) == 0;
            return match self.ip_mode {
                IpMode::Truncate => (p.v4_is_clean(v4) && rest_zero) || p.keeps_v4(v4),
                IpMode::CryptoPan => true,
                IpMode::Hash => (v4 >> 28 == 0xF && rest_zero) || p.keeps_v4(v4),
                IpMode::Drop => (v4 == 0 && rest_zero) || p.keeps_v4(v4),
            };
        }
        let mapped = (a >> 32 == 0xffff).then_some(a as u32);
        match (self.ip_mode, mapped) {
            (IpMode::Truncate, _) => p.v6_is_clean(a),
            (IpMode::CryptoPan, _) => true,
            (IpMode::Hash, Some(v4)) => v4 >> 28 == 0xF || p.keeps_v6(a),
            (IpMode::Hash, None) => a >> 120 == 0xfd || p.keeps_v6(a),
            (IpMode::Drop, Some(v4)) => v4 == 0 || p.keeps_v6(a),
            (IpMode::Drop, None) => a == 0 || p.keeps_v6(a),
        }
    }

    /// Every IPv6 address that can be cut out of a run of hex digits, dots
    /// and colons: the whole run where it stands alone, any part of it that
    /// looks like an address.
    fn v6_run(&mut self, text: &[u8], start: usize, end: usize) {
        let run = &text[start..end];
        if run.len() > 128 {
            return;
        }
        let alone = (start == 0 || !text[start - 1].is_ascii_alphanumeric())
            && (end == text.len() || !text[end].is_ascii_alphanumeric());
        // a run standing alone that is one address is that address (its
        // cuts are other addresses: `64:ff9b::c633` of `64:ff9b::c633:6400`)
        if alone {
            if let Some(a) = std::str::from_utf8(run).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) {
                if !self.v6_clean(u128::from(a)) {
                    let net = Ipv6Addr::from(self.policy.truncate_v6(u128::from(a)));
                    self.found.push(("ipv6", format!("{net} + host bits")));
                }
                return;
            }
        }
        // cuts at group boundaries only, and into an overlong first or last
        // group (`abc2001:db8::1`, `2001:db8::1abcd`)
        let colons: Vec<usize> = (0..run.len()).filter(|&k| run[k] == b':').collect();
        let (first, last) = (colons[0], colons[colons.len() - 1]);
        let mut starts: Vec<usize> = std::iter::once(0).chain(colons.iter().map(|k| k + 1)).collect();
        if first > 4 {
            starts.push(first - 4);
        }
        let mut ends: Vec<usize> = colons.iter().copied().chain(std::iter::once(run.len())).collect();
        for k in 0..run.len() - 1 {
            if &run[k..k + 2] == b"::" {
                starts.push(k);
                ends.push(k + 2);
            }
        }
        if run.len() - last > 5 && !run[last..].contains(&b'.') {
            ends.push(last + 5);
        }
        for &i in &starts {
            for &j in &ends {
                if j < i + 2 || j - i > 45 {
                    continue;
                }
                let cand = &run[i..j];
                let whole = i == 0 && j == run.len();
                if !(looks_like_v6(cand) || (whole && alone)) {
                    continue;
                }
                let Some(a) = std::str::from_utf8(cand).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) else {
                    continue;
                };
                if !self.v6_clean(u128::from(a)) {
                    let net = Ipv6Addr::from(self.policy.truncate_v6(u128::from(a)));
                    self.found.push(("ipv6", format!("{net} + host bits")));
                    return;
                }
            }
        }
    }

    /// The reverse names (`in-addr.arpa`, `ip6.arpa`) in `t`: each is
    /// judged as the address it spells, backwards; their spans are returned
    /// so that the dotted detector leaves their labels alone.
    fn reverse_names(&mut self, t: &[u8]) -> Vec<Range<usize>> {
        let d = detectors();
        let mut spans = Vec::new();
        for c in d.in_addr.captures_iter(t) {
            let Some(m) = c.get(1) else { continue };
            spans.push(m.range());
            let labels: Vec<u32> = m
                .as_bytes()
                .split(|&b| b == b'.')
                .filter(|l| !l.is_empty())
                .filter_map(|l| std::str::from_utf8(l).ok()?.parse().ok())
                .collect();
            if labels.iter().any(|&v| v > 255) {
                continue;
            }
            // most significant last; a shorter name is a zone (a prefix)
            let a = labels
                .iter()
                .rev()
                .enumerate()
                .fold(0u32, |a, (k, &v)| a | (v << (24 - 8 * k as u32)));
            if labels.len() == 4 {
                self.v4(a);
            } else if self.policy.truncate_v4(a) != a && !self.policy.keeps_v4(a) {
                let net = Ipv4Addr::from(self.policy.truncate_v4(a));
                self.found
                    .push(("in-addr-arpa", format!("{net}/{} + host bits", self.policy.ipv4_prefix)));
            }
        }
        for c in d.ip6_arpa.captures_iter(t) {
            let Some(m) = c.get(1) else { continue };
            spans.push(m.range());
            let nibbles: Vec<u32> = m.as_bytes().iter().filter_map(|&b| (b as char).to_digit(16)).collect();
            let a = nibbles
                .iter()
                .rev()
                .enumerate()
                .fold(0u128, |a, (k, &v)| a | (u128::from(v) << (124 - 4 * k as u32)));
            let clean = if nibbles.len() == 32 {
                self.v6_clean(a)
            } else {
                // a zone: nothing beyond the IPv6 prefix
                let keep = u32::from(self.policy.ipv6_prefix);
                keep >= 128 || a & (u128::MAX >> keep) == 0
            };
            if !clean {
                let net = Ipv6Addr::from(self.policy.truncate_v6(a));
                self.found.push(("ip6-arpa", format!("{net} + host bits")));
            }
        }
        spans
    }

    fn text(&mut self, t: &[u8]) {
        let d = detectors();
        let reverse = self.reverse_names(t);
        for c in d.dashed.captures_iter(t) {
            // the label goes on with a letter, not with more numbers
            let rest = &c[5];
            if rest.first().is_some_and(u8::is_ascii_digit)
                || (rest.first() == Some(&b'-') && rest.get(1).is_some_and(u8::is_ascii_digit))
            {
                continue;
            }
            let o: Vec<u32> = (1..=4)
                .filter_map(|k| std::str::from_utf8(&c[k]).ok()?.parse().ok())
                .collect();
            if o.len() == 4 && o.iter().all(|&v| v <= 255) {
                self.v4((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]);
            }
        }
        for c in d.num_host.captures_iter(t) {
            let h = std::str::from_utf8(&c[1]).unwrap_or("");
            let v = match h.get(..2) {
                Some("0x" | "0X") => u64::from_str_radix(&h[2..], 16).ok(),
                _ => h.parse::<u64>().ok(),
            };
            if let Some(v) = v.and_then(|v| u32::try_from(v).ok()) {
                self.v4(v);
            }
        }
        for m in d.dotted.find_iter(t) {
            if reverse.iter().any(|r| r.start < m.end() && m.start() < r.end) {
                continue;
            }
            let parts: Vec<&[u8]> = m.as_bytes().split(|&b| b == b'.').collect();
            // more than four numbers is a version or an OID, not an address
            if parts.len() != 4 {
                continue;
            }
            let octets: Option<Vec<u8>> = parts
                .iter()
                .map(|p| std::str::from_utf8(p).ok()?.parse::<u8>().ok())
                .collect();
            if let Some(o) = octets {
                if is_ua_version(t, m.start()) {
                    continue;
                }
                self.v4(u32::from_be_bytes([o[0], o[1], o[2], o[3]]));
            }
        }
        for m in d.hexcolon.find_iter(t) {
            self.v6_run(t, m.start(), m.end());
        }
        for c in d.mac.captures_iter(t) {
            let m = &c[1];
            if m.iter().filter(|&&b| b == c[2][0]).count() == 5 {
                self.found.push(("mac", mask(m)));
            }
        }
        for m in d.email.find_iter(t) {
            let m = m.as_bytes();
            let tld = &m[m.iter().rposition(|&b| b == b'.').map_or(0, |k| k + 1)..];
            if !file_extension(tld) {
                self.found.push(("email", mask(m)));
            }
        }
        self.shapes(t);
        for m in d.literal_email.find_iter(t) {
            let m = m.as_bytes();
            let lit = &m[memchr::memchr(b'[', m).unwrap_or(0) + 1..m.len() - 1];
            let lit = std::str::from_utf8(lit).unwrap_or("");
            let lit = lit.strip_prefix("IPv6:").unwrap_or(lit);
            if lit.parse::<Ipv4Addr>().is_ok() || lit.parse::<Ipv6Addr>().is_ok() {
                self.found.push(("email", mask(m)));
            }
        }
        for m in d.credentials.find_iter(t) {
            self.found.push(("url-credentials", mask(m.as_bytes())));
        }
        for c in d.quoted_param.captures_iter(t) {
            let address = std::str::from_utf8(&c[2]).is_ok_and(|v| v.parse::<std::net::IpAddr>().is_ok());
            if self.deny.contains(&c[1]) && !is_clean_value(&c[2]) && !address {
                self.found.push(("deny-listed-parameter", mask(&c[2])));
            }
        }
        for c in d.json_param.captures_iter(t) {
            let value = c.get(2).or(c.get(3)).map_or(&b""[..], |m| m.as_bytes());
            // `name` and `key` mean what their object says (`service.name`,
            // HAR header pairs): in a JSON line the roles judge them
            let leaf = c[1].rsplit(|&b| b == b'.').next().unwrap_or(&c[1]);
            if leaf.eq_ignore_ascii_case(b"name") || leaf.eq_ignore_ascii_case(b"key") {
                continue;
            }
            // an address under `ip` or `client_ip` is the address detectors' to judge
            let text = std::str::from_utf8(value).unwrap_or("");
            let address = text.parse::<std::net::IpAddr>().is_ok();
            // so is one written as an integer (`"ip":3325256704`)
            if c.get(3).is_some() && self.deny.contains(&c[1]) {
                if let Ok(a) = text.parse::<u32>() {
                    let dotted = std::net::Ipv4Addr::from(a).to_string();
                    self.text(dotted.as_bytes());
                    continue;
                }
            }
            if self.deny.contains(&c[1])
                && !is_clean_value(value)
                && !address
                && !matches!(value, b"true" | b"false" | b"null")
            {
                self.found.push(("deny-listed-parameter", mask(value)));
            }
        }
        for c in d.param.captures_iter(t) {
            let (name, mut value) = (&c[2], &c[3]);
            // a `;name=value` path parameter ends at the next path segment
            if &c[1] == b";" {
                if let Some(k) = value.iter().position(|&b| b == b'/' || b == b'?') {
                    value = &value[..k];
                }
            }
            if self.deny.contains(name) && !is_clean_value(value) {
                self.found.push(("deny-listed-parameter", mask(value)));
                continue;
            }
            // a card number may be grouped by spaces (`%20`): the value runs
            // on over a space between two digits
            let start = c.get(3).map_or(0, |m| m.start());
            let mut end = start + value.len();
            while end + 1 < t.len()
                && end > start
                && t[end] == b' '
                && t[end - 1].is_ascii_digit()
                && t[end + 1].is_ascii_digit()
            {
                end += 1;
                while end < t.len()
                    && !matches!(
                        t[end],
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b'&'
                            | b'"'
                            | b'\''
                            | b'#'
                            | b';'
                            | b'<'
                            | b'>'
                            | b')'
                            | b']'
                            | b'}'
                    )
                {
                    end += 1;
                }
            }
            let value = &t[start..end];
            for m in d.card.find_iter(value) {
                let digits: Vec<u8> = m.as_bytes().iter().copied().filter(u8::is_ascii_digit).collect();
                let glued = (m.start() > 0 && value[m.start() - 1].is_ascii_alphanumeric())
                    || value.get(m.end()).is_some_and(u8::is_ascii_alphanumeric);
                if !glued && card_ok(&digits) && !self.found.has_card(&mask(m.as_bytes())) {
                    self.found.push(("card-number", mask(m.as_bytes())));
                }
            }
            // an IBAN in groups (`DE89 3704 ...`, `+` for the spaces)
            if let Some(g) = d.iban_grouped.find(&t[start..]) {
                let groups: Vec<&[u8]> = g.as_bytes().split(|&b| b == b' ' || b == b'+').collect();
                let fours = groups[..groups.len() - 1].iter().all(|g| g.len() == 4);
                let compact: Vec<u8> = groups.concat();
                let next = t.get(start + g.end());
                if groups.len() > 1
                    && fours
                    && !next.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
                    && iban_ok(&compact)
                {
                    self.found.push(("iban", mask(g.as_bytes())));
                }
            }
            // an E.164 number: `+` (not after a digit) or a space opening the
            // value, then 8 to 15 digits, the first not 0
            let from = start;
            let line_rest = &t[from..];
            for k in 0..line_rest.len().min(value.len().max(1)) {
                let lead = line_rest[k] == b'+' || (k == 0 && line_rest[k] == b' ');
                if !lead || (k > 0 && line_rest[k - 1].is_ascii_digit()) {
                    continue;
                }
                let digits: Vec<u8> = line_rest[k + 1..]
                    .iter()
                    .copied()
                    .take_while(u8::is_ascii_digit)
                    .collect();
                let after = &line_rest[k + 1 + digits.len()..];
                let glued = after.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@')
                    || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit));
                if (8..=15).contains(&digits.len()) && digits[0] != b'0' && !glued {
                    self.found.push(("phone", mask(&line_rest[k..k + 1 + digits.len()])));
                    break;
                }
            }
        }
    }

    /// Identifier shapes found anywhere, whatever names them: JWTs,
    /// `Bearer`/`Basic` credentials, IBANs, Cisco and short MACs, Google
    /// Analytics ids, card numbers in paths and values.
    fn shapes(&mut self, t: &[u8]) {
        let d = detectors();
        let alnum_at = |k: usize| t.get(k).is_some_and(u8::is_ascii_alphanumeric);
        for m in d.jwt.find_iter(t) {
            let before = m.start().checked_sub(1).map(|k| t[k]);
            if !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                self.found.push(("jwt", mask(m.as_bytes())));
            }
        }
        for c in d.auth.captures_iter(t) {
            let (Some(scheme), Some(tok)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let scheme = scheme.as_bytes();
            if t.get(tok.end()) == Some(&b'@') || is_clean_value(tok.as_bytes()) {
                continue;
            }
            let ok = if scheme.eq_ignore_ascii_case(b"basic") {
                basic_ok(tok.as_bytes())
            } else {
                bearer_ok(tok.as_bytes())
            };
            if ok {
                self.found.push(("auth-credentials", mask(tok.as_bytes())));
            }
        }
        for m in d.iban.find_iter(t) {
            let free = |k: Option<usize>| k.is_none_or(|k| !alnum_at(k) && t.get(k) != Some(&b'@'));
            if (15..=34).contains(&m.len())
                && free(Some(m.end()))
                && free(m.start().checked_sub(1))
                && iban_ok(m.as_bytes())
            {
                self.found.push(("iban", mask(m.as_bytes())));
            }
        }
        for c in d.cisco_mac.captures_iter(t).chain(d.short_mac.captures_iter(t)) {
            let m = &c[1];
            // (two-digit groups are the MAC detector's)
            if m.contains(&b'.') || m.split(|&b| b == b':').any(|g| g.len() == 1) {
                self.found.push(("mac", mask(m)));
            }
        }
        for c in d.analytics.captures_iter(t) {
            let Some(m) = c.get(1) else { continue };
            let id = m.as_bytes();
            let id = &id[..id.len() - id.iter().rev().take_while(|&&b| b == b'.').count()];
            let digits = id[3..].iter().filter(|b| b.is_ascii_digit()).count();
            if digits >= 9 && t.get(m.start() + id.len()) != Some(&b'@') {
                self.found.push(("analytics-id", mask(id)));
            }
        }
        for m in d.card_run.find_iter(t) {
            let run = m.as_bytes();
            let seps: Vec<u8> = run.iter().copied().filter(|b| !b.is_ascii_digit()).collect();
            if seps.windows(2).any(|w| w[0] != w[1]) {
                continue;
            }
            let glued =
                (m.start() > 0 && alnum_at(m.start() - 1)) || alnum_at(m.end()) || t.get(m.end()) == Some(&b'@');
            let digits: Vec<u8> = run.iter().copied().filter(u8::is_ascii_digit).collect();
            // (one already found in a value by the rule above is one finding)
            if !glued && card_ok(&digits) && !self.found.has_card(&mask(run)) {
                self.found.push(("card-number", mask(run)));
            }
        }
    }
}

/// A client field holding a host name with more than two labels (the
/// anonymizer keeps only the last two), or with two or more under a local
/// network's top-level label (`johns-iphone.lan`: only `lan` is kept).
fn is_long_hostname(v: &[u8]) -> bool {
    if !(v.iter().any(u8::is_ascii_alphabetic)
        && v.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    {
        return false;
    }
    let name = v.strip_suffix(b".").unwrap_or(v);
    let labels = name.split(|&b| b == b'.').count();
    let tld = name.rsplit(|&b| b == b'.').next().unwrap_or(b"").to_ascii_lowercase();
    let local = matches!(
        &tld[..],
        b"lan"
            | b"local"
            | b"localdomain"
            | b"home"
            | b"internal"
            | b"intranet"
            | b"corp"
            | b"private"
            | b"localnet"
            | b"workgroup"
    );
    labels >= 3 || (labels == 2 && local)
}

/// A user field holding nothing personal: `-` or a hashed identifier.
fn is_clean_user(v: &[u8]) -> bool {
    v == b"-" || crate::keyed::is_hashed_id(v)
}

/// The leak checker.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// The prefixes and deny list the logs were anonymized with.
    pub rules: Rules,
    /// How lines are recognised (`--format`).
    pub format: Format,
    /// the mode the logs were anonymized with: which addresses are clean
    pub ip_mode: IpMode,
}

impl Checker {
    /// Checks one line (without `\n`); `no` is its 1-based number in `source`.
    pub fn line(&self, line: &[u8], source: &str, no: u64, report: &mut Report) {
        self.line_in(line, source, no, &mut Ctx::default(), report)
    }

    /// [`Checker::line`] with the state carried from line to line (W3C columns).
    pub fn line_in(&self, line: &[u8], source: &str, no: u64, ctx: &mut Ctx, report: &mut Report) {
        report.lines += 1;
        let rules = &self.rules;
        let mut o = Oracle {
            policy: &rules.addr,
            ip_mode: self.ip_mode,
            deny: &rules.deny,
            found: Found::default(),
        };
        self.roles(line, ctx, &mut o, 0);
        // and what the detectors find anywhere in the decoded line
        o.text(&decode_fully(line));
        if !o.found.is_empty() | std::mem::take(&mut report.open_line_found) {
            report.lines_with_findings += 1;
        }
        for (rule, masked) in o.found.first {
            report.push(rule, source, no, masked);
        }
        for (rule, n) in o.found.more {
            *report.counts.entry(rule).or_default() += n;
        }
    }

    /// A piece of line `no`, a line too long to be held whole: checked like
    /// a line, but the line is counted once, when its last piece comes
    /// through [`Checker::line_in`] (the next line checked).
    pub fn piece_in(&self, piece: &[u8], source: &str, no: u64, ctx: &mut Ctx, report: &mut Report) {
        let (lines, with) = (report.lines, report.lines_with_findings);
        let before = std::mem::take(&mut report.open_line_found);
        self.line_in(piece, source, no, ctx, report);
        report.open_line_found = before || report.lines_with_findings > with;
        report.lines = lines;
        report.lines_with_findings = with;
    }

    /// What the roles a format gives to whole fields find: a user field
    /// that is not `-`, a secret that is not `REDACTED`, a client host name.
    /// A JSON string that holds a line or an object is read for its roles
    /// too, down to `depth` 2 (its escapes undone by serde_json, not by the
    /// anonymizer's decoder).
    fn roles(&self, line: &[u8], ctx: &mut Ctx, o: &mut Oracle, depth: u8) {
        let rules = &self.rules;
        let user = |o: &mut Oracle, r: Range<usize>| {
            if !is_clean_user(&line[r.clone()]) {
                o.found.push(("user-field", mask(&line[r])));
            }
        };
        let client = |o: &mut Oracle, r: Range<usize>| {
            if is_long_hostname(&line[r.clone()]) {
                o.found.push(("client-hostname", mask(&line[r])));
            }
        };
        let format = if depth == 0 { &self.format } else { &Format::Auto };
        let rec = recognise(format, line, &rules.deny, ctx);
        // a line no format took: the roles it still has (a broken CLF
        // head's ident and user, a JSON object's fields up to its break),
        // as the anonymizer gives them
        if matches!(rec, Recognised::Unparsed) && !broken(line, &rules.deny, ctx) {
            return;
        }
        // (a directive has no fields)
        if matches!(rec, Recognised::Directive(_)) {
            return;
        }
        // The fields and their roles come from the one role walk (the
        // parsing is shared); what is clean is judged here, on its own.
        // A CLF user is clean only as `-` or a hashed id (the anonymizer
        // writes no REDACTED there); its client is judged after its users.
        let walk = RoleWalk::of(&ctx.fields);
        let clf = walk.dash_users();
        let mut clf_client = None;
        for (r, role) in walk.iter() {
            let v = &line[r.clone()];
            match role {
                Role::Client if clf => clf_client = Some(r),
                Role::User if clf => user(o, r),
                Role::Client => client(o, r),
                Role::User if !is_clean_value(v) => o.found.push(("user-field", mask(v))),
                Role::Secret if !is_clean_value(v) => o.found.push(("secret-field", mask(v))),
                Role::SecretNumber => o.found.push(("secret-field", mask(v))),
                // an address as an integer: clean when its host bits are zero
                Role::ClientNumber => match std::str::from_utf8(v).ok().and_then(|t| t.parse::<u32>().ok()) {
                    Some(a) => o.text(std::net::Ipv4Addr::from(a).to_string().as_bytes()),
                    None => o.found.push(("secret-field", mask(v))),
                },
                Role::GenericEscaped
                    if depth < 2
                        && (v.windows(2).any(|w| w == b"\\\"")
                            || v.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0022"))) =>
                {
                    // a line or an object inside a JSON string
                    let mut quoted = Vec::with_capacity(v.len() + 2);
                    quoted.push(b'"');
                    quoted.extend_from_slice(v);
                    quoted.push(b'"');
                    if let Ok(inner) = serde_json::from_slice::<String>(&quoted) {
                        let inner = inner.trim_end_matches(['\n', '\r']);
                        self.roles(inner.as_bytes(), &mut Ctx::default(), o, depth + 1);
                    }
                }
                _ => {}
            }
        }
        if let Some(r) = clf_client {
            client(o, r);
        }
    }

    /// Checks a buffer of lines; `first_line` is the number of its first line.
    pub fn chunk(&self, chunk: &[u8], source: &str, first_line: u64, report: &mut Report) -> u64 {
        self.chunk_in(chunk, source, first_line, &mut Ctx::default(), report)
    }

    /// [`Checker::chunk`] with the state carried from the previous chunk.
    pub fn chunk_in(&self, chunk: &[u8], source: &str, first_line: u64, ctx: &mut Ctx, report: &mut Report) -> u64 {
        let mut no = first_line;
        // lines end at `\n`, `\r\n` or a lone `\r` (see `crate::lines`)
        for line in crate::lines::lines(chunk) {
            self.line_in(line.text(), source, no, ctx, report);
            no += 1;
        }
        no
    }
}

/// Convenience: the findings of a whole buffer with default rules.
pub fn check_bytes(rules: &Rules, data: &[u8]) -> Report {
    let c = Checker {
        rules: rules.clone(),
        ..Checker::default()
    };
    let mut r = Report::default();
    c.chunk(data, "-", 1, &mut r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_masks() {
        let r = check_bytes(
            &Rules::default(),
            b"1.2.3.4 - bob [1/Jan/2020:00:00:00 +0000] \"GET /?email=a@b.com HTTP/1.1\" 200 1\n1.2.3.0 ok 2001:db8::\n",
        );
        assert_eq!(r.counts.get("ipv4"), Some(&1));
        assert_eq!(r.counts.get("user-field"), Some(&1));
        assert_eq!(r.counts.get("deny-listed-parameter"), Some(&1));
        // the value is also an email: two detectors, two findings
        assert_eq!(r.counts.get("email"), Some(&1));
        assert_eq!(r.total(), 4);
        assert_eq!(r.lines_with_findings, 1);
        let text = r.to_text();
        assert!(
            !text.contains("bob") && !text.contains("a@b.com") && !text.contains("1.2.3.4"),
            "{text}"
        );
        assert!(text.contains("-:1: ipv4 1.2.3.0/24 + host bits"), "{text}");
    }

    #[test]
    fn finds_addresses_inside_addresses_and_names() {
        let count = |data: &str| check_bytes(&Rules::default(), data.as_bytes()).total();
        for raw in [
            "x 2002:c633:6407::1 y",
            "x 2002:c633:6400:0:1:: y",
            "x 64:ff9b::198.51.100.7 y",
            "x dsl-84-12-3-5.dyn.example.net y",
            "x ec2-54-12-34-56.compute-1.amazonaws.com y",
            "x 1-2-3-4.sslip.io y",
            "x 5.3.12.84.in-addr.arpa y",
            "x 5.3.12.84.in-addr.arpa. y",
            "x b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y",
            "x 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.2.ip6.arpa y",
            r#""http://3325256781/" "http://0xC633644D:80/""#,
            "q=dsl%2D84%2D12%2D3%2D5.dyn.example.net",
            r#"{"u":"http:\/\/3325256781\/"}"#,
            "johns-iphone.lan - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        ] {
            assert!(count(raw) > 0, "{raw}");
        }
        for clean in [
            "x 2002:c633:6400:: 64:ff9b::c633:6400 y",
            "x dsl-84-12-3-0.dyn.example.net 2013-11-22 10-84-12-3-5.dyn.example.net a-1-2-3-4.png",
            "x 0.3.12.84.in-addr.arpa 3.12.84.in-addr.arpa y",
            "x 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y",
            "x 1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y",
            r#""http://3325256704/" "http://0xc6336400/" http://3325256781.example.com/"#,
            "lan - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
            "example.net - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        ] {
            let r = check_bytes(&Rules::default(), clean.as_bytes());
            assert_eq!(r.total(), 0, "{clean}: {}", r.to_text());
        }
    }

    #[test]
    fn clean_input_has_no_findings() {
        let r = check_bytes(
            &Rules::default(),
            b"1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET /?token=REDACTED HTTP/1.1\" 200 1\n",
        );
        assert_eq!(r.total(), 0, "{}", r.to_text());
    }
}
