//! k-anonymous truncation (issue 17): `--min-k K` widens the networks of a
//! day used by fewer than K distinct client addresses; `--stats` and
//! `check --k-report` measure it. The exact prefixes of a log with known
//! sparse and dense networks, an independent count of the distinct input
//! addresses behind every output network of every day, `-j 1` = `-j 2`,
//! batch = stdin, and the modes it refuses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::bin::{loganon, stats_json, text};
use crate::common::rng::Rng;

/// A combined line of `day` (of December 2026) from `client`, which the
/// referer and an `X-Forwarded-For`-like query value repeat.
fn line(day: u32, client: &str) -> String {
    format!(
        "{client} - - [{day:02}/Dec/2026:10:00:00 +0000] \"GET /p?via={client} HTTP/1.1\" 200 5 \
         \"http://example.com/?from={client}\" \"Mozilla/5.0\""
    )
}

/// The fields of an output line as this test reads them (its own split,
/// not the anonymizer's parser): client, day, and the two repeats.
fn fields(l: &str) -> (String, String, String, String) {
    let client = l.split(' ').next().unwrap().to_string();
    let day = l.split('[').nth(1).unwrap()[..2].to_string();
    let via = l.split("via=").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let from = l.split("from=").nth(1).unwrap().split('"').next().unwrap().to_string();
    (client, day, via, from)
}

/// (day, input client, expected output) for K = 5.
const KNOWN: &[(u32, &str, &str)] = &[
    // day 1: a dense /24 (6 addresses) keeps its /24
    (1, "198.51.100.1", "198.51.100.0"),
    (1, "198.51.100.2", "198.51.100.0"),
    (1, "198.51.100.3", "198.51.100.0"),
    (1, "198.51.100.4", "198.51.100.0"),
    (1, "198.51.100.5", "198.51.100.0"),
    (1, "198.51.100.6", "198.51.100.0"),
    (1, "198.51.100.6", "198.51.100.0"),
    // two sparse /24s (2 and 3) of one /16: together 5, written as the /16
    (1, "203.0.113.1", "203.0.0.0"),
    (1, "203.0.113.2", "203.0.0.0"),
    (1, "203.0.114.1", "203.0.0.0"),
    (1, "203.0.114.2", "203.0.0.0"),
    (1, "203.0.114.3", "203.0.0.0"),
    // lone addresses: their /16s and /8s hold too few, 0.0.0.0 holds 5
    (1, "192.0.2.1", "0.0.0.0"),
    (1, "192.0.9.1", "0.0.0.0"),
    (1, "192.88.99.1", "0.0.0.0"),
    (1, "100.64.0.1", "0.0.0.0"),
    (1, "100.65.0.1", "0.0.0.0"),
    // IPv6: a dense /48 (5), two sparse ones (3 and 2) pooled in their /32
    (1, "2001:db8:1::1", "2001:db8:1::"),
    (1, "2001:db8:1::2", "2001:db8:1::"),
    (1, "2001:db8:1::3", "2001:db8:1::"),
    (1, "2001:db8:1::4", "2001:db8:1::"),
    (1, "2001:db8:1::5", "2001:db8:1::"),
    (1, "2001:db8:2::1", "2001:db8::"),
    (1, "2001:db8:2::2", "2001:db8::"),
    (1, "2001:db8:2::3", "2001:db8::"),
    (1, "2001:db8:3::1", "2001:db8::"),
    (1, "2001:db8:3::2", "2001:db8::"),
    // day 2, counted on its own: the dense /24 again, and one lone address
    // that no wider network lifts to 5: the smallest other network joins it
    // at 0.0.0.0 (the widest pool must hold K too)
    (2, "198.51.100.1", "0.0.0.0"),
    (2, "198.51.100.2", "0.0.0.0"),
    (2, "198.51.100.3", "0.0.0.0"),
    (2, "198.51.100.4", "0.0.0.0"),
    (2, "198.51.100.5", "0.0.0.0"),
    (2, "203.0.113.1", "0.0.0.0"),
    // day 3: a dense /24 and nothing else
    (3, "198.51.100.1", "198.51.100.0"),
    (3, "198.51.100.2", "198.51.100.0"),
    (3, "198.51.100.3", "198.51.100.0"),
    (3, "198.51.100.4", "198.51.100.0"),
    (3, "198.51.100.5", "198.51.100.0"),
];

fn known_log() -> String {
    let mut s: String = KNOWN.iter().map(|(d, c, _)| line(*d, c) + "\n").collect();
    // undated lines (unparsed) take the day of --now (day 1): an address in
    // a counted dense /24, one in a counted sparse /24, one in a network no
    // client used
    s.push_str("connect from 198.51.100.77\nconnect from 203.0.113.77\nconnect from 8.8.8.8\n");
    s
}

const NOW: &str = "2026-12-01T12:00:00Z";

#[test]
fn known_sparse_and_dense_networks_get_their_exact_prefixes() {
    let out = loganon()
        .args(["anonymize", "--min-k", "5", "--now", NOW])
        .stdin(known_log().as_bytes())
        .assert_exit_code(0);
    let got = text(&out.stdout);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), KNOWN.len() + 3, "{got}");
    for ((day, input, want), l) in KNOWN.iter().zip(&lines) {
        let (client, d, via, from) = fields(l);
        assert_eq!(d, format!("{day:02}"));
        assert_eq!(client, *want, "day {day}: {input} -> {l}");
        // every address of the line, not only the client, at the same width
        assert_eq!(via, *want, "{l}");
        assert_eq!(from, *want, "{l}");
    }
    assert_eq!(
        &lines[KNOWN.len()..],
        [
            "connect from 198.51.100.0",
            "connect from 203.0.0.0",
            "connect from 0.0.0.0"
        ]
    );
}

/// This test's own count: per (day, output client), the distinct input
/// clients written as it.
fn distinct_behind(input: &str, output: &str) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut m: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (i, o) in input.lines().zip(output.lines()) {
        if !i.contains(" - - [") {
            continue;
        }
        let (client_in, day, _, _) = fields(i);
        let (client_out, day_out, _, _) = fields(o);
        assert_eq!(day, day_out);
        m.entry((day, client_out)).or_default().insert(client_in);
    }
    m
}

#[test]
fn no_output_network_of_any_day_has_fewer_than_k_distinct_clients() {
    let log = known_log();
    for k in [2u64, 5, 7] {
        let out = loganon()
            .args(["anonymize", "--min-k", &k.to_string(), "--now", NOW])
            .stdin(log.as_bytes())
            .assert_exit_code(0);
        let groups = distinct_behind(&log, &text(&out.stdout));
        for ((day, net), behind) in &groups {
            if behind.len() as u64 >= k {
                continue;
            }
            // only where the whole day (of that family) has fewer than K:
            // then all of it is one network, the widest
            let v6 = net.contains(':');
            let all: usize = groups
                .iter()
                .filter(|((d, n), _)| d == day && n.contains(':') == v6)
                .map(|(_, b)| b.len())
                .sum();
            assert!(
                (all as u64) < k && (net == "0.0.0.0" || net == "::") && all == behind.len(),
                "K={k}, day {day}: {net} covers only {behind:?}"
            );
        }
        if k == 7 {
            // day 2 has 6 addresses in all
            assert_eq!(groups[&("02".to_string(), "0.0.0.0".to_string())].len(), 6);
        }
    }
    // and without --min-k the same count finds the sparse networks
    let plain = loganon().args(["anonymize"]).stdin(log.as_bytes()).output();
    let below = distinct_behind(&log, &text(&plain.stdout))
        .values()
        .filter(|b| b.len() < 5)
        .count();
    assert_eq!(below, 10);
}

/// A larger generated log (more than one chunk of 1 MiB, three days):
/// networks of every density, IPv4 and IPv6.
fn generated() -> String {
    let mut rng = Rng(0x6b61_6e6f_6e17);
    let mut s = String::new();
    for n in 0..14_000u64 {
        let day = 1 + (n % 3) as u32;
        // a /24 from a small set with many hosts, or one of a large set
        // with few, or an IPv6 /48 of either kind
        let client = match rng.below(10) {
            0..=4 => format!("10.{}.{}.{}", rng.below(4), rng.below(6), rng.below(250) + 1),
            5..=7 => format!("172.{}.{}.{}", 16 + rng.below(8), rng.below(200), rng.below(4) + 1),
            8 => format!("2001:db8:{:x}::{:x}", rng.below(3), rng.below(300) + 1),
            _ => format!("2001:db8:{:x}:{:x}::1", rng.below(5000) + 16, rng.below(3)),
        };
        s.push_str(&line(day, &client));
        s.push('\n');
    }
    s
}

#[test]
fn a_generated_log_holds_k_everywhere_and_the_same_bytes_whatever_j_or_input() {
    let log = generated();
    assert!(log.len() > 1 << 20, "more than one chunk: {}", log.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.log");
    std::fs::write(&path, &log).unwrap();
    let gz = dir.path().join("access.log.gz");
    std::fs::write(&gz, crate::common::gz::gzip(log.as_bytes())).unwrap();
    let file = |j: &str, input: &Path, name: &str| {
        let o = dir.path().join(name);
        let _out = loganon()
            .args([
                "anonymize".as_ref(),
                "--min-k".as_ref(),
                "5".as_ref(),
                "-j".as_ref(),
                j.as_ref(),
                input.as_os_str(),
                "-o".as_ref(),
                o.as_os_str(),
            ])
            .assert_exit_code(0);
        o
    };
    let one = std::fs::read(file("1", &path, "j1.log")).unwrap();
    let two = std::fs::read(file("2", &path, "j2.log")).unwrap();
    assert!(one == two, "-j 1 and -j 2 differ");
    // gzip input: read twice (count, then rewrite), the output gzip too
    let z = file("2", &gz, "z.log.gz");
    let unz = crate::common::gz::gunzip(&std::fs::read(z).unwrap());
    assert!(unz == one, "gzip input gives other bytes");
    // stdin (spooled) = the file
    let s = loganon()
        .args(["anonymize", "--min-k", "5", "-j", "2"])
        .stdin(log.as_bytes())
        .assert_exit_code(0);
    assert!(s.stdout == one, "stdin gives other bytes");
    let output = String::from_utf8(one).unwrap();
    let groups = distinct_behind(&log, &output);
    for ((day, net), behind) in &groups {
        assert!(behind.len() >= 5, "day {day}: {net} covers only {}", behind.len());
    }
    // the widths are mixed: kept /24s and /48s, and wider ones
    let nets: BTreeSet<&str> = groups.keys().map(|(_, n)| n.as_str()).collect();
    assert!(
        nets.iter().any(|n| n.ends_with(".0") && !n.ends_with(".0.0")),
        "{nets:?}"
    );
    assert!(nets.iter().any(|n| n.ends_with(".0.0")), "{nets:?}");
    assert!(nets.contains("2001:db8::"), "{nets:?}");
    // the report of the run agrees: nothing below K
    let st = loganon()
        .args(["anonymize", "--min-k", "5", "--stats=json"])
        .stdin(log.as_bytes())
        .output();
    let j = stats_json(&text(&st.stderr));
    let days = j["k_anonymity"]["days"].as_array().unwrap().clone();
    assert_eq!(days.len(), 3);
    for d in &days {
        assert_eq!(d["below_k"], 0, "{d}");
    }
    assert_eq!(j["k_anonymity"]["enforced"], true);
}

#[test]
fn the_report_counts_the_networks_below_k_and_their_requests() {
    let log = known_log();
    // check --k-report on the raw log: what truncation alone gives
    let out = loganon()
        .args(["check", "--k-report", "--json"])
        .stdin(log.as_bytes())
        .stdin_may_stay_unread()
        .assert_exit_code(1);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["k"], 5);
    assert_eq!(j["enforced"], false);
    let d1 = &j["days"][0];
    assert_eq!(d1["date"], "2026-12-01");
    // /24s: 198.51.100 (6), 203.0.113 (2), 203.0.114 (3), 192.0.2, 192.0.9,
    // 192.88.99, 100.64.0, 100.65.0 (1 each); /48s: :1 (5), :2 (3), :3 (2)
    assert_eq!(d1["networks"], 11);
    assert_eq!(d1["below_k"], 9);
    assert_eq!(d1["requests"], 27);
    assert_eq!(d1["requests_below_k"], 15);
    assert_eq!(j["days"][1]["below_k"], 1);
    assert_eq!(j["days"][2]["below_k"], 0);
    // nothing in the report is an address or a network
    let all = text(&out.stdout);
    assert!(
        !all.contains("198.51") && !all.contains("2001:") && !all.contains("203.0"),
        "{all}"
    );
    // --min-k K of check: a smaller K finds fewer
    let two = loganon()
        .args(["check", "--k-report", "--json", "--min-k", "2"])
        .stdin(log.as_bytes())
        .stdin_may_stay_unread()
        .output();
    let j2: serde_json::Value = serde_json::from_slice(&two.stdout).unwrap();
    assert_eq!(j2["days"][0]["below_k"], 5);
    // --stats of a plain run has no k-anonymity section (issue 27); with
    // --min-k none below K
    let plain = loganon()
        .args(["anonymize", "--stats=json", "--now", NOW])
        .stdin(log.as_bytes())
        .output();
    let s = stats_json(&text(&plain.stderr));
    assert!(s.get("k_anonymity").is_none(), "{s}");
    assert_eq!(s["lines_read"], log.lines().count());
    let text_stats = loganon()
        .args(["anonymize", "--stats", "--min-k", "5", "--now", NOW])
        .stdin(log.as_bytes())
        .output();
    let t = text(&text_stats.stderr);
    assert!(
        t.contains("k-anonymity, K=5 (enforced by --min-k): 3 day(s), 0 with networks below K"),
        "{t}"
    );
    assert!(
        t.contains("2026-12-01: networks 5, below K 0 (0.0% of 27 requests), widened 9"),
        "{t}"
    );
    // a clean report exits 0
    let day3: String = KNOWN
        .iter()
        .filter(|k| k.0 == 3)
        .map(|(d, c, _)| line(*d, c) + "\n")
        .collect();
    let _ok = loganon()
        .args(["check", "--k-report"])
        .stdin(day3.as_bytes())
        .stdin_may_stay_unread()
        .assert_exit_code(0);
}

#[test]
fn keep_network_addresses_stay_whole_and_are_not_counted() {
    let mut log = String::new();
    for h in 1..=3 {
        log.push_str(&line(1, &format!("10.0.0.{h}")));
        log.push('\n');
    }
    for h in 1..=5 {
        log.push_str(&line(1, &format!("198.51.100.{h}")));
        log.push('\n');
    }
    let out = loganon()
        .args(["anonymize", "--min-k", "5", "--keep-network", "10.0.0.0/8"])
        .stdin(log.as_bytes())
        .output();
    let got: Vec<String> = text(&out.stdout).lines().map(|l| fields(l).0).collect();
    assert_eq!(
        got,
        [
            "10.0.0.1",
            "10.0.0.2",
            "10.0.0.3",
            "198.51.100.0",
            "198.51.100.0",
            "198.51.100.0",
            "198.51.100.0",
            "198.51.100.0"
        ]
    );
}

#[test]
fn keyed_modes_and_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    std::fs::write(&key, "ab".repeat(32)).unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let k = key.to_str().unwrap();
    for mode in ["hash", "cryptopan"] {
        let out = loganon()
            .args(["anonymize", "--min-k", "5", "--ip-mode", mode, "--key-file", k])
            .stdin(b"1.2.3.4\n")
            .stdin_may_stay_unread()
            .assert_exit_code(2);
        let e = text(&out.stderr);
        assert!(e.contains("--min-k") && e.contains("truncate"), "{e}");
    }
    // truncation with hashed identifiers: both apply
    let log = known_log();
    let out = loganon()
        .args([
            "anonymize",
            "--min-k",
            "5",
            "--identifiers",
            "hash",
            "--key-file",
            k,
            "--now",
            NOW,
        ])
        .stdin(log.as_bytes())
        .assert_exit_code(0);
    let first = text(&out.stdout).lines().nth(7).unwrap().to_string();
    assert_eq!(fields(&first).0, "203.0.0.0", "{first}");
    // drop: every address is 0.0.0.0 already; --min-k changes nothing
    let a = loganon()
        .args(["anonymize", "--ip-mode", "drop"])
        .stdin(log.as_bytes())
        .output();
    let b = loganon()
        .args(["anonymize", "--ip-mode", "drop", "--min-k", "5"])
        .stdin(log.as_bytes())
        .output();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn min_k_is_bounded() {
    for bad in ["1", "0", "x", "1000001"] {
        let _out = loganon().args(["anonymize", "--min-k", bad]).assert_exit_code(2);
    }
    // check's K goes with --k-report only
    let out = loganon()
        .args(["check", "--min-k", "3", "/dev/null"])
        .assert_exit_code(2);
    assert!(text(&out.stderr).contains("--k-report"), "{}", text(&out.stderr));
}

#[test]
fn json_lines_count_their_client_key() {
    let j = |addr: &str, q: &str| {
        format!("{{\"time\":\"2026-12-01T10:00:00Z\",\"remote_addr\":\"{addr}\",\"request\":\"GET /{q}\"}}\n")
    };
    let mut log = String::new();
    for h in 1..=5 {
        log.push_str(&j(&format!("198.51.100.{h}"), ""));
    }
    for h in 1..=6 {
        log.push_str(&j(&format!("203.0.113.{h}"), "?via=203.0.113.200"));
    }
    log.push_str(&j("192.0.2.1", "?via=198.51.100.9"));
    let got = text(
        &loganon()
            .args(["anonymize", "--min-k", "5"])
            .stdin(log.as_bytes())
            .output()
            .stdout,
    );
    let lines: Vec<&str> = got.lines().collect();
    let client = |l: &str| {
        l.split("remote_addr\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    // the lone client's 0.0.0.0 holds too few: the smaller dense /24 (5)
    // joins it, the larger (6) keeps its /24; addresses in queries follow
    // their networks
    assert_eq!(client(lines[0]), "0.0.0.0", "{got}");
    assert_eq!(client(lines[5]), "203.0.113.0", "{got}");
    assert!(lines[5].contains("?via=203.0.113.0"), "{got}");
    assert_eq!(client(lines[11]), "0.0.0.0", "{got}");
    assert!(lines[11].contains("?via=0.0.0.0"), "{got}");
}

/// `run` with `min_k` in `[anonymize]`: the file rewritten in place is what
/// `anonymize --min-k` writes; bad values are configuration errors.
#[test]
fn run_applies_min_k_from_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let file = logs.join("access.log-20261201");
    let log = known_log();
    std::fs::write(&file, &log).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_000_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let config = |extra: &str| {
        let c = tmp.path().join("loganon.toml");
        std::fs::write(
            &c,
            format!(
                "state_dir = \"{}\"\nlock = \"{}\"\n\n[anonymize]\n{extra}\n\n[[logs]]\nname = \"web\"\n\
                 paths = [\"{}/access.log-*\"]\nformat = \"combined\"\nanonymize_after = \"1d\"\n\
                 delete_after = \"900d\"\n",
                tmp.path().join("state").display(),
                tmp.path().join("run.lock").display(),
                logs.display()
            ),
        )
        .unwrap();
        c
    };
    for (bad, word) in [
        ("min_k = 1", "min_k"),
        ("min_k = \"x\"", "min_k"),
        ("min_k = 5\nip_mode = \"hash\"", "min_k"),
    ] {
        let c = config(bad);
        let out = loganon()
            .args([
                "run".as_ref(),
                "--config".as_ref(),
                c.as_os_str(),
                "--now".as_ref(),
                "2027-01-01".as_ref(),
            ])
            .assert_exit_code(2);
        assert!(text(&out.stderr).contains(word), "{}", text(&out.stderr));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), log, "nothing done");
    }
    let c = config("min_k = 5");
    let _out = loganon()
        .args([
            "run".as_ref(),
            "--config".as_ref(),
            c.as_os_str(),
            "--now".as_ref(),
            "2026-12-01T12:00:00Z".as_ref(),
        ])
        .assert_exit_code(0);
    let want = loganon()
        .args(["anonymize", "--min-k", "5", "--now", NOW])
        .stdin(log.as_bytes())
        .output();
    assert_eq!(text(&std::fs::read(&file).unwrap()), text(&want.stdout));
}
