//! Retention's shared fixture and `anonymize --max-age`: the tests of
//! `purge` (`purge.rs`) and of the `run` cron job (`cron.rs`,
//! `cron_sigkill.rs`) use the helpers, the generated access-log lines with
//! their expected daily totals, and the cron configuration below.
//!
//! The binary is run as cron or an operator runs it. Time is simulated with
//! `--now`; file ages are set with `File::set_modified` (files modified in the
//! last minute of the real clock are skipped by design). Delays before SIGKILL
//! are fault-injection points, never synchronisation.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin::{code, loganon, text};
use crate::common::civil::{civil_from_days, date_string, epoch, DAY, MONTHS};
use crate::common::files::set_mtime;
use crate::common::gz::gzip;
use crate::common::rng::Rng;
use crate::common::tree::{listing, Entry};

pub(crate) const CSV_HEADER: &str =
    "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks,incomplete_files\n";

// ---------------------------------------------------------------------------
// helpers: processes, time, files

/// Sets the modification time of a special file (a FIFO cannot be opened
/// without blocking).
pub(crate) fn set_mtime_by_path(path: &Path, secs: i64) {
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

pub(crate) fn mtime_of(path: &Path) -> i64 {
    fs::symlink_metadata(path).unwrap().mtime()
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
pub(crate) fn reference_anonymization(path: &Path) -> Vec<u8> {
    loganon().arg("anonymize").arg(path).assert_exit_code(0).stdout
}

/// `loganon check FILE` must find nothing.
#[track_caller]
pub(crate) fn assert_check_clean(path: &Path) {
    let o = loganon().arg("check").arg(path).output();
    assert_eq!(
        code(&o),
        0,
        "check found personal data in {}:\n{}{}",
        path.display(),
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(text(&o.stdout).contains(" 0 findings"), "{}", text(&o.stdout));
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
pub(crate) const USERS: [&str; 3] = ["alice", "bob.smith", "carol"];
const STATUSES: [u16; 12] = [200, 200, 200, 204, 301, 304, 403, 404, 500, 503, 101, 206];
/// Zones of the generated lines, minutes east of UTC: some lines of a day
/// fall on the previous or the next UTC date.
const ZONES: [i64; 5] = [0, 0, 60, -300, 330];

/// One request, as generated (the truth the summary is compared with).
#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub(crate) ip: [u8; 4],
    pub(crate) user: Option<&'static str>,
    /// UTC instant
    pub(crate) t: i64,
    pub(crate) zone_min: i64,
    pub(crate) path: u64,
    pub(crate) secret: Option<u64>,
    pub(crate) status: u16,
    pub(crate) size: Option<u64>,
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
pub(crate) fn requests(rng: &mut Rng, start: i64, span: i64, n: usize) -> Vec<Req> {
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

pub(crate) fn raw_text(reqs: &[Req]) -> Vec<u8> {
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
pub(crate) fn expected_csv<'a>(reqs: impl IntoIterator<Item = &'a Req>) -> String {
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
            "{date},{},{},{},{},{},{},{},{},0\n",
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

pub(crate) fn dates_of(reqs: &[Req]) -> String {
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
pub(crate) fn assert_lines(actual: &str, expected: &[String]) {
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
    let o = loganon()
        .args(["anonymize", "--max-age", "7d", "--now", "2026-01-10", "--stats", "json"])
        .arg(&input)
        .assert_exit_code(0);
    assert_eq!(
        text(&o.stdout),
        concat!(
            "1.2.3.0 - - [02/Jan/2026:23:30:00 -0200] \"GET /b HTTP/1.1\" 200 20\n",
            "10.0.0.0 - - [03/Jan/2026:00:00:00 +0000] \"GET /d HTTP/1.1\" 500 40\n",
            "this line has no date, only 5.6.7.0 and mail REDACTED\n",
            "9.8.7.0 - - [garbage] \"GET /f HTTP/1.1\" 200 1\n",
            "9.9.9.0 - - [09/Jan/2026:12:00:00 +0530] \"GET /g?token=REDACTED HTTP/1.1\" 301 50 \"-\" \"curl/8\"\n",
            "2001:db8:1:: - - [11/Jan/2026:00:00:00 +0000] \"GET /h HTTP/1.1\" 200 60\n",
        )
    );
    let stats: serde_json::Value = serde_json::from_str(text(&o.stderr).trim()).expect("--stats json on stderr");
    assert_eq!(stats["lines_read"], 9);
    assert_eq!(stats["lines_written"], 6);
    assert_eq!(stats["expired"], 3);
    assert_eq!(stats["dropped"], 3);
    assert_eq!(stats["undated"], 2);

    // the same from stdin, and the same window written as 1w and as an instant
    for (age, now) in [("1w", "2026-01-10T00:00:00Z"), ("168h", "@1768003200")] {
        let o2 = loganon()
            .args(["anonymize", "--max-age", age, "--now", now])
            .stdin(lines.concat())
            .assert_exit_code(0);
        assert_eq!(text(&o2.stdout), text(&o.stdout), "--max-age {age} --now {now}");
    }
}

// ---------------------------------------------------------------------------
// 3. the cron job over simulated days

pub(crate) struct Cron {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) logs: PathBuf,
    pub(crate) state: PathBuf,
    pub(crate) lock: PathBuf,
    pub(crate) csv: PathBuf,
    pub(crate) config: PathBuf,
}

pub(crate) fn cron_setup(anonymize_after: &str, delete_after: &str) -> Cron {
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
    pub(crate) fn run(&self, now: &str, extra: &[&str]) -> Output {
        loganon()
            .args(["run", "--config"])
            .arg(&self.config)
            .args(["--now", now])
            .args(extra)
            .output()
    }

    pub(crate) fn day_file(&self, day: i64) -> PathBuf {
        let (y, m, d) = civil_from_days(epoch(2026, 1, 1) / DAY + day - 1);
        self.logs.join(format!("access.log-{y:04}{m:02}{d:02}.gz"))
    }

    /// The whole temp tree with the state file's mtime blanked: the state
    /// may be rewritten (same content) by a run that has nothing to do.
    pub(crate) fn listing_but_state_mtime(&self) -> BTreeMap<String, Entry> {
        let mut l = listing(self.tmp.path());
        if let Some(Entry::File { mtime_ns, .. }) = l.get_mut("state/state.json") {
            *mtime_ns = 0;
        }
        l
    }
}

/// A day's rotated file: its requests, what was written, the reference
/// anonymization.
pub(crate) struct DayFile {
    pub(crate) reqs: Vec<Req>,
    pub(crate) raw_gz: Vec<u8>,
    pub(crate) anonymized: Vec<u8>,
    pub(crate) mtime: i64,
}

pub(crate) fn write_day_file(rng: &mut Rng, path: &Path, day_start: i64, n: usize) -> DayFile {
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
