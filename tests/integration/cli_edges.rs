//! Issue 15, item 4: the command line's rough edges. `--format` help from
//! the registry, `--stats` that never takes a file name, `run` telling each
//! error once and `run --json`, `purge --age-from name` trusting only a
//! rotation's date, durations as logrotate users write them, and no
//! progress bar where stderr is not a terminal.

use std::fs;
use std::path::Path;

use crate::common::bin::{code, loganon, stats_json, text};
use crate::common::civil::{epoch, DAY};
use crate::common::files::set_mtime;

const LINE: &str = "192.0.2.7 - frank [01/Jan/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"UA\"\n";

#[test]
fn format_help_lists_every_format_of_the_registry() {
    let help = text(&loganon().args(["anonymize", "--help"]).output().stdout);
    let short = text(&loganon().args(["check", "-h"]).output().stdout);
    for name in loganon::formats::registry::names() {
        assert!(help.contains(&format!("  {name}: ")), "--help lacks {name}: {help}");
        assert!(short.contains(name), "-h lacks {name}: {short}");
    }
    assert!(
        help.contains("nginx:LOG_FORMAT") && help.contains("Apache LogFormat"),
        "{help}"
    );
}

#[test]
fn stats_before_a_file_takes_no_file_name() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("access.log");
    fs::write(&f, LINE).unwrap();
    let p = f.to_str().unwrap();
    // the flag, then the file: text counters
    let o = loganon().args(["anonymize", "--stats", p]).output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), LINE.replace("192.0.2.7 - frank", "192.0.2.0 - -"));
    assert!(
        text(&o.stderr).starts_with("loganon: lines read 1, written 1"),
        "{}",
        text(&o.stderr)
    );
    // the format after `=`, and the older spellings
    for args in [
        &["--stats=json", p][..],
        &["--stats", "json", p],
        &[p, "--stats", "json"],
    ] {
        let o = loganon().args([&["anonymize"][..], args].concat()).output();
        assert_eq!(code(&o), 0, "{args:?}: {}", text(&o.stderr));
        assert_eq!(stats_json(&text(&o.stderr))["lines_read"], 1, "{args:?}");
    }
    let o = loganon().args(["anonymize", "--stats", "text", p]).output();
    assert!(
        text(&o.stderr).starts_with("loganon: lines read 1"),
        "{}",
        text(&o.stderr)
    );
    // a file named like a format: ./json
    fs::write(d.path().join("json"), LINE).unwrap();
    let o = loganon()
        .args(["anonymize", "--stats", "./json"])
        .current_dir(d.path())
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).starts_with("loganon: lines read 1"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    let big: String = (0..20_000).map(|_| LINE).collect();
    let f = d.path().join("access.log");
    fs::write(&f, &big).unwrap();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    for args in [
        vec!["anonymize", f.to_str().unwrap(), "--out-dir", out.to_str().unwrap()],
        vec!["anonymize", f.to_str().unwrap(), "-o", "-"],
    ] {
        let o = loganon().args(&args).output();
        assert_eq!(code(&o), 0, "{args:?}");
        assert_eq!(text(&o.stderr), "", "{args:?}: nothing on a stderr that is a pipe");
    }
}

#[test]
fn durations_as_logrotate_users_write_them() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("logs");
    fs::create_dir(&root).unwrap();
    let now = epoch(2026, 6, 1);
    for (name, age) in [("a.log.1", 100), ("b.log.1", 80), ("c.log.1", 400)] {
        let p = root.join(name);
        fs::write(&p, "x").unwrap();
        set_mtime(&p, now - age * DAY);
    }
    let purge = |max_age: &str| {
        let o = loganon()
            .args([
                "purge",
                root.to_str().unwrap(),
                "--max-age",
                max_age,
                "--now",
                "2026-06-01",
                "--dry-run",
                "--json",
            ])
            .output();
        assert_eq!(code(&o), 0, "{max_age}: {}", text(&o.stderr));
        let j: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
        let mut names: Vec<String> = j["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                Path::new(f["path"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    };
    // a bare number is days, as logrotate's `maxage 90`
    assert_eq!(purge("90"), ["a.log.1", "c.log.1"]);
    assert_eq!(purge("90d"), purge("90"));
    assert_eq!(purge("3mo"), purge("90"));
    assert_eq!(purge("2w"), ["a.log.1", "b.log.1", "c.log.1"]);
    assert_eq!(purge("1y"), ["c.log.1"]);
    assert_eq!(purge("2160h"), purge("90"));
    // anonymize --max-age too
    // anonymize --max-age too: a line 19 days old
    let kept = |max_age: &str| {
        let o = loganon()
            .args(["anonymize", "--max-age", max_age, "--now", "2026-01-20"])
            .stdin(LINE.as_bytes())
            .output();
        assert_eq!(code(&o), 0, "{max_age}: {}", text(&o.stderr));
        !o.stdout.is_empty()
    };
    assert!(kept("30") && kept("1mo") && kept("20"));
    assert!(!kept("10") && !kept("2w") && !kept("18"));
    for bad in ["90x", "1d12", "3 months"] {
        let o = loganon()
            .args(["purge", root.to_str().unwrap(), "--max-age", bad])
            .output();
        assert_eq!(code(&o), 2, "{bad}");
        let err = text(&o.stderr);
        assert!(
            err.contains("--max-age") && err.contains("90 (days), 90d, 12h, 2w, 3mo, 1y"),
            "{bad}: {err}"
        );
    }
}

/// A tree for `run`: logs/, state/, a config.
fn run_tree(sets: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let top = d.path().display().to_string();
    fs::create_dir(d.path().join("logs")).unwrap();
    let cfg = d.path().join("loganon.toml");
    fs::write(
        &cfg,
        format!(
            "state_dir = \"{top}/state\"\n\n[anonymize]\nlevel = 1\n\n{}",
            sets.replace("@/", &format!("{top}/"))
        ),
    )
    .unwrap();
    (d, cfg)
}

fn json_lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {l}")))
        .collect()
}

#[test]
fn run_json_gives_one_object_per_action_and_each_error_once() {
    let (d, cfg) = run_tree(
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/*.log*\", \"@/none/*.gz\"]\nanonymize_after = 1\ndelete_after = \"30\"\nsummary = \"@/web.csv\"\n",
    );
    let logs = d.path().join("logs");
    let now = epoch(2026, 3, 1);
    let (fresh, old, linked) = (logs.join("a\nb.log.1"), logs.join("old.log.2"), logs.join("c.log.3"));
    for p in [&fresh, &old, &linked] {
        fs::write(p, LINE).unwrap();
    }
    // a file with another hard link: refused, an error
    fs::hard_link(&linked, d.path().join("elsewhere")).unwrap();
    set_mtime(&fresh, now - 3 * DAY);
    set_mtime(&old, now - 40 * DAY);
    set_mtime(&linked, now - 3 * DAY);
    let args = [
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--now",
        "2026-03-01",
        "--json",
    ];
    let o = loganon().args(args).output();
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    let lines = json_lines(&o);
    let find = |action: &str| -> Vec<&serde_json::Value> { lines.iter().filter(|j| j["action"] == action).collect() };
    let anonymized = find("anonymized");
    assert_eq!(anonymized.len(), 1, "{lines:?}");
    assert_eq!(
        anonymized[0]["file"],
        fresh.to_str().unwrap(),
        "the name as JSON (names.rs): its newline escaped by JSON"
    );
    assert_eq!(anonymized[0]["lines"], 1);
    assert_eq!(find("summarized").len(), 2, "{lines:?}");
    let deleted = find("deleted");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["file"], old.to_str().unwrap());
    assert_eq!(deleted[0]["age_seconds"], 40 * DAY);
    let errors = find("error");
    assert_eq!(errors.len(), 1, "{lines:?}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("hard links"),
        "{lines:?}"
    );
    assert_eq!(find("warning").len(), 1, "the glob under none/");
    let last = lines.last().unwrap();
    assert_eq!(
        (
            last["action"].as_str(),
            last["anonymized"].as_u64(),
            last["errors"].as_u64()
        ),
        (Some("run"), Some(1), Some(1))
    );
    // stderr: each error and warning once, as text
    let err = text(&o.stderr);
    assert_eq!(err.matches("hard links").count(), 1, "{err}");
    assert_eq!(err.matches("loganon: warning: ").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");

    // again: what is done is skipped, said in JSON only
    let o = loganon().args(args).output();
    let lines = json_lines(&o);
    let skipped: Vec<_> = lines.iter().filter(|j| j["action"] == "skipped").collect();
    assert_eq!(skipped.len(), 1, "{lines:?}");
    assert_eq!(
        (skipped[0]["file"].as_str(), skipped[0]["reason"].as_str()),
        (fresh.to_str(), Some("already done"))
    );
    // text: the same error, once (stderr), never on stdout
    let o = loganon().args(&args[..5]).output();
    assert_eq!(code(&o), 1);
    assert!(!text(&o.stdout).contains("hard links"), "{}", text(&o.stdout));
    assert_eq!(text(&o.stderr).matches("hard links").count(), 1, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 1, warnings 1\n"
    );

    // nothing done: the error as an object too
    let o = loganon()
        .args([
            "run",
            "--config",
            d.path().join("missing.toml").to_str().unwrap(),
            "--json",
        ])
        .output();
    assert_eq!(code(&o), 2);
    let lines = json_lines(&o);
    assert_eq!(
        (lines.len(), lines[0]["action"].as_str(), lines[0]["exit"].as_u64()),
        (1, Some("error"), Some(2))
    );
    assert_eq!(text(&o.stderr).lines().count(), 1);
}

#[test]
fn purge_age_from_name_trusts_only_a_rotation_date_and_says_when_it_falls_back() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("logs");
    fs::create_dir(&root).unwrap();
    let young = epoch(2026, 1, 9);
    for name in [
        "access.log-20250101.gz",     // a rotation date: a year old, deleted
        "access-2025-01-01.log.1.gz", // before the extension and the number: deleted
        "2020-01-01-backup.log.1",    // a date, but not a rotation's: mtime, kept
        "access.log-20200101x.gz",    // not either: mtime, kept
        "access.log.1",               // none: mtime, kept
    ] {
        fs::write(root.join(name), "x").unwrap();
        set_mtime(&root.join(name), young);
    }
    let o = loganon()
        .args([
            "purge",
            root.to_str().unwrap(),
            "--max-age",
            "7",
            "--now",
            "2026-01-10",
            "--age-from",
            "name",
            "--dry-run",
        ])
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(out.matches("would-delete").count(), 2, "{out}");
    assert!(
        out.contains("access.log-20250101.gz age=374d") && out.contains("access-2025-01-01.log.1.gz age=374d"),
        "{out}"
    );
    let err = text(&o.stderr);
    assert_eq!(
        err,
        "loganon: --age-from name: 3 of 5 matching files have no date where rotation puts it (access.log-20260101.gz, \
         access.log.2026-01-01, access-20260101.log); their age is their modification time\n"
    );
    let o = loganon()
        .args([
            "purge",
            root.to_str().unwrap(),
            "--max-age",
            "7",
            "--now",
            "2026-01-10",
            "--age-from",
            "name",
            "--dry-run",
            "--json",
        ])
        .output();
    let j: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(j["summary"]["aged_by_mtime_no_date_in_name"], 3);
    // by mtime: nothing said
    let o = loganon()
        .args([
            "purge",
            root.to_str().unwrap(),
            "--max-age",
            "7",
            "--now",
            "2026-01-10",
            "--dry-run",
        ])
        .output();
    assert_eq!(text(&o.stderr), "");
}
