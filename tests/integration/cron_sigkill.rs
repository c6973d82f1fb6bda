//! The `run` cron job killed with SIGKILL at arbitrary points: every file
//! stays original or is completely anonymized, and the summary never counts
//! a file twice (fixture in `retention.rs`).

use std::fs;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::bin::{assert_exit, loganon, text};
use crate::common::child::Proc;
use crate::common::civil::{epoch, rfc3339, DAY};
use crate::common::files::set_mtime;
use crate::common::gz::{gzip, plain};
use crate::common::rng::Rng;
use crate::common::tree::temp_files_in;
use crate::retention::{cron_setup, expected_csv, mtime_of, raw_text, reference_anonymization, requests, Cron, Req};

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

    fn spawn(&self) -> Proc {
        loganon()
            .args(["run", "--config"])
            .arg(&self.c.config)
            .args(["--now", &self.now])
            .stdout_to(Stdio::null())
            .stderr_to(Stdio::null())
            .spawn()
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
            text(&o.stdout).contains("run: anonymized 0, summarized 0, deleted 0"),
            "{when}: {}",
            text(&o.stdout)
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
            child.signal(libc::SIGKILL);
            let (status, _) = child.wait();
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
