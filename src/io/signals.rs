//! The one way loganon sees signals: SIGTERM/SIGINT (stop), SIGHUP (reopen
//! the output) and, for `listen`, SIGUSR1 (print the counters), each as a
//! flag, plus a pipe written on every signal that `poll` (or the runtime of
//! `listen`) watches, so a signal is acted on even while no input arrives.
//! Used by `anonymize` (stream and batch), `run` and `listen`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// SIGTERM/SIGINT/SIGHUP (and SIGUSR1 where asked), seen through flags and
/// a pipe that `poll` watches.
pub struct Signals {
    pub stop: Arc<AtomicBool>,
    pub hup: Arc<AtomicBool>,
    /// SIGUSR1 ([`Signals::install_server`] only; never set otherwise)
    pub usr1: Arc<AtomicBool>,
    wake: UnixStream,
    waker: UnixStream,
}

impl Signals {
    /// SIGTERM and SIGINT stop, SIGHUP is noted (batch, `run`).
    pub fn install() -> io::Result<Signals> {
        Signals::install_inner(true, false, false)
    }

    /// The stream's signals. With `term_stops` false (`--until-eof`),
    /// SIGTERM is ignored and only the end of input ends a stream: Apache
    /// signals its old piped logger at a graceful restart while the old
    /// children still write to it. A second stop signal ends the process at
    /// once (exit 1), even while a write to a stalled output blocks.
    pub fn install_with(term_stops: bool) -> io::Result<Signals> {
        Signals::install_inner(term_stops, true, false)
    }

    /// A server's signals (`listen`): those of [`Signals::install`], and
    /// SIGUSR1.
    pub fn install_server() -> io::Result<Signals> {
        Signals::install_inner(true, false, true)
    }

    fn install_inner(term_stops: bool, second_exits: bool, usr1: bool) -> io::Result<Signals> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
        let stop = Arc::new(AtomicBool::new(false));
        let hup = Arc::new(AtomicBool::new(false));
        let user = Arc::new(AtomicBool::new(false));
        let (wake, tx) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        if !term_stops {
            // SAFETY: setting a signal's disposition to SIG_IGN has no
            // preconditions (libc: neither rustix nor signal-hook has a safe
            // way to ignore one).
            unsafe {
                libc::signal(libc::SIGTERM, libc::SIG_IGN);
            }
        }
        let stops: &[i32] = if term_stops { &[SIGTERM, SIGINT] } else { &[SIGINT] };
        let seen = Arc::new(AtomicBool::new(false));
        for &sig in stops {
            if second_exits {
                let seen = seen.clone();
                // SAFETY: the action only swaps an atomic and calls _exit,
                // both async-signal-safe (libc's _exit: std's exit runs
                // destructors, rustix's exit_group is unsafe and unstable).
                unsafe {
                    signal_hook::low_level::register(sig, move || {
                        if seen.swap(true, Ordering::SeqCst) {
                            libc::_exit(1);
                        }
                    })?;
                }
            }
            signal_hook::flag::register(sig, stop.clone())?;
            signal_hook::low_level::pipe::register(sig, tx.try_clone()?)?;
        }
        // the flag is set before the pipe is written: whoever wakes on the
        // pipe sees it
        signal_hook::flag::register(SIGHUP, hup.clone())?;
        signal_hook::low_level::pipe::register(SIGHUP, tx.try_clone()?)?;
        if usr1 {
            signal_hook::flag::register(SIGUSR1, user.clone())?;
            signal_hook::low_level::pipe::register(SIGUSR1, tx.try_clone()?)?;
        }
        tx.set_nonblocking(true)?;
        Ok(Signals {
            stop,
            hup,
            usr1: user,
            wake,
            waker: tx,
        })
    }

    /// Flags and the pipe, with no handler registered (unit tests of the
    /// commands: the test process keeps its own signals; the second pass of
    /// a spooled stream, which a stop signal no longer ends).
    pub fn unhooked() -> io::Result<Signals> {
        let (wake, waker) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        waker.set_nonblocking(true)?;
        Ok(Signals {
            stop: Arc::new(AtomicBool::new(false)),
            hup: Arc::new(AtomicBool::new(false)),
            usr1: Arc::new(AtomicBool::new(false)),
            wake,
            waker,
        })
    }

    /// Wakes a reader waiting in `poll` (the consumer stopped).
    pub fn wake(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake_reader();
    }

    /// Wakes a reader waiting in `poll` without stopping the others (a
    /// batch consumer stopped one file).
    pub fn wake_reader(&self) {
        let _ = (&self.waker).write(&[1]);
    }

    /// The read end of the signal pipe, non-blocking, for a runtime to wait
    /// on (`listen`); read it empty after each wake-up.
    pub fn wake_stream(&self) -> io::Result<UnixStream> {
        self.wake.try_clone()
    }

    fn drain(&self) {
        let mut b = [0u8; 64];
        while let Ok(n) = (&self.wake).read(&mut b) {
            if n == 0 {
                break;
            }
        }
    }

    /// Waits until `fd` is readable or a signal arrives; true when readable.
    pub fn wait_readable(&self, fd: impl AsFd, timeout_ms: i32) -> bool {
        let (ready, woken) = poll_two(fd.as_fd(), self.wake.as_fd(), timeout_ms);
        if woken {
            self.drain();
        }
        ready
    }

    /// A reader of `file` (None: stdin) that waits in `poll` on it and on
    /// the signal pipe (see [`Polling`]).
    pub fn polling(&self, file: Option<File>) -> io::Result<Polling> {
        Ok(Polling {
            src: match file {
                Some(f) => Polled::File(f),
                None => Polled::Stdin(io::stdin()),
            },
            stop: self.stop.clone(),
            wake: self.wake.try_clone()?,
        })
    }
}

/// A reader that waits in `poll` on its descriptor and the signal pipe, so
/// a stop signal is seen while no input arrives (the read then fails, and
/// the caller sees the stop flag): stdin for the decoders, and FIFOs and
/// devices named as inputs (opened non-blocking, so `open` never waits for
/// a writer either).
pub struct Polling {
    src: Polled,
    stop: Arc<AtomicBool>,
    wake: UnixStream,
}

impl Read for Polling {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(io::Error::other("stopped by a signal"));
            }
            let (ready, woken) = poll_two(self.src.as_fd(), self.wake.as_fd(), -1);
            if woken {
                // another signal (SIGHUP): the flags say which; no spinning
                let mut b = [0u8; 64];
                while matches!((&self.wake).read(&mut b), Ok(n) if n > 0) {}
            }
            if ready {
                // unbuffered: what poll saw is read now, not held in a buffer
                match rustix::io::read(self.src.as_fd(), &mut *buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if e == rustix::io::Errno::INTR || e == rustix::io::Errno::AGAIN => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
}

/// What a [`Polling`] reads: stdin (left open) or a file it owns.
enum Polled {
    Stdin(io::Stdin),
    File(File),
}

impl AsFd for Polled {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Polled::Stdin(s) => s.as_fd(),
            Polled::File(f) => f.as_fd(),
        }
    }
}

/// Polls `fd` and `wake` for input, up to `timeout_ms` (-1: no limit);
/// (fd readable, wake readable). An interrupted poll is (false, false).
fn poll_two(fd: BorrowedFd<'_>, wake: BorrowedFd<'_>, timeout_ms: i32) -> (bool, bool) {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut fds = [
        PollFd::from_borrowed_fd(fd, PollFlags::IN),
        PollFd::from_borrowed_fd(wake, PollFlags::IN),
    ];
    let timeout = u32::try_from(timeout_ms).ok().map(|ms| Timespec {
        tv_sec: i64::from(ms / 1000),
        tv_nsec: i64::from(ms % 1000) * 1_000_000,
    });
    match poll(&mut fds, timeout.as_ref()) {
        Ok(n) if n > 0 => (!fds[0].revents().is_empty(), !fds[1].revents().is_empty()),
        _ => (false, false),
    }
}
