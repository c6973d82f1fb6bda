//! Minimal inputs found by the property tests (`properties.rs`,
//! `fail_closed.rs`), kept as plain regression tests.

use loganon::check::check_bytes;
use loganon::Rules;

use crate::fail_closed::fails_closed;
use crate::properties::anon;

// ---------------------------------------------------------------------------
// Minimal inputs found by the properties above, kept as regression tests
// (the `bug_*` ones were bugs; all are fixed).
// ---------------------------------------------------------------------------

/// Asserts every (input, expected output) pair and reports all mismatches.
#[track_caller]
fn expect_all(pairs: &[(&str, &str)]) {
    let bad: Vec<String> = pairs
        .iter()
        .filter_map(|(input, expected)| {
            let got = anon(input);
            (got != *expected).then(|| format!("  input:    {input}\n  expected: {expected}\n  actual:   {got}"))
        })
        .collect();
    assert!(bad.is_empty(), "\n{}", bad.join("\n\n"));
}

/// Asserts that the output of every input passes the oracle and is stable.
#[track_caller]
fn expect_clean(inputs: &[&str]) {
    let bad: Vec<String> = inputs
        .iter()
        .filter_map(|input| {
            let out = anon(input);
            let report = check_bytes(&Rules::default(), out.as_bytes());
            let again = anon(&out);
            (report.total() != 0 || again != out).then(|| {
                format!(
                    "  input:  {input}\n  output: {out}\n  again:  {again}\n  {}",
                    report.to_text().trim_end().replace('\n', "\n  ")
                )
            })
        })
        .collect();
    assert!(bad.is_empty(), "\n{}", bad.join("\n\n"));
}

const TAIL: &str = r#" [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 1 "-" "curl/8.4.0""#;

/// Found by `planted_secrets_do_not_survive` at fb924e0 (minimal input: the
/// first line), fixed in 9cf0a33.
#[test]
fn bracketed_ipv6_client_has_its_user_field_removed() {
    expect_all(&[
        (&format!("[::]:1 - aaa{TAIL}"), &format!("[::]:1 - -{TAIL}")),
        (
            &format!("[2001:db8::1]:443 - frank{TAIL}"),
            &format!("[2001:db8::]:443 - -{TAIL}"),
        ),
        (
            &format!("www.example.org:443 [2001:db8::1]:52100 - bob{TAIL}"),
            &format!("www.example.org:443 [2001:db8::]:52100 - -{TAIL}"),
        ),
    ]);
}

/// The oracle's side of the same bug (fixed with it).
#[test]
fn check_reports_user_field_after_bracketed_client() {
    let line = format!("[2001:db8::]:443 - frank{TAIL}");
    let report = check_bytes(&Rules::default(), line.as_bytes());
    assert_eq!(report.counts.get("user-field"), Some(&1), "{}", report.to_text());
}

#[test]
fn bug_url_credentials_with_other_findings_in_userinfo() {
    expect_all(&[
        ("ftp://a@b:c@d/", "ftp://d/"),
        ("https://john@example.com:s3cr3t@10.1.2.3/", "https://10.1.2.0/"),
        ("https://10.1.2.3:pw@host/", "https://host/"),
        ("https://user=0&u:p@0", "https://0"),
    ]);
}

#[test]
fn bug_embedded_ipv4_with_leading_zero() {
    let out = anon("2001:db8:85a3:1234:5678::01.2.3.4");
    assert!(!out.contains("1234:5678"), "host bits survive: {out}");
    expect_clean(&["::01.2.3.4", "2001:db8:85a3:1234:5678::01.2.3.4"]);
}

#[test]
fn bug_card_numbers_missed() {
    let bad: Vec<String> = [
        "/pay?=4111111111111111",
        "x@y.com=4111111111111111.",
        "x=1.2.3.4-4111111111111111",
    ]
    .iter()
    .map(|i| (i, anon(i)))
    .filter(|(_, o)| o.contains("4111111111111111"))
    .map(|(i, o)| format!("{i} -> {o}"))
    .collect();
    assert!(bad.is_empty(), "card number kept:\n{}", bad.join("\n"));
}

#[test]
fn bug_rewrites_create_new_findings() {
    expect_clean(&[
        "user=;user=/",
        "/a?sid=;jsessionid=1/b",
        "x@y.comx@y.coma",
        "aa:00:1a:2b:3c:4d:5ex@y.com",
    ]);
}

/// Further minimal inputs found with PROPTEST_CASES=20000: a rewrite must never
/// join bytes into a new finding.
#[test]
fn regression_rewrites_settle() {
    expect_clean(&[
        "token%3D;user=0/",
        "https://user=/&@",
        "0https://user=/&u:p@0",
        "::00:1a:2b:3c:4d:5ex@y.comxa",
        "0user=https://&u:p@-4111111111111111.",
        "x@y.comuser=https://&u:p@4111111111111111.",
        "x@y.com%400.user=0",
    ]);
}

/// Minimal inputs the fail-closed properties found after issue 11's rules
/// (a card glued to groups, quoted values after odd bytes, a zone absorbing
/// a bracket, an `@` right after `//`): `check` finds nothing in the output.
#[test]
fn issue_11_minimal_inputs_fail_closed() {
    for input in [
        &b"https://@1/"[..],
        b"https://0@",
        b"https://::%[@00",
        b":[user=\"0\"",
        b":0[user=\"0\"",
        b"\\fftoken%3D\"0\"",
        b"1.2.3.4token%3D\"0\"",
        b":411111111111111100:1a:2b:3c:4d:5e::0",
        b"1.2.3.4:4111111111111111",
        b"user=\" %3A\"",
        b"user=\"%3A\" ",
    ] {
        if let Err(e) = fails_closed(input) {
            panic!("{e}");
        }
    }
}
