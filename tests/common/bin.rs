//! Running the built `loganon` binary and reading what it did.

use std::ffi::OsStr;
use std::io::{ErrorKind, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};

/// The binary under test, built by cargo for the integration tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_loganon");

/// The project's root: `testdata/` and `examples/` are below it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Bytes as text (lossy), for messages and comparisons.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An argument of a list that mixes strings and paths:
/// `&[&"anonymize", &path]`.
pub type Arg<'a> = &'a dyn AsRef<OsStr>;

/// `loganon` with nothing set: its stdio is the caller's to choose.
pub fn loganon() -> Command {
    Command::new(BIN)
}

/// `loganon ARGS` with stdin from /dev/null, stdout and stderr piped.
pub fn command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs `loganon ARGS` (stdin /dev/null) to its end.
#[track_caller]
pub fn run<S: AsRef<OsStr>>(args: &[S]) -> Output {
    command(args).output().expect("cannot run loganon")
}

/// Runs `loganon ARGS` with `input` on a stdin pipe (written by a thread
/// while the output is read) and asserts that all of it was written.
#[track_caller]
pub fn run_stdin<S: AsRef<OsStr>>(args: &[S], input: &[u8]) -> Output {
    let (out, written) = feed(args, input);
    if let Err(e) = written {
        panic!("loganon did not read all of its stdin: {e}");
    }
    out
}

/// As [`run_stdin`], for a process that may exit before reading its stdin
/// (it refuses its options): a broken pipe is no failure.
#[track_caller]
pub fn run_stdin_unread<S: AsRef<OsStr>>(args: &[S], input: &[u8]) -> Output {
    let (out, written) = feed(args, input);
    if let Err(e) = written {
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "writing loganon's stdin: {e}");
    }
    out
}

#[track_caller]
fn feed<S: AsRef<OsStr>>(args: &[S], input: &[u8]) -> (Output, std::io::Result<()>) {
    let mut child = command(args).stdin(Stdio::piped()).spawn().expect("cannot run loganon");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let data = input.to_vec();
    // the pipe is closed when the thread ends: end of file for loganon
    let writer = std::thread::spawn(move || pipe.write_all(&data));
    let out = child.wait_with_output().expect("wait for loganon");
    (out, writer.join().expect("the stdin writer"))
}

/// `loganon anonymize ARGS` of `input` (on stdin): exit 0 and its stdout.
#[track_caller]
pub fn anonymize(args: &[&str], input: &str) -> String {
    let mut a = vec!["anonymize"];
    a.extend_from_slice(args);
    let out = run_stdin(&a, input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    String::from_utf8(out.stdout).expect("anonymized text is UTF-8")
}

/// The exit code; panics (showing stdout and stderr) when loganon was
/// killed by a signal.
#[track_caller]
pub fn code(o: &Output) -> i32 {
    match o.status.code() {
        Some(c) => c,
        None => panic!(
            "loganon died of signal {:?}\nstdout:\n{}\nstderr:\n{}",
            o.status.signal(),
            text(&o.stdout),
            text(&o.stderr)
        ),
    }
}

/// Asserts the exit code, showing stdout and stderr when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, want: i32) {
    assert_eq!(
        o.status.code(),
        Some(want),
        "exit status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// The JSON counters (`--stats json`) printed last on stderr.
#[track_caller]
pub fn stats_json(stderr: &str) -> serde_json::Value {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON counters in stderr:\n{stderr}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("counters are not JSON ({e}): {line}"))
}
