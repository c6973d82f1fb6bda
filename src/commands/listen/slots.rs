//! The `--max-connections` places of `listen`'s stream connections, and
//! who gives one up when all are taken.
//!
//! A new connection takes a free place. When none is free, it takes the
//! place of the connection whose unfinished frame began longest ago: that
//! one is told to close (its unfinished frame is discarded, counted as
//! `discarded`) and is counted as `connections_evicted`. Only when no
//! connection is inside a frame is the new one closed at once, counted as
//! `connections_refused`. A well-behaved sender ends each frame within
//! milliseconds of its start, and holds none between its messages; a
//! connection that trickles a frame, or stalls inside one, holds it for
//! seconds. So the slow ones go first, and a few hundred of them cannot keep
//! a new sender out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::counters::Shared;

/// The places, shared by the accepting tasks and the connections.
pub struct Slots {
    max: usize,
    shared: Arc<Shared>,
    inside: Mutex<Inside>,
}

/// The connections inside a frame.
#[derive(Default)]
struct Inside {
    /// the number of the next place given
    next: u64,
    /// by when their unfinished frame began (and their number)
    by_age: BTreeMap<(Instant, u64), Arc<Eviction>>,
}

/// How a connection is told that its place went to another.
#[derive(Default)]
struct Eviction {
    told: Notify,
    /// set (under the lock) when its place went to another: the count of
    /// open connections stays as it is when it ends
    gone: AtomicBool,
}

/// One place, held by a connection's task; given back when dropped.
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    /// when its unfinished frame began, as `by_age` has it
    since: Option<Instant>,
    eviction: Arc<Eviction>,
}

impl Slots {
    pub fn new(max: usize, shared: Arc<Shared>) -> Slots {
        Slots {
            max,
            shared,
            inside: Mutex::new(Inside::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inside> {
        self.inside.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection: a free one, else (when `evict`) the
    /// place of the connection whose unfinished frame is the oldest; None
    /// (counted, told once on stderr) when none can be had.
    pub fn take(self: &Arc<Self>, evict: bool) -> Option<Slot> {
        let sh = &self.shared;
        let mut inside = self.lock();
        if sh.open_conns.fetch_add(1, Ordering::SeqCst) >= self.max {
            sh.open_conns.fetch_sub(1, Ordering::SeqCst);
            let oldest = if evict { inside.by_age.pop_first() } else { None };
            self.tell_full();
            let Some((_, victim)) = oldest else {
                sh.refused.fetch_add(1, Ordering::Relaxed);
                return None;
            };
            // its place passes to the new connection
            victim.gone.store(true, Ordering::SeqCst);
            victim.told.notify_one();
            sh.evicted.fetch_add(1, Ordering::Relaxed);
        }
        let id = inside.next;
        inside.next += 1;
        Some(Slot {
            slots: self.clone(),
            id,
            since: None,
            eviction: Arc::default(),
        })
    }

    fn tell_full(&self) {
        if !self.shared.cap_told.swap(true, Ordering::Relaxed) {
            eprintln!(
                "loganon: {} connections are open (--max-connections); a new one takes the place of the one \
                 whose unfinished frame is the oldest (counted as connections_evicted), or is closed when \
                 none is inside a frame (counted as connections_refused)",
                self.max
            );
        }
    }
}

impl Slot {
    /// Says when the connection's unfinished frame began (None: it is
    /// between frames).
    pub fn inside_since(&mut self, since: Option<Instant>) {
        if since == self.since {
            return;
        }
        let mut inside = self.slots.lock();
        if self.eviction.gone.load(Ordering::SeqCst) {
            return;
        }
        if let Some(t) = self.since {
            inside.by_age.remove(&(t, self.id));
        }
        if let Some(t) = since {
            inside.by_age.insert((t, self.id), self.eviction.clone());
        }
        self.since = since;
    }

    /// Completes once the place went to a new connection.
    pub async fn evicted(&self) {
        self.eviction.told.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inside = self.slots.lock();
        if let Some(t) = self.since {
            inside.by_age.remove(&(t, self.id));
        }
        if !self.eviction.gone.load(Ordering::SeqCst) {
            let sh = &self.slots.shared;
            sh.open_conns.fetch_sub(1, Ordering::SeqCst);
            sh.cap_told.store(false, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn counts(sh: &Shared) -> (usize, u64, u64) {
        (
            sh.open_conns.load(Ordering::SeqCst),
            sh.evicted.load(Ordering::Relaxed),
            sh.refused.load(Ordering::Relaxed),
        )
    }

    #[test]
    fn a_full_set_gives_the_place_of_the_oldest_unfinished_frame() {
        let sh = Arc::new(Shared::new());
        let slots = Arc::new(Slots::new(3, sh.clone()));
        let t0 = Instant::now();
        let mut a = slots.take(true).unwrap();
        let mut b = slots.take(true).unwrap();
        let c = slots.take(true).unwrap();
        // a's frame began after b's; c is between frames
        a.inside_since(Some(t0 + Duration::from_secs(2)));
        b.inside_since(Some(t0 + Duration::from_secs(1)));
        let d = slots.take(true).unwrap();
        assert!(b.eviction.gone.load(Ordering::SeqCst));
        assert!(!a.eviction.gone.load(Ordering::SeqCst));
        assert_eq!(counts(&sh), (3, 1, 0));
        // b ends: its place was given already
        drop(b);
        assert_eq!(counts(&sh), (3, 1, 0));
        // a ends its frame: nobody is inside one, the next is refused
        a.inside_since(None);
        assert!(slots.take(true).is_none());
        assert_eq!(counts(&sh), (3, 1, 1));
        // while stopping, nobody is evicted
        a.inside_since(Some(t0));
        assert!(slots.take(false).is_none());
        assert_eq!(counts(&sh), (3, 1, 2));
        drop((a, c, d));
        assert_eq!(counts(&sh), (0, 1, 2));
        assert!(slots.lock().by_age.is_empty());
    }
}
