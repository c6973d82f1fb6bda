//! Log formats: recognising a line's fields so that rules apply by role.
//!
//! `--format auto` tries, per line: W3C directives (which set the columns of
//! the lines after them), JSON (by its first byte, or after a prefix), W3C
//! data lines (when a `#Fields:` directive is in force), the CLF family, then
//! the AWS, HAProxy and Squid formats, then W3C data lines with no
//! `#Fields:` in force (see `w3c::parse_headerless`). A named format tries
//! itself first, then detection (a line of another format is never passed
//! on unparsed). A line none of them takes is tried once more after a
//! syslog or container-runtime prefix ([`wrap`]); a line still not taken
//! may keep the roles of a broken CLF head or of a JSON object cut short
//! ([`broken`]).
//!
//! Every format implements one trait ([`LogFormat`]: how it reads a line,
//! its lines' time and figures, the state it keeps from line to line) and is
//! one entry of the [`registry`] (its name, help and place in that order);
//! a format's fields and their roles come in one form ([`fields::Fields`],
//! walked as a [`record::RoleWalk`]). The layers: [`spec`] and
//! [`fields`] at the ground, each format's file over them, the registry
//! over the formats, and this file on top. [`syslog`] is no line format: it
//! takes the message out of a syslog frame (for `listen`).

pub mod apache_error;
pub mod clf;
pub mod cloud;
pub mod fields;
pub mod json;
pub mod messages;
pub mod nested;
pub mod nginx_error;
pub mod record;
pub mod registry;
pub mod spec;
pub mod squid;
pub mod syslog;
pub mod template;
pub mod w3c;
pub mod wrap;

use std::fmt;
use std::sync::Arc;

use crate::rules::DenyList;
use fields::Role;
pub use spec::{Ctx, Figures, FormatSpec, LogFormat, Parsed, Recognised, StreamState};
use template::Template;

/// The `--format` choice.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// recognise each line among all supported formats
    #[default]
    Auto,
    /// a format of the [registry](registry::FORMATS), by its name
    Named(Parsed),
    /// an Apache `LogFormat` or an nginx `log_format` string
    Template(Arc<Template>),
}

/// How many kinds of parsed lines there are (the formats of the registry).
pub const PARSED_KINDS: usize = registry::KINDS;

/// The formats' former variants, kept as names for existing callers; a
/// new format needs none (`Format::from_name` finds it in the registry).
#[allow(non_upper_case_globals)]
impl Format {
    /// `--format common`
    pub const Common: Format = Format::Named(Parsed::COMMON);
    /// `--format combined`
    pub const Combined: Format = Format::Named(Parsed::COMBINED);
    /// `--format vhost_combined`
    pub const VhostCombined: Format = Format::Named(Parsed::VHOST_COMBINED);
    /// `--format json`
    pub const Json: Format = Format::Named(registry::kind_of("json"));
    /// `--format w3c`
    pub const W3c: Format = Format::Named(Parsed::W3C);
    /// `--format alb`
    pub const Alb: Format = Format::Named(registry::kind_of("alb"));
    /// `--format elb`
    pub const Elb: Format = Format::Named(registry::kind_of("elb"));
    /// `--format s3`
    pub const S3: Format = Format::Named(registry::kind_of("s3"));
    /// `--format haproxy`
    pub const Haproxy: Format = Format::Named(registry::kind_of("haproxy"));
    /// `--format squid`
    pub const Squid: Format = Format::Named(registry::kind_of("squid"));
}

/// Why a `--format` value was refused; its text is the message shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `nginx:` and a `log_format` string that does not parse.
    #[error("nginx log_format: {0}")]
    Nginx(template::TemplateError),
    /// An Apache `LogFormat` string (it holds a `%`) that does not parse.
    #[error("Apache LogFormat: {0}")]
    Apache(template::TemplateError),
    /// None of these: the name given and the accepted names.
    #[error("unknown format '{0}'; accepted: {1}, an Apache LogFormat string (with %), or nginx:LOG_FORMAT")]
    Unknown(String, String),
}

impl Format {
    /// Parses a `--format` value: a name, an Apache `LogFormat` string (it
    /// holds a `%`), or `nginx:` and a `log_format` string. The error lists the
    /// accepted values.
    pub fn from_name(s: &str) -> Result<Format, FormatError> {
        if s == "auto" {
            return Ok(Format::Auto);
        }
        let s = registry::ALIASES
            .iter()
            .find(|(a, _)| *a == s)
            .map_or(s, |(_, name)| *name);
        if let Some(i) = registry::FORMATS.iter().position(|f| f.help.is_some() && f.name == s) {
            return Ok(Format::Named(Parsed(i as u8)));
        }
        Ok(match s {
            _ if s.starts_with("nginx:") => Format::Template(Arc::new(
                template::nginx(&s["nginx:".len()..]).map_err(FormatError::Nginx)?,
            )),
            _ if s.contains('%') => Format::Template(Arc::new(template::apache(s).map_err(FormatError::Apache)?)),
            _ => return Err(FormatError::Unknown(s.to_string(), registry::names().join(", "))),
        })
    }

    /// The format given, and the counter its lines take (`None`: `auto`).
    /// Whether `rec` is a reading of the format given (`--format X`), not
    /// one that detection made of a line X does not take (the fail-closed
    /// fallback of [`recognise`]: a structure guessed, which the rules may
    /// turn into a line X takes); under `auto`, any reading. False for a
    /// line no format took.
    pub fn read_as_given(&self, rec: &Recognised) -> bool {
        match (self.given(), rec.parsed()) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some((_, kind)), Some(p)) => p == kind,
        }
    }

    fn given(&self) -> Option<(&dyn LogFormat, Parsed)> {
        match self {
            Format::Auto => None,
            Format::Named(p) => Some((p.spec().format, *p)),
            Format::Template(t) => {
                let kind = if t.kind == "nginx" {
                    Parsed::NGINX
                } else {
                    Parsed::APACHE
                };
                Some((&**t, kind))
            }
        }
    }

    /// The format that read a line counted as `kind`: the one given, or
    /// the registry's (detection found another).
    pub fn reader(&self, kind: Parsed) -> &dyn LogFormat {
        match self.given() {
            Some((f, k)) if k == kind => f,
            _ => kind.spec().format,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Auto => f.write_str("auto"),
            Format::Named(p) => f.write_str(p.name()),
            Format::Template(t) if t.kind == "nginx" => write!(f, "nginx:{}", t.source),
            Format::Template(t) => f.write_str(&t.source),
        }
    }
}

/// The Unix time (seconds, UTC) of a recognised line, in every format (its
/// [`LogFormat::time`]): the CLF time, the value of a JSON time key, a W3C
/// `date` and `time`, the ISO 8601 time of ALB and ELB, S3's and HAProxy's
/// bracketed times, Squid's Unix time, a template's `%t`, `%{FORMAT}t`,
/// `$time_local`, `$time_iso8601` or `$msec`. Times without a zone
/// (HAProxy's, a W3C line's, an ISO 8601 time without offset) are UTC.
/// `None` for a line with no time that can be read (and for directives and
/// unparsed lines).
///
/// It parses the time each time it is called: callers ask only when they
/// need it (`--max-age`, the keyed modes' day, the summaries).
pub(crate) fn line_time(format: &Format, rec: &Recognised, line: &[u8], ctx: &Ctx) -> Option<i64> {
    match rec {
        Recognised::Fields(kind) => format.reader(*kind).time(line, &ctx.fields),
        Recognised::Directive(_) | Recognised::Unparsed => None,
    }
}

/// Recognises a line (without its line ending) under `format`.
#[inline]
pub fn recognise(format: &Format, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Recognised {
    // the common case first, kept small: a CLF line under `auto` (no format
    // keeps a state that claims it first, and it is no JSON line)
    if let Format::Auto = format {
        if line.first() != Some(&b'#') && ctx.stream.is_empty() {
            if let Some(l) = clf::parse(line) {
                if json::object_start(line).is_none() {
                    return clf::recognised(Parsed::COMMON, line, &l, &mut ctx.fields);
                }
            }
        }
    }
    recognise_slow(format, line, deny, ctx)
}

#[inline(never)]
fn recognise_slow(format: &Format, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Recognised {
    let r = recognise_as(format, line, deny, ctx);
    if !matches!(r, Recognised::Unparsed) {
        return r;
    }
    // Fail closed: `--format X` given a line of another format is
    // recognised as whatever it is rather than passed on unparsed.
    if *format != Format::Auto {
        let r = recognise_as(&Format::Auto, line, deny, ctx);
        if !matches!(r, Recognised::Unparsed) {
            return r;
        }
    }
    // A line wrapped in a syslog or container-runtime prefix: the line
    // after it, with the prefix scanned.
    if let Some(p) = wrap::inner_start(line) {
        if let Recognised::Fields(kind) = recognise_slow(&Format::Auto, &line[p..], deny, ctx) {
            let f = &mut ctx.fields;
            f.shift(p);
            f.list.insert(0, (0..p, Role::Generic));
            // (the fields that repeat moved one place on)
            f.repeats <<= 1;
            return Recognised::Fields(kind);
        }
    }
    Recognised::Unparsed
}

/// [`recognise`] under `format` only: the format given, or the steps of
/// [`registry::DETECTION`] in turn.
fn recognise_as(format: &Format, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Recognised {
    let r = match format.given() {
        None => registry::DETECTION
            .iter()
            .find_map(|(_, kind, parse)| parse(*kind, line, deny, ctx)),
        Some((f, kind)) => f.parse(kind, line, deny, ctx),
    };
    r.unwrap_or(Recognised::Unparsed)
}

/// The roles a line no format took still has (`--on-unparsed scrub`, the
/// first piece of a line too long to hold, a line nested in a JSON string,
/// and `check`): a CLF line with a broken rest, or cut after its user field
/// (after a prefix too), keeps the roles of its head (the text up to its
/// client, scanned as one piece: a pair may span them, `"ip": x - bob
/// [...`; its ident and user); a JSON object cut short or followed by text
/// keeps the roles of its fields up to the break; a line that holds a
/// server's message with a user name (`user bob not found`, `user "bob":
/// password mismatch`) keeps that name's role. The fields go to
/// `ctx.fields`, the bytes between them are scanned; false when the line
/// is neither.
pub fn broken(line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> bool {
    let f = &mut ctx.fields;
    if let Some(h) = clf::parse_broken(line) {
        f.clear();
        f.gaps = Some(Role::Generic);
        f.dash_users = true;
        f.push(0..h.client.end, Role::Generic);
        f.push(h.ident, Role::User);
        f.push(h.user, Role::User);
        return true;
    }
    if json::object_start(line)
        .and_then(|k| json::parse_lenient(line, k, deny, f, &mut ctx.json))
        .is_some()
    {
        return true;
    }
    // a server's message after a prefix no format knows (Apache through
    // syslog, a docker-compose prefix), or the rest of a line a user name
    // cut: the names with the known words around them
    f.clear();
    f.gaps = Some(Role::Generic);
    messages::user_names(line, 0, f, false);
    !f.list.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The time `format` reads in each line, the lines one after another
    /// (W3C directives set the columns of the lines after them).
    fn times(format: &Format, lines: &[&str]) -> Vec<Option<i64>> {
        let mut ctx = Ctx::default();
        let deny = DenyList::default();
        lines
            .iter()
            .map(|l| {
                let rec = recognise(format, l.as_bytes(), &deny, &mut ctx);
                line_time(format, &rec, l.as_bytes(), &ctx)
            })
            .collect()
    }

    // 2026-01-01T10:00:00Z
    const T: i64 = 1_767_261_600;

    #[test]
    fn every_format_gives_its_time() {
        let auto = [
            // CLF
            r#"1.2.3.4 - - [01/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200 1"#,
            // JSON: ISO 8601, epoch seconds, milliseconds, CLF, ECS
            r#"{"time":"2026-01-01T10:00:00.5Z","remote_addr":"1.2.3.4"}"#,
            r#"{"level":"info","ts":1767261600.5241024,"request":{"remote_ip":"1.2.3.4"}}"#,
            r#"{"timestamp":1767261600123,"ip":"1.2.3.4"}"#,
            r#"{"time_local":"01/Jan/2026:10:00:00 +0000","remote_addr":"1.2.3.4"}"#,
            r#"{"@timestamp":"2026-01-01T12:00:00+02:00","source":{"ip":"1.2.3.4"}}"#,
            r#"{"event":{"created":"2026-01-01T10:00:00Z"},"client":{"ip":"1.2.3.4"}}"#,
            // the best key wins, wherever it is; nested `time` keys do not count
            r#"{"event.created":"2020-01-01T00:00:00Z","req":{"time":"2021-01-01"},"@timestamp":"2026-01-01T10:00:00Z"}"#,
            // JSON after a container runtime's prefix
            r#"2025-12-31T17:37:40Z stdout F {"time":"2026-01-01T10:00:00Z","ip":"1.2.3.4"}"#,
            // ALB, ELB, S3, HAProxy after syslog, Squid
            r#"h2 2026-01-01T10:00:00.186641Z app/lb/50dc 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" - -"#,
            r#"2026-01-01T10:00:00.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#,
            r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:10:00:00 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /bucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#,
            r#"Sep 25 06:05:27 host haproxy[6801]: 4.3.2.1:55008 [01/Jan/2026:10:00:00.584] ft~ bk/abc 0/0/0/72/72 200 7456 - - ---- 5/4/0/1/0 0/0 "POST /user/ HTTP/1.1""#,
            "1767261600.779    180 192.168.0.224 TCP_MISS/200 411 GET http://example.com/x - DIRECT/93.184.216.34 text/html",
            // W3C without a `#Fields:` in force (IIS columns)
            "2026-01-01 10:00:00 10.0.0.1 GET /a - 80 - 1.2.3.4 Mozilla - 200 0 0 15",
            // W3C: IIS, CloudFront (tabs), `time date`, a `timestamp` column
            "#Fields: date time s-ip cs-method cs-uri-stem c-ip sc-status",
            "2026-01-01 10:00:00 10.0.0.1 GET /a 1.2.3.4 200",
            "#Fields:\tdate\ttime\tx-edge-location\tc-ip\tcs-method\tcs-uri-stem\tsc-status",
            "2026-01-01\t10:00:00.250\tLAX1\t1.2.3.4\tGET\t/a\t200",
            "#Fields: time date c-ip",
            "10:00:00 2026-01-01 1.2.3.4",
            "#Fields: timestamp c-ip sc-status",
            "1767261600.541 1.2.3.4 200",
        ];
        let got = times(&Format::Auto, &auto);
        let want: Vec<Option<i64>> = auto.iter().map(|l| (!l.starts_with('#')).then_some(T)).collect();
        for ((l, g), w) in auto.iter().zip(&got).zip(&want) {
            assert_eq!(g, w, "{l}");
        }
    }

    #[test]
    fn templates_give_their_time() {
        let cases: &[(&str, &str)] = &[
            (
                r#"%h %l %u %t "%r" %>s %b"#,
                r#"1.2.3.4 - - [01/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200 1"#,
            ),
            ("%h %{%Y-%m-%d %H:%M:%S}t %>s", "1.2.3.4 2026-01-01 10:00:00 200"),
            (
                "%h [%{%d/%b/%Y:%H:%M:%S %z}t] %>s",
                "1.2.3.4 [01/Jan/2026:12:00:00 +0200] 200",
            ),
            ("%h %{msec}t %>s", "1.2.3.4 1767261600123 200"),
            ("%h %{begin:sec}t %>s", "1.2.3.4 1767261600 200"),
            ("%h %{%s}t.%{msec_frac}t %>s", "1.2.3.4 1767261600.123 200"),
            (
                "nginx:$remote_addr [$time_local] $status",
                "1.2.3.4 [01/Jan/2026:10:00:00 +0000] 200",
            ),
            (
                "nginx:$remote_addr $time_iso8601 $status",
                "1.2.3.4 2026-01-01T11:00:00+01:00 200",
            ),
            ("nginx:$msec $remote_addr $status", "1767261600.123 1.2.3.4 200"),
        ];
        for (fmt, line) in cases {
            let f = Format::from_name(fmt).unwrap();
            assert_eq!(times(&f, &[line]), [Some(T)], "{fmt}");
        }
        // a template with no time, and one whose time is not one
        let f = Format::from_name("%h %>s").unwrap();
        assert_eq!(times(&f, &["1.2.3.4 200"]), [None]);
        let f = Format::from_name("%h %{%Y-%m-%d}t %>s").unwrap();
        assert_eq!(times(&f, &["1.2.3.4 yesterday 200"]), [None]);
    }

    #[test]
    fn lines_without_a_time_are_undated() {
        let lines = [
            r#"{"remote_addr":"1.2.3.4","status":200}"#,
            r#"{"time":"soon","remote_addr":"1.2.3.4"}"#,
            r#"{"request":{"time":"2026-01-01T10:00:00Z"}}"#,
            r#"1.2.3.4 - - [01/Foo/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1"#,
            "not a log line 1.2.3.4",
            "#Fields: c-ip sc-status",
            "1.2.3.4 200",
            "#Fields: time c-ip",
            "10:00:00 1.2.3.4",
        ];
        assert_eq!(times(&Format::Auto, &lines), [None; 9]);
    }
}
