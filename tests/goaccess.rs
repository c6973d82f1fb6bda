//! A downstream check: GoAccess (the Debian package `goaccess`) reads every
//! file of the real corpus in `../shared/corpus` as a combined log, raw and
//! anonymized by `loganon anonymize` (its defaults), and must report the same
//! numbers of valid and failed requests, the same bandwidth, the same URLs
//! (with their hits, bytes, methods and protocols; query strings stripped
//! with `-q`, since their values are what loganon redacts), the same status
//! codes and the same browsers and operating systems with their versions.
//! Visitors are not compared: they are IP address, date and user agent, and
//! the addresses are what changes.
//!
//! The few lines where the reports differ are listed in [`DEVIATIONS`], each
//! with its file, line and bytes, and each must still occur: the test fails
//! when one goes away, so the list stays true.
//!
//! Skips with a printed reason when `goaccess` or the corpus is absent.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

use crate::common::bin::{loganon, TestCommand};
use crate::common::gz::decompressed;
use crate::common::shared::shared;

/// A deliberately broken gzip file (tests/integration/corpus.rs tests it on
/// its own).
const BROKEN_GZ: &str = "lnav/textfile_broken_gz.txt.gz";

/// A line whose GoAccess entry loganon changes: line `line` of `file`
/// (relative to the corpus) holds `bytes.0`, its anonymized line holds
/// `bytes.1` there, and GoAccess's item `item.0` of `panel` becomes `item.1`
/// (GoAccess shows URLs percent-decoded).
struct Deviation {
    file: &'static str,
    line: usize,
    bytes: (&'static str, &'static str),
    panel: &'static str,
    item: (&'static str, &'static str),
}

/// Where the reports differ. The first and the third are the rules as
/// docs/rules.md states them (an address is truncated everywhere in the line, an
/// email redacted wherever it is, percent-encoded too). The second is a
/// version number read as an IPv4 address: `phpMyAdmin-2.8.2.3` in a
/// scanner's probe, a loss of fidelity that GoAccess shows (reported to the
/// lead; when the scanner learns it, this entry fails and goes).
const DEVIATIONS: &[Deviation] = &[
    Deviation {
        file: "fail2ban/nginx-bad-request.log",
        line: 20,
        bytes: (
            "\"CONNECT 123.123.123.123 HTTP/1.1\"",
            "\"CONNECT 123.123.123.0 HTTP/1.1\"",
        ),
        panel: "requests",
        item: ("123.123.123.123", "123.123.123.0"),
    },
    Deviation {
        file: "fail2ban/nginx-botsearch.log",
        line: 2,
        bytes: ("GET //phpMyAdmin-2.8.2.3/scripts/", "GET //phpMyAdmin-2.8.2.0/scripts/"),
        panel: "not_found",
        item: (
            "//phpMyAdmin-2.8.2.3/scripts/setup.php",
            "//phpMyAdmin-2.8.2.0/scripts/setup.php",
        ),
    },
    Deviation {
        file: "logstash-patterns-core/httpd_spec.lines.txt",
        line: 2,
        bytes: ("/users/1/username%40example.com/", "/users/1/REDACTED/"),
        panel: "requests",
        item: (
            "/bar/foo/users/1/username@example.com/authenticate",
            "/bar/foo/users/1/REDACTED/authenticate",
        ),
    },
];

/// The report's totals that must not change.
const GENERAL: &[&str] = &[
    "total_requests",
    "valid_requests",
    "failed_requests",
    "excluded_hits",
    "bandwidth",
    "unique_files",
    "unique_not_found",
    "unique_static_files",
];

/// The panels compared, item by item with their sub-items (the browsers'
/// versions, the systems' versions, the status codes under their class).
const PANELS: &[&str] = &[
    "requests",
    "static_requests",
    "not_found",
    "status_codes",
    "browsers",
    "os",
];

fn have_goaccess() -> bool {
    match Command::new("goaccess").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            println!("skipping: goaccess not found (Debian: apt-get install goaccess)");
            false
        }
    }
}

/// The corpus files named in its PROVENANCE.tsv, sorted.
fn files(root: &Path) -> Vec<String> {
    let tsv = fs::read_to_string(root.join("PROVENANCE.tsv")).expect("PROVENANCE.tsv");
    let mut v: Vec<String> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| !f.is_empty() && *f != BROKEN_GZ)
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// GoAccess's JSON report of `log` (its own bytes are not always UTF-8:
/// URLs are written decoded; both sides are read the same lossy way).
fn report(log: &Path, json: &Path) -> Value {
    let _ = fs::remove_file(json);
    let out = TestCommand::new("goaccess")
        .args(["--no-global-config", "--log-format=COMBINED", "--num-tests=0", "-q"])
        .args(["--max-items=1000000", "--no-progress", "--no-parsing-spinner", "-o"])
        .arg(json)
        .arg(log)
        .output();
    let bytes = fs::read(json).unwrap_or_else(|e| {
        panic!(
            "goaccess wrote no report for {} ({e}); exit {:?}, stderr: {}",
            log.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(&String::from_utf8_lossy(&bytes)).unwrap_or_else(|e| panic!("{}: {e}", json.display()))
}

/// An item's figures: hits, bytes, method and protocol (requests only).
fn figures(item: &Value) -> String {
    format!(
        "hits {} bytes {} {} {}",
        item["hits"]["count"],
        item["bytes"]["count"],
        item["method"].as_str().unwrap_or(""),
        item["protocol"].as_str().unwrap_or("")
    )
}

/// A panel as `item -> figures`, sub-items as `item / sub-item -> figures`.
fn panel(report: &Value, name: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for item in report[name]["data"].as_array().into_iter().flatten() {
        let key = item["data"].as_str().unwrap_or_default().to_string();
        for sub in item["items"].as_array().into_iter().flatten() {
            let s = sub["data"].as_str().unwrap_or_default();
            m.insert(format!("{key} / {s}"), figures(sub));
        }
        m.insert(key, figures(item));
    }
    m
}

/// Line `n` (1-based) of `bytes`.
fn line(bytes: &[u8], n: usize) -> &[u8] {
    bytes.split(|&b| b == b'\n').nth(n - 1).unwrap_or_default()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
#[cfg_attr(not(have_goaccess), ignore = "needs goaccess (apt-get install goaccess)")]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]
fn goaccess_reads_the_anonymized_corpus_as_the_raw_one() {
    let Some(root) = shared("corpus") else { return };
    if !have_goaccess() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (raw_log, anon_log) = (dir.path().join("raw.log"), dir.path().join("anon.log"));
    let json = dir.path().join("report.json");
    let mut failures = Vec::new();
    let mut used = vec![false; DEVIATIONS.len()];
    let (mut compared, mut valid) = (0, 0);
    for rel in files(&root) {
        let path = root.join(&rel);
        let raw = decompressed(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        fs::write(&raw_log, &raw).expect("write raw");
        let out = loganon().arg("anonymize").arg(&raw_log).output();
        assert!(
            out.status.success(),
            "{rel}: loganon anonymize failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        fs::write(&anon_log, &out.stdout).expect("write anonymized");
        let a = report(&raw_log, &json);
        let b = report(&anon_log, &json);
        for key in GENERAL {
            if a["general"][key] != b["general"][key] {
                failures.push(format!(
                    "{rel}: {key}: raw {} anonymized {}",
                    a["general"][key], b["general"][key]
                ));
            }
        }
        for &name in PANELS {
            let x = panel(&a, name);
            let mut y = panel(&b, name);
            for (k, d) in DEVIATIONS.iter().enumerate() {
                if d.file != rel || d.panel != name {
                    continue;
                }
                let raw_line = line(&raw, d.line);
                let anon_line = line(&out.stdout, d.line);
                if !contains(raw_line, d.bytes.0) || !contains(anon_line, d.bytes.1) {
                    failures.push(format!(
                        "{rel} line {}: expected {:?} -> {:?}, found {:?} -> {:?}",
                        d.line,
                        d.bytes.0,
                        d.bytes.1,
                        String::from_utf8_lossy(raw_line),
                        String::from_utf8_lossy(anon_line)
                    ));
                }
                // the anonymized item stands for the raw one
                if let Some(v) = y.remove(d.item.1) {
                    y.insert(d.item.0.to_string(), v);
                    used[k] = true;
                }
            }
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                if x.get(key) != y.get(key) {
                    failures.push(format!(
                        "{rel}: {name} {key:?}: raw {:?}, anonymized {:?}",
                        x.get(key),
                        y.get(key)
                    ));
                }
            }
        }
        compared += 1;
        valid += a["general"]["valid_requests"].as_u64().unwrap_or(0);
    }
    for (d, used) in DEVIATIONS.iter().zip(&used) {
        if !used {
            failures.push(format!(
                "{} line {}: GoAccess's {} item {:?} -> {:?} no longer occurs; remove it from DEVIATIONS",
                d.file, d.line, d.panel, d.item.0, d.item.1
            ));
        }
    }
    println!("goaccess: {compared} corpus files compared, {valid} valid requests in the raw ones");
    // the corpus's combined logs alone hold over 14,000 valid requests
    assert!(
        valid > 14_000,
        "only {valid} valid requests: did goaccess read the files?"
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
