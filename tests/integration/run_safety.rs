//! Issue 12, items 4 and 6: `run` on surprising file systems and configs
//! (globs matching nothing, missing or symlinked folders, two sets on one
//! file, bad key files, a state moved away, the size of the state), and no
//! panic or abort anywhere (a closed stdout in `purge`, `check` and `run`, a
//! broken or closed stderr, threads the system will not start).
//!
//! Faults are made deterministic: a pipe whose reading end is closed before
//! the child starts, RLIMIT_NPROC set in the child before it execs.

use std::fs;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use loganon::commands::run::cron::{FileId, State};
use loganon::summary::{net_hash, Day, Days, Summary, CSV_HEADER};

use crate::common::bin::{code, loganon, run, text, BIN};
use crate::common::civil::DAY;
use crate::common::files::set_mtime;
use crate::common::sys::is_root;
/// 2026-01-01T00:00:00Z
const JAN1: i64 = 1_767_225_600;

fn run_cmd(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("cannot run loganon")
}

/// A pipe whose reading end is already closed: every write gets EPIPE.
fn broken_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors we then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors are ours and open.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(r);
    Stdio::from(w)
}

fn line(ip: &str, day: u32, status: u16, size: u32) -> String {
    format!("{ip} - frank [{day:02}/Jan/2026:10:00:00 +0000] \"GET /a?email=x%40y.org HTTP/1.1\" {status} {size} \"-\" \"UA\"\n")
}

/// A tree for `run`: logs/, state/, a config written by `config`.
struct Tree {
    tmp: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let t = Tree {
            tmp: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(t.p("logs")).unwrap();
        t
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn s(&self, rel: &str) -> String {
        self.p(rel).display().to_string()
    }

    /// A config with `anonymize` as the `[anonymize]` body and `sets` as
    /// `[[logs]]` tables (`@/` stands for the tree).
    fn config(&self, anonymize: &str, sets: &str) -> PathBuf {
        let top = self.tmp.path().display().to_string();
        let body = format!(
            "state_dir = \"{top}/state\"\n\n[anonymize]\nlevel = 1\n{anonymize}\n{}",
            sets.replace("@/", &format!("{top}/"))
        );
        let path = self.p("loganon.toml");
        fs::write(&path, body).unwrap();
        path
    }

    fn log(&self, rel: &str, body: &str, mtime: i64) -> PathBuf {
        let p = self.p(rel);
        fs::write(&p, body).unwrap();
        set_mtime(&p, mtime);
        p
    }

    fn run(&self, extra: &[&str]) -> Output {
        let config = self.s("loganon.toml");
        let mut a = vec!["run", "--config", &config];
        a.extend_from_slice(extra);
        run(&a)
    }
}

// --------------------------------------------------------------- item 4

#[test]
fn globs_matching_nothing_missing_folders_and_symlinks_are_warnings() {
    let t = Tree::new();
    fs::create_dir(t.p("real")).unwrap();
    let hidden = t.log("real/access.log-1", &line("192.0.2.7", 1, 200, 1), JAN1);
    symlink(t.p("real"), t.p("linked")).unwrap();
    symlink(&hidden, t.p("logs/access.log-link")).unwrap();
    let raw = fs::read(&hidden).unwrap();
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\", \"@/logs/none-*.gz\", \"@/missing/*.gz\", \"@/linked/access.log-*\"]\nanonymize_after = \"1d\"\n",
    );
    let o = t.run(&["--now", "2026-02-01"]);
    assert_eq!(code(&o), 0, "warnings do not fail the run: {}", text(&o.stderr));
    let top = t.tmp.path().display().to_string();
    let w = |rest: &str| format!("loganon: warning: [[logs]] 'web': paths '{top}/{rest}");
    let want = [
        w(&format!(
            "logs/access.log-*': {top}/logs/access.log-link is a symbolic link, which is never followed; left alone"
        )),
        w(&format!("logs/none-*.gz': matched no file under {top}/logs")),
        w(&format!(
            "missing/*.gz': {top}/missing does not exist; nothing of this glob was done"
        )),
        w(&format!(
            "linked/access.log-*': {top}/linked is a symbolic link, which is never followed; nothing of this \
             glob was done (write the real folder in paths)"
        )),
    ];
    // each warning told once, on stderr; stdout holds the actions
    let err = text(&o.stderr);
    for w in &want {
        assert_eq!(err.matches(w.as_str()).count(), 1, "{w}: {err}");
    }
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 0, errors 0, warnings 4\n"
    );
    assert_eq!(text(&o.stderr).matches("loganon: warning: [[logs]] 'web'").count(), 4);
    assert_eq!(fs::read(&hidden).unwrap(), raw, "nothing behind a symlink is touched");
    assert!(fs::symlink_metadata(t.p("logs/access.log-link"))
        .unwrap()
        .file_type()
        .is_symlink());

    // --dry-run says the same
    let d = t.run(&["--now", "2026-02-01", "--dry-run"]);
    assert_eq!(code(&d), 0);
    assert!(text(&d.stdout)
        .ends_with("run (dry run): anonymized 0, summarized 0, deleted 0, already done 0, errors 0, warnings 4\n"));
}

#[test]
fn two_sets_matching_one_file_are_a_configuration_error() {
    let t = Tree::new();
    let f = t.log("logs/access.log-1", &line("192.0.2.7", 1, 200, 1), JAN1);
    let raw = fs::read(&f).unwrap();
    let config = t.config(
        "",
        "[[logs]]\nname = \"a\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\n\n\
         [[logs]]\nname = \"b\"\npaths = [\"@/logs/*\"]\ndelete_after = \"2d\"\n",
    );
    let o = t.run(&["--now", "2026-02-01"]);
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o.stdout), "");
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: [[logs]] 'a' (line 8) and [[logs]] 'b' (line 13): key 'paths': both match {}; a file \
             may belong to one log set only: make their globs disjoint. Nothing was done\n",
            config.display(),
            f.display()
        )
    );
    assert_eq!(fs::read(&f).unwrap(), raw);
    assert!(!t.p("state/state.json").exists());

    // one summary for two sets
    let config = t.config(
        "",
        "[[logs]]\nname = \"a\"\npaths = [\"@/logs/a-*\"]\nsummary = \"@/s.csv\"\n\n\
         [[logs]]\nname = \"b\"\npaths = [\"@/logs/b-*\"]\nsummary = \"@/s.csv\"\n",
    );
    let o = t.run(&[]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: line 14: [[logs]] 'b': key 'summary': '{}' is the summary of [[logs]] 'a' too; \
             each set needs its own file\n",
            config.display(),
            t.s("s.csv")
        )
    );

    // the same file under another name (a hard link) is the same file
    fs::create_dir(t.p("other")).unwrap();
    fs::hard_link(&f, t.p("other/access.log-1")).unwrap();
    t.config(
        "",
        "[[logs]]\nname = \"a\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\n\n\
         [[logs]]\nname = \"b\"\npaths = [\"@/other/access.log-*\"]\nanonymize_after = \"1d\"\n",
    );
    let o = t.run(&["--now", "2026-02-01", "--dry-run"]);
    assert_eq!(code(&o), 2);
    let e = text(&o.stderr);
    assert!(
        e.contains(&format!(
            "both match {} (as {})",
            t.s("other/access.log-1"),
            f.display()
        )),
        "{e}"
    );
    assert_eq!(fs::read(&f).unwrap(), raw);
}

#[test]
fn key_file_errors_exit_2_naming_the_config_file_line_and_key() {
    let t = Tree::new();
    let f = t.log("logs/access.log-1", &line("192.0.2.7", 1, 200, 1), JAN1);
    let raw = fs::read(&f).unwrap();
    let set = "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\n";
    let short = t.p("short.key");
    fs::write(&short, "0123456789").unwrap();
    fs::set_permissions(&short, fs::Permissions::from_mode(0o600)).unwrap();
    let open = t.p("open.key");
    fs::write(&open, "ab".repeat(32)).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();
    let missing = t.s("missing.key");
    let cases = [
        (
            format!("ip_mode = \"hash\"\nkey_file = \"{missing}\""),
            6,
            "key_file",
            format!("key file {missing}: No such file or directory (os error 2)"),
        ),
        (
            format!("ip_mode = \"cryptopan\"\nkey_file = \"{}\"", short.display()),
            6,
            "key_file",
            format!("key file {} holds 10 bytes; it must hold 32 raw bytes", short.display()),
        ),
        (
            format!("identifiers = \"hash\"\nkey_file = \"{}\"", open.display()),
            6,
            "key_file",
            format!("run: chmod 600 {}", open.display()),
        ),
        (
            "ip_mode = \"hash\"".to_string(),
            5,
            "ip_mode",
            "this mode needs key_file".to_string(),
        ),
        (
            "identifiers = \"hash\"".to_string(),
            5,
            "identifiers",
            "needs key_file".to_string(),
        ),
        (
            "ipv4_prefix = 24\nredact_params = [\"-_.\"]".to_string(),
            6,
            "redact_params",
            String::new(),
        ),
    ];
    for (anonymize, line_no, key, detail) in cases {
        let config = t.config(&anonymize, set);
        let o = t.run(&["--now", "2026-02-01"]);
        assert_eq!(code(&o), 2, "{anonymize}: {}", text(&o.stderr));
        let e = text(&o.stderr);
        let head = format!(
            "loganon: {}: line {line_no}: [anonymize] key '{key}': ",
            config.display()
        );
        assert!(e.starts_with(&head) && e.contains(&detail), "{anonymize}\n{e}");
        assert!(!e.contains(&"ab".repeat(32)), "the key never shows");
        assert_eq!(text(&o.stdout), "");
        assert_eq!(fs::read(&f).unwrap(), raw);
    }
}

fn csv(rows: &[&str]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[test]
fn a_state_moved_away_never_erases_summary_rows() {
    let t = Tree::new();
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\ndelete_after = \"10d\"\nsummary = \"@/web.csv\"\n",
    );
    let one = [line("192.0.2.7", 1, 200, 100), line("198.51.100.9", 1, 404, 7)].concat();
    let a = t.log("logs/access.log-20260101", &one, JAN1 + DAY - 1);
    let o = t.run(&["--now", "2026-01-20"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!a.exists());
    let first = csv(&["2026-01-01,2,107,1,0,1,0,0,2"]);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), first);

    // what the message of an unreadable state advises
    fs::rename(t.p("state"), t.p("state.old")).unwrap();
    let two = [line("192.0.2.99", 1, 500, 3), line("203.0.113.5", 2, 301, 10)].concat();
    let b = t.log("logs/access.log-20260102", &two, JAN1 + 2 * DAY - 1);
    let o = t.run(&["--now", "2026-01-21"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!b.exists());
    // 2026-01-01 keeps its deleted file's totals and adds the late line
    // (its network 192.0.2.0 was counted before: the count is a lower bound
    // after a reset, here exact)
    let second = csv(&["2026-01-01,3,110,1,0,1,1,0,2", "2026-01-02,1,10,0,1,0,0,0,1"]);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), second);

    // and again with no state at all and nothing to do: the rows stay
    fs::remove_dir_all(t.p("state")).unwrap();
    let o = t.run(&["--now", "2026-01-22"]);
    assert_eq!(code(&o), 0);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), second);

    // a CSV that is not ours is never overwritten, and no file is deleted
    let broken = format!("{second}2026-01-03,1,2\n");
    fs::write(t.p("web.csv"), &broken).unwrap();
    let c = t.log(
        "logs/access.log-20260103",
        &line("192.0.2.1", 3, 200, 1),
        JAN1 + 3 * DAY - 1,
    );
    let o = t.run(&["--now", "2026-01-23"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: line 4 is not a row of the summary (a date and 8 numbers); nothing was done for \
             [[logs]] 'web' (its rows would be lost): fix the line or move the file away\n",
            t.s("web.csv")
        ),
        "the error, once"
    );
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 0, errors 1\n"
    );
    assert!(c.exists());
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), broken);
}

#[test]
fn an_old_state_with_network_lists_is_read_and_rewritten_compact() {
    let t = Tree::new();
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\ndelete_after = \"10d\"\nsummary = \"@/web.csv\"\n",
    );
    fs::create_dir(t.p("state")).unwrap();
    // the state as the previous version wrote it: networks as text
    let old = r#"{
  "anonymized": {},
  "summaries": {
    "web": {
      "days": {
        "2026-01-01": {
          "requests": 2, "bytes": 107, "status_2xx": 1, "status_3xx": 0, "status_4xx": 1,
          "status_5xx": 0, "status_other": 0, "networks": 2,
          "nets": ["192.0.2.0", "198.51.100.0"]
        }
      },
      "counted": ["gone|1|2|3"]
    }
  }
}"#;
    fs::write(t.p("state/state.json"), old).unwrap();
    t.log(
        "logs/access.log-20260102",
        &line("198.51.100.1", 1, 200, 5),
        JAN1 + 2 * DAY - 1,
    );
    let o = t.run(&["--now", "2026-01-21"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    // 198.51.100.0 was known: still two networks
    assert_eq!(
        fs::read_to_string(t.p("web.csv")).unwrap(),
        csv(&["2026-01-01,3,112,2,0,1,0,0,2"])
    );
    let state = fs::read_to_string(t.p("state/state.json")).unwrap();
    assert!(
        !state.contains("\"nets\"") && !state.contains("198.51.100.0"),
        "{state}"
    );
}

/// The state of 30 days of `per_day` distinct networks (1M lines a day in
/// the measurement), every day's file counted and deleted the next day.
fn state_after_30_days(per_day: u32) -> State {
    let mut state = State::default();
    let mut sum = Summary::default();
    for day in 0..30u32 {
        let date = format!("2026-01-{:02}", day + 1);
        let mut d = Day {
            requests: 1_000_000,
            bytes: 5_000_000_000,
            status_2xx: 900_000,
            status_4xx: 100_000,
            ..Day::default()
        };
        for n in 0..per_day {
            let net = format!("{}.{}.{}.0", 1 + (n >> 16) % 223, (n >> 8) & 255, n & 255);
            d.distinct.insert(net_hash(net.as_bytes()));
        }
        let days: Days = [(date.clone(), d)].into_iter().collect();
        let path = format!("/var/log/nginx/access.log-202601{:02}.gz", day + 1);
        sum.add_file(&format!("{path}|{}|80000000|1767225600000000000", 1000 + day), &days);
        // the nightly prune: a week of rotation delay
        if day >= 8 {
            sum.prune_nets(&format!("2026-01-{:02}", day - 7));
        }
        state.anonymized.insert(
            format!("/var/log/nginx/access.log-202602{:02}.gz", day % 28 + 1),
            FileId {
                dev: 2049,
                ino: 5000 + u64::from(day),
                size: 80_000_000,
                mtime_ns: 1_767_225_600_000_000_000,
                ctime_ns: 1_767_225_600_000_000_000,
            },
        );
    }
    state.summaries.insert("nginx".into(), sum);
    state
}

#[test]
fn the_state_stays_small_whatever_the_traffic() {
    let size = |per_day| serde_json::to_vec_pretty(&state_after_30_days(per_day)).unwrap().len();
    // (counts of as many digits)
    let (small, big) = (size(12_000), size(60_000));
    // past the exact limit a date's networks take a fixed size
    assert_eq!(small, big);
    assert!(big < 300_000, "{big} bytes");
    let s = state_after_30_days(4_000);
    let d = &s.summaries["nginx"].days;
    assert_eq!(d.len(), 30);
    assert!(d["2026-01-30"].distinct.is_sketch());
    assert!(
        d["2026-01-01"].distinct.is_empty(),
        "closed dates keep their count only"
    );
    let n = d["2026-01-30"].networks as f64;
    assert!((n - 4000.0).abs() < 4000.0 * 0.03, "{n}");
}

/// `cargo test --test run_safety -- --ignored --nocapture`: the numbers of
/// the README (100,000 distinct /24 networks a day out of 1M lines).
#[test]
#[ignore]
fn measure_the_state_after_30_days_of_1m_lines_a_day() {
    let s = state_after_30_days(100_000);
    let new = serde_json::to_vec_pretty(&s).unwrap().len();
    // the previous format: the open dates' networks as a list of text
    let mut old: serde_json::Value = serde_json::to_value(&s).unwrap();
    let mut open = 0;
    for d in old["summaries"]["nginx"]["days"].as_object_mut().unwrap().values_mut() {
        let d = d.as_object_mut().unwrap();
        if d.remove("distinct").is_some() {
            open += 1;
            let nets: Vec<String> = (0..100_000u32)
                .map(|n| format!("{}.{}.{}.0", 1 + (n >> 16) % 223, (n >> 8) & 255, n & 255))
                .collect();
            d.insert("nets".into(), nets.into());
        }
    }
    let before = serde_json::to_vec_pretty(&old).unwrap().len();
    println!("state after 30 days: {new} bytes ({open} open dates); the previous format: {before} bytes");
}

// --------------------------------------------------------------- item 6

#[test]
fn a_closed_stdout_ends_purge_check_and_run_quietly() {
    let t = Tree::new();
    for i in 0..3000 {
        t.log(&format!("logs/access.log-{i:05}"), "x\n", JAN1);
    }
    let logs = t.s("logs");
    // purge --dry-run: 3000 lines to a reader that is gone
    let o = run_cmd(
        loganon()
            .args(["purge", &logs, "--max-age", "1d", "--dry-run"])
            .stdout(broken_pipe()),
    );
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
    assert_eq!(fs::read_dir(t.p("logs")).unwrap().count(), 3000);
    // purge --json, the same
    let o = run_cmd(
        loganon()
            .args(["purge", &logs, "--max-age", "1d", "--dry-run", "--json"])
            .stdout(broken_pipe()),
    );
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));

    // run --dry-run: one line per file
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\n",
    );
    let config = t.s("loganon.toml");
    let o = run_cmd(
        loganon()
            .args(["run", "--config", &config, "--dry-run", "--now", "2026-02-01"])
            .stdout(broken_pipe()),
    );
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));

    // check on a file with many findings: exit 1 (found), nothing on stderr
    let mut many = String::new();
    for i in 0..5000 {
        many.push_str(&line(&format!("192.0.2.{}", i % 250 + 1), 1, 200, i));
    }
    let f = t.log("many.log", &many, JAN1);
    for json in [false, true] {
        let mut c = loganon();
        c.arg("check").arg(&f).stdout(broken_pipe());
        if json {
            c.arg("--json");
        }
        let o = run_cmd(&mut c);
        assert_eq!((code(&o), text(&o.stderr)), (1, String::new()), "--json {json}");
    }

    // a real purge does its work: the files go, the report is lost
    let o = run_cmd(
        loganon()
            .args(["purge", &logs, "--max-age", "1d"])
            .stdout(broken_pipe()),
    );
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
    assert_eq!(fs::read_dir(t.p("logs")).unwrap().count(), 0);
}

#[test]
fn a_broken_or_closed_stderr_never_aborts() {
    let t = Tree::new();
    let missing = t.s("missing.log");
    fs::write(t.p("bad.toml"), "[anonymize]\ncolour = 1\n").unwrap();
    let bad = t.s("bad.toml");
    let cases: [(&[&str], i32); 5] = [
        (&["purge", "/nonexistent-root", "--max-age", "1d"], 2),
        (&["check", &missing], 2),
        (&["anonymize", &missing], 1),
        (&["run", "--config", &bad], 2),
        (&["anonymize", "--ipv4-prefix", "99"], 2),
    ];
    for (args, want) in cases {
        let o = run_cmd(loganon().args(args).stderr(broken_pipe()));
        assert_eq!(o.status.signal(), None, "{args:?} was killed by a signal");
        assert_eq!(code(&o), want, "{args:?}");
        // closed, not broken: the runtime gives it /dev/null
        let mut sh = Command::new("sh");
        sh.arg("-c").arg("exec 2>&-; exec \"$0\" \"$@\"").arg(BIN).args(args);
        let o = run_cmd(&mut sh);
        assert_eq!(
            o.status.signal(),
            None,
            "{args:?} (stderr closed) was killed by a signal"
        );
        assert_eq!(code(&o), want, "{args:?} (stderr closed)");
    }
}

/// RLIMIT_NPROC 50 in the child; as root (which the limit spares) the child
/// also becomes `nobody`, whose processes the limit then counts.
fn limited(cmd: &mut Command) -> &mut Command {
    let root = is_root();
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: 50,
                rlim_max: 50,
            };
            if libc::setrlimit(libc::RLIMIT_NPROC, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if root
                && (libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(65534) != 0 || libc::setuid(65534) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

#[test]
fn threads_the_system_refuses_are_a_clear_error_with_exit_2() {
    let t = Tree::new();
    // `nobody` must read the input and write the output folder
    fs::set_permissions(t.tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let f = t.log("logs/access.log-1", &line("192.0.2.7", 1, 200, 1).repeat(1000), JAN1);
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    fs::create_dir(t.p("out")).unwrap();
    fs::set_permissions(t.p("out"), fs::Permissions::from_mode(0o777)).unwrap();
    let raw = fs::read(&f).unwrap();

    // can the limited child run at all (a binary `nobody` may not reach)?
    let probe = limited(loganon().args(["anonymize", "-j", "1"]).arg(&f)).output();
    match probe {
        Ok(o) if o.status.code() == Some(0) => {}
        other => {
            println!("skipping: a child limited to 50 processes cannot run loganon here: {other:?}");
            return;
        }
    }
    let out_dir = t.s("out");
    let fs_ = f.display().to_string();
    for args in [
        vec!["anonymize", "-j", "200", &fs_],
        vec!["anonymize", "-j", "200", "--out-dir", &out_dir, &fs_],
    ] {
        let o = limited(loganon().args(&args)).stdin(Stdio::null()).output().unwrap();
        assert_eq!(o.status.signal(), None, "{args:?}: killed by a signal");
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o.stderr));
        assert_eq!(
            text(&o.stderr),
            "loganon: cannot start 200 worker threads: Resource temporarily unavailable (os error 11); \
             lower -j (or `jobs` in the config) or raise the process limit (ulimit -u)\n"
        );
        assert_eq!(text(&o.stdout), "");
    }
    assert_eq!(
        fs::read_dir(t.p("out")).unwrap().count(),
        0,
        "no output, no temporary file"
    );
    assert_eq!(fs::read(&f).unwrap(), raw);

    // run: `jobs` in the config
    t.config(
        "jobs = 200",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\n",
    );
    let config = t.s("loganon.toml");
    let o = limited(loganon().args(["run", "--config", &config, "--dry-run"]))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("cannot start 200 worker threads"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(fs::read(&f).unwrap(), raw);
}
