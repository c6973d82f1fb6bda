//! Compressed inputs other than gzip (issue 10): xz, bzip2 and zstd files
//! made by the real command-line tools are anonymized into the same format
//! (or the one the output name asks for), checked, and handled by `run`; any
//! other binary or compressed input is refused with exit 1 (2 for `check`)
//! and a message naming the file, never passed through.
//!
//! The tools (`xz`, `bzip2`, `zstd`, `lz4`, `zip`; `.ci/run` installs them)
//! make the inputs and read the outputs, so the test shares no code with
//! loganon's own codecs. A test whose tool is missing says so and skips.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::bin::{loganon, text, TestCommand};

const RAW: &str = "\
198.51.100.7 - alice [01/Jan/2026:10:00:00 +0000] \"GET /?email=jane%40example.com HTTP/1.1\" 200 5 \"-\" \"UA\"
2001:db8:1:2::7 - - [01/Jan/2026:10:00:01 +0000] \"GET /a?token=abc HTTP/1.1\" 404 0 \"-\" \"UA\"
";
const ANON: &str = "\
198.51.100.0 - - [01/Jan/2026:10:00:00 +0000] \"GET /?email=REDACTED HTTP/1.1\" 200 5 \"-\" \"UA\"
2001:db8:1:: - - [01/Jan/2026:10:00:01 +0000] \"GET /a?token=REDACTED HTTP/1.1\" 404 0 \"-\" \"UA\"
";

fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        println!("skipping: `{tool}` is not installed");
    }
    ok
}

/// Runs `tool args` with `input` on stdin; its stdout.
fn pipe(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let out = TestCommand::new(tool).args(args).stdin(input).output();
    assert!(out.status.success(), "{tool} {args:?} failed");
    out.stdout
}

/// A compressor: (tool, compress args, decompress args, extension, magic).
type Tool = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    &'static [u8],
);

const CODECS: &[Tool] = &[
    ("xz", &["-c"], &["-dc"], "xz", b"\xfd7zXZ\x00"),
    ("bzip2", &["-c"], &["-dc"], "bz2", b"BZh"),
    ("zstd", &["-q", "-c"], &["-q", "-dc"], "zst", b"\x28\xb5\x2f\xfd"),
];

#[test]
fn xz_bzip2_zstd_keep_their_format_in_out_dir_and_in_place() {
    let dir = tempfile::tempdir().unwrap();
    for &(tool, comp, decomp, ext, magic) in CODECS {
        if !have(tool) {
            continue;
        }
        // two members/streams/frames, as rotated and appended files have
        let mut z = pipe(tool, comp, &RAW.as_bytes()[..RAW.find('\n').unwrap() + 1]);
        z.extend(pipe(tool, comp, &RAW.as_bytes()[RAW.find('\n').unwrap() + 1..]));
        let input = dir.path().join(format!("access.log.1.{ext}"));
        fs::write(&input, &z).unwrap();
        let out_dir = dir.path().join(format!("out-{ext}"));
        fs::create_dir(&out_dir).unwrap();
        let o = loganon()
            .arg("anonymize")
            .arg("--out-dir")
            .arg(&out_dir)
            .arg(&input)
            .output();
        assert_eq!(o.status.code(), Some(0), "{tool}: {}", text(&o.stderr));
        let out = fs::read(out_dir.join(input.file_name().unwrap())).unwrap();
        assert!(out.starts_with(magic), "{tool}: output is not {ext}");
        assert_eq!(text(&pipe(tool, decomp, &out)), ANON, "{tool}");
        // to stdout: plain text
        let o = loganon().arg("anonymize").arg(&input).output();
        assert_eq!(text(&o.stdout), ANON, "{tool}: {}", text(&o.stderr));
        // in place: the file keeps its format
        let o = loganon().arg("anonymize").arg("--in-place").arg(&input).output();
        assert_eq!(o.status.code(), Some(0), "{tool}: {}", text(&o.stderr));
        let replaced = fs::read(&input).unwrap();
        assert!(replaced.starts_with(magic), "{tool}: in-place output is not {ext}");
        assert_eq!(text(&pipe(tool, decomp, &replaced)), ANON, "{tool}");
        // check reads it: the raw copy has findings, the anonymized one none
        let raw = dir.path().join(format!("raw.{ext}"));
        fs::write(&raw, &z).unwrap();
        assert_eq!(
            loganon().arg("check").arg(&raw).output().status.code(),
            Some(1),
            "{tool}"
        );
        let o = loganon().arg("check").arg(&input).output();
        assert_eq!(o.status.code(), Some(0), "{tool}: {}", text(&o.stdout));
        // and stdin: `xzcat`-less pipes work too
        let o = loganon()
            .arg("anonymize")
            .stdin_from(fs::File::open(&raw).unwrap())
            .output();
        assert_eq!(text(&o.stdout), ANON, "{tool} on stdin: {}", text(&o.stderr));
    }
}

#[test]
fn output_name_chooses_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("access.log");
    fs::write(&input, RAW).unwrap();
    for &(tool, _, decomp, ext, magic) in CODECS {
        if !have(tool) {
            continue;
        }
        let out = dir.path().join(format!("out.log.{ext}"));
        let o = loganon().arg("anonymize").arg("-o").arg(&out).arg(&input).output();
        assert_eq!(o.status.code(), Some(0), "{tool}: {}", text(&o.stderr));
        let z = fs::read(&out).unwrap();
        assert!(z.starts_with(magic), "{tool}");
        assert_eq!(text(&pipe(tool, decomp, &z)), ANON, "{tool}");
        // an empty input still gives a valid file of the format
        let empty = dir.path().join("empty.log");
        fs::write(&empty, "").unwrap();
        let out = dir.path().join(format!("empty.log.{ext}"));
        let o = loganon().arg("anonymize").arg("-o").arg(&out).arg(&empty).output();
        assert_eq!(o.status.code(), Some(0), "{tool}: {}", text(&o.stderr));
        assert_eq!(pipe(tool, decomp, &fs::read(&out).unwrap()), b"", "{tool}");
    }
}

/// Files that are not text logs: made by real tools where possible.
fn refused_inputs(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut v = Vec::new();
    let bin = dir.join("core.dump");
    fs::write(&bin, b"\x7fELF\x02\x01\x01\x00 198.51.100.7 jane@example.com\n").unwrap();
    v.push((bin, "ELF magic"));
    // UTF-16: every other byte a NUL
    let utf16 = dir.join("utf16.log");
    let wide: Vec<u8> = RAW.bytes().flat_map(|b| [b, 0]).collect();
    fs::write(&utf16, wide).unwrap();
    v.push((utf16, "a share of control bytes"));
    let plain = dir.join("plain.log");
    fs::write(&plain, RAW).unwrap();
    if have("lz4") {
        let p = dir.join("access.log.lz4");
        fs::write(&p, pipe("lz4", &["-q", "-c"], RAW.as_bytes())).unwrap();
        v.push((p, "lz4"));
    }
    if have("zip") {
        let p = dir.join("logs.zip");
        let st = TestCommand::new("zip").arg("-q").arg("-j").arg(&p).arg(&plain).output();
        assert!(st.status.success());
        v.push((p, "zip"));
    }
    if have("gzip") && have("tar") {
        // a compressed archive: gzip around a real tar of the log
        let p = dir.join("archive.tar.gz");
        let st = TestCommand::new("tar")
            .arg("-czf")
            .arg(&p)
            .arg("-C")
            .arg(dir)
            .arg("plain.log")
            .output();
        assert!(st.status.success());
        v.push((p, "gzip content"));
    }
    if have("gzip") {
        let p = dir.join("twice.log.gz.gz");
        fs::write(&p, pipe("gzip", &["-c"], &pipe("gzip", &["-c"], RAW.as_bytes()))).unwrap();
        v.push((p, "compressed again"));
    }
    v
}

#[test]
fn unknown_binary_and_compressed_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    for (path, what) in refused_inputs(dir.path()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // to stdout: nothing written, exit 1, the file named
        let o = loganon().arg("anonymize").arg(&path).output();
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(o.stdout.is_empty(), "{name}: output written: {:?}", text(&o.stdout));
        let err = text(&o.stderr);
        assert!(
            err.contains(&name) && err.contains("not a text log"),
            "{name} ({what}): {err}"
        );
        assert!(!err.contains("198.51.100.7") && !err.contains("jane"), "{err}");
        // batch: no output file
        let o = loganon()
            .arg("anonymize")
            .arg("--out-dir")
            .arg(&out_dir)
            .arg(&path)
            .output();
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(!out_dir.join(&name).exists(), "{name}: an output was written");
        // check cannot vouch for it: exit 2
        let o = loganon().arg("check").arg(&path).output();
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o.stdout));
        // on stdin too
        let o = loganon()
            .arg("anonymize")
            .stdin_from(fs::File::open(&path).unwrap())
            .output();
        assert_eq!(o.status.code(), Some(1), "{name} on stdin");
        assert!(o.stdout.is_empty(), "{name} on stdin: output written");
    }
}

/// A NUL or another control byte in a line never makes loganon refuse
/// its input (a piped logger must not lose a day of logs for one bad
/// request): the line is anonymized like any other, the control bytes kept,
/// on stdin, from a file and from a gzip file.
#[test]
fn control_bytes_in_a_line_are_anonymized_like_any_other() {
    let raw: &[u8] = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\x00\x01x?token=abc HTTP/1.1\" 200 1\n\x00\x00 5.6.7.8 bob\x7f\n9.9.9.9 - carol [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1\n";
    let want: &[u8] = b"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET /\x00\x01x?token=REDACTED HTTP/1.1\" 200 1\n\x00\x00 5.6.7.0 bob\x7f\n9.9.9.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1\n";
    let o = loganon().arg("anonymize").stdin(raw).assert_exit_code(0);
    assert_eq!(text(&o.stdout), text(want));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("nul.log");
    fs::write(&f, raw).unwrap();
    let o = loganon().arg("anonymize").arg(&f).assert_exit_code(0);
    assert_eq!(o.stdout, want);
    if have("gzip") {
        let z = dir.path().join("nul.log.gz");
        fs::write(&z, pipe("gzip", &["-c"], raw)).unwrap();
        let o = loganon().arg("anonymize").arg(&z).assert_exit_code(0);
        assert_eq!(o.stdout, want);
    }
    // `check` reads it too, and finds nothing in the output
    let out = dir.path().join("out.log");
    fs::write(&out, want).unwrap();
    loganon().arg("check").arg(&out).assert_exit_code(0);
}

#[test]
fn check_exits_2_on_a_missing_input() {
    let o = loganon().args(["check", "/nonexistent/access.log"]).output();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/nonexistent/access.log: no such file"));
}

#[test]
fn run_anonymizes_xz_bzip2_zstd_in_place_and_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86400);
    let age = |p: &Path| {
        let f = fs::File::options().write(true).open(p).unwrap();
        f.set_times(fs::FileTimes::new().set_modified(two_days_ago)).unwrap();
    };
    let mut made = Vec::new();
    for &(tool, comp, _, ext, _) in CODECS {
        if have(tool) {
            let p = logs.join(format!("access.log.2.{ext}"));
            fs::write(&p, pipe(tool, comp, RAW.as_bytes())).unwrap();
            age(&p);
            made.push((tool, p));
        }
    }
    let refused = logs.join("access.log.3.bin");
    // a block of control bytes (a NUL in a line would be no reason to refuse)
    let binary = [&[0u8, 1, 2, 3][..], b"binary 198.51.100.7\n"].concat().repeat(20);
    fs::write(&refused, &binary).unwrap();
    age(&refused);
    let cfg = dir.path().join("loganon.toml");
    fs::write(
        &cfg,
        format!(
            "state_dir = \"{}\"\n[[logs]]\nname = \"web\"\npaths = [\"{}/access.log.*\"]\nanonymize_after = \"1d\"\ndelete_after = \"90d\"\n",
            dir.path().join("state").display(),
            logs.display()
        ),
    )
    .unwrap();
    let o = loganon().arg("run").arg("--config").arg(&cfg).output();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("access.log.3.bin") && err.contains("not a text log"),
        "{err}"
    );
    assert_eq!(fs::read(&refused).unwrap(), binary);
    for &(tool, ref p) in &made {
        let (_, _, decomp, _, magic) = CODECS.iter().find(|c| c.0 == tool).unwrap();
        let z = fs::read(p).unwrap();
        assert!(z.starts_with(magic), "{tool}: run changed the format");
        assert_eq!(text(&pipe(tool, decomp, &z)), ANON, "{tool}");
    }
    // the refused file is not recorded as done: the next run fails on it again
    let o = loganon().arg("run").arg("--config").arg(&cfg).output();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("access.log.3.bin"));
}
