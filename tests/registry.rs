//! The format registry (issue 13): the `--format` names, their help, the
//! per-format counters and the detection order all come from one table,
//! `loganon::formats::registry::FORMATS`.

use std::io::Write;
use std::process::{Command, Stdio};

use loganon::formats::registry::{self, FORMATS};
use loganon::formats::{Format, Parsed};
use loganon::stats::Stats;

fn loganon(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loganon"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn every_named_format_parses_back_from_its_name() {
    let names = registry::names();
    assert_eq!(
        names,
        [
            "auto",
            "common",
            "combined",
            "vhost_combined",
            "json",
            "w3c",
            "alb",
            "elb",
            "s3",
            "haproxy",
            "squid"
        ]
    );
    for name in &names {
        let f = Format::from_name(name).unwrap();
        assert_eq!(f.to_string(), *name);
    }
    // the counters of the templates are no `--format` names
    assert!(Format::from_name("apache_logformat").is_err());
    assert!(Format::from_name("nginx_log_format").is_err());
    // the former variants are still there, as names
    assert_eq!(Format::Json, Format::from_name("json").unwrap());
    assert_eq!(Format::VhostCombined.to_string(), "vhost_combined");
}

#[test]
fn the_unknown_format_error_and_the_help_list_every_name() {
    let err = Format::from_name("nope").unwrap_err();
    let (code, help, _) = loganon(&["anonymize", "--help"], "");
    assert_eq!(code, 0);
    let (code, short, _) = loganon(&["anonymize", "-h"], "");
    assert_eq!(code, 0);
    for f in FORMATS.iter().filter(|f| f.help.is_some()) {
        assert!(err.contains(&format!(" {},", f.name)), "{err}");
        assert!(short.contains(&format!(" {},", f.name)), "{short}");
        assert!(help.contains(&format!("  {}: {}", f.name, f.help.unwrap())), "{help}");
    }
    let (code, _, err) = loganon(&["anonymize", "--format", "nope"], "");
    assert_eq!(code, 2);
    assert!(err.contains("accepted: auto, common, combined, vhost_combined, json, w3c, alb, elb, s3, haproxy, squid, an Apache LogFormat string (with %), or nginx:LOG_FORMAT"), "{err}");
}

#[test]
fn the_counters_are_the_registry_in_its_order() {
    let mut s = Stats::default();
    for p in Parsed::all() {
        s.parsed[p.index()] = p.index() as u64 + 1;
    }
    let text = s.to_text(0.0);
    assert!(
        text.contains(
            "parsed 78 (common=1 combined=2 vhost_combined=3 json=4 w3c=5 alb=6 elb=7 s3=8 haproxy=9 \
             apache_logformat=10 nginx_log_format=11 squid=12)"
        ),
        "{text}"
    );
    let json = s.to_json(0.0);
    let per = json["parsed_per_format"].as_object().unwrap();
    assert_eq!(per.len(), FORMATS.len());
    for (i, f) in FORMATS.iter().enumerate() {
        assert_eq!(per[f.name], i as u64 + 1, "{}", f.name);
    }
}

/// One line of each detected format, fed to `--format auto`: each is
/// counted under its own format, in the detection order's sense (a W3C
/// `#Fields:` line sets the columns of the line after it).
#[test]
fn auto_detection_counts_each_line_under_its_format() {
    let lines = [
        r#"1.2.3.4 - - [01/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200 1"#,
        r#"1.2.3.4 - - [01/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200 1 "-" "curl""#,
        r#"example.com:80 1.2.3.4 - - [01/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200 1 "-" "curl""#,
        r#"{"time":"2026-01-01T10:00:00Z","remote_addr":"1.2.3.4"}"#,
        r#"h2 2026-01-01T10:00:00.186641Z app/lb/50dc 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" - -"#,
        r#"2026-01-01T10:00:00.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#,
        r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:10:00:00 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /bucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#,
        r#"4.3.2.1:55008 [01/Jan/2026:10:00:00.584] ft~ bk/abc 0/0/0/72/72 200 7456 - - ---- 5/4/0/1/0 0/0 "POST /user/ HTTP/1.1""#,
        "1767261600.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x - DIRECT/93.184.216.34 text/html",
        "2026-01-01 10:00:00 10.0.0.1 GET /a - 80 - 1.2.3.4 Mozilla - 200 0 0 15",
        "#Fields: date time c-ip sc-status",
        "2026-01-01 10:00:00 1.2.3.4 200",
    ];
    let input = lines.join("\n") + "\n";
    let (code, _, err) = loganon(&["anonymize", "--stats", "text"], &input);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "parsed 12 (common=1 combined=1 vhost_combined=1 json=1 w3c=3 alb=1 elb=1 s3=1 haproxy=1 squid=1), unparsed 0"
        ),
        "{err}"
    );
}
