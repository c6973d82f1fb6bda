//! Planted secrets in every encoding and at every position (issue 10).
//!
//! Each generated line is built from public parts and secrets: addresses,
//! emails, values of deny-listed names, MACs and card numbers, each written
//! raw, percent-encoded (separators only, every byte, or doubled `%25`), as
//! JSON `\u` escapes, C `\x` escapes or HTML entities (and card groups joined
//! by `+`), in the client field, the query, the referer, the user agent, an
//! extra field, a JSON value or key, or a line no format knows; and (issue
//! 11) in lines wrapped in syslog or CRI prefixes, inside Docker records and
//! serialized JSON, in the user field of CLF lines with an ISO time or cut
//! after it, and in JSON cut short.
//!
//! The oracle is this test's own: it decodes the output completely (its own
//! decoder, in `planted_oracle.rs`, shares nothing with loganon's scanner,
//! decoder or `check`) and asserts that
//! - no planted secret survives in the decoded output,
//! - every public part is still there, byte for byte and in order,
//! - one line in, one line out, and JSON input stays valid JSON.

use loganon::engine::anonymize_line;
use loganon::Engine;
use proptest::prelude::*;
use proptest::sample::select;

use crate::planted_oracle::{decode_all, find};

// ---------------------------------------------------------------------------
// Secrets, encodings, positions
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Secret {
    /// the secret as written before encoding
    text: String,
    /// what must not be found in the decoded output
    core: String,
    /// an address: may stand in the client field
    address: bool,
}

fn luhn_complete(prefix: &[u8]) -> String {
    // the check digit that makes prefix + digit pass Luhn
    let mut sum = 0;
    for (k, &d) in prefix.iter().rev().enumerate() {
        let mut x = u32::from(d);
        if k % 2 == 0 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    let check = (10 - sum % 10) % 10;
    let mut s: String = prefix.iter().map(|d| char::from(b'0' + d)).collect();
    s.push(char::from(b'0' + check as u8));
    s
}

fn secret() -> impl Strategy<Value = Secret> {
    let v4 = (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254).prop_map(|(a, b, c, d)| {
        let t = format!("{a}.{b}.{c}.{d}");
        Secret {
            text: t.clone(),
            core: t,
            address: true,
        }
    });
    let v6 = (any::<u16>(), any::<u16>(), any::<u16>(), 1u16..).prop_map(|(a, b, c, d)| {
        let t = format!("2001:db8:{a:x}:{b:x}:{c:x}:7:8:{d:x}");
        Secret {
            text: t.clone(),
            core: format!(":{c:x}:7:8:{d:x}"),
            address: true,
        }
    });
    let email = (
        "[a-z][a-z0-9]{7}",
        "[a-z]{4,8}",
        select(vec!["com", "org", "de", "co.uk"]),
    )
        .prop_map(|(local, dom, tld)| Secret {
            text: format!("q{local}@{dom}.{tld}"),
            core: format!("q{local}"),
            address: false,
        });
    let param = (
        select(vec![
            "token",
            "sid",
            "password",
            "session_id",
            "api_key",
            "access_token",
        ]),
        "[A-Za-z0-9]{12,20}",
    )
        .prop_map(|(name, v)| Secret {
            text: format!("{name}=Z{v}"),
            core: format!("Z{v}"),
            address: false,
        });
    let mac = proptest::array::uniform6(any::<u8>()).prop_map(|m| {
        let t = m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
        Secret {
            text: t.clone(),
            core: t,
            address: false,
        }
    });
    let card = proptest::collection::vec(0u8..10, 14).prop_map(|mut d| {
        d.insert(0, 4);
        let digits = luhn_complete(&d);
        Secret {
            text: format!("pay={digits}"),
            core: digits,
            address: false,
        }
    });
    prop_oneof![v4, v6, email, param, mac, card]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Enc {
    Raw,
    PctSep,
    PctAll,
    PctDouble,
    JsonU,
    BackslashX,
    Html,
    Plus,
}

const ENCS: [Enc; 8] = [
    Enc::Raw,
    Enc::PctSep,
    Enc::PctAll,
    Enc::PctDouble,
    Enc::JsonU,
    Enc::BackslashX,
    Enc::Html,
    Enc::Plus,
];

fn encode(s: &str, enc: Enc, upper: bool) -> String {
    let hex = |b: u8| if upper { format!("{b:02X}") } else { format!("{b:02x}") };
    let sep = |b: u8| !b.is_ascii_alphanumeric();
    let mut out = String::new();
    for b in s.bytes() {
        match enc {
            Enc::Raw => out.push(b as char),
            Enc::PctSep if sep(b) => out.push_str(&format!("%{}", hex(b))),
            Enc::PctAll => out.push_str(&format!("%{}", hex(b))),
            Enc::PctDouble if sep(b) => out.push_str(&format!("%25{}", hex(b))),
            Enc::JsonU if sep(b) => out.push_str(&format!("\\u00{}", hex(b))),
            Enc::BackslashX if sep(b) => out.push_str(&format!("\\x{}", hex(b))),
            Enc::Html if sep(b) => out.push_str(&format!("&#{b};")),
            _ => out.push(b as char),
        }
    }
    if enc == Enc::Plus {
        // card numbers grouped by `+` (a form-encoded space)
        if let Some(d) = s.strip_prefix("pay=") {
            let groups: Vec<&str> = d
                .as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            return format!("pay={}", groups.join("+"));
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pos {
    Client,
    Query,
    Referer,
    Agent,
    Extra,
    JsonValue,
    JsonKey,
    Unparsed,
    /// the query of a CLF line after a syslog prefix
    SyslogQuery,
    /// the user field of a CLF line after a CRI prefix
    CriUser,
    /// the query of a CLF line inside a Docker json-file record
    DockerQuery,
    /// the user field of a CLF line inside a Docker json-file record
    DockerUser,
    /// a value of serialized JSON inside a JSON string
    NestedJson,
    /// the user field of a CLF line with an ISO 8601 time
    IsoTimeUser,
    /// the user field of a CLF line cut after it
    CutUser,
    /// the value of a JSON line cut short in it
    CutJson,
}

const POSITIONS: [Pos; 16] = [
    Pos::Client,
    Pos::Query,
    Pos::Referer,
    Pos::Agent,
    Pos::Extra,
    Pos::JsonValue,
    Pos::JsonKey,
    Pos::Unparsed,
    Pos::SyslogQuery,
    Pos::CriUser,
    Pos::DockerQuery,
    Pos::DockerUser,
    Pos::NestedJson,
    Pos::IsoTimeUser,
    Pos::CutUser,
    Pos::CutJson,
];

/// `t` as the content of a JSON string (this test's own escaping).
fn json_escaped(t: &str) -> String {
    let mut out = String::new();
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A line as public parts and encoded secrets, in order.
#[derive(Debug)]
struct Built {
    line: String,
    public: Vec<String>,
}

fn build(s: &Secret, enc: Enc, upper: bool, pos: Pos) -> Built {
    let json = matches!(pos, Pos::JsonValue | Pos::JsonKey | Pos::CutJson);
    // `\x` is no JSON escape: JSON positions get `\u` instead
    let enc = if json && enc == Enc::BackslashX {
        Enc::JsonU
    } else {
        enc
    };
    let e = encode(&s.text, enc, upper);
    let p = |parts: &[&str]| {
        parts
            .iter()
            .filter(|x| !x.is_empty())
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
    };
    let tail = "\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"";
    match pos {
        Pos::Client if s.address && enc == Enc::Raw => Built {
            line: format!("{e} - - [01/Jan/2026:10:00:00 +0000] \"GET /index.html HTTP/1.1{tail}"),
            public: p(&[" - - [01/Jan/2026:10:00:00 +0000] \"GET /index.html HTTP/1.1", tail]),
        },
        Pos::Client | Pos::Query => {
            let head = "192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /p?a=1&q=";
            let mid = "&b=2 HTTP/1.1";
            Built {
                line: format!("{head}{e}{mid}{tail}"),
                public: p(&[head, mid, tail]),
            }
        }
        Pos::Referer => {
            let head = "192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"https://ref.example/x?r=";
            let mid = "\" \"curl/8.4.0\"";
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::Agent => {
            let head =
                "192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (contact ";
            let mid = ")\"";
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::Extra => {
            let head = "192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8.4.0\" \"";
            let mid = "\" 0.003";
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::JsonValue => {
            let head = "{\"remote_addr\":\"192.0.2.0\",\"request\":\"GET / HTTP/1.1\",\"status\":200,\"msg\":\"seen ";
            let mid = " now\"}";
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::JsonKey => {
            let head = "{\"status\":200,\"";
            let mid = "\":1}";
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::Unparsed => {
            let head = "free text, then ";
            let mid = " and more";
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::SyslogQuery => {
            let head = "<134>Jan  1 10:00:00 web1 nginx: 192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /p?a=1&q=";
            let mid = "&b=2 HTTP/1.1";
            Built {
                line: format!("{head}{e}{mid}{tail}"),
                public: p(&[head, mid, tail]),
            }
        }
        Pos::CriUser | Pos::IsoTimeUser | Pos::CutUser => {
            // a user field is one token: its spaces would make it two
            let e = e.replace(' ', "_");
            let (head, mid) = match pos {
                Pos::CriUser => (
                    "2026-01-01T10:00:00.123456789Z stdout F 192.0.2.0 - ",
                    " [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5",
                ),
                Pos::IsoTimeUser => ("192.0.2.0 - ", " [2026-01-01T10:00:00+00:00] \"GET / HTTP/1.1\" 200 5"),
                _ => ("192.0.2.0 - ", ""),
            };
            Built {
                line: format!("{head}{e}{mid}"),
                public: p(&[head, mid]),
            }
        }
        Pos::DockerQuery => {
            let head = "{\"log\":\"192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \\\"GET /p?a=1&q=";
            let mid = "&b=2 HTTP/1.1\\\" 200 5\\n\",\"stream\":\"stdout\"}";
            Built {
                line: format!("{head}{}{mid}", json_escaped(&e)),
                public: p(&[head, mid]),
            }
        }
        Pos::DockerUser => {
            let head = "{\"log\":\"192.0.2.0 - ";
            let mid = " [01/Jan/2026:10:00:00 +0000] \\\"GET / HTTP/1.1\\\" 200 5\\n\",\"stream\":\"stdout\"}";
            Built {
                line: format!("{head}{}{mid}", json_escaped(&e.replace(' ', "_"))),
                public: p(&[head, mid]),
            }
        }
        Pos::NestedJson => {
            let head = "{\"level\":\"info\",\"msg\":\"{\\\"path\\\":\\\"/p?q=";
            let mid = "\\\",\\\"n\\\":1}\"}";
            Built {
                line: format!("{head}{}{mid}", json_escaped(&json_escaped(&e))),
                public: p(&[head, mid]),
            }
        }
        Pos::CutJson => {
            let head = "{\"remote_addr\":\"192.0.2.0\",\"msg\":\"seen ";
            Built {
                line: format!("{head}{e}"),
                public: p(&[head]),
            }
        }
    }
}

/// The public parts are in `out`, unchanged and in order.
fn public_kept(out: &[u8], public: &[String]) -> Result<(), String> {
    let mut at = 0;
    for part in public {
        match find(&out[at..], part.as_bytes()) {
            Some(k) => at += k + part.len(),
            None => return Err(format!("public part {part:?} changed or lost")),
        }
    }
    Ok(())
}

fn check_one(s: &Secret, enc: Enc, upper: bool, pos: Pos) -> Result<(), String> {
    let b = build(s, enc, upper, pos);
    let out = anonymize_line(&Engine::default(), b.line.as_bytes());
    let shown = String::from_utf8_lossy(&out).into_owned();
    let ctx = || format!("\n  in:  {}\n  out: {shown}", b.line);
    if out.contains(&b'\n') {
        return Err(format!("a line became more than one{}", ctx()));
    }
    let decoded = decode_all(&out).to_ascii_lowercase();
    if find(&decoded, s.core.to_ascii_lowercase().as_bytes()).is_some() {
        return Err(format!("secret {:?} survives{}", s.core, ctx()));
    }
    public_kept(&out, &b.public).map_err(|e| format!("{e}{}", ctx()))?;
    if serde_json::from_str::<serde_json::Value>(&b.line).is_ok()
        && serde_json::from_slice::<serde_json::Value>(&out).is_err()
    {
        return Err(format!("JSON in, invalid JSON out{}", ctx()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn planted_secrets_never_survive_any_encoding_or_position(
        s in secret(),
        enc in select(ENCS.to_vec()),
        upper in any::<bool>(),
        pos in select(POSITIONS.to_vec()),
    ) {
        if let Err(e) = check_one(&s, enc, upper, pos) {
            prop_assert!(false, "{} / {:?} / {:?}: {}", s.text, enc, pos, e);
        }
    }
}

/// Every secret kind in every encoding at every position, once each, so a
/// family is never left to chance.
#[test]
fn every_combination_once() {
    let secrets = [
        Secret {
            text: "198.51.100.7".into(),
            core: "198.51.100.7".into(),
            address: true,
        },
        Secret {
            text: "2001:db8:1:2:3:4:5:6".into(),
            core: ":3:4:5:6".into(),
            address: true,
        },
        Secret {
            text: "qjane.doe@example.co.uk".into(),
            core: "qjane.doe".into(),
            address: false,
        },
        Secret {
            text: "access_token=Zabc123XYZ789".into(),
            core: "Zabc123XYZ789".into(),
            address: false,
        },
        Secret {
            text: "00:1a:2b:3c:4d:5e".into(),
            core: "00:1a:2b:3c:4d:5e".into(),
            address: false,
        },
        Secret {
            text: "pay=4111111111111111".into(),
            core: "4111111111111111".into(),
            address: false,
        },
    ];
    let mut bad = Vec::new();
    for s in &secrets {
        for enc in ENCS {
            for pos in POSITIONS {
                for upper in [false, true] {
                    if let Err(e) = check_one(s, enc, upper, pos) {
                        bad.push(format!("{} / {enc:?} / {pos:?}: {e}", s.text));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{} failures:\n{}", bad.len(), bad.join("\n"));
}

/// A user name no shape gives away (only its field's role does), in every
/// encoding, in the user fields of wrapped, nested and broken lines.
#[test]
fn user_names_go_by_role_in_wrapped_and_broken_lines() {
    let s = Secret {
        text: "zorro9".into(),
        core: "zorro9".into(),
        address: false,
    };
    let mut bad = Vec::new();
    for enc in ENCS {
        for pos in [Pos::CriUser, Pos::DockerUser, Pos::IsoTimeUser, Pos::CutUser] {
            if let Err(e) = check_one(&s, enc, false, pos) {
                bad.push(format!("{enc:?} / {pos:?}: {e}"));
            }
        }
    }
    // and under a user key of serialized JSON, and of JSON cut short
    for line in [
        r#"{"level":"info","msg":"{\"user\":\"zorro9\",\"n\":1}"}"#,
        r#"{"log":"{\"remote_user\":\"zorro9\"}\n","stream":"stdout"}"#,
        r#"{"remote_addr":"192.0.2.0","remote_user":"zorro9"#,
        r#"<134>Jan  1 10:00:00 web1 nginx: 192.0.2.0 - zorro9 [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#,
    ] {
        let out = anonymize_line(&Engine::default(), line.as_bytes());
        if find(&decode_all(&out), b"zorro9").is_some() {
            bad.push(format!("survives in {line}"));
        }
    }
    assert!(bad.is_empty(), "{} failures:\n{}", bad.len(), bad.join("\n"));
}
