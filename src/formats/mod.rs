//! Log formats: recognising a line's fields so that rules apply by role.
//!
//! `--format auto` tries, per line: W3C directives (which set the columns of
//! the lines after them), JSON (by its first byte, or after a prefix), W3C
//! data lines (when a `#Fields:` directive is in force), the CLF family, then
//! the AWS, HAProxy and Squid formats, then W3C data lines with no
//! `#Fields:` in force (see [`w3c::parse_headerless`]). A named format tries
//! itself first, then detection (a line of another format is never passed
//! on unparsed). A line none of them takes is tried once more after a
//! syslog or container-runtime prefix ([`wrap`]).

pub mod clf;
pub mod cloud;
pub mod fields;
pub mod json;
pub mod nested;
pub mod squid;
pub mod template;
pub mod w3c;
pub mod wrap;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::rules::DenyList;
use fields::{Fields, Role};
use template::Template;

/// The `--format` choice.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// recognise each line among all supported formats
    #[default]
    Auto,
    Common,
    Combined,
    VhostCombined,
    Json,
    W3c,
    Alb,
    Elb,
    S3,
    Haproxy,
    Squid,
    /// an Apache `LogFormat` or an nginx `log_format` string
    Template(Arc<Template>),
}

/// What a line was recognised as; indexes the per-format counters in stats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    Common = 0,
    Combined,
    VhostCombined,
    Json,
    W3c,
    Alb,
    Elb,
    S3,
    Haproxy,
    Apache,
    Nginx,
    Squid,
}

pub const PARSED_KINDS: usize = 12;

impl Parsed {
    pub const ALL: [Parsed; PARSED_KINDS] = [
        Parsed::Common,
        Parsed::Combined,
        Parsed::VhostCombined,
        Parsed::Json,
        Parsed::W3c,
        Parsed::Alb,
        Parsed::Elb,
        Parsed::S3,
        Parsed::Haproxy,
        Parsed::Apache,
        Parsed::Nginx,
        Parsed::Squid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Parsed::Common => "common",
            Parsed::Combined => "combined",
            Parsed::VhostCombined => "vhost_combined",
            Parsed::Json => "json",
            Parsed::W3c => "w3c",
            Parsed::Alb => "alb",
            Parsed::Elb => "elb",
            Parsed::S3 => "s3",
            Parsed::Haproxy => "haproxy",
            Parsed::Apache => "apache_logformat",
            Parsed::Nginx => "nginx_log_format",
            Parsed::Squid => "squid",
        }
    }
}

impl Format {
    pub const NAMES: &'static [&'static str] = &[
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
        "squid",
    ];

    /// Parses a `--format` value: a name, an Apache `LogFormat` string (it
    /// holds a `%`), or `nginx:` and a `log_format` string. The error lists the
    /// accepted values.
    pub fn from_name(s: &str) -> Result<Format, String> {
        Ok(match s {
            "auto" => Format::Auto,
            "common" => Format::Common,
            "combined" => Format::Combined,
            "vhost_combined" => Format::VhostCombined,
            "json" => Format::Json,
            "w3c" => Format::W3c,
            "alb" => Format::Alb,
            "elb" => Format::Elb,
            "s3" => Format::S3,
            "haproxy" => Format::Haproxy,
            "squid" => Format::Squid,
            _ if s.starts_with("nginx:") => Format::Template(Arc::new(
                template::nginx(&s["nginx:".len()..]).map_err(|e| format!("nginx log_format: {e}"))?,
            )),
            _ if s.contains('%') => Format::Template(Arc::new(
                template::apache(s).map_err(|e| format!("Apache LogFormat: {e}"))?,
            )),
            _ => {
                return Err(format!(
                    "unknown format '{s}'; accepted: {}, an Apache LogFormat string (with %), or nginx:LOG_FORMAT",
                    Format::NAMES.join(", ")
                ))
            }
        })
    }

    /// Whether a CLF line of kind `p` satisfies this choice.
    pub fn accepts(&self, p: Parsed) -> bool {
        match self {
            Format::Auto => true,
            Format::Common => p == Parsed::Common,
            Format::Combined => p == Parsed::Combined,
            Format::VhostCombined => p == Parsed::VhostCombined,
            _ => false,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Auto => f.write_str("auto"),
            Format::Common => f.write_str("common"),
            Format::Combined => f.write_str("combined"),
            Format::VhostCombined => f.write_str("vhost_combined"),
            Format::Json => f.write_str("json"),
            Format::W3c => f.write_str("w3c"),
            Format::Alb => f.write_str("alb"),
            Format::Elb => f.write_str("elb"),
            Format::S3 => f.write_str("s3"),
            Format::Haproxy => f.write_str("haproxy"),
            Format::Squid => f.write_str("squid"),
            Format::Template(t) if t.kind == "nginx" => write!(f, "nginx:{}", t.source),
            Format::Template(t) => f.write_str(&t.source),
        }
    }
}

/// State carried from line to line: the W3C columns in force, and scratch
/// space reused for every line.
#[derive(Debug, Default)]
pub struct Ctx {
    pub w3c: Option<Arc<w3c::Header>>,
    pub fields: Fields,
    cols: Vec<Range<usize>>,
}

impl Ctx {
    pub fn with_header(w3c: Option<Arc<w3c::Header>>) -> Ctx {
        Ctx { w3c, ..Ctx::default() }
    }
}

/// What a line is.
#[derive(Debug)]
pub enum Recognised {
    Clf(clf::ClfLine),
    /// fields and roles are in `ctx.fields`
    Fields(Parsed),
    /// a W3C directive (scanned like text; `fields`: a `#Fields:` line that set columns)
    Directive {
        fields: bool,
    },
    Unparsed,
}

const DIRECTIVES: &[&[u8]] = &[
    b"#Fields:",
    b"#Version:",
    b"#Software:",
    b"#Date:",
    b"#Remark:",
    b"#Start-Date:",
    b"#End-Date:",
];

fn clf_kind(k: clf::ClfKind) -> Parsed {
    match k {
        clf::ClfKind::Common => Parsed::Common,
        clf::ClfKind::Combined => Parsed::Combined,
        clf::ClfKind::VhostCombined => Parsed::VhostCombined,
    }
}

impl Recognised {
    /// The counter this line goes to.
    pub fn parsed(&self) -> Option<Parsed> {
        match self {
            Recognised::Clf(l) => Some(clf_kind(l.kind)),
            Recognised::Fields(p) => Some(*p),
            Recognised::Directive { .. } => Some(Parsed::W3c),
            Recognised::Unparsed => None,
        }
    }
}

/// Recognises a line (without its line ending) under `format`.
pub fn recognise(format: &Format, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Recognised {
    // the common case first, kept small: a CLF line under `auto`
    if let Format::Auto = format {
        if line.first() != Some(&b'#') && ctx.w3c.is_none() {
            if let Some(l) = clf::parse(line) {
                if json::object_start(line).is_none() {
                    return Recognised::Clf(l);
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
        match recognise_slow(&Format::Auto, &line[p..], deny, ctx) {
            Recognised::Clf(l) => return Recognised::Clf(l.shifted(p)),
            Recognised::Fields(kind) => {
                let f = &mut ctx.fields;
                for (r, _) in f.list.iter_mut() {
                    *r = r.start + p..r.end + p;
                }
                f.list.insert(0, (0..p, Role::Generic));
                return Recognised::Fields(kind);
            }
            _ => {}
        }
    }
    Recognised::Unparsed
}

/// [`recognise`] under `format` only.
fn recognise_as(format: &Format, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Recognised {
    let auto = *format == Format::Auto;
    if (auto || *format == Format::W3c) && line.first() == Some(&b'#') {
        if DIRECTIVES.iter().any(|d| line.starts_with(d)) {
            let header = w3c::parse_fields_directive(line);
            let fields = header.is_some();
            if header.is_some() {
                ctx.w3c = header;
            }
            return Recognised::Directive { fields };
        }
        if !auto {
            return Recognised::Unparsed;
        }
    }
    let Ctx { w3c, fields: f, cols } = ctx;
    let ok = |p: Option<()>, kind: Parsed| p.map(|()| Recognised::Fields(kind));
    let r = match format {
        Format::Auto => {
            if let Some(k) = json::object_start(line) {
                if let Some(r) = ok(json::parse(line, k, deny, f), Parsed::Json) {
                    return r;
                }
            }
            if let Some(h) = w3c {
                if let Some(r) = ok(w3c::parse(line, h, cols, f), Parsed::W3c) {
                    return r;
                }
            }
            if let Some(l) = clf::parse(line) {
                return Recognised::Clf(l);
            }
            ok(cloud::alb(line, cols, f), Parsed::Alb)
                .or_else(|| ok(cloud::elb(line, cols, f), Parsed::Elb))
                .or_else(|| ok(cloud::s3(line, cols, f), Parsed::S3))
                .or_else(|| ok(cloud::haproxy(line, cols, f), Parsed::Haproxy))
                .or_else(|| ok(squid::squid(line, cols, f), Parsed::Squid))
                // a W3C data line with no `#Fields:` in force (a split or
                // rotated file) or not matching it
                .or_else(|| ok(w3c::parse_headerless(line, cols, f), Parsed::W3c))
        }
        Format::Common | Format::Combined | Format::VhostCombined => clf::parse(line)
            .filter(|l| format.accepts(clf_kind(l.kind)))
            .map(Recognised::Clf),
        Format::Json => json::object_start(line).and_then(|k| ok(json::parse(line, k, deny, f), Parsed::Json)),
        Format::W3c => w3c
            .as_ref()
            .and_then(|h| ok(w3c::parse(line, h, cols, f), Parsed::W3c))
            .or_else(|| ok(w3c::parse_headerless(line, cols, f), Parsed::W3c)),
        Format::Alb => ok(cloud::alb(line, cols, f), Parsed::Alb),
        Format::Elb => ok(cloud::elb(line, cols, f), Parsed::Elb),
        Format::S3 => ok(cloud::s3(line, cols, f), Parsed::S3),
        Format::Haproxy => ok(cloud::haproxy(line, cols, f), Parsed::Haproxy),
        Format::Squid => ok(squid::squid(line, cols, f), Parsed::Squid),
        Format::Template(t) => {
            let kind = if t.kind == "nginx" {
                Parsed::Nginx
            } else {
                Parsed::Apache
            };
            ok(t.parse(line, deny, f), kind)
        }
    };
    r.unwrap_or(Recognised::Unparsed)
}
