//! The format registry: every format the tool knows, in one table.
//!
//! Each format's file declares a [`FormatSpec`]: its name (the `--format`
//! name and the name of its counter), its help line, how it parses a line
//! under `--format NAME`, and the steps it adds to `--format auto`'s
//! detection, each with a rank. Adding a format is one new file with its
//! `SPEC` and one line in [`FORMATS`] (and its `pub mod` line); the
//! `--format` help and name list, the per-format counters (their order is
//! the order of [`FORMATS`]) and the detection order (`DETECTION`, by
//! rank) all come from here.

use super::{clf, cloud, json, squid, template, w3c, Ctx, Parsed, Recognised};
use crate::rules::DenyList;

/// Parses a line as one format: `kind` is the format's own counter, the
/// recognised line is returned, its fields and roles left in `ctx.fields`.
pub type ParseFn = fn(kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised>;

/// One format.
pub struct FormatSpec {
    /// the `--format` name and the counter's name
    pub name: &'static str,
    /// the `--format` help line; `None`: not a `--format` name (the
    /// templates, given by their `LogFormat` or `nginx:` string)
    pub help: Option<&'static str>,
    /// how a line parses under `--format NAME`
    pub parse: ParseFn,
    /// the steps of `--format auto`'s detection, each with its rank (lower
    /// first); see `DETECTION`
    pub detect: &'static [(u8, ParseFn)],
}

/// A parser that takes nothing (a format reached only another way).
pub fn none(_: Parsed, _: &[u8], _: &DenyList, _: &mut Ctx) -> Option<Recognised> {
    None
}

/// Every format; the order of the counters in the summaries.
pub const FORMATS: &[&FormatSpec] = &[
    &clf::COMMON,
    &clf::COMBINED,
    &clf::VHOST_COMBINED,
    &json::SPEC,
    &w3c::SPEC,
    &cloud::ALB,
    &cloud::ELB,
    &cloud::S3,
    &cloud::HAPROXY,
    &template::APACHE,
    &template::NGINX,
    &squid::SPEC,
];

/// How many formats (and counters) there are.
pub(crate) const KINDS: usize = FORMATS.len();

/// The counter named `name`; a name not in [`FORMATS`] fails the build.
pub const fn kind_of(name: &str) -> Parsed {
    let mut i = 0;
    while i < FORMATS.len() {
        if str_eq(FORMATS[i].name, name) {
            return Parsed(i as u8);
        }
        i += 1;
    }
    panic!("no such format in the registry")
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn detection_len() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < FORMATS.len() {
        n += FORMATS[i].detect.len();
        i += 1;
    }
    n
}

const DETECTION_LEN: usize = detection_len();

/// `--format auto`'s steps, by rank (ties: in the order of [`FORMATS`]):
/// each step's rank, the counter it reports and its parser. Built when
/// the program is compiled.
pub(crate) const DETECTION: [(u8, Parsed, ParseFn); DETECTION_LEN] = detection();

const fn detection() -> [(u8, Parsed, ParseFn); DETECTION_LEN] {
    let mut out: [(u8, Parsed, ParseFn); DETECTION_LEN] = [(0, Parsed(0), none as ParseFn); DETECTION_LEN];
    let mut n = 0;
    let mut i = 0;
    while i < FORMATS.len() {
        let steps = FORMATS[i].detect;
        let mut j = 0;
        while j < steps.len() {
            out[n] = (steps[j].0, Parsed(i as u8), steps[j].1);
            // insertion, stable
            let mut k = n;
            while k > 0 && out[k - 1].0 > out[k].0 {
                let t = out[k - 1];
                out[k - 1] = out[k];
                out[k] = t;
                k -= 1;
            }
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The names `--format` accepts, `auto` first.
pub fn names() -> Vec<&'static str> {
    std::iter::once("auto")
        .chain(FORMATS.iter().filter(|s| s.help.is_some()).map(|s| s.name))
        .collect()
}

/// The `--format` help line.
pub fn help() -> String {
    format!(
        "Log format: {}, an Apache LogFormat string (with %), or nginx:LOG_FORMAT",
        names().join(", ")
    )
}

/// The `--format` long help: one line per format.
pub fn long_help() -> String {
    let mut s = help();
    s.push_str("\n\n  auto: recognise each line among all the formats below");
    for f in FORMATS {
        if let Some(h) = f.help {
            s.push_str(&format!("\n  {}: {h}", f.name));
        }
    }
    s.push_str("\n  an Apache LogFormat string, e.g. '%h %l %u %t \"%r\" %>s %b'");
    s.push_str(
        "\n  nginx:LOG_FORMAT, an nginx log_format string, e.g. 'nginx:$remote_addr [$time_local] \"$request\"'",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_order() {
        let order: Vec<(u8, &str)> = DETECTION.iter().map(|(r, k, _)| (*r, k.name())).collect();
        assert_eq!(
            order,
            [
                (10, "w3c"),
                (20, "json"),
                (30, "w3c"),
                (40, "common"),
                (50, "alb"),
                (60, "elb"),
                (70, "s3"),
                (80, "haproxy"),
                (90, "squid"),
                (100, "w3c"),
            ]
        );
    }

    #[test]
    fn names_and_counters() {
        assert_eq!(
            names(),
            [
                "auto",
                "common",
                "combined",
                "vhost_combined",
                "json",
                "w3c",
                "alb",
                "elb",
                "s3",
                "haproxy",
                "squid"
            ]
        );
        let counters: Vec<&str> = Parsed::all().map(Parsed::name).collect();
        assert_eq!(
            counters,
            [
                "common",
                "combined",
                "vhost_combined",
                "json",
                "w3c",
                "alb",
                "elb",
                "s3",
                "haproxy",
                "apache_logformat",
                "nginx_log_format",
                "squid"
            ]
        );
        for (i, f) in FORMATS.iter().enumerate() {
            assert_eq!(kind_of(f.name), Parsed(i as u8), "{} twice in the registry", f.name);
        }
    }
}
