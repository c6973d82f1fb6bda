//! Integration tests of retention: `purge`, `anonymize --max-age`, and the
//! `run` cron job (anonymization in place, summaries before deletion, the
//! lock, dry runs, configuration errors, SIGKILL at arbitrary points).
//!
//! The binary is run as cron or an operator runs it. Time is simulated with
//! `--now`; file ages are set with `File::set_modified` (files modified in the
//! last minute of the real clock are skipped by design). Delays before SIGKILL
//! are fault-injection points, never synchronisation.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::bin::{assert_exit, code, loganon, run};
use crate::common::civil::{civil_from_days, date_string, days_from_civil, rfc3339, DAY, MONTHS};
use crate::common::files::set_mtime;
use crate::common::gz::{gzip, plain};
use crate::common::rng::Rng;
use crate::common::sys::real_now;

const CSV_HEADER: &str = "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks\n";

// ---------------------------------------------------------------------------
// helpers: processes, time, files

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Sets the modification time of a special file (a FIFO cannot be opened
/// without blocking).
fn set_mtime_by_path(path: &Path, secs: i64) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: secs as libc::time_t,
            tv_nsec: 0,
        },
    ];
    // SAFETY: a valid NUL-terminated path and an array of two timespecs.
    let r = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) };
    assert_eq!(r, 0, "{}: utimensat: {}", path.display(), io::Error::last_os_error());
}

fn mtime_of(path: &Path) -> i64 {
    fs::symlink_metadata(path).unwrap().mtime()
}

/// Unix time of midnight UTC of a civil date.
fn epoch(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) * DAY
}

/// A CLF time of the UTC instant `t` written in the zone `zone_min` minutes
/// east of UTC.
fn clf_time(t: i64, zone_min: i64) -> String {
    let local = t + zone_min * 60;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY));
    let s = local.rem_euclid(DAY);
    let sign = if zone_min < 0 { '-' } else { '+' };
    let z = zone_min.abs();
    format!(
        "{d:02}/{}/{y}:{:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60,
        z / 60,
        z % 60
    )
}

/// `loganon anonymize FILE` (the reference anonymization), plain text.
fn reference_anonymization(path: &Path) -> Vec<u8> {
    let o = run(&[os("anonymize"), path.as_os_str().into()]);
    assert_exit(&o, 0);
    o.stdout
}

/// Argument lists mix strings and paths.
fn os(s: &str) -> std::ffi::OsString {
    s.into()
}

/// `loganon check FILE` must find nothing.
#[track_caller]
fn assert_check_clean(path: &Path) {
    let o = run(&[os("check"), path.as_os_str().into()]);
    assert_eq!(
        code(&o),
        0,
        "check found personal data in {}:\n{}{}",
        path.display(),
        stdout(&o),
        stderr(&o)
    );
    assert!(stdout(&o).contains(" 0 findings"), "{}", stdout(&o));
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    File { bytes: Vec<u8>, mtime_ns: i128 },
    Dir,
    Link(PathBuf),
    Special,
}

/// The whole tree under `dir`, symlinks not followed, by relative path.
fn listing(dir: &Path) -> BTreeMap<String, Entry> {
    fn walk(top: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(top).unwrap().to_string_lossy().into_owned();
            let m = fs::symlink_metadata(&p).unwrap();
            let ft = m.file_type();
            let entry = if ft.is_symlink() {
                Entry::Link(fs::read_link(&p).unwrap())
            } else if ft.is_dir() {
                walk(top, &p, out);
                Entry::Dir
            } else if ft.is_file() {
                Entry::File {
                    bytes: fs::read(&p).unwrap(),
                    mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
                }
            } else {
                Entry::Special
            };
            out.insert(rel, entry);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names and kinds only, for readable failure messages.
fn names(l: &BTreeMap<String, Entry>) -> BTreeSet<String> {
    l.iter()
        .map(|(k, v)| match v {
            Entry::File { .. } => k.clone(),
            Entry::Dir => format!("{k}/"),
            Entry::Link(t) => format!("{k} -> {}", t.display()),
            Entry::Special => format!("{k} (special)"),
        })
        .collect()
}

#[track_caller]
fn assert_same_tree(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>, what: &str) {
    assert_eq!(names(before), names(after), "{what}: the set of paths changed");
    for (k, v) in before {
        assert!(after[k] == *v, "{what}: {k} changed (content or mtime)");
    }
}

fn temp_files_in(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_keys()
        .filter(|k| {
            let name = Path::new(k).file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".loganon-") && name.ends_with(".tmp")
        })
        .collect()
}

// ---------------------------------------------------------------------------
// generated access-log lines and their expected daily totals

const NETS: [[u8; 3]; 10] = [
    [192, 0, 2],
    [198, 51, 100],
    [203, 0, 113],
    [81, 2, 69],
    [93, 184, 216],
    [151, 101, 1],
    [185, 15, 59],
    [8, 8, 4],
    [62, 12, 1],
    [77, 88, 99],
];
const USERS: [&str; 3] = ["alice", "bob.smith", "carol"];
const STATUSES: [u16; 12] = [200, 200, 200, 204, 301, 304, 403, 404, 500, 503, 101, 206];
/// Zones of the generated lines, minutes east of UTC: some lines of a day
/// fall on the previous or the next UTC date.
const ZONES: [i64; 5] = [0, 0, 60, -300, 330];

/// One request, as generated (the truth the summary is compared with).
#[derive(Clone, Debug)]
struct Req {
    ip: [u8; 4],
    user: Option<&'static str>,
    /// UTC instant
    t: i64,
    zone_min: i64,
    path: u64,
    secret: Option<u64>,
    status: u16,
    size: Option<u64>,
}

impl Req {
    fn raw(&self) -> String {
        let [a, b, c, d] = self.ip;
        format!(
            "{a}.{b}.{c}.{d} - {} [{}] \"GET /page/{}{} HTTP/1.1\" {} {} \"https://www.example.com/start\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n",
            self.user.unwrap_or("-"),
            clf_time(self.t, self.zone_min),
            self.path,
            self.secret.map(|s| format!("?token=tok{s:016x}&page=2")).unwrap_or_default(),
            self.status,
            self.size.map_or("-".to_string(), |s| s.to_string()),
        )
    }
}

/// `n` requests whose local times fall in [`start`, `start + span`).
fn requests(rng: &mut Rng, start: i64, span: i64, n: usize) -> Vec<Req> {
    let mut v: Vec<Req> = (0..n)
        .map(|_| {
            let net = NETS[rng.below(NETS.len() as u64) as usize];
            let zone_min = ZONES[rng.below(ZONES.len() as u64) as usize];
            let local = start + rng.below(span as u64) as i64;
            Req {
                ip: [net[0], net[1], net[2], 1 + rng.below(254) as u8],
                user: (rng.below(4) == 0).then(|| USERS[rng.below(USERS.len() as u64) as usize]),
                t: local - zone_min * 60,
                zone_min,
                path: rng.below(100),
                secret: (rng.below(3) == 0).then(|| rng.next()),
                status: STATUSES[rng.below(STATUSES.len() as u64) as usize],
                size: (rng.below(6) != 0).then(|| rng.below(50_000)),
            }
        })
        .collect();
    v.sort_by_key(|r| r.t);
    v
}

fn raw_text(reqs: &[Req]) -> Vec<u8> {
    reqs.iter().map(Req::raw).collect::<String>().into_bytes()
}

#[derive(Default)]
struct Totals {
    requests: u64,
    bytes: u64,
    status: [u64; 5],
    nets: BTreeSet<[u8; 3]>,
}

/// The summary CSV that counts each of these requests exactly once.
fn expected_csv<'a>(reqs: impl IntoIterator<Item = &'a Req>) -> String {
    let mut days: BTreeMap<String, Totals> = BTreeMap::new();
    for r in reqs {
        let d = days.entry(date_string(r.t)).or_default();
        d.requests += 1;
        d.bytes += r.size.unwrap_or(0);
        let class = match r.status / 100 {
            2 => 0,
            3 => 1,
            4 => 2,
            5 => 3,
            _ => 4,
        };
        d.status[class] += 1;
        d.nets.insert([r.ip[0], r.ip[1], r.ip[2]]);
    }
    let mut s = CSV_HEADER.to_string();
    for (date, d) in days {
        s.push_str(&format!(
            "{date},{},{},{},{},{},{},{},{}\n",
            d.requests,
            d.bytes,
            d.status[0],
            d.status[1],
            d.status[2],
            d.status[3],
            d.status[4],
            d.nets.len()
        ));
    }
    s
}

fn dates_of(reqs: &[Req]) -> String {
    reqs.iter()
        .map(|r| date_string(r.t))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(",")
}

/// Compares output lines with expectations; an expectation ending in `*`
/// is a prefix.
#[track_caller]
fn assert_lines(actual: &str, expected: &[String]) {
    let lines: Vec<&str> = actual.lines().collect();
    let ok = lines.len() == expected.len()
        && lines.iter().zip(expected).all(|(a, e)| match e.strip_suffix('*') {
            Some(prefix) => a.starts_with(prefix),
            None => a == e,
        });
    assert!(
        ok,
        "output differs\nexpected:\n{}\nactual:\n{actual}",
        expected.join("\n")
    );
}

// ---------------------------------------------------------------------------
// 1. purge

struct PurgeTree {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl PurgeTree {
    fn top(&self) -> &Path {
        self.tmp.path()
    }

    fn r(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }
}

/// Regular files of the purge tree: path below the temp dir, age in days
/// (by mtime, real clock), size.
const PURGE_FILES: [(&str, i64, usize); 10] = [
    ("root/access.log-20251101.gz", 30, 100),
    ("root/access.log-20251120.gz", 3, 200),
    ("root/app.log.1", 10, 300),
    ("root/keep.txt", 30, 400),
    ("root/sub/error.log-2025-11-01", 40, 500),
    ("root/sub/deeper/app.log.2.gz", 20, 600),
    ("root/sub/deeper/notes.md", 20, 700),
    ("outside/target.gz", 60, 800),
    ("outside/dir/inside.gz", 60, 900),
    ("outside/dir/inside.log.1", 60, 1000),
];

/// Deleted by `purge ROOT --max-age 7d` (below the temp dir).
const PURGE_EXPIRED: [&str; 4] = [
    "root/access.log-20251101.gz",
    "root/app.log.1",
    "root/sub/deeper/app.log.2.gz",
    "root/sub/error.log-2025-11-01",
];

fn purge_tree() -> PurgeTree {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path();
    let root = top.join("root");
    let now = real_now();
    for (rel, age, size) in PURGE_FILES {
        let p = top.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, vec![b'x'; size]).unwrap();
        set_mtime(&p, now - age * DAY - 600);
    }
    // written just now: matches, but may still be being written
    fs::write(root.join("fresh.log.1"), b"written right now\n").unwrap();
    // directories, one of them with a matching name
    for d in ["empty-old", "old-dir.gz"] {
        fs::create_dir(root.join(d)).unwrap();
    }
    // links: to a file and a folder outside, to files inside
    symlink("../outside/target.gz", root.join("link-out.gz")).unwrap();
    symlink("../outside/dir", root.join("link-dir")).unwrap();
    symlink("app.log.1", root.join("link-in.log.1")).unwrap();
    symlink("../keep.txt", root.join("sub/link-keep.gz")).unwrap();
    // a FIFO with an old mtime and a matching name
    let fifo = CString::new(root.join("pipe.log.1").as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    set_mtime_by_path(&root.join("pipe.log.1"), now - 30 * DAY);
    for d in [
        "root/empty-old",
        "root/old-dir.gz",
        "root/sub/deeper",
        "root/sub",
        "root",
        "outside/dir",
    ] {
        set_mtime(&top.join(d), now - 30 * DAY);
    }
    PurgeTree { tmp, root }
}

fn purge_expected_lines(t: &PurgeTree, verb: &str) -> Vec<String> {
    let mut v: Vec<String> = PURGE_FILES
        .iter()
        .filter(|(rel, _, _)| PURGE_EXPIRED.contains(rel))
        .map(|(rel, age, size)| {
            format!(
                "{verb} {} age={age}d size={size} age_from=mtime",
                t.top().join(rel).display()
            )
        })
        .collect();
    v.sort();
    v
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn purge_deletes_exactly_the_expired_regular_files() {
    let t = purge_tree();
    let before = listing(t.top());
    let o = run(&[os("purge"), t.root.clone().into(), os("--max-age"), os("7d")]);
    assert_exit(&o, 0);
    let after = listing(t.top());

    // exactly the expired regular files are gone; every other entry, inside
    // and outside the root, is untouched (content and mtime)
    let mut expected = before.clone();
    for rel in PURGE_EXPIRED {
        assert!(expected.remove(rel).is_some(), "{rel} was not in the tree");
    }
    assert_same_tree(&expected, &after, "after purge");
    // spelled out: links stay links, their targets outside stay, folders stay
    assert_eq!(after["root/link-out.gz"], Entry::Link("../outside/target.gz".into()));
    assert_eq!(after["root/link-dir"], Entry::Link("../outside/dir".into()));
    assert_eq!(after["root/link-in.log.1"], Entry::Link("app.log.1".into()));
    assert_eq!(after["root/sub/link-keep.gz"], Entry::Link("../keep.txt".into()));
    for rel in ["outside/target.gz", "outside/dir/inside.gz", "outside/dir/inside.log.1"] {
        assert_eq!(after[rel], before[rel], "{rel} outside the root was touched");
    }
    for d in ["root/empty-old", "root/old-dir.gz", "root/sub", "root/sub/deeper"] {
        assert_eq!(after[d], Entry::Dir, "{d}");
    }
    assert_eq!(after["root/pipe.log.1"], Entry::Special);
    assert!(after.contains_key("root/fresh.log.1"));
    assert!(after.contains_key("root/keep.txt"));

    let mut want = purge_expected_lines(&t, "deleted");
    want.push("purge: deleted 4 files, 1500 bytes; examined 6, skipped 1 modified in the last minute".into());
    want.sort();
    assert_eq!(sorted_lines(&stdout(&o)), want, "stderr: {}", stderr(&o));

    // a second purge finds nothing more
    let o = run(&[os("purge"), t.root.clone().into(), os("--max-age"), os("7d")]);
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o),
        "purge: deleted 0 files, 0 bytes; examined 2, skipped 1 modified in the last minute\n"
    );
    assert_same_tree(&after, &listing(t.top()), "second purge");
}

#[test]
fn purge_dry_run_deletes_nothing_and_lists_the_same_files() {
    let t = purge_tree();
    let before = listing(t.top());
    let args = |extra: &[&str]| {
        let mut a = vec![os("purge"), t.root.clone().into(), os("--max-age"), os("7d")];
        a.extend(extra.iter().map(|s| os(s)));
        a
    };
    let dry = run(&args(&["--dry-run"]));
    assert_exit(&dry, 0);
    assert_same_tree(&before, &listing(t.top()), "dry run");
    let mut want = purge_expected_lines(&t, "would-delete");
    want.push("purge: would delete 4 files, 1500 bytes; examined 6, skipped 1 modified in the last minute".into());
    want.sort();
    assert_eq!(sorted_lines(&stdout(&dry)), want);

    // --json --dry-run: the same files, flagged as a dry run
    let dj = run(&args(&["--dry-run", "--json"]));
    assert_exit(&dj, 0);
    assert_same_tree(&before, &listing(t.top()), "dry run --json");
    let j: serde_json::Value = serde_json::from_str(&stdout(&dj)).expect("one JSON document");
    assert_eq!(j["dry_run"], true);
    let paths: BTreeSet<String> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let want_paths: BTreeSet<String> = PURGE_EXPIRED
        .iter()
        .map(|r| t.top().join(r).display().to_string())
        .collect();
    assert_eq!(paths, want_paths);
    assert_eq!(j["summary"]["deleted"], 4);
    assert_eq!(j["summary"]["bytes"], 1500);
    assert_eq!(j["summary"]["examined"], 6);
    assert_eq!(j["summary"]["skipped_recent"], 1);

    // the real run deletes what the dry run listed
    let real = run(&args(&[]));
    assert_exit(&real, 0);
    let dry_files: Vec<String> = sorted_lines(&stdout(&dry))
        .into_iter()
        .filter(|l| l.starts_with("would-delete "))
        .map(|l| l.replacen("would-delete ", "deleted ", 1))
        .collect();
    let real_files: Vec<String> = sorted_lines(&stdout(&real))
        .into_iter()
        .filter(|l| l.starts_with("deleted "))
        .collect();
    assert_eq!(dry_files, real_files);

    // with "now" far ahead, everything matching is listed, except the file
    // modified in the last minute of the real clock
    let t = purge_tree();
    let o = run(&[
        os("purge"),
        t.root.clone().into(),
        os("--max-age"),
        os("1d"),
        os("--now"),
        os("2099-01-01"),
        os("--dry-run"),
        os("--json"),
    ]);
    assert_exit(&o, 0);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: BTreeSet<String> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = [
        "access.log-20251101.gz",
        "access.log-20251120.gz",
        "app.log.1",
        "sub/deeper/app.log.2.gz",
        "sub/error.log-2025-11-01",
    ]
    .iter()
    .map(|r| t.r(r))
    .collect();
    assert_eq!(paths, want);
    assert_eq!(j["summary"]["skipped_recent"], 1);
}

#[test]
fn purge_age_from_name_uses_dates_in_names_and_falls_back_to_mtime() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("logs");
    fs::create_dir(&root).unwrap();
    let now = epoch(2026, 1, 10);
    let young_mtime = epoch(2026, 1, 9) + 12 * 3600;
    // (name, mtime)
    let files: [(&str, i64); 9] = [
        ("access.log-20251231.gz", young_mtime),       // name 10d: deleted
        ("access.log-20260101.gz", young_mtime),       // name 9d: deleted
        ("app-2026-01-02.log.gz", young_mtime),        // name 8d: deleted
        ("access.log-2026010223", young_mtime),        // name 7d1h: deleted
        ("app_2026_01_03.log.1", young_mtime),         // name exactly 7d: kept
        ("access.log-2026010412", young_mtime),        // name 5d12h: kept
        ("access.log-20260109.gz", epoch(2020, 1, 1)), // name 1d, mtime ancient: kept
        ("old.log.1", epoch(2026, 1, 1)),              // no date, mtime 9d: deleted
        ("recent.log.1", epoch(2026, 1, 8)),           // no date, mtime 2d: kept
    ];
    for (name, mtime) in files {
        fs::write(root.join(name), name.as_bytes()).unwrap();
        set_mtime(&root.join(name), mtime);
    }
    let before = listing(tmp.path());
    let args = |extra: &[&str]| {
        let mut a = vec![
            os("purge"),
            root.clone().into(),
            os("--max-age"),
            os("7d"),
            os("--now"),
            os("2026-01-10"),
            os("--json"),
        ];
        a.extend(extra.iter().map(|s| os(s)));
        a
    };
    let files_of = |o: &Output| -> BTreeMap<String, (String, i64)> {
        let j: serde_json::Value = serde_json::from_str(&stdout(o)).expect("one JSON document");
        j["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let name = Path::new(f["path"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                assert_eq!(f["age_days"], f["age_seconds"].as_i64().unwrap() / DAY);
                (
                    name,
                    (
                        f["age_from"].as_str().unwrap().to_string(),
                        f["age_seconds"].as_i64().unwrap(),
                    ),
                )
            })
            .collect()
    };

    // by mtime (the default), for contrast
    let o = run(&args(&["--dry-run"]));
    assert_exit(&o, 0);
    let by_mtime = files_of(&o);
    let want: BTreeMap<String, (String, i64)> = [
        ("access.log-20260109.gz", ("mtime", now - epoch(2020, 1, 1))),
        ("old.log.1", ("mtime", 9 * DAY)),
    ]
    .into_iter()
    .map(|(n, (a, s))| (n.to_string(), (a.to_string(), s)))
    .collect();
    assert_eq!(by_mtime, want);
    assert_same_tree(&before, &listing(tmp.path()), "dry run");

    // by name
    let o = run(&args(&["--age-from", "name"]));
    assert_exit(&o, 0);
    let by_name = files_of(&o);
    let want: BTreeMap<String, (String, i64)> = [
        ("access.log-20251231.gz", ("name", 10 * DAY)),
        ("access.log-20260101.gz", ("name", 9 * DAY)),
        ("app-2026-01-02.log.gz", ("name", 8 * DAY)),
        ("access.log-2026010223", ("name", 7 * DAY + 3600)),
        ("old.log.1", ("mtime (no date in name)", 9 * DAY)),
    ]
    .into_iter()
    .map(|(n, (a, s))| (n.to_string(), (a.to_string(), s)))
    .collect();
    assert_eq!(by_name, want);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["dry_run"], false);
    assert_eq!(j["summary"]["deleted"], 5);
    assert_eq!(j["summary"]["examined"], 9);
    let mut expected = before.clone();
    for name in want.keys() {
        expected.remove(&format!("logs/{name}")).unwrap();
    }
    assert_same_tree(&expected, &listing(tmp.path()), "after purge --age-from name");

    // the text output marks the fallback too
    let o = run(&[
        os("purge"),
        root.clone().into(),
        os("--max-age"),
        os("1d"),
        os("--now"),
        os("2026-01-10"),
        os("--age-from"),
        os("name"),
        os("--dry-run"),
    ]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "would-delete {} age=2d size=12 age_from=mtime_(no_date_in_name)",
            root.join("recent.log.1").display()
        )),
        "{out}"
    );
}

#[test]
fn purge_max_delete_below_the_count_deletes_nothing() {
    let t = purge_tree();
    let before = listing(t.top());
    let run = |max: &str| {
        run(&[
            os("purge"),
            t.root.clone().into(),
            os("--max-age"),
            os("7d"),
            os("--max-delete"),
            os(max),
        ])
    };
    for max in ["0", "3"] {
        let o = run(max);
        assert_exit(&o, 1);
        assert_eq!(stdout(&o), "", "nothing is reported as deleted");
        assert!(
            stderr(&o).contains(&format!(
                "4 files would be deleted, more than --max-delete {max}; nothing was deleted"
            )),
            "{}",
            stderr(&o)
        );
        assert_same_tree(&before, &listing(t.top()), "--max-delete below the count");
    }
    // at the count: the files go
    let o = run("4");
    assert_exit(&o, 0);
    let mut expected = before.clone();
    for rel in PURGE_EXPIRED {
        expected.remove(rel);
    }
    assert_same_tree(&expected, &listing(t.top()), "--max-delete at the count");
}

#[test]
fn purge_refuses_the_file_system_root_and_non_directories() {
    let t = purge_tree();
    let before = listing(t.top());
    // safety net should the refusal ever break: dry run, no deletion allowed,
    // a glob nothing matches
    let safe = [
        "--dry-run",
        "--max-delete",
        "0",
        "--match",
        "no-such-file-*.loganon-test",
    ];
    for root in ["/", "//", "/.", "/tmp/.."] {
        let mut a = vec!["purge", root, "--max-age", "7d"];
        a.extend(safe);
        let o = run(&a);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains("refusing"), "{root}: {}", stderr(&o));
        assert_eq!(stdout(&o), "");
    }
    // the real refusal, without the safety net
    let o = run(&["purge", "/", "--max-age", "100000d", "--dry-run"]);
    assert_exit(&o, 2);

    let not_dirs = [
        t.root.join("keep.txt"),       // a file
        t.root.join("link-dir"),       // a symlink to a folder
        t.root.join("pipe.log.1"),     // a FIFO
        t.root.join("no-such-folder"), // missing
        t.root.join("link-in.log.1"),  // a symlink to a file
    ];
    for nd in &not_dirs {
        let o = run(&[os("purge"), nd.clone().into(), os("--max-age"), os("7d")]);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains(&nd.display().to_string()), "{}", stderr(&o));
        assert_eq!(stdout(&o), "");
    }
    // a good root next to a bad one: refused before anything is deleted
    let o = run(&[
        os("purge"),
        t.root.clone().into(),
        t.root.join("keep.txt").into(),
        os("--max-age"),
        os("7d"),
    ]);
    assert_exit(&o, 2);
    assert_same_tree(&before, &listing(t.top()), "refused roots");
}

#[test]
fn purge_custom_match_globs() {
    let t = purge_tree();
    let before = listing(t.top());
    let o = run(&[
        os("purge"),
        t.root.clone().into(),
        os("--max-age"),
        os("7d"),
        os("--match"),
        os("*.txt"),
        os("--match"),
        os("sub/deeper/*"),
    ]);
    assert_exit(&o, 0);
    let gone = [
        "root/keep.txt",
        "root/sub/deeper/app.log.2.gz",
        "root/sub/deeper/notes.md",
    ];
    let mut expected = before.clone();
    for rel in gone {
        expected.remove(rel).unwrap();
    }
    assert_same_tree(&expected, &listing(t.top()), "--match");
    let mut want: Vec<String> = [
        ("keep.txt", 30, 400),
        ("sub/deeper/app.log.2.gz", 20, 600),
        ("sub/deeper/notes.md", 20, 700),
    ]
    .iter()
    .map(|(r, age, size)| format!("deleted {} age={age}d size={size} age_from=mtime", t.r(r)))
    .collect();
    want.push("purge: deleted 3 files, 1700 bytes; examined 3, skipped 0 modified in the last minute".into());
    want.sort();
    assert_eq!(sorted_lines(&stdout(&o)), want);
    // the link to the deleted file stays, dangling
    assert_eq!(
        fs::read_link(t.root.join("sub/link-keep.gz")).unwrap(),
        Path::new("../keep.txt")
    );
}

// ---------------------------------------------------------------------------
// 2. anonymize --max-age

#[test]
fn anonymize_max_age_drops_lines_older_than_the_window_by_their_own_time() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("access.log");
    // --now 2026-01-10 --max-age 7d: lines before 2026-01-03T00:00:00Z go
    let lines = [
        // 2026-01-01T10:00Z: expired
        "1.2.3.4 - alice [01/Jan/2026:10:00:00 +0000] \"GET /a?token=abc HTTP/1.1\" 200 10\n",
        // 2026-01-03T01:30Z: kept although its local date is the 2nd
        "1.2.3.5 - - [02/Jan/2026:23:30:00 -0200] \"GET /b HTTP/1.1\" 200 20\n",
        // 2026-01-02T23:00Z: expired although its local date is the 3rd
        "1.2.3.6 - - [03/Jan/2026:01:00:00 +0200] \"GET /c HTTP/1.1\" 404 30\n",
        // exactly at the edge: kept
        "10.0.0.7 - - [03/Jan/2026:00:00:00 +0000] \"GET /d HTTP/1.1\" 500 40\n",
        // one second before the edge: expired
        "10.0.0.8 - - [02/Jan/2026:23:59:59 +0000] \"GET /e HTTP/1.1\" 500 40\n",
        // undated: not a log line at all
        "this line has no date, only 5.6.7.8 and mail bob@example.com\n",
        // undated: a log line whose time cannot be read
        "9.8.7.6 - - [garbage] \"GET /f HTTP/1.1\" 200 1\n",
        // recent, with a half-hour zone
        "9.9.9.9 - bob [09/Jan/2026:12:00:00 +0530] \"GET /g?token=xyz HTTP/1.1\" 301 50 \"-\" \"curl/8\"\n",
        // in the future of --now: kept
        "2001:db8:1:2::3 - - [11/Jan/2026:00:00:00 +0000] \"GET /h HTTP/1.1\" 200 60\n",
    ];
    fs::write(&input, lines.concat()).unwrap();
    let o = run(&[
        os("anonymize"),
        os("--max-age"),
        os("7d"),
        os("--now"),
        os("2026-01-10"),
        os("--stats"),
        os("json"),
        input.clone().into(),
    ]);
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o),
        concat!(
            "1.2.3.0 - - [02/Jan/2026:23:30:00 -0200] \"GET /b HTTP/1.1\" 200 20\n",
            "10.0.0.0 - - [03/Jan/2026:00:00:00 +0000] \"GET /d HTTP/1.1\" 500 40\n",
            "this line has no date, only 5.6.7.0 and mail REDACTED\n",
            "9.8.7.0 - - [garbage] \"GET /f HTTP/1.1\" 200 1\n",
            "9.9.9.0 - - [09/Jan/2026:12:00:00 +0530] \"GET /g?token=REDACTED HTTP/1.1\" 301 50 \"-\" \"curl/8\"\n",
            "2001:db8:1:: - - [11/Jan/2026:00:00:00 +0000] \"GET /h HTTP/1.1\" 200 60\n",
        )
    );
    let stats: serde_json::Value = serde_json::from_str(stderr(&o).trim()).expect("--stats json on stderr");
    assert_eq!(stats["lines_read"], 9);
    assert_eq!(stats["lines_written"], 6);
    assert_eq!(stats["expired"], 3);
    assert_eq!(stats["dropped"], 3);
    assert_eq!(stats["undated"], 2);

    // the same from stdin, and the same window written as 1w and as an instant
    for (age, now) in [("1w", "2026-01-10T00:00:00Z"), ("168h", "@1768003200")] {
        let mut child = loganon()
            .args(["anonymize", "--max-age", age, "--now", now])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lines.concat().as_bytes())
            .unwrap();
        let o2 = child.wait_with_output().unwrap();
        assert_exit(&o2, 0);
        assert_eq!(stdout(&o2), stdout(&o), "--max-age {age} --now {now}");
    }
}

// ---------------------------------------------------------------------------
// 3. the cron job over simulated days

struct Cron {
    tmp: tempfile::TempDir,
    logs: PathBuf,
    state: PathBuf,
    lock: PathBuf,
    csv: PathBuf,
    config: PathBuf,
}

fn cron_setup(anonymize_after: &str, delete_after: &str) -> Cron {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let state = tmp.path().join("state");
    let lock = tmp.path().join("run/loganon.lock");
    let csv = tmp.path().join("summary/web-daily.csv");
    fs::create_dir(&logs).unwrap();
    let config = tmp.path().join("loganon.toml");
    fs::write(
        &config,
        format!(
            r#"# test configuration
state_dir = "{}"
lock = "{}"

[anonymize]
level = 1

[[logs]]
name = "web"
paths = ["{}/access.log-*.gz"]
format = "combined"
anonymize_after = "{anonymize_after}"
delete_after = "{delete_after}"
summary = "{}"
"#,
            state.display(),
            lock.display(),
            logs.display(),
            csv.display()
        ),
    )
    .unwrap();
    Cron {
        tmp,
        logs,
        state,
        lock,
        csv,
        config,
    }
}

impl Cron {
    fn run(&self, now: &str, extra: &[&str]) -> Output {
        let mut a = vec![
            os("run"),
            os("--config"),
            self.config.clone().into(),
            os("--now"),
            os(now),
        ];
        a.extend(extra.iter().map(|s| os(s)));
        run(&a)
    }

    fn day_file(&self, day: i64) -> PathBuf {
        let (y, m, d) = civil_from_days(epoch(2026, 1, 1) / DAY + day - 1);
        self.logs.join(format!("access.log-{y:04}{m:02}{d:02}.gz"))
    }

    /// The whole temp tree with the state file's mtime blanked: the state
    /// may be rewritten (same content) by a run that has nothing to do.
    fn listing_but_state_mtime(&self) -> BTreeMap<String, Entry> {
        let mut l = listing(self.tmp.path());
        if let Some(Entry::File { mtime_ns, .. }) = l.get_mut("state/state.json") {
            *mtime_ns = 0;
        }
        l
    }
}

/// A day's rotated file: its requests, what was written, the reference
/// anonymization.
struct DayFile {
    reqs: Vec<Req>,
    raw_gz: Vec<u8>,
    anonymized: Vec<u8>,
    mtime: i64,
}

fn write_day_file(rng: &mut Rng, path: &Path, day_start: i64, n: usize) -> DayFile {
    let reqs = requests(rng, day_start, DAY, n);
    let raw_gz = gzip(&raw_text(&reqs));
    fs::write(path, &raw_gz).unwrap();
    let mtime = day_start + DAY - 1;
    set_mtime(path, mtime);
    let anonymized = reference_anonymization(path);
    DayFile {
        reqs,
        raw_gz,
        anonymized,
        mtime,
    }
}

#[test]
fn cron_over_two_weeks_anonymizes_summarizes_and_deletes() {
    assert!(
        real_now() > epoch(2026, 2, 1),
        "the simulated days (January 2026) must lie in the past of the real clock"
    );
    let c = cron_setup("1d", "7d");
    let mut rng = Rng(0x00C0_FFEE_2026_0101);
    let mut files: BTreeMap<i64, DayFile> = BTreeMap::new();
    for day in 1..=14i64 {
        let path = c.day_file(day);
        let df = write_day_file(&mut rng, &path, epoch(2026, 1, day), 40 + day as usize);
        let secrets_in_raw = String::from_utf8(plain(&df.raw_gz).unwrap()).unwrap();
        assert!(secrets_in_raw.contains("?token=tok") && USERS.iter().any(|u| secrets_in_raw.contains(u)));
        files.insert(day, df);
        let now_t = epoch(2026, 1, day + 1) + 30 * 60;
        let now = rfc3339(now_t);
        let p = |d: i64| c.day_file(d).display().to_string();
        let gone_now = day - 7; // deleted by this run (if >= 1)
        let anon_now = day - 1; // anonymized by this run (if >= 1)
        let done_before = (1.max(day - 6)..=day - 2).count();

        // a concurrent run (the lock held) does nothing and exits 75
        if day == 10 {
            let lockf = File::options()
                .read(true)
                .write(true)
                .open(&c.lock)
                .expect("the lock file exists");
            // SAFETY: flock on a descriptor we own.
            assert_eq!(unsafe { libc::flock(lockf.as_raw_fd(), libc::LOCK_EX) }, 0);
            let before = listing(c.tmp.path());
            let o = c.run(&now, &[]);
            assert_exit(&o, 75);
            assert_eq!(stdout(&o), "");
            assert!(stderr(&o).contains("lock"), "{}", stderr(&o));
            assert_same_tree(&before, &listing(c.tmp.path()), "run while the lock is held");
            drop(lockf);
        }

        // --dry-run: the plan, and nothing changed
        let before = listing(c.tmp.path());
        let o = c.run(&now, &["--dry-run"]);
        assert_exit(&o, 0);
        assert_same_tree(&before, &listing(c.tmp.path()), &format!("day {day}: --dry-run"));
        let mut want = Vec::new();
        if gone_now >= 1 {
            // counted when it was anonymized, not again
            let size = fs::metadata(c.day_file(gone_now)).unwrap().len();
            want.push(format!("would-delete {} age=7d size={size}", p(gone_now)));
        }
        if anon_now >= 1 {
            want.push(format!("would-anonymize {} age=1d", p(anon_now)));
            want.push(format!("would-summarize {}", p(anon_now)));
        }
        // the dry run counts what it plans
        want.push(format!(
            "run (dry run): anonymized {a}, summarized {a}, deleted {}, already done {done_before}, errors 0",
            u8::from(gone_now >= 1),
            a = u8::from(anon_now >= 1),
        ));
        assert_lines(&stdout(&o), &want);

        // the run
        let gone_size = (gone_now >= 1).then(|| fs::metadata(c.day_file(gone_now)).unwrap().len());
        let o = c.run(&now, &[]);
        assert_exit(&o, 0);
        let mut want = Vec::new();
        if gone_now >= 1 {
            want.push(format!("deleted {} age=7d size={}", p(gone_now), gone_size.unwrap()));
        }
        if anon_now >= 1 {
            let reqs = &files[&anon_now].reqs;
            want.push(format!("anonymized {} lines={} *", p(anon_now), reqs.len()));
            // totals are recorded when a file is anonymized
            want.push(format!(
                "summarized {} dates={} requests={}",
                p(anon_now),
                dates_of(reqs),
                reqs.len()
            ));
        }
        want.push(format!(
            "run: anonymized {a}, summarized {a}, deleted {}, already done {done_before}, errors 0",
            u8::from(gone_now >= 1),
            a = u8::from(anon_now >= 1),
        ));
        assert_lines(&stdout(&o), &want);

        // the files: gone after 7 days, anonymized after 1, raw before
        for (&d, df) in &files {
            let path = c.day_file(d);
            if d <= day - 7 {
                assert!(!path.exists(), "day {day}: {} should be deleted", path.display());
            } else if d < day {
                let bytes = fs::read(&path).unwrap();
                assert!(bytes.starts_with(&[0x1f, 0x8b]), "stays gzip");
                assert!(
                    plain(&bytes).unwrap() == df.anonymized,
                    "day {day}: {} is not the reference anonymization",
                    path.display()
                );
                assert_check_clean(&path);
                assert_eq!(mtime_of(&path), df.mtime, "anonymization keeps the mtime");
            } else {
                assert!(
                    fs::read(&path).unwrap() == df.raw_gz,
                    "day {day}: today's file is untouched"
                );
            }
        }
        assert_eq!(temp_files_in(c.tmp.path()), Vec::<String>::new());

        // the summary: each anonymized file counted once (deleted or not)
        let deleted: Vec<&Req> = files.range(..=day - 1).flat_map(|(_, f)| &f.reqs).collect();
        let csv = fs::read_to_string(&c.csv).unwrap_or_default();
        if deleted.is_empty() {
            assert!(csv.is_empty() || csv == CSV_HEADER, "day {day}: {csv}");
        } else {
            assert_eq!(csv, expected_csv(deleted), "day {day}");
        }

        // the same run again: nothing to do, nothing changed
        let before = c.listing_but_state_mtime();
        let o = c.run(&now, &[]);
        assert_exit(&o, 0);
        let done = (1.max(day - 6)..=day - 1).count();
        assert_eq!(
            stdout(&o),
            format!("run: anonymized 0, summarized 0, deleted 0, already done {done}, errors 0\n")
        );
        assert_same_tree(&before, &c.listing_but_state_mtime(), &format!("day {day}: second run"));
    }
    // at the end: days 1 to 13 (anonymized; 1 to 7 deleted since) are in the summary, once
    let csv = fs::read_to_string(&c.csv).unwrap();
    assert_eq!(csv, expected_csv(files.range(..=13).flat_map(|(_, f)| &f.reqs)));
}

#[test]
fn cron_second_run_touches_no_file_at_all() {
    let c = cron_setup("1d", "7d");
    let mut rng = Rng(7);
    write_day_file(&mut rng, &c.day_file(1), epoch(2026, 1, 1), 10);
    let now = "2026-01-03T00:30:00Z";
    assert_exit(&c.run(now, &[]), 0);
    let before = listing(c.tmp.path());
    let o = c.run(now, &[]);
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 0\n"
    );
    assert_same_tree(&before, &listing(c.tmp.path()), "second run");
}

#[test]
fn cron_config_errors_name_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let config = tmp.path().join("bad.toml");
    let head = format!(
        "state_dir = \"{}\"\n\n[[logs]]\nname = \"web\"\npaths = [\"{}/logs/*.gz\"]\n",
        state.display(),
        tmp.path().display()
    );
    let cases = [
        (format!("{head}anonymize_after = \"1x\"\n"), "line 6", "anonymize_after"),
        (
            format!("{head}delete_after = \"ninety days\"\n"),
            "line 6",
            "delete_after",
        ),
        (format!("{head}colour = \"red\"\n"), "line 6", "colour"),
        (format!("stat_dir = \"/tmp\"\n{head}"), "line 1", "stat_dir"),
        (
            format!("{head}\n[anonymize]\nipv4_prefix = 40\n"),
            "line 8",
            "ipv4_prefix",
        ),
        (format!("{head}format = \"jsonl\"\n"), "line 6", "format"),
    ];
    for (text, line, key) in cases {
        fs::write(&config, &text).unwrap();
        let o = run(&[os("run"), os("--config"), config.clone().into()]);
        assert_exit(&o, 2);
        let e = stderr(&o);
        assert!(
            e.contains(&config.display().to_string()) && e.contains(line) && e.contains(key),
            "config:\n{text}\nstderr should name the file, {line} and {key}:\n{e}"
        );
        assert_eq!(stdout(&o), "");
        assert!(!state.exists(), "nothing is done on a config error");
    }
    // a missing config file
    let o = run(&[os("run"), os("--config"), tmp.path().join("missing.toml").into()]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
}

#[test]
fn cron_config_value_errors_also_name_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("bad.toml");
    let head = format!("state_dir = \"{}\"\n\n", tmp.path().join("state").display());
    let cases = [
        (
            format!("{head}[[logs]]\nname = \"web\"\npaths = [\"logs/*.gz\"]\n"),
            "line 5",
            "paths",
        ),
        (
            format!(
                "{head}[[logs]]\nname = \"web\"\npaths = [\"/x/*.gz\"]\nanonymize_after = \"7d\"\ndelete_after = \"1d\"\n"
            ),
            "line 7",
            "delete_after",
        ),
    ];
    for (text, line, key) in cases {
        fs::write(&config, &text).unwrap();
        let o = run(&[os("run"), os("--config"), config.clone().into()]);
        assert_exit(&o, 2);
        let e = stderr(&o);
        assert!(
            e.contains(&config.display().to_string()) && e.contains(line) && e.contains(key),
            "config:\n{text}\nstderr should name the file, {line} and {key}:\n{e}"
        );
    }
}

// ---------------------------------------------------------------------------
// 4. a file changed after its anonymization

#[test]
fn cron_anonymizes_again_a_file_changed_since() {
    let c = cron_setup("1d", "30d");
    let mut rng = Rng(0xC4A9_6ED0);
    let path = c.day_file(1);
    let df = write_day_file(&mut rng, &path, epoch(2026, 1, 1), 30);
    let now = "2026-01-03T00:30:00Z";
    let o = c.run(now, &[]);
    assert_exit(&o, 0);
    assert!(plain(&fs::read(&path).unwrap()).unwrap() == df.anonymized);

    // new raw lines, same path (same inode), mtime set back to the old one
    let reqs = requests(&mut rng, epoch(2026, 1, 1), DAY, 25);
    fs::write(&path, gzip(&raw_text(&reqs))).unwrap();
    set_mtime(&path, df.mtime);
    let scratch = c.tmp.path().join("copy.gz");
    fs::copy(&path, &scratch).unwrap();
    let expected = reference_anonymization(&scratch);
    let o = c.run(now, &[]);
    assert_exit(&o, 0);
    let p = path.display().to_string();
    assert_lines(
        &stdout(&o),
        &[
            format!("changed {p}: modified since it was anonymized; anonymizing again"),
            format!("anonymized {p} lines=25 *"),
            format!("summarized {p} dates={} requests=25", dates_of(&reqs)),
            "run: anonymized 1, summarized 1, deleted 0, already done 0, errors 0".into(),
        ],
    );
    assert!(plain(&fs::read(&path).unwrap()).unwrap() == expected);
    assert_check_clean(&path);

    // replaced by another file (new inode), mtime old again
    let reqs = requests(&mut rng, epoch(2026, 1, 1), DAY, 20);
    let other = c.tmp.path().join("other.gz");
    fs::write(&other, gzip(&raw_text(&reqs))).unwrap();
    set_mtime(&other, df.mtime);
    let expected = reference_anonymization(&other);
    fs::rename(&other, &path).unwrap();
    let o = c.run(now, &[]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains(&format!("changed {p}")), "{}", stdout(&o));
    assert!(plain(&fs::read(&path).unwrap()).unwrap() == expected);
    assert_check_clean(&path);

    // and then it is done
    let o = c.run(now, &[]);
    assert_eq!(
        stdout(&o),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 0\n"
    );
}

#[test]
fn cron_anonymizes_again_a_file_restored_with_same_size_and_mtime() {
    let c = cron_setup("1d", "30d");
    let text = fs::read_to_string(&c.config)
        .unwrap()
        .replace("/access.log-*.gz\"", "/access.log-*\"");
    fs::write(&c.config, text).unwrap();
    // plain, addresses only: raw and anonymized have the same size
    let raw = "1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 10\n\
               5.6.7.8 - - [01/Jan/2026:11:00:00 +0000] \"GET /b HTTP/1.1\" 404 20\n";
    let path = c.logs.join("access.log-20260101");
    fs::write(&path, raw).unwrap();
    let mtime = epoch(2026, 1, 2) - 1;
    set_mtime(&path, mtime);
    let now = "2026-01-03T00:30:00Z";
    let o = c.run(now, &[]);
    assert_exit(&o, 0);
    let anonymized = fs::read(&path).unwrap();
    assert_ne!(anonymized, raw.as_bytes());
    assert_eq!(anonymized.len(), raw.len());
    assert_eq!(mtime_of(&path), mtime);
    // `cp -p backup/access.log-20260101 logs/`: same inode, same size, same mtime
    fs::write(&path, raw).unwrap();
    set_mtime(&path, mtime);
    let o = c.run(now, &[]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(&format!("changed {}", path.display())),
        "the restored raw file was not anonymized again:\n{}",
        stdout(&o)
    );
    assert_check_clean(&path);
}

// ---------------------------------------------------------------------------
// 5. SIGKILL at arbitrary points

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fate {
    Anonymize,
    Delete,
}

struct KillFile {
    path: PathBuf,
    original: Vec<u8>,
    expected: Vec<u8>,
    mtime: i64,
    fate: Fate,
    gzip: bool,
    reqs: Vec<Req>,
}

struct KillSetup {
    c: Cron,
    files: Vec<KillFile>,
    now: String,
}

/// 8 files of about 0.75 MB, plain and gzip (the debug build anonymizes some
/// 10 MB/s and the test must stay short); with `delete`, half of them are
/// older than delete_after.
fn kill_setup(seed: u64, delete: bool) -> KillSetup {
    let c = cron_setup("1d", if delete { "3d" } else { "30d" });
    // the files are not named like day files; widen the glob
    let text = fs::read_to_string(&c.config)
        .unwrap()
        .replace("/access.log-*.gz\"", "/*\"");
    fs::write(&c.config, text).unwrap();
    let now_t = epoch(2026, 2, 1);
    let reference = c.tmp.path().join("reference");
    fs::create_dir(&reference).unwrap();
    let mut rng = Rng(seed);
    let mut files = Vec::new();
    for i in 0..8usize {
        let gzip_file = i % 2 == 1;
        let fate = if delete && (i / 2) % 2 == 0 {
            Fate::Delete
        } else {
            Fate::Anonymize
        };
        let mtime = match fate {
            Fate::Delete => now_t - 10 * DAY - i as i64 * 3600,
            Fate::Anonymize => now_t - 2 * DAY - i as i64 * 3600,
        };
        let reqs = requests(&mut rng, mtime - DAY, DAY, 5000);
        let text = raw_text(&reqs);
        let original = if gzip_file { gzip(&text) } else { text };
        let name = format!("a{i}.log{}", if gzip_file { ".gz" } else { "" });
        let copy = reference.join(&name);
        fs::write(&copy, &original).unwrap();
        let expected = reference_anonymization(&copy);
        files.push(KillFile {
            path: c.logs.join(&name),
            original,
            expected,
            mtime,
            fate,
            gzip: gzip_file,
            reqs,
        });
    }
    KillSetup {
        c,
        files,
        now: rfc3339(now_t),
    }
}

impl KillSetup {
    /// Back to the start: original files, no state, no summary.
    fn reset(&self) {
        for d in [&self.c.logs, &self.c.state, &self.c.csv.parent().unwrap().to_path_buf()] {
            if d.exists() {
                fs::remove_dir_all(d).unwrap();
            }
        }
        fs::create_dir(&self.c.logs).unwrap();
        for f in &self.files {
            fs::write(&f.path, &f.original).unwrap();
            set_mtime(&f.path, f.mtime);
        }
    }

    /// Every file counted: the anonymized ones when they were anonymized,
    /// the expired ones when they were deleted.
    fn full_csv(&self) -> String {
        expected_csv(self.files.iter().flat_map(|f| &f.reqs))
    }

    /// Every file is original, completely anonymized, or (when due) deleted;
    /// with `complete`, all the work is done. Returns (original, anonymized,
    /// deleted).
    #[track_caller]
    fn check_files(&self, complete: bool, when: &str) -> (usize, usize, usize) {
        let (mut orig, mut anon, mut del) = (0, 0, 0);
        for f in &self.files {
            let name = f.path.display();
            match fs::read(&f.path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    assert_eq!(f.fate, Fate::Delete, "{when}: {name} is missing");
                    del += 1;
                }
                Err(e) => panic!("{when}: {name}: {e}"),
                Ok(bytes) if bytes == f.original => {
                    assert!(!complete, "{when}: {name} is still original");
                    orig += 1;
                }
                Ok(bytes) => {
                    assert_eq!(
                        f.fate,
                        Fate::Anonymize,
                        "{when}: {name}, due for deletion, was modified"
                    );
                    assert_eq!(
                        bytes.starts_with(&[0x1f, 0x8b]),
                        f.gzip,
                        "{when}: {name} changed compression"
                    );
                    let content = plain(&bytes).unwrap_or_else(|e| panic!("{when}: {name}: partial: {e}"));
                    assert!(
                        content == f.expected,
                        "{when}: {name} is neither original nor completely anonymized ({} bytes, {} expected)",
                        content.len(),
                        f.expected.len()
                    );
                    assert_eq!(mtime_of(&f.path), f.mtime, "{when}: {name}: mtime kept");
                    anon += 1;
                }
            }
        }
        if complete {
            let due = self.files.iter().filter(|f| f.fate == Fate::Delete).count();
            assert_eq!((anon, del), (self.files.len() - due, due), "{when}: work left");
        }
        (orig, anon, del)
    }

    /// The summary counts a set of files that holds every deleted one, and
    /// each once (a file is counted when it is anonymized or deleted).
    #[track_caller]
    fn check_summary(&self, when: &str) {
        let due: Vec<&KillFile> = self.files.iter().collect();
        let gone: Vec<bool> = due.iter().map(|f| !f.path.exists()).collect();
        let csv = match fs::read_to_string(&self.c.csv) {
            Ok(s) => s,
            Err(_) => {
                assert!(gone.iter().all(|g| !g), "{when}: files deleted but no summary");
                return;
            }
        };
        // (requests, bytes) of the CSV: which sets can be it, cheaply
        let sums = csv.lines().skip(1).fold((0u64, 0u64), |(r, b), l| {
            let f: Vec<u64> = l.split(',').skip(1).map(|v| v.parse().unwrap()).collect();
            (r + f[0], b + f[1])
        });
        let sums_of = |mask: u32| {
            (0..due.len())
                .filter(|&k| mask & (1 << k) != 0)
                .fold((0u64, 0u64), |(r, b), k| {
                    let reqs = &due[k].reqs;
                    (
                        r + reqs.len() as u64,
                        b + reqs.iter().map(|q| q.size.unwrap_or(0)).sum::<u64>(),
                    )
                })
        };
        let ok = (0u32..1 << due.len()).any(|mask| {
            let counted = |k: usize| mask & (1 << k) != 0;
            (0..due.len()).all(|k| !gone[k] || counted(k))
                && sums_of(mask) == sums
                && csv == expected_csv((0..due.len()).filter(|&k| counted(k)).flat_map(|k| &due[k].reqs))
        });
        assert!(
            ok,
            "{when}: the summary is not the totals of a set of files counted once that holds every deleted file:\n{csv}"
        );
    }

    fn spawn(&self) -> std::process::Child {
        loganon()
            .args([
                os("run"),
                os("--config"),
                self.c.config.clone().into(),
                os("--now"),
                os(&self.now),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs to the end and checks that all is done; returns how long the
    /// run took.
    #[track_caller]
    fn complete_run(&self, when: &str) -> Duration {
        let t0 = Instant::now();
        let o = self.c.run(&self.now, &[]);
        let took = t0.elapsed();
        assert_exit(&o, 0);
        self.check_files(true, when);
        assert_eq!(
            temp_files_in(&self.c.logs),
            Vec::<String>::new(),
            "{when}: temporary files left"
        );
        self.check_summary(when);
        assert_eq!(fs::read_to_string(&self.c.csv).unwrap(), self.full_csv(), "{when}");
        let o = self.c.run(&self.now, &[]);
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("run: anonymized 0, summarized 0, deleted 0"),
            "{when}: {}",
            stdout(&o)
        );
        took
    }
}

/// Rounds of: back to the start, a run killed at one point, a second run
/// killed at another (recovering from the first), then a complete run.
fn kill_at_random_points(seed: u64, delete: bool, rounds: usize) {
    let s = kill_setup(seed, delete);
    // calibration: an uninterrupted run from the start
    s.reset();
    let full = s.complete_run("uninterrupted run").as_secs_f64();
    let t0 = Instant::now();
    let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    let (mut state_temps, mut killed, mut kills) = (0, 0, 0);
    for round in 0..rounds {
        s.reset();
        for attempt in 0..2 {
            // fault injection point: the first kill of a round at a fraction
            // of a full run, spread over the rounds; the second early in
            // the recovery run
            let slot = if attempt == 0 {
                (round as f64 + rng.unit()) / rounds as f64
            } else {
                0.5 * rng.unit()
            };
            let delay = Duration::from_secs_f64(full * 1.1 * slot);
            let mut child = s.spawn();
            std::thread::sleep(delay);
            let _ = child.kill();
            let status = child.wait().unwrap();
            kills += 1;
            killed += usize::from(status.signal() == Some(libc::SIGKILL));
            let when = format!("round {round}, kill {attempt} after {delay:?}");
            let (o, a, d) = s.check_files(false, &when);
            s.check_summary(&when);
            eprintln!("{when}: {status}; {o} original, {a} anonymized, {d} deleted");
            state_temps += temp_files_in(&s.c.state).len();
        }
        s.complete_run(&format!("round {round}: complete run after the kills"));
    }
    eprintln!(
        "full run {full:.2}s; {killed} of {kills} runs killed; {state_temps} temporary files met in the state folder; {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    assert!(killed > 0, "no run was interrupted");
}

#[test]
fn sigkill_during_anonymization_leaves_files_original_or_complete() {
    kill_at_random_points(0x5EED_0001, false, 8);
}

#[test]
fn sigkill_during_summary_and_deletion_never_double_counts() {
    kill_at_random_points(0x5EED_0002, true, 8);
}
