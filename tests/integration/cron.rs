//! The `run` cron job over simulated days: anonymization in place,
//! summaries before deletion, the lock, dry runs, configuration errors, and
//! files changed after their anonymization (fixture in `retention.rs`).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::fd::AsRawFd;

use crate::common::bin::{assert_exit, loganon, text};
use crate::common::civil::{epoch, rfc3339, DAY};
use crate::common::files::set_mtime;
use crate::common::gz::{gzip, plain};
use crate::common::rng::Rng;
use crate::common::sys::real_now;
use crate::common::tree::{assert_same_tree, listing, temp_files_in};
use crate::retention::{
    assert_check_clean, assert_lines, cron_setup, dates_of, expected_csv, mtime_of, raw_text, reference_anonymization,
    requests, write_day_file, DayFile, Req, CSV_HEADER, USERS,
};

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
            assert_eq!(text(&o.stdout), "");
            assert!(text(&o.stderr).contains("lock"), "{}", text(&o.stderr));
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
        // today's file is not due yet, and says when it will be
        want.push(format!("not-due {} age=30m: to be anonymized in *", p(day)));
        // the dry run counts what it plans
        want.push(format!(
            "run (dry run): anonymized {a}, summarized {a}, deleted {}, already done {done_before}, errors 0, \
             not yet due 1",
            u8::from(gone_now >= 1),
            a = u8::from(anon_now >= 1),
        ));
        assert_lines(&text(&o.stdout), &want);

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
        want.push(format!("not-due {} age=30m: to be anonymized in *", p(day)));
        want.push(format!(
            "run: anonymized {a}, summarized {a}, deleted {}, already done {done_before}, errors 0, not yet due 1",
            u8::from(gone_now >= 1),
            a = u8::from(anon_now >= 1),
        ));
        assert_lines(&text(&o.stdout), &want);

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
            text(&o.stdout),
            format!(
                "not-due {} age=30m: to be anonymized in 23h (2026-01-{:02})\n\
                 run: anonymized 0, summarized 0, deleted 0, already done {done}, errors 0, not yet due 1\n",
                p(day),
                day + 1
            )
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
        text(&o.stdout),
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
    for (toml, line, key) in cases {
        fs::write(&config, &toml).unwrap();
        let o = loganon().args(["run", "--config"]).arg(&config).assert_exit_code(2);
        let e = text(&o.stderr);
        assert!(
            e.contains(&config.display().to_string()) && e.contains(line) && e.contains(key),
            "config:\n{toml}\nstderr should name the file, {line} and {key}:\n{e}"
        );
        assert_eq!(text(&o.stdout), "");
        assert!(!state.exists(), "nothing is done on a config error");
    }
    // a missing config file
    let o = loganon()
        .args(["run", "--config"])
        .arg(tmp.path().join("missing.toml"))
        .assert_exit_code(2);
    assert!(text(&o.stderr).contains("missing.toml"), "{}", text(&o.stderr));
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
    for (toml, line, key) in cases {
        fs::write(&config, &toml).unwrap();
        let o = loganon().args(["run", "--config"]).arg(&config).assert_exit_code(2);
        let e = text(&o.stderr);
        assert!(
            e.contains(&config.display().to_string()) && e.contains(line) && e.contains(key),
            "config:\n{toml}\nstderr should name the file, {line} and {key}:\n{e}"
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
        &text(&o.stdout),
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
    assert!(text(&o.stdout).contains(&format!("changed {p}")), "{}", text(&o.stdout));
    assert!(plain(&fs::read(&path).unwrap()).unwrap() == expected);
    assert_check_clean(&path);

    // and then it is done
    let o = c.run(now, &[]);
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 0\n"
    );
}

#[test]
fn cron_anonymizes_again_a_file_restored_with_same_size_and_mtime() {
    let c = cron_setup("1d", "30d");
    let config = fs::read_to_string(&c.config)
        .unwrap()
        .replace("/access.log-*.gz\"", "/access.log-*\"");
    fs::write(&c.config, config).unwrap();
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
        text(&o.stdout).contains(&format!("changed {}", path.display())),
        "the restored raw file was not anonymized again:\n{}",
        text(&o.stdout)
    );
    assert_check_clean(&path);
}
