//! The format registry: every format the tool knows, in one table.
//!
//! Each format's file declares a [`FormatSpec`]: its name (the `--format`
//! name and the name of its counter), its help line, the steps it adds to
//! `--format auto`'s detection, each with a rank, and the format itself (a
//! [`LogFormat`](super::spec::LogFormat): how it parses a line under
//! `--format NAME`, its lines' time and figures, the state it carries from
//! line to line). Adding a format is one new file with its `SPEC` and one
//! line in [`FORMATS`] (and its `pub mod` line); the `--format` help and
//! name list, the per-format counters (their order is the order of
//! [`FORMATS`]), the detection order (`DETECTION`, by rank) and the state a
//! stream carries ([`StreamState::carry`]) all come from here. The registry
//! stands above the formats' files; none of them reads it.

use super::spec::{none, FormatSpec, ParseFn, Parsed, StreamState};
use super::{apache_error, clf, cloud, json, nginx_error, squid, template, w3c};

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
    &apache_error::SPEC,
    &nginx_error::SPEC,
];

/// How many formats (and counters) there are.
pub(crate) const KINDS: usize = FORMATS.len();

impl Parsed {
    /// `common`
    pub const COMMON: Parsed = kind_of("common");
    /// `combined`
    pub const COMBINED: Parsed = kind_of("combined");
    /// `vhost_combined`
    pub const VHOST_COMBINED: Parsed = kind_of("vhost_combined");
    /// `w3c`
    pub const W3C: Parsed = kind_of("w3c");
    /// An Apache `LogFormat` template.
    pub const APACHE: Parsed = kind_of("apache_logformat");
    /// An nginx `log_format` template.
    pub const NGINX: Parsed = kind_of("nginx_log_format");

    /// Every kind, in the order of the registry.
    pub fn all() -> impl Iterator<Item = Parsed> {
        (0..KINDS as u8).map(Parsed)
    }

    /// Its entry in the registry.
    pub fn spec(self) -> &'static FormatSpec {
        FORMATS[self.index()]
    }

    /// Its name (`--format` and the counters).
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

impl StreamState {
    /// Carries the state over `lines` (whole lines of the stream): each
    /// format takes what it keeps from them (W3C: the columns of the last
    /// `#Fields:`), so that the lines after them start as they left it.
    pub fn carry(&mut self, lines: &[u8]) {
        for spec in FORMATS {
            spec.format.carry(self, lines);
        }
    }
}

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
        .chain(ALIASES.iter().map(|(a, _)| *a))
        .collect()
}

/// Other names of formats: `nginx` is nginx's default `log_format`
/// (`combined`).
pub const ALIASES: &[(&str, &str)] = &[("nginx", "combined")];

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
    for (alias, name) in ALIASES {
        s.push_str(&format!("\n  {alias}: {name} (nginx's default log_format)"));
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
        // the steps of `--format auto` by rank (ties in the registry's
        // order); a format added with steps of its own takes its place
        // among these, which keep their order
        let order: Vec<(u8, &str)> = DETECTION.iter().map(|(r, k, _)| (*r, k.name())).collect();
        assert!(order.windows(2).all(|w| w[0].0 <= w[1].0), "{order:?}");
        let known = ["w3c", "json", "common", "alb", "elb", "s3", "haproxy", "squid"];
        let of_known: Vec<(u8, &str)> = order.into_iter().filter(|(_, n)| known.contains(n)).collect();
        assert_eq!(
            of_known,
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
    fn the_clf_family_counts_after_common() {
        // `clf`'s detection step counts a line by its member, the counters
        // that follow `common`'s
        assert_eq!(Parsed::COMBINED.0, Parsed::COMMON.0 + 1);
        assert_eq!(Parsed::VHOST_COMBINED.0, Parsed::COMMON.0 + 2);
    }

    #[test]
    fn names_and_counters() {
        // `--format` takes `auto` and each format with a help line, in the
        // registry's order; the templates are counted, never named
        let names = names();
        let named: Vec<&str> = FORMATS.iter().filter(|f| f.help.is_some()).map(|f| f.name).collect();
        assert_eq!(names[0], "auto");
        // then the aliases (`nginx`)
        assert_eq!(names[1..names.len() - ALIASES.len()], named[..]);
        assert_eq!(names[names.len() - ALIASES.len()..], ["nginx"]);
        assert!(!names.contains(&"apache_logformat") && !names.contains(&"nginx_log_format"));
        // each name once: a name is its counter
        for (i, f) in FORMATS.iter().enumerate() {
            assert_eq!(kind_of(f.name), Parsed(i as u8), "{} twice in the registry", f.name);
        }
    }
}
