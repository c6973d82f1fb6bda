//! `--on-unparsed scrub|drop|fail` on the command line: what is written,
//! counted and named (lines and running in `cli.rs`).

use std::fs;
use std::path::PathBuf;

use crate::cli::{stats_of, MIX_IN, MIX_OUT};
use crate::common::bin::{loganon, text};

// ------------------------------------------------------- 2. --on-unparsed

fn mix_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mix.log");
    fs::write(&p, MIX_IN).unwrap();
    (dir, p)
}

#[test]
fn on_unparsed_scrub_keeps_the_line_scrubbed() {
    let (_d, p) = mix_file();
    for extra in [&[][..], &["--on-unparsed", "scrub"][..]] {
        let out = loganon()
            .arg("anonymize")
            .args(extra)
            .args(["--stats", "json"])
            .arg(&p)
            .output();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), MIX_OUT.concat());
        let s = stats_of(&out.stderr);
        assert_eq!(s["unparsed"], 1);
        assert_eq!(s["dropped"], 0);
        assert_eq!(s["lines_written"], 3);
    }
}

#[test]
fn on_unparsed_drop_leaves_the_line_out_and_counts_it() {
    let (_d, p) = mix_file();
    let out = loganon()
        .args(["anonymize", "--on-unparsed", "drop", "--stats", "json"])
        .arg(&p)
        .output();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), [MIX_OUT[0], MIX_OUT[2]].concat());
    let s = stats_of(&out.stderr);
    assert_eq!(s["dropped"], 1);
    assert_eq!(s["unparsed"], 1);
    assert_eq!(s["lines_read"], 3);
    assert_eq!(s["lines_written"], 2);
}

#[test]
fn on_unparsed_fail_names_the_line_never_its_content() {
    let (_d, p) = mix_file();
    let name = p.display().to_string();
    let file = loganon().args(["anonymize", "--on-unparsed", "fail"]).arg(&p).output();
    let stdin = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .stdin(MIX_IN)
        .stdin_may_stay_unread()
        .output();
    for (out, src) in [(file, name.as_str()), (stdin, "<stdin>")] {
        assert_eq!(out.status.code(), Some(1));
        // the line before it was written, the line after it was not
        assert_eq!(text(&out.stdout), MIX_OUT[0]);
        let err = text(&out.stderr);
        assert!(err.contains(&format!("{src}: line 2 ")), "{err}");
        for raw in ["garbage", "5.6.7.8", "5.6.7.0", "bob@example.com", "bob", "mail"] {
            assert!(!err.contains(raw), "stderr quotes {raw:?}: {err}");
        }
    }
}

/// The failing line number counts from the start of its input, across the
/// chunks a big input is cut into.
#[test]
fn on_unparsed_fail_line_number_after_many_lines() {
    let good = MIX_OUT[0].replace("1.2.3.0", "1.2.3.4");
    let mut input = good.repeat(30_000);
    input.push_str("garbage 1.2.3.4\n");
    input.push_str(&good);
    let out = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .stdin(input)
        .stdin_may_stay_unread()
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), MIX_OUT[0].repeat(30_000));
    assert!(
        text(&out.stderr).contains("<stdin>: line 30001 "),
        "{}",
        text(&out.stderr)
    );
}

/// BUG: an input that cannot be opened does not advance the input counter, so
/// the `--on-unparsed fail` error names the wrong file.
#[test]
fn on_unparsed_fail_names_the_right_file_after_a_missing_one() {
    let (d, p) = mix_file();
    let missing = d.path().join("missing.log");
    let out = loganon()
        .args(["anonymize", "--on-unparsed", "fail"])
        .arg(&missing)
        .arg(&p)
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), MIX_OUT[0]);
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}: no such file", missing.display())), "{err}");
    assert!(
        err.contains(&format!("{}: line 2 ", p.display())),
        "the error names the wrong input: {err}"
    );
}
