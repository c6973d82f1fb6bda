//! Issue 29, item 1 (the algorithms): the IETF ipcrypt draft's 31 test
//! vectors (`../shared/ipcrypt/test_vectors.json`) through
//! `loganon::ipcrypt`, all four variants.

use std::fs;
use std::net::IpAddr;

use loganon::ipcrypt;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).unwrap())
        .collect()
}

fn block(ip: &str) -> u128 {
    match ip.parse::<IpAddr>().unwrap() {
        IpAddr::V4(a) => ipcrypt::mapped(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn show(a: u128) -> String {
    match ipcrypt::unmapped(a) {
        Some(v4) => std::net::Ipv4Addr::from(v4).to_string(),
        None => std::net::Ipv6Addr::from(a).to_string(),
    }
}

#[test]
#[cfg_attr(not(shared_ipcrypt), ignore = "needs ../shared/ipcrypt")]
fn the_31_vectors_of_the_draft() {
    let Some(dir) = crate::common::shared::shared("ipcrypt") else {
        return;
    };
    let vectors: Vec<serde_json::Value> =
        serde_json::from_slice(&fs::read(dir.join("test_vectors.json")).unwrap()).unwrap();
    assert_eq!(vectors.len(), 31);
    let mut seen = std::collections::BTreeMap::new();
    for v in &vectors {
        let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"));
        let (variant, key, ip) = (s("variant"), hex(s("key")), s("ip"));
        let got = match variant {
            "ipcrypt-deterministic" => show(ipcrypt::deterministic(&key.try_into().unwrap(), block(ip))),
            "ipcrypt-pfx" => {
                let k: [u8; 32] = key.try_into().unwrap();
                match ip.parse::<IpAddr>().unwrap() {
                    IpAddr::V4(a) => std::net::Ipv4Addr::from(ipcrypt::pfx_v4(&k, u32::from(a))).to_string(),
                    IpAddr::V6(a) => std::net::Ipv6Addr::from(ipcrypt::pfx_v6(&k, u128::from(a))).to_string(),
                }
            }
            "ipcrypt-nd" => {
                let t: [u8; 8] = hex(s("tweak")).try_into().unwrap();
                let out = ipcrypt::nd(&key.try_into().unwrap(), &t, block(ip));
                out.iter().map(|b| format!("{b:02x}")).collect()
            }
            "ipcrypt-ndx" => {
                let t: [u8; 16] = hex(s("tweak")).try_into().unwrap();
                let out = ipcrypt::ndx(&key.try_into().unwrap(), &t, block(ip));
                out.iter().map(|b| format!("{b:02x}")).collect()
            }
            other => panic!("unknown variant {other}"),
        };
        let want = v
            .get("encrypted_ip")
            .or_else(|| v.get("output"))
            .and_then(|w| w.as_str())
            .unwrap();
        // IPv6 text compared as addresses (the draft writes some zeros out)
        let same = match (got.parse::<IpAddr>(), want.parse::<IpAddr>()) {
            (Ok(a), Ok(b)) => a == b,
            _ => got == want,
        };
        assert!(same, "{variant} {ip}: got {got}, the draft says {want}");
        *seen.entry(variant).or_insert(0) += 1;
    }
    assert_eq!(seen.values().sum::<i32>(), 31, "{seen:?}");
}

/// All 31 vectors through the command line, each variant as an
/// `--ip-mode`: the vector's key as the key file (hex, with its newline),
/// `--rotate-key never`, the tweak of nd and ndx given by the test-only
/// `--ipcrypt-tweak`, the address as a CLF client; compared with the
/// draft's output as text (addresses as addresses). Then `reveal` gives
/// each vector's address back from the draft's output.
#[test]
#[cfg_attr(not(shared_ipcrypt), ignore = "needs ../shared/ipcrypt")]
fn the_31_vectors_through_the_command_line_and_back() {
    let Some(dir) = crate::common::shared::shared("ipcrypt") else {
        return;
    };
    let vectors: Vec<serde_json::Value> =
        serde_json::from_slice(&fs::read(dir.join("test_vectors.json")).unwrap()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let audit = d.path().join("audit.log");
    let mut n = std::collections::BTreeMap::new();
    for v in &vectors {
        let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"));
        let (variant, ip) = (s("variant"), s("ip"));
        let key = crate::common::files::key_file(d.path(), "key", format!("{}\n", s("key")).as_bytes(), 0o600);
        let want = v
            .get("encrypted_ip")
            .or_else(|| v.get("output"))
            .and_then(|w| w.as_str())
            .unwrap();
        let line = format!("{ip} - - [07/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n");
        let mut cmd = crate::common::bin::loganon();
        cmd.args(["anonymize", "--ip-mode", variant, "--rotate-key", "never", "--key-file"])
            .arg(&key);
        if let Some(t) = v.get("tweak").and_then(|t| t.as_str()) {
            cmd.args(["--ipcrypt-tweak", t]);
        }
        let o = cmd.stdin(line).output();
        assert_eq!(
            crate::common::bin::code(&o),
            0,
            "{variant} {ip}: {}",
            crate::common::bin::text(&o.stderr)
        );
        let out = crate::common::bin::text(&o.stdout);
        let got = out.split(' ').next().unwrap();
        match (got.parse::<IpAddr>(), want.parse::<IpAddr>()) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{variant} {ip}"),
            _ => assert_eq!(got, want, "{variant} {ip}"),
        }
        assert_eq!(
            &out[got.len()..],
            " - - [07/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n"
        );
        // and back, from the draft's own output
        let o = crate::common::bin::loganon()
            .args([
                "reveal",
                "--ip-mode",
                variant,
                "--rotate-key",
                "never",
                "--reason",
                "vectors",
            ])
            .arg("--key-file")
            .arg(&key)
            .arg("--audit-log")
            .arg(&audit)
            .arg(want)
            .output();
        assert_eq!(
            crate::common::bin::code(&o),
            0,
            "{variant}: {}",
            crate::common::bin::text(&o.stderr)
        );
        let back = crate::common::bin::text(&o.stdout);
        let (p, a) = back.trim_end().split_once(' ').unwrap();
        assert_eq!(p, want);
        assert_eq!(
            a.parse::<IpAddr>().unwrap(),
            ip.parse::<IpAddr>().unwrap(),
            "{variant} {want}"
        );
        *n.entry(variant).or_insert(0) += 1;
    }
    assert_eq!(
        n.into_iter().collect::<Vec<_>>(),
        [
            ("ipcrypt-deterministic", 5),
            ("ipcrypt-nd", 5),
            ("ipcrypt-ndx", 5),
            ("ipcrypt-pfx", 16)
        ]
    );
}
