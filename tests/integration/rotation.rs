//! Retention under logrotate's layouts (issue 13): Debian's numbered
//! rotation with `delaycompress` and `rotate 14`, simulated night by night
//! with logrotate's renames, compression and deletions done by the test;
//! `loganon run` after each rotation.
//!
//! Each file is anonymized exactly once (a rename or a compression is known
//! again), its totals are recorded when it is anonymized (so logrotate may
//! delete it), the CSV equals totals computed here from the raw lines by the
//! test's own parser, and the state keeps no entry of a file gone.
//!
//! Time is simulated with `--now` and modification times in the past of the
//! real clock (files modified in the last real minute are skipped by design).
//!
//! The generated lines, their reading and the Debian site here are shared
//! with `rotation_examples.rs` (the example configurations on Debian's and
//! RHEL's layouts) and `rotation_state.rs` (`dateext` rotation, a file
//! changed after it was counted, an older state).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin::{assert_exit, loganon, text};
use crate::common::civil::{civil_from_days, date_string, days_from_civil, rfc3339, DAY, MONTHS};
use crate::common::files::set_mtime;
use crate::common::gz::{gzip, plain};
use crate::common::rng::Rng;
use crate::common::sys;

const CSV_HEADER: &str =
    "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks,incomplete_files";

// ---------------------------------------------------------------------------
// helpers

// ---------------------------------------------------------------------------
// generated lines, and the test's own reading of them

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Clf,
    Json,
    W3c,
}

impl Kind {
    fn format(self) -> &'static str {
        match self {
            Kind::Clf => "combined",
            Kind::Json => "json",
            Kind::W3c => "w3c",
        }
    }
}

const NETS: [[u8; 3]; 8] = [
    [192, 0, 2],
    [198, 51, 100],
    [203, 0, 113],
    [81, 2, 69],
    [93, 184, 216],
    [151, 101, 1],
    [185, 15, 59],
    [62, 12, 1],
];
const STATUSES: [u16; 10] = [200, 200, 204, 301, 304, 403, 404, 500, 503, 101];
/// minutes east of UTC: some CLF lines of a day fall on another UTC date
const ZONES: [i64; 4] = [0, 0, 120, -300];

/// A day's log: `n` requests in [start, start + DAY).
pub(crate) fn day_log(kind: Kind, rng: &mut Rng, start: i64, n: usize) -> Vec<u8> {
    let mut times: Vec<i64> = (0..n).map(|_| start + rng.below(DAY as u64 - 120) as i64).collect();
    times.sort();
    let mut s = String::new();
    if kind == Kind::W3c {
        s.push_str(&format!(
            "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: {} 00:00:00\n\
             #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-bytes\n",
            date_string(start)
        ));
    }
    for t in times {
        let net = NETS[rng.below(NETS.len() as u64) as usize];
        let ip = format!("{}.{}.{}.{}", net[0], net[1], net[2], 1 + rng.below(254));
        let status = STATUSES[rng.below(STATUSES.len() as u64) as usize];
        let size = (rng.below(5) != 0).then(|| rng.below(40_000));
        let secret = rng.next();
        match kind {
            Kind::Clf => {
                let zone = ZONES[rng.below(ZONES.len() as u64) as usize];
                let local = t + zone * 60;
                let (y, m, d) = civil_from_days(local.div_euclid(DAY));
                let sec = local.rem_euclid(DAY);
                let sign = if zone < 0 { '-' } else { '+' };
                s.push_str(&format!(
                    "{ip} - alice [{d:02}/{}/{y}:{:02}:{:02}:{:02} {sign}{:02}{:02}] \"GET /p?token=t{secret:x} HTTP/1.1\" \
                     {status} {} \"https://www.example.com/?email=bob%40example.org\" \"Mozilla/5.0\"\n",
                    MONTHS[(m - 1) as usize],
                    sec / 3600,
                    sec / 60 % 60,
                    sec % 60,
                    zone.abs() / 60,
                    zone.abs() % 60,
                    size.map_or("-".into(), |v| v.to_string()),
                ));
            }
            Kind::Json => s.push_str(&format!(
                "{{\"time\":\"{}\",\"remote_addr\":\"{ip}\",\"request\":\"GET /p?token=t{secret:x} HTTP/1.1\",\
                 \"status\":{status},\"body_bytes_sent\":{},\"http_user_agent\":\"Mozilla/5.0\"}}\n",
                rfc3339(t),
                size.unwrap_or(0)
            )),
            Kind::W3c => {
                let sec = t.rem_euclid(DAY);
                s.push_str(&format!(
                    "{} {:02}:{:02}:{:02} 10.0.0.5 GET /p token=t{secret:x} 443 alice {ip} Mozilla/5.0 {status} {}\n",
                    date_string(t),
                    sec / 3600,
                    sec / 60 % 60,
                    sec % 60,
                    size.map_or("-".into(), |v| v.to_string())
                ));
            }
        }
    }
    s.into_bytes()
}

#[derive(Default)]
struct Totals {
    requests: u64,
    bytes: u64,
    status: [u64; 5],
    nets: BTreeSet<String>,
}

/// The summary CSV of these raw CLF texts, by the test's own parser: each
/// line's UTC date, status class, bytes and client /24.
pub(crate) fn expected_csv(raws: &[&[u8]]) -> String {
    expected_csv_of(Kind::Clf, raws)
}

/// A CLF line's UTC date, status, size and client.
fn read_clf(line: &str) -> (String, u64, String, String) {
    let (client, rest) = line.split_once(' ').unwrap();
    let open = rest.find('[').unwrap();
    let close = rest.find(']').unwrap();
    let stamp = &rest[open + 1..close]; // 01/Mar/2025:10:00:00 +0200
    let (d, mon, y) = (&stamp[0..2], &stamp[3..6], &stamp[7..11]);
    let m = MONTHS.iter().position(|x| *x == mon).unwrap() as i64 + 1;
    let num = |s: &str| s.parse::<i64>().unwrap();
    let (hh, mm, ss) = (num(&stamp[12..14]), num(&stamp[15..17]), num(&stamp[18..20]));
    let zone = &stamp[21..26];
    let off = (num(&zone[1..3]) * 60 + num(&zone[3..5])) * if zone.starts_with('-') { -1 } else { 1 };
    let utc = days_from_civil(num(y), m, num(d)) * DAY + hh * 3600 + mm * 60 + ss - off * 60;
    let after = &rest[rest[close..].find('"').unwrap() + close + 1..];
    let after = &after[after.find('"').unwrap() + 2..]; // past the request
    let mut f = after.split(' ');
    let status = f.next().unwrap().parse().unwrap();
    let size = f.next().unwrap().to_string();
    (date_string(utc), status, size, client.to_string())
}

/// A JSON line's date (its `time` is UTC), `status`, `body_bytes_sent`
/// and `remote_addr`.
fn read_json(line: &str) -> (String, u64, String, String) {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let time = v["time"].as_str().unwrap();
    assert!(time.ends_with('Z'), "{line}");
    (
        time[..10].to_string(),
        v["status"].as_u64().unwrap(),
        v["body_bytes_sent"].to_string(),
        v["remote_addr"].as_str().unwrap().to_string(),
    )
}

/// A W3C data line's date, `sc-status`, `sc-bytes` and `c-ip` (the
/// columns of [`day_log`]'s `#Fields:`).
fn read_w3c(line: &str) -> (String, u64, String, String) {
    let f: Vec<&str> = line.split(' ').collect();
    assert_eq!(f.len(), 12, "{line}");
    (
        f[0].to_string(),
        f[10].parse().unwrap(),
        f[11].to_string(),
        f[8].to_string(),
    )
}

/// The summary CSV of these raw texts of `kind`, by the test's own parser:
/// each line's UTC date, status class, bytes (`-` is 0) and client /24.
fn expected_csv_of(kind: Kind, raws: &[&[u8]]) -> String {
    let mut days: BTreeMap<String, Totals> = BTreeMap::new();
    for raw in raws {
        for line in std::str::from_utf8(raw).unwrap().lines() {
            let (date, status, size, client) = match kind {
                _ if line.starts_with('#') => continue,
                Kind::Clf => read_clf(line),
                Kind::Json => read_json(line),
                Kind::W3c => read_w3c(line),
            };
            let t = days.entry(date).or_default();
            t.requests += 1;
            t.bytes += size.parse::<u64>().unwrap_or(0);
            t.status[match status / 100 {
                2 => 0,
                3 => 1,
                4 => 2,
                5 => 3,
                _ => 4,
            }] += 1;
            t.nets.insert(client.rsplit_once('.').unwrap().0.to_string());
        }
    }
    let mut s = format!("{CSV_HEADER}\n");
    for (date, d) in days {
        let [a, b, c, e, o] = d.status;
        s.push_str(&format!(
            "{date},{},{},{a},{b},{c},{e},{o},{},0\n",
            d.requests,
            d.bytes,
            d.nets.len()
        ));
    }
    s
}

/// (requests, bytes) of a summary CSV.
fn csv_sums(csv: &str) -> (u64, u64) {
    csv.lines().skip(1).fold((0, 0), |(r, b), l| {
        let f: Vec<&str> = l.split(',').collect();
        (r + f[1].parse::<u64>().unwrap(), b + f[2].parse::<u64>().unwrap())
    })
}

// ---------------------------------------------------------------------------
// a Debian log folder and logrotate's nightly work

pub(crate) struct Site {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) logs: PathBuf,
    pub(crate) csv: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) state: PathBuf,
}

pub(crate) fn site(kind: Kind, delete_after: &str) -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("log/nginx");
    fs::create_dir_all(&logs).unwrap();
    let csv = tmp.path().join("lib/web-daily.csv");
    let state = tmp.path().join("lib/state.json");
    let config = tmp.path().join("loganon.toml");
    // the Debian example's set, with the test's folders
    fs::write(
        &config,
        format!(
            "state_dir = \"{lib}\"\n\n[anonymize]\nlevel = 1\n\n[[logs]]\nname = \"web\"\n\
             paths = [\"{logs}/access.log.*\"]\nformat = \"{format}\"\nanonymize_after = \"1h\"\n\
             delete_after = \"{delete_after}\"\nsummary = \"{csv}\"\n",
            lib = tmp.path().join("lib").display(),
            logs = logs.display(),
            format = kind.format(),
            csv = csv.display(),
        ),
    )
    .unwrap();
    Site {
        tmp,
        logs,
        csv,
        config,
        state,
    }
}

impl Site {
    pub(crate) fn p(&self, name: &str) -> PathBuf {
        self.logs.join(name)
    }

    pub(crate) fn run(&self, now: i64, extra: &[&str]) -> Output {
        let now = rfc3339(now);
        loganon()
            .args(["run", "--config"])
            .arg(&self.config)
            .args(["--now", &now])
            .args(extra)
            .output()
    }

    /// logrotate with `daily rotate 14 compress delaycompress create`: the
    /// oldest goes, `.N.gz` becomes `.N+1.gz`, `.1` is compressed into
    /// `.2.gz` (gzip keeps its mtime and removes it), `access.log` becomes
    /// `.1`, a new empty `access.log` is created. Returns the deleted
    /// file's name.
    fn logrotate(&self) -> Option<String> {
        let gone = self
            .p("access.log.14.gz")
            .exists()
            .then(|| "access.log.14.gz".to_string());
        if gone.is_some() {
            fs::remove_file(self.p("access.log.14.gz")).unwrap();
        }
        for k in (2..=13).rev() {
            let from = self.p(&format!("access.log.{k}.gz"));
            if from.exists() {
                fs::rename(&from, self.p(&format!("access.log.{}.gz", k + 1))).unwrap();
            }
        }
        let one = self.p("access.log.1");
        if one.exists() {
            let mtime = fs::metadata(&one).unwrap().mtime();
            let to = self.p("access.log.2.gz");
            fs::write(&to, gzip(&fs::read(&one).unwrap())).unwrap();
            set_mtime(&to, mtime);
            fs::remove_file(&one).unwrap();
        }
        fs::rename(self.p("access.log"), &one).unwrap();
        File::create(self.p("access.log")).unwrap();
        gone
    }

    /// (inode, mtime, bytes) of every rotated file, by name.
    pub(crate) fn rotated(&self) -> BTreeMap<String, (u64, i64, Vec<u8>)> {
        fs::read_dir(&self.logs)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name().to_string_lossy().starts_with("access.log."))
            .map(|e| {
                let m = e.metadata().unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, (m.ino(), m.mtime(), fs::read(e.path()).unwrap()))
            })
            .collect()
    }

    /// The paths the state has records of.
    pub(crate) fn state_paths(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let v: serde_json::Value = serde_json::from_slice(&fs::read(&self.state).unwrap()).unwrap();
        let keys = |k: &str| {
            v[k].as_object()
                .unwrap()
                .keys()
                .map(|p| Path::new(p).file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        (keys("anonymized"), keys("prints"))
    }
}

/// The reference anonymization of a raw text (`loganon anonymize` on stdin).
fn reference(kind: Kind, raw: &[u8]) -> Vec<u8> {
    let o = loganon()
        .args(["anonymize", "--format", kind.format()])
        .stdin(raw)
        .assert_exit_code(0);
    o.stdout
}

/// Output lines, the summary line last, the others sorted; `*` at the end of
/// an expected line matches any rest.
#[track_caller]
pub(crate) fn assert_lines(out: &[u8], want: &[String], what: &str) {
    let out = text(out);
    let mut got: Vec<&str> = out.lines().collect();
    let last = got.pop();
    got.sort();
    got.extend(last);
    let mut want = want.to_vec();
    let last = want.pop();
    want.sort();
    want.extend(last);
    let ok = got.len() == want.len()
        && got.iter().zip(&want).all(|(g, w)| match w.strip_suffix('*') {
            Some(prefix) => g.starts_with(prefix),
            None => g == w,
        });
    assert!(
        ok,
        "{what}: output differs\nexpected:\n{}\nactual:\n{out}",
        want.join("\n")
    );
}

/// 20 nights of Debian rotation (`rotate 14`, `delaycompress`), `run`
/// each morning after logrotate. With `delete_after` under 14 days, `run`
/// deletes the oldest files itself; else logrotate does.
fn debian_nights(kind: Kind, delete_after_days: Option<i64>, seed: u64) {
    let start = days_from_civil(2025, 3, 1) * DAY;
    let real_now = sys::real_now();
    assert!(real_now > start + 40 * DAY, "the simulated nights must lie in the past");
    let s = site(kind, &delete_after_days.map_or("90d".to_string(), |d| format!("{d}d")));
    let mut rng = Rng(seed);
    // the raw text and the anonymized text of each night's log
    let mut raws: Vec<Vec<u8>> = Vec::new();
    let mut anons: Vec<Vec<u8>> = Vec::new();
    let mut anonymized_lines = 0;
    let mut summarized_requests = 0u64;
    File::create(s.p("access.log")).unwrap();
    for night in 0..20i64 {
        let day = start + night * DAY;
        // the day's traffic, written to the active log (not matched by the glob)
        let raw = day_log(kind, &mut rng, day, 30 + night as usize);
        fs::write(s.p("access.log"), &raw).unwrap();
        set_mtime(&s.p("access.log"), day + DAY - 60);
        raws.push(raw.clone());
        anons.push(reference(kind, &raw));
        // 06:25 logrotate, 07:00 loganon
        let logrotated = s.logrotate();
        let now = day + DAY + 7 * 3600 - 60;
        let p = |n: &str| s.p(n).display().to_string();
        let present: BTreeSet<String> = s.rotated().into_keys().collect();
        let expired: Vec<String> = match delete_after_days {
            Some(d) => (d + 1..=14)
                .map(|k| format!("access.log.{k}.gz"))
                .filter(|n| present.contains(n))
                .collect(),
            None => Vec::new(),
        };
        let kept = present.len() - 1 - expired.len();
        let what = format!("{kind:?}, night {}", night + 1);

        // the dry run knows the renamed and compressed files too, and counts its plan
        let before = s.rotated();
        let o = s.run(now, &["--dry-run"]);
        assert_exit(&o, 0);
        let mut want = vec![
            format!("would-anonymize {} age=7h", p("access.log.1")),
            format!("would-summarize {}", p("access.log.1")),
        ];
        for e in &expired {
            want.push(format!("would-delete {} *", p(e)));
        }
        want.push(format!(
            "run (dry run): anonymized 1, summarized 1, deleted {}, already done {kept}, errors 0",
            expired.len()
        ));
        assert_lines(&o.stdout, &want, &format!("{what}: dry run"));
        assert!(before == s.rotated(), "{what}: the dry run changed files");

        // the run: yesterday's file only, once; no file renamed or compressed is touched
        let o = s.run(now, &[]);
        assert_exit(&o, 0);
        let n_lines = raw.iter().filter(|&&b| b == b'\n').count();
        let out = text(&o.stdout);
        let requests: u64 = out
            .lines()
            .find_map(|l| l.strip_prefix(&format!("summarized {} dates=", p("access.log.1"))))
            .and_then(|l| l.rsplit_once(" requests="))
            .map(|(_, n)| n.parse().unwrap())
            .unwrap_or_else(|| panic!("{what}: no summarized line:\n{out}"));
        summarized_requests += requests;
        let mut want = vec![
            format!("anonymized {} lines={n_lines} *", p("access.log.1")),
            format!("summarized {} dates=*", p("access.log.1")),
        ];
        for e in &expired {
            want.push(format!("deleted {} *", p(e)));
        }
        want.push(format!(
            "run: anonymized 1, summarized 1, deleted {}, already done {kept}, errors 0",
            expired.len()
        ));
        assert_lines(&o.stdout, &want, &what);
        anonymized_lines += out.lines().filter(|l| l.starts_with("anonymized ")).count();
        let after = s.rotated();
        for (name, (ino, mtime, bytes)) in &before {
            if name == "access.log.1" || expired.contains(name) {
                continue;
            }
            assert!(
                after.get(name) == Some(&(*ino, *mtime, bytes.clone())),
                "{what}: {name} was touched although it was anonymized before"
            );
        }
        // every file present holds its night's anonymized text, whatever its name
        for (name, (_, mtime, bytes)) in &after {
            let k: i64 = name["access.log.".len()..].trim_end_matches(".gz").parse().unwrap();
            let of = (night + 1 - k) as usize;
            assert!(
                plain(bytes).expect("valid gzip") == anons[of],
                "{what}: {name} is not night {}'s anonymized log",
                of + 1
            );
            assert_eq!(*mtime, start + of as i64 * DAY + DAY - 60, "{what}: {name}: mtime kept");
            assert_eq!(name.ends_with(".gz"), k >= 2, "{what}: {name}");
        }
        let gone_by_logrotate = logrotated.is_some();
        assert_eq!(gone_by_logrotate, delete_after_days.is_none() && night >= 14, "{what}");
        // the state: exactly the files present
        let names: BTreeSet<String> = after.keys().cloned().collect();
        assert_eq!(s.state_paths(), (names.clone(), names), "{what}: state entries");

        // the totals: every night so far, once, although logrotate deleted the oldest
        let csv = fs::read_to_string(&s.csv).unwrap();
        let all: Vec<&[u8]> = raws.iter().map(Vec::as_slice).collect();
        assert_eq!(csv, expected_csv_of(kind, &all), "{what}: summary");
        let data_lines = raw
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty() && l[0] != b'#')
            .count();
        assert_eq!(requests, data_lines as u64, "{what}");
        assert_eq!(csv_sums(&csv).0, summarized_requests, "{what}: nothing counted twice");

        // the same morning again: nothing to do
        let o = s.run(now, &[]);
        assert_exit(&o, 0);
        assert_eq!(
            text(&o.stdout),
            format!(
                "run: anonymized 0, summarized 0, deleted 0, already done {}, errors 0\n",
                after.len()
            ),
            "{what}: second run"
        );
        assert!(after == s.rotated(), "{what}: the second run changed files");
        assert_eq!(fs::read_to_string(&s.csv).unwrap(), csv, "{what}: second run");
    }
    assert_eq!(anonymized_lines, 20, "each night's log anonymized exactly once");
    drop(s.tmp);
}

#[test]
fn debian_numbered_rotation_with_delaycompress_clf() {
    debian_nights(Kind::Clf, None, 0xDEB1_A401);
}

#[test]
fn debian_numbered_rotation_run_deletes_before_logrotate() {
    debian_nights(Kind::Clf, Some(5), 0xDEB1_A402);
}

#[test]
fn debian_numbered_rotation_json() {
    debian_nights(Kind::Json, None, 0xDEB1_A403);
}

#[test]
fn debian_numbered_rotation_w3c() {
    debian_nights(Kind::W3c, None, 0xDEB1_A404);
}
