//! Issue 29, items 1 and 4: the ipcrypt variants as `--ip-mode`s (what
//! they write, where an address's spelling cannot hold it, key sizes), and
//! retention by key deletion (`--keys-dir`, `key_retention`). Expected
//! pseudonyms are the draft's own test vectors, not computed here.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::bin::{code, loganon, text};
use crate::common::files::key_file;

/// The draft's ipcrypt-deterministic vector key (192.0.2.1 ->
/// 7fde:a680:9546:ef2:d3c:7abb:1b38:2659), as 32 hex digits.
const DET_KEY: &str = "1032547698badcfeefcdab8967452301\n";
const DET_192_0_2_1: &str = "7fde:a680:9546:ef2:d3c:7abb:1b38:2659";

#[test]
fn deterministic_writes_the_drafts_address_and_truncates_spellings_that_cannot_hold_it() {
    let d = tempfile::tempdir().unwrap();
    let key = key_file(d.path(), "k", DET_KEY.as_bytes(), 0o600);
    let line = "192.0.2.1 - - [07/Dec/2026:10:00:00 +0000] \"GET /a?next=http://192.0.2.1:8080/&h=ip-192-0-2-1.example.com HTTP/1.1\" 200 5 \"-\" \"curl\"\n";
    let o = loganon()
        .args([
            "anonymize",
            "--ip-mode",
            "ipcrypt-deterministic",
            "--rotate-key",
            "never",
            "--key-file",
        ])
        .arg(&key)
        .stdin(line)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        format!(
            "{DET_192_0_2_1} - - [07/Dec/2026:10:00:00 +0000] \"GET /a?next=http://[{DET_192_0_2_1}]:8080/&h=ip-192-0-2-0.example.com HTTP/1.1\" 200 5 \"-\" \"curl\"\n"
        )
    );
}

/// A 48 (nd) or 64 (ndx) hex digit run.
fn hex_runs(s: &str, n: usize) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == n)
        .map(str::to_string)
        .collect()
}

#[test]
fn nd_and_ndx_write_a_new_value_each_time_and_reveal_takes_each_back() {
    let d = tempfile::tempdir().unwrap();
    let k16 = key_file(d.path(), "k16", b"0123456789abcdeffedcba9876543210\n", 0o600);
    let k32 = key_file(
        d.path(),
        "k32",
        b"0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301",
        0o600,
    );
    let line = "198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"GET /?a=198.51.100.7&b=198.51.100.7 HTTP/1.1\" 200 5\n";
    for (mode, key, digits) in [("ipcrypt-nd", &k16, 48), ("ipcrypt-ndx", &k32, 64)] {
        let o = loganon()
            .args(["anonymize", "--ip-mode", mode, "--rotate-key", "never", "--key-file"])
            .arg(key)
            .stdin(line.repeat(2))
            .output();
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(!out.contains("198.51.100"), "{out}");
        let runs = hex_runs(&out, digits);
        assert_eq!(runs.len(), 6, "{mode}: {out}");
        let distinct: std::collections::BTreeSet<_> = runs.iter().collect();
        assert_eq!(distinct.len(), 6, "{mode}: a value repeats: {out}");
        let o = loganon()
            .args([
                "reveal",
                "--ip-mode",
                mode,
                "--rotate-key",
                "never",
                "--reason",
                "test",
                "--key-file",
            ])
            .arg(key)
            .arg("--audit-log")
            .arg(d.path().join("audit"))
            .args(&runs)
            .output();
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        let back = text(&o.stdout);
        assert_eq!(back.lines().count(), 6);
        assert!(back.lines().all(|l| l.ends_with(" 198.51.100.7")), "{back}");
        // check finds nothing in the output
        let c = loganon().args(["check", "--ip-mode", mode, "-"]).stdin(out).output();
        assert_eq!(code(&c), 0, "{}", text(&c.stdout));
    }
}

#[test]
fn each_variant_takes_the_key_size_it_needs() {
    let d = tempfile::tempdir().unwrap();
    let k16 = key_file(d.path(), "k16", b"0123456789abcdeffedcba9876543210\n", 0o600);
    let k32 = key_file(d.path(), "k32", &[7u8; 32], 0o600);
    let line = "198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";
    let run = |mode: &str, key: &std::path::Path, rotate: &str| {
        loganon()
            .args(["anonymize", "--ip-mode", mode, "--rotate-key", rotate, "--key-file"])
            .arg(key)
            .stdin(line)
            .output()
    };
    let o = run("ipcrypt-deterministic", &k32, "never");
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        "loganon: --ip-mode ipcrypt-deterministic with --rotate-key never takes a 16-byte key as it is (16 raw \
         bytes or 32 hex digits); this key holds 32 bytes\n"
    );
    let o = run("ipcrypt-pfx", &k16, "never");
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("takes a 32-byte key"), "{}", text(&o.stderr));
    // a day key is derived from either size
    for (mode, key) in [
        ("ipcrypt-ndx", &k16),
        ("ipcrypt-deterministic", &k32),
        ("ipcrypt-nd", &k32),
    ] {
        let o = run(mode, key, "daily");
        assert_eq!(code(&o), 0, "{mode}: {}", text(&o.stderr));
        assert!(!text(&o.stdout).contains("198.51.100"));
    }
}

#[test]
fn the_sample_anonymized_in_each_variant_passes_check() {
    let d = tempfile::tempdir().unwrap();
    let k32 = key_file(d.path(), "k32", &[7u8; 32], 0o600);
    for mode in ["ipcrypt-deterministic", "ipcrypt-nd", "ipcrypt-ndx", "ipcrypt-pfx"] {
        let o = loganon()
            .args(["anonymize", "--ip-mode", mode, "--key-file"])
            .arg(&k32)
            .arg("testdata/sample.log")
            .output();
        assert_eq!(code(&o), 0, "{mode}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        assert_eq!(
            out.lines().count(),
            fs::read_to_string("testdata/sample.log").unwrap().lines().count()
        );
        let c = loganon().args(["check", "--ip-mode", mode, "-"]).stdin(out).output();
        assert_eq!(code(&c), 0, "{mode}: {}", text(&c.stdout));
    }
}

const TWO_DAYS: &str = "198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
                        198.51.100.7 - - [02/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";

#[test]
fn keys_dir_makes_a_private_key_per_day_and_run_deletes_them_after_key_retention() {
    let d = tempfile::tempdir().unwrap();
    let keys = d.path().join("keys");
    let anonymize = || {
        loganon()
            .args(["anonymize", "--ip-mode", "ipcrypt-pfx", "--keys-dir"])
            .arg(&keys)
            .stdin(TWO_DAYS)
            .output()
    };
    let o = anonymize();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let first = text(&o.stdout);
    let p: Vec<&str> = first.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert!(!first.contains("198.51.100"), "{first}");
    assert_ne!(p[0], p[1], "two days, two keys");
    assert_eq!(fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o700);
    for day in ["2026-01-01", "2026-01-02"] {
        let k = keys.join(format!("{day}.key"));
        assert_eq!(fs::metadata(&k).unwrap().permissions().mode() & 0o777, 0o600, "{day}");
        let hex = fs::read_to_string(&k).unwrap();
        assert_eq!(hex.trim().len(), 64);
    }
    // the keys are kept: the same pseudonyms again
    assert_eq!(text(&anonymize().stdout), first);
    // reveal with the directory, while the key is there
    let audit = d.path().join("audit");
    let reveal = || {
        loganon()
            .args([
                "reveal",
                "--ip-mode",
                "ipcrypt-pfx",
                "--day",
                "2026-01-01",
                "--reason",
                "ticket 7",
                "--keys-dir",
            ])
            .arg(&keys)
            .arg("--audit-log")
            .arg(&audit)
            .arg(p[0])
            .output()
    };
    let o = reveal();
    assert_eq!(
        text(&o.stdout),
        format!("{} 198.51.100.7\n", p[0]),
        "{}",
        text(&o.stderr)
    );

    // run, 30 days of key retention, on 2026-01-20: the key of 01-01 goes
    let config = d.path().join("loganon.toml");
    fs::write(
        &config,
        format!(
            "state_dir = \"{}\"\n[anonymize]\nip_mode = \"ipcrypt-pfx\"\nkeys_dir = \"{}\"\nkey_retention = \"18d\"\n",
            d.path().join("state").display(),
            keys.display()
        ),
    )
    .unwrap();
    let o = loganon()
        .args(["run", "--now", "2026-01-20T00:00:00Z", "--config"])
        .arg(&config)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout).lines().next().unwrap(),
        format!("deleted-key {}/2026-01-01.key day=2026-01-01", keys.display())
    );
    assert!(!keys.join("2026-01-01.key").exists());
    assert!(keys.join("2026-01-02.key").exists());
    assert!(text(&o.stdout).contains("day keys deleted 1"), "{}", text(&o.stdout));

    // that day is out of reach: reveal says so, writes no audit record
    let records = fs::read_to_string(&audit).unwrap().lines().count();
    let o = reveal();
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        "loganon: the key of 2026-01-01 is deleted (key_retention in keys_dir): that day's pseudonyms can no \
         longer be revealed, nor linked; nothing was revealed\n"
    );
    assert_eq!(fs::read_to_string(&audit).unwrap().lines().count(), records);

    // erase by pseudonym finds day 2's line, and says day 1 is out of reach
    let log = d.path().join("access.log");
    fs::write(&log, &first).unwrap();
    let o = loganon()
        .args([
            "erase",
            "--address",
            "198.51.100.7",
            "--ip-mode",
            "ipcrypt-pfx",
            "--keys-dir",
        ])
        .arg(&keys)
        .arg(&log)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        first.lines().next().unwrap().to_string() + "\n"
    );
    assert!(
        text(&o.stderr).contains("the keys of 2026-01-01 are deleted (key_retention)"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn erase_finds_nd_pseudonyms_by_decrypting_them() {
    let d = tempfile::tempdir().unwrap();
    let key = key_file(d.path(), "k", &[5u8; 32], 0o600);
    let log = "198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 5\n\
               203.0.113.9 - - [01/Jan/2026:10:00:01 +0000] \"GET /b HTTP/1.1\" 200 5\n\
               198.51.100.7 - - [01/Jan/2026:10:00:02 +0000] \"GET /c HTTP/1.1\" 200 5\n";
    let o = loganon()
        .args(["anonymize", "--ip-mode", "ipcrypt-nd", "--key-file"])
        .arg(&key)
        .stdin(log)
        .output();
    let anon = text(&o.stdout);
    let file = d.path().join("access.log");
    fs::write(&file, &anon).unwrap();
    let o = loganon()
        .args([
            "erase",
            "--address",
            "198.51.100.7",
            "--ip-mode",
            "ipcrypt-nd",
            "--key-file",
        ])
        .arg(&key)
        .arg(&file)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        anon.lines().nth(1).unwrap().to_string() + "\n"
    );
}

#[test]
fn key_retention_and_keys_dir_are_checked_in_the_config() {
    let d = tempfile::tempdir().unwrap();
    let config = d.path().join("c.toml");
    let key = key_file(d.path(), "k", &[5u8; 32], 0o600);
    for (section, key_name, says) in [
        (
            "key_retention = \"30d\"\n".to_string(),
            "key_retention",
            "set keys_dir too",
        ),
        (
            format!(
                "keys_dir = \"{}/keys\"\nkey_file = \"{}\"\n",
                d.path().display(),
                key.display()
            ),
            "keys_dir",
            "not both",
        ),
        (
            format!("keys_dir = \"{}/keys\"\nrotate_key = \"never\"\n", d.path().display()),
            "rotate_key",
            "keys_dir holds a key per day",
        ),
    ] {
        fs::write(
            &config,
            format!("state_dir = \"{}/s\"\n[anonymize]\n{section}", d.path().display()),
        )
        .unwrap();
        let o = loganon().args(["run", "--config"]).arg(&config).output();
        assert_eq!(code(&o), 2, "{}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("[anonymize] key '{key_name}'")) && err.contains(says),
            "{err}"
        );
    }
    assert!(!d.path().join("keys").exists(), "nothing made for a bad configuration");
}

/// Red-team findings on keys_dir, each fixed: a deleted day's key is never
/// made again, a dry run writes nothing, a day after tomorrow gets no key,
/// a shared directory is refused before a key is written, a wrong-size
/// key fails the command, a symlinked key is not "deleted".
#[test]
fn keys_dir_holds_against_late_files_dry_runs_odd_dates_and_odd_keys() {
    let d = tempfile::tempdir().unwrap();
    let keys = d.path().join("keys");
    let anonymize = |input: &str| {
        loganon()
            .args(["anonymize", "--ip-mode", "ipcrypt-pfx", "--keys-dir"])
            .arg(&keys)
            .stdin(input)
            .output()
    };
    let config = d.path().join("k.toml");
    fs::write(
        &config,
        format!(
            "state_dir = \"{}\"\n[anonymize]\nip_mode = \"ipcrypt-pfx\"\nkeys_dir = \"{}\"\nkey_retention = \"18d\"\n",
            d.path().join("state").display(),
            keys.display()
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        loganon()
            .args(["run", "--now", "2026-01-20T00:00:00Z"])
            .args(extra)
            .arg("--config")
            .arg(&config)
            .output()
    };
    // a dry run before any key: nothing made, not even the folder
    let o = run(&["--dry-run"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!keys.exists(), "a dry run made the keys folder");
    let o = anonymize(TWO_DAYS);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(run(&[]).status.code(), Some(0));
    assert!(!keys.join("2026-01-01.key").exists());
    // a late line of the deleted day: no key made again, nothing of its
    // address written, said on stderr; reveal still calls the day deleted
    let o = anonymize("198.51.100.7 - - [01/Jan/2026:12:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n");
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "0.0.0.0 - - [01/Jan/2026:12:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"
    );
    assert!(text(&o.stderr).contains("past key_retention"), "{}", text(&o.stderr));
    assert!(!keys.join("2026-01-01.key").exists(), "the deleted key came back");
    // a day after tomorrow: no key made
    let o = anonymize("198.51.100.7 - - [01/Jan/2099:12:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n");
    assert_eq!(
        text(&o.stdout),
        "0.0.0.0 - - [01/Jan/2099:12:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"
    );
    assert!(!keys.join("2099-01-01.key").exists());
    // reveal: a day that never had a key is told apart from a deleted one
    let o = loganon()
        .args([
            "reveal",
            "--ip-mode",
            "ipcrypt-pfx",
            "--day",
            "2026-01-15",
            "--reason",
            "x",
            "--keys-dir",
        ])
        .arg(&keys)
        .arg("--audit-log")
        .arg(d.path().join("audit"))
        .arg("1.2.3.4")
        .output();
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("holds no key of 2026-01-15"),
        "{}",
        text(&o.stderr)
    );
    // a key of the wrong size: the day's lines keep nothing, exit 1
    key_file(&keys, "2026-01-10.key", b"000102030405060708090a0b0c0d0e0f\n", 0o600);
    let o = anonymize("198.51.100.7 - - [10/Jan/2026:12:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n");
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("0.0.0.0 "), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("2026-01-10.key: holds a 16-byte key"),
        "{}",
        text(&o.stderr)
    );
    // a symlinked key past retention is not "deleted": the target would stay
    let target = key_file(d.path(), "elsewhere.key", &[1u8; 32], 0o600);
    std::os::unix::fs::symlink(&target, keys.join("2025-12-20.key")).unwrap();
    let o = run(&[]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stderr).contains("2025-12-20.key: not a regular file"),
        "{}",
        text(&o.stderr)
    );
    assert!(target.exists());
    // a folder others may write is refused before anything is written
    let shared = d.path().join("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    let o = loganon()
        .args(["anonymize", "--ip-mode", "ipcrypt-pfx", "--keys-dir"])
        .arg(&shared)
        .stdin("1.2.3.4 x\n")
        // (refused before its input is read: the pipe may break)
        .stdin_may_stay_unread()
        .output();
    assert_eq!(code(&o), 2);
    assert_eq!(fs::read_dir(&shared).unwrap().count(), 0);
}

#[test]
fn a_settling_pass_keys_addresses_a_removal_formed_and_keeps_only_its_own_pseudonyms() {
    // `REDACTED` ends in hex digits: after the email goes, `ed:db8:...`
    // reads as an IPv6 address the first pass never saw
    let d = tempfile::tempdir().unwrap();
    let k32 = key_file(d.path(), "k32", &[7u8; 32], 0o600);
    let line = "1.2.3.4 - - [07/Dec/2026:10:00:00 +0000] \"GET /?q=bob@example.com2001:db8:abcd:ef01:2345:6789:abcd:ef99 HTTP/1.1\" 200 5\n";
    for mode in ["cryptopan", "ipcrypt-pfx", "ipcrypt-deterministic", "ipcrypt-nd"] {
        let o = loganon()
            .args(["anonymize", "--ip-mode", mode, "--key-file"])
            .arg(&k32)
            .stdin(line)
            .output();
        let out = text(&o.stdout);
        assert!(
            !out.contains("abcd:ef01") && !out.contains("6789:abcd"),
            "{mode}: {out}"
        );
        assert!(!out.contains("bob@"), "{mode}: {out}");
    }
    // an IPv4 address with a percent-encoded port, written as IPv6, takes brackets
    let k16 = key_file(d.path(), "k16", DET_KEY.as_bytes(), 0o600);
    let o = loganon()
        .args([
            "anonymize",
            "--ip-mode",
            "ipcrypt-deterministic",
            "--rotate-key",
            "never",
            "--key-file",
        ])
        .arg(&k16)
        .stdin("x ?next=http%3A%2F%2F192.0.2.1%3A80%2F\n")
        .output();
    assert_eq!(
        text(&o.stdout),
        format!("x ?next=http%3A%2F%2F[{DET_192_0_2_1}]%3A80%2F\n")
    );
}

#[test]
fn erase_finds_nd_and_ndx_pseudonyms_glued_to_ports_words_and_paths() {
    let d = tempfile::tempdir().unwrap();
    let k16 = key_file(d.path(), "k16", b"0123456789abcdeffedcba9876543210\n", 0o600);
    let k32 = key_file(d.path(), "k32", &[5u8; 32], 0o600);
    for (mode, key) in [("ipcrypt-nd", &k16), ("ipcrypt-ndx", &k32)] {
        // one pseudonym of 198.51.100.7, as the binary writes it
        let o = loganon()
            .args(["anonymize", "--ip-mode", mode, "--rotate-key", "never", "--key-file"])
            .arg(key)
            .stdin("198.51.100.7 x\n")
            .output();
        let p = text(&o.stdout).split(' ').next().unwrap().to_string();
        let lines = [
            format!("{p}:5555 a"),
            format!("x http://{p}:8080/ b"),
            format!("seen {p}."),
            format!("GET /id:{p} c"),
            format!("GET /cafe{p} d"),
            format!("{{\"c\":\"{}:1\"}}", p.to_uppercase()),
            "203.0.113.9 kept".to_string(),
        ];
        let file = d.path().join(format!("{mode}.log"));
        fs::write(&file, lines.join("\n") + "\n").unwrap();
        let o = loganon()
            .args([
                "erase",
                "--address",
                "198.51.100.7",
                "--ip-mode",
                mode,
                "--rotate-key",
                "never",
                "--key-file",
            ])
            .arg(key)
            .arg(&file)
            .output();
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        assert_eq!(fs::read_to_string(&file).unwrap(), "203.0.113.9 kept\n", "{mode}");
    }
}
