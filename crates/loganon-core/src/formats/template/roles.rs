//! The role of a template's field, from its directive: the client, the
//! user, a secret, a time; a header, an environment variable or a query
//! argument by its name; and where it goes in the typed record.

use crate::formats::fields::Role;

/// A field's role, and the names to look up in the deny list.
pub(super) type Named = (Role, Vec<Vec<u8>>);

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
pub(super) fn header_role(name: &str) -> Named {
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
pub(super) fn env_role(name: &str) -> Named {
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
pub(super) fn arg_role(name: &str) -> Named {
    if user_like(&name.to_ascii_lowercase()) {
        return (Role::User, Vec::new());
    }
    (Role::Generic, vec![name.as_bytes().to_vec()])
}

/// The places in the picks of a compiled template and in its `http`.
pub(super) const REQUEST: usize = 0;
pub(super) const METHOD: usize = 1;
pub(super) const PATH: usize = 2;
pub(super) const QUERY: usize = 3;
pub(super) const REFERER: usize = 4;
pub(super) const AGENT: usize = 5;

/// Where an Apache directive's value goes in the typed record.
pub(super) fn apache_http(letter: u8, name: &str) -> Option<(usize, u8)> {
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
pub(super) fn nginx_http(name: &str) -> Option<(usize, u8)> {
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

pub(super) fn apache_role(letter: u8, name: &str) -> Named {
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

pub(super) fn nginx_role(var: &str) -> Named {
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
