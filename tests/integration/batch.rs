//! Integration tests of batch mode: `anonymize FILE... --out-dir DIR`,
//! `--in-place`, and `-o FILE` with file inputs. The binary is run on
//! generated logs (plain, gzip, multi-member gzip, broken gzip) and its output
//! files, temporary files, exit code and messages are checked exactly.
//!
//! This file holds the generated inputs and the running shared with
//! `batch_faults.rs` (failing inputs and outputs, SIGINT) and
//! `batch_outputs.rs` (existing outputs, `-o FILE`, the stats), and the
//! tests of `-j`, gzip, times and modes, and `--in-place`.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::read::GzDecoder;

use crate::common::bin::{loganon, text, Arg, TestCommand};
use crate::common::files::{loganon_files, names, tempdir};
use crate::common::gz::{gunzip, gzip, is_gzip};
use crate::common::samples::{SAMPLE, SAMPLE_OUT};

// ---------------------------------------------------------------- inputs

/// A generated log and what loganon must make of it.
pub(crate) struct Log {
    pub(crate) input: Vec<u8>,
    pub(crate) expected: Vec<u8>,
    pub(crate) lines: usize,
}

/// Generates at least `min_bytes` of log lines, starting at line number
/// `first` (different `first` give different lines): combined lines with
/// varying IPv4 clients, users and emails, common lines with varying IPv6
/// clients and tokens, the lines of `testdata/sample.log`, and unparsed lines
/// mentioning addresses. `expected` is the exact anonymized text.
pub(crate) fn gen(first: u64, min_bytes: usize) -> Log {
    let sample: Vec<&str> = SAMPLE.lines().collect();
    assert_eq!(sample.len(), SAMPLE_OUT.len());
    let mut input = Vec::with_capacity(min_bytes + 1024);
    let mut expected = Vec::with_capacity(min_bytes + 1024);
    let mut lines = 0;
    let mut i = first;
    while input.len() < min_bytes {
        let (a, b, c, d) = (1 + (i * 7) % 223, (i >> 8) % 256, (i * 31 + 7) % 256, i % 256);
        let (s, p) = (i % 60, i % 7);
        match i % 4 {
            0 => {
                let tail = format!(
                    "[02/Jan/2026:10:00:{s:02} +0000] \"GET /item/{i}?email=u{i}%40example.com&page={p} HTTP/1.1\" 200 {i} \"https://ref.example/{i}\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
                );
                let tail_out = tail.replace(&format!("u{i}%40example.com"), "REDACTED");
                write!(input, "{a}.{b}.{c}.{d} - user{i} {tail}").unwrap();
                write!(expected, "{a}.{b}.{c}.0 - - {tail_out}").unwrap();
            }
            1 => {
                let (x, y, z) = (1 + i % 0xfffe, (i >> 4) % 0x10000, 1 + (i * 3) % 0xfffe);
                let rest =
                    format!("[02/Jan/2026:10:01:{s:02} +0000] \"GET /q/{i}?lang=en&token=t{i}k HTTP/1.1\" 304 0\n");
                let rest_out = rest.replace(&format!("token=t{i}k"), "token=REDACTED");
                write!(input, "2001:db8:{x:x}:{y:x}::{z:x} - - {rest}").unwrap();
                write!(expected, "2001:db8:{x:x}:: - - {rest_out}").unwrap();
            }
            2 => {
                let k = (i / 4) as usize % sample.len();
                writeln!(input, "{}", sample[k]).unwrap();
                writeln!(expected, "{}", SAMPLE_OUT[k]).unwrap();
            }
            _ => {
                writeln!(input, "job {i} from {a}.{b}.{c}.{d} done").unwrap();
                writeln!(expected, "job {i} from {a}.{b}.{c}.0 done").unwrap();
            }
        }
        lines += 1;
        i += 1;
    }
    Log { input, expected, lines }
}

/// A gzip file of `data` with its tail cut off, so it breaks mid-stream.
pub(crate) fn truncated_gz(data: &[u8]) -> Vec<u8> {
    let mut z = gzip(data);
    z.truncate(z.len() * 6 / 10);
    z
}

/// Runs the system `gzip` with `args`, `path` on stdin; returns stdout.
pub(crate) fn system_gzip(args: &[&str], path: &Path) -> (bool, Vec<u8>) {
    let out = TestCommand::new("gzip")
        .args(args)
        .stdin_from(File::open(path).unwrap())
        .stderr_to(Stdio::null())
        .output();
    (out.status.success(), out.stdout)
}

/// Decompresses a (big) gzip file with the system `gzip`, which also checks it.
fn system_gunzip(path: &Path) -> Vec<u8> {
    let (ok, data) = system_gzip(&["-d", "-c"], path);
    assert!(ok, "gzip -d rejects {}", path.display());
    data
}

pub(crate) fn write(path: &Path, data: &[u8]) {
    fs::write(path, data).unwrap();
}

pub(crate) fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A comparison that does not print megabytes when it fails.
pub(crate) fn assert_same(what: &str, got: &[u8], want: &[u8]) {
    if got != want {
        let at = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        let from = at.saturating_sub(80);
        panic!(
            "{what}: differs at byte {at} (lengths {} and {})\n got: {:?}\nwant: {:?}",
            got.len(),
            want.len(),
            text(&got[from..(at + 80).min(got.len())]),
            text(&want[from..(at + 80).min(want.len())]),
        );
    }
}

pub(crate) fn mkdir(parent: &Path, name: &str) -> PathBuf {
    let d = parent.join(name);
    fs::create_dir(&d).unwrap();
    d
}

// ---------------------------------------------------------------- running

/// The end of a batch run: its exit code and stderr (batch mode writes
/// nothing to stdout).
pub(crate) struct Ran {
    pub(crate) code: Option<i32>,
    pub(crate) stderr: String,
}

impl Ran {
    #[track_caller]
    pub(crate) fn of(out: Output) -> Ran {
        assert!(
            out.stdout.is_empty(),
            "batch mode wrote to stdout: {:?}",
            text(&out.stdout)
        );
        Ran {
            code: out.status.code(),
            stderr: text(&out.stderr),
        }
    }
}

/// `loganon anonymize ARGS`, stdin /dev/null, stdout and stderr piped.
pub(crate) fn batch(args: &[Arg]) -> TestCommand {
    let mut c = loganon();
    c.arg("anonymize").args(args);
    c
}

/// `loganon anonymize ARGS` run to its end.
#[track_caller]
pub(crate) fn run_batch(args: &[Arg]) -> Ran {
    Ran::of(batch(args).output())
}

#[track_caller]
pub(crate) fn ok(args: &[Arg]) {
    let r = run_batch(args);
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert_eq!(r.stderr, "");
}

pub(crate) fn assert_no_temps(dir: &Path) {
    let t = loganon_files(dir);
    assert!(t.is_empty(), "temporary files left in {}: {t:?}", dir.display());
}

pub(crate) fn out_of(out_dir: &Path, input: &Path) -> PathBuf {
    out_dir.join(input.file_name().unwrap())
}

/// The lines of stderr that are messages (not the JSON summary).
pub(crate) fn messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| !l.starts_with('{')).collect()
}

// ---------------------------------------------------------------- 1. -j

#[test]
fn jobs_do_not_change_output_bytes_plain_or_gzip() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let log = gen(0, 30_000_000);
    let plain = src.join("big.log");
    write(&plain, &log.input);
    let gzipped = src.join("big.log.gz");
    // the gzip copy is made by the system gzip: fast, and not by flate2
    let z = TestCommand::new("gzip")
        .args(["-1", "-c"])
        .stdin_from(File::open(&plain).unwrap())
        .stdout_to(File::create(&gzipped).unwrap())
        .output();
    assert!(z.status.success());
    let one = mkdir(d.path(), "j1");
    let two = mkdir(d.path(), "j2");
    // One input per run, so with -j 2 that input gets both workers; the runs
    // go on at the same time, at --level 1 (debug builds compress slowly; the
    // level does not change how the input is cut into members).
    let runs: Vec<Child> = [
        (&plain, &one, "1"),
        (&gzipped, &one, "1"),
        (&plain, &two, "2"),
        (&gzipped, &two, "2"),
    ]
    .into_iter()
    .map(|(input, out, jobs)| {
        batch(&[input, &"--out-dir", out, &"-j", &jobs, &"--level", &"1"])
            .cmd()
            .spawn()
            .expect("run loganon")
    })
    .collect();
    for child in runs {
        let r = Ran::of(child.wait_with_output().expect("wait for loganon"));
        assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
        assert_eq!(r.stderr, "");
    }

    let p1 = read(&one.join("big.log"));
    assert_same("plain output, -j 1", &p1, &log.expected);
    assert_same("plain output, -j 2 vs -j 1", &read(&two.join("big.log")), &p1);

    let g1 = read(&one.join("big.log.gz"));
    let g2 = read(&two.join("big.log.gz"));
    assert!(is_gzip(&g1) && is_gzip(&g2), "gzip input gives gzip output");
    assert_same(
        "gzip output decompressed, -j 1",
        &system_gunzip(&one.join("big.log.gz")),
        &log.expected,
    );
    assert_same(
        "gzip output decompressed, -j 2",
        &system_gunzip(&two.join("big.log.gz")),
        &log.expected,
    );
    assert_same("gzip output compressed bytes, -j 2 vs -j 1", &g2, &g1);
    assert_no_temps(&one);
    assert_no_temps(&two);
}

// ---------------------------------------------------------------- 2. gzip

#[test]
fn plain_gzip_and_multi_member_inputs_give_the_same_lines_and_valid_gzip() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let log = gen(1000, 2_500_000);

    let plain = src.join("plain.log");
    write(&plain, &log.input);
    let single = src.join("single.log.gz");
    write(&single, &gzip(&log.input));
    // three members, cut at line ends
    let cut1 = log.input[..log.input.len() / 3]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let cut2 = log.input[..2 * log.input.len() / 3]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let mut three = gzip(&log.input[..cut1]);
    three.extend(gzip(&log.input[cut1..cut2]));
    three.extend(gzip(&log.input[cut2..]));
    let multi = src.join("multi.log.gz");
    write(&multi, &three);
    // gzip is detected by content, not by name; a .gz output name means gzip
    let unnamed_gz = src.join("gzip-without-suffix.log");
    write(&unnamed_gz, &gzip(&log.input));
    let named_plain = src.join("plain-named.gz");
    write(&named_plain, &log.input);

    ok(&[
        &plain,
        &single,
        &multi,
        &unnamed_gz,
        &named_plain,
        &"--out-dir",
        &out,
        &"-j",
        &"2",
    ]);
    assert_no_temps(&out);
    assert_eq!(
        names(&out),
        [
            "gzip-without-suffix.log",
            "multi.log.gz",
            "plain-named.gz",
            "plain.log",
            "single.log.gz"
        ]
    );

    let p = read(&out.join("plain.log"));
    assert!(!is_gzip(&p), "plain input with a plain name gives plain output");
    assert_same("plain input", &p, &log.expected);

    for name in [
        "single.log.gz",
        "multi.log.gz",
        "gzip-without-suffix.log",
        "plain-named.gz",
    ] {
        let path = out.join(name);
        let z = read(&path);
        assert!(is_gzip(&z), "{name}: output is not gzip");
        let lines = gunzip(&z);
        assert_eq!(
            lines.iter().filter(|&&b| b == b'\n').count(),
            log.lines,
            "{name}: line count"
        );
        assert_same(&format!("{name} decompressed"), &lines, &log.expected);
        let (tested, _) = system_gzip(&["-t"], &path);
        assert!(tested, "gzip -t rejects {name}");
        let zcat = TestCommand::new("zcat").stdin_from(File::open(&path).unwrap()).output();
        assert!(zcat.status.success(), "zcat fails on {name}");
        assert_same(&format!("zcat {name}"), &zcat.stdout, &log.expected);
        // compressed in parallel: several independent members, the first
        // of which holds only part of the lines
        let mut first = Vec::new();
        GzDecoder::new(&z[..]).read_to_end(&mut first).unwrap();
        assert!(
            !first.is_empty() && first.len() < log.expected.len(),
            "{name}: expected several gzip members, the first holds {} of {} bytes",
            first.len(),
            log.expected.len()
        );
    }
}

#[test]
fn empty_plain_input_gives_an_empty_output() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let empty = src.join("empty.log");
    write(&empty, b"");
    ok(&[&empty, &"--out-dir", &out]);
    assert_eq!(read(&out.join("empty.log")), b"");
    assert_no_temps(&out);
}

#[test]
fn empty_input_with_gzip_output_gives_valid_gzip() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let empty_gz = src.join("empty.log.gz");
    write(&empty_gz, &gzip(b""));
    let empty_named_gz = src.join("nothing.gz");
    write(&empty_named_gz, b"");
    ok(&[&empty_gz, &empty_named_gz, &"--out-dir", &out]);
    let one = out.join("all.log.gz");
    ok(&[&empty_gz, &"-o", &one]);
    for path in [out.join("empty.log.gz"), out.join("nothing.gz"), one] {
        let (tested, data) = system_gzip(&["-d", "-c"], &path);
        assert!(tested, "gzip rejects {} ({} bytes)", path.display(), read(&path).len());
        assert_eq!(data, b"");
    }
}

#[test]
fn out_dir_refuses_two_inputs_with_the_same_name() {
    let d = tempdir();
    let a = mkdir(d.path(), "a");
    let b = mkdir(d.path(), "b");
    let out = mkdir(d.path(), "out");
    write(&a.join("x.log"), b"1.2.3.4 first\n");
    write(&b.join("x.log"), b"5.6.7.8 second\n");
    for force in [false, true] {
        let (pa, pb) = (a.join("x.log"), b.join("x.log"));
        let mut args: Vec<Arg> = vec![&pa, &pb, &"--out-dir", &out];
        if force {
            args.push(&"--force");
        }
        let r = run_batch(&args);
        assert_eq!(r.code, Some(1), "both inputs claim out/x.log; stderr: {:?}", r.stderr);
        assert!(r.stderr.contains("x.log"), "{}", r.stderr);
        assert_no_temps(&out);
        let _ = fs::remove_file(out.join("x.log"));
    }
}

// ---------------------------------------------------------------- 3. times

/// 2026-01-02 00:00:00.5 UTC
fn old_time() -> SystemTime {
    UNIX_EPOCH + Duration::new(1_767_312_000, 500_000_000)
}

fn set_mode_and_mtime(path: &Path, mode: u32) {
    let f = File::options().write(true).open(path).unwrap();
    f.set_modified(old_time()).unwrap();
    f.set_permissions(fs::Permissions::from_mode(mode)).unwrap();
}

fn assert_mode_and_mtime(path: &Path, mode: u32) {
    let m = fs::metadata(path).unwrap();
    assert_eq!(
        m.permissions().mode() & 0o7777,
        mode,
        "{}: mode {:o}",
        path.display(),
        m.permissions().mode()
    );
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(
        secs(m.modified().unwrap()),
        secs(old_time()),
        "{}: modification time not kept",
        path.display()
    );
}

#[test]
fn outputs_keep_the_input_mtime_and_mode() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let log = gen(2000, 20_000);
    let plain = src.join("a.log");
    let zipped = src.join("b.log.gz");
    write(&plain, &log.input);
    write(&zipped, &gzip(&log.input));
    set_mode_and_mtime(&plain, 0o640);
    set_mode_and_mtime(&zipped, 0o604);

    ok(&[&plain, &zipped, &"--out-dir", &out]);
    assert_same("a.log", &read(&out.join("a.log")), &log.expected);
    assert_same("b.log.gz", &gunzip(&read(&out.join("b.log.gz"))), &log.expected);
    assert_mode_and_mtime(&out.join("a.log"), 0o640);
    assert_mode_and_mtime(&out.join("b.log.gz"), 0o604);
    // the inputs themselves are untouched
    assert_mode_and_mtime(&plain, 0o640);
    assert_eq!(read(&plain), log.input);

    ok(&[&plain, &zipped, &"--in-place"]);
    assert_same("a.log in place", &read(&plain), &log.expected);
    assert_same("b.log.gz in place", &gunzip(&read(&zipped)), &log.expected);
    assert_mode_and_mtime(&plain, 0o640);
    assert_mode_and_mtime(&zipped, 0o604);
    assert_no_temps(&src);
}

// ---------------------------------------------------------------- 4. in place

#[test]
fn in_place_replaces_atomically_and_leaves_a_failing_input_untouched() {
    let d = tempdir();
    let src = d.path();
    let a = gen(3000, 200_000);
    let b = gen(9000, 300_000);
    let c = gen(15000, 100_000);
    let first = src.join("first.log");
    let broken = src.join("broken.log.gz");
    let zipped = src.join("third.log.gz");
    write(&first, &a.input);
    let broken_bytes = truncated_gz(&b.input);
    write(&broken, &broken_bytes);
    write(&zipped, &gzip(&c.input));
    set_mode_and_mtime(&first, 0o600);
    let ino_first = fs::metadata(&first).unwrap().ino();
    let ino_broken = fs::metadata(&broken).unwrap().ino();
    let ino_zipped = fs::metadata(&zipped).unwrap().ino();

    let r = run_batch(&[&first, &broken, &zipped, &"--in-place", &"-j", &"2"]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs.len(), 1, "one message, for the broken input: {msgs:?}");
    assert!(
        msgs[0].contains(&broken.display().to_string()) && msgs[0].contains("compressed byte"),
        "message: {}",
        msgs[0]
    );

    assert_same("first.log replaced", &read(&first), &a.expected);
    let m = fs::metadata(&first).unwrap();
    assert_ne!(m.ino(), ino_first, "first.log was rewritten, not renamed over");
    assert_mode_and_mtime(&first, 0o600);

    assert_eq!(read(&broken), broken_bytes, "broken input changed");
    assert_eq!(fs::metadata(&broken).unwrap().ino(), ino_broken);

    let z = read(&zipped);
    assert!(is_gzip(&z), "a gzip input stays gzip in place");
    assert_same("third.log.gz replaced", &gunzip(&z), &c.expected);
    assert_ne!(fs::metadata(&zipped).unwrap().ino(), ino_zipped);

    assert_no_temps(src);
    assert_eq!(names(src), ["broken.log.gz", "first.log", "third.log.gz"]);
}
