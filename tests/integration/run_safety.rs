//! Issue 12, item 4: `run` on surprising file systems and configs (globs
//! matching nothing, missing or symlinked folders, two sets on one file, bad
//! key files). The state (moved away, an older form, its size) is in
//! `run_state.rs`; no panic or abort anywhere (item 6) in `no_abort.rs`;
//! both use the tree and the running here.
//!
//! Faults are made deterministic: a pipe whose reading end is closed before
//! the child starts, RLIMIT_NPROC set in the child before it execs.

use std::fs;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::PathBuf;
use std::process::{Output, Stdio};

use crate::common::bin::{code, loganon, text};
use crate::common::files::set_mtime;

/// 2026-01-01T00:00:00Z
pub(crate) const JAN1: i64 = 1_767_225_600;

/// A pipe whose reading end is already closed: every write gets EPIPE.
pub(crate) fn broken_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors we then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors are ours and open.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(r);
    Stdio::from(w)
}

pub(crate) fn line(ip: &str, day: u32, status: u16, size: u32) -> String {
    format!("{ip} - frank [{day:02}/Jan/2026:10:00:00 +0000] \"GET /a?email=x%40y.org HTTP/1.1\" {status} {size} \"-\" \"UA\"\n")
}

/// A tree for `run`: logs/, state/, a config written by `config`.
pub(crate) struct Tree {
    pub(crate) tmp: tempfile::TempDir,
}

impl Tree {
    pub(crate) fn new() -> Tree {
        let t = Tree {
            tmp: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(t.p("logs")).unwrap();
        t
    }

    pub(crate) fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub(crate) fn s(&self, rel: &str) -> String {
        self.p(rel).display().to_string()
    }

    /// A config with `anonymize` as the `[anonymize]` body and `sets` as
    /// `[[logs]]` tables (`@/` stands for the tree).
    pub(crate) fn config(&self, anonymize: &str, sets: &str) -> PathBuf {
        let top = self.tmp.path().display().to_string();
        let body = format!(
            "state_dir = \"{top}/state\"\n\n[anonymize]\nlevel = 1\n{anonymize}\n{}",
            sets.replace("@/", &format!("{top}/"))
        );
        let path = self.p("loganon.toml");
        fs::write(&path, body).unwrap();
        path
    }

    pub(crate) fn log(&self, rel: &str, body: &str, mtime: i64) -> PathBuf {
        let p = self.p(rel);
        fs::write(&p, body).unwrap();
        set_mtime(&p, mtime);
        p
    }

    pub(crate) fn run(&self, extra: &[&str]) -> Output {
        let config = self.s("loganon.toml");
        let mut a = vec!["run", "--config", &config];
        a.extend_from_slice(extra);
        loganon().args(&a).output()
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
        "run: anonymized 0, summarized 0, deleted 0, already done 0, errors 0, warnings 4; done with warnings\n"
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
        .ends_with("run (dry run): anonymized 0, summarized 0, deleted 0, already done 0, errors 0, warnings 4; done with warnings\n"));
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
