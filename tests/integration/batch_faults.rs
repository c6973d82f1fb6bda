//! Batch mode when things fail: inputs that are truncated, corrupt,
//! unreadable, missing or folders, outputs that cannot be written, and
//! SIGINT in the middle of a batch (inputs and running in `batch.rs`).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use tempfile::TempDir;

use crate::batch::{
    assert_no_temps, assert_same, batch, gen, messages, mkdir, ok, out_of, read, run_batch, truncated_gz, write, Ran,
};
use crate::common::bin::{text, Arg, TestCommand};
use crate::common::files::{loganon_files, names, tempdir};
use crate::common::gz::{gunzip, gzip};
use crate::common::sys::is_root;
use crate::common::wait::poll;

/// How long a batch may take before a waiting test gives up.
const LIMIT: Duration = Duration::from_secs(120);

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
        let r = run_batch(&[&self.good1, &bad, &self.good2, &"--out-dir", &self.out, &"-j", &"2"]);
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
    let r = run_batch(&[&f.good1, &f.good2, &"--out-dir", &missing]);
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
    let r = run_batch(&[&f.good1, &f.good2, &"--out-dir", &ro]);
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

    let mut c = batch(&[&big_path, &small_path, &"--out-dir", &out, &"-j", &"2"]);
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        c.cmd().pre_exec(|| {
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
    let r = Ran::of(c.output());
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
    let (status, stderr) = interrupt_when(batch(&args), libc::SIGINT, || !finals(&out).is_empty());
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
    let (status, stderr) = interrupt_when(batch(&args), libc::SIGTERM, || {
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
fn interrupt_when(mut c: TestCommand, sig: libc::c_int, mut ready: impl FnMut() -> bool) -> (ExitStatus, String) {
    let mut p = c.spawn().deadline(LIMIT);
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
