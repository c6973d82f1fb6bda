//! Exact outputs for identifier shapes found anywhere, whatever names them
//! (issue 11 item 6), and for bytes that only look like personal data and
//! stay (item 9): each case states the whole output line, and `check` is
//! asked to find each shape in the raw input and nothing in the output.

use loganon::check::check_bytes;
use loganon::rules::Rules;
use loganon::Engine;

use crate::common;
use crate::common::found_then_clean;

#[track_caller]
fn cases(list: &[(&str, &str)]) {
    common::cases_checked(&Engine::default(), None, list)
}

/// Inputs that stay byte for byte, and where `check` finds nothing.
#[track_caller]
fn stays(list: &[&str]) {
    let pairs: Vec<(&str, &str)> = list.iter().map(|s| (*s, *s)).collect();
    cases(&pairs);
    for s in list {
        let r = check_bytes(&Rules::default(), s.as_bytes());
        assert_eq!(r.total(), 0, "check finds in {s}:\n{}", r.to_text());
    }
}

const CLF: &str = r#"1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5"#;

#[test]
fn jwts_anywhere() {
    let ua = format!(
        r#"{CLF} "-" "curl/8.4.0 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U""#
    );
    let ua_out = format!(r#"{CLF} "-" "curl/8.4.0 REDACTED""#);
    found_then_clean(
        "jwt",
        &[
            (ua.as_str(), ua_out.as_str()),
            // an empty signature (`alg: none`)
            ("/cb?x=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.&y=1", "/cb?x=REDACTED&y=1"),
            (
                "/verify/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl/ok",
                "/verify/REDACTED/ok",
            ),
            ("auth:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln x", "auth:REDACTED x"),
            // behind percent-encoding and JSON escapes
            (
                "/a?t=eyJhbGciOiJIUzI1NiJ9%2EeyJzdWIiOiIxIn0%2Ec2ln&b=2",
                "/a?t=REDACTED&b=2",
            ),
            (
                r#"{"msg":"token eyJhbGciOiJIUzI1NiJ9\u002eeyJzdWIiOiIxIn0\u002ec2ln ok"}"#,
                r#"{"msg":"token REDACTED ok"}"#,
            ),
        ],
    );
}

#[test]
fn bearer_and_basic_credentials_in_unnamed_fields() {
    let extra = format!(r#"{CLF} "-" "Mozilla/5.0" "Bearer abc.def""#);
    let extra_out = format!(r#"{CLF} "-" "Mozilla/5.0" "Bearer REDACTED""#);
    found_then_clean(
        "auth-credentials",
        &[
            (extra.as_str(), extra_out.as_str()),
            ("x \"Basic dXNlcjpwYXNz\" y", "x \"Basic REDACTED\" y"),
            ("x bearer Zm9vYmFyMTIz y", "x bearer REDACTED y"),
            ("ua Basic+dXNlcjpwYXNzd29yZA==+x", "ua Basic+REDACTED+x"),
            (
                "/?h=Authorization%3A%20Bearer%20abc123def456&x=1",
                "/?h=Authorization%3A%20Bearer%20REDACTED&x=1",
            ),
            (
                r#"{"msg":"auth Bearer\u0020abc123def456"}"#,
                r#"{"msg":"auth Bearer\u0020REDACTED"}"#,
            ),
        ],
    );
    // words after the scheme stay: no digit or sign, not base64 of `user:pass`
    stays(&[
        "x \"Basic settings\" y",
        "see Bearer authentication here",
        "a Bearer token. b",
        "x Bearer REDACTED y",
    ]);
}

#[test]
fn ibans_mod_97_checked() {
    found_then_clean(
        "iban",
        &[
            ("/pay/DE89370400440532013000/x", "/pay/REDACTED/x"),
            (r#"{"to":"GB82WEST12345698765432"}"#, r#"{"to":"REDACTED"}"#),
            ("iban:NL91ABNA0417164300 ok", "iban:REDACTED ok"),
            ("x nl91abna0417164300 y", "x REDACTED y"),
            ("/?to=DE89+3704+0044+0532+0130+00&x=1", "/?to=REDACTED&x=1"),
            ("/?to=DE89%203704%200044%200532%200130%2000&x=1", "/?to=REDACTED&x=1"),
            ("/?to=GB82%20WEST%201234%205698%207654%2032", "/?to=REDACTED"),
        ],
    );
    stays(&[
        // a wrong check digit, an unknown country, a wrong length
        "/pay/DE88370400440532013000/x",
        "/pay/XX89370400440532013000/x",
        "/pay/DE8937040044053201300/x",
    ]);
}

#[test]
fn macs_in_other_spellings() {
    found_then_clean(
        "mac",
        &[
            ("mac 0011.2233.4455 x", "mac REDACTED x"),
            ("ap=aabb.ccdd.eeff&x=1", "ap=REDACTED&x=1"),
            ("mac 0:1a:2b:3c:4d:5e x", "mac REDACTED x"),
            ("/?m=0%3A1a%3A2b%3A3c%3A4d%3A5e", "/?m=REDACTED"),
            ("/?m=00%2D11%2D22%2D33%2D44%2D55", "/?m=REDACTED"),
            ("/?m=0011%2E2233%2E4455", "/?m=REDACTED"),
            // an `_` next to a dashed MAC is a boundary, as next to one
            // with colons (red-team of 2026-12-08: it was kept whole)
            ("mac 00-1a-2b-3c-4d-5e_ x", "mac REDACTED_ x"),
            ("mac a_00-1a-2b-3c-4d-5e_b x", "mac a_REDACTED_b x"),
            // Cisco's form after a `:` (fuzz `crash-94802340`: the run from
            // the `:` was skipped whole)
            ("mac :0052.1000.1286 x", "mac :REDACTED x"),
            ("at 10:00:0052.1000.1286:5 x", "at 10:00:REDACTED:5 x"),
        ],
    );
    // glued to a letter or digit: a longer token's, kept
    crate::fuzz_regressions::expect_checked("auto", "mac 00-1a-2b-3c-4d-5eg x");
    // in a run of colons and hex digits longer than any address (fuzz
    // `crash-a5a197fc`: such a run was skipped whole)
    // (the two colons before the MAC go with it, as before any MAC that a
    // run of colons holds: `::::00:1a:2b:3c:4d:5e` is `REDACTED`)
    let (colons, kept) = (":".repeat(130), ":".repeat(128));
    let ones = "1:".repeat(100);
    let long: Vec<(String, String)> = vec![
        (
            format!("mac {colons}00:1a:2b:3c:4d:5e x"),
            format!("mac {kept}REDACTED x"),
        ),
        (
            format!("mac {colons}00:1a:2b:3c:4d:5e::ffff:1.2.36308. x"),
            format!("mac {kept}REDACTED::ffff:1.2.36308. x"),
        ),
        (
            format!("mac {ones}00:1a:2b:3c:4d:5e:1 x"),
            format!("mac {ones}REDACTED:1 x"),
        ),
    ];
    let pairs: Vec<(&str, &str)> = long.iter().map(|(i, o)| (i.as_str(), o.as_str())).collect();
    found_then_clean("mac", &pairs);
}

#[test]
fn card_numbers_with_an_issuer_anywhere() {
    found_then_clean(
        "card-number",
        &[
            ("/pay/4111111111111111/x", "/pay/REDACTED/x"),
            ("/c/4111-1111-1111-1111 x", "/c/REDACTED x"),
            ("/c/4111.1111.1111.1111 x", "/c/REDACTED x"),
            ("/?n=4111%2D1111%2D1111%2D1111", "/?n=REDACTED"),
            ("/?n=4111%2E1111%2E1111%2E1111", "/?n=REDACTED"),
            (r#"{"cc":"5555555555554444"}"#, r#"{"cc":"REDACTED"}"#),
            (r#"{"cc":"5555-5555-5555-4444"}"#, r#"{"cc":"REDACTED"}"#),
            (r#"{"n":4111111111111111,"x":1}"#, r#"{"n":"REDACTED","x":1}"#),
            // Amex, Discover, JCB, Diners, Mastercard's 2-series
            ("a 378282246310005 b", "a REDACTED b"),
            ("a 6011111111111117 b", "a REDACTED b"),
            ("a 3530111333300000 b", "a REDACTED b"),
            ("a 30569309025904 b", "a REDACTED b"),
            ("a 2223003122003222 b", "a REDACTED b"),
            ("/?cc=4111%201111%201111%201111&x", "/?cc=REDACTED&x"),
        ],
    );
    stays(&[
        // a millisecond timestamp passes Luhn but starts with 1
        "/a.js?_=1700000000004",
        "/products/9200000002876066/fissler-pan",
        // no issuer starts with 7, 8, 9 or 0; a 3 must be 300-305, 34-38
        "a 7992739871300000 b",
        "a 3111111111111117 b",
    ]);
}

#[test]
fn e164_phone_numbers_in_query_values() {
    found_then_clean(
        "phone",
        &[
            ("/?to=+491701234567&x=1", "/?to=REDACTED&x=1"),
            ("/?to=%2B491701234567&x=1", "/?to=REDACTED&x=1"),
            ("/?to=%252B14155550123", "/?to=REDACTED"),
            // a `+` sent as `%20`, the space it means in a query
            ("/?to=%20491701234567&x=1", "/?to=REDACTED&x=1"),
            // a `+` inside a value may be a space: it stays
            ("/?q=call+491701234567&x=1", "/?q=call+REDACTED&x=1"),
        ],
    );
    stays(&[
        "/?a=1+491701234567",
        "/?v=+0491701234567",
        "/?v=+1234567",
        "/?v=+4917012345678901234",
    ]);
}

#[test]
fn google_analytics_ids() {
    let cookie =
        format!(r#"{CLF} "-" "UA" "_ga=GA1.2.1234567890.1700000000; _ga_X1=GS1.1.1700000000.3.1.1700000100.0.0.0""#);
    let cookie_out = format!(r#"{CLF} "-" "UA" "_ga=REDACTED; _ga_X1=REDACTED""#);
    found_then_clean(
        "analytics-id",
        &[
            (cookie.as_str(), cookie_out.as_str()),
            ("/?cid=GA1.1.987654321.1700000000&x=1", "/?cid=REDACTED&x=1"),
            ("c GS2.1.s1700000000$o3$g1$t1700000100 x", "c REDACTED x"),
        ],
    );
    stays(&["GA1.2.3 x"]);
}

#[test]
fn versions_in_user_agents_stay() {
    let ua = format!(
        r#"{CLF} "-" "Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.8.1.4) Gecko/20070515 Firefox/2.0.0.4""#
    );
    stays(&[
        ua.as_str(),
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.6099.109 Safari/537.36",
        "Mozilla/5.0 (X11; rv:1.9.0.1) Gecko/2008072820 Firefox/3.0.1",
        "Mozilla/5.0+(X11;+rv:1.9.0.1)+Gecko/20100101+Firefox/2.0.0.4",
        "ua (Dalvik/1.2.3.4; U)",
    ]);
    // a real address elsewhere is still truncated
    cases(&[
        ("/?client=1.2.3.4&x=1", "/?client=1.2.3.0&x=1"),
        ("ua Firefox/2.0.0.4 from 1.2.3.4 x", "ua Firefox/2.0.0.4 from 1.2.3.0 x"),
        ("GET /ip/1.2.3.4 HTTP/1.1", "GET /ip/1.2.3.0 HTTP/1.1"),
        ("see example.com/1.2.3.4 x", "see example.com/1.2.3.0 x"),
        ("/?a=b/1.2.3.4", "/?a=b/1.2.3.0"),
        ("rv:1.2.3.4 xrv:5.6.7.8", "rv:1.2.3.4 xrv:5.6.7.0"),
    ]);
}

#[test]
fn file_names_are_not_emails() {
    stays(&[
        "GET /img/logo@2x.png HTTP/1.1",
        "/npm/pkg@latest.min.css x",
        "/img/image@3x.jpg?v=2",
        "/js/file@v1.js",
        "/i/icon@2x.webp /f/font@1.woff /d/data@v2.json",
    ]);
    cases(&[
        ("to john@example.com x", "to REDACTED x"),
        ("to john@example.io x", "to REDACTED x"),
    ]);
}

/// Found by the red-team pass of issue 29: an IPv4 address with a port
/// before an `@` (`ip:port@host`) was left whole, the `@` taking the run as
/// an email's local part (which holds no `:`): the address is truncated,
/// the local part after the `:` is the email's.
#[test]
fn an_address_and_port_before_an_at_sign_is_truncated() {
    let input = "x 172.31.254.253:54751@x.com\nGET /?a=~172.31.254.253:54751@x.com HTTP\nx 1.2.3.4@example.com\n";
    let o = crate::common::bin::loganon().arg("anonymize").stdin(input).output();
    assert_eq!(
        crate::common::bin::text(&o.stdout),
        "x 172.31.254.0:REDACTED\nGET /?a=~172.31.254.0:REDACTED HTTP\nx REDACTED\n"
    );
}
