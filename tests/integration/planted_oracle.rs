//! The planted-secret tests' own decoder (`planted.rs`): it decodes an
//! output completely (percent, doubled percent, JSON `\u`, C `\x`, HTML
//! entities) and shares nothing with loganon's scanner, decoder or `check`.

// ---------------------------------------------------------------------------
// This test's own decoder
// ---------------------------------------------------------------------------

fn hexval(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex_at(s: &[u8], i: usize, n: usize) -> Option<u32> {
    let mut v = 0;
    for k in 0..n {
        v = v * 16 + hexval(*s.get(i + k)?)?;
    }
    Some(v)
}

fn push_cp(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).unwrap_or('?');
    let mut b = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

/// One pass over `s`: every escape of every family decoded once.
fn decode_once(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' {
            if let Some(v) = hex_at(s, i + 1, 2) {
                out.push(v as u8);
                i += 3;
                continue;
            }
        }
        if b == b'\\' && i + 1 < s.len() {
            match s[i + 1] {
                b'x' => {
                    if let Some(v) = hex_at(s, i + 2, 2) {
                        out.push(v as u8);
                        i += 4;
                        continue;
                    }
                }
                b'u' => {
                    if let Some(v) = hex_at(s, i + 2, 4) {
                        if (0xD800..0xDC00).contains(&v) && s.get(i + 6..i + 8) == Some(b"\\u") {
                            if let Some(lo) = hex_at(s, i + 8, 4) {
                                push_cp(&mut out, 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00));
                                i += 12;
                                continue;
                            }
                        }
                        push_cp(&mut out, v);
                        i += 6;
                        continue;
                    }
                }
                c @ (b'"' | b'\\' | b'/') => {
                    out.push(c);
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        if b == b'&' {
            let rest = &s[i..];
            if let Some(end) = rest.iter().take(12).position(|&c| c == b';') {
                let ent = &rest[1..end];
                let named: Option<u8> = match ent {
                    b"amp" => Some(b'&'),
                    b"quot" => Some(b'"'),
                    b"lt" => Some(b'<'),
                    b"gt" => Some(b'>'),
                    _ => None,
                };
                if let Some(c) = named {
                    out.push(c);
                    i += end + 1;
                    continue;
                }
                let num = if let Some(h) = ent.strip_prefix(b"#x") {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                } else if let Some(d) = ent.strip_prefix(b"#") {
                    std::str::from_utf8(d).ok().and_then(|d| d.parse().ok())
                } else {
                    None
                };
                if let Some(cp) = num {
                    push_cp(&mut out, cp);
                    i += end + 1;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

pub(crate) fn decode_all(s: &[u8]) -> Vec<u8> {
    let mut cur = s.to_vec();
    for _ in 0..20 {
        let next = decode_once(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn the_oracle_decodes_what_it_must() {
    assert_eq!(decode_all(b"a%252540b"), b"a@b");
    assert_eq!(decode_all(br"\u0031\x2e&#50;&amp;"), b"1.2&");
    assert_eq!(decode_all(br"\ud83d\ude00"), "\u{1F600}".as_bytes());
}
