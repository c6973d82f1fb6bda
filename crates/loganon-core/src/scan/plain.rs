//! Whether a value a format keeps as it is (its `Time` and `Verbatim`
//! fields: a timestamp, a status, a duration, a protocol, a cipher) has the
//! shape of one. A format's parser may take the bytes of a broken or
//! hostile line for such a field (a W3C line without `#Fields:` whose
//! columns are guessed, a template's `%s` before a separator); a value that
//! is not plain is scanned like any other (fail closed).

/// Whether `v` holds nothing a recogniser (or `check`) could take, by its
/// shape alone: at most 40 bytes of ASCII letters, digits, `: - + / . , _ [ ]`
/// and one space, with
/// - at most three colons and no `::` (an IPv6 address without `::` has
///   seven, a MAC five),
/// - at most one dot (a dotted quad has three; a host name that spells an
///   address, a Cisco MAC, a JWT and a reverse name two or more),
/// - at most four dashes, and at most three runs of digits joined by dashes
///   or the space (`2026-01-01`; an address in a host name, `ip-10-1-2-3`,
///   has four, a grouped card number four),
/// - at most ten digits in a row and twelve in runs joined by dashes or
///   the space (a card number has thirteen or more, an IBAN's number too),
/// - at most four digits after a `+` (a time zone; a phone number has more),
/// - no `//` (a URL's host), no `@`, `=`, `%`, `\`, quotes or other bytes.
///
/// `[10/Oct/2000:13:55:36 -0700]`, `2026-01-01T00:00:10.123456Z`,
/// `TLSv1.2`, `ECDHE-RSA-AES128-GCM-SHA256`, `0.004`, `HTTP/1.1` are plain.
pub fn is_plain(v: &[u8]) -> bool {
    if v.len() > 40 {
        return false;
    }
    let (mut colons, mut dots, mut dashes, mut spaces) = (0u8, 0u8, 0u8, 0u8);
    // digits in a row; digits and runs in a chain joined by `-` or ` `
    let (mut run, mut chain, mut groups) = (0u8, 0u8, 0u8);
    let mut plus = false;
    let mut prev = 0u8;
    for &b in v {
        match b {
            b'0'..=b'9' => {
                if run == 0 {
                    groups = if matches!(prev, b'-' | b' ') { groups + 1 } else { 1 };
                }
                run += 1;
                chain += 1;
                if run > 10 || chain > 12 || groups > 3 || (plus && chain > 4) {
                    return false;
                }
            }
            b'-' | b' ' => {
                if b == b'-' {
                    dashes += 1;
                } else {
                    spaces += 1;
                }
                run = 0;
            }
            b'+' => {
                if plus {
                    return false;
                }
                plus = true;
                (run, chain, groups) = (0, 0, 0);
            }
            b':' | b'.' | b'/' => {
                if b == prev && b != b'.' {
                    return false;
                }
                if b == b':' {
                    colons += 1;
                } else if b == b'.' {
                    dots += 1;
                }
                (run, chain, groups) = (0, 0, 0);
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'[' | b']' | b',' => (run, chain, groups) = (0, 0, 0),
            _ => return false,
        }
        prev = b;
    }
    colons <= 3 && dots <= 1 && dashes <= 4 && spaces <= 1
}

#[cfg(test)]
mod tests {
    use super::is_plain;

    #[test]
    fn times_numbers_and_names_are_plain() {
        for v in [
            "10/Oct/2000:13:55:36 -0700",
            "[10/Oct/2000:13:55:36 +0200]",
            "2026-01-01T00:00:10.123456Z",
            "2026-01-01T00:00:10+02:00",
            "2026-01-01T00:00:10-07:00",
            "2026-01-01",
            "00:00:01",
            "1286536308.779",
            "TLSv1.2",
            "HTTP/1.1",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TCP_MISS/200",
            "0.004",
            "-",
            "200",
            "W3SVC1",
            "",
        ] {
            assert!(is_plain(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn shapes_that_may_hold_personal_data_are_not() {
        for v in [
            "10.0.0.5",
            "00:00:10.0.0.1s",
            "1\u{d0}0.0.0.5",
            "H10.0.0.5",
            "fe80::1",
            "00:1a:2b:3c:4d:5e",
            "00-1a-2b-3c-4d-5e",
            "001a.2b3c.4d5e",
            "ip-10-1-2-3",
            "1-2-3-4.sslip.io",
            "c0a80105.nip.io",
            "4111-1111-1111-1111",
            "4111 1111 1111 1111",
            "4111111111111111",
            "DE89370400440532013000",
            "+4915112345678",
            "+49 151123456",
            "http://3325256781/",
            "a@example.com",
            "token=x",
            "1.2.3.4.in-addr.arpa",
            "%31%30.0.0.5",
            "a-very-long-value-of-more-than-forty-bytes-in-all",
        ] {
            assert!(!is_plain(v.as_bytes()), "{v}");
        }
    }
}
