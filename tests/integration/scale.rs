//! Issue 16, what partitioned and retried jobs (Spark, Dask) need of the
//! binary: keyed outputs that depend on the input and the key only (the
//! settle passes keep the line's own day and never key a pseudonym twice),
//! W3C parts without their `#Fields:` that fail closed (cookies too) or
//! get their columns from `--w3c-fields`, keys from `--key-env` and from
//! key files with execute bits (Spark's `addFile`), no temporary file left
//! by a killed attempt whose parent has not reaped it, and `--compress` for
//! object-storage pipes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

use crate::common::bin::{assert_exit, loganon, text};
use crate::common::files::{key_file, tempdir, temps};
use crate::common::gz::{gunzip, gzip};
use crate::common::wait::wait_until;

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// The first dotted-quad of a line (its client, here).
fn first_v4(line: &str) -> String {
    line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|t| t.parse::<std::net::Ipv4Addr>().is_ok())
        .unwrap_or_else(|| panic!("no address in {line}"))
        .to_string()
}

/// A dated line whose first pass removes a path parameter (so it is scanned
/// again) and a dated line that is not: under `--ip-mode hash` the same
/// client gets the same pseudonym in both, whatever `--now` is.
#[test]
fn settle_passes_keep_the_lines_day_and_pseudonyms() {
    let dir = tempdir();
    let key = key_file(dir.path(), "k.key", format!("{KEY}\n").as_bytes(), 0o600);
    let settles = "198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] \"GET /a;jsessionid=1?x=bob@example.com&y=203.0.113.9 HTTP/1.1\" 200 1\n";
    let plain = "198.51.100.7 - - [01/Jan/2026:11:00:00 +0000] \"GET /b HTTP/1.1\" 200 1\n";
    let input = format!("{settles}{plain}");
    let out = |now: &str, mode: &str| {
        let o = loganon()
            .args([
                "anonymize",
                "--ip-mode",
                mode,
                "--identifiers",
                "hash",
                "--key-file",
                key.to_str().unwrap(),
                "--now",
                now,
            ])
            .stdin(input.as_bytes())
            .assert_exit_code(0);
        text(&o.stdout)
    };
    for mode in ["hash", "cryptopan"] {
        let a = out("2026-01-01", mode);
        let b = out("2026-03-15T12:00:00Z", mode);
        assert_eq!(a, b, "{mode}: dated lines do not depend on --now");
        let lines: Vec<&str> = a.lines().collect();
        assert_eq!(lines.len(), 2, "{a}");
        assert!(lines[0].contains("/a?x=~"), "the path parameter went: {a}");
        assert!(
            !a.contains("198.51.100.7") && !a.contains("203.0.113.9") && !a.contains("bob@"),
            "{a}"
        );
        assert_eq!(
            first_v4(lines[0]),
            first_v4(lines[1]),
            "{mode}: one client, one pseudonym on one day: {a}"
        );
    }
}

const HEADER: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Cookie) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

/// A W3C file cut after its `#Fields:` line: the second part has no header.
/// It fails closed (no user, no cookie value survives), and with
/// `--w3c-fields` it becomes exactly what the whole file's lines became.
#[test]
fn w3c_parts_without_their_header() {
    let dir = tempdir();
    let data = [
        "2026-01-01 10:00:00 10.0.0.5 GET /x page=2 80 jdoe 52.45.125.4 Mozilla/5.0+(X11) visitor=abc123def;+theme=dark https://example.com/?q=1 200 0 0 15",
        "2026-01-01 10:00:01 10.0.0.5 GET /y - 80 mary_k 52.45.125.9 curl/8.4.0 trk=77aa99 - 404 0 0 3",
    ];
    let whole = format!("#Fields: {HEADER}\n{}\n{}\n", data[0], data[1]);
    let part = format!("{}\n{}\n", data[0], data[1]);
    fs::write(dir.path().join("whole.log"), &whole).unwrap();
    fs::write(dir.path().join("part.log"), &part).unwrap();
    let anon = |args: &[&str], file: &str| {
        let f = dir.path().join(file);
        let mut a: Vec<&str> = vec!["anonymize"];
        a.extend_from_slice(args);
        a.push(f.to_str().unwrap());
        let o = loganon().args(&a).assert_exit_code(0);
        text(&o.stdout)
    };
    let from_whole = anon(&[], "whole.log");
    let want: Vec<&str> = from_whole.lines().skip(1).collect();
    assert_eq!(
        want,
        [
            "2026-01-01 10:00:00 10.0.0.0 GET /x page=2 80 - 52.45.125.0 Mozilla/5.0+(X11) REDACTED https://example.com/?q=1 200 0 0 15",
            "2026-01-01 10:00:01 10.0.0.0 GET /y - 80 - 52.45.125.0 curl/8.4.0 REDACTED - 404 0 0 3",
        ]
    );
    // no header: fail closed, users and cookies gone, the query kept
    let headerless = anon(&[], "part.log");
    for secret in ["jdoe", "mary_k", "abc123def", "theme=dark", "77aa99", ".4 ", ".9 "] {
        assert!(!headerless.contains(secret), "{secret} left in {headerless}");
    }
    assert!(headerless.contains(" /x page=2 80 "), "{headerless}");
    // the columns given: the same bytes as under the header
    let given = anon(&["--w3c-fields", HEADER], "part.log");
    assert_eq!(given.lines().collect::<Vec<_>>(), want);
    let given = anon(&["--w3c-fields", &format!("#Fields: {HEADER}")], "part.log");
    assert_eq!(given.lines().collect::<Vec<_>>(), want);
    // a #Fields: in the input wins over --w3c-fields
    assert_eq!(anon(&["--w3c-fields", "date time c-ip"], "whole.log"), from_whole);
    // check reads the raw part with the same columns: the user and the cookie
    let c = loganon()
        .args([
            "check",
            "--w3c-fields",
            HEADER,
            dir.path().join("part.log").to_str().unwrap(),
        ])
        .assert_exit_code(1);
    let report = text(&c.stdout);
    assert!(
        report.contains("user-field: 2") && report.contains("secret-field: 2"),
        "{report}"
    );
    let o = loganon()
        .args(["anonymize", "--w3c-fields", "", "-"])
        .assert_exit_code(2);
    assert!(text(&o.stderr).contains("--w3c-fields"), "{}", text(&o.stderr));
}

/// CloudFront's tab-separated lines without their header (method, host,
/// path): recognised, the cookie and the query taken for secrets.
#[test]
fn cloudfront_lines_without_their_header() {
    let line = "2026-01-01\t10:00:00\tLAX1\t123\t52.45.125.4\tGET\td111.cloudfront.net\t/x\t200\t-\tMozilla/5.0\tpage=2\tvisitor=abc123def\tHit\n";
    let o = loganon()
        .args(["anonymize", "--stats=json"])
        .stdin(line.as_bytes())
        .assert_exit_code(0);
    assert_eq!(
        text(&o.stdout),
        "2026-01-01\t10:00:00\tLAX1\t123\t52.45.125.0\tGET\td111.cloudfront.net\t/x\t200\t-\tMozilla/5.0\tREDACTED\tREDACTED\tHit\n"
    );
    let stats = crate::common::bin::stats_json(&text(&o.stderr));
    assert_eq!(stats["unparsed"], 0, "{stats}");
}

/// `--key-env NAME` gives what the key file gives; a key file with execute
/// bits (0711, as Spark's addFile leaves it) is read, one readable by the
/// group is not; messages name the variable, never its value.
#[test]
fn keys_from_the_environment_and_from_shipped_files() {
    let dir = tempdir();
    let line = b"198.51.100.7 - bob [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n";
    let with = |args: &[&str], env: Option<(&str, &str)>| {
        let mut c = loganon();
        c.arg("anonymize")
            .args(["--ip-mode", "hash", "--identifiers", "hash"])
            .args(args);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        // a run that refuses its key exits before reading: a broken pipe
        c.stdin(line).stdin_may_stay_unread().output()
    };
    let k = key_file(dir.path(), "k.key", format!("{KEY}\n").as_bytes(), 0o711);
    let from_file = with(&["--key-file", k.to_str().unwrap()], None);
    assert_exit(&from_file, 0);
    let from_env = with(&["--key-env", "LOGANON_TEST_KEY"], Some(("LOGANON_TEST_KEY", KEY)));
    assert_exit(&from_env, 0);
    assert_eq!(from_file.stdout, from_env.stdout);
    assert!(!text(&from_env.stdout).contains("198.51.100.7"));
    fs::set_permissions(&k, fs::Permissions::from_mode(0o640)).unwrap();
    let refused = with(&["--key-file", k.to_str().unwrap()], None);
    assert_exit(&refused, 2);
    assert!(text(&refused.stderr).contains("mode 640"), "{}", text(&refused.stderr));
    let missing = with(&["--key-env", "LOGANON_NO_SUCH_VAR"], None);
    assert_exit(&missing, 2);
    assert!(text(&missing.stderr).contains("--key-env LOGANON_NO_SUCH_VAR"));
    let short = "0011223344556677";
    let bad = with(&["--key-env", "LOGANON_TEST_KEY"], Some(("LOGANON_TEST_KEY", short)));
    assert_exit(&bad, 2);
    let err = text(&bad.stderr);
    assert!(err.contains("LOGANON_TEST_KEY") && !err.contains(short), "{err}");
    let _both = loganon()
        .args(["anonymize", "--key-file", "x", "--key-env", "Y", "--ip-mode", "hash"])
        .stdin(line)
        .stdin_may_stay_unread()
        .assert_exit_code(2);
}

/// A big gzip input, so that a debug build is still writing it when killed.
fn big_input(dir: &Path) -> std::path::PathBuf {
    let mut plain = String::new();
    for i in 0..200_000u32 {
        plain.push_str(&format!(
            "10.{}.{}.{} - bob [01/Jan/2026:10:00:00 +0000] \"GET /a?email=x%40y.com&p={i} HTTP/1.1\" 200 {i}\n",
            i % 200,
            (i / 7) % 250,
            i % 251
        ));
    }
    let p = dir.join("in.log.gz");
    fs::write(&p, gzip(plain.as_bytes())).unwrap();
    p
}

/// An attempt killed mid-write whose parent has not reaped it yet (a zombie:
/// a Spark worker that kills its child and runs the task again): the retry
/// removes its temporary file and writes the whole output.
#[test]
fn a_retry_sweeps_the_temporary_file_of_a_killed_unreaped_attempt() {
    let dir = tempdir();
    let input = big_input(dir.path());
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("in.log.gz");
    let args = [
        "anonymize",
        "-j",
        "1",
        "-o",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ];
    let mut first = loganon()
        .args(args)
        .stdout_to(Stdio::null())
        .stderr_to(Stdio::null())
        .spawn();
    wait_until("the first attempt's temporary file", || {
        !temps(&out_dir).is_empty() || first.exited().is_some()
    });
    assert!(first.exited().is_none(), "the first attempt ended before it was killed");
    first.signal(libc::SIGKILL);
    // not reaped: its pid stays, a zombie
    wait_until("the killed attempt to become a zombie", || {
        fs::read_to_string(format!("/proc/{}/stat", first.pid())).is_ok_and(|s| s.contains(") Z "))
    });
    assert_eq!(temps(&out_dir).len(), 1);
    let _retry = loganon().args(args).assert_exit_code(0);
    assert_eq!(
        temps(&out_dir),
        Vec::<String>::new(),
        "the zombie's temporary file went"
    );
    let lines = gunzip(&fs::read(&out).unwrap());
    assert_eq!(lines.iter().filter(|&&b| b == b'\n').count(), 200_000);
    first.wait();
}

/// `--compress gzip` on stdout: members made in parallel, which decode to
/// the plain output; no input at all is still valid gzip; a batch refuses it.
#[test]
fn compress_the_stream_on_stdout() {
    let dir = tempdir();
    let input = big_input(dir.path());
    let raw = fs::read(&input).unwrap();
    let plain = loganon().args(["anonymize", "-j", "2"]).stdin(&raw).assert_exit_code(0);
    let z = loganon()
        .args(["anonymize", "-j", "2", "--compress", "gzip"])
        .stdin(&raw)
        .assert_exit_code(0);
    assert_eq!(gunzip(&z.stdout), plain.stdout);
    // more than one member: the chunks were compressed apart
    let mut members = 0;
    let mut rest = &z.stdout[..];
    while !rest.is_empty() {
        let mut d = flate2::bufread::GzDecoder::new(rest);
        std::io::copy(&mut d, &mut std::io::sink()).unwrap();
        rest = d.into_inner();
        members += 1;
    }
    assert!(members > 1, "{members} member");
    let empty = loganon()
        .args(["anonymize", "--compress", "gzip"])
        .stdin(b"")
        .assert_exit_code(0);
    assert!(!empty.stdout.is_empty());
    assert_eq!(gunzip(&empty.stdout), b"");
    // a file input to stdout is the stream too
    let f = loganon()
        .args(["anonymize", "--compress", "gzip", input.to_str().unwrap()])
        .assert_exit_code(0);
    assert_eq!(gunzip(&f.stdout), plain.stdout);
    let _o = loganon()
        .args([
            "anonymize",
            "--compress",
            "gzip",
            "--out-dir",
            dir.path().join("o").to_str().unwrap(),
            input.to_str().unwrap(),
        ])
        .assert_exit_code(2);
    let o = loganon()
        .args(["anonymize", "--compress", "zstd", "-o", "x.gz"])
        .stdin(b"")
        .stdin_may_stay_unread()
        .assert_exit_code(2);
    assert!(text(&o.stderr).contains("asks for gzip"), "{}", text(&o.stderr));
}

/// `run`'s `[anonymize] w3c_fields`: a headerless W3C file of a set gets
/// the columns given (its user goes, which no headerless rule can tell);
/// a value with no column names is a configuration error naming the key.
#[test]
fn run_takes_w3c_fields_from_its_config() {
    let dir = tempdir();
    let top = dir.path();
    fs::create_dir_all(top.join("logs")).unwrap();
    // an upper-case user name: no bare word a headerless line takes for a user
    let row = "2026-01-01 10:00:00 52.45.125.4 GET /x JDOE 200\n";
    let log = top.join("logs/access.log-20260101");
    fs::write(&log, row).unwrap();
    crate::common::files::set_mtime(&log, 1_767_225_600); // 2026-01-01
    let config = |fields: &str| {
        let c = top.join("loganon.toml");
        fs::write(
            &c,
            format!(
                "state_dir = \"{t}/state\"\n\n[anonymize]\nw3c_fields = \"{fields}\"\n\n[[logs]]\nname = \"iis\"\npaths = [\"{t}/logs/access.log-*\"]\nanonymize_after = \"1d\"\n",
                t = top.display()
            ),
        )
        .unwrap();
        loganon()
            .args(["run", "--config", c.to_str().unwrap(), "--now", "2026-01-10"])
            .output()
    };
    let bad = config("  ");
    assert_exit(&bad, 2);
    assert!(text(&bad.stderr).contains("w3c_fields"), "{}", text(&bad.stderr));
    assert_eq!(fs::read_to_string(&log).unwrap(), row, "nothing done");
    let done = config("date time c-ip cs-method cs-uri-stem cs-username sc-status");
    assert_exit(&done, 0);
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        "2026-01-01 10:00:00 52.45.125.0 GET /x - 200\n"
    );
}
