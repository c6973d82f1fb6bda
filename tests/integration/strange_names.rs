//! File names holding newlines, backslashes or bytes that are not UTF-8
//! (issue 12, item 8): printed escaped (text) and as valid JSON strings
//! (`--json`) by `purge`, `check`, batch mode and `run`, and kept apart in
//! `run`'s records (helpers in `hostile_fs.rs`).

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use crate::common::bin::loganon;
use crate::common::civil::DAY;
use crate::common::sys::real_now;
use crate::hostile_fs::{assert_ran, config_for, old, run_config, write_old};

// ---------------------------------------------------------------------------
// 3. names with newlines, backslashes and bytes that are not UTF-8

fn strange_names() -> Vec<OsString> {
    vec![
        OsString::from("a\nb.gz"),
        OsString::from("back\\slash.gz"),
        OsString::from_vec(b"x\xff\x1b.gz".to_vec()),
    ]
}

/// How text output writes them, in the same order.
const ESCAPED: [&str; 3] = ["a\\nb.gz", "back\\\\slash.gz", "x\\xff\\x1b.gz"];

/// How JSON output gives them, decoded: the name itself when it is UTF-8
/// without a backslash, else the text escaping.
const IN_JSON: [&str; 3] = ["a\nb.gz", "back\\\\slash.gz", "x\\xff\\x1b.gz"];

#[test]
fn purge_prints_strange_names_escaped_and_as_json_strings() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir(&root).unwrap();
    let mtime = real_now() - 10 * DAY;
    for n in strange_names() {
        let p = root.join(&n);
        let mut f = File::create(&p).unwrap();
        f.write_all(b"12345").unwrap();
        f.set_modified(UNIX_EPOCH + Duration::from_secs(mtime as u64)).unwrap();
    }
    let now = format!("@{}", mtime + 10 * DAY + 5);
    let args = |extra: &[&str]| {
        let mut a: Vec<OsString> = vec!["purge".into(), root.clone().into(), "--max-age".into(), "1d".into()];
        a.extend(["--now".into(), now.clone().into()]);
        a.extend(extra.iter().map(OsString::from));
        a
    };
    let r = root.display();
    // sorted by name bytes: `a\n`, `back`, `x\xff`
    let line = |verb: &str, k: usize| format!("{verb} {r}/{} age=10d size=5 age_from=mtime", ESCAPED[k]);

    let o = loganon().args(args(&["--dry-run"])).output();
    assert_ran(&o, &[0]);
    let want = format!(
        "{}\n{}\n{}\npurge: would delete 3 files, 15 bytes; examined 3, skipped 0 modified in the last minute\n",
        line("would-delete", 0),
        line("would-delete", 1),
        line("would-delete", 2)
    );
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);

    let o = loganon().args(args(&["--dry-run", "--json"])).output();
    assert_ran(&o, &[0]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let paths: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let want: Vec<String> = IN_JSON.iter().map(|n| format!("{r}/{n}")).collect();
    assert_eq!(paths, want);

    let o = loganon().args(args(&[])).output();
    assert_ran(&o, &[0]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.starts_with(&format!("{}\n", line("deleted", 0))), "{out}");
    assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
}

#[test]
fn run_check_and_batch_print_strange_names_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir(&root).unwrap();
    let r = root.display().to_string();
    let log = b"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n";

    // check: the findings name the input escaped, or as a JSON string
    let names = strange_names();
    let inputs: Vec<PathBuf> = names.iter().map(|n| root.join(n)).collect();
    for p in &inputs {
        fs::write(p, log).unwrap();
    }
    let mut args: Vec<OsString> = vec!["check".into()];
    args.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    let o = loganon().args(&args).output();
    assert_ran(&o, &[1]);
    let out = String::from_utf8(o.stdout).unwrap();
    for n in ESCAPED {
        assert!(out.contains(&format!("  {r}/{n}:1: ipv4 ")), "{n} in:\n{out}");
    }
    assert!(!out.contains("a\nb"), "a raw newline in a name:\n{out}");
    args.push("--json".into());
    let o = loganon().args(&args).output();
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let sources: Vec<&str> = j["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    let want: Vec<String> = IN_JSON.iter().map(|n| format!("{r}/{n}")).collect();
    assert_eq!(sources, want);

    // check: a missing input with a newline in its name, one stderr line
    let o = loganon()
        .args([OsStr::new("check"), root.join("gone\nfile.log").as_os_str()])
        .output();
    assert_ran(&o, &[2]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.starts_with(&format!("loganon: {r}/gone\\nfile.log: ")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // batch: reports and errors
    let out_dir = tmp.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let mut args: Vec<OsString> = vec!["anonymize".into(), "--out-dir".into(), out_dir.clone().into()];
    args.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    args.push(root.join("gone\nfile.log").into_os_string());
    let mut text = args.clone();
    text.push("--stats".into());
    let o = loganon().args(&text).output();
    assert_ran(&o, &[1]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains(&format!("loganon: {r}/gone\\nfile.log: ")), "{err}");
    for n in ESCAPED {
        assert!(err.contains(&format!("{r}/{n}: ")), "{n} in:\n{err}");
    }
    assert!(!err.contains("a\nb") && !err.contains("gone\nfile"), "{err}");
    for entry in fs::read_dir(&out_dir).unwrap() {
        fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let mut json = args;
    json.extend(["--stats".into(), "json".into()]);
    let o = loganon().args(&json).output();
    assert_ran(&o, &[1]);
    let err = String::from_utf8(o.stderr).unwrap();
    let last = err.lines().last().unwrap();
    let j: serde_json::Value = serde_json::from_str(last).expect("valid JSON");
    let got: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["input"].as_str().unwrap())
        .collect();
    let mut want: Vec<String> = IN_JSON.iter().map(|n| format!("{r}/{n}")).collect();
    want.push(format!("{r}/gone\nfile.log"));
    assert_eq!(got, want);

    // run: the deletion lines
    for p in &inputs {
        File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old())
            .unwrap();
    }
    let config = run_config(tmp.path(), &root);
    let o = loganon()
        .args([OsStr::new("run"), "--config".as_ref(), config.as_os_str()])
        .output();
    assert_ran(&o, &[0]);
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for (k, n) in ESCAPED.iter().enumerate() {
        assert_eq!(lines[k], format!("deleted {r}/{n} age=10d size={}", log.len()));
    }
}

#[test]
fn names_that_differ_only_in_bytes_that_are_not_utf8_keep_their_own_records() {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let line = b"203.0.113.9 - alice [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";
    for b in [0xffu8, 0xfe] {
        let name = OsString::from_vec([b"a".as_slice(), &[b], b".log.1"].concat());
        write_old(&logs.join(name), line);
    }
    let config = config_for(
        t.path(),
        &format!("{}/*.log.1", logs.display()),
        "anonymize_after = \"1d\"",
    );
    let run_once = || {
        let o = loganon()
            .args([OsStr::new("run"), "--config".as_ref(), config.as_os_str()])
            .output();
        assert_ran(&o, &[0]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let first = run_once();
    assert_eq!(
        first.lines().filter(|l| l.starts_with("anonymized ")).count(),
        2,
        "{first}"
    );
    let second = run_once();
    assert!(second.ends_with("already done 2, errors 0\n"), "{second}");
}
