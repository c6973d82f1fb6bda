//! The clock a command owns: the date of a line without a readable time in
//! the keyed modes (its day's keys) is the processing date, read from this
//! clock once per chunk by the [`pipeline`](crate::io::pipeline) (and by
//! `listen` per batch of lines), so a stream that runs past midnight gives
//! its later undated lines the new day's keys. The engine is handed the day;
//! it reads no clock.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The current Unix time (the system clock).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Unix seconds of a `SystemTime` (a file's modification time).
pub fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Unix seconds now: the system clock, `--now` pinned, or a test's.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock(..)")
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(now))
    }

    /// A clock stopped at `t` (`--now`, `run`'s time of the run).
    pub fn fixed(t: i64) -> Clock {
        Clock(Arc::new(move || t))
    }

    /// `--now` pinned when given, else the system clock.
    pub fn pinned_or_system(now: Option<i64>) -> Clock {
        now.map_or_else(Clock::system, Clock::fixed)
    }

    /// Any clock: `f` returns Unix seconds (tests step it across midnight).
    pub fn from_fn(f: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        (self.0)()
    }

    /// The day now (days since 1970).
    pub fn day(&self) -> i64 {
        self.now().div_euclid(86400)
    }
}

/// A test's clock: `times` in turn, one a reading, then the last again;
/// and how many times it was read.
#[cfg(test)]
pub(crate) fn stepping(times: &[i64]) -> (Clock, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let reads = Arc::new(AtomicUsize::new(0));
    let (r, times) = (reads.clone(), times.to_vec());
    let clock = Clock::from_fn(move || {
        let k = r.fetch_add(1, Ordering::SeqCst);
        times.get(k).or(times.last()).copied().unwrap_or(0)
    });
    (clock, reads)
}
