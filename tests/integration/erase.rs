//! Issue 29, item 3: `loganon erase` takes one person's lines out of plain,
//! compressed and pseudonymized logs, every other byte kept, each file
//! rewritten safely, with a receipt that holds no value of the subject.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::bin::{code, loganon, text};
use crate::common::files::{key_file, set_mtime};
use crate::common::gz::{gunzip, gzip};

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// Lines of the subject (198.51.100.7, alice@example.org, user alice) and
/// of others that look like them.
fn log() -> (String, String) {
    let lines = [
        (
            "198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5",
            true,
        ),
        (
            "198.51.100.70 - bob [01/Jan/2026:10:00:01 +0000] \"GET /a HTTP/1.1\" 200 5",
            false,
        ),
        (
            "203.0.113.9 - - [01/Jan/2026:10:00:02 +0000] \"GET /?email=Alice%40Example.ORG HTTP/1.1\" 200 5",
            true,
        ),
        (
            "10.0.0.1 - alicebob [01/Jan/2026:10:00:03 +0000] \"GET / HTTP/1.1\" 200 5",
            false,
        ),
        (
            "10.0.0.2 - alice [02/Jan/2026:10:00:04 +0000] \"GET / HTTP/1.1\" 200 5",
            true,
        ),
        (
            "10.0.0.3 - - [02/Jan/2026:10:00:05 +0000] \"GET /?ref=198.51.100.7:8080 HTTP/1.1\" 200 5",
            true,
        ),
    ];
    let all: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    let kept: String = lines
        .iter()
        .filter(|(_, s)| !s)
        .map(|(l, _)| format!("{l}\n"))
        .collect();
    (all, kept)
}

const SUBJECT: [&str; 6] = [
    "--address",
    "198.51.100.7",
    "--email",
    "alice@example.org",
    "--user",
    "alice",
];

#[test]
fn the_subjects_lines_go_from_plain_and_gzip_files_and_nothing_else_changes() {
    let d = tempfile::tempdir().unwrap();
    let (all, kept) = log();
    let plain = d.path().join("access.log.1");
    let gz = d.path().join("access.log.2.gz");
    let other = d.path().join("access.log.3");
    fs::write(&plain, &all).unwrap();
    fs::write(&gz, gzip(all.as_bytes())).unwrap();
    fs::write(&other, &kept).unwrap();
    for p in [&plain, &gz, &other] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o640)).unwrap();
        set_mtime(p, 1_767_312_000);
    }
    let other_before = fs::metadata(&other).unwrap();
    // a dry run counts and changes nothing
    let o = loganon()
        .arg("erase")
        .args(SUBJECT)
        .arg("--dry-run")
        .arg(&plain)
        .output();
    assert_eq!(code(&o), 0);
    assert_eq!(
        text(&o.stdout),
        format!("would-erase {} lines=6 matched=4\n", plain.display())
    );
    assert_eq!(fs::read_to_string(&plain).unwrap(), all);
    let receipt = d.path().join("receipt.json");
    let o = loganon()
        .arg("erase")
        .args(SUBJECT)
        .arg("--receipt")
        .arg(&receipt)
        .args([&plain, &gz, &other])
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(fs::read_to_string(&plain).unwrap(), kept);
    assert_eq!(String::from_utf8(gunzip(&fs::read(&gz).unwrap())).unwrap(), kept);
    assert!(text(&o.stdout).contains(&format!("unchanged {} lines=2 matched=0", other.display())));
    for p in [&plain, &gz] {
        let m = fs::metadata(p).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o640, "mode kept");
        assert_eq!(m.modified().unwrap(), other_before.modified().unwrap(), "mtime kept");
    }
    let after = fs::metadata(&other).unwrap();
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&after),
        std::os::unix::fs::MetadataExt::ino(&other_before),
        "a file without the subject is not rewritten"
    );
    // the receipt: counts, never the subject's values
    let r = fs::read_to_string(&receipt).unwrap();
    let j: serde_json::Value = serde_json::from_str(&r).unwrap();
    assert_eq!(j["lines_matched"], 8);
    assert_eq!(j["subject"]["addresses"], 1);
    for v in ["198.51.100.7", "alice", "example.org"] {
        assert!(!r.contains(v), "{v} in the receipt");
    }
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 4, "no temporary file left");
}

#[test]
fn redact_keeps_the_lines_and_removes_the_values() {
    let d = tempfile::tempdir().unwrap();
    let (all, _) = log();
    let p = d.path().join("a.log");
    fs::write(&p, &all).unwrap();
    let o = loganon().arg("erase").args(SUBJECT).arg("--redact").arg(&p).output();
    assert_eq!(code(&o), 0);
    let got = fs::read_to_string(&p).unwrap();
    assert_eq!(got.lines().count(), 6);
    assert!(got.starts_with("REDACTED - - [01/Jan/2026"), "{got}");
    assert!(got.contains("email=REDACTED HTTP"), "{got}");
    assert!(got.contains("10.0.0.2 - REDACTED ["), "{got}");
    assert!(got.contains("?ref=REDACTED:8080"), "{got}");
    assert!(got.contains("198.51.100.70 - bob") && got.contains("alicebob"), "{got}");
}

#[test]
fn a_pseudonymized_archive_loses_the_lines_of_the_subjects_pseudonym_of_each_day() {
    let d = tempfile::tempdir().unwrap();
    let key = key_file(d.path(), "k", KEY.as_bytes(), 0o600);
    let (all, _) = log();
    let anon = d.path().join("anon.log.gz");
    let o = loganon()
        .args(["anonymize", "--ip-mode", "cryptopan", "--compress", "gzip", "-o"])
        .arg(&anon)
        .arg("--key-file")
        .arg(&key)
        .stdin(all.clone())
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let before = String::from_utf8(gunzip(&fs::read(&anon).unwrap())).unwrap();
    let o = loganon()
        .args([
            "erase",
            "--address",
            "198.51.100.7",
            "--ip-mode",
            "cryptopan",
            "--key-file",
        ])
        .arg(&key)
        .arg(&anon)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let after = String::from_utf8(gunzip(&fs::read(&anon).unwrap())).unwrap();
    // the subject's lines go: as the client on day 1, and in a query on
    // day 2 under that day's pseudonym; the rest stays byte for byte
    let lines: Vec<&str> = before.lines().collect();
    assert_ne!(
        lines[0].split(' ').next(),
        lines[5].split("ref=").nth(1).and_then(|r| r.split(':').next())
    );
    let want: String = lines[1..5].iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(after, want);
}

#[test]
fn erase_needs_a_subject() {
    let o = loganon().args(["erase", "/dev/null"]).output();
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("erase needs the subject"));
}

/// The red-team pass's findings: other spellings of the subject, values
/// that would take other people's lines, hard links, a key without a mode.
#[test]
fn every_spelling_goes_and_values_that_match_everyone_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.log");
    let subject = [
        "2001:DB8::7 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5",
        "10.0.0.1 - - [01/Jan/2026:10:00:00 +0000] \"GET /?ip=2001%3Adb8%3A%3A7 HTTP/1.1\" 200 5",
        "10.0.0.2 - - [01/Jan/2026:10:00:00 +0000] \"GET /?ip=198%2E51%2E100%2E7 HTTP/1.1\" 200 5",
        "198.51.100.007 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5",
        "::ffff:198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5",
        "10.0.0.3 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"https://198-51-100-7.dyn.example.net/\" \"UA\"",
        "{\"user\":\"jo%20doe\",\"email\":\"Alice.Smith\\u0040Example.org\"}",
    ];
    let others = [
        "198.51.100.70 - carol [01/Jan/2026:10:00:00 +0000] \"GET /users/jo HTTP/1.1\" 200 5",
        "10.0.0.9 - - [01/Jan/2026:10:00:00 +0000] \"GET /?to=bob@gmail.com HTTP/1.1\" 200 5",
    ];
    let all: String = subject.iter().chain(&others).map(|l| format!("{l}\n")).collect();
    fs::write(&p, &all).unwrap();
    let o = loganon()
        .args(["erase", "--address", "2001:db8::7", "--address", "198.51.100.7"])
        .args(["--user", "jo doe", "--email", "alice.smith@example.org"])
        .arg(&p)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let want: String = others.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(fs::read_to_string(&p).unwrap(), want);
    // values that match everyone's lines are refused, nothing changed
    for bad in [
        &["--user", ""][..],
        &["--user", "-"],
        &["--user", "GET"],
        &["--user", "200"],
        &["--email", "x"],
    ] {
        let o = loganon().arg("erase").args(bad).arg(&p).output();
        assert_eq!(code(&o), 2, "{bad:?}");
    }
    let key = key_file(d.path(), "k", KEY.as_bytes(), 0o600);
    let o = loganon()
        .args(["erase", "--address", "10.0.0.9", "--key-file"])
        .arg(&key)
        .arg(&p)
        .output();
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--key-file is for archives pseudonymized with a keyed mode"));
    // a file with another hard link is left alone
    fs::hard_link(&p, d.path().join("b.log")).unwrap();
    let o = loganon().args(["erase", "--address", "10.0.0.9"]).arg(&p).output();
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("has other hard links"));
    assert_eq!(fs::read_to_string(&p).unwrap(), want);
}

#[test]
fn pseudonyms_on_undated_lines_and_hashed_identifiers_are_found() {
    let d = tempfile::tempdir().unwrap();
    let key = key_file(d.path(), "k", KEY.as_bytes(), 0o600);
    let raw = "198.51.100.7 - alice [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
               Jan  1 10:00:00 host sshd[1]: Failed password from 198.51.100.7\n\
               10.0.0.1 - bob [01/Jan/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 200 5\n";
    let anon = d.path().join("anon.log");
    let o = loganon()
        .args([
            "anonymize",
            "--ip-mode",
            "cryptopan",
            "--identifiers",
            "hash",
            "--now",
            "2026-01-01",
            "-o",
        ])
        .arg(&anon)
        .arg("--key-file")
        .arg(&key)
        .stdin(raw)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    set_mtime(&anon, 1_767_225_600 + 3600);
    let before = fs::read_to_string(&anon).unwrap();
    let o = loganon()
        .args([
            "erase",
            "--address",
            "198.51.100.7",
            "--user",
            "alice",
            "--ip-mode",
            "cryptopan",
            "--key-file",
        ])
        .arg(&key)
        .arg(&anon)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let after = fs::read_to_string(&anon).unwrap();
    assert_eq!(after, format!("{}\n", before.lines().nth(2).unwrap()), "{before}");
}
