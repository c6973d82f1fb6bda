//! Daily traffic totals that outlive the raw logs: per date, requests, bytes,
//! status classes and distinct (truncated) client networks.
//!
//! The totals of a file are computed from its lines (raw or anonymized give the
//! same figures: status, size and truncated networks survive anonymization).
//! A [`Summary`] remembers which files it has counted, so a file is never
//! counted twice, and keeps the distinct networks of each date still open
//! ([`Distinct`]: exact up to `EXACT_MAX` networks, then a HyperLogLog
//! sketch of fixed size), so that a date's count stays right when several
//! files hold lines of it, while the state stays small whatever the traffic.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::engine::walk::hostname_cut;
use crate::engine::Engine;
use crate::formats::record::record;
use crate::formats::{recognise, Ctx};
use crate::stats::Stats;
use crate::time::date_string;

/// The row of lines whose time cannot be read.
pub const UNDATED: &str = "undated";

/// The CSV's first line. `incomplete_files`: files deleted past
/// `delete_after` whose totals could not be read to their end (a corrupt
/// `.gz`): counted on the date of their modification time, whose figures
/// (and those of the days before) may be low.
pub const CSV_HEADER: &str =
    "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks,incomplete_files";

/// The header of the CSVs written before `incomplete_files` (taken in, and
/// rewritten with the new header).
const OLD_CSV_HEADER: &str = "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks";

/// Why an existing summary CSV was not taken in; its text is the message
/// shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The first line is not [`CSV_HEADER`].
    #[error("line 1 is not the header '{CSV_HEADER}'")]
    NoHeader,
    /// This line (1-based) is not a date and 9 numbers (8 under the old header).
    #[error("line {0} is not a row of the summary (a date and 9 numbers)")]
    NotARow(usize),
}

/// Registers of the sketch: 2^14, a standard error of 1.04/sqrt(2^14) = 0.8%.
const HLL_BITS: u32 = 14;
const HLL_M: usize = 1 << HLL_BITS;
/// Networks counted exactly: up to as many 8-byte hashes as the sketch has
/// bytes, so a date never takes more than 16 KiB (22 KiB in base64).
pub(crate) const EXACT_MAX: usize = HLL_M / 8;

/// The distinct networks of a date: their 64-bit hashes (BLAKE3, stable
/// across versions) while there are at most `EXACT_MAX`, then a
/// HyperLogLog sketch (Flajolet et al. 2007, 64-bit hashes, linear counting
/// for small counts). Both merge exactly: a union of sets, a maximum of
/// registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Distinct {
    /// The hashes themselves, up to a bound.
    Exact(BTreeSet<u64>),
    /// The registers of the sketch.
    Sketch(Box<[u8]>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Exact(BTreeSet::new())
    }
}

/// The hash of a network as the sets and sketches keep it.
pub fn net_hash(net: &[u8]) -> u64 {
    let h = blake3::hash(net);
    let b: [u8; 8] = h.as_bytes()[..8].try_into().unwrap_or([0; 8]);
    u64::from_le_bytes(b)
}

impl Distinct {
    /// Whether no network was inserted.
    pub fn is_empty(&self) -> bool {
        matches!(self, Distinct::Exact(s) if s.is_empty())
    }

    /// Whether the count went past the exact set into the sketch.
    pub fn is_sketch(&self) -> bool {
        matches!(self, Distinct::Sketch(_))
    }

    /// Counts the network of hash `h` ([`net_hash`]).
    pub fn insert(&mut self, h: u64) {
        match self {
            Distinct::Exact(s) => {
                s.insert(h);
                if s.len() > EXACT_MAX {
                    let mut regs = vec![0u8; HLL_M].into_boxed_slice();
                    for &h in s.iter() {
                        sketch_add(&mut regs, h);
                    }
                    *self = Distinct::Sketch(regs);
                }
            }
            Distinct::Sketch(regs) => sketch_add(regs, h),
        }
    }

    /// Adds the networks of `o`.
    pub fn merge(&mut self, o: &Distinct) {
        match (&mut *self, o) {
            (Distinct::Sketch(a), Distinct::Sketch(b)) => {
                for (a, b) in a.iter_mut().zip(b.iter()) {
                    *a = (*a).max(*b);
                }
            }
            (_, Distinct::Exact(b)) => {
                for &h in b {
                    self.insert(h);
                }
            }
            (Distinct::Exact(a), Distinct::Sketch(b)) => {
                let mut regs = b.clone();
                for &h in a.iter() {
                    sketch_add(&mut regs, h);
                }
                *self = Distinct::Sketch(regs);
            }
        }
    }

    /// The number of distinct networks: exact, or the sketch's estimate.
    pub fn count(&self) -> u64 {
        match self {
            Distinct::Exact(s) => s.len() as u64,
            Distinct::Sketch(regs) => {
                let m = HLL_M as f64;
                let zeros = regs.iter().filter(|&&r| r == 0).count();
                let sum: f64 = regs.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
                let alpha = 0.7213 / (1.0 + 1.079 / m);
                let raw = alpha * m * m / sum;
                let e = if raw <= 2.5 * m && zeros > 0 {
                    m * (m / zeros as f64).ln()
                } else {
                    raw
                };
                e.round() as u64
            }
        }
    }
}

fn sketch_add(regs: &mut [u8], h: u64) {
    let idx = (h >> (64 - HLL_BITS)) as usize;
    // the rank of the first 1 bit after the index bits (a guard bit ends it)
    let w = (h << HLL_BITS) | (1 << (HLL_BITS - 1));
    let rank = w.leading_zeros() as u8 + 1;
    if let Some(r) = regs.get_mut(idx) {
        *r = (*r).max(rank);
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= c.len() {
                s.push(B64[(n >> shift) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = B64.iter().position(|&c| c == b)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// In the state: `x:` and the sorted hashes (8 bytes each, little-endian),
/// or `h:` and the registers, in base64.
impl Serialize for Distinct {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let text = match self {
            Distinct::Exact(set) => {
                let bytes: Vec<u8> = set.iter().flat_map(|h| h.to_le_bytes()).collect();
                format!("x:{}", b64_encode(&bytes))
            }
            Distinct::Sketch(regs) => format!("h:{}", b64_encode(regs)),
        };
        ser.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Distinct {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || de::Error::custom("not a set of networks (x:...) or a sketch (h:...)");
        let (kind, body) = s.split_once(':').ok_or_else(bad)?;
        let bytes = b64_decode(body).ok_or_else(bad)?;
        match kind {
            "x" if bytes.len() % 8 == 0 => Ok(Distinct::Exact(
                bytes
                    .chunks(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                    .collect(),
            )),
            "h" if bytes.len() == HLL_M => Ok(Distinct::Sketch(bytes.into_boxed_slice())),
            _ => Err(bad()),
        }
    }
}

/// One date's totals in a summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    /// Requests (lines) of the day.
    pub requests: u64,
    /// Bytes sent, as the lines say.
    pub bytes: u64,
    /// Responses with a 2xx status.
    pub status_2xx: u64,
    /// Responses with a 3xx status.
    pub status_3xx: u64,
    /// Responses with a 4xx status.
    pub status_4xx: u64,
    /// Responses with a 5xx status.
    pub status_5xx: u64,
    /// Responses with no status or another one.
    pub status_other: u64,
    /// distinct client networks (kept when `distinct` is pruned); set when a
    /// file's days are merged into a [`Summary`]
    pub networks: u64,
    /// the networks themselves, while more files of this date may come
    #[serde(default, skip_serializing_if = "Distinct::is_empty")]
    pub distinct: Distinct,
    /// the networks as older versions kept them (read, never written)
    #[serde(default, skip_serializing)]
    pub nets: BTreeSet<String>,
    /// files whose totals could not be read to their end, counted on this
    /// date (see [`CSV_HEADER`])
    #[serde(default, skip_serializing_if = "is_zero")]
    pub incomplete: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Day {
    fn merge(&mut self, o: &Day) {
        self.requests = self.requests.saturating_add(o.requests);
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.status_2xx = self.status_2xx.saturating_add(o.status_2xx);
        self.status_3xx = self.status_3xx.saturating_add(o.status_3xx);
        self.status_4xx = self.status_4xx.saturating_add(o.status_4xx);
        self.status_5xx = self.status_5xx.saturating_add(o.status_5xx);
        self.status_other = self.status_other.saturating_add(o.status_other);
        self.incomplete = self.incomplete.saturating_add(o.incomplete);
        self.distinct.merge(&o.distinct);
        self.networks = self.networks.max(self.distinct.count());
    }

    /// Moves networks kept by older versions into `distinct`.
    fn upgrade(&mut self) {
        for n in std::mem::take(&mut self.nets) {
            self.distinct.insert(net_hash(n.as_bytes()));
        }
    }

    /// The larger of each figure (a row of the CSV met again).
    fn at_least(&mut self, o: &Day) -> bool {
        let before = self.clone();
        self.requests = self.requests.max(o.requests);
        self.bytes = self.bytes.max(o.bytes);
        self.status_2xx = self.status_2xx.max(o.status_2xx);
        self.status_3xx = self.status_3xx.max(o.status_3xx);
        self.status_4xx = self.status_4xx.max(o.status_4xx);
        self.status_5xx = self.status_5xx.max(o.status_5xx);
        self.status_other = self.status_other.max(o.status_other);
        self.networks = self.networks.max(o.networks);
        self.incomplete = self.incomplete.max(o.incomplete);
        *self != before
    }
}

/// Totals per date, by date (`YYYY-MM-DD`).
pub type Days = BTreeMap<String, Day>;

/// Adds one line's figures to `days` (a line on its own: W3C columns set
/// by a directive apply through [`add_line_in`]).
pub fn add_line(engine: &Engine, line: &[u8], days: &mut Days) {
    add_line_in(engine, line, &mut Ctx::default(), days);
}

/// [`add_line`] with the state carried from line to line. A line of any
/// format counts on the date of its own time (its [`record`]'s; `undated`
/// when it has none), with its status class, its bytes and its client's
/// network where the format has them (its [`LogFormat::figures`](crate::formats::LogFormat::figures)): CLF's status and
/// size, JSON status and size keys, W3C `sc-status` and `sc-bytes`, the
/// cloud formats', HAProxy's and Squid's columns, a template's `%>s`,
/// `%b`, `$status`, `$body_bytes_sent`. A line without a status counts as
/// `status_other`, one without bytes (or `-`) adds 0.
pub fn add_line_in(engine: &Engine, line: &[u8], ctx: &mut Ctx, days: &mut Days) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let format = &engine.opts.format;
    let rec = recognise(format, line, &engine.opts.rules.deny, ctx);
    let Some(fig) = record(format, &rec, line, ctx) else {
        return;
    };
    let date = fig.unix_time.map_or_else(|| UNDATED.to_string(), date_string);
    let day = days.entry(date).or_default();
    day.requests += 1;
    day.bytes = day.bytes.saturating_add(fig.bytes.map_or(0, |r| byte_count(&line[r])));
    match fig.status.and_then(|r| line[r].first().copied()) {
        Some(b'2') => day.status_2xx += 1,
        Some(b'3') => day.status_3xx += 1,
        Some(b'4') => day.status_4xx += 1,
        Some(b'5') => day.status_5xx += 1,
        _ => day.status_other += 1,
    }
    // the network is the client field as anonymization leaves it (the keyed
    // modes with the keys of the line's own date, day 0 for an undated line:
    // the same network counts once in a day whenever the file is read)
    if let Some(r) = fig.client {
        let key_day = fig.unix_time.map_or(0, |t| t.div_euclid(86400));
        day.distinct.insert(net_hash(&network(engine, &line[r], key_day)));
    }
}

/// A bytes field's count: its digits (after HAProxy's `+` of `option
/// logasap`); 0 for `-` or anything else.
fn byte_count(v: &[u8]) -> u64 {
    let v = v.strip_prefix(b"+").unwrap_or(v);
    if !v.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The address of a client field without its port: `1.2.3.4:5678` ->
/// `1.2.3.4`, `[2001:db8::1]:443` -> `2001:db8::1` (ALB, ELB, HAProxy,
/// Envoy write the port), so that one network counts once whatever the
/// port.
fn without_port(client: &[u8]) -> &[u8] {
    if let Some(inner) = client.strip_prefix(b"[") {
        if let Some(k) = memchr::memchr(b']', inner) {
            return &inner[..k];
        }
    }
    match crate::addr::parse_v4_at(client, 0) {
        Some((_, e)) if client.get(e) == Some(&b':') && client[e + 1..].iter().all(u8::is_ascii_digit) => &client[..e],
        _ => client,
    }
}

/// The network of a client field: the field (without a port) as
/// anonymization leaves it, on `day` in the keyed modes.
fn network(engine: &Engine, client: &[u8], day: i64) -> Vec<u8> {
    let client = without_port(client);
    let mut net = Vec::with_capacity(client.len());
    match hostname_cut(client) {
        Some(cut) => net.extend_from_slice(&client[cut..]),
        None => engine.fragment(client, day, None, &mut net, &mut Stats::default()),
    }
    net
}

/// A log set's summary: its days and the files already counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The totals per date (`YYYY-MM-DD`, or `undated`).
    pub days: Days,
    /// The files already counted (their keys), so none counts twice.
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
                d.distinct = Distinct::default();
                d.nets.clear();
            }
        }
    }

    /// Moves networks kept by older versions of the state into the sets.
    pub fn upgrade(&mut self) {
        for d in self.days.values_mut() {
            d.upgrade();
        }
    }

    /// Takes in the rows of an existing CSV (`text`), so that a summary is
    /// never rebuilt from a state that lost them (a state moved away): a
    /// date the summary lacks is added as it is, a date it has keeps the
    /// larger of each figure. True when something changed. An error names
    /// the line that is not a row of ours.
    pub fn merge_csv(&mut self, text: &str) -> Result<bool, CsvError> {
        let mut lines = text.lines();
        let fields = match lines.next() {
            None => return Ok(false),
            Some(h) if h == CSV_HEADER => 10,
            Some(h) if h == OLD_CSV_HEADER => 9,
            Some(_) => return Err(CsvError::NoHeader),
        };
        let mut changed = false;
        for (n, line) in lines.enumerate() {
            let no = n + 2;
            if line.is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').collect();
            let num = |k: usize| f[k].parse::<u64>().ok();
            let date_ok = f[0] == UNDATED
                || (f[0].len() == 10
                    && f[0].bytes().enumerate().all(|(i, b)| {
                        if i == 4 || i == 7 {
                            b == b'-'
                        } else {
                            b.is_ascii_digit()
                        }
                    }));
            let nums: Option<Vec<u64>> = if f.len() == fields {
                (1..fields).map(num).collect()
            } else {
                None
            };
            let (true, Some(v)) = (date_ok, nums) else {
                return Err(CsvError::NotARow(no));
            };
            let row = Day {
                requests: v[0],
                bytes: v[1],
                status_2xx: v[2],
                status_3xx: v[3],
                status_4xx: v[4],
                status_5xx: v[5],
                status_other: v[6],
                networks: v[7],
                incomplete: v.get(8).copied().unwrap_or(0),
                ..Day::default()
            };
            match self.days.get_mut(f[0]) {
                Some(d) => changed |= d.at_least(&row),
                None => {
                    self.days.insert(f[0].to_string(), row);
                    changed = true;
                }
            }
        }
        Ok(changed)
    }

    /// The summary file: [`CSV_HEADER`] and a row per date.
    pub fn to_csv(&self) -> String {
        let mut s = format!("{CSV_HEADER}\n");
        for (date, d) in &self.days {
            s.push_str(&format!(
                "{date},{},{},{},{},{},{},{},{},{}\n",
                d.requests,
                d.bytes,
                d.status_2xx,
                d.status_3xx,
                d.status_4xx,
                d.status_5xx,
                d.status_other,
                d.networks,
                d.incomplete
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
            "date,requests,bytes,status_2xx,status_3xx,status_4xx,status_5xx,status_other,networks,incomplete_files\n\
             2026-01-01,3,105,1,0,1,1,0,1,0\n2026-01-02,1,7,0,1,0,0,0,1,0\n"
        );
        s.prune_nets("2026-01-02");
        assert!(s.days["2026-01-01"].distinct.is_empty());
        assert_eq!(s.days["2026-01-01"].networks, 1);
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..20 {
            let b: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64_decode(&b64_encode(&b)).unwrap(), b);
        }
        assert_eq!(b64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64_encode(b"fo"), "Zm8=");
    }

    #[test]
    fn distinct_is_exact_then_a_bounded_sketch() {
        let mut d = Distinct::default();
        for i in 0..EXACT_MAX as u32 {
            d.insert(net_hash(format!("10.{}.{}.0", i >> 8, i & 255).as_bytes()));
        }
        assert!(!d.is_sketch());
        assert_eq!(d.count(), EXACT_MAX as u64);
        // two files of one date, overlapping by half
        let mut a = Distinct::default();
        let mut b = Distinct::default();
        for i in 0..200_000u32 {
            let h = net_hash(format!("{}.{}.{}.0", i >> 16, (i >> 8) & 255, i & 255).as_bytes());
            if i < 150_000 {
                a.insert(h);
            }
            if i >= 50_000 {
                b.insert(h);
            }
        }
        assert!(a.is_sketch() && b.is_sketch());
        a.merge(&b);
        let n = a.count() as f64;
        assert!((n - 200_000.0).abs() / 200_000.0 < 0.03, "{n}");
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.len() < 23_000, "{}", json.len());
        let back: Distinct = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        let exact: Distinct = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(exact, d);
    }

    #[test]
    fn old_network_sets_are_read_and_upgraded() {
        let old = r#"{"days":{"2026-01-01":{"requests":3,"bytes":5,"status_2xx":3,"status_3xx":0,
            "status_4xx":0,"status_5xx":0,"status_other":0,"networks":2,"nets":["1.2.3.0","5.6.7.0"]}},
            "counted":["a|1|2|3"]}"#;
        let mut s: Summary = serde_json::from_str(old).unwrap();
        s.upgrade();
        let d = &s.days["2026-01-01"];
        assert!(d.nets.is_empty());
        assert_eq!(d.distinct.count(), 2);
        let mut one = Days::new();
        add_line(
            &Engine::default(),
            b"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
            &mut one,
        );
        s.add_file("b", &one);
        assert_eq!(s.days["2026-01-01"].networks, 2, "1.2.3.0 was known");
    }

    #[test]
    fn every_format_counts_on_the_date_of_its_own_time() {
        let e = Engine::default();
        let mut days = Days::new();
        let mut ctx = Ctx::default();
        for l in [
            r#"{"time":"2013-05-01T23:59:59Z","remote_addr":"1.2.3.4"}"#,
            r#"{"ts":1367452800.5,"remote_addr":"1.2.3.9"}"#,
            "#Fields: date time c-ip cs-method cs-uri-stem sc-status",
            "2013-05-02 10:00:00 5.6.7.8 GET /a 200",
            "1367452800.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x - DIRECT/93.184.216.34 text/html",
            r#"{"remote_addr":"1.2.3.4"}"#,
        ] {
            add_line_in(&e, l.as_bytes(), &mut ctx, &mut days);
        }
        let mut s = Summary::default();
        s.add_file("f", &days);
        assert_eq!(
            s.to_csv(),
            format!(
                "{CSV_HEADER}\n2013-05-01,1,0,0,0,0,0,1,1,0\n2013-05-02,3,411,2,0,0,0,1,3,0\nundated,1,0,0,0,0,0,1,1,0\n"
            )
        );
    }

    #[test]
    fn csv_rows_are_merged_never_dropped() {
        let mut s = Summary::default();
        let csv = format!("{CSV_HEADER}\n2026-01-01,10,100,10,0,0,0,0,3,0\nundated,1,0,0,0,0,0,1,1,2\n");
        assert!(s.merge_csv(&csv).unwrap());
        assert!(!s.merge_csv(&csv).unwrap(), "the same rows change nothing");
        assert_eq!(s.to_csv(), csv);
        let mut more = Days::new();
        add_line(
            &Engine::default(),
            b"9.9.9.9 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 404 7",
            &mut more,
        );
        s.add_file("f", &more);
        assert!(
            s.to_csv().contains("\n2026-01-01,11,107,10,0,1,0,0,3,0\n"),
            "{}",
            s.to_csv()
        );
        let e = s.merge_csv(&format!("{CSV_HEADER}\n2026-01-02,1,2\n")).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(s.merge_csv("date,requests\n").unwrap_err(), CsvError::NoHeader);
        // a CSV of older versions (no incomplete_files) is taken in, and
        // rewritten with the column
        let mut old = Summary::default();
        let head = CSV_HEADER.trim_end_matches(",incomplete_files");
        assert!(old
            .merge_csv(&format!("{head}\n2026-01-01,10,100,10,0,0,0,0,3\n"))
            .unwrap());
        assert_eq!(
            old.to_csv(),
            format!("{CSV_HEADER}\n2026-01-01,10,100,10,0,0,0,0,3,0\n")
        );
        let e = old
            .merge_csv(&format!("{head}\n2026-01-01,10,100,10,0,0,0,0,3,0\n"))
            .unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
