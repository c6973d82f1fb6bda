//! Daily totals in every format (issue 13): one small file per format, each
//! holding the same four requests, gives exactly the same summary CSV, with
//! its status classes, its bytes and its distinct /24 networks, whatever
//! the format writes them as (JSON keys, W3C columns, the cloud formats'
//! and Squid's columns, a template's fields).

use std::fs;

use loganon::commands::run::totals::totals_of_file;
use loganon::formats::Format;
use loganon::summary::{Summary, CSV_HEADER};
use loganon::{Engine, Options};

/// The four requests: 2026-01-01 10:00, 11:00 and 12:00 UTC from 1.2.3.4,
/// 1.2.3.99 and 5.6.7.8, status 200, 304 and 404, 100, no and 20 bytes;
/// 2026-01-02 00:30 from 5.6.7.9, status 503, 3 bytes.
const WANT: &str = "2026-01-01,3,120,1,1,1,0,0,2,0\n2026-01-02,1,3,0,0,0,1,0,1,0\n";

/// The summary CSV of one file of `text` under `--format format`.
fn csv_of(format: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.log");
    fs::write(&path, text).unwrap();
    let engine = Engine::new(Options {
        format: Format::from_name(format).unwrap(),
        ..Options::default()
    });
    let days = totals_of_file(&engine, &path).unwrap();
    let mut s = Summary::default();
    s.add_file("f", &days);
    s.to_csv()
}

const CASES: &[(&str, &str, &str)] = &[
    (
        "combined",
        "combined",
        r#"1.2.3.4 - - [01/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200 100 "-" "curl"
1.2.3.99 - - [01/Jan/2026:11:00:00 +0000] "GET / HTTP/1.1" 304 - "-" "curl"
5.6.7.8 - - [01/Jan/2026:12:00:00 +0000] "GET / HTTP/1.1" 404 20 "-" "curl"
5.6.7.9 - - [01/Jan/2026:19:30:00 -0500] "GET / HTTP/1.1" 503 3 "-" "curl"
"#,
    ),
    (
        "json (nginx escape=json: strings)",
        "json",
        r#"{"time":"2026-01-01T10:00:00Z","remote_addr":"1.2.3.4","status":"200","body_bytes_sent":"100","bytes_sent":"400"}
{"time":"2026-01-01T11:00:00Z","remote_addr":"1.2.3.99","status":"304","body_bytes_sent":"-","bytes_sent":"300"}
{"time":"2026-01-01T12:00:00Z","remote_addr":"5.6.7.8","status":"404","body_bytes_sent":"20","bytes_sent":"320"}
{"time":"2026-01-02T00:30:00Z","remote_addr":"5.6.7.9","status":"503","body_bytes_sent":"3","bytes_sent":"303"}
"#,
    ),
    (
        "json (Caddy: numbers, the client with a port)",
        "auto",
        r#"{"level":"info","ts":1767261600.5,"request":{"remote_ip":"1.2.3.4:5001","size":9},"status":200,"size":100}
{"level":"info","ts":1767265200.5,"request":{"remote_ip":"1.2.3.99:5002","size":9},"status":304}
{"level":"info","ts":1767268800.5,"request":{"remote_ip":"5.6.7.8:5003","size":9},"status":404,"size":20}
{"level":"info","ts":1767313800.5,"request":{"remote_ip":"5.6.7.9:5004","size":9},"status":503,"size":3}
"#,
    ),
    (
        "json (ECS, nested)",
        "auto",
        r#"{"@timestamp":"2026-01-01T10:00:00Z","source":{"ip":"1.2.3.4"},"http":{"response":{"status_code":200,"body":{"bytes":100}}}}
{"@timestamp":"2026-01-01T11:00:00Z","source":{"ip":"1.2.3.99"},"http":{"response":{"status_code":304}}}
{"@timestamp":"2026-01-01T12:00:00Z","source":{"ip":"5.6.7.8"},"http":{"response":{"status_code":404,"body":{"bytes":20}}}}
{"@timestamp":"2026-01-02T00:30:00Z","source":{"ip":"5.6.7.9"},"http":{"response":{"status_code":503,"body":{"bytes":3}}}}
"#,
    ),
    (
        "w3c (IIS with sc-bytes)",
        "w3c",
        "#Software: Microsoft Internet Information Services 10.0
#Fields: date time s-ip cs-method cs-uri-stem c-ip sc-status sc-substatus sc-bytes
2026-01-01 10:00:00 10.0.0.1 GET /a 1.2.3.4 200 0 100
2026-01-01 11:00:00 10.0.0.1 GET /a 1.2.3.99 304 0 -
2026-01-01 12:00:00 10.0.0.1 GET /a 5.6.7.8 404 0 20
2026-01-02 00:30:00 10.0.0.1 GET /a 5.6.7.9 503 0 3
",
    ),
    (
        "w3c (CloudFront, tabs)",
        "auto",
        "#Version: 1.0
#Fields:\tdate\ttime\tx-edge-location\tsc-bytes\tc-ip\tcs-method\tcs(Host)\tcs-uri-stem\tsc-status
2026-01-01\t10:00:00\tLAX1\t100\t1.2.3.4\tGET\td1.cloudfront.net\t/a\t200
2026-01-01\t11:00:00\tLAX1\t0\t1.2.3.99\tGET\td1.cloudfront.net\t/a\t304
2026-01-01\t12:00:00\tLAX1\t20\t5.6.7.8\tGET\td1.cloudfront.net\t/a\t404
2026-01-02\t00:30:00\tLAX1\t3\t5.6.7.9\tGET\td1.cloudfront.net\t/a\t503
",
    ),
    (
        "alb",
        "alb",
        r#"h2 2026-01-01T10:00:00.186641Z app/lb/50dc 1.2.3.4:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 100 "GET https://x.example:443/ HTTP/2.0" "curl/7.46.0" - -
https 2026-01-01T11:00:00.186641Z app/lb/50dc 1.2.3.99:48161 10.0.0.66:9000 0.000 0.002 0.000 304 304 5 0 "GET https://x.example:443/ HTTP/1.1" "curl/7.46.0" - -
http 2026-01-01T12:00:00.186641Z app/lb/50dc 5.6.7.8:48162 10.0.0.66:9000 0.000 0.002 0.000 404 404 5 20 "GET http://x.example:80/ HTTP/1.1" "curl/7.46.0" - -
h2 2026-01-02T00:30:00.186641Z app/lb/50dc 5.6.7.9:48163 - -1 -1 -1 503 - 5 3 "GET https://x.example:443/ HTTP/2.0" "curl/7.46.0" - -
"#,
    ),
    (
        "elb (a TCP listener's status is the backend's)",
        "auto",
        r#"2026-01-01T10:00:00.945958Z my-lb 1.2.3.4:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 100 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE TLSv1.2
2026-01-01T11:00:00.945958Z my-lb 1.2.3.99:2818 10.0.0.1:80 0.000086 0.001048 0.001337 - 304 0 - "- - - " "-" - -
2026-01-01T12:00:00.945958Z my-lb 5.6.7.8:2819 10.0.0.1:80 0.000086 0.001048 0.001337 404 404 0 20 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE TLSv1.2
2026-01-02T00:30:00.945958Z my-lb 5.6.7.9:2820 10.0.0.1:80 0.000086 0.001048 0.001337 503 503 0 3 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE TLSv1.2
"#,
    ),
    (
        "s3",
        "s3",
        r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:10:00:00 +0000] 1.2.3.4 - 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 200 - 100 100 7 - "-" "curl" -
79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:11:00:00 +0000] 1.2.3.99 - 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 304 - - 100 7 - "-" "curl" -
79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:12:00:00 +0000] 5.6.7.8 - 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 404 NoSuchKey 20 - 7 - "-" "curl" -
79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [02/Jan/2026:00:30:00 +0000] 5.6.7.9 - 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /bucket/k HTTP/1.1" 503 SlowDown 3 - 7 - "-" "curl" -
"#,
    ),
    (
        "haproxy (syslog, logasap's +)",
        "haproxy",
        r#"Jan  1 10:00:00 host haproxy[6801]: 1.2.3.4:55008 [01/Jan/2026:10:00:00.584] ft~ bk/abc 0/0/0/72/72 200 +100 - - ---- 5/4/0/1/0 0/0 "GET / HTTP/1.1"
Jan  1 11:00:00 host haproxy[6801]: 1.2.3.99:55009 [01/Jan/2026:11:00:00.584] ft~ bk/abc 0/0/0/72/72 304 0 - - ---- 5/4/0/1/0 0/0 "GET / HTTP/1.1"
Jan  1 12:00:00 host haproxy[6801]: 5.6.7.8:55010 [01/Jan/2026:12:00:00.584] ft~ bk/abc 0/0/0/72/72 404 20 - - ---- 5/4/0/1/0 0/0 "GET / HTTP/1.1"
Jan  2 00:30:00 host haproxy[6801]: 5.6.7.9:55011 [02/Jan/2026:00:30:00.584] ft~ bk/abc 0/0/0/72/72 503 3 - - ---- 5/4/0/1/0 0/0 "GET / HTTP/1.1"
"#,
    ),
    (
        "squid",
        "squid",
        "1767261600.779    180 1.2.3.4 TCP_MISS/200 100 GET http://example.com/x - DIRECT/93.184.216.34 text/html
1767265200.779      3 1.2.3.99 TCP_REFRESH_UNMODIFIED/304 - GET http://example.com/x - DIRECT/93.184.216.34 -
1767268800.779      5 5.6.7.8 TCP_MISS/404 20 GET http://example.com/y - DIRECT/93.184.216.34 text/html
1767313800.779      9 5.6.7.9 TCP_MISS/503 3 GET http://example.com/z - HIER_NONE/- text/html
",
    ),
    (
        "Apache LogFormat (%>s, %O)",
        r#"%h %l %u %t \"%r\" %>s %O"#,
        r#"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 100
1.2.3.99 - - [01/Jan/2026:11:00:00 +0000] "GET / HTTP/1.1" 304 -
5.6.7.8 - - [01/Jan/2026:12:00:00 +0000] "GET / HTTP/1.1" 404 20
5.6.7.9 - - [02/Jan/2026:00:30:00 +0000] "GET / HTTP/1.1" 503 3
"#,
    ),
    (
        "nginx log_format ($body_bytes_sent before $bytes_sent)",
        "nginx:$remote_addr $time_iso8601 \"$request\" $bytes_sent $status $body_bytes_sent",
        r#"1.2.3.4 2026-01-01T11:00:00+01:00 "GET / HTTP/1.1" 400 200 100
1.2.3.99 2026-01-01T11:00:00+00:00 "GET / HTTP/1.1" 300 304 0
5.6.7.8 2026-01-01T12:00:00+00:00 "GET / HTTP/1.1" 320 404 20
5.6.7.9 2026-01-02T00:30:00+00:00 "GET / HTTP/1.1" 303 503 3
"#,
    ),
    (
        "wrapped: ALB after a syslog header",
        "auto",
        r#"<134>Jan  1 10:00:00 web1 lb: h2 2026-01-01T10:00:00.186641Z app/lb/50dc 1.2.3.4:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 100 "GET https://x.example:443/ HTTP/2.0" "curl/7.46.0" - -
<134>Jan  1 11:00:00 web1 lb: h2 2026-01-01T11:00:00.186641Z app/lb/50dc 1.2.3.99:48161 10.0.0.66:9000 0.000 0.002 0.000 304 304 5 0 "GET https://x.example:443/ HTTP/2.0" "curl/7.46.0" - -
<134>Jan  1 12:00:00 web1 lb: h2 2026-01-01T12:00:00.186641Z app/lb/50dc 5.6.7.8:48162 10.0.0.66:9000 0.000 0.002 0.000 404 404 5 20 "GET https://x.example:443/ HTTP/2.0" "curl/7.46.0" - -
<134>Jan  2 00:30:00 web1 lb: h2 2026-01-02T00:30:00.186641Z app/lb/50dc 5.6.7.9:48163 10.0.0.66:9000 0.000 0.002 0.000 503 503 5 3 "GET https://x.example:443/ HTTP/2.0" "curl/7.46.0" - -
"#,
    ),
];

#[test]
fn every_format_gives_the_same_totals() {
    let mut bad = Vec::new();
    for (what, format, text) in CASES {
        let got = csv_of(format, text);
        let want = format!("{CSV_HEADER}\n{WANT}");
        if got != want {
            bad.push(format!("{what}:\n  want: {want:?}\n  got:  {got:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} formats differ:\n{}",
        bad.len(),
        CASES.len(),
        bad.join("\n")
    );
}

#[test]
fn lines_without_a_status_or_bytes_count_as_other_and_zero() {
    // JSON without status or size keys, a W3C header without the columns,
    // IIS's default columns without a header (a status, no bytes), a
    // status that is no number, Squid's `NONE/000`
    let text = r#"{"time":"2026-01-01T10:00:00Z","remote_addr":"1.2.3.4"}
{"time":"2026-01-01T10:00:00Z","remote_addr":"1.2.3.4","status":"ok","size":"big"}
1767261600.779      0 1.2.3.4 NONE_NONE/000 0 NONE error:invalid-request - HIER_NONE/- text/html
2026-01-01 10:00:00 10.0.0.1 GET /a - 80 - 5.6.7.8 Mozilla - 404 0 0 15
#Fields: date time c-ip cs-method cs-uri-stem
2026-01-01 11:00:00 5.6.7.9 GET /a
"#;
    assert_eq!(
        csv_of("auto", text),
        format!("{CSV_HEADER}\n2026-01-01,5,0,0,0,1,0,4,2,0\n")
    );
}
