//! Running the built `loganon` binary (and any other program a test runs)
//! through one builder, [`TestCommand`], and reading what it did.

use std::ffi::OsStr;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::child::Proc;
use super::wait::EVERY;

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

/// `loganon` with stdin /dev/null, stdout and stderr piped: give it
/// arguments, stdin, a folder, an environment, then run it.
pub fn loganon() -> TestCommand {
    TestCommand::new(BIN)
}

/// A program to run in a test, set up step by step (after ripgrep's
/// `TestCommand`), then run to its end ([`TestCommand::output`],
/// [`TestCommand::stdout`], [`TestCommand::assert_exit_code`],
/// [`TestCommand::assert_err`]) or spawned as a [`Proc`] that is stopped
/// when its test ends ([`TestCommand::spawn`]).
///
/// Stdin is /dev/null unless [`TestCommand::stdin`] gives its bytes (written
/// through a pipe by a thread while the output is read, so neither side
/// blocks) or [`TestCommand::stdin_from`] a file or a pipe left to the test.
pub struct TestCommand {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    /// the process may end before it reads its stdin
    unread_ok: bool,
    /// the process is killed and the test fails past this
    timeout: Option<Duration>,
}

impl TestCommand {
    /// `program` with stdin /dev/null, stdout and stderr piped.
    pub fn new(program: impl AsRef<OsStr>) -> TestCommand {
        let mut cmd = Command::new(program);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        TestCommand {
            cmd,
            stdin: None,
            unread_ok: false,
            timeout: None,
        }
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut TestCommand {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.env_remove(key);
        self
    }

    /// `input` is the whole of stdin, and all of it must be read (see
    /// [`TestCommand::stdin_may_stay_unread`]).
    pub fn stdin(&mut self, input: impl AsRef<[u8]>) -> &mut TestCommand {
        self.stdin = Some(input.as_ref().to_vec());
        self
    }

    /// The process may exit before it reads its stdin (it refuses its
    /// options): a broken pipe is no failure.
    pub fn stdin_may_stay_unread(&mut self) -> &mut TestCommand {
        self.unread_ok = true;
        self
    }

    /// Stdin from a file, or a pipe the test writes itself once spawned
    /// (`Stdio::piped()`: [`Proc::write`], [`Proc::take_stdin`],
    /// [`Proc::close_stdin`]).
    pub fn stdin_from(&mut self, stdin: impl Into<Stdio>) -> &mut TestCommand {
        self.cmd.stdin(stdin);
        self
    }

    /// Stdout elsewhere than a pipe (`Stdio::null()`, a file).
    pub fn stdout_to(&mut self, stdout: impl Into<Stdio>) -> &mut TestCommand {
        self.cmd.stdout(stdout);
        self
    }

    /// Stderr elsewhere than a pipe (`Stdio::null()`, a broken pipe).
    pub fn stderr_to(&mut self, stderr: impl Into<Stdio>) -> &mut TestCommand {
        self.cmd.stderr(stderr);
        self
    }

    /// A process still running after `limit` is killed and the test fails.
    pub fn timeout(&mut self, limit: Duration) -> &mut TestCommand {
        self.timeout = Some(limit);
        self
    }

    /// The `Command` itself, for what the builder does not say (another
    /// stdio, `pre_exec`).
    pub fn cmd(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Runs the process to its end: exit status, stdout and stderr, whatever
    /// the exit.
    #[track_caller]
    pub fn output(&mut self) -> Output {
        if self.stdin.is_some() {
            self.cmd.stdin(Stdio::piped());
        }
        let program = self.cmd.get_program().to_owned();
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program:?}: {e}"));
        let writer = self.stdin.clone().map(|data| {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            // the pipe is closed when the thread ends: end of file
            thread::spawn(move || pipe.write_all(&data))
        });
        let out = match self.timeout {
            None => child.wait_with_output().expect("wait for the child"),
            Some(limit) => wait_within(child, limit, &program),
        };
        match writer.map(|w| w.join().expect("the stdin writer")) {
            None | Some(Ok(())) => {}
            // (a command refused for its options or configuration, exit
            // status 2, ends before it reads its stdin: a race with the
            // writer that the refusal, asserted by the test, explains)
            Some(Err(e)) if (self.unread_ok || out.status.code() == Some(2)) && e.kind() == ErrorKind::BrokenPipe => {}
            Some(Err(e)) => panic!("{program:?} did not read all of its stdin: {e}"),
        }
        out
    }

    /// Runs the process to its end and asserts exit 0; returns stdout, which
    /// must be UTF-8.
    #[track_caller]
    pub fn stdout(&mut self) -> String {
        let o = self.assert_exit_code(0);
        String::from_utf8(o.stdout).expect("stdout is UTF-8")
    }

    /// Runs the process to its end and asserts its exit code (showing stdout
    /// and stderr when it differs); returns the output.
    #[track_caller]
    pub fn assert_exit_code(&mut self, want: i32) -> Output {
        let o = self.output();
        assert_exit(&o, want);
        o
    }

    /// Runs the process to its end and asserts that it failed: an exit code
    /// other than 0, not a signal; returns the output.
    #[track_caller]
    pub fn assert_err(&mut self) -> Output {
        let o = self.output();
        assert_ne!(code(&o), 0, "exit 0\nstdout:\n{}", text(&o.stdout));
        o
    }

    /// Spawns the process as it is set up: a [`Proc`], stopped when dropped.
    #[track_caller]
    pub fn spawn(&mut self) -> Proc {
        Proc::spawn(&mut self.cmd)
    }
}

/// Reads `r` to its end on a thread.
fn read_all<R: Read + Send + 'static>(r: Option<R>) -> Option<JoinHandle<Vec<u8>>> {
    r.map(|mut r| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    })
}

/// Waits for `child` at most `limit` (looking every [`EVERY`]); kills it and
/// fails past that.
#[track_caller]
fn wait_within(mut child: Child, limit: Duration, program: &OsStr) -> Output {
    let (stdout, stderr) = (read_all(child.stdout.take()), read_all(child.stderr.take()));
    let end = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait on the child") {
            break status;
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program:?} still ran after {limit:?}: killed");
        }
        thread::sleep(EVERY);
    };
    let joined = |h: Option<JoinHandle<Vec<u8>>>| h.map(|h| h.join().expect("a reader thread")).unwrap_or_default();
    Output {
        status,
        stdout: joined(stdout),
        stderr: joined(stderr),
    }
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
