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
    // (the keys in a folder of their own: the logs' folder is counted below)
    let kd = tempfile::tempdir().unwrap();
    let rkey = key_file(kd.path(), "rk", &[3u8; 32], 0o600);
    let sha = |p: &std::path::Path| {
        let o = std::process::Command::new("sha256sum").arg(p).output().unwrap();
        text(&o.stdout).split(' ').next().unwrap().to_string()
    };
    let before: Vec<String> = [&plain, &gz, &other].iter().map(|p| sha(p)).collect();
    // without a key for the subject's fingerprint, no receipt (and nothing done)
    let o = loganon()
        .arg("erase")
        .args(SUBJECT)
        .arg("--receipt")
        .arg(&receipt)
        .arg(&plain)
        .output();
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--receipt-key FILE"), "{}", text(&o.stderr));
    assert_eq!(fs::read_to_string(&plain).unwrap(), all);
    let o = loganon()
        .arg("erase")
        .args(SUBJECT)
        .arg("--receipt")
        .arg(&receipt)
        .arg("--receipt-key")
        .arg(&rkey)
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
    // each file's sha256 before and after, as sha256sum reads them
    let after: Vec<String> = [&plain, &gz, &other].iter().map(|p| sha(p)).collect();
    for (i, f) in j["files"].as_array().unwrap().iter().enumerate() {
        assert_eq!(f["sha256_before"], before[i].as_str(), "{f}");
        assert_eq!(f["sha256_after"], after[i].as_str(), "{f}");
    }
    assert_ne!(before[0], after[0]);
    assert_eq!(before[2], after[2]);
    assert_eq!(j["version"], env!("CARGO_PKG_VERSION"));
    assert!(j["time"].as_str().unwrap().ends_with('Z'), "{}", j["time"]);
    // the subject by a keyed fingerprint: the same for the same values in
    // another case, another for another key
    let fp = j["subject"]["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fp.len(), 32);
    let again = |key: &std::path::Path, args: &[&str]| {
        let r2 = d.path().join("r2.json");
        let o = loganon()
            .arg("erase")
            .args(args)
            .args(["--dry-run", "--receipt"])
            .arg(&r2)
            .arg("--receipt-key")
            .arg(key)
            .arg(&other)
            .output();
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        let j: serde_json::Value = serde_json::from_str(&fs::read_to_string(&r2).unwrap()).unwrap();
        fs::remove_file(&r2).unwrap();
        j["subject"]["fingerprint"].as_str().unwrap().to_string()
    };
    let upper: Vec<String> = SUBJECT
        .iter()
        .map(|a| {
            if a.starts_with("--") {
                a.to_string()
            } else {
                a.to_uppercase()
            }
        })
        .collect();
    let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
    assert_eq!(again(&rkey, &upper), fp);
    let other_key = key_file(kd.path(), "rk2", &[4u8; 32], 0o600);
    assert_ne!(again(&other_key, &SUBJECT), fp);
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

/// Issue 29, item 5: erase on xz, bzip2 and zstd files, compared whole
/// after decompressing them with the system's own tools, and the receipt's
/// sha256 of each file as `sha256sum` reads it.
#[test]
fn xz_bzip2_and_zstd_files_keep_their_compression_and_every_other_line() {
    let d = tempfile::tempdir().unwrap();
    let kd = tempfile::tempdir().unwrap();
    let rkey = key_file(kd.path(), "rk", &[3u8; 32], 0o600);
    let (all, kept) = log();
    let run = |tool: &str, args: &[&str], input: &[u8]| {
        use std::io::Write;
        let mut c = std::process::Command::new(tool)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(input).unwrap();
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{tool}");
        o.stdout
    };
    let mut files = Vec::new();
    for (tool, ext) in [("xz", "xz"), ("bzip2", "bz2"), ("zstd", "zst")] {
        let p = d.path().join(format!("access.log.{ext}"));
        fs::write(&p, run(tool, &["-c"], all.as_bytes())).unwrap();
        files.push((tool, p));
    }
    let receipt = kd.path().join("receipt.json");
    let o = loganon()
        .arg("erase")
        .args(SUBJECT)
        .arg("--receipt")
        .arg(&receipt)
        .arg("--receipt-key")
        .arg(&rkey)
        .args(files.iter().map(|(_, p)| p))
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let j: serde_json::Value = serde_json::from_str(&fs::read_to_string(&receipt).unwrap()).unwrap();
    for (i, (tool, p)) in files.iter().enumerate() {
        let bytes = fs::read(p).unwrap();
        assert_eq!(String::from_utf8(run(tool, &["-dc"], &bytes)).unwrap(), kept, "{tool}");
        let sum = std::process::Command::new("sha256sum").arg(p).output().unwrap();
        let sum = text(&sum.stdout).split(' ').next().unwrap().to_string();
        assert_eq!(j["files"][i]["sha256_after"], sum.as_str(), "{tool}");
        assert_eq!(j["files"][i]["matched"], 4, "{tool}");
    }
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 3, "no temporary file left");
}

#[test]
fn the_receipt_names_the_files_left_as_they_were() {
    let d = tempfile::tempdir().unwrap();
    let kd = tempfile::tempdir().unwrap();
    let rkey = key_file(kd.path(), "rk", &[3u8; 32], 0o600);
    let (all, kept) = log();
    let (a, linked) = (d.path().join("a.log"), d.path().join("b.log"));
    fs::write(&a, &all).unwrap();
    fs::write(&linked, &all).unwrap();
    fs::hard_link(&linked, d.path().join("b-link.log")).unwrap();
    let receipt = kd.path().join("r.json");
    let o = loganon()
        .arg("erase")
        .args(SUBJECT)
        .arg("--receipt")
        .arg(&receipt)
        .arg("--receipt-key")
        .arg(&rkey)
        .args([&a, &linked])
        .output();
    assert_eq!(code(&o), 1);
    assert_eq!(fs::read_to_string(&a).unwrap(), kept);
    assert_eq!(fs::read_to_string(&linked).unwrap(), all);
    let j: serde_json::Value = serde_json::from_str(&fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(j["files"].as_array().unwrap().len(), 1);
    assert_eq!(j["failed"][0]["file"], linked.display().to_string());
    assert!(
        j["failed"][0]["message"].as_str().unwrap().contains("hard links"),
        "{j}"
    );
}
