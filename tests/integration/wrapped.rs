//! Exact outputs for lines that are wrapped, nested or broken (issue 11,
//! items 1, 2, 4 and the user-field part of 9): each keeps the roles of its
//! fields. For each raw line `check` must also find the personal data, and
//! for each output line nothing.

use loganon::check::check_bytes;
use loganon::engine::Options;
use loganon::formats::Format;
use loganon::rules::Rules;
use loganon::Engine;

use crate::common;

#[track_caller]
fn cases_with(e: &Engine, list: &[(&str, &str)]) {
    common::cases_checked(e, Some(&Rules::default()), list)
}

#[track_caller]
fn cases(list: &[(&str, &str)]) {
    cases_with(&Engine::default(), list)
}

const CLF: &str = r#"1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET /a?x=1 HTTP/1.1" 200 5 "-" "curl/8.4.0""#;
const CLF_OUT: &str = r#"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET /a?x=1 HTTP/1.1" 200 5 "-" "curl/8.4.0""#;

#[test]
fn syslog_and_container_prefixes() {
    let prefixes = [
        "<134>Jan  1 10:00:00 web1 nginx: ",
        "Jan 11 10:00:00 web1 httpd[812]: ",
        "2026-01-01T10:00:00.123456+00:00 web1 nginx: ",
        "<190>1 2026-01-01T10:00:00.003Z web1 nginx 4242 access - ",
        "<190>1 2026-01-01T10:00:00Z web1 nginx - - [origin ip=\"10.0.0.9\"] ",
        "2026-01-01T10:00:00.123456789Z stdout F ",
        // a container line wrapping a syslog line
        "2026-01-01T10:00:00Z stderr F <134>Jan  1 10:00:00 web1 nginx: ",
        // no host, fractions, a year, a space-separated time, Heroku
        "<134>Jan  1 10:00:00 nginx: ",
        "<134>Jan  1 10:00:00.123 web1 nginx: ",
        "<134>Jan  1 2026 10:00:00 web1 nginx: ",
        "2026-01-01 10:00:00 web1 nginx: ",
        "2026-01-01T10:00:00+00:00 app[web.1]: ",
    ];
    let list: Vec<(String, String)> = prefixes
        .iter()
        .map(|p| {
            (
                format!("{p}{CLF}"),
                format!("{}{CLF_OUT}", p.replace("10.0.0.9", "10.0.0.0")),
            )
        })
        .collect();
    let list: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    cases(&list);
    cases(&[
        // HAProxy after a syslog prefix that holds an `addr:port [` of its own
        (
            "<134>Jan  1 10:00:00 10.1.2.3:514 [x] haproxy[1]: 198.51.100.7:4242 [01/Jan/2026:10:00:00.123] fe be/s1 0/0/1/2/3 200 512 sid=abc - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"",
            "<134>Jan  1 10:00:00 10.1.2.0:514 [x] haproxy[1]: 198.51.100.0:4242 [01/Jan/2026:10:00:00.123] fe be/s1 0/0/1/2/3 200 512 REDACTED - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"",
        ),
    ]);
}

#[test]
fn lines_inside_json_strings() {
    cases(&[
        // Docker json-file, with a redacted value before an escaped quote
        (
            r#"{"log":"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] "GET /?token=abc" 200 5 "-" "UA"
","stream":"stdout"}"#,
            r#"{"log":"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET /?token=REDACTED" 200 5 "-" "UA"
","stream":"stdout"}"#,
        ),
        (
            r#"{"log":"1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"curl\"\n","stream":"stdout","time":"2026-01-01T10:00:00Z"}"#,
            r#"{"log":"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"curl\"\n","stream":"stdout","time":"2026-01-01T10:00:00Z"}"#,
        ),
        // serialized JSON in a message
        (
            r#"{"level":"info","msg":"{\"client_ip\":\"1.2.3.4\",\"user\":\"bob\",\"password\":\"hunter2\",\"path\":\"/x\"}"}"#,
            r#"{"level":"info","msg":"{\"client_ip\":\"1.2.3.0\",\"user\":\"-\",\"password\":\"REDACTED\",\"path\":\"/x\"}"}"#,
        ),
        // a logged login body, its quotes as \u0022
        (
            r#"{"body":"{\u0022username\u0022:\u0022alice\u0022,\u0022remember\u0022:true}","status":200}"#,
            r#"{"body":"{\u0022username\u0022:\u0022-\u0022,\u0022remember\u0022:true}","status":200}"#,
        ),
        // nested twice: a Docker record of a JSON access log
        (
            r#"{"log":"{\"remote_addr\":\"1.2.3.4\",\"remote_user\":\"bob\",\"msg\":\"{\\\"token\\\":\\\"t0k3n\\\"}\"}\n","stream":"stdout"}"#,
            r#"{"log":"{\"remote_addr\":\"1.2.3.0\",\"remote_user\":\"-\",\"msg\":\"{\\\"token\\\":\\\"REDACTED\\\"}\"}\n","stream":"stdout"}"#,
        ),
        // a Docker record of a CLF line cut short
        (
            r#"{"log":"1.2.3.4 - bob\n","stream":"stdout"}"#,
            r#"{"log":"1.2.3.0 - -\n","stream":"stdout"}"#,
        ),
        (
            r#"{"log":"1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\n","stream":"stdout"}"#,
            r#"{"log":"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\n","stream":"stdout"}"#,
        ),
        // a Docker record of a syslog-wrapped CLF line
        (
            r#"{"log":"<134>Jan  1 10:00:00 web1 nginx: 1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"}"#,
            r#"{"log":"<134>Jan  1 10:00:00 web1 nginx: 1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"}"#,
        ),
    ]);
    // an object after text, cut short, or followed by text
    cases(&[
        (
            r#"{"msg":"request done {\"remote_user\":\"bob\",\"cookie\":\"a=b\"}"}"#,
            r#"{"msg":"request done {\"remote_user\":\"-\",\"cookie\":\"REDACTED\"}"}"#,
        ),
        (
            r#"{"msg":"{\"remote_user\":\"bob\"} tail"}"#,
            r#"{"msg":"{\"remote_user\":\"-\"} tail"}"#,
        ),
    ]);
    // strings that hold no line are left as they were
    cases(&[(
        r#"{"ua":"Mozilla/5.0 (\"x\") [en]","n":1}"#,
        r#"{"ua":"Mozilla/5.0 (\"x\") [en]","n":1}"#,
    )]);
}

#[test]
fn broken_clf_lines() {
    cases(&[
        // nginx's $time_iso8601, and other times
        (
            r#"1.2.3.4 - bob [2026-01-01T10:00:00+00:00] "GET / HTTP/1.1" 200 5"#,
            r#"1.2.3.0 - - [2026-01-01T10:00:00+00:00] "GET / HTTP/1.1" 200 5"#,
        ),
        (
            r#"1.2.3.4 - bob [1767261600.123] "GET / HTTP/1.1" 200 5"#,
            r#"1.2.3.0 - - [1767261600.123] "GET / HTTP/1.1" 200 5"#,
        ),
        (
            r#"1.2.3.4 - bob [1767261600] "GET / HTTP/1.1" 200 5"#,
            r#"1.2.3.0 - - [1767261600] "GET / HTTP/1.1" 200 5"#,
        ),
        // an address inside the time brackets
        (
            r#"1.2.3.4 - - [01/Jan/2026:10:00:00 from 5.6.7.8] "GET / HTTP/1.1" 200 5"#,
            r#"1.2.3.0 - - [01/Jan/2026:10:00:00 from 5.6.7.0] "GET / HTTP/1.1" 200 5"#,
        ),
        // tabs between the fields
        (
            "1.2.3.4\t-\tbob\t[01/Jan/2026:10:00:00 +0000]\t\"GET / HTTP/1.1\"\t200\t5",
            "1.2.3.0\t-\t-\t[01/Jan/2026:10:00:00 +0000]\t\"GET / HTTP/1.1\"\t200\t5",
        ),
        // cut right after the user field, or inside the time
        ("1.2.3.4 - bob", "1.2.3.0 - -"),
        ("1.2.3.4 - bob [01/Ja", "1.2.3.0 - - [01/Ja"),
        ("2001:db8::1 - bob@example.com", "2001:db8:: - -"),
        // ... also after a prefix: a truncated syslog message, a CRI partial line
        (
            r#"<134>Jan  1 10:00:00 web1 nginx: 1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1"#,
            r#"<134>Jan  1 10:00:00 web1 nginx: 1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1"#,
        ),
        (
            "<134>Jan  1 10:00:00 web1 nginx: 1.2.3.4 - bob",
            "<134>Jan  1 10:00:00 web1 nginx: 1.2.3.0 - -",
        ),
        (
            r#"2026-01-01T10:00:00.123Z stdout P 1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET / HT"#,
            r#"2026-01-01T10:00:00.123Z stdout P 1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET / HT"#,
        ),
        // a JSON-escaped quote ends a redacted value
        (
            r#"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "UA" "x "token=abc" y""#,
            r#"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "UA" "x "token=REDACTED" y""#,
        ),
        // a user name with a space is one field
        (
            r#"1.2.3.4 - john doe [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#,
            r#"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#,
        ),
        (
            r#"1.2.3.4 - "john doe" [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#,
            r#"1.2.3.0 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#,
        ),
    ]);
    // a plain time stays, and so does a line that only looks like a head:
    // a pid or a time is no client, four `-` are no user with a space
    let keep = [
        CLF_OUT,
        "1.2.3.0 ok 2001:db8::",
        "2022-06-08 22:49:20.774649 [NOTICE] [1226033] [1.2.3.0:45164:HTTP2-41#_AdminVHost] [STDERR] x",
        r#"2025-12-31T19:00:00.310000000+01:00 stdout F [2016-04-15T20:17:00.310Z] "POST /api HTTP/2" 204 - 154 0 226 100 "10.0.35.0" "nsq2http""#,
        r#"66.249.66.0 - - - [31/Jan/2015:14:29:44 ] fail2ban.org "GET / HTTP/1.1" 200 814 "-" "UA""#,
        // text after an address and a dash, and application logs
        "8.8.8.0 - ping timeout after 3 retries",
        "2026-01-01 10:00:00 INFO server started on port 8080",
        "2026-01-01 12:00:00 DEBUG user bob logged in from 10.0.0.0",
        r#"2026-01-01 10:00:00 Started GET "/users" for 10.0.0.0"#,
    ];
    cases(&keep.map(|l| (l, l)));
}

#[test]
fn broken_json_lines() {
    cases(&[
        (
            r#"{"remote_user":"bob","x":1} trailing"#,
            r#"{"remote_user":"-","x":1} trailing"#,
        ),
        (r#"{"remote_user":"bo"#, r#"{"remote_user":"-"#),
        (
            r#"{"remote_addr":"1.2.3.4","remote_user":"bob","request":"GET /?token=ab"#,
            r#"{"remote_addr":"1.2.3.0","remote_user":"-","request":"GET /?token=REDACTED"#,
        ),
        (r#"{"a":{"cookie":"sid=1"},"b":"#, r#"{"a":{"cookie":"REDACTED"},"b":"#),
        // Python's json writes NaN and Infinity: no break there
        (
            r#"{"x":NaN,"y":-Infinity,"remote_user":"bob"}"#,
            r#"{"x":NaN,"y":-Infinity,"remote_user":"-"}"#,
        ),
    ]);
}

#[test]
fn w3c_without_fields_directive() {
    cases(&[
        // the IIS default columns' shape
        (
            "2026-01-01 00:00:01 10.0.0.5 GET /api/v1/items email=jane%40example.com&ref=signup 443 CONTOSO\\jdoe 52.45.125.4 Mozilla/5.0+(X11) - 404 0 0 252",
            "2026-01-01 00:00:01 10.0.0.0 GET /api/v1/items email=REDACTED&ref=signup 443 - 52.45.125.0 Mozilla/5.0+(X11) - 404 0 0 252",
        ),
        // IIS's fixed column order with other columns chosen: the user is
        // after the port, before the client
        (
            "2026-01-01 00:00:01 W3SVC1 web01 10.0.0.5 GET /x - 80 jdoe 52.45.125.4 HTTP/1.1 curl/8 www.example.com 200 0",
            "2026-01-01 00:00:01 W3SVC1 web01 10.0.0.0 GET /x - 80 - 52.45.125.0 HTTP/1.1 curl/8 www.example.com 200 0",
        ),
        // another shape: every bare word in it is taken for a user
        (
            "2026-01-01 00:00:01 GET /x jdoe 52.45.125.4 web01 LAX1 Hit https d111.cloudfront.net 200",
            "2026-01-01 00:00:01 GET /x - 52.45.125.0 - LAX1 Hit https d111.cloudfront.net 200",
        ),
    ]);
}

/// IIS writes the site's and the server's names (`s-sitename`,
/// `s-computername`) before the method and the user after it: a word before
/// the method is no user's name. It is still scanned.
#[test]
fn headerless_w3c_keeps_the_server_name() {
    cases(&[
        (
            "2026-01-01 00:00:01 W3SVC1 web01 10.0.0.5 GET /x jdoe 52.45.125.4 curl/8 200",
            "2026-01-01 00:00:01 W3SVC1 web01 10.0.0.0 GET /x - 52.45.125.0 curl/8 200",
        ),
        (
            "2026-01-01 00:00:01 W3SVC1 iis-prod-07 GET /x - 80 jdoe 52.45.125.4 curl/8 200",
            "2026-01-01 00:00:01 W3SVC1 iis-prod-07 GET /x - 80 - 52.45.125.0 curl/8 200",
        ),
        // scanned: an address glued to the name goes
        (
            "2026-01-01 00:00:01 W3SVC1 web01x10.0.0.7 GET /x jdoe 52.45.125.4 curl/8 200",
            "2026-01-01 00:00:01 W3SVC1 web01x10.0.0.0 GET /x - 52.45.125.0 curl/8 200",
        ),
    ]);
}

#[test]
fn json_roles_of_ecs_and_otel() {
    cases(&[
        (
            r#"{"ip":3325256781,"client":{"ip":"198.51.100.7"},"user":{"id":"u-42","name":"bob","email":"b@example.com"}}"#,
            r#"{"ip":3325256704,"client":{"ip":"198.51.100.0"},"user":{"id":"-","name":"-","email":"-"}}"#,
        ),
        (
            r#"{"client.user.id":"77","url.username":"al","url.password":"pw","enduser.id":"x9","sub":"abc","client":{"user":{"name":"z"}}}"#,
            r#"{"client.user.id":"-","url.username":"-","url.password":"REDACTED","enduser.id":"-","sub":"-","client":{"user":{"name":"-"}}}"#,
        ),
        // a number under an address key that is no IPv4 integer
        (
            r#"{"client_ip":99999999999,"n":1}"#,
            r#"{"client_ip":"REDACTED","n":1}"#,
        ),
    ]);
    // names of things stay
    let plain = r#"{"service.name":"web","host.name":"h1","user_agent.name":"Chrome","user_agent":{"name":"Firefox"},"observer":{"name":"o"},"os":{"name":"Linux"},"process":{"name":"nginx"},"headers":[{"name":"Cookie","value":"REDACTED"}]}"#;
    cases(&[(plain, plain)]);
    // a top-level `name` is still a person's
    cases(&[(r#"{"name":"John Smith","n":1}"#, r#"{"name":"REDACTED","n":1}"#)]);
}

#[test]
fn a_named_format_falls_back_to_detection() {
    let e = Engine::new(Options {
        format: Format::Json,
        ..Options::default()
    });
    cases_with(&e, &[(CLF, CLF_OUT)]);
    let e = Engine::new(Options {
        format: Format::Common,
        ..Options::default()
    });
    cases_with(
        &e,
        &[(
            r#"{"remote_addr":"1.2.3.4","remote_user":"bob"}"#,
            r#"{"remote_addr":"1.2.3.0","remote_user":"-"}"#,
        )],
    );
}

#[test]
fn lone_carriage_returns_end_lines() {
    let e = Engine::default();
    let mut out = Vec::new();
    let mut stats = loganon::stats::Stats::default();
    let input = format!("{CLF}\r{CLF}\r\n{CLF}\r");
    e.chunk(input.as_bytes(), 1, 0, &mut out, &mut stats).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{CLF_OUT}\r{CLF_OUT}\r\n{CLF_OUT}\r")
    );
    assert_eq!(stats.lines_read, 3);
    let r = check_bytes(&Rules::default(), input.as_bytes());
    assert_eq!(r.counts.get("user-field"), Some(&3), "{:?}", r.counts);
}
