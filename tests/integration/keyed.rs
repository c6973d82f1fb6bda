//! Keyed pseudonyms (issue 6): the Crypto-PAn reference vectors, the
//! prefix-preserving property, determinism across `-j`, key rotation, key
//! files, and `check` on pseudonymized output.

use std::os::unix::fs::PermissionsExt;

use crate::common::bin::loganon;
use crate::common::files::key_file;
use crate::common::shared::shared;

use loganon::keyed::{CryptoPan, IpMode, KeyRing, MasterKey, Rotate};
use proptest::prelude::*;

/// The key of the Crypto-PAn distribution's sample.cpp (public test key).
const REF_KEY: [u8; 32] = [
    21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131, 121, 121, 101, 39, 98,
    87, 76, 45, 42, 132, 34, 2,
];

#[test]
#[cfg_attr(not(shared_cryptopan), ignore = "needs ../shared/cryptopan")]
fn all_100_reference_pairs_in_the_library() {
    let Some(dir) = shared("cryptopan") else { return };
    let raw = std::fs::read_to_string(dir.join("sample_trace_raw.dat")).unwrap();
    let san = std::fs::read_to_string(dir.join("sample_trace_sanitized.dat")).unwrap();
    let pan = CryptoPan::new(&REF_KEY);
    let mut n = 0;
    for (a, b) in raw.lines().zip(san.lines()) {
        let ip = |l: &str| u32::from(l.split('\t').nth(2).unwrap().parse::<std::net::Ipv4Addr>().unwrap());
        assert_eq!(pan.v4(ip(a)), ip(b), "{a} -> {b}");
        n += 1;
    }
    assert_eq!(n, 100);
}

/// The whole trace through the binary: every line is `time TAB size TAB
/// address`, unparsed, so the generic scanner rewrites the address; the output
/// must equal the sanitized trace byte for byte.
#[test]
#[cfg_attr(not(shared_cryptopan), ignore = "needs ../shared/cryptopan")]
fn all_100_reference_pairs_through_the_binary() {
    let Some(dir) = shared("cryptopan") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path(), "ref.key", &REF_KEY, 0o600);
    let raw = std::fs::read(dir.join("sample_trace_raw.dat")).unwrap();
    let san = std::fs::read(dir.join("sample_trace_sanitized.dat")).unwrap();
    let out = loganon()
        .args([
            "anonymize",
            "--ip-mode",
            "cryptopan",
            "--rotate-key",
            "never",
            "--key-file",
            key.to_str().unwrap(),
        ])
        .stdin(&raw)
        .stdin_may_stay_unread()
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&san));
}

fn common_prefix(a: u128, b: u128, bits: u32) -> u32 {
    ((a ^ b) << (128 - bits)).leading_zeros().min(bits)
}

proptest! {
    #[test]
    fn cryptopan_v4_preserves_exactly_the_common_prefix(key in any::<[u8; 32]>(), a in any::<u32>(), b in any::<u32>()) {
        let pan = CryptoPan::new(&key);
        let k = common_prefix(u128::from(a), u128::from(b), 32);
        let k2 = common_prefix(u128::from(pan.v4(a)), u128::from(pan.v4(b)), 32);
        prop_assert_eq!(k, k2);
    }

    #[test]
    fn cryptopan_v4_shared_prefixes_of_every_length(key in any::<[u8; 32]>(), a in any::<u32>(), k in 0u32..32) {
        // b shares exactly k bits with a
        let b = a ^ (1u32 << (31 - k));
        let pan = CryptoPan::new(&key);
        prop_assert_eq!(common_prefix(u128::from(pan.v4(a)), u128::from(pan.v4(b)), 32), k);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn cryptopan_v6_preserves_exactly_the_common_prefix(key in any::<[u8; 32]>(), a in any::<u128>(), k in 0u32..128) {
        let b = a ^ (1u128 << (127 - k));
        let pan = CryptoPan::new(&key);
        prop_assert_eq!(common_prefix(pan.v6(a), pan.v6(b), 128), k);
    }
}

fn generated(lines: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for n in 0..lines {
        let day = 1 + n % 3;
        v.extend_from_slice(
            format!(
                "{}.{}.{}.{} - user{} [0{day}/Jan/2026:10:00:00 +0000] \"GET /?email=u{}%40example.com HTTP/1.1\" 200 {} \"-\" \"UA\" \"2001:db8:{:x}::{:x}\"\n",
                1 + n % 200,
                n % 7,
                n % 13,
                n % 251,
                n % 5,
                n % 11,
                n,
                n % 97,
                n % 89
            )
            .as_bytes(),
        );
    }
    v
}

#[test]
fn output_does_not_depend_on_jobs_or_chunking() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path(), "k", &[7u8; 32], 0o600);
    let k = key.to_str().unwrap();
    // ~3 MB: several 1 MiB chunks
    let input = generated(20_000);
    let path = tmp.path().join("in.log");
    std::fs::write(&path, &input).unwrap();
    for mode in ["hash", "cryptopan"] {
        let anonymized = |j: &str, from_file: bool| {
            let mut args = vec![
                "anonymize",
                "-j",
                j,
                "--ip-mode",
                mode,
                "--identifiers",
                "hash",
                "--key-file",
                k,
            ];
            let p = path.to_str().unwrap();
            if from_file {
                args.push(p);
            }
            let out = loganon()
                .args(&args)
                .stdin(if from_file { &b""[..] } else { &input[..] })
                .stdin_may_stay_unread()
                .output();
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let a = anonymized("1", true);
        assert_eq!(a, anonymized("2", true), "{mode}: -j 1 and -j 2 differ");
        assert_eq!(a, anonymized("2", false), "{mode}: file and stdin differ");
        let text = String::from_utf8_lossy(&a);
        assert!(!text.contains("user1") && !text.contains("%40example.com"), "{mode}");
        let check = loganon()
            .args(["check", "--ip-mode", mode])
            .stdin(&a)
            .stdin_may_stay_unread()
            .output();
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

#[test]
fn daily_keys_differ_across_days_and_never_keeps_them() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path(), "k", &[9u8; 32], 0o600);
    let k = key.to_str().unwrap();
    let input = b"203.0.113.9 - alice [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n\
203.0.113.9 - alice [01/Jan/2026:23:59:59 +0000] \"GET / HTTP/1.1\" 200 1\n\
203.0.113.9 - alice [02/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n";
    let fields = |rotate: &str, mode: &str| -> Vec<(String, String)> {
        let out = loganon()
            .args([
                "anonymize",
                "--ip-mode",
                mode,
                "--identifiers",
                "hash",
                "--rotate-key",
                rotate,
                "--key-file",
                k,
            ])
            .stdin(input)
            .stdin_may_stay_unread()
            .output();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f[0].to_string(), f[2].to_string())
            })
            .collect()
    };
    for mode in ["hash", "cryptopan"] {
        let d = fields("daily", mode);
        assert_eq!(d[0], d[1], "{mode}: same day, same pseudonyms");
        assert_ne!(d[0].0, d[2].0, "{mode}: another day, another address pseudonym");
        assert_ne!(d[0].1, d[2].1, "{mode}: another day, another user pseudonym");
        assert!(d[0].1.starts_with('~') && d[0].1.len() == 17);
        let n = fields("never", mode);
        assert_eq!(n[0], n[2], "{mode}: never rotates");
    }
    let h = fields("daily", "hash");
    assert!(
        h[0].0.parse::<std::net::Ipv4Addr>().unwrap().octets()[0] >= 240,
        "hash lands in 240.0.0.0/4"
    );
}

#[test]
fn key_ring_matches_the_binary() {
    // the library's day key is what the binary uses: same pseudonym
    let ring = KeyRing::new(MasterKey::new([9; 32]), Rotate::Never);
    let a = ring
        .for_day(0)
        .unwrap()
        .v4(IpMode::Hash, u32::from(std::net::Ipv4Addr::new(203, 0, 113, 9)));
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path(), "k", &[9u8; 32], 0o600);
    let out = loganon()
        .args([
            "anonymize",
            "--ip-mode",
            "hash",
            "--rotate-key",
            "never",
            "--key-file",
            key.to_str().unwrap(),
        ])
        .stdin(b"203.0.113.9\n")
        .stdin_may_stay_unread()
        .output();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        std::net::Ipv4Addr::from(a).to_string()
    );
}

#[test]
fn bad_key_files_exit_2_naming_the_path_never_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = "aa".repeat(32);
    let cases = [
        (tmp.path().join("missing.key"), "No such file"),
        (key_file(tmp.path(), "short.key", b"0123456789", 0o600), "10 bytes"),
        (key_file(tmp.path(), "open.key", secret.as_bytes(), 0o644), "chmod 600"),
    ];
    for (path, why) in cases {
        let p = path.to_str().unwrap();
        let out = loganon()
            .args(["anonymize", "--ip-mode", "hash", "--key-file", p])
            .stdin(b"1.2.3.4\n")
            .stdin_may_stay_unread()
            .output();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{p}: {err}");
        assert!(err.contains(p) && err.contains(why), "{p}: {err}");
        assert!(!err.contains(&secret), "the key leaked: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = loganon()
        .args(["anonymize", "--ip-mode", "cryptopan"])
        .stdin(b"1.2.3.4\n")
        .stdin_may_stay_unread()
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key-file"));
}

#[test]
fn keygen_makes_a_private_key_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("new.key");
    let ps = p.to_str().unwrap();
    let out = loganon()
        .args(["keygen", ps])
        .stdin(b"")
        .stdin_may_stay_unread()
        .output();
    assert_eq!(out.status.code(), Some(0));
    let meta = std::fs::metadata(&p).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text.trim().len(), 64);
    let again = loganon()
        .args(["keygen", ps])
        .stdin(b"")
        .stdin_may_stay_unread()
        .output();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), text, "not overwritten");
    // the generated key works
    let out = loganon()
        .args(["anonymize", "--ip-mode", "hash", "--key-file", ps])
        .stdin(b"1.2.3.4\n")
        .stdin_may_stay_unread()
        .output();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn batch_and_cron_use_the_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path(), "k", &[3u8; 32], 0o600);
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let line = "198.51.100.7 - bob [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n";
    std::fs::write(logs.join("access.log-20260101"), line).unwrap();
    let f = std::fs::File::options()
        .write(true)
        .open(logs.join("access.log-20260101"))
        .unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_312_000))
        .unwrap();
    drop(f);
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "state_dir = \"{}\"\n[anonymize]\nip_mode = \"hash\"\nidentifiers = \"hash\"\nkey_file = \"{}\"\n[[logs]]\nname = \"w\"\npaths = [\"{}/access.log-*\"]\nanonymize_after = \"1d\"\n",
            tmp.path().join("state").display(),
            key.display(),
            logs.display()
        ),
    )
    .unwrap();
    let out = loganon()
        .args(["run", "--config", config.to_str().unwrap(), "--now", "2026-01-05"])
        .stdin(b"")
        .stdin_may_stay_unread()
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains(&"03".repeat(32)), "the key leaked into messages");
    let done = std::fs::read_to_string(logs.join("access.log-20260101")).unwrap();
    let first: std::net::Ipv4Addr = done.split(' ').next().unwrap().parse().unwrap();
    assert!(first.octets()[0] >= 240, "{done}");
    assert!(done.contains(" - ~") && !done.contains("bob"), "{done}");
}

#[test]
fn undated_lines_take_the_day_of_now_in_the_stream_and_the_batch() {
    // the command's clock reaches the engine: pinned by --now, the day of an
    // undated line's keys is that day's, in the stream and in a batch;
    // a dated line keeps its own day's
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path(), "k", &[9u8; 32], 0o600);
    let ring = KeyRing::new(MasterKey::new([9; 32]), Rotate::Daily);
    let addr = u32::from(std::net::Ipv4Addr::new(203, 0, 113, 9));
    let on = |day: i64| std::net::Ipv4Addr::from(ring.for_day(day).unwrap().v4(IpMode::Hash, addr)).to_string();
    let input = "connect from 203.0.113.9\n203.0.113.9 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";
    let log = tmp.path().join("a.log");
    std::fs::write(&log, input).unwrap();
    let k = key.to_str().unwrap();
    let keyed = ["anonymize", "--ip-mode", "hash", "--key-file", k, "--now"];
    // 2026-12-05 and 2026-12-06 (days 20792, 20793); the line's own: 20788
    for (now, day) in [("2026-12-05", 20792), ("2026-12-06", 20793)] {
        let want = format!("connect from {}\n{} - - [01/Dec", on(day), on(20788));
        let out = loganon()
            .args([&keyed[..], &[now]].concat())
            .stdin(input.as_bytes())
            .stdin_may_stay_unread()
            .output();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let got = String::from_utf8_lossy(&out.stdout);
        assert!(got.starts_with(&want), "stream --now {now}: {got}");
        let dir = tmp.path().join(now);
        std::fs::create_dir(&dir).unwrap();
        let args = [
            &keyed[..],
            &[now, "--out-dir", dir.to_str().unwrap(), log.to_str().unwrap()],
        ]
        .concat();
        let out = loganon().args(&args).stdin(b"").stdin_may_stay_unread().output();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let got = std::fs::read_to_string(dir.join("a.log")).unwrap();
        assert!(got.starts_with(&want), "batch --now {now}: {got}");
    }
    assert_ne!(on(20792), on(20793));
}
