//! Custom formats: an Apache `LogFormat` string or an nginx `log_format`
//! string, compiled once into a parser. The roles of the fields come from the
//! directives: `%h`/`$remote_addr` are clients, `%u`/`$remote_user` users,
//! `%{Cookie}i`/`$http_cookie` secrets, `%t`/`$time_local` times.

use crate::formats::fields::{Fields, Role};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(Vec<u8>),
    Field(Role),
}

/// A compiled format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    tokens: Vec<Token>,
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

fn push_field(tokens: &mut Vec<Token>, role: Role, what: &str) -> Result<(), String> {
    if let Some(Token::Field(_)) = tokens.last() {
        return Err(format!(
            "two fields without text between them ({what}); loganon cannot tell where one ends"
        ));
    }
    tokens.push(Token::Field(role));
    Ok(())
}

fn apache_role(letter: u8, name: &str) -> Role {
    let n = name.to_ascii_lowercase();
    match letter {
        b'h' | b'a' => Role::Client,
        b'l' | b'u' => Role::User,
        b't' => Role::Time,
        b'i' | b'o' | b'C' => match n.as_str() {
            "cookie" | "set-cookie" | "authorization" | "proxy-authorization" => Role::Secret,
            _ if letter == b'C' => Role::Secret,
            _ => Role::Generic,
        },
        b's' | b'b' | b'B' | b'D' | b'T' | b'p' | b'P' | b'k' | b'I' | b'O' | b'S' => Role::Verbatim,
        _ => Role::Generic,
    }
}

/// Compiles an Apache `LogFormat` string (`\"` is a quote, `%%` a percent).
pub fn apache(fmt: &str) -> Result<Template, String> {
    let b = fmt.as_bytes();
    let mut tokens = Vec::new();
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
                let mut name = "";
                if i < b.len() && b[i] == b'{' {
                    let close = fmt[i..]
                        .find('}')
                        .ok_or_else(|| format!("'{}': unclosed {{", &fmt[start..]))?;
                    name = &fmt[i + 1..i + close];
                    i += close + 1;
                }
                let letter = *b
                    .get(i)
                    .ok_or_else(|| format!("'{}': directive without a letter", &fmt[start..]))?;
                if !letter.is_ascii_alphabetic() {
                    return Err(format!("'{}': unknown directive", &fmt[start..=i]));
                }
                i += 1;
                push_field(&mut tokens, apache_role(letter, name), &fmt[start..i])?;
            }
            c => {
                push_literal(&mut tokens, c);
                i += 1;
            }
        }
    }
    Template::new(tokens, "apache", fmt)
}

fn nginx_role(var: &str) -> Role {
    match var {
        "remote_addr" | "realip_remote_addr" | "binary_remote_addr" => Role::Client,
        "remote_user" => Role::User,
        "time_local" | "time_iso8601" | "msec" => Role::Time,
        "http_cookie" | "http_authorization" | "http_proxy_authorization" | "sent_http_set_cookie" => Role::Secret,
        _ if var.starts_with("cookie_") || var.starts_with("upstream_cookie_") => Role::Secret,
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
    }
}

/// Compiles an nginx `log_format` string (`$name` or `${name}` variables).
pub fn nginx(fmt: &str) -> Result<Template, String> {
    let b = fmt.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let (name, next) = if b.get(i + 1) == Some(&b'{') {
                let close = fmt[i..]
                    .find('}')
                    .ok_or_else(|| format!("'{}': unclosed ${{", &fmt[i..]))?;
                (&fmt[i + 2..i + close], i + close + 1)
            } else {
                let mut k = i + 1;
                while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                    k += 1;
                }
                (&fmt[i + 1..k], k)
            };
            if name.is_empty() {
                return Err(format!("'{}': '$' without a variable name", &fmt[i..]));
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
    Template::new(tokens, "nginx", fmt)
}

impl Template {
    fn new(tokens: Vec<Token>, kind: &'static str, source: &str) -> Result<Template, String> {
        if !tokens.iter().any(|t| matches!(t, Token::Field(_))) {
            return Err(format!("'{source}' has no field"));
        }
        Ok(Template {
            tokens,
            kind,
            source: source.to_string(),
        })
    }

    /// Parses a line; `None` when it does not follow the template.
    pub fn parse(&self, line: &[u8], f: &mut Fields) -> Option<()> {
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
                Token::Field(role) => {
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
                        Some(Token::Literal(l)) => pos + memchr::memchr(l[0], &line[pos..])?,
                        Some(Token::Field(_)) => return None,
                    };
                    f.push(pos..end, *role);
                    pos = end;
                }
            }
        }
        (pos == line.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(t: &Template, l: &str) -> Vec<(String, Role)> {
        let mut f = Fields::default();
        t.parse(l.as_bytes(), &mut f).expect("parses");
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
        assert!(t.parse(b"garbage", &mut Fields::default()).is_none());
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
    fn errors() {
        assert!(apache("%h%u").is_err());
        assert!(apache("no fields").is_err());
        assert!(apache("%{Referer").is_err());
        assert!(nginx("$ x").is_err());
    }
}
