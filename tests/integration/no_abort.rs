//! Issue 12, item 6: no panic or abort anywhere: a closed stdout in `purge`,
//! `check` and `run`, a broken or closed stderr, threads the system will not
//! start (the tree and the running in `run_safety.rs`).
//!
//! Faults are made deterministic: a pipe whose reading end is closed before
//! the child starts, RLIMIT_NPROC set in the child before it execs.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};

use crate::common::bin::{code, loganon, text, TestCommand, BIN};
use crate::common::sys::is_root;
use crate::run_safety::{broken_pipe, line, Tree, JAN1};

// --------------------------------------------------------------- item 6

#[test]
fn a_closed_stdout_ends_purge_check_and_run_quietly() {
    let t = Tree::new();
    for i in 0..3000 {
        t.log(&format!("logs/access.log-{i:05}"), "x\n", JAN1);
    }
    let logs = t.s("logs");
    // purge --dry-run: 3000 lines to a reader that is gone
    let o = loganon()
        .args(["purge", &logs, "--max-age", "1d", "--dry-run"])
        .stdout_to(broken_pipe())
        .output();
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
    assert_eq!(fs::read_dir(t.p("logs")).unwrap().count(), 3000);
    // purge --json, the same
    let o = loganon()
        .args(["purge", &logs, "--max-age", "1d", "--dry-run", "--json"])
        .stdout_to(broken_pipe())
        .output();
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));

    // run --dry-run: one line per file
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"1d\"\n",
    );
    let config = t.s("loganon.toml");
    let o = loganon()
        .args(["run", "--config", &config, "--dry-run", "--now", "2026-02-01"])
        .stdout_to(broken_pipe())
        .output();
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));

    // check on a file with many findings: exit 1 (found), nothing on stderr
    let mut many = String::new();
    for i in 0..5000 {
        many.push_str(&line(&format!("192.0.2.{}", i % 250 + 1), 1, 200, i));
    }
    let f = t.log("many.log", &many, JAN1);
    for json in [false, true] {
        let mut c = loganon();
        c.arg("check").arg(&f).stdout_to(broken_pipe());
        if json {
            c.arg("--json");
        }
        let o = c.output();
        assert_eq!((code(&o), text(&o.stderr)), (1, String::new()), "--json {json}");
    }

    // a real purge does its work: the files go, the report is lost
    let o = loganon()
        .args(["purge", &logs, "--max-age", "1d"])
        .stdout_to(broken_pipe())
        .output();
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
        let o = loganon().args(args).stderr_to(broken_pipe()).output();
        assert_eq!(o.status.signal(), None, "{args:?} was killed by a signal");
        assert_eq!(code(&o), want, "{args:?}");
        // closed, not broken: the runtime gives it /dev/null
        let o = TestCommand::new("sh")
            .arg("-c")
            .arg("exec 2>&-; exec \"$0\" \"$@\"")
            .arg(BIN)
            .args(args)
            .output();
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
fn limited(cmd: &mut TestCommand) -> &mut TestCommand {
    let root = is_root();
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.cmd().pre_exec(move || {
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
        });
    }
    cmd
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
    let probe = limited(loganon().args(["anonymize", "-j", "1"]).arg(&f)).cmd().output();
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
        let o = limited(loganon().args(&args)).output();
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
    let o = limited(loganon().args(["run", "--config", &config, "--dry-run"])).output();
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("cannot start 200 worker threads"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(fs::read(&f).unwrap(), raw);
}
