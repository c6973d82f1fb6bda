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
/// `mod_authz_core`, `mod_authz_groupfile` AH01666; `mod_auth_digest`
/// AH01778, AH01779, AH01792; `mod_authnz_ldap`).
const ENDS: &[&[u8]] = &[
    b" not found",
    b": authentication failure for ",
    b": authorization failure for ",
    b": password mismatch",
    b" authentication failed",
    b" to access ",
    b": nonce expired",
    b": one-time-nonce mismatch",
];

/// The same for a quoted name: nginx's `auth_basic` (`user "bob" was not
/// found in`, `user "bob": password mismatch`), `mod_auth_digest`'s
/// ``user `bob' in realm``.
const QUOTED_ENDS: &[&[u8]] = &[b"\" was not found in ", b"\": password mismatch", b"' in realm "];

/// Words after `user ` that are no name.
const NOT_NAMES: &[&[u8]] = &[
    b"-", b"a", b"agent", b"an", b"and", b"as", b"by", b"can", b"cannot", b"did", b"does", b"doesn't", b"for", b"from",
    b"has", b"have", b"id", b"in", b"is", b"may", b"must", b"name", b"not", b"of", b"or", b"that", b"the", b"to",
    b"was", b"which", b"who", b"will", b"with", b"yet",
];

/// Names and secrets that other messages carry, not after `user `: the
/// words before, and the words after (empty: the message's end, before
/// `, referer: ` or the line's end). mod_authnz_ldap AH01697, mod_authn_dbd
/// AH01656, mod_authn_socache AH01685, mod_authnz_fcgi AH02519, the LDAP
/// group check AH01714, nginx's mail proxy, mod_ssl's client certificate
/// (AH02039: its subject).
const NAMED: &[(&[u8], &[u8])] = &[
    (b"authenticate: accepting ", b""),
    (b"looking up '", b"' in database"),
    (b"found credentials for ", b""),
    (b"Setting user to '", b"'"),
    (b"memberUid: ", b" ("),
    (b", login: \"", b"\""),
    (b"[subject: ", b" / issuer"),
];

/// Pushes a `User` field for each user name in `line[from..]`, and a
/// `Secret` field for each secret (a PHP session file's id, a value
/// ModSecurity matched), in order; returns where the last one ends
/// (`from` when there is none), so that the fields the caller reads after
/// the message start past it. With `any`, a word after `user ` in a
/// message not known is taken for a name too (the error-log formats);
/// without (a line no format took), only names with the known words
/// around them are.
pub(crate) fn user_names(line: &[u8], from: usize, f: &mut Fields, any: bool) -> usize {
    let mut found: Vec<(usize, usize, Role)> = Vec::new();
    let finder = memchr::memmem::Finder::new(b"ser ");
    // where each message's end words last stand, found once (at the first
    // `user `): the cost of a line stays proportional to its length
    // however many `user ` it holds
    let mut ends: Option<Last> = None;
    let mut i = from;
    while let Some(k) = finder.find(&line[i..]).map(|k| i + k) {
        i = k + 4;
        // `user` or `User`, a word of its own
        if k == 0 || !matches!(line[k - 1], b'u' | b'U') || (k >= 2 && line[k - 2].is_ascii_alphanumeric()) {
            continue;
        }
        let ends = ends.get_or_insert_with(|| Last::of(line, from));
        if let Some((s, e)) = name(line, i, any, ends) {
            found.push((s, e, Role::User));
            i = e;
        }
    }
    for (before, after) in NAMED {
        if let Some(k) = memchr::memmem::find(&line[from..], before) {
            let s = from + k + before.len();
            let e = if after.is_empty() {
                message_end(line, s)
            } else {
                memchr::memmem::rfind(&line[s..], after).map_or(line.len(), |e| s + e)
            };
            found.push((s, e, Role::User));
        }
    }
    if !any {
        continued(line, from, &mut found);
    }
    secrets(line, from, &mut found);
    found.sort_unstable_by_key(|&(s, _, _)| s);
    let mut end = from;
    for (s, e, role) in found {
        // (overlapping spans: the first one is taken to the farthest end)
        if s < end {
            if let Some(last) = f.list.last_mut().filter(|_| e > end) {
                last.0.end = e;
                end = e;
            }
            continue;
        }
        if e > s {
            f.push(s..e, role);
            end = e;
        }
    }
    end
}

/// Where the end words of the known messages last stand in a line (each
/// word's last occurrence), plain and quoted.
struct Last {
    plain: [Option<usize>; ENDS.len()],
    quoted: [Option<usize>; QUOTED_ENDS.len()],
}

impl Last {
    fn of(line: &[u8], from: usize) -> Last {
        let last = |w: &[u8]| memchr::memmem::rfind(&line[from..], w).map(|k| from + k);
        Last {
            plain: std::array::from_fn(|k| last(ENDS[k])),
            quoted: std::array::from_fn(|k| last(QUOTED_ENDS[k])),
        }
    }
}

/// Where the message that goes on at `s` ends: before Apache's
/// `, referer: `, or at the line's end.
fn message_end(line: &[u8], s: usize) -> usize {
    memchr::memmem::find(&line[s..], b", referer: ").map_or(line.len(), |e| s + e)
}

/// The user name that starts at `s` (after `user `): to the farthest end of
/// a known message (for a quoted name, the quoted messages' ends first),
/// else one quoted string (to the line's end when it is not closed: a long
/// line cut), else, with `any`, one word.
fn name(line: &[u8], s: usize, any: bool, ends: &Last) -> Option<(usize, usize)> {
    let open = *line.get(s)?;
    let quote = match open {
        b'"' | b'\'' => Some(open),
        b'`' => Some(b'\''),
        _ => None,
    };
    let start = s + usize::from(quote.is_some());
    // (the last occurrence of a word is at or after `start` exactly when
    // one occurrence is)
    let farthest = |last: &[Option<usize>]| last.iter().flatten().copied().filter(|&e| e >= start).max();
    let known = match quote {
        Some(_) => farthest(&ends.quoted).or_else(|| farthest(&ends.plain)),
        None => farthest(&ends.plain),
    };
    let end = match known {
        Some(e) if e > start => e,
        Some(_) => return None,
        None if quote.is_some() && any => match memchr::memchr(quote?, &line[start..]) {
            Some(0) => return None,
            Some(n) => start + n,
            None => line.len(),
        },
        None if any => {
            let word = &line[start..];
            let n = word
                .iter()
                .position(|&b| matches!(b, b' ' | b',' | b':' | b';' | b')' | b']'))
                .unwrap_or(word.len());
            let w = &word[..n];
            if n == 0 || NOT_NAMES.iter().any(|x| w.eq_ignore_ascii_case(x)) {
                return None;
            }
            start + n
        }
        None => return None,
    };
    Some((start, end))
}

/// The rest of a name that a line end cut (nginx writes the name as it
/// came, a `\n` or a `\r` in it too): a line that holds the words after an
/// nginx name (`" was not found in "`, `": password mismatch`) with no
/// `user "` before them begins with the rest of the name.
fn continued(line: &[u8], from: usize, found: &mut Vec<(usize, usize, Role)>) {
    let e = QUOTED_ENDS[..2]
        .iter()
        .filter_map(|w| memchr::memmem::rfind(&line[from..], w))
        .max()
        .map(|e| from + e);
    if let Some(e) = e.filter(|&e| e > from) {
        if memchr::memmem::find(&line[from..e], b"user \"").is_none() {
            found.push((from, e, Role::User));
        }
    }
}

/// Secrets in messages: the id of a PHP session file (`sess_` and at least
/// 16 letters, digits, `,` or `-`: PHP's warnings name the file), and the
/// value ModSecurity quotes from a request (`found within ARGS:password:
/// hunter2'`, `REQUEST_COOKIES:PHPSESSID: ...`).
fn secrets(line: &[u8], from: usize, found: &mut Vec<(usize, usize, Role)>) {
    for k in memchr::memmem::find_iter(&line[from..], b"sess_") {
        let s = from + k + 5;
        let run = line[s..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b',' | b'-'))
            .count();
        // (a `,` or `-` after the id is the message's)
        let n = line[s..s + run]
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .map_or(0, |k| k + 1);
        if n >= 16 {
            found.push((s, s + n, Role::Secret));
        }
    }
    // (each search starts after the value before: linear in the line)
    let mut after = from;
    while let Some(k) = memchr::memmem::find(&line[after..], b"found within ") {
        let c = after + k + 13;
        // `COLLECTION:NAME: VALUE` up to the quote and bracket that close it
        let Some(v) = memchr::memmem::find(&line[c..], b": ").map(|v| c + v + 2) else {
            break;
        };
        let close = memchr::memmem::find(&line[v..], b"\"]").map_or(line.len(), |e| v + e);
        let e = if line[v..close].ends_with(b"'") {
            close - 1
        } else {
            close
        };
        if e > v {
            found.push((v, e, Role::Secret));
        }
        after = close;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<&str> {
        let mut f = Fields::default();
        user_names(line.as_bytes(), 0, &mut f, true);
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
