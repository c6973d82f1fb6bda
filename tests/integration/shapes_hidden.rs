//! Issue 25, items 1, 2, 3, 9 and 11: addresses hidden in longer tokens and
//! host names, each rewritten in its own spelling; address lists in any
//! column of a W3C line without `#Fields:`; credentials of URLs without
//! `scheme://`; numeric IPv6 zone ids. Each case states the whole output,
//! and the independent `check` finds the shape in the input and nothing in
//! the output.

use crate::common::found_then_clean;
use crate::fuzz_regressions::expect_checked;

#[test]
fn an_address_before_a_number_is_an_address() {
    // Apache mod_usertrack: `ADDRESS.TIME` (microseconds)
    found_then_clean(
        "ipv4",
        &[
            (
                r#"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "curl" "Apache=52.45.125.4.1700000000123456""#,
                r#"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "curl" "Apache=52.45.125.0.1700000000123456""#,
            ),
            ("cookie=10.1.2.3.1700000000 x", "cookie=10.1.2.0.1700000000 x"),
        ],
    );
}

#[test]
fn a_host_label_written_as_one_number_is_an_address() {
    found_then_clean(
        "ipv4",
        &[
            ("host c0a80105.nip.io x", "host c0a80100.nip.io x"),
            ("host C0A8010F.nip.io x", "host C0A80100.nip.io x"),
            ("host app-c0a80105.nip.io x", "host app-c0a80100.nip.io x"),
            ("host a.c0a80105.sslip.io x", "host a.c0a80100.sslip.io x"),
            ("host 0xc633644d.nip.io x", "host 0xc6336400.nip.io x"),
            ("host 3325256781.nip.io x", "host 3325256704.nip.io x"),
            ("GET http://3325256781.sslip.io/ x", "GET http://3325256704.sslip.io/ x"),
            // after labels that are numbers too (fuzz `crash-7e174973`:
            // `8.11136308.nip.direct` was read as one run and kept)
            ("host 8.11136308.nip.direct x", "host 8.11136256.nip.direct x"),
            ("host app.8.c0a80105.nip.io x", "host app.8.c0a80100.nip.io x"),
            ("host 1.2.3.11136308.nip.io x", "host 1.2.3.11136256.nip.io x"),
            // after a `:` (`crash-42ee9984`: `:11536308.nip.direct`)
            ("host :11536308.nip.direct x", "host :11536128.nip.direct x"),
            ("host a:c0a80105.nip.io x", "host a:c0a80100.nip.io x"),
        ],
    );
    // elsewhere such a label is a name's: a preview deployment's hash, a
    // date, a load balancer's id, a file's
    crate::fuzz_regressions::expect_checked(
        "auto",
        "https://3f2a9c1b.myproject.pages.dev/ 20240101.backup.example.com http://3325256781.example.com/ lb-12030537.eu-central-1.elb.amazonaws.com /js/vendors-1a2b3c4d.chunk.js",
    );
}

#[test]
fn an_address_in_a_name_of_its_own_is_an_address() {
    found_then_clean(
        "ipv4",
        &[
            ("host ip-10-1-2-3 x", "host ip-10-1-2-0 x"),
            ("host=ip-10-1-2-3&x=1", "host=ip-10-1-2-0&x=1"),
            ("at ip-10-1-2-3.", "at ip-10-1-2-0."),
            ("host ip-10-1-2-3.ec2.internal x", "host ip-10-1-2-0.ec2.internal x"),
            ("host 1-2-3-4.sslip.io x", "host 1-2-3-0.sslip.io x"),
        ],
    );
}

/// Found by a red-team pass: a numeric zone removed glued what followed
/// onto the address (not idempotent); slashes that URL parsers read as `//`
/// kept the user; upper-case and dotted user names of a W3C line without
/// `#Fields:` stayed.
#[test]
fn red_team_findings() {
    crate::common::cases_checked(
        &loganon::Engine::default(),
        None,
        &[
            // (the control byte 0x12 is read through: the view reads
            // `fe80::1c0a80105`, whose address goes with the hex glued on)
            ("x fe80::1%12c0a80105.nip.io y", "x fe80::.nip.io y"),
            ("x fe80::1%1252.45.125.4 y", "x fe80:: y"),
        ],
    );
    found_then_clean(
        "url-credentials",
        &[
            ("see http:/jdoe:S3cret@example.com/", "see http:/example.com/"),
            (r"see http:\\jdoe:S3cret@example.com/", r"see http:\\example.com/"),
            (r"see /\jdoe:pw@h.example/", r"see /\h.example/"),
        ],
    );
    found_then_clean(
        "user-field",
        &[
            (
                "2026-01-01 00:00:01 GET /x - john.doe 52.45.125.4 200",
                "2026-01-01 00:00:01 GET /x - - 52.45.125.0 200",
            ),
            (
                r"2026-01-01 00:00:01 GET /x - CORP\JDOE 52.45.125.4 200",
                "2026-01-01 00:00:01 GET /x - - 52.45.125.0 200",
            ),
        ],
    );
    // an address after a long number (the mirror of mod_usertrack's)
    found_then_clean("ipv4", &[("x 1700000000.52.45.125.4 y", "x 1700000000.52.45.125.0 y")]);
    crate::fuzz_regressions::expect(
        "alb",
        &[(
            b"https 2026-01-01T10:00:00.186641.52.45.125.4 app/lb/50dc 1.2.3.99:48161 10.0.0.66:9000 0.000 0.002 0.000 304 304 5 0 \"GET https://x.example:443/ HTTP/1.1\" \"curl/7.46.0\" - -\n",
            b"https 2026-01-01T10:00:00.186641.52.45.125.0 app/lb/50dc 1.2.3.0:48161 10.0.0.0:9000 0.000 0.002 0.000 304 304 5 0 \"GET https://x.example:443/ HTTP/1.1\" \"curl/7.46.0\" - -\n",
        )],
    );
    // a `date` column past the 64th is checked too
    let names: Vec<String> = (0..64).map(|k| format!("x-c{k}")).collect();
    let head = format!("#Fields: {} date c-ip\n", names.join(" "));
    let row = |d: &str, c: &str| format!("{}{d} {c}\n", "1 ".repeat(64));
    let input = [head.clone(), row("52.45.125.4", "52.45.125.4")].concat();
    let want = [head, row("52.45.125.0", "52.45.125.0")].concat();
    crate::fuzz_regressions::expect("w3c", &[(input.as_bytes(), want.as_bytes())]);
    // a zero-padded counter is no IMEI (the test range `00`)
    crate::fuzz_regressions::expect_checked("auto", "seq=000000000000000 /v1/file-000000000000026.log");
}

/// A control byte shows nothing where a log is read, so it hides nothing:
/// the scanner reads through control bytes and terminal escape sequences
/// (`ESC [ 0 m`), and `check` removes them before it looks (found by a
/// red-team pass once a NUL no longer made loganon refuse a stream).
#[test]
fn control_bytes_hide_nothing() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"jdoe\x00@example.com x\n", b"REDACTED x\n"),
        (b"a 52.45\x1b[0m.125.4 b\n", b"a 52.45.125.0 b\n"),
        (b"jdoe\x7f@example.com\n", b"REDACTED\n"),
        (b"x=35693803\x005643809 y\n", b"x=REDACTED y\n"),
        (b"tab\tstays 1.2.3.4\n", b"tab\tstays 1.2.3.0\n"),
    ];
    crate::fuzz_regressions::expect("auto", cases);
}

#[test]
fn numbers_that_are_no_address_stay() {
    // (a label of hex letters only, a version of five numbers, a time with
    // decimals, five dashed numbers, a number that ends no name)
    for line in [
        "deadbeef.example.com 1.2.3.4.5 1700000000.123 a-1-2-3-4-5 ip-1-2-3 x-10-20-30",
        "Firefox/1.2.3.4.123456 build 20231010.example",
    ] {
        expect_checked("auto", line);
    }
}

#[test]
fn address_lists_in_a_w3c_line_without_fields() {
    found_then_clean(
        "ipv4",
        &[(
            "2026-01-01 00:00:01 W3SVC1 web01 GET /x - 80 jdoe 52.45.125.4,10.1.2.3 curl/8 200",
            "2026-01-01 00:00:01 W3SVC1 web01 GET /x - 80 - 52.45.125.0,10.1.2.0 curl/8 200",
        )],
    );
    found_then_clean(
        "ipv6",
        &[(
            "2026-01-01 00:00:01 W3SVC1 web01 GET /x - 80 jdoe 2001:db8::1,2001:db8::2 curl/8 200",
            "2026-01-01 00:00:01 W3SVC1 web01 GET /x - 80 - 2001:db8::,2001:db8:: curl/8 200",
        )],
    );
}

#[test]
fn credentials_of_urls_without_scheme_slashes() {
    found_then_clean(
        "url-credentials",
        &[
            ("see //user:pw@example.com/x", "see //example.com/x"),
            (
                r#"GET /r?next=//bob@evil.example/ x"#,
                r#"GET /r?next=//evil.example/ x"#,
            ),
            ("see http:user@host/x", "see http:host/x"),
            ("see ftp:u:p@files.example/x", "see ftp:files.example/x"),
        ],
    );
    // an address scheme keeps its email rule
    found_then_clean("email", &[("to mailto:jane@example.com x", "to mailto:REDACTED x")]);
}

#[test]
fn quoted_local_parts_are_emails() {
    found_then_clean("email", &[(r#"from "john doe"@example.com x"#, "from REDACTED x")]);
}

#[test]
fn numeric_zone_ids_go_like_named_ones() {
    crate::common::cases_checked(
        &loganon::Engine::default(),
        None,
        &[
            ("zone fe80::1%12 x", "zone fe80:: x"),
            ("zone fe80::1%eth0 x", "zone fe80:: x"),
            ("zone [fe80::1%2512]:80 x", "zone [fe80::]:80 x"),
            // (in a deny-listed value: the value goes, the zone's escape
            // is read with the `&` after it and stays)
            ("/?ip=fe80::1%12&b=2", "/?ip=REDACTED%12&b=2"),
            // a space after an address is a space
            ("zone fe80::1%20GET x", "zone fe80::%20GET x"),
        ],
    );
}
