//! The walker: a JSON object read byte by byte into fields with roles,
//! keys, numbers and punctuation kept as they are.

use super::keys::{key_role, KeyCache, Part, EVENT_CREATED};
use crate::formats::fields::{Fields, Role};
use crate::rules::DenyList;

/// Scratch space of the JSON walker, kept from line to line (in the
/// context, [`Ctx`](crate::formats::Ctx)) so that a line costs no allocation: the frame stack, and the
/// keys seen lately with what they mean.
#[derive(Debug, Default)]
pub struct Scratch {
    stack: Vec<Frame>,
    keys: KeyCache,
}

#[derive(Debug)]
struct Frame {
    object: bool,
    /// opened under a user or secret key: every value inside takes that
    /// role, whatever its own key (`{"password":{"a":"x"}}`)
    inherit: Option<Role>,
    /// the role of values here (from the key that opened an array, or the
    /// current key of an object)
    role: Role,
    /// in an object: a key was read, its value comes next
    want_value: bool,
    /// in an object: the `:` after the key was read
    colon: bool,
    /// `"name": "Cookie"` seen: the `"value"` of this object is a secret
    header_secret: bool,
    /// the current key is `value`
    key_is_value: bool,
    /// the current key is `name`/`key`/`header`
    key_is_name: bool,
    /// the current key names an object whose `name` is not a person's
    /// (ECS `service`, `host`, `user_agent`, ...)
    key_plain_object: bool,
    /// this object's `name` is no person's: it is an ECS object of that
    /// kind, or an element of an array (HAR `{"name":"Cookie","value":...}`
    /// header pairs)
    plain_name: bool,
    /// the current key is `event` (in the outermost object)
    key_event: bool,
    /// the time rank of the current key (0: no time key, or not in the
    /// outermost object or an ECS `event` object in it)
    key_time: u8,
    /// this is the ECS `event` object of the outermost object
    event: bool,
    /// the status (bytes) rank of the current key (0: none)
    key_status: u8,
    key_bytes: u8,
    /// the ECS part an object under the current key is
    key_opens: Part,
    /// the ECS part this object is (`http`, `http.response`, ...)
    part: Part,
    /// the current key is a user agent key
    key_agent: bool,
    /// the current key's [`KeyInfo::repeat`]
    key_repeat: u8,
}

/// The end of a JSON string starting at `i` (on its `"`): the offset of the
/// closing quote.
fn string_end(s: &[u8], i: usize) -> Option<usize> {
    let mut k = i + 1;
    loop {
        let d = memchr::memchr2(b'"', b'\\', &s[k..])?;
        k += d;
        if s[k] == b'"' {
            return Some(k);
        }
        k += 2;
        if k > s.len() {
            return None;
        }
    }
}

/// Walks the JSON object starting at `start` (on its `{`) to the end of the
/// line and fills `f`. `None` when it is not one well-formed object (followed
/// only by white space).
pub fn parse(s: &[u8], start: usize, deny: &DenyList, f: &mut Fields, scratch: &mut Scratch) -> Option<()> {
    let mut brk = start;
    walk(s, start, deny, f, scratch, &mut brk)
}

/// [`parse`] for a line that is not one well-formed object (cut short, or
/// followed by text): the fields up to where it breaks keep their roles,
/// and the rest is one field, of the role of the value it was in (a cut
/// `"remote_user":"bo` is still a user) or scanned. `None` only when nothing
/// before the break was JSON.
pub fn parse_lenient(s: &[u8], start: usize, deny: &DenyList, f: &mut Fields, scratch: &mut Scratch) -> Option<()> {
    let mut brk = start;
    if walk(s, start, deny, f, scratch, &mut brk).is_some() {
        return Some(());
    }
    if brk <= start {
        return None;
    }
    let role = match scratch.stack.last() {
        Some(top) if s.get(brk) == Some(&b'"') && (!top.object || (top.want_value && top.colon)) => top.role,
        _ => Role::Generic,
    };
    f.list.retain(|(r, _)| r.end <= brk);
    // scanned, the rest takes the punctuation before it along, so that
    // what the break splits is seen whole (`{"a"::4`: `::4`)
    let from = match role {
        Role::Generic => {
            let from = f.list.last().map_or(start, |(r, _)| r.end).min(brk);
            // a string read as a value, then `:` (`"a":"b":c`): it was a
            // key after all, and goes along with what follows, so that
            // the scan sees the pair (`"b":c`); a value whose role is
            // stronger than a scan (a user's, a secret) keeps it
            match f.list.last() {
                Some((r, role))
                    if s.get(brk) == Some(&b':')
                        && matches!(role, Role::Generic | Role::GenericEscaped | Role::Verbatim)
                        && r.start > start
                        && s[r.start - 1] == b'"'
                        && s.get(r.end) == Some(&b'"')
                        && s[r.end + 1..brk].iter().all(u8::is_ascii_whitespace) =>
                {
                    let open = r.start - 1;
                    f.list.pop();
                    open
                }
                _ => from,
            }
        }
        _ => brk + 1,
    };
    if from < s.len() {
        f.list.push((from..s.len(), role));
    }
    f.gaps = Some(Role::Generic);
    Some(())
}

/// The walk of [`parse`]; `brk` follows the offset of the token being read,
/// so that on `None` it says where the line stopped being JSON.
fn walk(s: &[u8], start: usize, deny: &DenyList, f: &mut Fields, scratch: &mut Scratch, brk: &mut usize) -> Option<()> {
    f.clear();
    let Fields {
        list,
        gaps,
        time,
        status,
        bytes,
        http,
        repeats,
        ..
    } = f;
    let Scratch { stack, keys } = scratch;
    // the rank of the time key `time` was found under, of the status and
    // bytes keys
    let mut time_rank = u8::MAX;
    let (mut status_rank, mut bytes_rank) = (u8::MAX, u8::MAX);
    *gaps = Some(Role::Verbatim);
    if start > 0 {
        list.push((0..start, Role::Generic));
    }
    stack.clear();
    let mut i = start;
    let mut done = false;
    while i < s.len() {
        let b = s[i];
        *brk = i;
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b',' => {}
            _ if done => return None,
            b'{' | b'[' => {
                if let Some(top) = stack.last() {
                    if top.object && !(top.want_value && top.colon) {
                        return None;
                    }
                }
                let role = stack.last().map_or(Role::GenericEscaped, |f| f.role);
                let inherit = stack.last().and_then(|f| {
                    f.inherit
                        .or(matches!(f.role, Role::User | Role::Secret).then_some(f.role))
                });
                let plain_name = stack.last().is_some_and(|f| !f.object || f.key_plain_object);
                let event = stack.len() == 1 && stack[0].object && stack[0].key_event;
                let part = match stack.last() {
                    Some(top) if top.object && b == b'{' => top.key_opens,
                    _ => Part::No,
                };
                stack.push(Frame {
                    object: b == b'{',
                    inherit,
                    role,
                    want_value: false,
                    colon: false,
                    header_secret: false,
                    key_is_value: false,
                    key_is_name: false,
                    key_plain_object: false,
                    plain_name,
                    key_time: 0,
                    key_event: false,
                    event,
                    key_status: 0,
                    key_bytes: 0,
                    key_opens: Part::No,
                    part,
                    key_agent: false,
                    key_repeat: 0,
                });
            }
            b'}' | b']' => {
                if stack.last().is_some_and(|f| f.object && f.want_value) {
                    return None; // `{"a":}`
                }
                let fr = stack.pop()?;
                if fr.object != (b == b'}') {
                    return None;
                }
                if stack.is_empty() {
                    done = true;
                } else if let Some(top) = stack.last_mut() {
                    if top.object {
                        top.want_value = false;
                        top.colon = false;
                    }
                }
            }
            b':' => {
                let top = stack.last_mut()?;
                if !top.object || !top.want_value || top.colon {
                    return None;
                }
                top.colon = true;
            }
            b'"' => {
                let end = string_end(s, i)?;
                let depth = stack.len();
                let top = stack.last_mut()?;
                let content = i + 1..end;
                if top.object && !top.want_value {
                    // a key: scanned too (an address or an email can be one)
                    let key = &s[content.clone()];
                    let k = keys.get(key, deny);
                    if k.scan {
                        list.push((content, Role::GenericEscaped));
                    }
                    top.role = match top.inherit {
                        Some(r) => r,
                        // `{"service":{"name":...}}`, a HAR header's name:
                        // scanned, not a secret
                        None if k.is_name && top.plain_name && k.role == Role::Secret => Role::GenericEscaped,
                        None => k.role,
                    };
                    top.key_is_value = k.is_value;
                    top.key_agent = k.agent;
                    top.key_repeat = k.repeat;
                    top.key_is_name = k.is_name;
                    top.key_plain_object = k.plain_object;
                    // a time key counts in the outermost object, and
                    // `created` in its `event` object
                    top.key_time = 0;
                    top.key_event = false;
                    if depth == 1 {
                        top.key_time = k.time;
                        top.key_event = k.is_event;
                    } else if top.event && k.is_created {
                        top.key_time = EVENT_CREATED;
                    }
                    // status and bytes keys count in the outermost object,
                    // and ECS `http.response.status_code` and
                    // `http.response.body.bytes` nested in it
                    (top.key_status, top.key_bytes, top.key_opens) = match (depth, top.part, k.part) {
                        (1, _, Part::Http) => (k.status, k.bytes, Part::Http),
                        (1, _, _) => (k.status, k.bytes, Part::No),
                        (_, Part::No, _) => (0, 0, Part::No),
                        (_, Part::Http, Part::Response) => (0, 0, Part::Response),
                        (_, Part::Response, Part::Body) => (0, 0, Part::Body),
                        (_, Part::Response, Part::StatusCode) => (1, 0, Part::No),
                        (_, Part::Body, Part::Bytes) => (0, 1, Part::No),
                        _ => (0, 0, Part::No),
                    };
                    if top.key_is_value && top.header_secret {
                        top.role = Role::Secret;
                    }
                    top.want_value = true;
                    top.colon = false;
                } else {
                    if top.object && !top.colon {
                        return None;
                    }
                    // a value
                    if top.object && top.key_is_name && key_role(&s[content.clone()], deny) == Role::Secret {
                        top.header_secret = true;
                    }
                    let role = top.role;
                    if top.object {
                        if top.key_time != 0 && top.key_time < time_rank {
                            time_rank = top.key_time;
                            *time = Some(content.clone());
                        }
                        if (top.key_status | top.key_bytes) != 0 {
                            figure(top, &content, (&mut status_rank, status), (&mut bytes_rank, bytes));
                        }
                        top.want_value = false;
                        top.colon = false;
                    }
                    // (the first user agent of the outermost object)
                    let agent = top.key_agent && depth == 1 && top.object && http.agent.is_none();
                    if agent {
                        http.agent = Some(content.clone());
                    }
                    if !content.is_empty() {
                        if (top.key_repeat != 0 || agent) && depth == 1 && top.object && list.len() < 64 {
                            *repeats |= 1 << list.len();
                        }
                        list.push((content, role));
                    }
                }
                i = end;
            }
            _ => {
                // a number or a literal
                let top = stack.last_mut()?;
                let st = i;
                while i < s.len() && !matches!(s[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                let tok = &s[st..i];
                // (`NaN` and `Infinity`: what Python's json writes by default)
                let literal = matches!(tok, b"true" | b"false" | b"null" | b"NaN" | b"Infinity" | b"-Infinity");
                let number = !tok.is_empty()
                    && tok
                        .iter()
                        .all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'));
                if !literal && !number {
                    return None;
                }
                if top.object && !(top.want_value && top.colon) {
                    return None;
                }
                // (a card number or an IMEI written as a number goes too:
                // `"cc":4111111111111111`)
                if number
                    && (matches!(top.role, Role::User | Role::Secret)
                        || crate::scan::is_card_number_token(tok)
                        || crate::scan::is_imei(tok))
                {
                    list.push((st..i, Role::SecretNumber));
                } else if number && top.role == Role::Client {
                    list.push((st..i, Role::ClientNumber));
                } else if number && top.role == Role::Location {
                    list.push((st..i, Role::Location));
                }
                if top.object {
                    if number && top.key_time != 0 && top.key_time < time_rank {
                        time_rank = top.key_time;
                        *time = Some(st..i);
                    }
                    if number && (top.key_status | top.key_bytes) != 0 {
                        figure(top, &(st..i), (&mut status_rank, status), (&mut bytes_rank, bytes));
                    }
                    top.want_value = false;
                    top.colon = false;
                }
                continue;
            }
        }
        i += 1;
    }
    *brk = s.len();
    if done {
        Some(())
    } else {
        None
    }
}

/// Notes `value` as the line's status (bytes) when its key ranks better
/// than the one noted so far (a tie goes to the first).
#[inline(never)]
fn figure(
    top: &Frame,
    value: &std::ops::Range<usize>,
    status: (&mut u8, &mut Option<std::ops::Range<usize>>),
    bytes: (&mut u8, &mut Option<std::ops::Range<usize>>),
) {
    for (key, (rank, slot)) in [(top.key_status, status), (top.key_bytes, bytes)] {
        if key != 0 && key < *rank {
            *rank = key;
            *slot = Some(value.clone());
        }
    }
}

/// Where a JSON object starts in a line: at its first byte (after white
/// space), or after a prefix when the line ends with `}`.
pub fn object_start(s: &[u8]) -> Option<usize> {
    let first = s.iter().position(|&b| !matches!(b, b' ' | b'\t'))?;
    if s[first] == b'{' {
        return Some(first);
    }
    let last = s.iter().rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))?;
    if s[last] != b'}' {
        return None;
    }
    memchr::memmem::find(s, b" {").map(|k| k + 1)
}
