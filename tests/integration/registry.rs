//! The format registry (issue 13): the `--format` names, their help, the
//! per-format counters and the detection order all come from one table,
//! `loganon::formats::registry::FORMATS`.

use crate::common::bin::{loganon, text};

use loganon::formats::registry::{self, FORMATS};
use loganon::formats::{Format, Parsed};
use loganon::stats::Stats;

#[test]
fn every_named_format_parses_back_from_its_name() {
    // `auto`, then the registry's formats that have a `--format` name
    let names = registry::names();
    let named: Vec<&str> = FORMATS.iter().filter(|f| f.help.is_some()).map(|f| f.name).collect();
    assert_eq!(names[0], "auto");
    // then the aliases: `nginx` is nginx's default log_format, combined
    let aliases: Vec<&str> = registry::ALIASES.iter().map(|(a, _)| *a).collect();
    assert_eq!(aliases, ["nginx"]);
    assert_eq!(names[1..], [&named[..], &aliases[..]].concat()[..]);
    for name in &names[..names.len() - aliases.len()] {
        let f = Format::from_name(name).unwrap();
        assert_eq!(f.to_string(), *name);
    }
    assert_eq!(Format::from_name("nginx").unwrap().to_string(), "combined");
    // the counters of the templates are no `--format` names
    assert!(Format::from_name("apache_logformat").is_err());
    assert!(Format::from_name("nginx_log_format").is_err());
    // the former variants are still there, as names
    assert_eq!(Format::Json, Format::from_name("json").unwrap());
    assert_eq!(Format::VhostCombined.to_string(), "vhost_combined");
    // and as patterns
    let is_json = |f: &Format| matches!(f, &Format::Json);
    assert!(is_json(&Format::from_name("json").unwrap()));
    assert!(!is_json(&Format::Squid));
}

#[test]
fn the_unknown_format_error_and_the_help_list_every_name() {
    let err = Format::from_name("nope").unwrap_err().to_string();
    let help = loganon().args(["anonymize", "--help"]).stdout();
    let short = loganon().args(["anonymize", "-h"]).stdout();
    for f in FORMATS.iter().filter(|f| f.help.is_some()) {
        assert!(err.contains(&format!(" {},", f.name)), "{err}");
        assert!(short.contains(&format!(" {},", f.name)), "{short}");
        assert!(help.contains(&format!("  {}: {}", f.name, f.help.unwrap())), "{help}");
    }
    let err = text(
        &loganon()
            .args(["anonymize", "--format", "nope"])
            .assert_exit_code(2)
            .stderr,
    );
    let accepted = format!(
        "accepted: {}, an Apache LogFormat string (with %), or nginx:LOG_FORMAT",
        registry::names().join(", ")
    );
    assert!(err.contains(&accepted), "{err}");
}

#[test]
fn the_counters_are_the_registry_in_its_order() {
    let mut s = Stats::default();
    for p in Parsed::all() {
        s.parsed[p.index()] = p.index() as u64 + 1;
    }
    let text = s.to_text(0.0);
    let n = FORMATS.len() as u64;
    let each: Vec<String> = FORMATS
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{}={}", f.name, i + 1))
        .collect();
    let want = format!("parsed {} ({})", n * (n + 1) / 2, each.join(" "));
    assert!(text.contains(&want), "{text}");
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
        "[Thu Jan 01 10:00:00.123456 2026] [core:info] [pid 1:tid 2] [client 1.2.3.4:5] AH00128: File does not exist: /x",
        r#"2026/01/01 10:00:00 [error] 1#1: *7 user "bob" was not found in "/h", client: 1.2.3.4, server: s"#,
    ];
    let input = lines.join("\n") + "\n";
    let err = text(
        &loganon()
            .args(["anonymize", "--stats", "text"])
            .stdin(&input)
            .assert_exit_code(0)
            .stderr,
    );
    assert!(
        err.contains(
            "parsed 14 (common=1 combined=1 vhost_combined=1 json=1 w3c=3 alb=1 elb=1 s3=1 haproxy=1 squid=1 apache_error=1 nginx_error=1), unparsed 0"
        ),
        "{err}"
    );
}

// ------------------------------------------------------ the typed record

use loganon::formats::fields::Role;
use loganon::formats::record::record;
use loganon::formats::{recognise, Ctx};
use loganon::rules::DenyList;

/// The record of the last of `lines` under `format`, as `name=text` pairs
/// of the fields it has.
fn record_of(format: &str, lines: &[&str]) -> Vec<String> {
    let format = Format::from_name(format).unwrap();
    let deny = DenyList::default();
    let mut ctx = Ctx::default();
    let (last, before) = lines.split_last().unwrap();
    for l in before {
        recognise(&format, l.as_bytes(), &deny, &mut ctx);
    }
    let line = last.as_bytes();
    let rec = recognise(&format, line, &deny, &mut ctx);
    let r = record(&format, &rec, line, &ctx).expect("a record");
    let t = |r: &std::ops::Range<usize>| String::from_utf8_lossy(&line[r.clone()]).into_owned();
    let mut out = vec![format!("kind={}", r.kind.unwrap().name())];
    for (name, span) in [
        ("client", &r.client),
        ("user", &r.user),
        ("method", &r.method),
        ("path", &r.path),
        ("query", &r.query),
        ("referer", &r.referer),
        ("agent", &r.user_agent),
        ("time", &r.time),
        ("status", &r.status),
        ("bytes", &r.bytes),
    ] {
        if let Some(s) = span {
            out.push(format!("{name}={}", t(s)));
        }
    }
    for s in r.secrets() {
        out.push(format!("secret={}", t(&s)));
    }
    if let Some(u) = r.unix_time {
        out.push(format!("unix={u}"));
    }
    out
}

#[test]
fn every_format_gives_its_typed_record() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "auto",
            &[r#"h.example.com:80 1.2.3.4 id bob [01/Jan/2026:11:00:00 +0100] "GET /a?x=1 HTTP/1.1" 200 12 "http://r/" "curl/8""#],
            &[
                "kind=vhost_combined", "client=1.2.3.4", "user=bob", "method=GET", "path=/a", "query=x=1",
                "referer=http://r/", "agent=curl/8", "time=01/Jan/2026:11:00:00 +0100", "status=200", "bytes=12",
                "unix=1767261600",
            ],
        ),
        (
            "common",
            &[r#"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] "POST /login HTTP/1.1" 302 -"#],
            &[
                "kind=common", "client=1.2.3.4", "method=POST", "path=/login", "time=01/Jan/2026:10:00:00 +0000",
                "status=302", "bytes=-", "unix=1767261600",
            ],
        ),
        (
            "auto",
            &[
                "#Fields: date time c-ip cs-username cs-method cs-uri-stem cs-uri-query sc-status sc-bytes cs(User-Agent) cs(Referer) cs(Cookie)",
                "2026-01-01 10:00:00 1.2.3.4 bob GET /a x=1 404 7 Mozilla/5.0 http://r/ sid=42",
            ],
            &[
                "kind=w3c", "client=1.2.3.4", "user=bob", "method=GET", "path=/a", "query=x=1", "referer=http://r/",
                "agent=Mozilla/5.0", "time=2026-01-01", "status=404", "bytes=7", "secret=sid=42", "unix=1767261600",
            ],
        ),
        (
            "auto",
            &[r#"h2 2026-01-01T10:00:00.186641Z app/lb/50dc 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/p?q=1 HTTP/2.0" "curl/7.46.0" - -"#],
            &[
                "kind=alb", "client=10.0.1.252:48160", "method=GET", "path=https://10.0.2.105:773/p", "query=q=1",
                "agent=curl/7.46.0", "time=2026-01-01T10:00:00.186641Z", "status=200", "bytes=257", "unix=1767261600",
            ],
        ),
        (
            "auto",
            &[r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:10:00:00 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /bucket?versioning HTTP/1.1" 200 - 113 - 7 - "http://r/" "S3Console/0.4" -"#],
            &[
                "kind=s3", "client=192.0.2.3", "user=arn:aws:iam::123456789012:user/alice", "method=GET", "path=/bucket",
                "query=versioning", "referer=http://r/", "agent=S3Console/0.4", "time=[01/Jan/2026:10:00:00 +0000]",
                "status=200", "bytes=113", "unix=1767261600",
            ],
        ),
        (
            "auto",
            &[r#"4.3.2.1:55008 [01/Jan/2026:10:00:00.584] ft~ bk/abc 0/0/0/72/72 200 7456 sid=1 - ---- 5/4/0/1/0 0/0 "POST /user/ HTTP/1.1""#],
            &[
                "kind=haproxy", "client=4.3.2.1:55008", "method=POST", "path=/user/", "time=[01/Jan/2026:10:00:00.584]",
                "status=200", "bytes=7456", "secret=sid=1", "unix=1767261600",
            ],
        ),
        (
            "squid",
            &["1767261600.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x?a=b alice DIRECT/93.184.216.34 text/html"],
            &[
                "kind=squid", "client=192.168.0.224", "user=alice", "method=GET", "path=http://example.com/x", "query=a=b",
                "time=1767261600.779", "status=200", "bytes=411", "unix=1767261600",
            ],
        ),
        (
            "auto",
            &["[Thu Jan 01 10:00:00.123456 2026] [auth_basic:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01618: user bob not found: /p, referer: http://r/"],
            &[
                "kind=apache_error", "client=1.2.3.4", "user=bob", "referer=http://r/", "time=Thu Jan 01 10:00:00.123456 2026",
                "unix=1767261600",
            ],
        ),
        (
            "auto",
            &[r#"2026/01/01 10:00:00 [error] 1#1: *7 user "bob" was not found in "/h", client: 1.2.3.4, server: s, request: "GET /a?b=1 HTTP/1.1", host: "h", referrer: "http://r/""#],
            &[
                "kind=nginx_error", "client=1.2.3.4", "user=bob", "method=GET", "path=/a", "query=b=1", "referer=http://r/",
                "time=2026/01/01 10:00:00", "unix=1767261600",
            ],
        ),
        (
            "auto",
            &[r#"{"time":"2026-01-01T10:00:00Z","remote_addr":"1.2.3.4","status":200,"body_bytes_sent":5}"#],
            &[
                "kind=json", "client=1.2.3.4", "time=2026-01-01T10:00:00Z", "status=200", "bytes=5",
                "unix=1767261600",
            ],
        ),
        (
            r#"%h %l %u %t "%r" %>s %b"#,
            &[r#"1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1"#],
            &[
                "kind=apache_logformat", "client=1.2.3.4", "user=bob", "method=GET", "path=/a", "time=[01/Jan/2026:10:00:00 +0000]",
                "status=200", "bytes=1", "unix=1767261600",
            ],
        ),
        (
            r#"nginx:$remote_addr - $remote_user [$time_local] "$request_method $request_uri" $status "$http_referer" "$http_user_agent""#,
            &[r#"1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET /a?b=1" 200 "http://r/" "curl""#],
            &[
                "kind=nginx_log_format", "client=1.2.3.4", "user=bob", "method=GET", "path=/a", "query=b=1",
                "referer=http://r/", "agent=curl", "time=01/Jan/2026:10:00:00 +0000", "status=200", "unix=1767261600",
            ],
        ),
    ];
    for (format, lines, want) in cases {
        assert_eq!(record_of(format, lines), *want, "{format}: {}", lines.last().unwrap());
    }
}

#[test]
fn the_role_walk_of_a_clf_line() {
    let line = r#"h:80 1.2.3.4 id bob [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#;
    let deny = DenyList::default();
    let mut ctx = Ctx::default();
    let rec = recognise(&Format::Auto, line.as_bytes(), &deny, &mut ctx);
    let r = record(&Format::Auto, &rec, line.as_bytes(), &ctx).unwrap();
    let walk: Vec<(String, Role)> = r.roles().map(|(s, role)| (line[s].to_string(), role)).collect();
    let want = [
        ("h:80", Role::Generic),
        ("1.2.3.4", Role::Client),
        ("id", Role::User),
        ("bob", Role::User),
        ("01/Jan/2026:10:00:00 +0000", Role::Time),
        // the rest, with the request, the referer and the user agent apart
        // (each with its closing quote; the opening one is their context)
        (" ", Role::Generic),
        (r#"GET / HTTP/1.1""#, Role::Generic),
        (" 200 1 ", Role::Generic),
        (r#"-""#, Role::Generic),
        (" ", Role::Generic),
        (r#"-""#, Role::Generic),
    ];
    assert_eq!(walk, want.map(|(s, r)| (s.to_string(), r)));
    // an odd time is text, brackets and all, and a prefix is text too
    let line = r#"<13>Jan  1 10:00:00 web nginx: 1.2.3.4 - - [2026-01-01T10:00:00+00:00] "GET / HTTP/1.1" 200 1"#;
    let mut ctx = Ctx::default();
    let rec = recognise(&Format::Auto, line.as_bytes(), &deny, &mut ctx);
    let r = record(&Format::Auto, &rec, line.as_bytes(), &ctx).unwrap();
    let walk: Vec<(String, Role)> = r.roles().map(|(s, role)| (line[s].to_string(), role)).collect();
    let want = [
        ("<13>Jan  1 10:00:00 web nginx: ", Role::Generic),
        ("1.2.3.4", Role::Client),
        ("-", Role::User),
        ("-", Role::User),
        ("[2026-01-01T10:00:00+00:00]", Role::Generic),
        (" ", Role::Generic),
        (r#"GET / HTTP/1.1""#, Role::Generic),
        (" 200 1", Role::Generic),
    ];
    assert_eq!(walk, want.map(|(s, r)| (s.to_string(), r)));
    // `-` referer and agent are no fields
    assert_eq!((r.referer, r.user_agent), (None, None));
    // directives and unparsed lines have no record
    let mut ctx = Ctx::default();
    let rec = recognise(&Format::Auto, b"#Fields: c-ip", &deny, &mut ctx);
    assert!(record(&Format::Auto, &rec, b"#Fields: c-ip", &ctx).is_none());
    let mut ctx = Ctx::default();
    let rec = recognise(&Format::Auto, b"hello", &deny, &mut ctx);
    assert!(record(&Format::Auto, &rec, b"hello", &ctx).is_none());
}

// ------------------------------------- check reads lines through the walk

/// `check` takes which spans are which fields from the one role walk, and
/// judges them on its own: a CLF user is clean only as `-` or a hashed id
/// (REDACTED is not what the anonymizer writes there), a JSON or W3C user
/// also as REDACTED; a CLF line's users are reported before its client.
#[test]
fn check_judges_the_walked_fields_on_its_own() {
    let cases: &[(&str, &[&str])] = &[
        (
            r#"host.dsl.example.net - bob [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1"#,
            &["user-field", "client-hostname"],
        ),
        (
            r#"1.2.3.0 - REDACTED [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1"#,
            &["user-field"],
        ),
        (
            r#"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1"#,
            &[],
        ),
        (r#"{"remote_addr":"1.2.3.0","remote_user":"REDACTED"}"#, &[]),
        // (`remote_user` is on the deny list too: check's text rules read
        // the pair as well)
        (
            r#"{"remote_addr":"1.2.3.0","remote_user":"bob"}"#,
            &["user-field", "deny-listed-parameter"],
        ),
        (r#"{"remote_addr":"1.2.3.0","user.name":"bob"}"#, &["user-field"]),
        (
            "1767261600.779    180 192.168.0.0 TCP_MISS/200 411 GET http://example.com/x alice DIRECT/- text/html",
            &["user-field"],
        ),
    ];
    for (line, want) in cases {
        let report = loganon::check::check_bytes(&Default::default(), format!("{line}\n").as_bytes());
        let got: Vec<&str> = report.first.iter().map(|f| f.rule).collect();
        assert_eq!(got, *want, "{line}");
    }
}
