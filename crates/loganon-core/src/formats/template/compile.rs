//! Compiling an Apache `LogFormat` or nginx `log_format` string into a
//! [`Template`]: its literal text and fields, where its time, status, bytes
//! and request's parts are.

use super::roles::{apache_http, apache_role, nginx_http, nginx_role, Named};
use crate::formats::fields::Role;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Token {
    Literal(Vec<u8>),
    /// a field with its role, and the names that make it a secret when the
    /// deny list holds one of them
    Field(Role, Vec<Vec<u8>>),
}

/// How a template writes its time field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeForm {
    /// CLF, ISO 8601 or a Unix time (`%t`, `%{sec}t`, `%{msec}t`,
    /// `$time_local`, `$time_iso8601`, `$msec`)
    Any,
    /// Apache's `%{FORMAT}t`: a strftime format
    Strftime(String),
}

/// The field that holds a line's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct TimeField {
    /// its token
    pub(super) token: usize,
    /// its place among the fields
    pub(super) field: usize,
    pub(super) form: TimeForm,
    /// how many times the first byte of the text after it occurs in it
    /// (a strftime format with spaces: `%{%Y-%m-%d %H:%M:%S}t`)
    pub(super) skip: usize,
}

/// The time form of Apache's `%{NAME}t`; `None` for a part of a time only
/// (`msec_frac`, `usec_frac`).
fn apache_time(name: &str) -> Option<TimeForm> {
    let n = name
        .strip_prefix("begin:")
        .or_else(|| name.strip_prefix("end:"))
        .unwrap_or(name);
    match n {
        "" | "sec" | "msec" | "usec" => Some(TimeForm::Any),
        "msec_frac" | "usec_frac" => None,
        _ => Some(TimeForm::Strftime(n.to_string())),
    }
}

/// The bytes a strftime format writes for sure: its text outside `%`
/// directives (and the separators of `%T`, `%D`, `%F`, `%R`).
fn strftime_text(f: &str) -> Vec<u8> {
    let b = f.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 1 < b.len() {
            match b[i + 1] {
                b'%' => out.push(b'%'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'T' => out.extend_from_slice(b"::"),
                b'R' => out.push(b':'),
                b'D' => out.extend_from_slice(b"//"),
                b'F' => out.extend_from_slice(b"--"),
                b'c' => out.extend_from_slice(b"    ::"),
                _ => {}
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// A compiled format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub(super) tokens: Vec<Token>,
    /// where the line's time is, when it has one
    pub(super) time: Option<TimeField>,
    /// the places among the fields of the HTTP status and the response
    /// bytes (see [`Picks`]), for the summaries
    pub(super) status: Option<usize>,
    pub(super) bytes: Option<usize>,
    /// the places among the fields of the request, method, path, query,
    /// referer and user agent, for the typed record
    pub(super) http: [Option<usize>; 6],
    /// `apache` or `nginx`, for stats
    pub kind: &'static str,
    /// the string it was compiled from
    pub source: String,
}

fn push_literal(tokens: &mut Vec<Token>, b: u8) {
    if let Some(Token::Literal(l)) = tokens.last_mut() {
        l.push(b);
    } else {
        tokens.push(Token::Literal(vec![b]));
    }
}

/// The fields that hold the status and the bytes, by token, with their
/// rank (1 the best; a tie goes to the first): Apache `%>s` (the final
/// status) before `%s` before `%<s`, `%b`/`%B` (the body) before `%O`;
/// nginx `$status`, `$body_bytes_sent` before `$bytes_sent`.
#[derive(Default)]
struct Picks {
    status: Option<(u8, usize)>,
    bytes: Option<(u8, usize)>,
    /// request, method, path, query, referer, user agent (at `REQUEST` ... `AGENT` of the roles)
    http: [Option<(u8, usize)>; 6],
}

fn pick(slot: &mut Option<(u8, usize)>, rank: u8, token: usize) {
    if slot.is_none_or(|(r, _)| rank < r) {
        *slot = Some((rank, token));
    }
}

/// Why an Apache `LogFormat` or nginx `log_format` string was refused;
/// each holds the part of the string at fault, and its text is the message
/// shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Two directives with no text between them (the field named).
    #[error("two fields without text between them ({0}); loganon cannot tell where one ends")]
    Adjacent(String),
    /// `%{` without its `}`.
    #[error("'{0}': unclosed {{")]
    Unclosed(String),
    /// `${` without its `}`.
    #[error("'{0}': unclosed ${{")]
    UnclosedVariable(String),
    /// `%` at the end, or with modifiers only.
    #[error("'{0}': directive without a letter")]
    NoLetter(String),
    /// `%` and a character that is no directive.
    #[error("'{0}': unknown directive")]
    UnknownDirective(String),
    /// `$` not followed by a name.
    #[error("'{0}': '$' without a variable name")]
    NoVariable(String),
    /// Text alone, no field in it.
    #[error("'{0}' has no field")]
    NoField(String),
}

fn push_field(tokens: &mut Vec<Token>, (role, names): Named, what: &str) -> Result<(), TemplateError> {
    if let Some(Token::Field(..)) = tokens.last() {
        return Err(TemplateError::Adjacent(what.to_string()));
    }
    tokens.push(Token::Field(role, names));
    Ok(())
}

/// Compiles an Apache `LogFormat` string (`\"` is a quote, `%%` a percent).
pub fn apache(fmt: &str) -> Result<Template, TemplateError> {
    let b = fmt.as_bytes();
    let mut tokens = Vec::new();
    let mut times = None;
    let mut picks = Picks::default();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => {
                let c = match b[i + 1] {
                    b'n' => b'\n',
                    b't' => b'\t',
                    c => c,
                };
                push_literal(&mut tokens, c);
                i += 2;
            }
            b'%' if i + 1 < b.len() && b[i + 1] == b'%' => {
                push_literal(&mut tokens, b'%');
                i += 2;
            }
            b'%' => {
                let start = i;
                i += 1;
                // modifiers: status conditions, `<`, `>`
                while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b',' | b'!' | b'<' | b'>')) {
                    i += 1;
                }
                let mods = &b[start + 1..i];
                let mut name = "";
                if i < b.len() && b[i] == b'{' {
                    let close = fmt[i..]
                        .find('}')
                        .ok_or_else(|| TemplateError::Unclosed(fmt[start..].to_string()))?;
                    name = &fmt[i + 1..i + close];
                    i += close + 1;
                }
                let letter = *b
                    .get(i)
                    .ok_or_else(|| TemplateError::NoLetter(fmt[start..].to_string()))?;
                if !letter.is_ascii_alphabetic() {
                    // (`i` is on a character boundary: the bytes before it are ASCII)
                    let end = i + fmt[i..].chars().next().map_or(1, char::len_utf8);
                    return Err(TemplateError::UnknownDirective(fmt[start..end].to_string()));
                }
                i += 1;
                if letter == b't' && times.is_none() {
                    if let Some(form) = apache_time(name) {
                        times = Some((tokens.len(), form));
                    }
                }
                match letter {
                    b's' if mods.contains(&b'>') => pick(&mut picks.status, 1, tokens.len()),
                    b's' if mods.contains(&b'<') => pick(&mut picks.status, 3, tokens.len()),
                    b's' => pick(&mut picks.status, 2, tokens.len()),
                    b'b' | b'B' => pick(&mut picks.bytes, 1, tokens.len()),
                    b'O' => pick(&mut picks.bytes, 2, tokens.len()),
                    _ => {}
                }
                if let Some((k, rank)) = apache_http(letter, name) {
                    pick(&mut picks.http[k], rank, tokens.len());
                }
                push_field(&mut tokens, apache_role(letter, name), &fmt[start..i])?;
            }
            c => {
                push_literal(&mut tokens, c);
                i += 1;
            }
        }
    }
    Template::new(tokens, "apache", fmt, times, picks)
}

/// Compiles an nginx `log_format` string (`$name` or `${name}` variables).
pub fn nginx(fmt: &str) -> Result<Template, TemplateError> {
    let b = fmt.as_bytes();
    let mut tokens = Vec::new();
    let mut times = None;
    let mut picks = Picks::default();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let (name, next) = if b.get(i + 1) == Some(&b'{') {
                let close = fmt[i..]
                    .find('}')
                    .ok_or_else(|| TemplateError::UnclosedVariable(fmt[i..].to_string()))?;
                (&fmt[i + 2..i + close], i + close + 1)
            } else {
                let mut k = i + 1;
                while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                    k += 1;
                }
                (&fmt[i + 1..k], k)
            };
            if name.is_empty() {
                return Err(TemplateError::NoVariable(fmt[i..].to_string()));
            }
            if times.is_none() && matches!(name, "time_local" | "time_iso8601" | "msec") {
                times = Some((tokens.len(), TimeForm::Any));
            }
            match name {
                "status" => pick(&mut picks.status, 1, tokens.len()),
                "body_bytes_sent" => pick(&mut picks.bytes, 1, tokens.len()),
                "bytes_sent" => pick(&mut picks.bytes, 2, tokens.len()),
                _ => {}
            }
            if let Some((k, rank)) = nginx_http(name) {
                pick(&mut picks.http[k], rank, tokens.len());
            }
            push_field(&mut tokens, nginx_role(name), &fmt[i..next])?;
            i = next;
        } else if b[i] == b'\\' && i + 1 < b.len() {
            push_literal(&mut tokens, b[i + 1]);
            i += 2;
        } else {
            push_literal(&mut tokens, b[i]);
            i += 1;
        }
    }
    Template::new(tokens, "nginx", fmt, times, picks)
}

impl Template {
    fn new(
        tokens: Vec<Token>,
        kind: &'static str,
        source: &str,
        time: Option<(usize, TimeForm)>,
        picks: Picks,
    ) -> Result<Template, TemplateError> {
        if !tokens.iter().any(|t| matches!(t, Token::Field(..))) {
            return Err(TemplateError::NoField(source.to_string()));
        }
        let field_of = |token: usize| tokens[..token].iter().filter(|t| matches!(t, Token::Field(..))).count();
        let (status, bytes) = (
            picks.status.map(|(_, t)| field_of(t)),
            picks.bytes.map(|(_, t)| field_of(t)),
        );
        let http = picks.http.map(|p| p.map(|(_, t)| field_of(t)));
        let time = time.map(|(token, form)| {
            let field = field_of(token);
            let skip = match (&form, tokens.get(token + 1)) {
                (TimeForm::Strftime(f), Some(Token::Literal(l))) => {
                    strftime_text(f).iter().filter(|&&b| b == l[0]).count()
                }
                _ => 0,
            };
            TimeField {
                token,
                field,
                form,
                skip,
            }
        });
        Ok(Template {
            tokens,
            time,
            status,
            bytes,
            http,
            kind,
            source: source.to_string(),
        })
    }
}
