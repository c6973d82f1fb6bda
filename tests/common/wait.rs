//! Waiting without sleeping for synchronisation: every wait polls for its
//! condition until a deadline, then fails naming what it waited for.

use std::thread;
use std::time::{Duration, Instant};

use super::child::Proc;

/// How long a condition is given before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The pause between two looks at a condition.
pub const EVERY: Duration = Duration::from_millis(10);

/// Calls `f` every `every` until it gives a value; panics naming `what`
/// once `limit` has passed.
#[track_caller]
pub fn poll<T>(limit: Duration, every: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out after {limit:?} waiting for: {what}");
        thread::sleep(every);
    }
}

/// Waits until `cond` holds, for at most [`DEADLINE`].
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    poll(DEADLINE, EVERY, what, || cond().then_some(()));
}

/// Waits until `cond` holds, for at most `limit`.
#[track_caller]
pub fn wait_until_within(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    poll(limit, EVERY, what, || cond().then_some(()));
}

/// Waits until `ready` holds (true) or `child` has ended (false), looking
/// every millisecond: a short moment of the child's run (its temporary file
/// exists) is not missed.
#[track_caller]
pub fn ready_or_exit(child: &mut Proc, what: &str, mut ready: impl FnMut() -> bool) -> bool {
    poll(DEADLINE, Duration::from_millis(1), what, || {
        if ready() {
            Some(true)
        } else if child.exited().is_some() {
            Some(false)
        } else {
            None
        }
    })
}
