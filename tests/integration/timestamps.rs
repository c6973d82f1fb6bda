//! Issue 13, items 3 and 7: every format's own time is read, so `--max-age`
//! drops the old lines of every format (exact kept and dropped counts), the
//! keyed modes take the day of each line's own time, and only lines with no
//! time at all count as undated.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::bin::loganon;

/// `--now` of every run, and the cut of `--max-age 30d` from it.
const NOW: &str = "2026-01-01";
const CUT: i64 = 1_767_225_600 - 30 * 86400; // 2025-12-02T00:00:00Z

/// Old and new times: far back, one second before the cut, the cut itself
/// (kept: only lines before it go), and a new one.
const OLD: i64 = 1_367_409_600; // 2013-05-01T12:00:00Z
const JUST_OLD: i64 = CUT - 1;
const EDGE: i64 = CUT;
const NEW: i64 = 1_767_222_000; // 2025-12-31T23:00:00Z

/// Times as each format writes them (UTC unless the format says a zone).
fn fmt(t: i64, f: &str) -> String {
    jiff::Timestamp::from_second(t).unwrap().strftime(f).to_string()
}
fn clf(t: i64) -> String {
    fmt(t, "%d/%b/%Y:%H:%M:%S +0000")
}
fn iso(t: i64) -> String {
    fmt(t, "%Y-%m-%dT%H:%M:%S.123456Z")
}

/// `loganon anonymize --now NOW --stats json ARGS` of `content` written to a
/// file in `dir`.
fn anonymize_file(args: &[&str], dir: &Path, content: &str) -> Output {
    let p = dir.join("in.log");
    fs::write(&p, content).unwrap();
    loganon()
        .arg("anonymize")
        .args(["--now", NOW, "--stats", "json"])
        .args(args)
        .arg(&p)
        .output()
}

/// What one file must give.
#[derive(Clone, Copy)]
struct Want {
    format: &'static str,
    read: u64,
    expired: u64,
    undated: u64,
}

/// Runs `--max-age 30d` over `content` and checks the counters, and that
/// exactly the lines marked `keep` come out (`drop` lines are gone).
#[track_caller]
fn max_age(args: &[&str], content: &str, want: Want) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["--max-age", "30d"];
    all.extend_from_slice(args);
    let out = anonymize_file(&all, dir.path(), content);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let s: serde_json::Value = serde_json::from_str(&stderr).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let f = want.format;
    assert_eq!(s["lines_read"], want.read, "{f}: {s}");
    assert_eq!(s["expired"], want.expired, "{f}: {s}");
    assert_eq!(s["dropped"], want.expired, "{f}: {s}");
    assert_eq!(s["undated"], want.undated, "{f}: {s}");
    assert_eq!(s["lines_written"], want.read - want.expired, "{f}: {s}");
    assert_eq!(s["unparsed"], 0, "{f}: {s}");
    let parsed = s["parsed_per_format"][f].as_u64().unwrap();
    assert_eq!(parsed, want.read, "{f}: every line is recognised as {f}: {s}");
    // the lines kept are the `keep` ones, in order, and no `drop` one
    let keeps = content.lines().filter(|l| l.contains("keep")).count();
    let kept: Vec<&str> = stdout.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(kept.len(), keeps, "{f}:\n{stdout}");
    assert!(kept.iter().all(|l| l.contains("keep")), "{f}:\n{stdout}");
    assert!(!stdout.contains("drop"), "{f}:\n{stdout}");
}

#[test]
fn clf_lines() {
    let l = |t: i64, p: &str| format!("1.2.3.4 - - [{}] \"GET /{p} HTTP/1.1\" 200 1\n", clf(t));
    let content = [
        l(OLD, "drop1"),
        l(JUST_OLD, "drop2"),
        // 00:30 at +0100 is 23:30 UTC the day before the cut
        format!(
            "1.2.3.4 - - [{}] \"GET /drop3 HTTP/1.1\" 200 1\n",
            fmt(CUT - 1800, "%d/%b/%Y:00:30:00 +0100")
        ),
        l(EDGE, "keep1"),
        l(NEW, "keep2"),
        // no time that can be read: kept, undated
        "1.2.3.4 - - [01/Foo/2026:00:00:00 +0000] \"GET /keep3 HTTP/1.1\" 200 1\n".to_string(),
    ]
    .concat();
    let want = Want {
        format: "common",
        read: 6,
        expired: 3,
        undated: 1,
    };
    max_age(&[], &content, want);
}

#[test]
fn json_lines_of_every_time_form() {
    let content = [
        // ISO 8601 (Z, an offset, no zone), epoch s, s with a fraction, ms
        format!(
            "{{\"time\":\"{}\",\"remote_addr\":\"1.2.3.4\",\"uri\":\"/drop1\"}}\n",
            iso(OLD)
        ),
        format!(
            "{{\"@timestamp\":\"{}\",\"source\":{{\"ip\":\"1.2.3.4\"}},\"url\":\"/drop2\"}}\n",
            fmt(JUST_OLD + 3600, "%Y-%m-%dT%H:%M:%S+01:00")
        ),
        format!("{{\"ts\":{JUST_OLD}.999,\"remote_ip\":\"1.2.3.4\",\"uri\":\"/drop3\"}}\n"),
        format!("{{\"timestamp\":{}123,\"ip\":\"1.2.3.4\",\"uri\":\"/drop4\"}}\n", OLD),
        format!(
            "{{\"time_local\":\"{}\",\"remote_addr\":\"1.2.3.4\",\"uri\":\"/drop5\"}}\n",
            clf(OLD)
        ),
        // ECS `event.created`, nested and flat
        format!("{{\"event\":{{\"created\":\"{}\"}},\"uri\":\"/drop6\"}}\n", iso(OLD)),
        format!("{{\"event.created\":\"{}\",\"uri\":\"/keep1\"}}\n", iso(NEW)),
        format!(
            "{{\"time\":\"{}\",\"remote_addr\":\"1.2.3.4\",\"uri\":\"/keep2\"}}\n",
            iso(EDGE)
        ),
        format!("{{\"msec\":\"{NEW}.123\",\"remote_addr\":\"1.2.3.4\",\"uri\":\"/keep3\"}}\n"),
        format!(
            "{{\"date\":\"{}\",\"remote_addr\":\"1.2.3.4\",\"uri\":\"/keep4\"}}\n",
            fmt(NEW, "%Y-%m-%d %H:%M:%S")
        ),
        // no time key, a time key that holds no time, a time only nested
        // deeper: undated, kept
        "{\"remote_addr\":\"1.2.3.4\",\"uri\":\"/keep5\"}\n".to_string(),
        "{\"time\":\"soon\",\"uri\":\"/keep6\"}\n".to_string(),
        format!("{{\"request\":{{\"time\":\"{}\"}},\"uri\":\"/keep7\"}}\n", iso(OLD)),
    ]
    .concat();
    let want = Want {
        format: "json",
        read: 13,
        expired: 6,
        undated: 3,
    };
    max_age(&[], &content, want);
    max_age(&["--format", "json"], &content, want);
}

#[test]
fn w3c_iis_and_cloudfront() {
    let iis = |t: i64, p: &str| {
        format!(
            "{} 10.0.0.1 GET /{p} - 80 - 1.2.3.4 Mozilla - 200 0 0 15\n",
            fmt(t, "%Y-%m-%d %H:%M:%S")
        )
    };
    let content = [
        "#Software: Microsoft Internet Information Services 10.0\n".to_string(),
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n".to_string(),
        iis(OLD, "drop1"),
        iis(JUST_OLD, "drop2"),
        iis(EDGE, "keep1"),
        iis(NEW, "keep2"),
    ]
    .concat();
    // directives are no requests: not undated
    max_age(
        &[],
        &content,
        Want {
            format: "w3c",
            read: 6,
            expired: 2,
            undated: 0,
        },
    );
    // the same lines with no `#Fields:` in force (a rotated file)
    let headerless = [iis(OLD, "drop1"), iis(NEW, "keep1")].concat();
    max_age(
        &[],
        &headerless,
        Want {
            format: "w3c",
            read: 2,
            expired: 1,
            undated: 0,
        },
    );

    let cf = |t: i64, p: &str| {
        format!(
            "{}\tLAX1\t392\t1.2.3.4\tGET\td1.cloudfront.net\t/{p}\t200\t-\tMozilla\t-\tHit\n",
            fmt(t, "%Y-%m-%d\t%H:%M:%S")
        )
    };
    let content = [
        "#Version: 1.0\n".to_string(),
        "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query x-edge-result-type\n".to_string(),
        cf(OLD, "drop1"),
        cf(JUST_OLD, "drop2"),
        cf(EDGE, "keep1"),
        cf(NEW, "keep2"),
        // CloudFront real-time logs: a Unix `timestamp` column
        "#Fields: timestamp c-ip sc-status cs-uri-stem\n".to_string(),
        format!("{OLD}.541\t1.2.3.4\t200\t/drop3\n"),
        format!("{NEW}.541\t1.2.3.4\t200\t/keep3\n"),
    ]
    .concat();
    max_age(
        &[],
        &content,
        Want {
            format: "w3c",
            read: 9,
            expired: 3,
            undated: 0,
        },
    );
}

#[test]
fn alb_elb_s3() {
    let alb = |t: i64, p: &str| {
        format!(
            "h2 {} app/lb/50dc 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 \"GET https://example.com:443/{p} HTTP/2.0\" \"curl/7.46.0\" - -\n",
            iso(t)
        )
    };
    let content = [
        alb(OLD, "drop1"),
        alb(JUST_OLD, "drop2"),
        alb(EDGE, "keep1"),
        alb(NEW, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "alb",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);
    max_age(&["--format", "alb"], &content, want);

    let elb = |t: i64, p: &str| {
        format!(
            "{} my-lb 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 \"GET https://www.example.com:443/{p} HTTP/1.1\" \"curl/7.38.0\" DHE-RSA-AES128-SHA TLSv1.2\n",
            iso(t)
        )
    };
    let content = [
        elb(OLD, "drop1"),
        elb(JUST_OLD, "drop2"),
        elb(EDGE, "keep1"),
        elb(NEW, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "elb",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);

    let s3 = |t: i64, p: &str| {
        format!(
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [{}] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT {p} \"GET /bucket/{p} HTTP/1.1\" 200 - 113 - 7 - \"-\" \"S3Console/0.4\" -\n",
            clf(t)
        )
    };
    let content = [
        s3(OLD, "drop1"),
        s3(JUST_OLD, "drop2"),
        s3(EDGE, "keep1"),
        s3(NEW, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "s3",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);
}

#[test]
fn haproxy_and_squid() {
    // HAProxy's accept date has no zone: taken as UTC
    let ha = |t: i64, p: &str| {
        format!(
            "Sep 25 06:05:27 host haproxy[6801]: 4.3.2.1:55008 [{}] ft~ bk/abc 0/0/0/72/72 200 7456 - - ---- 5/4/0/1/0 0/0 \"GET /{p} HTTP/1.1\"\n",
            fmt(t, "%d/%b/%Y:%H:%M:%S.584")
        )
    };
    let content = [
        ha(OLD, "drop1"),
        ha(JUST_OLD, "drop2"),
        ha(EDGE, "keep1"),
        ha(NEW, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "haproxy",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);

    let squid = |t: i64, p: &str| {
        format!("{t}.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/{p} - DIRECT/93.184.216.34 text/html\n")
    };
    let content = [
        squid(OLD, "drop1"),
        squid(JUST_OLD, "drop2"),
        squid(EDGE, "keep1"),
        squid(NEW, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "squid",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);
    max_age(&["--format", "squid"], &content, want);
}

/// How a template writes a time.
type TimeOf = fn(i64) -> String;

#[test]
fn apache_and_nginx_templates() {
    // `%t`, then a strftime `%{FORMAT}t` with a space in it, then `%{msec}t`
    let cases: [(&str, TimeOf); 3] = [
        ("%h %l %u %t \"%r\" %>s %b", |t| format!("[{}]", clf(t))),
        ("%h %{%Y-%m-%d %H:%M:%S}t \"%r\" %>s %b", |t| {
            fmt(t, "%Y-%m-%d %H:%M:%S")
        }),
        ("%h %{msec}t \"%r\" %>s %b", |t| format!("{t}123")),
    ];
    for (template, time) in cases {
        let l = |t: i64, p: &str| match template.contains("%l") {
            true => format!("1.2.3.4 - - {} \"GET /{p} HTTP/1.1\" 200 1\n", time(t)),
            false => format!("1.2.3.4 {} \"GET /{p} HTTP/1.1\" 200 1\n", time(t)),
        };
        let content = [l(OLD, "drop1"), l(JUST_OLD, "drop2"), l(EDGE, "keep1"), l(NEW, "keep2")].concat();
        let want = Want {
            format: "apache_logformat",
            read: 4,
            expired: 2,
            undated: 0,
        };
        max_age(&["--format", template], &content, want);
    }

    let cases: [(&str, TimeOf); 3] = [
        ("nginx:$remote_addr [$time_local] \"$request\" $status", |t| {
            format!("[{}]", clf(t))
        }),
        ("nginx:$remote_addr $time_iso8601 \"$request\" $status", |t| {
            fmt(t + 7200, "%Y-%m-%dT%H:%M:%S+02:00")
        }),
        ("nginx:$remote_addr $msec \"$request\" $status", |t| format!("{t}.123")),
    ];
    for (template, time) in cases {
        let l = |t: i64, p: &str| format!("1.2.3.4 {} \"GET /{p} HTTP/1.1\" 200\n", time(t));
        let content = [l(OLD, "drop1"), l(JUST_OLD, "drop2"), l(EDGE, "keep1"), l(NEW, "keep2")].concat();
        let want = Want {
            format: "nginx_log_format",
            read: 4,
            expired: 2,
            undated: 0,
        };
        max_age(&["--format", template], &content, want);
    }
}

/// Lines with no time at all are kept and counted as undated; nothing else is.
#[test]
fn only_lines_with_no_time_are_undated() {
    let dir = tempfile::tempdir().unwrap();
    let content = [
        format!("1.2.3.4 - - [{}] \"GET /drop HTTP/1.1\" 200 1\n", clf(OLD)),
        format!("{{\"time\":\"{}\",\"uri\":\"/drop\"}}\n", iso(OLD)),
        format!("{{\"time\":\"{}\",\"uri\":\"/keep\"}}\n", iso(NEW)),
        "{\"uri\":\"/keep\",\"remote_addr\":\"1.2.3.4\"}\n".to_string(),
        "not a log line from 1.2.3.4 /keep\n".to_string(),
        "#Fields: c-ip cs-uri-stem sc-status\n".to_string(),
        "1.2.3.4 /keep 200\n".to_string(),
    ]
    .concat();
    let out = anonymize_file(&["--max-age", "30d"], dir.path(), &content);
    assert_eq!(out.status.code(), Some(0));
    let s: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        (s["lines_read"].as_u64(), s["expired"].as_u64()),
        (Some(7), Some(2)),
        "{s}"
    );
    // the JSON line without a time key, the text line, the W3C line
    // whose columns hold no time
    assert_eq!(s["undated"], 3, "{s}");
    assert_eq!(s["lines_written"], 5, "{s}");
    // without --max-age nothing is dated, dropped or undated
    let out = anonymize_file(&[], dir.path(), &content);
    let s: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        (s["expired"].as_u64(), s["undated"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    assert_eq!(s["lines_written"], 7, "{s}");
}

/// The keyed modes take the day of each line's own time in every format,
/// and `--now` pins the day of the lines that have none.
#[test]
fn keyed_day_follows_each_lines_own_time() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    let k = loganon().arg("keygen").arg(&key).output();
    assert_eq!(k.status.code(), Some(0), "{}", String::from_utf8_lossy(&k.stderr));
    let day1 = 1_767_225_600 + 3600; // 2026-01-01T01:00:00Z
    let day2 = day1 + 86400;
    let content = [
        format!("{{\"time\":\"{}\",\"remote_addr\":\"198.51.100.7\"}}\n", iso(day1)),
        format!("{{\"time\":\"{}\",\"remote_addr\":\"198.51.100.7\"}}\n", iso(day2)),
        format!(
            "{} - GET /a - 80 - 198.51.100.7 Mozilla - 200 0 0 15\n",
            fmt(day1 + 7200, "%Y-%m-%d %H:%M:%S")
        ),
        format!("{day2}.779    180 198.51.100.7 TCP_MISS/200 411 GET http://example.com/ - DIRECT/- text/html\n"),
        "{\"remote_addr\":\"198.51.100.7\"}\n".to_string(),
    ]
    .concat();
    let hashes = |now: &str| -> Vec<String> {
        let p = dir.path().join("in.log");
        fs::write(&p, &content).unwrap();
        let out = loganon()
            .args(["anonymize", "--ip-mode", "hash", "--key-file"])
            .arg(&key)
            .args(["--now", now])
            .arg(&p)
            .output();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("198.51.100.7"), "{text}");
        // the address's replacement in each line: its one IPv4 address
        text.lines()
            .map(|l| {
                let v: Vec<&str> = l
                    .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .filter(|t| t.parse::<std::net::Ipv4Addr>().is_ok())
                    .collect();
                assert_eq!(v.len(), 1, "{l}");
                v[0].to_string()
            })
            .collect()
    };
    let a = hashes("2026-01-01");
    assert_eq!(a.len(), 5);
    // JSON and W3C of day 1 agree; day 2 (JSON, Squid) differs from it
    assert_eq!(a[0], a[2], "{a:?}");
    assert_eq!(a[1], a[3], "{a:?}");
    assert_ne!(a[0], a[1], "{a:?}");
    // the undated line takes the day of --now: day 1, then day 2
    assert_eq!(a[4], a[0], "{a:?}");
    let b = hashes("2026-01-02T12:00:00Z");
    assert_eq!(&b[..4], &a[..4], "dated lines do not depend on --now");
    assert_eq!(b[4], a[1], "{b:?}");
}

/// `run` summarizes a JSON and a W3C set by each line's own date before it
/// deletes their files (it counted only CLF lines before).
#[test]
fn run_summaries_count_every_format_by_its_own_date() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let logs = root.join("logs");
    fs::create_dir(&logs).unwrap();
    let day = |d: i64| 1_767_225_600 + (d - 1) * 86400; // 2026-01-DD
    let json = [
        format!("{{\"time\":\"{}\",\"remote_addr\":\"1.2.3.4\"}}\n", iso(day(1) + 10)),
        format!("{{\"ts\":{}.5,\"remote_addr\":\"1.2.3.9\"}}\n", day(2) - 1),
        format!(
            "{{\"@timestamp\":\"{}\",\"client\":{{\"ip\":\"5.6.7.8\"}}}}\n",
            iso(day(2))
        ),
        "{\"remote_addr\":\"1.2.3.4\"}\n".to_string(),
    ]
    .concat();
    let w3c = [
        "#Fields: date time c-ip cs-method cs-uri-stem sc-status\n".to_string(),
        format!("{} 1.2.3.4 GET /a 200\n", fmt(day(1) + 60, "%Y-%m-%d %H:%M:%S")),
        format!("{} 9.9.9.9 GET /b 404\n", fmt(day(3), "%Y-%m-%d %H:%M:%S")),
    ]
    .concat();
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(day(4) as u64);
    for (name, text) in [("app.json.1", &json), ("iis.log.1", &w3c)] {
        let p = logs.join(name);
        fs::write(&p, text).unwrap();
        fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let config = root.join("loganon.toml");
    let mut text = format!("state_dir = \"{}\"\n", root.join("state").display());
    for (name, glob, format) in [("app", "app.json.*", "json"), ("iis", "iis.log.*", "w3c")] {
        text += &format!(
            "\n[[logs]]\nname = \"{name}\"\npaths = [\"{}/{glob}\"]\nformat = \"{format}\"\ndelete_after = \"7d\"\nsummary = \"{}/{name}.csv\"\n",
            logs.display(),
            root.display()
        );
    }
    fs::write(&config, text).unwrap();
    let out = loganon()
        .args(["run", "--config"])
        .arg(&config)
        .args(["--now", "2026-01-20"])
        .output();
    let say = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{say}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !logs.join("app.json.1").exists() && !logs.join("iis.log.1").exists(),
        "{say}"
    );
    let head =
        "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks,incomplete_files\n";
    assert_eq!(
        fs::read_to_string(root.join("app.csv")).unwrap(),
        format!("{head}2026-01-01,2,0,0,0,0,0,2,1,0\n2026-01-02,1,0,0,0,0,0,1,1,0\nundated,1,0,0,0,0,0,1,1,0\n")
    );
    assert_eq!(
        fs::read_to_string(root.join("iis.csv")).unwrap(),
        format!("{head}2026-01-01,1,0,1,0,0,0,0,1,0\n2026-01-03,1,0,0,0,1,0,0,1,0\n")
    );
}

#[test]
fn apache_and_nginx_error_logs() {
    // Apache 2.4 (a fraction of a second), 2.2 (none), the day padded with
    // a space; times without a zone are UTC
    let apache = |t: i64, tf: &str, p: &str| {
        format!(
            "[{}] [core:info] [pid 1:tid 2] [client 1.2.3.4:5] AH00128: File does not exist: /{p}\n",
            fmt(t, tf)
        )
    };
    let (v24, v22, padded) = (
        "%a %b %d %H:%M:%S.123456 %Y",
        "%a %b %d %H:%M:%S %Y",
        "%a %b %e %H:%M:%S %Y",
    );
    let content = [
        apache(OLD, v24, "drop1"),
        apache(JUST_OLD, v22, "drop2"),
        apache(EDGE, padded, "keep1"),
        apache(NEW, v24, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "apache_error",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);
    max_age(&["--format", "apache_error"], &content, want);

    let nginx = |t: i64, p: &str| {
        format!(
            "{} [error] 1#1: *7 open() \"/srv/{p}\" failed (2: No such file or directory), client: 1.2.3.4, server: s, request: \"GET /{p} HTTP/1.1\"\n",
            fmt(t, "%Y/%m/%d %H:%M:%S")
        )
    };
    let content = [
        nginx(OLD, "drop1"),
        nginx(JUST_OLD, "drop2"),
        nginx(EDGE, "keep1"),
        nginx(NEW, "keep2"),
    ]
    .concat();
    let want = Want {
        format: "nginx_error",
        read: 4,
        expired: 2,
        undated: 0,
    };
    max_age(&[], &content, want);
    max_age(&["--format", "nginx_error"], &content, want);
}
