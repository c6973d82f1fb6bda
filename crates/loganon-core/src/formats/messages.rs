//! User names in web servers' error messages, shared by the error-log
//! formats (Apache's `error_log`, nginx's `error.log`): `user bob not
//! found`, `user alice: authentication failure for "/x"`, `user "bob" was not
//! found in "/etc/htpasswd"`, `user "alice": password mismatch`.
//!
//! The name is what the client sent, so it may hold spaces, quotes and the
//! very words that end it (`john doe`, `x" was not found in "`). Where a
//! known message's words follow the name, the name runs to their *last*
//! occurrence in the line, and to the farthest of them when several are
//! there: a name can only be read too long (more is redacted), never too
//! short. After `user ` in any other message the next word is taken for a
//! name (fail closed), unless it is one of a few English words (`user not
//! found`).

use super::fields::{Fields, Role};

/// The words that follow a user name in the messages of Apache's
/// authentication modules (`mod_auth_basic` AH01617, AH01618;
/// `mod_authz_core`; `mod_auth_digest`; `mod_authnz_ldap`).
const ENDS: &[&[u8]] = &[
    b" not found",
    b": authentication failure for ",
    b": authorization failure for ",
    b": password mismatch",
    b" authentication failed",
];

/// The same for a quoted name: nginx's `auth_basic` (`user "bob" was not
/// found in`, `user "bob": password mismatch`), `mod_auth_digest`'s
/// ``user `bob' in realm``.
const QUOTED_ENDS: &[&[u8]] = &[b"\" was not found in ", b"\": password mismatch", b"' in realm "];

/// Words after `user ` that are no name.
const NOT_NAMES: &[&[u8]] = &[
    b"-", b"a", b"agent", b"an", b"and", b"as", b"by", b"for", b"from", b"has", b"id", b"in", b"is", b"name", b"not",
    b"of", b"or", b"the", b"to", b"was", b"with",
];

/// Pushes a `User` field for each user name in `line[from..]`, in order;
/// returns where the last one ends (`from` when there is none), so that the
/// fields the caller reads after the message start past it.
pub(crate) fn user_names(line: &[u8], from: usize, f: &mut Fields) -> usize {
    let mut end = from;
    let finder = memchr::memmem::Finder::new(b"ser ");
    let mut i = from;
    while let Some(k) = finder.find(&line[i..]).map(|k| i + k) {
        i = k + 4;
        // `user` or `User`, a word of its own
        if k == 0 || !matches!(line[k - 1], b'u' | b'U') || (k >= 2 && line[k - 2].is_ascii_alphanumeric()) {
            continue;
        }
        if let Some((s, e)) = name(line, i) {
            f.push(s..e, Role::User);
            i = e;
            end = e;
        }
    }
    end
}

/// The user name that starts at `s` (after `user `): to the farthest end of
/// a known message, else one word or one quoted string.
fn name(line: &[u8], s: usize) -> Option<(usize, usize)> {
    let rest = &line[s..];
    let open = rest.first().copied()?;
    let quote = match open {
        b'"' | b'\'' => Some(open),
        b'`' => Some(b'\''),
        _ => None,
    };
    let start = s + usize::from(quote.is_some());
    // the farthest end of a known message (its words after the name)
    let known = if quote.is_some() { QUOTED_ENDS } else { ENDS }
        .iter()
        .filter_map(|w| memchr::memmem::rfind(&line[start..], w))
        .max()
        .map(|k| start + k);
    let end = match known {
        Some(e) if e > start => e,
        Some(_) => return None,
        None => {
            let word = &line[start..];
            let n = match quote {
                Some(q) => memchr::memchr(q, word)?,
                None => word
                    .iter()
                    .position(|&b| matches!(b, b' ' | b',' | b':' | b';' | b')' | b']'))
                    .unwrap_or(word.len()),
            };
            let w = &word[..n];
            if n == 0 || (quote.is_none() && NOT_NAMES.iter().any(|x| w.eq_ignore_ascii_case(x))) {
                return None;
            }
            start + n
        }
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<&str> {
        let mut f = Fields::default();
        user_names(line.as_bytes(), 0, &mut f);
        f.list.iter().map(|(r, _)| &line[r.clone()]).collect()
    }

    #[test]
    fn apache_and_nginx_messages() {
        assert_eq!(names("AH01618: user bob.smith not found: /private/"), ["bob.smith"]);
        assert_eq!(names("AH01618: user john doe not found: /private/"), ["john doe"]);
        assert_eq!(
            names(r#"AH01617: user alice: authentication failure for "/private/": Password Mismatch"#),
            ["alice"]
        );
        assert_eq!(
            names(r#"user "bob" was not found in "/etc/htpasswd", client: 1.2.3.4"#),
            ["bob"]
        );
        assert_eq!(names(r#"user "alice": password mismatch, client: 1.2.3.4"#), ["alice"]);
        assert_eq!(names("AH01790: user `bob' in realm `r' not found: /x"), ["bob"]);
        // a name holding quotes and the words that end it: read too long,
        // never too short
        assert_eq!(
            names(r#"user "x"y, client" was not found in "/h", client: 1.2.3.4"#),
            [r#"x"y, client"#]
        );
        assert_eq!(
            names(r#"user a not found: b: authentication failure for "/p": Password Mismatch"#),
            [r#"a not found: b"#]
        );
        // any other message: one word, or one quoted string
        assert_eq!(names("setuid: unknown user www-data, exiting"), ["www-data"]);
        assert_eq!(names("login by User 'Jo Doe' refused"), ["Jo Doe"]);
        assert_eq!(names("user not found; user agent bad; the user"), Vec::<&str>::new());
        assert_eq!(names("superuser bob; username=x; user/password"), Vec::<&str>::new());
    }
}
