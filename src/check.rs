//! `loganon check`: finds personal data left in logs. It runs the same
//! recognisers as the anonymizer with a sink that reports instead of
//! rewriting: addresses with host bits beyond the configured prefixes, emails,
//! MACs, deny-listed parameters with values, URL credentials, path
//! parameters, card numbers, and CLF ident/user fields or client host names.
//! Reported values are masked; the report never repeats personal data.

use std::collections::BTreeMap;
use std::net::Ipv6Addr;

use crate::addr::{self, AddrPolicy};
use crate::engine::hostname_cut;
use std::ops::Range;

use crate::formats::fields::Role;
use crate::formats::{clf, recognise, Ctx, Format, Recognised};
use crate::keyed::IpMode;
use crate::rules::Rules;
use crate::scan::{is_placeholder, scan, scan_escaped, Kind, Sink};

/// How many findings are listed with their location.
pub const FIRST_LOCATIONS: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub source: String,
    pub line: u64,
    /// the value with its personal part masked
    pub masked: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub lines: u64,
    pub lines_with_findings: u64,
    pub counts: BTreeMap<&'static str, u64>,
    pub first: Vec<Finding>,
}

impl Report {
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    fn push(&mut self, rule: &'static str, source: &str, line: u64, masked: String) {
        *self.counts.entry(rule).or_default() += 1;
        if self.first.len() < FIRST_LOCATIONS {
            self.first.push(Finding {
                rule,
                source: source.to_string(),
                line,
                masked,
            });
        }
    }

    pub fn to_text(&self) -> String {
        let mut s = format!(
            "loganon check: {} findings in {} of {} lines\n",
            self.total(),
            self.lines_with_findings,
            self.lines
        );
        for (rule, n) in &self.counts {
            s.push_str(&format!("  {rule}: {n}\n"));
        }
        for f in &self.first {
            s.push_str(&format!("  {}:{}: {} {}\n", f.source, f.line, f.rule, f.masked));
        }
        s
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "lines": self.lines,
            "lines_with_findings": self.lines_with_findings,
            "findings": self.total(),
            "per_rule": self.counts,
            "first": self.first.iter().map(|f| serde_json::json!({
                "source": f.source, "line": f.line, "rule": f.rule, "value": f.masked,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Masks an identifier: its first byte if printable ASCII, then `*` per byte
/// (at most 8), then its length.
pub fn mask(v: &[u8]) -> String {
    let mut s = String::new();
    if let Some(&b) = v.first() {
        if b.is_ascii_graphic() {
            s.push(b as char);
        } else {
            s.push('?');
        }
    }
    for _ in 1..v.len().min(8) {
        s.push('*');
    }
    format!("{s} ({} bytes)", v.len())
}

struct Collector<'a> {
    src: &'a [u8],
    policy: &'a AddrPolicy,
    ip_mode: IpMode,
    found: Vec<(&'static str, String)>,
}

impl Sink for Collector<'_> {
    fn ipv4(&mut self, _s: usize, _e: usize, a: u32) {
        let clean = match self.ip_mode {
            IpMode::Truncate => self.policy.v4_is_clean(a),
            // pseudonyms live in 240.0.0.0/4
            IpMode::Hash => a >> 28 == 0xF || self.policy.keeps_v4(a),
            // every address is a pseudonym: nothing to tell apart
            IpMode::CryptoPan => true,
            IpMode::Drop => a == 0 || self.policy.keeps_v4(a),
        };
        if !clean {
            let net = addr::v4_text(self.policy.truncate_v4(a));
            self.found
                .push(("ipv4", format!("{net}/{} + host bits", self.policy.ipv4_prefix)));
        }
    }

    fn ipv6(&mut self, _s: usize, _e: usize, a: u128, _enc: Option<u8>, _z: usize) {
        let clean = match (self.ip_mode, crate::addr::mapped_v4(a)) {
            (IpMode::Truncate, _) => self.policy.v6_is_clean(a),
            (IpMode::CryptoPan, _) => true,
            (IpMode::Hash, Some(v4)) => v4 >> 28 == 0xF || self.policy.keeps_v6(a),
            (IpMode::Hash, None) => a >> 120 == 0xfd || self.policy.keeps_v6(a),
            (IpMode::Drop, Some(v4)) => v4 == 0 || self.policy.keeps_v6(a),
            (IpMode::Drop, None) => a == 0 || self.policy.keeps_v6(a),
        };
        if !clean {
            let net = Ipv6Addr::from(self.policy.truncate_v6(a));
            self.found.push(("ipv6", format!("{net} + host bits")));
        }
    }

    fn redact(&mut self, s: usize, e: usize, kind: Kind) {
        self.found.push((kind.name(), mask(&self.src[s..e])));
    }

    fn remove(&mut self, s: usize, e: usize, kind: Kind) {
        self.found.push((kind.name(), mask(&self.src[s..e])));
    }
}

/// A user field holding nothing personal: `-` or a hashed identifier.
fn is_clean_user(v: &[u8]) -> bool {
    v == b"-" || crate::keyed::is_hashed_id(v)
}

/// The leak checker.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    pub rules: Rules,
    pub format: Format,
    /// the mode the logs were anonymized with: which addresses are clean
    pub ip_mode: IpMode,
}

impl Checker {
    /// Checks one line (without `\n`); `no` is its 1-based number in `source`.
    pub fn line(&self, line: &[u8], source: &str, no: u64, report: &mut Report) {
        self.line_in(line, source, no, &mut Ctx::default(), report)
    }

    /// [`Checker::line`] with the state carried from line to line (W3C columns).
    pub fn line_in(&self, line: &[u8], source: &str, no: u64, ctx: &mut Ctx, report: &mut Report) {
        report.lines += 1;
        let rules = &self.rules;
        let mut c = Collector {
            src: line,
            policy: &rules.addr,
            ip_mode: self.ip_mode,
            found: Vec::new(),
        };
        let user = |c: &mut Collector, r: Range<usize>| {
            if !is_clean_user(&line[r.clone()]) {
                c.found.push((Kind::UserField.name(), mask(&line[r])));
            }
        };
        let client = |c: &mut Collector, r: Range<usize>| {
            if hostname_cut(&line[r.clone()]).is_some() {
                c.found.push(("client-hostname", mask(&line[r.clone()])));
            }
            scan(line, r.start, r.end, rules, c);
        };
        match recognise(&self.format, line, &rules.deny, ctx) {
            Recognised::Clf(l) => {
                user(&mut c, l.ident.clone());
                user(&mut c, l.user.clone());
                if let Some(v) = &l.vhost {
                    scan(line, v.start, v.end, rules, &mut c);
                }
                client(&mut c, l.client.clone());
                scan(line, l.rest.start, l.rest.end, rules, &mut c);
            }
            Recognised::Fields(_) => {
                let f = &ctx.fields;
                let gaps = f.gaps == Some(Role::Generic);
                let mut pos = 0;
                for (r, role) in &f.list {
                    if gaps && r.start > pos {
                        scan(line, pos, r.start, rules, &mut c);
                    }
                    let v = &line[r.clone()];
                    match role {
                        Role::Client => client(&mut c, r.clone()),
                        Role::User => {
                            if !is_placeholder(v) {
                                c.found.push((Kind::UserField.name(), mask(v)));
                            }
                        }
                        Role::Secret => {
                            if !is_placeholder(v) {
                                c.found.push(("secret-field", mask(v)));
                            }
                        }
                        Role::SecretNumber => c.found.push(("secret-field", mask(v))),
                        Role::Time | Role::Verbatim => {}
                        Role::Generic => scan(line, r.start, r.end, rules, &mut c),
                        Role::GenericEscaped => scan_escaped(line, r.start, r.end, rules, &mut c),
                    }
                    pos = r.end;
                }
                if gaps && pos < line.len() {
                    scan(line, pos, line.len(), rules, &mut c);
                }
            }
            Recognised::Directive { fields: true } => {}
            Recognised::Directive { fields: false } => scan(line, 0, line.len(), rules, &mut c),
            Recognised::Unparsed => {
                if let Some(h) = clf::parse_head(line) {
                    user(&mut c, h.ident.clone());
                    user(&mut c, h.user.clone());
                }
                scan(line, 0, line.len(), rules, &mut c);
            }
        }
        if !c.found.is_empty() {
            report.lines_with_findings += 1;
        }
        for (rule, masked) in c.found {
            report.push(rule, source, no, masked);
        }
    }

    /// Checks a buffer of lines; `first_line` is the number of its first line.
    pub fn chunk(&self, chunk: &[u8], source: &str, first_line: u64, report: &mut Report) -> u64 {
        self.chunk_in(chunk, source, first_line, &mut Ctx::default(), report)
    }

    /// [`Checker::chunk`] with the state carried from the previous chunk.
    pub fn chunk_in(&self, chunk: &[u8], source: &str, first_line: u64, ctx: &mut Ctx, report: &mut Report) -> u64 {
        let mut no = first_line;
        for line in chunk.split_inclusive(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\n").unwrap_or(line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            self.line_in(line, source, no, ctx, report);
            no += 1;
        }
        no
    }
}

/// Convenience: the findings of a whole buffer with default rules.
pub fn check_bytes(rules: &Rules, data: &[u8]) -> Report {
    let c = Checker {
        rules: rules.clone(),
        ..Checker::default()
    };
    let mut r = Report::default();
    c.chunk(data, "-", 1, &mut r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_masks() {
        let r = check_bytes(
            &Rules::default(),
            b"1.2.3.4 - bob [1/Jan/2020:00:00:00 +0000] \"GET /?email=a@b.com HTTP/1.1\" 200 1\n1.2.3.0 ok 2001:db8::\n",
        );
        assert_eq!(r.counts.get("ipv4"), Some(&1));
        assert_eq!(r.counts.get("user-field"), Some(&1));
        assert_eq!(r.counts.get("deny-listed-parameter"), Some(&1));
        assert_eq!(r.total(), 3);
        assert_eq!(r.lines_with_findings, 1);
        let text = r.to_text();
        assert!(
            !text.contains("bob") && !text.contains("a@b.com") && !text.contains("1.2.3.4"),
            "{text}"
        );
        assert!(text.contains("-:1: ipv4 1.2.3.0/24 + host bits"), "{text}");
    }

    #[test]
    fn clean_input_has_no_findings() {
        let r = check_bytes(
            &Rules::default(),
            b"1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET /?token=REDACTED HTTP/1.1\" 200 1\n",
        );
        assert_eq!(r.total(), 0, "{}", r.to_text());
    }
}
