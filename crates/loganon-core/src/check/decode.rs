//! The oracle's own decoder: one regular expression for every escape family
//! (`%XX`, `%uXXXX`, `\\xHH`, `\\uXXXX` with surrogate pairs, `\\"` and
//! friends, HTML entities; control bytes and terminal escape sequences,
//! which show nothing, are removed), applied again and again until nothing
//! changes.
//! It shares no code with the anonymizer's decoder (`crate::decode`).

use std::sync::OnceLock;

use regex::bytes::{Captures, Regex};

fn escapes() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r#"(?x-u)
              \\[uU](?P<hi>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<lo>[dD][c-fC-F][0-9a-fA-F]{2})
            | %(?P<pct>[0-9a-fA-F]{2})
            | %[uU](?P<pu>[0-9a-fA-F]{4})
            | \\[xX](?P<bx>[0-9a-fA-F]{2})
            | \\[uU](?P<bu>[0-9a-fA-F]{4})
            | \\(?P<simple>["\\/'ntrbfv0])
            | &\#[xX](?P<ex>[0-9a-fA-F]{1,8})(?:;|(?P<exn>[^0-9a-fA-F;%\\&])|$)
            | &\#(?P<ed>[0-9]{1,8})(?:;|(?P<edn>[^0-9;%\\&])|$)
            | &(?P<named>[A-Za-z][A-Za-z0-9]{1,31});
            | (?P<ctl>\x1b\[[0-9;]*[@-~]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f])
            "#,
        )
        .expect("the decoder's expression is valid")
    })
}

fn push_char(out: &mut Vec<u8>, cp: u32) {
    match char::from_u32(cp) {
        Some(c) => out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        // a lone surrogate or out of range: a letter, so it joins what is around
        None => out.push(b'X'),
    }
}

fn hex_value(b: &[u8]) -> u32 {
    u32::from_str_radix(std::str::from_utf8(b).unwrap_or("0"), 16).unwrap_or(0)
}

fn replacement(c: &Captures, out: &mut Vec<u8>) {
    // a control byte (or a terminal's escape sequence) shows nothing: it
    // goes, and what it stood between is read as one
    if c.name("ctl").is_some() {
        return;
    }
    if let (Some(hi), Some(lo)) = (c.name("hi"), c.name("lo")) {
        let cp = 0x10000 + ((hex_value(hi.as_bytes()) - 0xD800) << 10) + (hex_value(lo.as_bytes()) - 0xDC00);
        push_char(out, cp);
    } else if let Some(h) = c.name("pct").or(c.name("bx")) {
        out.push(hex_value(h.as_bytes()) as u8);
    } else if let Some(h) = c.name("pu").or(c.name("bu")) {
        push_char(out, hex_value(h.as_bytes()));
    } else if let Some(h) = c.name("ex") {
        push_char(out, hex_value(h.as_bytes()));
        // the byte after an entity without its `;` was matched: put it back
        out.extend_from_slice(c.name("exn").map_or(&b""[..], |m| m.as_bytes()));
    } else if let Some(d) = c.name("ed") {
        let cp = std::str::from_utf8(d.as_bytes()).ok().and_then(|s| s.parse().ok());
        push_char(out, cp.unwrap_or(u32::MAX));
        out.extend_from_slice(c.name("edn").map_or(&b""[..], |m| m.as_bytes()));
    } else if let Some(s) = c.name("simple") {
        out.push(match s.as_bytes()[0] {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0' => 0,
            other => other,
        });
    } else if let Some(n) = c.name("named") {
        let b: &[u8] = match n.as_bytes() {
            b"amp" => b"&",
            b"lt" => b"<",
            b"gt" => b">",
            b"quot" => b"\"",
            b"apos" => b"'",
            b"nbsp" => b" ",
            b"commat" => b"@",
            b"period" => b".",
            b"colon" => b":",
            b"equals" => b"=",
            b"percnt" => b"%",
            b"sol" => b"/",
            b"quest" => b"?",
            b"semi" => b";",
            b"comma" => b",",
            b"plus" => b"+",
            b"lowbar" => b"_",
            b"hyphen" | b"dash" => b"-",
            b"num" => b"#",
            b"Tab" => b"\t",
            b"NewLine" => b"\n",
            _ => b"X",
        };
        out.extend_from_slice(b);
    }
}

/// Decodes every escape of every family, again and again until nothing
/// changes (at most 32 rounds).
pub fn decode_fully(line: &[u8]) -> Vec<u8> {
    let mut text = line.to_vec();
    for _ in 0..32 {
        let re = escapes();
        if !re.is_match(&text) {
            break;
        }
        let mut out = Vec::with_capacity(text.len());
        let mut last = 0;
        for c in re.captures_iter(&text) {
            let m = c.get(0).expect("group 0");
            out.extend_from_slice(&text[last..m.start()]);
            replacement(&c, &mut out);
            last = m.end();
        }
        out.extend_from_slice(&text[last..]);
        if out == text {
            break;
        }
        text = out;
    }
    text
}
