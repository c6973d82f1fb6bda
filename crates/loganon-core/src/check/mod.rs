//! `loganon check`: finds personal data left in logs, as an oracle that is
//! independent of the anonymizer. It shares no recognizer with
//! [`crate::scan`] or `crate::decode`:
//!
//! - each line is decoded completely by its own decoder (one regular
//!   expression for every escape family: `%XX`, `%uXXXX`, `\xHH`, `\uXXXX`
//!   with surrogate pairs, `\"` and friends, HTML entities), applied again
//!   and again until nothing changes;
//! - deliberately simple detectors, regular expressions over the decoded
//!   text, then look for addresses with host bits beyond the configured
//!   prefixes, emails, MACs, deny-listed parameters with values, URL
//!   credentials and Luhn-valid card numbers in parameter values;
//! - the format's roles (from [`crate::formats`], which only splits a line
//!   into fields) add CLF ident/user fields, secret fields and client host
//!   names.
//!
//! A miss in one is caught by the other: tests run the anonymizer's output
//! through this checker. Reported values are masked; the report never
//! repeats personal data.
//!
//! The folder mirrors the scanner's: this entry (the [`Checker`], the
//! [`Report`], the roles of the parsed fields); `decode` (the decoder);
//! `detect` (the detectors in the order they run); one file of detectors
//! per family (`addresses`, `contact`, `payment`, `credentials`, `params`,
//! `devices`), each the independent counterpart of the scanner's file of
//! the same name; and `oracle` (the findings of a line and the judgments
//! they need: clean addresses, masks).

mod addresses;
mod contact;
mod credentials;
mod decode;
mod detect;
mod devices;
mod legend;
mod location;
mod oracle;
mod params;
mod payment;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::formats::fields::Role;
use crate::formats::record::{record, RoleWalk};
use crate::formats::{broken, recognise, Ctx, Format, Recognised};
use crate::keyed::IpMode;
use crate::rules::Rules;

pub use decode::decode_fully;
pub use legend::{legend, LEGEND};
use oracle::{is_clean_value, Oracle};
pub use oracle::{mask, FIRST_LOCATIONS};

/// One place where personal data was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it (`ipv4`, `email`, `param`, ...).
    pub rule: &'static str,
    /// The input it is in, as named in messages.
    pub source: String,
    /// Its line in that input, 1-based.
    pub line: u64,
    /// the value with its personal part masked
    pub masked: String,
}

/// What `check` found over its inputs: counts per rule and the first
/// locations ([`FIRST_LOCATIONS`] at most).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Lines read.
    pub lines: u64,
    /// Lines with at least one finding.
    pub lines_with_findings: u64,
    /// Findings per rule.
    pub counts: BTreeMap<&'static str, u64>,
    /// The first findings, in input order.
    pub first: Vec<Finding>,
    /// Each input's own figures and verdict, in order (filled by the
    /// caller that reads the inputs, see [`Report::file_done`]).
    pub files: Vec<FileVerdict>,
    /// Lines per format that recognised them (`unparsed`: none did).
    pub formats: BTreeMap<&'static str, u64>,
    /// Findings per date of their line's own time (`undated`: none).
    pub days: BTreeMap<String, u64>,
    /// the earlier pieces of the line in hand had findings (see
    /// [`Checker::piece_in`])
    open_line_found: bool,
}

/// One input's figures in a [`Report`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileVerdict {
    /// the input, as named in messages
    pub source: String,
    /// its lines read
    pub lines: u64,
    /// its lines with at least one finding
    pub lines_with_findings: u64,
    /// its findings
    pub findings: u64,
}

impl FileVerdict {
    /// `clean`, or `NOT CLEAN`.
    pub fn verdict(&self) -> &'static str {
        if self.findings == 0 {
            "clean"
        } else {
            "NOT CLEAN"
        }
    }
}

impl Report {
    /// Findings in all.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Records that the input `source` was read to here: its figures are
    /// what the report gained since `before` (the report as the input
    /// began).
    pub fn file_done(&mut self, source: &str, before: (u64, u64, u64)) {
        let (lines, with, found) = before;
        self.files.push(FileVerdict {
            source: source.to_string(),
            lines: self.lines - lines,
            lines_with_findings: self.lines_with_findings - with,
            findings: self.total() - found,
        });
    }

    /// The figures [`Report::file_done`] takes as `before`.
    pub fn mark(&self) -> (u64, u64, u64) {
        (self.lines, self.lines_with_findings, self.total())
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

    /// The report as `check` prints it: the totals; with findings or more
    /// than one input, a verdict per input; with findings, the count of
    /// each rule with what it finds, and the first findings ("the first 20
    /// of 130").
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "loganon check: {} findings in {} of {} lines\n",
            self.total(),
            self.lines_with_findings,
            self.lines
        );
        if self.total() > 0 || self.files.len() > 1 {
            for f in &self.files {
                s.push_str(&format!(
                    "  {}: {}, {} findings in {} of {} lines\n",
                    f.source,
                    f.verdict(),
                    f.findings,
                    f.lines_with_findings,
                    f.lines
                ));
            }
        }
        if self.total() == 0 {
            return s;
        }
        s.push_str("findings by rule:\n");
        for (rule, n) in &self.counts {
            s.push_str(&format!("  {rule}: {n} ({})\n", legend(rule)));
        }
        let shown = self.first.len() as u64;
        if shown < self.total() {
            s.push_str(&format!("the first {shown} of {} findings:\n", self.total()));
        } else {
            s.push_str(&format!("the {shown} findings:\n"));
        }
        for f in &self.first {
            s.push_str(&format!("  {}:{}: {} {}\n", f.source, f.line, f.rule, f.masked));
        }
        s
    }

    /// The report as `check --json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "lines": self.lines,
            "lines_with_findings": self.lines_with_findings,
            "findings": self.total(),
            "per_rule": self.counts,
            "legend": self.counts.keys().map(|r| (r.to_string(), legend(r))).collect::<BTreeMap<_, _>>(),
            "files": self.files.iter().map(|f| serde_json::json!({
                "source": f.source, "lines": f.lines, "lines_with_findings": f.lines_with_findings,
                "findings": f.findings, "verdict": f.verdict(),
            })).collect::<Vec<_>>(),
            "shown": self.first.len(),
            "formats": self.formats,
            "per_day": self.days,
            "first": self.first.iter().map(|f| serde_json::json!({
                "source": f.source, "line": f.line, "rule": f.rule, "value": f.masked,
            })).collect::<Vec<_>>(),
        })
    }
}

/// A client field holding a host name with more than two labels (the
/// anonymizer keeps only the last two), or with two or more under a local
/// network's top-level label (`johns-iphone.lan`: only `lan` is kept).
fn is_long_hostname(v: &[u8]) -> bool {
    if !(v.iter().any(u8::is_ascii_alphabetic)
        && v.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    {
        return false;
    }
    let name = v.strip_suffix(b".").unwrap_or(v);
    let labels = name.split(|&b| b == b'.').count();
    let tld = name.rsplit(|&b| b == b'.').next().unwrap_or(b"").to_ascii_lowercase();
    let local = matches!(
        &tld[..],
        b"lan"
            | b"local"
            | b"localdomain"
            | b"home"
            | b"internal"
            | b"intranet"
            | b"corp"
            | b"private"
            | b"localnet"
            | b"workgroup"
    );
    labels >= 3 || (labels == 2 && local)
}

/// A user field holding nothing personal: `-` or a hashed identifier.
fn is_clean_user(v: &[u8]) -> bool {
    v == b"-" || crate::keyed::is_hashed_id(v)
}

/// The leak checker.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// The prefixes and deny list the logs were anonymized with.
    pub rules: Rules,
    /// How lines are recognised (`--format`).
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
        let mut o = Oracle::new(&rules.addr, self.ip_mode, &rules.deny);
        o.location = rules.location;
        let (kind, time) = self.roles(line, ctx, &mut o, 0);
        *report.formats.entry(kind).or_default() += 1;
        // and what the detectors find anywhere in the decoded line
        o.text(&decode_fully(line));
        if !o.found.is_empty() | std::mem::take(&mut report.open_line_found) {
            report.lines_with_findings += 1;
        }
        let found = report.total();
        for (rule, masked) in o.found.first {
            report.push(rule, source, no, masked);
        }
        for (rule, n) in o.found.more {
            *report.counts.entry(rule).or_default() += n;
        }
        let n = report.total() - found;
        if n > 0 {
            let date = time.map_or_else(|| crate::summary::UNDATED.to_string(), crate::time::date_string);
            *report.days.entry(date).or_default() += n;
        }
    }

    /// A piece of line `no`, a line too long to be held whole: checked like
    /// a line, but the line is counted once, when its last piece comes
    /// through [`Checker::line_in`] (the next line checked).
    pub fn piece_in(&self, piece: &[u8], source: &str, no: u64, ctx: &mut Ctx, report: &mut Report) {
        let (lines, with) = (report.lines, report.lines_with_findings);
        let before = std::mem::take(&mut report.open_line_found);
        let formats = report.formats.clone();
        self.line_in(piece, source, no, ctx, report);
        report.formats = formats;
        // (a piece's findings count on its date: pieces have no time of
        // their own but the line's, which only the first piece may hold)
        report.open_line_found = before || report.lines_with_findings > with;
        report.lines = lines;
        report.lines_with_findings = with;
    }

    /// What the roles a format gives to whole fields find: a user field
    /// that is not `-`, a secret that is not `REDACTED`, a client host name.
    /// A JSON string that holds a line or an object is read for its roles
    /// too, down to `depth` 2 (its escapes undone by serde_json, not by the
    /// anonymizer's decoder).
    fn roles(&self, line: &[u8], ctx: &mut Ctx, o: &mut Oracle, depth: u8) -> (&'static str, Option<i64>) {
        let rules = &self.rules;
        let user = |o: &mut Oracle, r: Range<usize>| {
            if !is_clean_user(&line[r.clone()]) {
                o.found.push(("user-field", mask(&line[r])));
            }
        };
        let client = |o: &mut Oracle, r: Range<usize>| {
            if is_long_hostname(&line[r.clone()]) {
                o.found.push(("client-hostname", mask(&line[r])));
            }
        };
        let format = if depth == 0 { &self.format } else { &Format::Auto };
        let rec = recognise(format, line, &rules.deny, ctx);
        let kind = match rec {
            Recognised::Fields(p) | Recognised::Directive(p) => p.name(),
            Recognised::Unparsed => "unparsed",
        };
        let time = record(format, &rec, line, ctx).and_then(|f| f.unix_time);
        let kind = (kind, time);
        // a line no format took: the roles it still has (a broken CLF
        // head's ident and user, a JSON object's fields up to its break),
        // as the anonymizer gives them
        if matches!(rec, Recognised::Unparsed) && !broken(line, &rules.deny, ctx) {
            return kind;
        }
        // (a directive has no fields)
        if matches!(rec, Recognised::Directive(_)) {
            return kind;
        }
        // The fields and their roles come from the one role walk (the
        // parsing is shared); what is clean is judged here, on its own.
        // A CLF user is clean only as `-` or a hashed id (the anonymizer
        // writes no REDACTED there); its client is judged after its users.
        let walk = RoleWalk::of(&ctx.fields);
        let clf = walk.dash_users();
        let mut clf_client = None;
        for (r, role) in walk.iter() {
            let v = &line[r.clone()];
            match role {
                Role::Client if clf => clf_client = Some(r),
                Role::User if clf => user(o, r),
                Role::Client => client(o, r),
                Role::User if !is_clean_value(v) => o.found.push(("user-field", mask(v))),
                Role::Secret if !is_clean_value(v) => o.found.push(("secret-field", mask(v))),
                Role::SecretNumber => o.found.push(("secret-field", mask(v))),
                Role::Location => o.location_value(v),
                // an address as an integer: clean when its host bits are zero
                Role::ClientNumber => match std::str::from_utf8(v).ok().and_then(|t| t.parse::<u32>().ok()) {
                    Some(a) => o.text(std::net::Ipv4Addr::from(a).to_string().as_bytes()),
                    None => o.found.push(("secret-field", mask(v))),
                },
                Role::GenericEscaped
                    if depth < 2
                        && (v.windows(2).any(|w| w == b"\\\"")
                            || v.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0022"))) =>
                {
                    // a line or an object inside a JSON string
                    let mut quoted = Vec::with_capacity(v.len() + 2);
                    quoted.push(b'"');
                    quoted.extend_from_slice(v);
                    quoted.push(b'"');
                    if let Ok(inner) = serde_json::from_slice::<String>(&quoted) {
                        let inner = inner.trim_end_matches(['\n', '\r']);
                        let _ = self.roles(inner.as_bytes(), &mut Ctx::default(), o, depth + 1);
                    }
                }
                _ => {}
            }
        }
        if let Some(r) = clf_client {
            client(o, r);
        }
        kind
    }

    /// Checks a buffer of lines; `first_line` is the number of its first line.
    pub fn chunk(&self, chunk: &[u8], source: &str, first_line: u64, report: &mut Report) -> u64 {
        self.chunk_in(chunk, source, first_line, &mut Ctx::default(), report)
    }

    /// [`Checker::chunk`] with the state carried from the previous chunk.
    pub fn chunk_in(&self, chunk: &[u8], source: &str, first_line: u64, ctx: &mut Ctx, report: &mut Report) -> u64 {
        let mut no = first_line;
        // lines end at `\n`, `\r\n` or a lone `\r` (see `crate::lines`)
        for line in crate::lines::lines(chunk) {
            self.line_in(line.text(), source, no, ctx, report);
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
        // the value is also an email: two detectors, two findings
        assert_eq!(r.counts.get("email"), Some(&1));
        assert_eq!(r.total(), 4);
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
