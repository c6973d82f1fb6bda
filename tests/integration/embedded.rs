//! Issue 11, items 3, 7 and 8, through the binary: Squid native logs,
//! addresses inside addresses and names, roles of named template variables,
//! and `check` finding the new shapes in raw input but not in the output.

use crate::common::bin::loganon;

/// `check` exits 1 on the raw input and 0 on what `anonymize` made of it.
#[track_caller]
fn check_finds_then_clean(args: &[&str], input: &str) {
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    let raw = loganon().args(&a).stdin(input.as_bytes()).output();
    assert_eq!(raw.status.code(), Some(1), "raw input passes check:\n{input}");
    let out = loganon().arg("anonymize").args(args).stdin(input).stdout();
    let done = loganon().args(&a).stdin(out.as_bytes()).output();
    assert_eq!(
        done.status.code(),
        Some(0),
        "output fails check:\n{out}\n{}",
        String::from_utf8_lossy(&done.stdout)
    );
}

const SQUID: &str = "\
1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x?a=b&token=abc - DIRECT/93.184.216.34 text/html
1286536309.123   2045 2001:db8:1:2::7 TCP_TUNNEL/200 5120 CONNECT mail.example.org:443 john%20doe HIER_DIRECT/198.51.100.7 -
1286536310.001      0 10.0.0.1 NONE/400 3894 NONE error:invalid-request alice@example.com HIER_NONE/- text/html
1286536311.500     12 dsl-84-12-3-5.dyn.example.net TCP_HIT/200 120 GET http://3325256781/a - NONE/- image/png
";

const SQUID_OUT: &str = "\
1286536308.779    180 192.168.0.0 TCP_MISS/200 411 GET http://example.com/x?a=b&token=REDACTED - DIRECT/93.184.216.0 text/html
1286536309.123   2045 2001:db8:1:: TCP_TUNNEL/200 5120 CONNECT mail.example.org:443 - HIER_DIRECT/198.51.100.0 -
1286536310.001      0 10.0.0.0 NONE/400 3894 NONE error:invalid-request - HIER_NONE/- text/html
1286536311.500     12 example.net TCP_HIT/200 120 GET http://3325256704/a - NONE/- image/png
";

#[test]
fn squid_native_auto_and_named() {
    assert_eq!(loganon().arg("anonymize").stdin(SQUID).stdout(), SQUID_OUT);
    assert_eq!(
        loganon()
            .arg("anonymize")
            .args(["--format", "squid"])
            .stdin(SQUID)
            .stdout(),
        SQUID_OUT
    );
    // recognised as squid, counted as such
    let out = loganon()
        .args(["anonymize", "--stats", "json"])
        .stdin(SQUID.as_bytes())
        .output();
    let stats: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stats json");
    assert_eq!(stats["parsed_per_format"]["squid"], 4, "{stats}");
    assert_eq!(stats["unparsed"], 0, "{stats}");
    // a CLF line is not taken for Squid, and `--format squid` leaves it unparsed
    let clf = "1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n";
    assert_eq!(
        loganon().arg("anonymize").stdin(clf).stdout(),
        "1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n"
    );
    check_finds_then_clean(&[], SQUID);
    check_finds_then_clean(&["--format", "squid"], SQUID);
}

#[test]
fn squid_max_age_reads_its_epoch_time() {
    let out = loganon()
        .arg("anonymize")
        .args(["--max-age", "1d", "--now", "@1286600000"])
        .stdin(SQUID)
        .stdout();
    assert_eq!(out, SQUID_OUT);
    let out = loganon()
        .arg("anonymize")
        .args(["--max-age", "1d", "--now", "@1386600000"])
        .stdin(SQUID)
        .stdout();
    assert_eq!(out, "");
}

#[test]
fn nginx_named_variables_by_role() {
    let fmt = "nginx:$remote_addr [$time_local] \"$request\" $arg_token $arg_email $arg_page \"$http_x_auth_token\" \"$http_x_remote_user\" \"$http_user_agent\" \"$http_x_forwarded_for\"";
    let line = "10.1.2.3 [01/Jan/2026:00:00:00 +0000] \"GET /?page=2 HTTP/1.1\" abc bob@example.com 2 \"t0k3n\" \"carol\" \"curl/8.4.0\" \"1.2.3.4, 5.6.7.8\"\n";
    assert_eq!(
        loganon().arg("anonymize").args(["--format", fmt]).stdin(line).stdout(),
        "10.1.2.0 [01/Jan/2026:00:00:00 +0000] \"GET /?page=2 HTTP/1.1\" REDACTED - 2 \"REDACTED\" \"-\" \"curl/8.4.0\" \"1.2.3.0, 5.6.7.0\"\n"
    );
    check_finds_then_clean(&["--format", fmt], line);
    // `--redact-param` reaches `$arg_NAME`
    let fmt = "nginx:$remote_addr $arg_tracking";
    assert_eq!(
        loganon()
            .arg("anonymize")
            .args(["--format", fmt, "--redact-param", "tracking"])
            .stdin("10.1.2.3 xyz\n")
            .stdout(),
        "10.1.2.0 REDACTED\n"
    );
    assert_eq!(
        loganon()
            .arg("anonymize")
            .args(["--format", fmt])
            .stdin("10.1.2.3 xyz\n")
            .stdout(),
        "10.1.2.0 xyz\n"
    );
}

#[test]
fn apache_named_directives_by_role() {
    let fmt = r#"%h %{REMOTE_USER}e %t "%r" %>s "%{X-Api-Key}i" "%{sid}C" "%{X-Forwarded-Email}i" "%{User-Agent}i""#;
    let line = "1.2.3.4 frank [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 \"k-123\" \"s1\" \"frank@example.com\" \"Mozilla/5.0\"\n";
    assert_eq!(
        loganon().arg("anonymize").args(["--format", fmt]).stdin(line).stdout(),
        "1.2.3.0 - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 \"REDACTED\" \"REDACTED\" \"-\" \"Mozilla/5.0\"\n"
    );
    check_finds_then_clean(&["--format", fmt], line);
}

const EMBEDDED: &str = r#"x 2002:c633:6407::1 64:ff9b::198.51.100.7 y
from dsl-84-12-3-5.dyn.example.net to ec2-54-12-34-56.compute-1.amazonaws.com via 54.12.34.56.nip.io and ip-10-1-2-3.ec2.internal
ptr 5.3.12.84.in-addr.arpa b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa
"GET http://3325256781/a HTTP/1.1" "http://0xc633644d/" "http://0XC633644D:8080/x"
{"host":"DSL-84-12-3-5.DYN.EXAMPLE.NET","ptr":"5.3.12.84.IN-ADDR.ARPA","u":"http:\/\/3325256781\/"}
q=dsl%2D84%2D12%2D3%2D5.dyn.example.net&h=5%2E3%2E12%2E84%2Ein-addr%2Earpa
johns-iphone.lan - bob [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1
2002:c633:6407::1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1
"#;

const EMBEDDED_OUT: &str = r#"x 2002:c633:6400:: 64:ff9b::c633:6400 y
from dsl-84-12-3-0.dyn.example.net to ec2-54-12-34-0.compute-1.amazonaws.com via 54.12.34.0.nip.io and ip-10-1-2-0.ec2.internal
ptr 0.3.12.84.in-addr.arpa 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa
"GET http://3325256704/a HTTP/1.1" "http://0xc6336400/" "http://0XC6336400:8080/x"
{"host":"DSL-84-12-3-0.DYN.EXAMPLE.NET","ptr":"0.3.12.84.IN-ADDR.ARPA","u":"http:\/\/3325256704\/"}
q=dsl%2D84%2D12%2D3%2D0.dyn.example.net&h=0%2E3%2E12%2E84%2Ein-addr%2Earpa
lan - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1
2002:c633:6400:: - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1
"#;

#[test]
fn addresses_inside_addresses_and_names() {
    assert_eq!(loganon().arg("anonymize").stdin(EMBEDDED).stdout(), EMBEDDED_OUT);
    // each line on its own is found by check, and its output is clean
    for line in EMBEDDED.lines() {
        check_finds_then_clean(&[], &format!("{line}\n"));
    }
    // anonymizing again changes nothing
    assert_eq!(loganon().arg("anonymize").stdin(EMBEDDED_OUT).stdout(), EMBEDDED_OUT);
    // a /16 policy
    assert_eq!(
        loganon()
            .arg("anonymize")
            .args(["--ipv4-prefix", "16"])
            .stdin("2002:c633:6407::1 64:ff9b::198.51.100.7 ip-10-1-2-3.ec2.internal 5.3.12.84.in-addr.arpa\n")
            .stdout(),
        "2002:c633:: 64:ff9b::c633:0 ip-10-1-0-0.ec2.internal 0.0.12.84.in-addr.arpa\n"
    );
    // not addresses: left alone (under a wildcard DNS service a host's
    // first label written as one number is one: see `shapes_hidden.rs`)
    let same = "2013-11-22 10-84-12-3-5.dyn.example.net /img/a-1-2-3-4.png http://3325256781.example.com/ 3.12.84.in-addr.arpa\n";
    assert_eq!(loganon().arg("anonymize").stdin(same).stdout(), same);
}

#[test]
fn embedded_addresses_in_keyed_modes() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "11".repeat(32)).unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let k = key.to_str().unwrap();
    for mode in ["hash", "cryptopan"] {
        let args = ["--ip-mode", mode, "--key-file", k];
        let out = loganon().arg("anonymize").args(args).stdin(EMBEDDED).stdout();
        // the forms stay
        assert!(out.contains(" 2002:") && out.contains(" 64:ff9b::"), "{out}");
        assert!(
            out.contains(".in-addr.arpa") && out.contains(".ip6.arpa") && out.contains("http://0x"),
            "{out}"
        );
        // nothing of the embedded addresses is left
        for gone in ["c633:64", "84-12-3-", "5.3.12.84", "3325256781", "c633644d", "johns"] {
            assert!(!out.contains(gone), "{mode}: {gone} in {out}");
        }
        if mode == "hash" {
            // a plain address and the same address embedded become the same pseudonym
            let one = loganon()
                .arg("anonymize")
                .args(args)
                .stdin("198.51.100.7 dsl-198-51-100-7.example.net\n")
                .stdout();
            let (a, b) = one.trim().split_once(' ').unwrap();
            assert_eq!(b, format!("dsl-{}.example.net", a.replace('.', "-")), "{one}");
            let check = loganon()
                .args(["check", "--ip-mode", "hash"])
                .stdin(out.as_bytes())
                .output();
            assert_eq!(
                check.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&check.stdout)
            );
        }
    }
}
