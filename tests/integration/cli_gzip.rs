//! gzip inputs on the command line: detected by content, multi-member,
//! truncated; missing files and folders among the inputs (lines and running
//! in `cli.rs`).

use std::fs;
use std::path::PathBuf;

use crate::cli::{assert_clean, LINE1_IN, LINE1_OUT, LINE2_IN, LINE2_OUT};
use crate::common::bin::{loganon, text};
use crate::common::gz::gzip;
use crate::common::samples::{sample_out, SAMPLE};

// ------------------------------------------------------------------ 4. gzip

#[test]
fn gzip_input_same_as_plain_detected_by_content() {
    let dir = tempfile::tempdir().unwrap();
    // no .gz in the name: detection is by content
    let p = dir.path().join("sample.txt");
    fs::write(&p, gzip(SAMPLE.as_bytes())).unwrap();
    let got = loganon().arg("anonymize").arg(&p).assert_exit_code(0);
    assert_eq!(text(&got.stdout), sample_out());
    assert_eq!(text(&got.stderr), "");
    // gzip on stdin too
    let got = loganon()
        .arg("anonymize")
        .stdin(gzip(SAMPLE.as_bytes()))
        .assert_exit_code(0);
    assert_eq!(text(&got.stdout), sample_out());
    assert_eq!(text(&got.stderr), "");
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("multi.log.gz");
    let input = SAMPLE.as_bytes();
    let lines: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(lines.len(), 9);
    let mut data = Vec::new();
    for part in lines.chunks(3) {
        data.extend(gzip(&part.concat()));
    }
    fs::write(&p, &data).unwrap();
    let got = loganon().arg("anonymize").arg(&p).assert_exit_code(0);
    assert_eq!(text(&got.stdout), sample_out());
    assert_eq!(text(&got.stderr), "");
}

/// Many lines with a user field, an email and an address each.
fn many_lines(n: usize) -> (String, String) {
    let mut input = String::new();
    let mut output = String::new();
    for i in 0..n {
        let (a, b) = (i % 251, i % 199);
        input.push_str(&format!(
            "10.{a}.{b}.{} - user{i} [03/Mar/2026:12:00:00 +0000] \"GET /item/{i}?mail=person{i}%40example.com HTTP/1.1\" 200 {i} \"-\" \"Agent {i} (contact: person{i}@example.com)\"\n",
            i % 250 + 1
        ));
        output.push_str(&format!(
            "10.{a}.{b}.0 - - [03/Mar/2026:12:00:00 +0000] \"GET /item/{i}?mail=REDACTED HTTP/1.1\" 200 {i} \"-\" \"Agent {i} (contact: REDACTED)\"\n"
        ));
    }
    (input, output)
}

fn truncated_gzip() -> (tempfile::TempDir, PathBuf, String) {
    let (input, full) = many_lines(3000);
    let gz = gzip(input.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.log.gz");
    fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    (dir, p, full)
}

#[test]
fn truncated_gzip_fails_naming_file_and_position() {
    let (_d, p, full) = truncated_gzip();
    let out = loganon().arg("anonymize").arg(&p).output();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&p.display().to_string()), "{err}");
    assert!(err.contains("compressed byte"), "{err}");
    assert!(!err.contains("@example.com") && !err.contains("user1"), "{err}");
    // what was decompressed before the damage is written, anonymized
    let stdout = text(&out.stdout);
    let complete = match stdout.rfind('\n') {
        Some(k) => &stdout[..=k],
        None => "",
    };
    assert!(complete.lines().count() > 100, "{stdout}");
    assert!(full.starts_with(complete), "complete lines differ from the full output");
    assert_clean(&out.stdout);
}

/// BUG: the partial last line decompressed before the damage is written too
/// (without a line end); it does not parse, so its user field is kept.
#[test]
fn truncated_gzip_writes_only_complete_lines() {
    let (_d, p, full) = truncated_gzip();
    let out = loganon().arg("anonymize").arg(&p).output();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.is_empty() || stdout.ends_with('\n'),
        "stdout ends with a partial line: {:?}",
        &stdout[stdout.rfind('\n').map_or(0, |k| k + 1)..]
    );
    assert!(full.starts_with(&stdout));
}

#[test]
fn missing_file_and_directory_fail_but_other_inputs_are_processed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    let missing = dir.path().join("missing.log");
    let sub = dir.path().join("subdir");
    fs::create_dir(&sub).unwrap();
    fs::write(&a, LINE1_IN).unwrap();
    fs::write(&b, LINE2_IN).unwrap();
    let out = loganon().arg("anonymize").args([&a, &missing, &sub, &b]).output();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), [LINE1_OUT, LINE2_OUT].concat());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}: no such file", missing.display())), "{err}");
    assert!(err.contains(&format!("{}: is a directory", sub.display())), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}
