//! Issue 27 (the operator's first hour): one error style for argument errors
//! too, the hint for a duration split by a space, lines dropped by
//! `--max-age` said on stderr, `--format nginx`, every compression in `-h`.

use crate::common::bin::{code, loganon, text};

const OLD: &str = "192.0.2.7 - - [01/Jan/2020:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n";

#[test]
fn argument_errors_are_one_line_in_loganons_style() {
    for (args, want) in [
        (
            &["anonymize", "--jobs", "x"][..],
            "loganon: invalid value 'x' for '--jobs <N>': invalid digit found in string; see loganon anonymize --help\n",
        ),
        (
            &["anonymize", "--bogus"][..],
            "loganon: unexpected argument '--bogus' found; to pass '--bogus' as a value, use '-- --bogus'; see \
             loganon anonymize --help\n",
        ),
        (
            &["check", "--k-report", "--report", "a.html"][..],
            "loganon: the argument '--k-report' cannot be used with '--report <FILE>'; see loganon check --help\n",
        ),
    ] {
        let o = loganon().args(args).output();
        assert_eq!(code(&o), 2, "{args:?}");
        assert_eq!(text(&o.stderr), want, "{args:?}");
    }
    // --help and --version as clap writes them
    let o = loganon().arg("--version").output();
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
}

#[test]
fn a_duration_split_by_a_space_is_named_and_nothing_is_done() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("a.log");
    std::fs::write(&log, OLD).unwrap();
    let o = loganon()
        .args(["anonymize", "--max-age", "3", "days"])
        .arg(&log)
        .current_dir(d.path())
        .output();
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        "loganon: days: no such file; '--max-age 3 days' reads 'days' as an input: write the duration without a \
         space (--max-age 3d)\n"
    );
    assert!(o.stdout.is_empty(), "nothing was done");
    let o = loganon()
        .args(["purge", "--max-age", "2", "weeks"])
        .arg(d.path())
        .current_dir(d.path())
        .output();
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("write the duration without a space (--max-age 2w)"));
    assert!(log.exists());
}

#[test]
fn lines_dropped_as_expired_are_said_on_stderr() {
    let input = format!("{OLD}{OLD}");
    let o = loganon()
        .args(["anonymize", "--max-age", "3d"])
        .stdin(input.clone())
        .output();
    assert_eq!(code(&o), 0);
    assert_eq!(text(&o.stdout), "");
    assert_eq!(text(&o.stderr), "loganon: 2 lines older than --max-age dropped\n");
    // with --stats the counters say it (and nothing else is added)
    let o = loganon()
        .args(["anonymize", "--max-age", "3d", "--stats=json"])
        .stdin(input.clone())
        .output();
    assert!(!text(&o.stderr).contains("older than --max-age"));
    // a batch too
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("a.log");
    std::fs::write(&log, &input).unwrap();
    let o = loganon()
        .args(["anonymize", "--max-age", "3d", "-o"])
        .arg(d.path().join("out.log"))
        .arg(&log)
        .output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr), "loganon: 2 lines older than --max-age dropped\n");
}

#[test]
fn format_nginx_is_nginxs_default_and_completions_offer_the_names() {
    let line = "192.0.2.7 - bob [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n";
    let o = loganon().args(["anonymize", "--format", "nginx"]).stdin(line).output();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA\"\n"
    );
    let bash = text(&loganon().args(["completions", "bash"]).output().stdout);
    assert!(
        bash.contains("--format)\n                    COMPREPLY=($(compgen -W \"auto common combined"),
        "the format names, not file names"
    );
    // -h names every compression read
    let h = text(&loganon().args(["anonymize", "-h"]).output().stdout);
    assert!(h.contains("plain, gzip, xz, bzip2 or zstd"), "{h}");
}

#[test]
fn run_reads_the_packages_config_without_config() {
    if std::path::Path::new("/etc/loganon/loganon.toml").exists() {
        eprintln!("skipped: /etc/loganon/loganon.toml exists here (the package is installed)");
        return;
    }
    let o = loganon().args(["run", "--dry-run"]).output();
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert_eq!(
        err,
        "loganon: /etc/loganon/loganon.toml: no such file; give the configuration with --config FILE (the \
         package installs /etc/loganon/loganon.toml; man 5 loganon.toml)\n"
    );
}

#[test]
fn run_says_what_is_not_due_and_what_it_skipped_and_warns_of_a_set_without_policy() {
    use crate::run_safety::{line, Tree, JAN1};
    let t = Tree::new();
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\nanonymize_after = \"2d\"\ndelete_after = \"30d\"\n\n\
         [[logs]]\nname = \"idle\"\npaths = [\"@/logs/idle.log-*\"]\n",
    );
    let young = t.log("logs/access.log-1", &line("192.0.2.7", 1, 200, 1), JAN1 + 3600);
    // written right now (the real clock decides the last minute)
    let now = std::fs::File::create(t.p("logs/access.log-2")).unwrap();
    now.set_modified(std::time::SystemTime::now()).unwrap();
    t.log("logs/idle.log-1", &line("192.0.2.8", 1, 200, 1), JAN1);
    let o = t.run(&["--now", "2026-01-02"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        format!(
            "not-due {} age=23h: to be anonymized in 1d (2026-01-03)\n\
             skipped {}: modified in the last minute\n\
             run: anonymized 0, summarized 0, deleted 0, already done 0, errors 0, warnings 1, not yet due 1, \
             skipped 1; done with warnings\n",
            young.display(),
            t.s("logs/access.log-2")
        )
    );
    assert_eq!(
        text(&o.stderr),
        "loganon: warning: [[logs]] 'idle': neither anonymize_after nor delete_after is set; run does nothing \
         with its files\n"
    );
}
