//! Issue 12, items 2 and 3: in-place rewrites of files that change while
//! they are read (active logs), hard links, symlinks swapped in, and
//! loganon's temporary files (named after their creator, swept when it is
//! gone, never while it runs).
//!
//! Waits are polls with a deadline (the temporary file appears, the child
//! ends); the writer's pause between lines only paces it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::symlink;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use loganon::io::input::{open_planned, plan_file};

use crate::common::bin::{assert_exit, loganon, text, Arg, TestCommand};
use crate::common::files::{names, set_modified, temps};
use crate::common::wait::{ready_or_exit, DEADLINE};

// ---------------------------------------------------------------- helpers

/// Line `i` of a generated combined log: an address, a user, an email.
fn line(i: usize) -> String {
    format!(
        "10.{}.{}.{} - user{i} [01/Jan/2026:00:{:02}:{:02} +0000] \"GET /page/{i}?email=u{i}@example.com HTTP/1.1\" 200 {i} \"https://example.com/\" \"Mozilla/5.0 (X11)\"\n",
        i % 200,
        i % 250,
        1 + i % 251,
        (i / 60) % 60,
        i % 60
    )
}

fn lines(from: usize, n: usize) -> Vec<u8> {
    (from..from + n).flat_map(|i| line(i).into_bytes()).collect()
}

/// `loganon anonymize FILE` to stdout: what an anonymized FILE must hold.
fn reference(path: &Path) -> Vec<u8> {
    let o = loganon().arg("anonymize").arg(path).assert_exit_code(0);
    o.stdout
}

/// The start time of this test process (field 22 of /proc/self/stat).
fn own_start() -> u64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(19).unwrap().parse().unwrap()
}

fn days_ago(n: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(n * 86400)
}

/// Runs `cmd` while a writer appends lines to `log` (through one descriptor
/// held open, as a web server does): it starts once loganon's temporary
/// file is in `dir` (the file is being read) and goes on until loganon has
/// exited. Returns loganon's output and everything the writer appended.
fn with_appending_writer(cmd: &mut TestCommand, log: &Path, dir: &Path) -> (Output, Vec<u8>) {
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut appended = Vec::new();
            let t0 = Instant::now();
            while temps(dir).is_empty() {
                if done.load(Ordering::SeqCst) {
                    return appended;
                }
                assert!(t0.elapsed() < DEADLINE, "no temporary file within {DEADLINE:?}");
                thread::sleep(Duration::from_micros(100)); // poll
            }
            let mut f = OpenOptions::new().append(true).open(log).unwrap();
            let mut i = 1_000_000;
            while !done.load(Ordering::SeqCst) {
                let l = line(i);
                f.write_all(l.as_bytes()).unwrap();
                appended.extend_from_slice(l.as_bytes());
                i += 1;
                thread::sleep(Duration::from_micros(200)); // pace, not sync
            }
            appended
        });
        let out = cmd.output();
        done.store(true, Ordering::SeqCst);
        (out, writer.join().unwrap())
    })
}

// ---------------------------------------------------------------- item 2

#[test]
fn in_place_of_a_file_appended_to_loses_nothing_and_fails() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("access.log");
    let raw = lines(0, 10_000);
    fs::write(&log, &raw).unwrap();

    let (o, appended) = with_appending_writer(loganon().args(["anonymize", "--in-place"]).arg(&log), &log, d.path());
    assert!(!appended.is_empty(), "the writer never wrote: loganon ended first?");
    assert_exit(&o, 1);
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: changed while being anonymized (an active log?); left as it was, try again later\n",
            log.display()
        )
    );
    let mut want = raw.clone();
    want.extend_from_slice(&appended);
    assert!(fs::read(&log).unwrap() == want, "the log is not what was written to it");
    assert_eq!(temps(d.path()), Vec::<String>::new());

    // quiet now: the same command anonymizes it
    let expected = reference(&log);
    let _o = loganon()
        .args(["anonymize", "--in-place"])
        .arg(&log)
        .assert_exit_code(0);
    assert!(fs::read(&log).unwrap() == expected);
}

fn run_config(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let logs = dir.join("logs");
    let state = dir.join("state");
    fs::create_dir(&logs).unwrap();
    let config = dir.join("loganon.toml");
    fs::write(
        &config,
        format!(
            "state_dir = \"{}\"\n\n[[logs]]\nname = \"web\"\npaths = [\"{}/*.log\"]\nformat = \"combined\"\nanonymize_after = \"1d\"\n",
            state.display(),
            logs.display()
        ),
    )
    .unwrap();
    (config, logs, state)
}

fn done_in_state(state: &Path) -> Vec<String> {
    let Ok(b) = fs::read(state.join("state.json")) else {
        return Vec::new();
    };
    let j: serde_json::Value = serde_json::from_slice(&b).unwrap();
    j["anonymized"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn run_leaves_an_active_log_for_the_next_run() {
    let d = tempfile::tempdir().unwrap();
    let (config, logs, state) = run_config(d.path());
    let log = logs.join("access.log");
    let raw = lines(0, 10_000);
    fs::write(&log, &raw).unwrap();
    set_modified(&log, days_ago(3));

    let (o, appended) = with_appending_writer(loganon().args(["run", "--config"]).arg(&config), &log, &logs);
    assert!(!appended.is_empty(), "the writer never wrote: loganon ended first?");
    assert_exit(&o, 0);
    let p = log.display();
    assert_eq!(
        text(&o.stdout),
        format!(
            "active {p}: changed while being anonymized (an active log?); left as it was, the next run tries again\n\
             run: anonymized 0, summarized 0, deleted 0, already done 0, errors 0, active 1\n"
        )
    );
    let mut want = raw.clone();
    want.extend_from_slice(&appended);
    assert!(fs::read(&log).unwrap() == want, "the log is not what was written to it");
    assert_eq!(done_in_state(&state), Vec::<String>::new(), "recorded as done");
    assert_eq!(temps(&logs), Vec::<String>::new());

    // the writer is gone; once the file is old again the next run does it
    set_modified(&log, days_ago(3));
    let expected = reference(&log);
    let o = loganon().args(["run", "--config"]).arg(&config).assert_exit_code(0);
    let out = text(&o.stdout);
    assert!(
        out.starts_with(&format!(
            "anonymized {p} lines={} ",
            10_000 + appended.iter().filter(|&&b| b == b'\n').count()
        )),
        "{out}"
    );
    assert!(fs::read(&log).unwrap() == expected);
    assert_eq!(done_in_state(&state), vec![p.to_string()]);
}

#[test]
fn hard_linked_file_is_refused_unless_force() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.log");
    let b = d.path().join("b.log");
    let raw = lines(0, 50);
    fs::write(&a, &raw).unwrap();
    fs::hard_link(&a, &b).unwrap();
    let expected = reference(&a);

    let o = loganon().args(["anonymize", "--in-place"]).arg(&a).assert_exit_code(1);
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: has 2 hard links; replacing it would leave the raw log under the other names; remove them, or use --force\n",
            a.display()
        )
    );
    assert!(fs::read(&a).unwrap() == raw && fs::read(&b).unwrap() == raw);

    // `run` has no --force: refused, an error, both names intact
    let (config, logs, _) = run_config(d.path());
    let c = logs.join("c.log");
    fs::hard_link(&a, &c).unwrap();
    set_modified(&c, days_ago(3));
    let o = loganon().args(["run", "--config"]).arg(&config).assert_exit_code(1);
    let said = format!(
        "{}: has 3 hard links; replacing it would leave the raw log under the other names; remove them\n",
        c.display()
    );
    assert_eq!(text(&o.stderr).matches(&said).count(), 1, "{}", text(&o.stderr));
    assert!(
        !text(&o.stdout).contains(&said),
        "an error is told once, on stderr: {}",
        text(&o.stdout)
    );
    fs::remove_file(&c).unwrap();

    let _o = loganon()
        .args(["anonymize", "--in-place", "--force"])
        .arg(&a)
        .assert_exit_code(0);
    assert!(fs::read(&a).unwrap() == expected);
    assert!(
        fs::read(&b).unwrap() == raw,
        "the other name keeps the raw log (that is what --force accepts)"
    );
}

#[test]
fn symlinks_in_place_refused_named_followed_swapped_never_read() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("real.log");
    let link = d.path().join("link.log");
    let raw = lines(0, 20);
    fs::write(&target, &raw).unwrap();
    symlink(&target, &link).unwrap();

    // --in-place would replace the link and keep the raw file it points to
    let o = loganon()
        .args(["anonymize", "--in-place"])
        .arg(&link)
        .assert_exit_code(1);
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: is a symbolic link; replacing it would leave the raw log where it points; name that file instead\n",
            link.display()
        )
    );
    assert!(fs::read(&target).unwrap() == raw);
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    // a symlink named on the command line is read where it points
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    let _o = loganon()
        .arg("anonymize")
        .arg(&link)
        .arg("--out-dir")
        .arg(&out)
        .assert_exit_code(0);
    assert!(fs::read(out.join("link.log")).unwrap() == reference(&target));

    // planned as a regular file, a symlink swapped in is not opened
    let secret = d.path().join("secret");
    fs::write(&secret, "not a log\n").unwrap();
    let plan = plan_file(&target).unwrap();
    fs::remove_file(&target).unwrap();
    symlink(&secret, &target).unwrap();
    assert_eq!(
        open_planned(&target, &plan).err().map(|e| e.to_string()).as_deref(),
        Some("was replaced by a symbolic link after loganon looked at it; not read")
    );
    // nor another file renamed over it
    fs::remove_file(&target).unwrap();
    fs::write(&target, &raw).unwrap();
    let plan = plan_file(&target).unwrap();
    let other = d.path().join("other");
    fs::write(&other, &raw).unwrap();
    fs::rename(&other, &target).unwrap();
    assert_eq!(
        open_planned(&target, &plan).err().map(|e| e.to_string()).as_deref(),
        Some("was replaced by another file after loganon looked at it; not read")
    );
    // a named symlink pointed elsewhere after it was looked at
    let plan = plan_file(&link).unwrap();
    assert!(plan.link);
    fs::remove_file(&link).unwrap();
    symlink(&secret, &link).unwrap();
    assert_eq!(
        open_planned(&link, &plan).err().map(|e| e.to_string()).as_deref(),
        Some("was replaced by another file after loganon looked at it; not read")
    );
    assert!(open_planned(&target, &plan_file(&target).unwrap()).is_ok());
}

// ---------------------------------------------------------------- item 3

/// The pid of a process that has exited (and was reaped).
fn gone_pid() -> u32 {
    let mut c = TestCommand::new("true").spawn();
    let pid = c.pid();
    c.wait();
    pid
}

#[test]
fn batch_sweeps_temp_files_of_gone_creators_only() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in.log");
    fs::write(&input, lines(0, 20)).unwrap();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    let me = std::process::id();
    let start = own_start();
    let dead = format!(".loganon-{}-{}-Ab12Cd34.tmp", gone_pid(), start);
    let reused = format!(".loganon-{me}-{}-Ab12Cd34.tmp", start + 1);
    let live = format!(".loganon-{me}-{start}-Ab12Cd34.tmp");
    let old_fresh = ".loganon-aB3dE9.tmp";
    let old_stale = ".loganon-xY7kQ2.tmp";
    let not_ours = ".loganon-notes.tmp";
    for n in [&dead, &reused, &live, old_fresh, old_stale, not_ours] {
        fs::write(out.join(n), "partial output").unwrap();
    }
    set_modified(&out.join(old_stale), SystemTime::now() - Duration::from_secs(7200));
    // a symlink with a dead creator's name is not ours to follow or remove
    let link = format!(".loganon-{}-1-Zz99Zz99.tmp", gone_pid());
    symlink(&input, out.join(&link)).unwrap();

    // a dead pid, but locked: a loganon in another pid namespace
    let locked = format!(".loganon-{}-{start}-Lk12Lk34.tmp", gone_pid());
    let held = File::create(out.join(&locked)).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );

    let _o = loganon()
        .arg("anonymize")
        .arg(&input)
        .arg("--out-dir")
        .arg(&out)
        .assert_exit_code(0);
    drop(held);
    let mut want = vec![
        "in.log".to_string(),
        live.clone(),
        link.clone(),
        locked.clone(),
        old_fresh.to_string(),
        not_ours.to_string(),
    ];
    want.sort();
    assert_eq!(names(&out), want);
    assert!(fs::read(out.join(&live)).unwrap() == b"partial output");
}

/// SIGKILLs `cmd` once its temporary file is in `dir`; then the same
/// command, run again, finishes and leaves no temporary file.
fn kill_then_retry(args: &[Arg], dir: &Path) {
    let mut child = loganon()
        .args(args)
        .stdout_to(Stdio::null())
        .stderr_to(Stdio::null())
        .spawn();
    let appeared = ready_or_exit(&mut child, "its temporary file", || !temps(dir).is_empty());
    assert!(appeared, "loganon ended before its temporary file was seen");
    child.signal(libc::SIGKILL);
    let (status, _) = child.wait();
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status}");
    let left = temps(dir);
    assert_eq!(left.len(), 1, "{left:?}");
    let pid = child.pid();
    assert!(
        left[0].starts_with(&format!(".loganon-{pid}-")),
        "{left:?}: named after its creator"
    );

    let _o = loganon().args(args).assert_exit_code(0);
    assert_eq!(
        temps(dir),
        Vec::<String>::new(),
        "the killed attempt's temporary file is left"
    );
}

#[test]
fn sigkilled_batch_retried_leaves_no_temp_file() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("big.log");
    fs::write(&input, lines(0, 40_000)).unwrap();
    let expected = reference(&input);

    let one = d.path().join("one");
    fs::create_dir(&one).unwrap();
    let all = one.join("all.log");
    kill_then_retry(&[&"anonymize", &"-o", &all, &input], &one);
    assert!(fs::read(&all).unwrap() == expected);

    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    kill_then_retry(&[&"anonymize", &input, &"--out-dir", &out], &out);
    assert!(fs::read(out.join("big.log")).unwrap() == expected);
}

#[test]
fn a_running_batchs_temp_file_survives_another_batch_into_its_folder() {
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("big.log");
    fs::write(&big, lines(0, 40_000)).unwrap();
    let small = d.path().join("small.log");
    fs::write(&small, lines(0, 10)).unwrap();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    let a = out.join("a.log");
    let b = out.join("b.log");

    let mut first = loganon()
        .args(["anonymize", "-o"])
        .arg(&a)
        .arg(&big)
        .stdout_to(Stdio::null())
        .spawn();
    assert!(
        ready_or_exit(&mut first, "its temporary file", || !temps(&out).is_empty()),
        "the first batch ended before its temporary file was seen"
    );
    let _o = loganon()
        .args(["anonymize", "-o"])
        .arg(&b)
        .arg(&small)
        .assert_exit_code(0);
    assert!(first.exited().is_none(), "the first batch ended too soon to tell");
    assert_eq!(temps(&out).len(), 1, "the running batch's temporary file is gone");
    let (status, err) = first.wait();
    assert_eq!(status.code(), Some(0), "exit status {status:?}\nstderr:\n{err}");
    assert!(fs::read(&a).unwrap() == reference(&big));
    assert!(fs::read(&b).unwrap() == reference(&small));
    assert_eq!(temps(&out), Vec::<String>::new());
}

#[test]
fn run_sweeps_only_the_folders_of_its_files() {
    let d = tempfile::tempdir().unwrap();
    let (config, logs, state) = run_config(d.path());
    let log = logs.join("access.log");
    fs::write(&log, lines(0, 20)).unwrap();
    set_modified(&log, days_ago(3));
    let sub = logs.join("sub");
    fs::create_dir(&sub).unwrap();
    fs::create_dir(&state).unwrap();
    let me = std::process::id();
    let start = own_start();
    let dead = format!(".loganon-{}-{start}-Ab12Cd34.tmp", gone_pid());
    let live = format!(".loganon-{me}-{start}-Ab12Cd34.tmp");
    for dir in [&logs, &sub, &state, &d.path().to_path_buf()] {
        for n in [&dead, &live] {
            fs::write(dir.join(n), "partial").unwrap();
        }
    }

    let o = loganon()
        .args(["run", "--config"])
        .arg(&config)
        .arg("--dry-run")
        .assert_exit_code(0);
    assert!(
        text(&o.stdout).starts_with(&format!("would-remove-temp {}\n", logs.join(&dead).display())),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(temps(&logs), {
        let mut v = vec![dead.clone(), live.clone()];
        v.sort();
        v
    });

    let o = loganon().args(["run", "--config"]).arg(&config).assert_exit_code(0);
    assert!(
        text(&o.stdout).starts_with(&format!(
            "removed-temp {}\nanonymized {} lines=20 ",
            logs.join(&dead).display(),
            log.display()
        )),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(temps(&logs), vec![live.clone()], "a live temporary file was removed");
    assert_eq!(temps(&state), vec![live.clone()], "the state folder is swept at start");
    let both = {
        let mut v = vec![dead.clone(), live.clone()];
        v.sort();
        v
    };
    assert_eq!(temps(&sub), both, "a folder holding none of the set's files was swept");
    assert_eq!(temps(d.path()), both, "a folder outside the globs was swept");
}
