//! `purge`: exactly the expired regular files go (links, folders, FIFOs,
//! files outside the root and files written in the last minute stay), dry
//! runs, ages from names, `--max-delete`, refused roots, `--match`.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin::{assert_exit, loganon, text};
use crate::common::civil::{epoch, DAY};
use crate::common::files::set_mtime;
use crate::common::sys::real_now;
use crate::common::tree::{assert_same_tree, listing, Entry};
use crate::retention::set_mtime_by_path;

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
    let o = loganon()
        .arg("purge")
        .arg(&t.root)
        .args(["--max-age", "7d"])
        .assert_exit_code(0);
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
    assert_eq!(sorted_lines(&text(&o.stdout)), want, "stderr: {}", text(&o.stderr));

    // a second purge finds nothing more
    let o = loganon()
        .arg("purge")
        .arg(&t.root)
        .args(["--max-age", "7d"])
        .assert_exit_code(0);
    assert_eq!(
        text(&o.stdout),
        "purge: deleted 0 files, 0 bytes; examined 2, skipped 1 modified in the last minute\n"
    );
    assert_same_tree(&after, &listing(t.top()), "second purge");
}

#[test]
fn purge_dry_run_deletes_nothing_and_lists_the_same_files() {
    let t = purge_tree();
    let before = listing(t.top());
    let purge = |extra: &[&str]| {
        let mut c = loganon();
        c.arg("purge").arg(&t.root).args(["--max-age", "7d"]).args(extra);
        c
    };
    let dry = purge(&["--dry-run"]).assert_exit_code(0);
    assert_same_tree(&before, &listing(t.top()), "dry run");
    let mut want = purge_expected_lines(&t, "would-delete");
    want.push("purge: would delete 4 files, 1500 bytes; examined 6, skipped 1 modified in the last minute".into());
    want.sort();
    assert_eq!(sorted_lines(&text(&dry.stdout)), want);

    // --json --dry-run: the same files, flagged as a dry run
    let dj = purge(&["--dry-run", "--json"]).assert_exit_code(0);
    assert_same_tree(&before, &listing(t.top()), "dry run --json");
    let j: serde_json::Value = serde_json::from_str(&text(&dj.stdout)).expect("one JSON document");
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
    let real = purge(&[]).assert_exit_code(0);
    let dry_files: Vec<String> = sorted_lines(&text(&dry.stdout))
        .into_iter()
        .filter(|l| l.starts_with("would-delete "))
        .map(|l| l.replacen("would-delete ", "deleted ", 1))
        .collect();
    let real_files: Vec<String> = sorted_lines(&text(&real.stdout))
        .into_iter()
        .filter(|l| l.starts_with("deleted "))
        .collect();
    assert_eq!(dry_files, real_files);

    // with "now" far ahead, everything matching is listed, except the file
    // modified in the last minute of the real clock
    let t = purge_tree();
    let o = loganon()
        .arg("purge")
        .arg(&t.root)
        .args(["--max-age", "1d", "--now", "2099-01-01", "--dry-run", "--json"])
        .assert_exit_code(0);
    let j: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
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
    let purge = |extra: &[&str]| {
        let mut c = loganon();
        c.arg("purge")
            .arg(&root)
            .args(["--max-age", "7d", "--now", "2026-01-10", "--json"])
            .args(extra);
        c
    };
    let files_of = |o: &Output| -> BTreeMap<String, (String, i64)> {
        let j: serde_json::Value = serde_json::from_str(&text(&o.stdout)).expect("one JSON document");
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
    let o = purge(&["--dry-run"]).assert_exit_code(0);
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
    let o = purge(&["--age-from", "name"]).assert_exit_code(0);
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
    let j: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(j["dry_run"], false);
    assert_eq!(j["summary"]["deleted"], 5);
    assert_eq!(j["summary"]["examined"], 9);
    let mut expected = before.clone();
    for name in want.keys() {
        expected.remove(&format!("logs/{name}")).unwrap();
    }
    assert_same_tree(&expected, &listing(tmp.path()), "after purge --age-from name");

    // the text output marks the fallback too
    let o = loganon()
        .arg("purge")
        .arg(&root)
        .args([
            "--max-age",
            "1d",
            "--now",
            "2026-01-10",
            "--age-from",
            "name",
            "--dry-run",
        ])
        .assert_exit_code(0);
    let out = text(&o.stdout);
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
    let purge = |max: &str| {
        loganon()
            .arg("purge")
            .arg(&t.root)
            .args(["--max-age", "7d", "--max-delete"])
            .arg(max)
            .output()
    };
    for max in ["0", "3"] {
        let o = purge(max);
        assert_exit(&o, 1);
        assert_eq!(text(&o.stdout), "", "nothing is reported as deleted");
        assert!(
            text(&o.stderr).contains(&format!(
                "4 files would be deleted, more than --max-delete {max}; nothing was deleted"
            )),
            "{}",
            text(&o.stderr)
        );
        assert_same_tree(&before, &listing(t.top()), "--max-delete below the count");
    }
    // at the count: the files go
    let o = purge("4");
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
        let o = loganon().args(&a).assert_exit_code(2);
        assert!(text(&o.stderr).contains("refusing"), "{root}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout), "");
    }
    // the real refusal, without the safety net
    let _o = loganon()
        .args(["purge", "/", "--max-age", "100000d", "--dry-run"])
        .assert_exit_code(2);

    let not_dirs = [
        t.root.join("keep.txt"),       // a file
        t.root.join("link-dir"),       // a symlink to a folder
        t.root.join("pipe.log.1"),     // a FIFO
        t.root.join("no-such-folder"), // missing
        t.root.join("link-in.log.1"),  // a symlink to a file
    ];
    for nd in &not_dirs {
        let o = loganon()
            .arg("purge")
            .arg(nd)
            .args(["--max-age", "7d"])
            .assert_exit_code(2);
        assert!(
            text(&o.stderr).contains(&nd.display().to_string()),
            "{}",
            text(&o.stderr)
        );
        assert_eq!(text(&o.stdout), "");
    }
    // a good root next to a bad one: refused before anything is deleted
    let _o = loganon()
        .arg("purge")
        .arg(&t.root)
        .arg(t.root.join("keep.txt"))
        .args(["--max-age", "7d"])
        .assert_exit_code(2);
    assert_same_tree(&before, &listing(t.top()), "refused roots");
}

#[test]
fn purge_custom_match_globs() {
    let t = purge_tree();
    let before = listing(t.top());
    let o = loganon()
        .arg("purge")
        .arg(&t.root)
        .args(["--max-age", "7d", "--match", "*.txt", "--match", "sub/deeper/*"])
        .assert_exit_code(0);
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
    assert_eq!(sorted_lines(&text(&o.stdout)), want);
    // the link to the deleted file stays, dangling
    assert_eq!(
        fs::read_link(t.root.join("sub/link-keep.gz")).unwrap(),
        Path::new("../keep.txt")
    );
}
