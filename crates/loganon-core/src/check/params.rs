//! The oracle's parameter detectors: the values of deny-listed names in
//! `name=value` pairs (queries, `;name=value` path parameters), in
//! `name="value"` (logfmt, syslog structured data) and in `"name":value`
//! (JSON anywhere).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::oracle::{is_clean_value, mask, Oracle};

/// The family's expressions.
struct Res {
    param: Regex,
    /// `name="value"` after a space (logfmt, syslog structured data)
    quoted_param: Regex,
    /// `"name":"value"` (JSON in a query value, or anywhere)
    json_param: Regex,
}

/// The parameter detectors, built once.
fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a detector's expression is valid");
        Res {
            param: re(r#"(?-u)(^|[^A-Za-z0-9_.\-\[\]])([A-Za-z0-9_.\-\[\]]{1,64})=([^&\s"'#;<>)\]}]*)"#),
            quoted_param: re(r#"(?-u)(?:^|[\s\[,;{])([A-Za-z0-9_.\-]{1,64})="([^"]*)""#),
            json_param: re(r#"(?-u)"([A-Za-z0-9_.\-\[\]]{1,64})"\s*:\s*(?:"([^"]*)"|([^,}\]\s&"\[{]+))"#),
        }
    })
}

impl Oracle<'_> {
    /// `name="value"` after a space, a deny-listed name's value.
    pub(super) fn quoted_params(&mut self, t: &[u8]) {
        let d = res();
        for c in d.quoted_param.captures_iter(t) {
            let address = std::str::from_utf8(&c[2]).is_ok_and(|v| v.parse::<std::net::IpAddr>().is_ok());
            if self.deny.contains(&c[1]) && !is_clean_value(&c[2]) && !address {
                self.found.push(("deny-listed-parameter", mask(&c[2])));
            }
        }
    }

    /// `"name":value` pairs (JSON anywhere) with a deny-listed name.
    pub(super) fn json_params(&mut self, t: &[u8]) {
        let d = res();
        for c in d.json_param.captures_iter(t) {
            let value = c.get(2).or(c.get(3)).map_or(&b""[..], |m| m.as_bytes());
            // `name` and `key` mean what their object says (`service.name`,
            // HAR header pairs): in a JSON line the roles judge them
            let leaf = c[1].rsplit(|&b| b == b'.').next().unwrap_or(&c[1]);
            if leaf.eq_ignore_ascii_case(b"name") || leaf.eq_ignore_ascii_case(b"key") {
                continue;
            }
            // an address under `ip` or `client_ip` is the address detectors' to judge
            let text = std::str::from_utf8(value).unwrap_or("");
            let address = text.parse::<std::net::IpAddr>().is_ok();
            // so is one written as an integer (`"ip":3325256704`)
            if c.get(3).is_some() && self.deny.contains(&c[1]) {
                if let Ok(a) = text.parse::<u32>() {
                    // (what the detectors find in its dotted spelling: the
                    // address, judged as one)
                    self.v4(a);
                    continue;
                }
            }
            if self.deny.contains(&c[1])
                && !is_clean_value(value)
                && !address
                && !matches!(value, b"true" | b"false" | b"null")
            {
                self.found.push(("deny-listed-parameter", mask(value)));
            }
        }
    }

    /// `name=value` pairs: a deny-listed name's value is a finding; any other
    /// value (run on over a space between two digits: a card number grouped
    /// by spaces, `%20`) is handed to `judge` as its start and end in `t`.
    pub(super) fn params(&mut self, t: &[u8], mut judge: impl FnMut(&mut Self, &[u8], usize, usize)) {
        let d = res();
        for c in d.param.captures_iter(t) {
            let (name, mut value) = (&c[2], &c[3]);
            // a `;name=value` path parameter ends at the next path segment
            if &c[1] == b";" {
                if let Some(k) = value.iter().position(|&b| b == b'/' || b == b'?') {
                    value = &value[..k];
                }
            }
            if self.deny.contains(name) && !is_clean_value(value) {
                self.found.push(("deny-listed-parameter", mask(value)));
                continue;
            }

            #[cfg(test)]
            if self.fresh {
                self.ahead = Default::default();
            }
            // a card number may be grouped by spaces (`%20`): the value runs
            // on over a space between two digits
            let start = c.get(3).map_or(0, |m| m.start());
            let mut end = start + value.len();
            // (the run from any value end it reaches over ends at the same
            // place: remembered, as the values after it come here again)
            let from = end;
            match self.ahead.spaced {
                Some((a, b)) if end > start && a <= end && end <= b && t.get(end) == Some(&b' ') => end = b,
                _ => {
                    while end + 1 < t.len()
                        && end > start
                        && t[end] == b' '
                        && t[end - 1].is_ascii_digit()
                        && t[end + 1].is_ascii_digit()
                    {
                        end += 1;
                        while end < t.len()
                            && !matches!(
                                t[end],
                                b' ' | b'\t'
                                    | b'\r'
                                    | b'\n'
                                    | b'&'
                                    | b'"'
                                    | b'\''
                                    | b'#'
                                    | b';'
                                    | b'<'
                                    | b'>'
                                    | b')'
                                    | b']'
                                    | b'}'
                            )
                        {
                            end += 1;
                        }
                    }
                }
            }
            if end > from {
                self.ahead.spaced = Some((from, end));
            }
            judge(self, t, start, end);
        }
    }
}
