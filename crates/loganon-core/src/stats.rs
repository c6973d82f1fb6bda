//! Counters of what a run did, and their text and JSON summaries.

use crate::formats::Parsed;

/// What the engine did to a chunk, a file or a run; added up with
/// [`Stats::add`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read.
    pub lines_read: u64,
    /// Lines written.
    pub lines_written: u64,
    /// lines recognised, per format (indexed by [`Parsed`])
    pub parsed: [u64; crate::formats::PARSED_KINDS],
    /// Lines no format recognised (scrubbed, dropped or failed on).
    pub unparsed: u64,
    /// Lines dropped (`--on-unparsed drop`, `--max-age`).
    pub dropped: u64,
    /// lines dropped by `--max-age` (also counted in `dropped`)
    pub expired: u64,
    /// lines kept by `--max-age` because their time could not be read
    pub undated: u64,
    /// addresses whose text was rewritten
    pub addresses: u64,
    /// identifiers redacted or removed
    pub identifiers: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
}

impl Stats {
    /// Adds the counts of `o`.
    pub fn add(&mut self, o: &Stats) {
        self.lines_read += o.lines_read;
        self.lines_written += o.lines_written;
        for (a, b) in self.parsed.iter_mut().zip(o.parsed) {
            *a += b;
        }
        self.unparsed += o.unparsed;
        self.dropped += o.dropped;
        self.expired += o.expired;
        self.undated += o.undated;
        self.addresses += o.addresses;
        self.identifiers += o.identifiers;
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
    }

    /// Lines recognised, all formats together.
    pub fn parsed_total(&self) -> u64 {
        self.parsed.iter().sum()
    }

    fn mb_per_s(&self, seconds: f64) -> f64 {
        if seconds > 0.0 {
            self.bytes_in as f64 / 1e6 / seconds
        } else {
            0.0
        }
    }

    /// The `--stats` text, with the rate over `seconds`.
    pub fn to_text(&self, seconds: f64) -> String {
        let mut per = String::new();
        for p in Parsed::all() {
            let n = self.parsed[p.index()];
            if n > 0 {
                per.push_str(&format!(" {}={}", p.name(), n));
            }
        }
        format!(
            "loganon: lines read {}, written {}, parsed {} ({}), unparsed {}, dropped {} \
             (expired {}, undated kept {}), addresses rewritten {}, identifiers removed {}, bytes in {}, out {}, {:.3} s, {:.1} MB/s\n",
            self.lines_read,
            self.lines_written,
            self.parsed_total(),
            per.trim_start(),
            self.unparsed,
            self.dropped,
            self.expired,
            self.undated,
            self.addresses,
            self.identifiers,
            self.bytes_in,
            self.bytes_out,
            seconds,
            self.mb_per_s(seconds),
        )
    }

    /// The `--stats json` object, with the rate over `seconds`.
    pub fn to_json(&self, seconds: f64) -> serde_json::Value {
        let mut parsed = serde_json::Map::new();
        for p in Parsed::all() {
            parsed.insert(p.name().to_string(), self.parsed[p.index()].into());
        }
        serde_json::json!({
            "lines_read": self.lines_read,
            "lines_written": self.lines_written,
            "parsed": self.parsed_total(),
            "parsed_per_format": parsed,
            "unparsed": self.unparsed,
            "dropped": self.dropped,
            "expired": self.expired,
            "undated": self.undated,
            "addresses": self.addresses,
            "identifiers": self.identifiers,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "mb_per_s": (self.mb_per_s(seconds) * 10.0).round() / 10.0,
        })
    }
}
