//! Format coverage over the real corpus (issue 5), and exact before/after
//! examples per format through the binary.

use crate::common::bin::loganon;
use crate::common::gz::decompressed;
use crate::common::shared::shared;

fn lines(b: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// Corpus files in a supported format, with the format `auto` must find for
/// at least 99% of their non-blank lines. Files left out hold several formats
/// (Envoy's JSON mixed with its text format, HAProxy HTTP lines mixed with
/// TLS errors and start-up messages, Traefik JSON with a plugin's DEBUG line),
/// or W3C data without its `#Fields:` directive (elastic-beats' IIS
/// x-forwarded-for samples, single CloudFront lines), which no parser can
/// assign columns to; their lines are still scrubbed by the generic rules, and
/// the corpus test checks them for leaks.
const FILES: &[(&str, &str)] = &[
    ("aws-log-parser/classic_loadbalancer_http_entry.csv", "elb"), // 1/1
    ("aws-log-parser/cloudfront-multiple.log", "w3c"),             // 8/8
    ("aws-log-parser/cloudfront-multiple.log.gz", "w3c"),          // 8/8
    ("aws-log-parser/loadbalancer_cloudfront_forward.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_cloudfront_forward_h2.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_cloudfront_forward_refused.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_http2_entry.csv", "alb"),        // 1/1
    ("aws-log-parser/loadbalancer_http2_entry.csv.gz", "alb"),     // 1/1
    ("aws-log-parser/loadbalancer_http2_entry_auth_error.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_http2_entry_auth_missing.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_http_entry.csv", "alb"),         // 1/1
    ("aws-log-parser/loadbalancer_https_entry.csv", "alb"),        // 1/1
    ("aws-log-parser/loadbalancer_lambda_entry.csv", "alb"),       // 1/1
    ("aws-log-parser/loadbalancer_lambda_failed_entry.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_secured_websockets_entry.csv", "alb"), // 1/1
    ("aws-log-parser/loadbalancer_websockets_entry.csv", "alb"),   // 1/1
    ("crowdsec-hub/apache-http-probing--apache-http-probing.log", "common"), // 77/77
    ("crowdsec-hub/apache2-malformed--apache2-logs.log", "combined"), // 11/11
    ("crowdsec-hub/aws-alb-logs--aws-alb-logs.log", "alb"),        // 14/14
    ("crowdsec-hub/caddy-logs--caddy-logs.log", "json"),           // 11/11
    (
        "crowdsec-hub/http-dos-bypass-cache--http_dos_bypass_cache.log",
        "combined",
    ), // 356/356
    ("crowdsec-hub/nginx-http-malformed--nginx_http-logs.log", "combined"), // 12/12
    (
        "crowdsec-hub/traefik_base-http-scenario--traefik_base-http-scenario.log",
        "json",
    ), // 80/80
    ("crowdsec-hub/traefik_clf--traefik_clf.log", "combined"),     // 7/7
    ("derived/elastic_apache_logs.gz", "combined"),                // 9999/10000
    ("elastic-beats/apache-access-darwin-2.4.23.log", "common"),   // 6/6
    ("elastic-beats/apache-access-test-vhost.log", "vhost_combined"), // 1/1
    ("elastic-beats/aws-elb-application-lb-http.log", "alb"),      // 10/10
    ("elastic-beats/aws-s3access-s3_server_access.log", "s3"),     // 5/5
    ("elastic-beats/iis-access-test-ipv6zone.log", "w3c"),         // 5/5
    ("elastic-beats/nginx-access-test.log", "combined"),           // 7/7
    ("elastic-examples/apache_logs", "combined"),                  // 9999/10000
    ("lnav/format_samples/alb_log.samples.txt", "alb"),            // 5/5
    ("lnav/format_samples/elb_log.samples.txt", "elb"),            // 5/5
    ("lnav/format_samples/s3_log.samples.txt", "s3"),              // 2/2
    ("lnav/logfile_access_log.0", "combined"),                     // 3/3
    ("lnav/logfile_access_log.1", "combined"),                     // 1/1
    ("lnav/logfile_caddy_log.0", "json"),                          // 39/39
    ("lnav/logfile_caddy_log.1", "json"),                          // 4/4
    ("lnav/logfile_cloudflare.1", "json"),                         // 15/15
    ("lnav/logfile_cloudflare.json", "json"),                      // 1/1
    ("lnav/logfile_nextcloud.0", "json"),                          // 5/5
    ("lnav/logfile_regexp_access_log.0", "vhost_combined"),        // 2/2
    ("lnav/logfile_shop_access_log.0", "combined"),                // 1000/1000
    ("lnav/logfile_w3c.0", "w3c"),                                 // 5/5
    ("lnav/logfile_w3c.2", "w3c"),                                 // 22/22
    ("lnav/logfile_w3c.4", "w3c"),                                 // 6/6
    ("lnav/logfile_w3c.6", "w3c"),                                 // 5/5
    ("lnav/logfile_w3c_big.0", "w3c"),                             // 254/254
    ("logstash-patterns-core/httpd_spec.lines.txt", "combined"),   // 3/3
    ("matomo-log-analytics/alb.log", "alb"),                       // 1/1
    ("matomo-log-analytics/amazon_cloudfront_web.log", "w3c"),     // 3/3
    ("matomo-log-analytics/caddy_json.log", "json"),               // 3/3
    ("matomo-log-analytics/common.log", "common"),                 // 1/1
    ("matomo-log-analytics/common.log.gz", "common"),              // 1/1
    ("matomo-log-analytics/common_complete.log", "vhost_combined"), // 1/1
    ("matomo-log-analytics/common_encoding_big5.log", "vhost_combined"), // 1/1
    ("matomo-log-analytics/common_vhost.log", "common"),           // 1/1
    ("matomo-log-analytics/haproxy.log", "haproxy"),               // 1/1
    ("matomo-log-analytics/icecast2.log", "combined"),             // 1/1
    ("matomo-log-analytics/iis.log", "w3c"),                       // 5/5
    ("matomo-log-analytics/iis_custom.log", "w3c"),                // 7/7
    ("matomo-log-analytics/incapsula_w3c.log", "w3c"),             // 6/6
    ("matomo-log-analytics/ncsa_extended.log", "combined"),        // 1/1
    ("matomo-log-analytics/netscaler.log", "w3c"),                 // 5/5
    ("matomo-log-analytics/nginx_json.log", "json"),               // 2/2
    ("matomo-log-analytics/ovh.log", "combined"),                  // 1/1
    ("matomo-log-analytics/s3.log", "s3"),                         // 1/1
    ("matomo-log-analytics/shoutcast.log", "w3c"),                 // 4/4
    ("matomo-log-analytics/splitted_date_and_time.log", "w3c"),    // 2/2
    ("matomo-log-analytics/static_ignores.log", "vhost_combined"), // 4/4
    ("matomo-log-analytics/traefik_json.log", "json"),             // 1/1
    ("nielsbasjes-logparser/hackers-access.log", "combined"),      // 3456/3456
    ("nielsbasjes-logparser/inputformat-access.log", "combined"),  // 1/1
    ("node-cloudfront-log-parser/kinesis-1-0.txt", "w3c"),         // 3/3
    ("node-cloudfront-log-parser/rtmp-1-0.txt", "w3c"),            // 8/8
    ("node-cloudfront-log-parser/web-1-0.txt", "w3c"),             // 4/4
];

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]
fn corpus_formats_are_recognised() {
    let Some(root) = shared("corpus") else { return };
    let mut problems = Vec::new();
    for (file, format) in FILES {
        let path = root.join(file);
        let p = path.to_str().unwrap();
        let out = loganon().args(["anonymize", "--stats", "json", p]).stdin(b"").output();
        if out.status.code() != Some(0) {
            problems.push(format!("{file}: exit {:?}", out.status.code()));
            continue;
        }
        let stats: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stats json");
        let input = decompressed(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let in_lines = lines(&input);
        let non_blank = in_lines
            .iter()
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count() as f64;
        let parsed = stats["parsed_per_format"][format].as_f64().unwrap_or(0.0);
        if parsed / non_blank < 0.99 {
            problems.push(format!("{file}: {parsed} of {non_blank} lines parsed as {format}"));
        }
        let out_lines = lines(&out.stdout);
        if out_lines.len() != in_lines.len() {
            problems.push(format!("{file}: {} lines in, {} out", in_lines.len(), out_lines.len()));
        }
        if *format == "json" {
            for (i, (a, b)) in in_lines.iter().zip(&out_lines).enumerate() {
                let json_in = serde_json::from_slice::<serde_json::Value>(a).is_ok();
                if json_in && serde_json::from_slice::<serde_json::Value>(b).is_err() {
                    problems.push(format!("{file}:{}: valid JSON in, invalid out", i + 1));
                }
            }
        }
        let check = loganon().args(["check", "-"]).stdin(&out.stdout).output();
        if check.status.code() != Some(0) {
            problems.push(format!(
                "{file}: check finds: {}",
                String::from_utf8_lossy(&check.stdout)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn json_lines_by_role_and_still_valid() {
    let input = r#"{"ts":1693840791.75,"request":{"remote_ip":"172.17.0.1","client_ip":"2001:db8:1:2::7","uri":"/a?token=abc\"q&page=2","headers":{"Cookie":["sid=1"],"User-Agent":["curl/7.74.0 (ops@example.com)"]}},"user_id":42,"remote_user":"bob","x_forwarded_for":["1.2.3.4","5.6.7.8"],"status":200}
"#;
    let out = loganon().arg("anonymize").stdin(input).stdout();
    assert_eq!(
        out,
        r#"{"ts":1693840791.75,"request":{"remote_ip":"172.17.0.0","client_ip":"2001:db8:1::","uri":"/a?token=REDACTED&page=2","headers":{"Cookie":["REDACTED"],"User-Agent":["curl/7.74.0 (REDACTED)"]}},"user_id":"REDACTED","remote_user":"-","x_forwarded_for":["1.2.3.0","5.6.7.0"],"status":200}
"#
    );
    serde_json::from_str::<serde_json::Value>(out.trim()).expect("valid JSON");
}

#[test]
fn w3c_columns_by_directive_and_a_new_directive_mid_file() {
    let input = "#Version: 1.0\n\
#Fields: date time c-ip cs-username cs-uri-query cs(Cookie) sc-status\n\
2026-01-01 10:00:00 1.2.3.4 bob email=a%40b.com&x=1 sid=9 200\n\
#Fields: date time cs-username c-ip\n\
2026-01-01 10:00:01 alice 2001:db8::1\n";
    let expected = "#Version: 1.0\n\
#Fields: date time c-ip cs-username cs-uri-query cs(Cookie) sc-status\n\
2026-01-01 10:00:00 1.2.3.0 - email=REDACTED&x=1 REDACTED 200\n\
#Fields: date time cs-username c-ip\n\
2026-01-01 10:00:01 - 2001:db8::\n";
    assert_eq!(loganon().arg("anonymize").stdin(input).stdout(), expected);
    assert_eq!(
        loganon()
            .arg("anonymize")
            .args(["--format", "w3c", "-j", "2"])
            .stdin(input)
            .stdout(),
        expected
    );
}

#[test]
fn apache_logformat_and_nginx_log_format() {
    let fmt = r#"%h %l %u %t \"%r\" %>s %b \"%{Cookie}i\""#;
    let line = "1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] \"GET /?sid=x HTTP/1.0\" 200 5 \"a=b\"\n";
    assert_eq!(
        loganon().arg("anonymize").args(["--format", fmt]).stdin(line).stdout(),
        "1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET /?sid=REDACTED HTTP/1.0\" 200 5 \"REDACTED\"\n"
    );
    let nginx = r#"nginx:$remote_addr|$remote_user|$time_iso8601|$request|$http_cookie"#;
    assert_eq!(
        loganon()
            .arg("anonymize")
            .args(["--format", nginx])
            .stdin("10.1.2.3|carol|2026-01-01T00:00:00+00:00|GET / HTTP/1.1|s=1\n")
            .stdout(),
        "10.1.2.0|-|2026-01-01T00:00:00+00:00|GET / HTTP/1.1|REDACTED\n"
    );
    let bad = loganon().args(["anonymize", "--format", "%h%u"]).stdin(b"").output();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--format"));
}

#[test]
fn aws_and_haproxy() {
    let s3 = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.VERSIONING - \"GET /bucket?versioning HTTP/1.1\" 200 - 113 - 7 - \"-\" \"S3Console/0.4\" -\n";
    let out = loganon().arg("anonymize").args(["--stats", "json"]).stdin(s3).stdout();
    assert!(out.contains(" 192.0.2.0 - 3E57427F3EXAMPLE "), "{out}");
    let ha = "Sep 25 06:05:27 host haproxy[6801]: 4.3.2.1:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72/72 200 7456 SESSION=abc - ---- 5/4/0/1/0 0/0 \"POST /user/ HTTP/1.1\"\n";
    assert_eq!(
        loganon().arg("anonymize").stdin(ha).stdout(),
        "Sep 25 06:05:27 host haproxy[6801]: 4.3.2.0:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72/72 200 7456 REDACTED - ---- 5/4/0/1/0 0/0 \"POST /user/ HTTP/1.1\"\n"
    );
}

/// `crash-e40d53fe` (haproxy): `::c` passed for HAProxy's `client:port`, and
/// once truncated to `::` the line was no HAProxy line and read otherwise
/// (its ident and user blanked on a second pass); so did `0:::::DE8:55008`.
/// A client column needs an address and a port of digits now.
#[test]
fn a_haproxy_client_needs_a_port() {
    crate::fuzz_regressions::expect(
        "haproxy",
        &[
            (b"b 0 ::c [25/]  / / \n", b"b - - [25/]  / / \n"),
            (
                b"y 0:::::DE8:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72 200 x\n",
                b"y :: [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72 200 x\n",
            ),
            (
                b"<134>Sep 25 06:05:27 lb haproxy[6801]: 4.3.2.1:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72/72 200 1234 - - ---- 1/1/0/0/0 0/0 \"GET /x HTTP/1.1\"\n",
                b"<134>Sep 25 06:05:27 lb haproxy[6801]: 4.3.2.0:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72/72 200 1234 - - ---- 1/1/0/0/0 0/0 \"GET /x HTTP/1.1\"\n",
            ),
        ],
    );
}

/// `crash-6147ffc7` (w3c): a W3C line without a `#Fields:` directive has
/// its columns' roles guessed from what they hold: `00:1a:2b:3c:4d:5ew`
/// was scanned (a MAC) into `REDACTEDw`, which the next reading took for a
/// user's name. Such a line, once changed, is read again until nothing
/// changes.
#[test]
fn a_headerless_w3c_line_is_read_again_once_changed() {
    crate::fuzz_regressions::expect(
        "w3c",
        &[(
            b"2026-01-01 00:00:13 GET / 00:1a:2b:3c:4d:5ew\n",
            b"2026-01-01 00:00:13 GET / -\n",
        )],
    );
}

/// A W3C line without a `#Fields:` directive: a bare word after the path
/// in another script is a user's name as a Latin one is (fuzz
/// `crash-cae4e934`, a lone byte of a UTF-8 character, was kept).
#[test]
fn a_headerless_w3c_user_in_another_script_goes() {
    crate::fuzz_regressions::expect(
        "w3c",
        &[
            (
                "2026-01-01 00:00:13 GET /a 李雷\n".as_bytes(),
                b"2026-01-01 00:00:13 GET /a -\n".as_slice(),
            ),
            (b"2026-01-01 00:00:13 GET /a jdoe\n", b"2026-01-01 00:00:13 GET /a -\n"),
            (
                b"2026-01-01 00:00:35 GET /\"ip\":  \x8f\n",
                b"2026-01-01 00:00:35 GET /\"ip\":  -\n",
            ),
        ],
    );
}

/// A W3C line without a `#Fields:` directive: a quoted deny-listed name in
/// one column and its `:` opening a column after it, past empty ones
/// (fuzz `crash-cae4e934`, its second form: `"ip"  :d` kept `d`). The
/// value's column goes whole.
#[test]
fn a_headerless_w3c_pair_split_over_columns_goes() {
    crate::fuzz_regressions::expect(
        "w3c",
        &[
            (
                b"2026-01-01 00:00:35 GET /\"ip\"  :d\n".as_slice(),
                b"2026-01-01 00:00:35 GET /\"ip\"  REDACTED\n".as_slice(),
            ),
            (
                b"2026-01-01 00:00:35 GET /\"ip\" :d\n",
                b"2026-01-01 00:00:35 GET /\"ip\" REDACTED\n",
            ),
            // a name not on the deny list: kept
            (
                b"2026-01-01 00:00:35 GET /\"a\"  :d\n",
                b"2026-01-01 00:00:35 GET /\"a\"  :d\n",
            ),
        ],
    );
}
