//! The counters of `listen`, shared by readers, writer and the signal
//! handler, and their report (text or JSON): received, written, dropped by
//! the queue or by the kernel's socket buffers, discarded, connections
//! refused, evicted, closed idle or at the frame deadline.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::stats::Stats;

/// What readers, writer and the signal handler share.
pub struct Shared {
    pub received: AtomicU64,
    pub udp_dropped: AtomicU64,
    pub discarded: AtomicU64,
    /// kernel drops of UDP sockets already closed
    pub udp_kernel_closed: AtomicU64,
    /// inodes of the open UDP sockets (their drops are in /proc/net/udp*)
    pub udp_inodes: Mutex<Vec<u64>>,
    /// the writer's counters, published after each write
    pub stats: Mutex<Stats>,
    pub t0: Instant,
    /// TCP and unix connections open now
    pub open_conns: AtomicUsize,
    /// connections closed at once: `--max-connections` were open
    pub refused: AtomicU64,
    /// connections closed to make room for a new one (`--max-connections`
    /// were open): they held the oldest unfinished frame
    pub evicted: AtomicU64,
    /// connections closed after `--idle-timeout`
    pub idle_closed: AtomicU64,
    /// connections closed because their unfinished frame had begun
    /// `--frame-timeout` ago
    pub frame_timeouts: AtomicU64,
    /// the cap was reported on stderr since it was last left
    pub cap_told: AtomicBool,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            received: AtomicU64::new(0),
            udp_dropped: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            udp_kernel_closed: AtomicU64::new(0),
            udp_inodes: Mutex::new(Vec::new()),
            stats: Mutex::new(Stats::default()),
            t0: Instant::now(),
            open_conns: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            idle_closed: AtomicU64::new(0),
            frame_timeouts: AtomicU64::new(0),
            cap_told: AtomicBool::new(false),
        }
    }

    fn udp_kernel_drops(&self) -> u64 {
        let inodes = self.udp_inodes.lock().map(|v| v.clone()).unwrap_or_default();
        self.udp_kernel_closed.load(Ordering::Relaxed) + kernel_drops(&inodes)
    }

    /// The counters as a line of text or JSON.
    pub fn report(&self, fmt: Option<&str>) -> String {
        let stats = self.stats.lock().map(|s| s.clone()).unwrap_or_default();
        let secs = self.t0.elapsed().as_secs_f64();
        let received = self.received.load(Ordering::Relaxed);
        let dropped = self.udp_dropped.load(Ordering::Relaxed);
        let kernel = self.udp_kernel_drops();
        let discarded = self.discarded.load(Ordering::Relaxed);
        let refused = self.refused.load(Ordering::Relaxed);
        let evicted = self.evicted.load(Ordering::Relaxed);
        let idle = self.idle_closed.load(Ordering::Relaxed);
        let late = self.frame_timeouts.load(Ordering::Relaxed);
        if fmt == Some("json") {
            let mut j = stats.to_json(secs);
            j["received"] = received.into();
            j["written"] = stats.lines_written.into();
            j["udp_dropped"] = dropped.into();
            j["udp_dropped_kernel"] = kernel.into();
            j["discarded"] = discarded.into();
            j["connections_open"] = self.open_conns.load(Ordering::SeqCst).into();
            j["connections_refused"] = refused.into();
            j["connections_evicted"] = evicted.into();
            j["idle_closed"] = idle.into();
            j["frame_timeouts"] = late.into();
            format!("{j}\n")
        } else {
            format!(
                "loganon listen: received {received}, written {}, udp dropped {dropped} (queue full) + {kernel} \
                 (socket buffer), discarded {discarded} (too long or unfinished), connections refused \
                 {refused} (--max-connections), evicted {evicted} (held the oldest unfinished frame), idle \
                 closed {idle}, frame timeouts {late}; {}",
                stats.lines_written,
                stats.to_text(secs).trim_start_matches("loganon: ")
            )
        }
    }
}

/// The `drops` column of `/proc/net/udp` and `/proc/net/udp6` for these
/// socket inodes (0 where it cannot be read).
pub fn kernel_drops(inodes: &[u64]) -> u64 {
    if inodes.is_empty() {
        return 0;
    }
    let mut total = 0;
    for f in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 13 {
                continue;
            }
            if let (Ok(ino), Some(Ok(d))) = (cols[9].parse::<u64>(), cols.last().map(|d| d.parse::<u64>())) {
                if inodes.contains(&ino) {
                    total += d;
                }
            }
        }
    }
    total
}

pub fn socket_inode(fd: impl std::os::fd::AsFd) -> Option<u64> {
    rustix::fs::fstat(fd).ok().map(|st| st.st_ino)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_udp_drops_of_no_socket() {
        assert_eq!(kernel_drops(&[]), 0);
        assert_eq!(kernel_drops(&[u64::MAX]), 0);
    }
}
