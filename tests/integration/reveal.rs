//! Issue 29, item 2: `loganon reveal` gives back the addresses behind
//! cryptopan and ipcrypt-pfx pseudonyms, with the key and the day, and
//! only after its audit record (never the values) is on disk.

use std::fs;

use crate::common::bin::{code, loganon, text};
use crate::common::files::key_file;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const LOG: &str = "198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
                   2001:db8::42 - - [01/Jan/2026:11:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";

#[test]
fn pseudonyms_are_revealed_with_the_key_and_the_day_and_audited() {
    let d = tempfile::tempdir().unwrap();
    let key = key_file(d.path(), "k", KEY.as_bytes(), 0o600);
    let audit = d.path().join("audit.log");
    for (mode, rotate) in [
        ("cryptopan", "daily"),
        ("ipcrypt-pfx", "daily"),
        ("ipcrypt-pfx", "never"),
    ] {
        let o = loganon()
            .args(["anonymize", "--ip-mode", mode, "--rotate-key", rotate, "--key-file"])
            .arg(&key)
            .stdin(LOG)
            .output();
        assert_eq!(code(&o), 0);
        let pseudonyms: Vec<String> = text(&o.stdout)
            .lines()
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect();
        assert_ne!(pseudonyms[0], "198.51.100.7");
        let o = loganon()
            .args([
                "reveal",
                "--ip-mode",
                mode,
                "--rotate-key",
                rotate,
                "--day",
                "2026-01-01",
            ])
            .args(["--reason", "abuse ticket 42", "--key-file"])
            .arg(&key)
            .arg("--audit-log")
            .arg(&audit)
            .args(&pseudonyms)
            .output();
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        assert_eq!(
            text(&o.stdout),
            format!("{} 198.51.100.7\n{} 2001:db8::42\n", pseudonyms[0], pseudonyms[1]),
            "{mode} {rotate}"
        );
        // another day's key gives another address
        if rotate == "daily" {
            let o = loganon()
                .args([
                    "reveal",
                    "--ip-mode",
                    mode,
                    "--day",
                    "2026-01-02",
                    "--reason",
                    "check",
                    "--key-file",
                ])
                .arg(&key)
                .arg("--audit-log")
                .arg(&audit)
                .arg(&pseudonyms[0])
                .output();
            assert!(!text(&o.stdout).contains("198.51.100.7"));
        }
    }
    // the audit log: a record per call, no value in it, private
    let log = fs::read_to_string(&audit).unwrap();
    assert_eq!(log.lines().count(), 5);
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(first["reason"], "abuse ticket 42");
    assert_eq!(first["values"], 2);
    assert_eq!(first["mode"], "cryptopan");
    assert_eq!(first["day"], "2026-01-01");
    assert_eq!(first["key"].as_str().unwrap().len(), 16);
    assert!(
        !log.contains("198.51.100") && !log.contains("2001:db8") && !log.contains(KEY),
        "{log}"
    );
    assert_eq!(fs::metadata(&audit).unwrap().permissions().mode() & 0o777, 0o600);
}

use std::os::unix::fs::PermissionsExt;

#[test]
fn one_way_values_no_reason_or_no_audit_log_reveal_nothing() {
    let d = tempfile::tempdir().unwrap();
    let key = key_file(d.path(), "k", KEY.as_bytes(), 0o600);
    let audit = d.path().join("audit.log");
    let run = |args: &[&str], log: &std::path::Path| {
        loganon()
            .arg("reveal")
            .args(args)
            .arg("--key-file")
            .arg(&key)
            .arg("--audit-log")
            .arg(log)
            .output()
    };
    let o = run(
        &["--ip-mode", "hash", "--day", "2026-01-01", "--reason", "x", "240.1.2.3"],
        &audit,
    );
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--ip-mode hash: its values cannot be revealed"));
    let o = run(
        &[
            "--ip-mode",
            "cryptopan",
            "--day",
            "2026-01-01",
            "--reason",
            "  ",
            "1.2.3.4",
        ],
        &audit,
    );
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--reason is empty"));
    let o = run(&["--ip-mode", "cryptopan", "--reason", "x", "1.2.3.4"], &audit);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--day is needed"));
    let o = run(
        &["--ip-mode", "cryptopan", "--day", "2026-01-01", "--reason", "x", "nope"],
        &audit,
    );
    assert_eq!(code(&o), 2);
    assert!(!audit.exists(), "nothing audited, nothing revealed");
    // an audit log that cannot be written: nothing revealed
    let o = run(
        &[
            "--ip-mode",
            "cryptopan",
            "--day",
            "2026-01-01",
            "--reason",
            "x",
            "1.2.3.4",
        ],
        d.path(),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(text(&o.stdout), "");
    assert!(text(&o.stderr).contains("nothing was revealed"), "{}", text(&o.stderr));
}
