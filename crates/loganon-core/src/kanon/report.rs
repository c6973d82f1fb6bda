//! What the widths give: per day, the output networks and requests below K.

/// The default K of the report (`--stats`, `check --k-report`).
pub const DEFAULT_K: u64 = 5;

/// The figures of one day (IPv4 and IPv6 together).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayReport {
    /// days since 1970
    pub day: i64,
    /// output networks used by clients
    pub networks: u64,
    /// of those, used by fewer than K distinct client addresses
    pub below_k: u64,
    /// lines with a counted client
    pub requests: u64,
    /// of those, in networks below K
    pub requests_below_k: u64,
    /// truncated networks written wider than their prefix (`--min-k`)
    pub widened: u64,
}

/// The k-anonymity report: per day, the output networks below K.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// the K the report is for
    pub k: u64,
    /// `--min-k` was applied (else: what plain truncation gives)
    pub enforced: bool,
    /// the days, in order
    pub days: Vec<DayReport>,
}

fn share(part: u64, all: u64) -> f64 {
    if all == 0 {
        0.0
    } else {
        part as f64 * 100.0 / all as f64
    }
}

impl Report {
    /// Days with a network below K.
    pub fn days_below_k(&self) -> usize {
        self.days.iter().filter(|d| d.below_k > 0).count()
    }

    /// One line per day; never an address or a network.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "loganon: k-anonymity, K={} ({}): {} day(s), {} with networks below K\n",
            self.k,
            if self.enforced {
                "enforced by --min-k"
            } else {
                "truncation alone"
            },
            self.days.len(),
            self.days_below_k()
        );
        for d in &self.days {
            s.push_str(&format!(
                "loganon:   {}: networks {}, below K {} ({:.1}% of {} requests), widened {}\n",
                crate::time::date_string(d.day * 86400),
                d.networks,
                d.below_k,
                share(d.requests_below_k, d.requests),
                d.requests,
                d.widened
            ));
        }
        s
    }

    /// The report as JSON (`--stats json`, `check --k-report --json`).
    pub fn to_json(&self) -> serde_json::Value {
        let days: Vec<_> = self
            .days
            .iter()
            .map(|d| {
                serde_json::json!({
                    "date": crate::time::date_string(d.day * 86400),
                    "networks": d.networks,
                    "below_k": d.below_k,
                    "requests": d.requests,
                    "requests_below_k": d.requests_below_k,
                    "share_below_k": (share(d.requests_below_k, d.requests) * 10.0).round() / 10.0,
                    "widened": d.widened,
                })
            })
            .collect();
        serde_json::json!({ "k": self.k, "enforced": self.enforced, "days": days })
    }
}
