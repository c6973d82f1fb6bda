//! Daily traffic totals that outlive the raw logs: per date, requests, bytes,
//! status classes and distinct (truncated) client networks.
//!
//! The totals of a file are computed from its lines (raw or anonymized give the
//! same figures: status, size and truncated networks survive anonymization).
//! A [`Summary`] remembers which files it has counted, so a file is never
//! counted twice, and keeps the set of networks per date so that a date's
//! distinct count stays exact when several files hold lines of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::{hostname_cut, Engine};
use crate::formats::clf;
use crate::input::{Input, Source, READ_BUF};
use crate::stats::Stats;
use crate::time::{date_string, parse_clf_time};

/// The row of lines whose time cannot be read.
pub const UNDATED: &str = "undated";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub requests: u64,
    pub bytes: u64,
    pub status_2xx: u64,
    pub status_3xx: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
    pub status_other: u64,
    /// distinct client networks (kept when `nets` is pruned)
    pub networks: u64,
    /// the networks themselves, while more files of this date may come
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub nets: BTreeSet<String>,
}

impl Day {
    fn merge(&mut self, o: &Day) {
        self.requests += o.requests;
        self.bytes += o.bytes;
        self.status_2xx += o.status_2xx;
        self.status_3xx += o.status_3xx;
        self.status_4xx += o.status_4xx;
        self.status_5xx += o.status_5xx;
        self.status_other += o.status_other;
        self.nets.extend(o.nets.iter().cloned());
        self.networks = self.networks.max(self.nets.len() as u64);
    }
}

/// Totals per date, by date (`YYYY-MM-DD`).
pub type Days = BTreeMap<String, Day>;

/// Adds one line's figures to `days`.
pub fn add_line(engine: &Engine, line: &[u8], days: &mut Days) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(l) = clf::parse(line) else { return };
    let date = parse_clf_time(&line[l.time.clone()]).map_or_else(|| UNDATED.to_string(), date_string);
    let day = days.entry(date).or_default();
    day.requests += 1;
    let size = &line[l.size.clone()];
    if size.iter().all(u8::is_ascii_digit) {
        day.bytes += std::str::from_utf8(size)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
    }
    match line[l.status.clone()].first() {
        Some(b'2') => day.status_2xx += 1,
        Some(b'3') => day.status_3xx += 1,
        Some(b'4') => day.status_4xx += 1,
        Some(b'5') => day.status_5xx += 1,
        _ => day.status_other += 1,
    }
    // the network is the client field as anonymization leaves it
    let client = &line[l.client.clone()];
    let mut net = Vec::with_capacity(client.len());
    match hostname_cut(client) {
        Some(cut) => net.extend_from_slice(&client[cut..]),
        None => engine.fragment(client, &mut net, &mut Stats::default()),
    }
    day.nets.insert(String::from_utf8_lossy(&net).into_owned());
    day.networks = day.nets.len() as u64;
}

/// The totals of a whole file (plain or gzip).
pub fn totals_of_file(engine: &Engine, path: &Path) -> Result<Days, String> {
    let mut input = Input::open(&Source::File(path.to_path_buf())).map_err(|e| e.to_string())?;
    let mut days = Days::new();
    let mut buf = vec![0u8; READ_BUF];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = input.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        carry.extend_from_slice(&buf[..n]);
        if let Some(k) = memchr::memrchr(b'\n', &carry) {
            for line in carry[..k].split(|&b| b == b'\n') {
                add_line(engine, line, &mut days);
            }
            carry.drain(..=k);
        }
    }
    if !carry.is_empty() {
        add_line(engine, &carry, &mut days);
    }
    Ok(days)
}

/// A log set's summary: its days and the files already counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub days: Days,
    pub counted: BTreeSet<String>,
}

impl Summary {
    /// Adds a file's totals once; false when `key` was already counted.
    pub fn add_file(&mut self, key: &str, days: &Days) -> bool {
        if !self.counted.insert(key.to_string()) {
            return false;
        }
        for (date, d) in days {
            self.days.entry(date.clone()).or_default().merge(d);
        }
        true
    }

    /// Drops the network sets of dates before `before` (`YYYY-MM-DD`): no
    /// file of theirs can still come. Their counts stay.
    pub fn prune_nets(&mut self, before: &str) {
        for (date, d) in self.days.iter_mut() {
            if date.as_str() < before && date != UNDATED {
                d.nets.clear();
            }
        }
    }

    pub fn to_csv(&self) -> String {
        let mut s =
            String::from("date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks\n");
        for (date, d) in &self.days {
            s.push_str(&format!(
                "{date},{},{},{},{},{},{},{},{}\n",
                d.requests, d.bytes, d.status_2xx, d.status_3xx, d.status_4xx, d.status_5xx, d.status_other, d.networks
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_exact_distinct_networks() {
        let e = Engine::default();
        let mut a = Days::new();
        add_line(
            &e,
            b"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 100",
            &mut a,
        );
        add_line(
            &e,
            b"1.2.3.9 - - [01/Jan/2026:11:00:00 +0000] \"GET / HTTP/1.1\" 404 -",
            &mut a,
        );
        add_line(&e, b"not a log line", &mut a);
        let mut b = Days::new();
        add_line(
            &e,
            b"1.2.3.0 - - [01/Jan/2026:23:00:00 +0000] \"GET / HTTP/1.1\" 503 5",
            &mut b,
        );
        add_line(
            &e,
            b"9.9.9.9 - - [02/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 301 7",
            &mut b,
        );
        let mut s = Summary::default();
        assert!(s.add_file("a", &a));
        assert!(s.add_file("b", &b));
        assert!(!s.add_file("a", &a), "a file is counted once");
        assert_eq!(
            s.to_csv(),
            "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks\n\
             2026-01-01,3,105,1,0,1,1,0,1\n2026-01-02,1,7,0,1,0,0,0,1\n"
        );
        s.prune_nets("2026-01-02");
        assert!(s.days["2026-01-01"].nets.is_empty());
        assert_eq!(s.days["2026-01-01"].networks, 1);
    }
}
