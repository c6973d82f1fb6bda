//! Issue 26 (reliability, part 2), the nightly job's items: retention wins
//! over an unreadable file (item 1), and summaries never count a file twice
//! whatever happens to the state (item 2).

use std::fs;

use loganon::summary::CSV_HEADER;

use crate::common::bin::{code, text};
use crate::common::civil::DAY;
use crate::common::files::set_mtime;
use crate::common::gz::gzip;
use crate::run_safety::{line, Tree, JAN1};

fn csv(rows: &[&str]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

const SET: &str = "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\ndelete_after = \"10d\"\nsummary = \"@/web.csv\"\n";

// --------------------------------------------------------------- item 1

#[test]
fn a_corrupt_gz_past_delete_after_is_deleted_with_its_totals_up_to_the_corrupt_byte() {
    let t = Tree::new();
    t.config("", SET);
    // a complete member of two lines of Jan 1, then a member cut short:
    // a file logrotate compressed on a disk that filled up
    let mut bytes = gzip(
        [line("192.0.2.7", 1, 200, 100), line("198.51.100.9", 1, 404, 7)]
            .concat()
            .as_bytes(),
    );
    let cut = gzip(line("203.0.113.5", 2, 200, 5).as_bytes());
    bytes.extend_from_slice(&cut[..cut.len() / 2]);
    let bad = t.p("logs/access.log-20260102.gz");
    fs::write(&bad, &bytes).unwrap();
    set_mtime(&bad, JAN1 + 2 * DAY - 1);
    // and one whose gzip header is followed by nothing that inflates
    let junk = t.p("logs/access.log-20260103.gz");
    fs::write(&junk, b"\x1f\x8b\x08\x00 this is not deflate\n").unwrap();
    set_mtime(&junk, JAN1 + 3 * DAY - 1);

    let o = t.run(&["--now", "2026-01-20"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "retention done, with warnings: {err}");
    assert!(
        !bad.exists() && !junk.exists(),
        "past delete_after, deleted all the same"
    );
    // what was read of the first, and each file's date marked incomplete
    assert_eq!(
        fs::read_to_string(t.p("web.csv")).unwrap(),
        csv(&[
            "2026-01-01,2,107,1,0,1,0,0,2,0",
            "2026-01-02,0,0,0,0,0,0,0,0,1",
            "2026-01-03,0,0,0,0,0,0,0,0,1"
        ])
    );
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("loganon: warning: ")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings[0].contains(&t.s("logs/access.log-20260102.gz"))
            && warnings[0].contains("2 lines counted")
            && warnings[0].contains("2026-01-02 marked incomplete"),
        "{err}"
    );
    assert!(warnings[1].contains("0 lines counted"), "{err}");
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("deleted {} ", t.s("logs/access.log-20260102.gz"))),
        "{out}"
    );
    assert!(
        out.ends_with(
            "run: anonymized 0, summarized 2, deleted 2, already done 0, errors 0, warnings 2; done with warnings\n"
        ),
        "{out}"
    );
    // nothing is counted again on the next night
    let o = t.run(&["--now", "2026-01-21"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(fs::read_to_string(t.p("web.csv"))
        .unwrap()
        .contains("2026-01-02,0,0,0,0,0,0,0,0,1\n"));
}

// --------------------------------------------------------------- item 2

#[test]
fn summaries_stay_exact_when_the_state_is_moved_reset_or_deleted() {
    let t = Tree::new();
    t.config("", SET);
    let one = [line("192.0.2.7", 1, 200, 100), line("198.51.100.9", 1, 404, 7)].concat();
    let a = t.log("logs/access.log-20260101", &one, JAN1 + DAY - 1);
    let two = line("203.0.113.5", 2, 301, 10);
    let b = t.log("logs/access.log-20260102", &two, JAN1 + 2 * DAY - 1);
    let o = t.run(&["--now", "2026-01-04"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let want = csv(&["2026-01-01,2,107,1,0,1,0,0,2,0", "2026-01-02,1,10,0,1,0,0,0,1,0"]);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), want);
    let anonymized = (fs::read(&a).unwrap(), fs::read(&b).unwrap());

    let state = t.p("state/state.json");
    let nights: [(&str, &dyn Fn()); 3] = [
        ("moved away", &|| fs::rename(t.p("state"), t.p("state.old")).unwrap()),
        ("reset to {}", &|| fs::write(&state, "{}").unwrap()),
        ("deleted", &|| fs::remove_dir_all(t.p("state")).unwrap()),
    ];
    for (k, (what, lose)) in nights.iter().enumerate() {
        lose();
        let now = format!("2026-01-{:02}", 5 + k);
        let o = t.run(&["--now", &now]);
        assert_eq!(code(&o), 0, "{what}: {}", text(&o.stderr));
        assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), want, "state {what}");
        assert_eq!((fs::read(&a).unwrap(), fs::read(&b).unwrap()), anonymized, "{what}");
    }
    // the files expire: still counted once
    fs::write(&state, "{}").unwrap();
    let o = t.run(&["--now", "2026-01-20"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!a.exists() && !b.exists());
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), want);
}

#[test]
fn an_unreadable_state_says_what_to_do_without_advising_a_harmful_step() {
    let t = Tree::new();
    t.config("", SET);
    fs::create_dir(t.p("state")).unwrap();
    fs::write(t.p("state/state.json"), "{ not json").unwrap();
    let o = t.run(&["--now", "2026-01-04"]);
    assert_eq!(code(&o), 1);
    let err = text(&o.stderr);
    assert!(err.contains("state.json: unreadable state"), "{err}");
    assert!(!err.contains("move it away"), "{err}");
    assert!(err.contains("restore it from a backup"), "{err}");
}

// --------------------------------------------------------------- item 4

#[test]
fn batch_reads_a_file_to_its_end_whatever_size_stat_gives() {
    // /proc files say 0 bytes and hold lines: batch wrote an empty file
    let status = "/proc/self/status";
    if !std::path::Path::new(status).exists() {
        eprintln!("skipped: no {status} here");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let od = d.path().join("od");
    fs::create_dir(&od).unwrap();
    let one = d.path().join("one.log");
    let o = crate::common::bin::loganon()
        .args(["anonymize", "--out-dir"])
        .arg(&od)
        .arg(status)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = crate::common::bin::loganon()
        .args(["anonymize", "-o"])
        .arg(&one)
        .arg(status)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    // each run reads its own process's status: the lines it has are there,
    // their values differ; the stream reads the same file the same way
    for got in [
        fs::read_to_string(od.join("status")).unwrap(),
        fs::read_to_string(&one).unwrap(),
    ] {
        let names: Vec<&str> = got.lines().map(|l| l.split(':').next().unwrap_or("")).collect();
        assert!(names.len() > 20, "{got}");
        for want in ["Name", "State", "Pid", "PPid", "VmRSS", "Threads"] {
            assert!(names.contains(&want), "{want} missing in {got}");
        }
    }
}

// --------------------------------------------------------------- item 5

#[test]
fn a_glob_walks_only_the_folders_it_can_match() {
    let t = Tree::new();
    // a tree below the logs deeper than the walk's limit (256 folders)
    let mut deep = t.p("logs/archive");
    for _ in 0..300 {
        deep.push("d");
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("old.log"), line("192.0.2.1", 1, 200, 1)).unwrap();
    let top = t.log("logs/access.log", &line("192.0.2.7", 1, 200, 100), JAN1 + DAY - 1);
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/*.log\"]\nanonymize_after = \"1d\"\n",
    );
    let o = t.run(&["--now", "2026-01-04"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert_eq!(err, "", "logs/*.log never looks below logs/");
    assert!(text(&o.stdout).starts_with(&format!("anonymized {} ", top.display())));

    // `**` walks down to the limit: a warning for the deep part only, and
    // the files above it are done
    let mid = t.log(
        "logs/archive/d/d/mid.log",
        &line("192.0.2.8", 1, 200, 1),
        JAN1 + DAY - 1,
    );
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/**/*.log\"]\nanonymize_after = \"1d\"\n",
    );
    let o = t.run(&["--now", "2026-01-04"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("loganon: warning: [[logs]] 'web': paths '")
            && err.contains("more than 256 folders deep; not entered"),
        "{err}"
    );
    let out = text(&o.stdout);
    assert!(out.contains(&format!("anonymized {} ", mid.display())), "{out}");
    assert!(out.ends_with("warnings 1; done with warnings\n"), "{out}");
}

// --------------------------------------------------------------- item 6

#[test]
fn the_stream_reads_on_past_a_corrupt_gzip_member_and_batch_stays_all_or_nothing() {
    let d = tempfile::tempdir().unwrap();
    let first = gzip(line("192.0.2.7", 1, 200, 100).as_bytes());
    let second: String = (0..200)
        .map(|k| line(&format!("198.51.100.{}", k % 250), 1, 200, k))
        .collect();
    let mut bad = gzip(second.as_bytes());
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    bad[mid + 1] ^= 0x55;
    let third = gzip(line("203.0.113.5", 2, 404, 7).as_bytes());
    let mut bytes = first.clone();
    bytes.extend_from_slice(&bad);
    bytes.extend_from_slice(&third);
    let path = d.path().join("access.log.2.gz");
    fs::write(&path, &bytes).unwrap();
    let range = format!(
        "compressed bytes {} to {} skipped, read on from the gzip member there",
        first.len(),
        first.len() + bad.len()
    );
    let last = "203.0.113.0 - - [02/Jan/2026:10:00:00 +0000] \"GET /a?email=REDACTED HTTP/1.1\" 404 7 \"-\" \"UA\"\n";

    // as a file and on stdin
    for stdin in [false, true] {
        let mut cmd = crate::common::bin::loganon();
        cmd.arg("anonymize");
        if stdin {
            cmd.stdin(bytes.clone());
        } else {
            cmd.arg(&path);
        }
        let o = cmd.output();
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(code(&o), 1, "data was lost: {err}");
        assert!(
            out.starts_with("192.0.2.0 - - [01/Jan/2026:10:00:00 +0000]") && out.ends_with(last),
            "stdin {stdin}: {out}"
        );
        assert!(err.contains(&range), "stdin {stdin}: {err}");
        // lines of the corrupt member read before the bad byte are written
        // anonymized, none raw
        assert!(!out.contains("198.51.100.1") && !out.contains("frank"), "{out}");
    }
    // batch: nothing written, the original untouched
    let od = d.path().join("od");
    fs::create_dir(&od).unwrap();
    let o = crate::common::bin::loganon()
        .args(["anonymize", "--out-dir"])
        .arg(&od)
        .arg(&path)
        .output();
    assert_eq!(code(&o), 1);
    assert!(!text(&o.stderr).contains("skipped"), "{}", text(&o.stderr));
    assert_eq!(fs::read_dir(&od).unwrap().count(), 0);
    assert_eq!(fs::read(&path).unwrap(), bytes);
}

// --------------------------------------------------------------- item 7

#[test]
fn purge_json_streams_its_records_in_flat_memory() {
    use std::os::unix::process::CommandExt;
    let d = tempfile::tempdir().unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    const N: usize = 100_000;
    for k in 0..N / 1000 {
        let dir = d.path().join(format!("d{k:03}"));
        fs::create_dir(&dir).unwrap();
        for i in 0..1000 {
            let f = fs::File::create(dir.join(format!("access.log.{i}.gz"))).unwrap();
            f.set_modified(old).unwrap();
        }
    }
    let mut cmd = crate::common::bin::loganon();
    cmd.args(["purge", "--max-age", "30d", "--dry-run", "--json"])
        .arg(d.path());
    // 64 MiB of heap: holding every record took 232 MiB for 100,000 files
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        cmd.cmd().pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 64 << 20,
                rlim_max: 64 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let o = cmd.output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let files = j["files"].as_array().unwrap();
    assert_eq!(files.len(), N);
    assert_eq!(j["summary"]["deleted"], N);
    assert_eq!(j["summary"]["examined"], N);
    assert_eq!(j["dry_run"], true);
    let first = d.path().join("d000/access.log.0.gz");
    assert_eq!(files[0]["path"], first.to_str().unwrap());
    assert_eq!(files[0]["size"], 0);
}

#[test]
fn config_errors_never_echo_a_value_of_megabytes() {
    let t = Tree::new();
    let long = "h".repeat(3 << 20);
    for body in [
        format!("ip_mode = \"{long}\"\n"),
        format!("key_file = \"/{long}\"\nip_mode = \"hash\"\n"),
    ] {
        t.config(&body, SET);
        let o = t.run(&["--now", "2026-01-04"]);
        assert_eq!(code(&o), 2, "a configuration error");
        let err = text(&o.stderr);
        assert!(err.len() < 20_000, "{} bytes of message", err.len());
        assert!(
            err.contains(&t.s("loganon.toml")),
            "names the file: {}",
            &err[..200.min(err.len())]
        );
        assert!(err.contains(" bytes]"), "says how long the value was");
    }
}

#[test]
fn sigterm_stops_the_summary_read_and_deletes_nothing() {
    use crate::common::child::Proc;
    use crate::common::wait::wait_until_within;
    use std::time::Duration;
    let t = Tree::new();
    t.config("", SET);
    // 64 MiB past delete_after: its summary read takes seconds (debug)
    let one = line("192.0.2.7", 1, 200, 100);
    let big = one.repeat((64 << 20) / one.len());
    let log = t.log("logs/access.log-20260101", &big, JAN1 + DAY - 1);
    let config = t.s("loganon.toml");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_loganon"));
    cmd.args(["run", "--config", &config, "--now", "2026-01-20"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut p = Proc::spawn(&mut cmd);
    // its descriptor of the log is open: the read has begun
    let fds = format!("/proc/{}/fd", p.pid());
    let reading = || {
        fs::read_dir(&fds)
            .map(|d| d.flatten().any(|e| fs::read_link(e.path()).is_ok_and(|l| l == log)))
            .unwrap_or(false)
    };
    wait_until_within(Duration::from_secs(60), "run to open the log", || {
        reading() || p.exited().is_some()
    });
    assert!(
        p.exited().is_none(),
        "the read ended before SIGTERM: make the log larger"
    );
    p.signal(libc::SIGTERM);
    let (status, err) = p.wait_within(Duration::from_secs(60));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("interrupted while it was read; not deleted, the next run continues"),
        "{err}"
    );
    assert!(log.exists(), "nothing deleted");
    assert!(!t.p("web.csv").exists() || !fs::read_to_string(t.p("web.csv")).unwrap().contains("2026-01-01"));
}

// --------------------------------------------------------------- item 8

#[test]
fn every_test_named_in_the_fault_table_exists() {
    let root = env!("CARGO_MANIFEST_DIR");
    let table = fs::read_to_string(format!("{root}/docs/reliability.md")).unwrap();
    let mut sources = String::new();
    for dir in ["tests/integration", "tests/limits"] {
        for e in fs::read_dir(format!("{root}/{dir}")).unwrap().flatten() {
            sources.push_str(&fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    let mut named = 0;
    for row in table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Fault"))
    {
        let Some(tests) = row.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        for name in tests.split('`').skip(1).step_by(2).filter(|n| !n.starts_with("--")) {
            let f = name.rsplit("::").next().unwrap();
            assert!(
                sources.contains(&format!("fn {f}(")),
                "docs/reliability.md names {name}: no such test"
            );
            named += 1;
        }
    }
    assert!(named >= 25, "{named} tests named");
}

/// What a corrupt member decoded before its checksum failed is not counted
/// (the red-team pass: 1,661 garbage lines became an `undated` row).
#[test]
fn a_corrupt_members_garbage_is_never_counted() {
    let t = Tree::new();
    t.config("", SET);
    let lines: String = (0..3000)
        .map(|k| line(&format!("192.0.2.{}", k % 250), 1, 200, k))
        .collect();
    let mut bytes = gzip(lines.as_bytes());
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    let bad = t.p("logs/access.log-20260102.gz");
    fs::write(&bad, &bytes).unwrap();
    set_mtime(&bad, JAN1 + 2 * DAY - 1);
    let o = t.run(&["--now", "2026-01-20"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!bad.exists());
    assert_eq!(
        fs::read_to_string(t.p("web.csv")).unwrap(),
        csv(&["2026-01-02,0,0,0,0,0,0,0,0,1"]),
        "only the incomplete mark: no member was whole"
    );
    assert!(text(&o.stderr).contains("0 lines counted"), "{}", text(&o.stderr));
}
