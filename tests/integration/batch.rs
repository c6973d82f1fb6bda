//! Integration tests of batch mode: `anonymize FILE... --out-dir DIR`,
//! `--in-place`, and `-o FILE` with file inputs. The binary is run on
//! generated logs (plain, gzip, multi-member gzip, broken gzip) and its output
//! files, temporary files, exit code and messages are checked exactly.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::read::GzDecoder;
use tempfile::TempDir;

use crate::common::bin::{self, text, Arg};
use crate::common::child::Proc;
use crate::common::files::{loganon_files, names, tempdir};
use crate::common::gz::{gunzip, gzip, is_gzip};
use crate::common::samples::{SAMPLE, SAMPLE_OUT};
use crate::common::sys::is_root;
use crate::common::wait::poll;

/// How long a batch may take before a waiting test gives up.
const LIMIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------- inputs

/// A generated log and what loganon must make of it.
struct Log {
    input: Vec<u8>,
    expected: Vec<u8>,
    lines: usize,
}

/// Generates at least `min_bytes` of log lines, starting at line number
/// `first` (different `first` give different lines): combined lines with
/// varying IPv4 clients, users and emails, common lines with varying IPv6
/// clients and tokens, the lines of `testdata/sample.log`, and unparsed lines
/// mentioning addresses. `expected` is the exact anonymized text.
fn gen(first: u64, min_bytes: usize) -> Log {
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
fn truncated_gz(data: &[u8]) -> Vec<u8> {
    let mut z = gzip(data);
    z.truncate(z.len() * 6 / 10);
    z
}

/// Runs the system `gzip` with `args`, `path` on stdin; returns stdout.
fn system_gzip(args: &[&str], path: &Path) -> (bool, Vec<u8>) {
    let out = Command::new("gzip")
        .args(args)
        .stdin(File::open(path).unwrap())
        .stderr(Stdio::null())
        .output()
        .expect("run gzip");
    (out.status.success(), out.stdout)
}

/// Decompresses a (big) gzip file with the system `gzip`, which also checks it.
fn system_gunzip(path: &Path) -> Vec<u8> {
    let (ok, data) = system_gzip(&["-d", "-c"], path);
    assert!(ok, "gzip -d rejects {}", path.display());
    data
}

fn write(path: &Path, data: &[u8]) {
    fs::write(path, data).unwrap();
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A comparison that does not print megabytes when it fails.
fn assert_same(what: &str, got: &[u8], want: &[u8]) {
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

fn mkdir(parent: &Path, name: &str) -> PathBuf {
    let d = parent.join(name);
    fs::create_dir(&d).unwrap();
    d
}

// ---------------------------------------------------------------- running

struct Ran {
    code: Option<i32>,
    stderr: String,
}

/// `loganon anonymize ARGS`, stdin /dev/null, stdout and stderr piped.
fn command(args: &[Arg]) -> Command {
    let mut c = bin::command(&["anonymize"]);
    c.args(args);
    c
}

fn finish(c: &mut Command) -> Ran {
    wait_for(c.spawn().expect("run loganon"))
}

fn wait_for(child: Child) -> Ran {
    let out = child.wait_with_output().expect("wait for loganon");
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

fn run(args: &[Arg]) -> Ran {
    finish(&mut command(args))
}

fn ok(args: &[Arg]) {
    let r = run(args);
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert_eq!(r.stderr, "");
}

fn assert_no_temps(dir: &Path) {
    let t = loganon_files(dir);
    assert!(t.is_empty(), "temporary files left in {}: {t:?}", dir.display());
}

fn out_of(out_dir: &Path, input: &Path) -> PathBuf {
    out_dir.join(input.file_name().unwrap())
}

/// The lines of stderr that are messages (not the JSON summary).
fn messages(stderr: &str) -> Vec<&str> {
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
    let z = Command::new("gzip")
        .args(["-1", "-c"])
        .stdin(File::open(&plain).unwrap())
        .stdout(File::create(&gzipped).unwrap())
        .status()
        .unwrap();
    assert!(z.success());
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
        command(&[input, &"--out-dir", out, &"-j", &jobs, &"--level", &"1"])
            .spawn()
            .expect("run loganon")
    })
    .collect();
    for child in runs {
        let r = wait_for(child);
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
        let zcat = Command::new("zcat").stdin(File::open(&path).unwrap()).output().unwrap();
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
        let r = run(&args);
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

    let r = run(&[&first, &broken, &zipped, &"--in-place", &"-j", &"2"]);
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

// ---------------------------------------------------------------- 5. faults

/// A batch of `good1 BAD good2 --out-dir out`: two good inputs (plain and
/// gzip) around a failing one.
struct Fault {
    dir: TempDir,
    src: PathBuf,
    out: PathBuf,
    good1: PathBuf,
    good2: PathBuf,
    exp1: Vec<u8>,
    exp2: Vec<u8>,
}

impl Fault {
    fn new() -> Fault {
        let dir = tempdir();
        let src = mkdir(dir.path(), "in");
        let out = mkdir(dir.path(), "out");
        let l1 = gen(20000, 150_000);
        let l2 = gen(30000, 150_000);
        let good1 = src.join("good1.log");
        let good2 = src.join("good2.log.gz");
        write(&good1, &l1.input);
        write(&good2, &gzip(&l2.input));
        Fault {
            dir,
            src,
            out,
            good1,
            good2,
            exp1: l1.expected,
            exp2: l2.expected,
        }
    }

    /// Runs the batch with `bad` in the middle and checks everything that
    /// must hold; `before` is the bad input's content (None: not a file).
    /// Returns the message about `bad`.
    fn check(&self, bad: &Path, before: Option<&[u8]>, words: &[&str]) -> String {
        let r = run(&[&self.good1, &bad, &self.good2, &"--out-dir", &self.out, &"-j", &"2"]);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        let msgs = messages(&r.stderr);
        assert_eq!(msgs.len(), 1, "one message, for the failing input: {msgs:?}");
        let msg = msgs[0].to_string();
        assert!(msg.starts_with("loganon: "), "{msg}");
        assert!(
            msg.contains(&bad.display().to_string()),
            "the message does not name {}: {msg}",
            bad.display()
        );
        for w in words {
            assert!(msg.contains(w), "the message lacks {w:?}: {msg}");
        }
        assert!(
            !out_of(&self.out, bad).exists(),
            "an output exists for the failing input"
        );
        assert_no_temps(&self.out);
        if let Some(b) = before {
            assert_eq!(read(bad), b, "the failing input changed");
        }
        assert_same("good1 output", &read(&out_of(&self.out, &self.good1)), &self.exp1);
        assert_same(
            "good2 output",
            &gunzip(&read(&out_of(&self.out, &self.good2))),
            &self.exp2,
        );
        assert_eq!(names(&self.out), ["good1.log", "good2.log.gz"]);
        msg
    }
}

#[test]
fn fault_truncated_gzip() {
    let f = Fault::new();
    let bad = f.src.join("truncated.log.gz");
    let bytes = truncated_gz(&gen(40000, 400_000).input);
    write(&bad, &bytes);
    f.check(&bad, Some(&bytes), &["compressed byte", "truncated"]);
}

#[test]
fn fault_gzip_with_a_corrupt_second_member() {
    let f = Fault::new();
    let bad = f.src.join("corrupt.log.gz");
    let mut bytes = gzip(&gen(50000, 300_000).input);
    let second = gzip(&gen(60000, 300_000).input);
    let mid = bytes.len() + second.len() / 2;
    bytes.extend(second);
    for b in &mut bytes[mid..mid + 16] {
        *b ^= 0x5a;
    }
    write(&bad, &bytes);
    f.check(&bad, Some(&bytes), &["compressed byte"]);
}

#[test]
fn fault_unreadable_file() {
    if is_root() {
        eprintln!("skipped: running as root, so chmod 000 does not stop reading");
        return;
    }
    let f = Fault::new();
    let bad = f.src.join("secret.log");
    let bytes = gen(70000, 10_000).input;
    write(&bad, &bytes);
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o000)).unwrap();
    f.check(&bad, None, &["cannot open"]);
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(read(&bad), bytes);
}

#[test]
fn fault_missing_file() {
    let f = Fault::new();
    let bad = f.src.join("missing.log");
    f.check(&bad, None, &["no such file"]);
    assert!(!bad.exists());
}

#[test]
fn fault_directory_as_input() {
    let f = Fault::new();
    let bad = mkdir(&f.src, "logs.d");
    write(&bad.join("inner.log"), b"1.2.3.4 x\n");
    f.check(&bad, None, &["directory"]);
    assert!(bad.is_dir());
    assert_eq!(read(&bad.join("inner.log")), b"1.2.3.4 x\n");
}

#[test]
fn fault_missing_output_folder() {
    let f = Fault::new();
    let missing = f.dir.path().join("no-such-folder");
    let r = run(&[&f.good1, &f.good2, &"--out-dir", &missing]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs.len(), 2, "one message per input: {msgs:?}");
    for m in msgs {
        assert!(
            m.contains(&missing.display().to_string()),
            "the message does not name the folder: {m}"
        );
    }
    assert!(!missing.exists(), "the output folder was created");
    assert_eq!(names(&f.src), ["good1.log", "good2.log.gz"]);
    assert_no_temps(&f.src);
}

#[test]
fn fault_read_only_output_folder() {
    if is_root() {
        eprintln!("skipped: running as root, so a chmod 555 folder stays writable");
        return;
    }
    let f = Fault::new();
    let ro = mkdir(f.dir.path(), "read-only");
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    let r = run(&[&f.good1, &f.good2, &"--out-dir", &ro]);
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs.len(), 2, "one message per input: {msgs:?}");
    for m in msgs {
        assert!(
            m.contains(&ro.display().to_string()),
            "the message does not name the folder: {m}"
        );
    }
    assert!(names(&ro).is_empty(), "files left: {:?}", names(&ro));
}

#[test]
fn fault_file_size_limit() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let big = gen(80000, 400_000);
    let small = gen(90000, 8_000);
    assert!(big.expected.len() > 4 * 64 * 1024 && small.expected.len() < 32 * 1024);
    let big_path = src.join("big.log");
    let small_path = src.join("small.log");
    write(&big_path, &big.input);
    write(&small_path, &small.input);

    let mut c = command(&[&big_path, &small_path, &"--out-dir", &out, &"-j", &"2"]);
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 64 * 1024,
                rlim_max: 64 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let r = finish(&mut c);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs.len(), 1, "one message, for big.log: {msgs:?}");
    assert!(
        msgs[0].contains(&big_path.display().to_string()),
        "the message does not name big.log: {}",
        msgs[0]
    );
    assert!(!out.join("big.log").exists(), "a partial output remains");
    assert_no_temps(&out);
    assert_eq!(read(&big_path), big.input);
    assert_same("small.log output", &read(&out.join("small.log")), &small.expected);
    assert_eq!(names(&out), ["small.log"]);
}

// ---------------------------------------------------------------- 6. overwrite

#[test]
fn existing_output_is_refused_without_force_and_replaced_with_force() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let a = gen(100000, 30_000);
    let b = gen(110000, 30_000);
    let a_in = src.join("a.log");
    let b_in = src.join("b.log");
    write(&a_in, &a.input);
    write(&b_in, &b.input);
    let existing = out.join("a.log");
    write(&existing, b"old output\n");

    let r = run(&[&a_in, &b_in, &"--out-dir", &out]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(&existing.display().to_string()) && msgs[0].contains("--force"),
        "{}",
        msgs[0]
    );
    assert_eq!(read(&existing), b"old output\n", "existing output changed");
    assert_same("b.log, not blocked by a.log", &read(&out.join("b.log")), &b.expected);
    assert_no_temps(&out);

    let r = run(&[&a_in, &b_in, &"--out-dir", &out, &"--force"]);
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert_same("a.log replaced", &read(&existing), &a.expected);
    assert_same("b.log replaced", &read(&out.join("b.log")), &b.expected);
    assert_no_temps(&out);

    // the same for -o FILE
    let one = out.join("all.log");
    write(&one, b"old\n");
    let r = run(&[&a_in, &b_in, &"-o", &one]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(read(&one), b"old\n");
    ok(&[&a_in, &b_in, &"-o", &one, &"--force"]);
    assert_same("all.log replaced", &read(&one), &[a.expected, b.expected].concat());
    assert_no_temps(&out);
}

#[test]
fn output_over_an_input_is_refused_even_with_force() {
    let d = tempdir();
    let src = d.path();
    let a = gen(120000, 20_000);
    let b = gen(130000, 20_000);
    let a_in = src.join("a.log");
    let b_in = src.join("b.log");
    write(&a_in, &a.input);
    write(&b_in, &b.input);
    for force in [false, true] {
        let mut args: Vec<Arg> = vec![&a_in, &"--out-dir", &src];
        if force {
            args.push(&"--force");
        }
        let r = run(&args);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        assert!(
            r.stderr.contains(&a_in.display().to_string()) && r.stderr.contains("overwrite an input"),
            "{}",
            r.stderr
        );
        assert_eq!(read(&a_in), a.input, "the input was overwritten");

        let mut args: Vec<Arg> = vec![&a_in, &b_in, &"-o", &b_in];
        if force {
            args.push(&"--force");
        }
        let r = run(&args);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        assert!(r.stderr.contains("overwrite an input"), "{}", r.stderr);
        assert_eq!(read(&a_in), a.input);
        assert_eq!(read(&b_in), b.input, "the -o input was overwritten");
        assert_no_temps(src);
        assert_eq!(names(src), ["a.log", "b.log"]);
    }
}

// ---------------------------------------------------------------- 7. -o FILE

#[test]
fn one_output_holds_all_inputs_in_order() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let logs: Vec<Log> = (0..3).map(|k| gen(200000 + k * 10000, 300_000)).collect();
    let paths = [src.join("1.log"), src.join("2.log.gz"), src.join("3.log")];
    write(&paths[0], &logs[0].input);
    write(&paths[1], &gzip(&logs[1].input));
    write(&paths[2], &logs[2].input);
    let all: Vec<u8> = logs.iter().flat_map(|l| l.expected.clone()).collect();

    let one = out.join("all.log");
    ok(&[&paths[0], &paths[1], &paths[2], &"-o", &one, &"-j", &"2"]);
    let got = read(&one);
    assert!(!is_gzip(&got), "a plain name gives plain output");
    assert_same("-o all.log", &got, &all);

    let one_gz = out.join("all.log.gz");
    ok(&[&paths[0], &paths[1], &paths[2], &"-o", &one_gz, &"-j", &"2"]);
    let (tested, _) = system_gzip(&["-t"], &one_gz);
    assert!(tested, "gzip -t rejects all.log.gz");
    assert_same("-o all.log.gz", &gunzip(&read(&one_gz)), &all);
    assert_no_temps(&out);
}

#[test]
fn one_output_leaves_out_a_failing_input_entirely() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let a = gen(300000, 300_000);
    let b = gen(310000, 600_000);
    let c = gen(320000, 300_000);
    let (pa, pb, pc) = (src.join("a.log"), src.join("b.log.gz"), src.join("c.log"));
    write(&pa, &a.input);
    // decodes for a while (several chunks' worth of lines) before it breaks
    let broken = truncated_gz(&b.input);
    write(&pb, &broken);
    write(&pc, &c.input);
    let want = [a.expected.clone(), c.expected.clone()].concat();

    for name in ["all.log", "all.log.gz"] {
        let one = out.join(name);
        let r = run(&[&pa, &pb, &pc, &"-o", &one, &"-j", &"2"]);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        let msgs = messages(&r.stderr);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].contains(&pb.display().to_string()) && msgs[0].contains("compressed byte"),
            "{}",
            msgs[0]
        );
        let got = read(&one);
        let got = if name.ends_with(".gz") {
            let (tested, _) = system_gzip(&["-t"], &one);
            assert!(tested, "gzip -t rejects {name}");
            gunzip(&got)
        } else {
            got
        };
        assert_same(name, &got, &want);
        assert_eq!(read(&pb), broken);
        assert_no_temps(&out);
    }
}

#[test]
fn one_output_ends_each_input_with_a_newline() {
    let d = tempdir();
    let a = d.path().join("a.log");
    let b = d.path().join("b.log");
    write(
        &a,
        b"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1",
    );
    write(
        &b,
        b"5.6.7.8 - - [01/Jan/2026:00:00:00 +0000] \"GET /b HTTP/1.1\" 200 1\n",
    );
    let one = d.path().join("all.log");
    ok(&[&a, &b, &"-o", &one]);
    assert_eq!(
        text(&read(&one)),
        "1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1\n\
         5.6.7.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /b HTTP/1.1\" 200 1\n"
    );
}

// ---------------------------------------------------------------- 8. SIGINT

#[test]
fn sigint_mid_batch_keeps_only_complete_outputs() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let base = gen(400000, 40_000_000).input;
    let inputs: Vec<PathBuf> = (0..5)
        .map(|k| {
            let p = src.join(format!("part{k}.log"));
            let mut f = File::create(&p).unwrap();
            writeln!(f, "file {k} from 192.0.2.{}", 10 + k).unwrap();
            f.write_all(&base).unwrap();
            p
        })
        .collect();
    let mut args: Vec<Arg> = inputs.iter().map(|p| p as Arg).collect();
    args.extend([&"--out-dir" as Arg, &out, &"-j", &"1"]);
    // wait until the first output is complete (renamed into place)
    let (status, stderr) = interrupt_when(command(&args), libc::SIGINT, || !finals(&out).is_empty());
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "stderr: {stderr}");
    assert_no_temps(&out);
    let done = finals(&out);
    assert!(
        !done.is_empty() && done.len() < inputs.len(),
        "SIGINT did not stop the batch: outputs {done:?}"
    );
    // each output that exists equals an uninterrupted run's
    let reference = mkdir(d.path(), "ref");
    let done_inputs: Vec<PathBuf> = done.iter().map(|n| src.join(n)).collect();
    let mut args: Vec<Arg> = done_inputs.iter().map(|p| p as Arg).collect();
    args.extend([&"--out-dir" as Arg, &reference, &"-j", &"2"]);
    ok(&args);
    for n in &done {
        assert_same(
            &format!("interrupted batch's {n}"),
            &read(&out.join(n)),
            &read(&reference.join(n)),
        );
    }

    // -o FILE: SIGTERM once lines are being written leaves no output at all
    let one_dir = mkdir(d.path(), "one");
    let one = one_dir.join("all.log");
    let mut args: Vec<Arg> = inputs.iter().map(|p| p as Arg).collect();
    args.extend([&"-o" as Arg, &one, &"-j", &"1"]);
    let (status, stderr) = interrupt_when(command(&args), libc::SIGTERM, || {
        loganon_files(&one_dir)
            .iter()
            .any(|t| fs::metadata(one_dir.join(t)).is_ok_and(|m| m.len() > 0))
    });
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "stderr: {stderr}");
    assert!(!one.exists(), "an incomplete -o output was kept");
    assert_no_temps(&one_dir);
}

/// Files in `dir` that are not loganon's temporary files.
fn finals(dir: &Path) -> Vec<String> {
    names(dir).into_iter().filter(|n| !n.starts_with(".loganon-")).collect()
}

/// Starts `c`, waits (polling, bounded) until `ready`, sends `sig`, and waits
/// (bounded) for the end. Returns the exit status and stderr.
fn interrupt_when(mut c: Command, sig: libc::c_int, mut ready: impl FnMut() -> bool) -> (ExitStatus, String) {
    let mut p = Proc::spawn(&mut c).deadline(LIMIT);
    let mut stdout = p.take_stdout();
    poll(
        LIMIT,
        Duration::from_millis(2),
        "the moment to interrupt loganon",
        || {
            if ready() {
                return Some(());
            }
            if let Some(st) = p.exited() {
                panic!("loganon ended ({st}) before the moment to interrupt it");
            }
            None
        },
    );
    p.signal(sig);
    let (status, stderr) = p.wait();
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).expect("read loganon's stdout");
    assert!(out.is_empty(), "batch mode wrote to stdout: {:?}", text(&out));
    (status, stderr)
}

// ---------------------------------------------------------------- 9. stats

#[test]
fn stats_json_per_file_and_total() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let a = gen(500000, 100_000);
    let b = gen(510000, 200_000);
    let pa = src.join("a.log");
    let pb = src.join("b.log.gz");
    let missing = src.join("missing.log");
    write(&pa, &a.input);
    write(&pb, &gzip(&b.input));

    let r = run(&[&pa, &missing, &pb, &"--out-dir", &out, &"--stats", &"json"]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let json_lines: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(json_lines.len(), 1, "stderr: {}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(json_lines[0]).unwrap();

    let files = j["files"].as_array().expect("files array");
    assert_eq!(files.len(), 3, "{j}");
    let s = |p: &Path| p.display().to_string();
    let logs = [(&pa, Some(&a)), (&missing, None), (&pb, Some(&b))];
    for (f, (path, log)) in files.iter().zip(logs) {
        assert_eq!(f["input"], s(path), "{f}");
        match log {
            Some(log) => {
                assert_eq!(f["output"], s(&out_of(&out, path)), "{f}");
                assert!(f["error"].is_null(), "{f}");
                assert_eq!(f["lines_read"], log.lines as u64, "{f}");
                assert_eq!(f["lines_written"], log.lines as u64, "{f}");
                assert_eq!(f["bytes_in"], log.input.len() as u64, "{f}");
                assert!(f["addresses"].as_u64().unwrap() > 0, "{f}");
                assert!(f["identifiers"].as_u64().unwrap() > 0, "{f}");
            }
            None => {
                assert!(f["output"].is_null(), "{f}");
                let e = f["error"].as_str().expect("error text");
                assert!(e.contains(&s(path)), "{e}");
                assert_eq!(f["lines_read"], 0, "{f}");
            }
        }
    }
    assert_eq!(f_u64(&files[0], "bytes_out"), a.expected.len() as u64);

    let t = &j["total"];
    assert_eq!(t["files"], 2, "{t}");
    assert_eq!(t["files_failed"], 1, "{t}");
    assert_eq!(t["lines_read"], (a.lines + b.lines) as u64, "{t}");
    assert_eq!(t["lines_written"], (a.lines + b.lines) as u64, "{t}");
    assert_eq!(t["bytes_in"], (a.input.len() + b.input.len()) as u64, "{t}");
    for key in ["addresses", "identifiers", "bytes_out", "unparsed", "parsed"] {
        let sum: u64 = files.iter().map(|f| f_u64(f, key)).sum();
        assert_eq!(f_u64(t, key), sum, "total {key} is the sum over files");
    }
    let mbs = t["mb_per_s"].as_f64().expect("mb_per_s number");
    assert!(mbs.is_finite() && mbs >= 0.0, "{t}");
    assert!(t["seconds"].as_f64().is_some(), "{t}");

    assert_same("a.log output", &read(&out.join("a.log")), &a.expected);
    assert_same("b.log.gz output", &gunzip(&read(&out.join("b.log.gz"))), &b.expected);
}

fn f_u64(v: &serde_json::Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}
