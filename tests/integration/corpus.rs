//! The built binary against the real access-log corpus in `../shared/corpus`
//! (see its README.md): every file is anonymized with exit 0, keeps its
//! number of lines, keeps every JSON line valid JSON, and `loganon check`
//! finds nothing in the result. The
//! corpus is not part of the project; without it these tests pass with a
//! `skipping:` line.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin::{loganon, text};
use crate::common::gz::decompressed;
use crate::common::shared::shared;

/// A deliberately broken gzip file, tested on its own.
const BROKEN_GZ: &str = "lnav/textfile_broken_gz.txt.gz";

/// The raw (not anonymized) elastic example: 10,000 lines of real traffic.
const APACHE_LOGS: &str = "elastic-examples/apache_logs";

/// Regular files under `dir` (symbolic links are not followed), sorted.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            walk(&entry.path(), out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

/// The corpus files to anonymize, as (relative name, path).
fn corpus_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut all = Vec::new();
    walk(root, &mut all);
    let mut files: Vec<(String, PathBuf)> = all
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).expect("under the root");
            (rel.to_string_lossy().replace('\\', "/"), p)
        })
        .filter(|(rel, _)| rel != "README.md" && rel != "PROVENANCE.tsv" && rel != BROKEN_GZ)
        .collect();
    files.sort();
    files
}

/// Lines: each `\n`, plus a last line without one.
fn lines(b: &[u8]) -> usize {
    let nl = b.iter().filter(|&&c| c == b'\n').count();
    nl + usize::from(b.last().is_some_and(|&c| c != b'\n'))
}

/// Runs `loganon check --json`, on `stdin` when given.
fn check(args: &[&Path], stdin: Option<&[u8]>) -> Output {
    let mut cmd = loganon();
    cmd.arg("check").arg("--json").args(args);
    if let Some(data) = stdin {
        // check may stop reading early only by failing, reported below
        cmd.stdin(data).stdin_may_stay_unread();
    }
    cmd.output()
}

/// The `findings` count of a `check --json` report, and a summary of it:
/// the counts per rule and the first three (masked) locations.
fn findings(out: &Output) -> Result<(u64, String), String> {
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("check printed no JSON report ({e}): {text:?}"))?;
    let n = json["findings"]
        .as_u64()
        .ok_or_else(|| format!("no findings count in {text}"))?;
    let first: Vec<String> = json["first"]
        .as_array()
        .map(|a| {
            a.iter()
                .take(3)
                .map(|f| format!("line {} {} {}", f["line"], f["rule"], f["value"]))
                .collect()
        })
        .unwrap_or_default();
    Ok((n, format!("{} {}", json["per_rule"], first.join("; "))))
}

/// What is wrong with one file, or nothing.
fn problems(rel: &str, path: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    let input = match decompressed(path) {
        Ok(b) => b,
        Err(e) => return vec![format!("{rel}: cannot read the input for the test: {e}")],
    };
    let out = loganon().arg("anonymize").arg(path).output();
    if !out.status.success() {
        bad.push(format!(
            "{rel}: anonymize exited with {} ({})",
            out.status,
            text(&out.stderr).trim()
        ));
    }
    let (want, got) = (lines(&input), lines(&out.stdout));
    if want != got {
        bad.push(format!("{rel}: {want} lines in, {got} lines out of anonymize"));
    }
    // JSON in, JSON out: every input line that parses still does (line by
    // line: the counts are equal, checked above)
    if want == got {
        let split = |b: &[u8]| -> Vec<Vec<u8>> { b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
        for (k, (i, o)) in split(&input).iter().zip(split(&out.stdout)).enumerate() {
            let i = i.strip_suffix(b"\r").unwrap_or(i);
            let o = o.strip_suffix(b"\r").unwrap_or(&o);
            if serde_json::from_slice::<serde_json::Value>(i).is_ok()
                && serde_json::from_slice::<serde_json::Value>(o).is_err()
            {
                bad.push(format!("{rel}: line {} was valid JSON and is not any more", k + 1));
            }
        }
    }
    let c = check(&[], Some(&out.stdout));
    match findings(&c) {
        Ok((0, _)) if c.status.success() => {}
        Ok((n, report)) => bad.push(format!(
            "{rel}: check on the output exited with {} and {n} findings: {report}",
            c.status
        )),
        Err(e) => bad.push(format!(
            "{rel}: check on the output exited with {}: {e} ({})",
            c.status,
            text(&c.stderr).trim()
        )),
    }
    bad
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]
fn every_corpus_file_is_anonymized_cleanly() {
    let Some(root) = shared("corpus") else { return };
    let files = corpus_files(&root);
    assert!(!files.is_empty(), "no files found under {}", root.display());
    let failures: Vec<String> = files.iter().flat_map(|(rel, path)| problems(rel, path)).collect();
    assert!(
        failures.is_empty(),
        "{} problems in {} corpus files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// The oracle works: the raw elastic example is full of addresses.
#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]
fn check_finds_the_raw_apache_logs() {
    let Some(root) = shared("corpus") else { return };
    let path = root.join(APACHE_LOGS);
    let out = check(&[&path], None);
    let (n, report) = findings(&out).unwrap_or_else(|e| panic!("{e} ({})", text(&out.stderr).trim()));
    assert!(n > 9000, "only {n} findings in {APACHE_LOGS}: {report}");
    assert_eq!(out.status.code(), Some(1), "check must fail: {report}");
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]
fn broken_gzip_fails_and_names_the_file() {
    let Some(root) = shared("corpus") else { return };
    let path = root.join(BROKEN_GZ);
    let out = loganon().arg("anonymize").arg(&path).output();
    let err = text(&out.stderr).trim().to_string();
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains(&path.display().to_string()),
        "the message does not name {}: {err}",
        path.display()
    );
}

/// A broken input fails the run (exit 1), and the inputs after it are still
/// anonymized.
#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]
fn broken_gzip_does_not_stop_the_other_inputs() {
    let Some(root) = shared("corpus") else { return };
    let broken = root.join(BROKEN_GZ);
    let good = root.join(APACHE_LOGS);
    let out = loganon().arg("anonymize").arg(&broken).arg(&good).output();
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr).trim());
    let want = lines(&fs::read(&good).expect("read apache_logs"));
    assert_eq!(lines(&out.stdout), want, "stderr: {}", text(&out.stderr).trim());
}
