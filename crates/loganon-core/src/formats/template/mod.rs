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
//!
//! The files: `roles` (a directive's role), `compile` (a string into a
//! [`Template`]); this one reads lines with a template.

mod compile;
mod roles;

pub use compile::{apache, nginx, Template, TemplateError, TimeForm};

use compile::Token;
use roles::{AGENT, METHOD, PATH, QUERY, REFERER, REQUEST};

use crate::formats::fields::{Fields, Role};
use crate::rules::DenyList;

impl Template {
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
                    // a time is kept when it looks like one (Apache's `%t`
                    // first: the plain CLF time, in a few vector compares)
                    let role = if *role == Role::Time
                        && !(crate::formats::clf::is_plain_time(&line[pos..end])
                            || crate::scan::is_plain(&line[pos..end]))
                    {
                        Role::Verbatim
                    } else {
                        *role
                    };
                    f.push(pos..end, role);
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

use super::spec::{none, Ctx, Figures, FormatSpec, LogFormat, Parsed, Parser, Recognised};

/// A template given with `--format`: its lines, what it says of them.
impl LogFormat for Template {
    fn parse(&self, kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
        Template::parse(self, line, deny, &mut ctx.fields).map(|()| Recognised::Fields(kind))
    }

    fn time(&self, line: &[u8], f: &Fields) -> Option<i64> {
        self.time_of(line, f)
    }

    fn figures(&self, f: &Fields) -> Figures {
        let (status, bytes) = self.figures_of(f);
        Figures {
            status,
            bytes,
            client: f.first_client(),
        }
    }

    fn request(&self, f: &Fields) -> (crate::formats::fields::Http, Option<std::ops::Range<usize>>) {
        self.http_of(f)
    }
}

/// Lines of an Apache `LogFormat` string (`--format '%h ...'`); parsed by
/// the [`Template`] given, never detected.
pub const APACHE: FormatSpec = FormatSpec {
    name: "apache_logformat",
    help: None,
    detect: &[],
    format: &Parser(none),
};

/// Lines of an nginx `log_format` string (`--format 'nginx:...'`).
pub const NGINX: FormatSpec = FormatSpec {
    name: "nginx_log_format",
    help: None,
    detect: &[],
    format: &Parser(none),
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
