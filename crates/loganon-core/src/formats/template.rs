//! Custom formats: an Apache `LogFormat` string or an nginx `log_format`
//! string, compiled once into a parser. The roles of the fields come from the
//! directives: `%h`/`$remote_addr` are clients, `%u`/`$remote_user` users,
//! `%{Cookie}i`/`$http_cookie` secrets, `%t`/`$time_local` times.
//!
//! Variables that carry a name (`$arg_NAME`, `$cookie_NAME`, `$http_NAME`,
//! `$sent_http_NAME`, `$upstream_http_NAME`; Apache's `%{NAME}i`, `%{NAME}o`,
//! `%{NAME}C`, `%{NAME}e`) take the role their name implies: a user-like
//! name (`user`, `email`, `remote_user`, a header `X-Remote-User`, `From`)
//! is a user, a cookie, an authorization header or a deny-listed name
//! (`$arg_token`, `X-Auth-Token`, `X-Api-Key`) a secret. The deny list is
//! the one in force when a line is parsed (`--redact-param` counts).

use crate::formats::fields::{Fields, Role};
use crate::rules::DenyList;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(Vec<u8>),
    /// a field with its role, and the names that make it a secret when the
    /// deny list holds one of them
    Field(Role, Vec<Vec<u8>>),
}

/// A field's role, and the names to look up in the deny list.
type Named = (Role, Vec<Vec<u8>>);

/// Names whose value names a person (compared in lower case, `-` as `_`).
fn user_like(n: &str) -> bool {
    matches!(
        n,
        "user"
            | "username"
            | "user_name"
            | "remote_user"
            | "remoteuser"
            | "auth_user"
            | "email"
            | "e_mail"
            | "mail"
            | "login"
            | "userid"
            | "user_id"
            | "uid"
    )
}

/// The role of a header named `name` (any case, `-` or `_`).
fn header_role(name: &str) -> Named {
    let n = name.to_ascii_lowercase().replace('-', "_");
    let last = n.rsplit('_').next().unwrap_or("");
    let bare = n.strip_prefix("x_").unwrap_or(&n);
    if matches!(
        n.as_str(),
        "cookie" | "set_cookie" | "authorization" | "proxy_authorization"
    ) {
        return (Role::Secret, Vec::new());
    }
    // `From` holds an email; `X-Remote-User`, `X-Forwarded-Email`, ...
    if n == "from" || user_like(&n) || user_like(bare) || user_like(last) {
        return (Role::User, Vec::new());
    }
    // addresses are scanned (and truncated), not removed; client hints are
    // not personal (`Sec-CH-UA-Mobile` is no phone number)
    if n.contains("forwarded") || matches!(last, "ip" | "for" | "addr" | "address") || n.starts_with("sec_ch_") {
        return (Role::Generic, Vec::new());
    }
    let mut names = vec![n.clone(), n.replace('_', "-"), bare.to_string(), last.to_string()];
    names.dedup();
    (Role::Generic, names.into_iter().map(String::into_bytes).collect())
}

/// The role of an Apache environment variable (`%{NAME}e`).
fn env_role(name: &str) -> Named {
    let n = name.to_ascii_lowercase();
    if user_like(&n)
        || n == "redirect_remote_user"
        || n.starts_with("ssl_client_s_dn")
        || n.starts_with("ssl_client_san_email")
    {
        return (Role::User, Vec::new());
    }
    if let Some(h) = n.strip_prefix("http_") {
        return header_role(h);
    }
    (Role::Generic, vec![n.into_bytes()])
}

/// The role of a query argument (`$arg_NAME`).
fn arg_role(name: &str) -> Named {
    if user_like(&name.to_ascii_lowercase()) {
        return (Role::User, Vec::new());
    }
    (Role::Generic, vec![name.as_bytes().to_vec()])
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
struct TimeField {
    /// its token
    token: usize,
    /// its place among the fields
    field: usize,
    form: TimeForm,
    /// how many times the first byte of the text after it occurs in it
    /// (a strftime format with spaces: `%{%Y-%m-%d %H:%M:%S}t`)
    skip: usize,
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
    tokens: Vec<Token>,
    /// where the line's time is, when it has one
    time: Option<TimeField>,
    /// the places among the fields of the HTTP status and the response
    /// bytes (see [`Picks`]), for the summaries
    status: Option<usize>,
    bytes: Option<usize>,
    /// the places among the fields of the request, method, path, query,
    /// referer and user agent, for the typed record
    http: [Option<usize>; 6],
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
    /// request, method, path, query, referer, user agent (at [`REQUEST`] ... [`AGENT`])
    http: [Option<(u8, usize)>; 6],
}

/// The places in [`Picks::http`] and [`Template::http`].
const REQUEST: usize = 0;
const METHOD: usize = 1;
const PATH: usize = 2;
const QUERY: usize = 3;
const REFERER: usize = 4;
const AGENT: usize = 5;

/// Where an Apache directive's value goes in the typed record.
fn apache_http(letter: u8, name: &str) -> Option<(usize, u8)> {
    Some(match letter {
        b'r' => (REQUEST, 1),
        b'm' => (METHOD, 1),
        b'U' => (PATH, 1),
        b'q' => (QUERY, 1),
        b'i' if name.eq_ignore_ascii_case("referer") => (REFERER, 1),
        b'i' if name.eq_ignore_ascii_case("user-agent") => (AGENT, 1),
        _ => return None,
    })
}

/// Where an nginx variable's value goes in the typed record.
fn nginx_http(name: &str) -> Option<(usize, u8)> {
    Some(match name {
        "request" => (REQUEST, 1),
        "request_method" => (METHOD, 1),
        "uri" | "document_uri" => (PATH, 1),
        "request_uri" => (PATH, 2),
        "args" | "query_string" => (QUERY, 1),
        "http_referer" => (REFERER, 1),
        "http_user_agent" => (AGENT, 1),
        _ => return None,
    })
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

fn apache_role(letter: u8, name: &str) -> Named {
    let role = match letter {
        b'h' | b'a' => Role::Client,
        b'l' | b'u' => Role::User,
        b't' => Role::Time,
        b'C' => Role::Secret,
        b'i' | b'o' => return header_role(name),
        b'e' => return env_role(name),
        b's' | b'b' | b'B' | b'D' | b'T' | b'p' | b'P' | b'k' | b'I' | b'O' | b'S' => Role::Verbatim,
        _ => Role::Generic,
    };
    (role, Vec::new())
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

fn nginx_role(var: &str) -> Named {
    let prefixed = |p: &str| var.strip_prefix(p).filter(|n| !n.is_empty());
    if let Some(n) = prefixed("arg_") {
        return arg_role(n);
    }
    if prefixed("cookie_").or_else(|| prefixed("upstream_cookie_")).is_some() {
        return (Role::Secret, Vec::new());
    }
    if let Some(n) = prefixed("http_")
        .or_else(|| prefixed("sent_http_"))
        .or_else(|| prefixed("upstream_http_"))
    {
        return header_role(n);
    }
    let role = match var {
        "remote_addr" | "realip_remote_addr" | "binary_remote_addr" => Role::Client,
        "remote_user" => Role::User,
        "time_local" | "time_iso8601" | "msec" => Role::Time,
        "status"
        | "body_bytes_sent"
        | "bytes_sent"
        | "request_length"
        | "request_time"
        | "connection"
        | "connection_requests"
        | "pipe"
        | "server_port" => Role::Verbatim,
        _ => Role::Generic,
    };
    (role, Vec::new())
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

    /// Parses a line; `None` when it does not follow the template. A field
    /// whose name `deny` holds is a secret.
    pub fn parse(&self, line: &[u8], deny: &DenyList, f: &mut Fields) -> Option<()> {
        f.clear();
        f.gaps = Some(Role::Verbatim);
        let mut pos = 0;
        for (k, t) in self.tokens.iter().enumerate() {
            match t {
                Token::Literal(l) => {
                    if !line[pos..].starts_with(l) {
                        return None;
                    }
                    pos += l.len();
                }
                Token::Field(role, names) => {
                    let role = if names.iter().any(|n| deny.contains(n)) {
                        &Role::Secret
                    } else {
                        role
                    };
                    let quoted = pos > 0 && line[pos - 1] == b'"';
                    let end = match self.tokens.get(k + 1) {
                        None => line.len(),
                        Some(Token::Literal(l)) if quoted && l[0] == b'"' => {
                            // a quoted field ends at its unescaped closing quote
                            let mut e = pos;
                            loop {
                                e += memchr::memchr2(b'"', b'\\', &line[e..])?;
                                if line[e] == b'"' {
                                    break e;
                                }
                                e += 2;
                                if e > line.len() {
                                    return None;
                                }
                            }
                        }
                        Some(Token::Literal(l)) if *role == Role::Time && line.get(pos) == Some(&b'[') => {
                            // Apache's %t is `[...]`, spaces inside
                            let close = memchr::memchr(b']', &line[pos..])? + pos + 1;
                            if !line[close..].starts_with(l) {
                                return None;
                            }
                            close
                        }
                        Some(Token::Literal(l)) => {
                            // a strftime time holds the byte after it that
                            // many times
                            let skip = self.time.as_ref().filter(|t| t.token == k).map_or(0, |t| t.skip);
                            let mut e = pos;
                            for _ in 0..skip {
                                e += memchr::memchr(l[0], &line[e..])? + 1;
                            }
                            e + memchr::memchr(l[0], &line[e..])?
                        }
                        Some(Token::Field(..)) => return None,
                    };
                    f.push(pos..end, *role);
                    pos = end;
                }
            }
        }
        (pos == line.len()).then_some(())
    }

    /// The ranges of the status and the bytes of a line this template
    /// parsed into `f` (for the summaries).
    pub(crate) fn figures_of(&self, f: &Fields) -> (Option<std::ops::Range<usize>>, Option<std::ops::Range<usize>>) {
        let at = |k: Option<usize>| k.and_then(|k| f.list.get(k)).map(|(r, _)| r.clone());
        (at(self.status), at(self.bytes))
    }

    /// The request's spans of a line this template parsed into `f`, and
    /// its time's (for the typed record).
    pub(crate) fn http_of(&self, f: &Fields) -> (crate::formats::fields::Http, Option<std::ops::Range<usize>>) {
        let at = |k: Option<usize>| k.and_then(|k| f.list.get(k)).map(|(r, _)| r.clone());
        let h = &self.http;
        let http = crate::formats::fields::Http {
            request: at(h[REQUEST]),
            method: at(h[METHOD]),
            path: at(h[PATH]),
            query: at(h[QUERY]),
            referer: at(h[REFERER]),
            agent: at(h[AGENT]),
        };
        (http, at(self.time.as_ref().map(|t| t.field)))
    }

    /// The Unix time of a line this template parsed into `f`; `None` when
    /// the template has no time or it cannot be read.
    pub(crate) fn time_of(&self, line: &[u8], f: &Fields) -> Option<i64> {
        let t = self.time.as_ref()?;
        let v = &line[f.list.get(t.field)?.0.clone()];
        match &t.form {
            TimeForm::Any => crate::time::parse_any_time(v),
            TimeForm::Strftime(fmt) => crate::time::parse_strftime(fmt, v),
        }
    }
}

// ------------------------------------------------------------ the registry

/// Lines of an Apache `LogFormat` string (`--format '%h ...'`); parsed by
/// the [`Template`] the format holds, never detected.
pub const APACHE: super::registry::FormatSpec = super::registry::FormatSpec {
    name: "apache_logformat",
    help: None,
    parse: super::registry::none,
    detect: &[],
};

/// Lines of an nginx `log_format` string (`--format 'nginx:...'`).
pub const NGINX: super::registry::FormatSpec = super::registry::FormatSpec {
    name: "nginx_log_format",
    help: None,
    parse: super::registry::none,
    detect: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(t: &Template, l: &str) -> Vec<(String, Role)> {
        let mut f = Fields::default();
        t.parse(l.as_bytes(), &DenyList::default(), &mut f).expect("parses");
        f.list
            .iter()
            .map(|(r, role)| (l[r.clone()].to_string(), *role))
            .collect()
    }

    #[test]
    fn apache_combined_with_cookie() {
        let t = apache(r#"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%{Cookie}i\""#).unwrap();
        let l = r#"1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] "GET /a?b=\"c\" HTTP/1.0" 200 2326 "-" "UA x" "sid=1""#;
        let f = fields(&t, l);
        assert_eq!(f[0], ("1.2.3.4".into(), Role::Client));
        assert_eq!(f[2], ("bob".into(), Role::User));
        assert_eq!(f[3], ("[10/Oct/2000:13:55:36 -0700]".into(), Role::Time));
        assert_eq!(f[4], (r#"GET /a?b=\"c\" HTTP/1.0"#.into(), Role::Generic));
        assert_eq!(f[9], ("sid=1".into(), Role::Secret));
        assert!(t
            .parse(b"garbage", &DenyList::default(), &mut Fields::default())
            .is_none());
    }

    #[test]
    fn nginx_main() {
        let t = nginx(r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#).unwrap();
        let l = r#"1.2.3.4 - - [22/Jan/2019:03:56:14 +0330] "GET / HTTP/1.1" 200 30577 "-" "Mozilla/5.0 (X)" "-""#;
        let f = fields(&t, l);
        assert_eq!(f[2], ("22/Jan/2019:03:56:14 +0330".into(), Role::Time));
        assert_eq!(f.len(), 9);
    }

    #[test]
    fn named_variables_take_the_role_of_their_name() {
        let t = nginx("$arg_token|$arg_email|$arg_page|$cookie_x|$http_x_auth_token|$http_x_api_key|$http_user_agent|$http_x_remote_user|$sent_http_set_cookie|$upstream_http_x_session_id|$http_x_forwarded_for|$http_x_real_ip|$http_from|$http_referer").unwrap();
        let l = "a|b|c|d|e|f|g|h|i|j|k|l|m|n";
        let roles: Vec<Role> = fields(&t, l).into_iter().map(|(_, r)| r).collect();
        use Role::*;
        assert_eq!(
            roles,
            [
                Secret, User, Generic, Secret, Secret, Secret, Generic, User, Secret, Secret, Generic, Generic, User,
                Generic
            ]
        );
        let t = apache(r#"%{REMOTE_USER}e|%{SSL_CLIENT_S_DN_CN}e|%{UNIQUE_ID}e|%{sid}C|%{X-Auth-Token}i|%{X-Forwarded-User}i|%{User-Agent}i|%{Set-Cookie}o|%{X-Api-Key}o|%{Cookie}i"#).unwrap();
        let l = "a|b|c|d|e|f|g|h|i|j";
        let roles: Vec<Role> = fields(&t, l).into_iter().map(|(_, r)| r).collect();
        assert_eq!(
            roles,
            [User, User, Generic, Secret, Secret, User, Generic, Secret, Secret, Secret]
        );
        // the deny list in force decides: `--redact-param tracking`
        let t = nginx("$arg_tracking $arg_page").unwrap();
        let mut deny = DenyList::default();
        deny.add(b"tracking");
        let mut f = Fields::default();
        t.parse(b"a b", &deny, &mut f).unwrap();
        assert_eq!(f.list.iter().map(|(_, r)| *r).collect::<Vec<_>>(), [Secret, Generic]);
    }

    /// The status and bytes of `l` under `t`.
    fn figures(t: &Template, l: &str) -> (Option<String>, Option<String>) {
        let mut f = Fields::default();
        t.parse(l.as_bytes(), &DenyList::default(), &mut f).expect("parses");
        let (s, b) = t.figures_of(&f);
        (s.map(|r| l[r].to_string()), b.map(|r| l[r].to_string()))
    }

    #[test]
    fn status_and_bytes_fields() {
        let some = |s: &str, b: &str| (Some(s.to_string()), Some(b.to_string()));
        let t = apache(r#"%h %l %u %t \"%r\" %>s %b"#).unwrap();
        assert_eq!(
            figures(&t, r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 -"#),
            some("200", "-")
        );
        // `%>s` (final) before `%s` before `%<s`; `%b`/`%B` before `%O`
        let t = apache("%<s %s %O %>s %B %b").unwrap();
        assert_eq!(figures(&t, "301 302 900 404 12 13"), some("404", "12"));
        let t = apache("%<s|%s|%O").unwrap();
        assert_eq!(figures(&t, "301|302|900"), some("302", "900"));
        let t = apache("%h %u").unwrap();
        assert_eq!(figures(&t, "1.2.3.4 -"), (None, None));
        let t = nginx("$remote_addr $bytes_sent [$time_local] $status $body_bytes_sent").unwrap();
        assert_eq!(
            figures(&t, "1.2.3.4 700 [01/Jan/2026:10:00:00 +0000] 500 612"),
            some("500", "612")
        );
        let t = nginx("$remote_addr $status $bytes_sent").unwrap();
        assert_eq!(figures(&t, "1.2.3.4 204 0"), some("204", "0"));
    }

    #[test]
    fn errors() {
        assert!(apache("%h%u").is_err());
        assert!(apache("no fields").is_err());
        assert!(apache("%{Referer").is_err());
        assert!(nginx("$ x").is_err());
    }
}
