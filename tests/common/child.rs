//! A child process that cannot outlive its test: [`Proc`] stops it when
//! dropped (a failed assertion half-way), reads its stderr (and, when asked,
//! its stdout) line by line on threads, and reaps it with `wait4`, so its
//! peak RSS is known. Every wait has a deadline.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use super::bin::text;
use super::sys::kill;
use super::wait::{poll, DEADLINE, EVERY};

/// A spawned process, stopped when dropped if it still runs.
pub struct Proc {
    child: Child,
    /// stdout, line by line, once [`Proc::stdout_lines`] asked for it;
    /// disconnected at its end
    stdout: Option<Receiver<Vec<u8>>>,
    /// stderr, line by line (when piped); disconnected at its end
    stderr: Option<Receiver<Vec<u8>>>,
    /// the stderr lines received so far, each with its `\n`
    seen: Vec<String>,
    /// how long a line or the exit is waited for
    deadline: Duration,
    /// the signal that asks it to stop before it is killed (a server takes
    /// its workers with it)
    stop: Option<libc::c_int>,
    /// exit status and peak RSS in bytes, once reaped
    ended: Option<(ExitStatus, i64)>,
}

/// Reads `r` on a thread, sending each line (with its `\n`; the last one
/// maybe without) until its end.
fn lines_of<R: Read + Send + 'static>(r: R) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut r = BufReader::new(r);
        loop {
            let mut line = Vec::new();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// A line without its line end.
fn trimmed(l: &str) -> &str {
    let l = l.strip_suffix('\n').unwrap_or(l);
    l.strip_suffix('\r').unwrap_or(l)
}

impl Proc {
    /// Spawns `cmd` as it is set up (stdio included); a piped stderr is read
    /// line by line from now on. A piped stdout and stdin are left alone
    /// (see [`Proc::stdout_lines`], [`Proc::write`], [`Proc::take_stdout`]).
    #[track_caller]
    pub fn spawn(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
        let stderr = child.stderr.take().map(lines_of);
        Proc {
            child,
            stdout: None,
            stderr,
            seen: Vec::new(),
            deadline: DEADLINE,
            stop: None,
            ended: None,
        }
    }

    /// Waits for a line or the exit at most `d` (default [`DEADLINE`]).
    pub fn deadline(mut self, d: Duration) -> Proc {
        self.deadline = d;
        self
    }

    /// When dropped while running: first `sig`, up to 10 s, then SIGKILL.
    pub fn stop_with(mut self, sig: libc::c_int) -> Proc {
        self.stop = Some(sig);
        self
    }

    /// Reads the piped stdout line by line (see [`Proc::next_line`]).
    #[track_caller]
    pub fn stdout_lines(mut self) -> Proc {
        let out = self.child.stdout.take().expect("stdout is piped");
        self.stdout = Some(lines_of(out));
        self
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `sig`; the process must not have been reaped (its pid could
    /// have been reused).
    #[track_caller]
    pub fn signal(&self, sig: libc::c_int) {
        assert!(self.ended.is_none(), "signal {sig} to a process already reaped");
        assert!(kill(self.pid(), sig), "kill {sig}: {}", io::Error::last_os_error());
    }

    #[track_caller]
    pub fn write(&mut self, data: &str) {
        self.write_bytes(data.as_bytes());
    }

    /// Writes `data` to the piped stdin and flushes it.
    #[track_caller]
    pub fn write_bytes(&mut self, data: &[u8]) {
        let w = self.child.stdin.as_mut().expect("stdin is open");
        w.write_all(data).expect("write to loganon's stdin");
        w.flush().expect("flush loganon's stdin");
    }

    /// Closes stdin: end of file for the process.
    pub fn close_stdin(&mut self) {
        self.child.stdin = None;
    }

    #[track_caller]
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().expect("stdin is piped")
    }

    #[track_caller]
    pub fn take_stdout(&mut self) -> ChildStdout {
        self.child.stdout.take().expect("stdout is piped")
    }

    /// The next stdout line, waiting at most the deadline.
    #[track_caller]
    pub fn next_line(&self) -> String {
        let rx = self.stdout.as_ref().expect("stdout read by stdout_lines");
        match rx.recv_timeout(self.deadline) {
            Ok(l) => text(&l),
            Err(RecvTimeoutError::Timeout) => panic!("no output line within {:?}", self.deadline),
            Err(RecvTimeoutError::Disconnected) => panic!("stdout ended before a line came"),
        }
    }

    /// Waits for stdout to end, and returns what came before its end.
    #[track_caller]
    pub fn rest_of_stdout(&self) -> String {
        let rx = self.stdout.as_ref().expect("stdout read by stdout_lines");
        let mut s = String::new();
        loop {
            match rx.recv_timeout(self.deadline) {
                Ok(l) => s.push_str(&text(&l)),
                Err(RecvTimeoutError::Disconnected) => return s,
                Err(RecvTimeoutError::Timeout) => panic!("stdout did not end within {:?}", self.deadline),
            }
        }
    }

    /// Receives one more stderr line (kept in `seen`) before `end`.
    #[track_caller]
    fn receive(&mut self, end: Instant, what: &str) {
        let left = end.saturating_duration_since(Instant::now());
        match self.stderr.as_ref().expect("stderr is piped").recv_timeout(left) {
            Ok(l) => self.seen.push(text(&l)),
            Err(_) => panic!("no stderr line {what}; seen: {:?}", self.seen),
        }
    }

    /// Waits for the next stderr line (from now on) that `pick` accepts;
    /// returns it without its line end.
    #[track_caller]
    pub fn stderr_line(&mut self, what: &str, pick: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + self.deadline;
        loop {
            let from = self.seen.len();
            self.receive(end, what);
            if let Some(l) = self.seen[from..].iter().map(|l| trimmed(l)).find(|l| pick(l)) {
                return l.to_string();
            }
        }
    }

    /// The rest of the first stderr line (received before or from now on)
    /// that starts with `prefix`.
    #[track_caller]
    pub fn stderr_line_starting(&mut self, prefix: &str) -> String {
        let end = Instant::now() + self.deadline;
        loop {
            if let Some(l) = self.seen().find(|l| l.starts_with(prefix)) {
                return l[prefix.len()..].to_string();
            }
            self.receive(end, &format!("'{prefix}...'"));
        }
    }

    /// The address `loganon listen` printed for `kind` (udp, tcp).
    #[track_caller]
    pub fn listen_addr(&mut self, kind: &str) -> SocketAddr {
        let a = self.stderr_line_starting(&format!("loganon: listening on {kind} "));
        a.parse().unwrap_or_else(|e| panic!("not an address ({e}): {a}"))
    }

    /// The stderr lines received so far, without their line ends.
    pub fn seen(&self) -> impl Iterator<Item = &str> {
        self.seen.iter().map(|l| trimmed(l))
    }

    /// Reaps the process if it has ended.
    fn reap(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some((status, _)) = self.ended {
            return Ok(Some(status));
        }
        let pid = libc::pid_t::try_from(self.pid()).expect("a pid");
        let mut status = 0;
        // SAFETY: rusage is plain data, written by wait4.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child, which nothing else reaps.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        if r == pid {
            let status = ExitStatus::from_raw(status);
            self.ended = Some((status, ru.ru_maxrss * 1024));
            return Ok(Some(status));
        }
        Ok(None)
    }

    /// The exit status once the process has ended (reaping it), else `None`.
    #[track_caller]
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.reap().expect("wait4 on our child")
    }

    /// Waits for the exit (at most the deadline), then for the end of
    /// stderr; returns the status and all of stderr.
    #[track_caller]
    pub fn wait(&mut self) -> (ExitStatus, String) {
        self.wait_within(self.deadline)
    }

    /// As [`Proc::wait`], waiting at most `limit`.
    #[track_caller]
    pub fn wait_within(&mut self, limit: Duration) -> (ExitStatus, String) {
        let status = poll(limit, EVERY, "the process to exit", || self.exited());
        if let Some(rx) = self.stderr.take() {
            let end = Instant::now() + limit;
            loop {
                match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
                    Ok(l) => self.seen.push(text(&l)),
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => panic!("stderr still open {limit:?} after the exit"),
                }
            }
        }
        (status, self.stderr())
    }

    /// Peak RSS in bytes (after [`Proc::wait`]). Linux counts in it the
    /// high-water mark of the test process at the spawn (exec records the
    /// image it replaces): measure only in a test binary that stays small.
    #[track_caller]
    pub fn max_rss(&self) -> i64 {
        self.ended.expect("the process was waited for").1
    }

    /// All of stderr received so far (all of it after [`Proc::wait`]).
    pub fn stderr(&mut self) -> String {
        if let Some(rx) = &self.stderr {
            let more: Vec<Vec<u8>> = rx.try_iter().collect();
            self.seen.extend(more.iter().map(|l| text(l)));
        }
        self.seen.concat()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.child.stdin = None;
        if !matches!(self.reap(), Ok(None)) {
            return; // reaped (or not ours to kill)
        }
        if let Some(sig) = self.stop {
            kill(self.pid(), sig);
            let end = Instant::now() + Duration::from_secs(10);
            while Instant::now() < end {
                if !matches!(self.reap(), Ok(None)) {
                    return;
                }
                thread::sleep(EVERY);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
