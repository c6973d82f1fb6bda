//! `testdata/sample.log`: the raw sample, what loganon must make of it with
//! the default options, and the raw values that must never be printed.

/// `testdata/sample.log`, as it is in the repository.
pub const SAMPLE: &str = include_str!("../../testdata/sample.log");

/// `testdata/sample.log` anonymized with the default options, line by line.
pub const SAMPLE_OUT: [&str; 9] = [
    r#"83.149.9.0 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#,
    r#"127.0.0.0 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
    r#"2001:db8:85a3:: - - [01/Jan/2026:00:00:01 +0000] "GET /login?email=REDACTED&next=%2Fhome HTTP/1.1" 302 0 "https://example.com/start" "curl/8.4.0""#,
    r#"example.net - - [01/Jan/2026:00:00:02 +0000] "GET /cart?item=42 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0""#,
    r#"www.example.org:443 [2001:db8::]:52100 - - [01/Jan/2026:00:00:03 +0000] "POST /pay?cc=REDACTED&token=REDACTED HTTP/2.0" 201 88 "-" "App/3.1 (device REDACTED)""#,
    r#"10.0.0.0, 192.0.2.0 - - [01/Jan/2026:00:00:04 +0000] "GET /status HTTP/1.1" 200 17 "-" "kube-probe/1.29" "198.51.100.0, 10.0.0.0" 0.003"#,
    r#"::ffff:203.0.113.0 - - [01/Jan/2026:00:00:05 +0000] "GET /?PHPSESSID=REDACTED HTTP/1.1" 200 3 "-" "support bot (contact: REDACTED)""#,
    r#"fe80:: - - [01/Jan/2026:00:00:06 +0000] "-" 408 -"#,
    r#"this is not an access log line, but it mentions 198.51.100.0 and user=REDACTED"#,
];

/// Raw values of `testdata/sample.log` that must never be printed.
pub const SAMPLE_SECRETS: [&str; 19] = [
    "83.149.9.216",
    "127.0.0.1",
    "frank",
    "8d3:1319:8a2e:370:7348",
    "jane.doe",
    "alice",
    "s3cret",
    "dsl-84-12-3-5",
    "0A1B2C3D4E5F",
    "2001:db8::1",
    "4111111111111111",
    "eyJhbGciOiJIUzI1NiJ9",
    "00:1a:2b:3c:4d:5e",
    "192.0.2.77",
    "198.51.100.23",
    "203.0.113.9",
    "9fj3k2l1",
    "ops@example.com",
    "mallory",
];

/// [`SAMPLE_OUT`] as the whole text loganon writes.
pub fn sample_out() -> String {
    let mut s = SAMPLE_OUT.join("\n");
    s.push('\n');
    s
}
