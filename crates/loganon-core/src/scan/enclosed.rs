//! What encloses an address about to be reported: an email's local part
//! (quoted, or of plain bytes that hold the address) or a URL's userinfo,
//! which an `@` after the address takes whole.
//! Between the contact and credential families (which stand apart, see
//! `tests/layers/families.rs`), as `dispatch` chooses between them.

use super::bytes::is_local_char;
use super::contact::{domain_end, email_domain_end};
use super::credentials::is_userinfo;
use super::sink::{Kind, Sink};
use super::state::{run_end, Scanner};

impl Scanner<'_> {
    /// An address at `a..b` about to be reported may lie inside what an
    /// `@` after it takes whole: an email's local part, quoted or not
    /// (`"1.2.3.4"@example.com`, `1.2.3.4.x@example.com`) or a URL's userinfo
    /// (`//ip-1-2-3-4.example.net@host`). That `@` is read now, and where it
    /// took them, the end (the floor is set there); the address alone would
    /// leave the rest of the local part or the userinfo in the output.
    /// Where the next `@` is and where the userinfo and local part bytes
    /// end are remembered for the span: most addresses have no `@` after
    /// them, and a line of many addresses costs its length once.
    #[inline(never)]
    pub(super) fn taken_by_at<S: Sink>(&mut self, a: usize, b: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        let at = match self.next_at {
            (from, to) if from <= b && b <= to => to,
            _ => {
                let to = b + memchr::memchr(b'@', &s[b..]).unwrap_or(s.len() - b);
                self.next_at = (b, to);
                to
            }
        };
        if at >= s.len() {
            return None;
        }
        // a userinfo: its bytes run on to the `@`, and it starts at the
        // address or before it; or inside it, after a scheme that holds the
        // address's first group, with more of a user after the address
        // (`authdb8::1rol@e`: its reader would take `:rol@` once the
        // address is truncated). In `fe80::1@h/`, read as a scheme and a
        // user `:1`, nothing follows the address: it stays an address, and
        // its replacement leaves a user of no letter or digit, which is
        // none.
        if at - b <= 1024 && run_end(s, b, &mut self.ahead().userinfo, is_userinfo) == at {
            if let Some(u) = self.userinfo_start(at, |s, d| domain_end(s, d).is_some()) {
                if u <= a || (u <= b && s[b..at].iter().any(u8::is_ascii_alphanumeric)) {
                    self.remove(sink, u, at + 1, Kind::UrlCredentials);
                    self.floor = at + 1;
                    return Some(at + 1);
                }
            }
        }
        // an email's local part of plain bytes that holds the address
        // (`:1.2.3.4@example.com`, `1.2.3.4.x@example.com`: a run with a
        // colon is not handed to the `@` before it is read): the email
        // goes from where its local part starts, at the address or before
        // it, never inside it (`2001:db8::1:2@x.io`, whose local part would
        // start after the last `:`, goes whole)
        if at - b < 512 && run_end(s, b, &mut self.ahead().local, is_local_char) >= at {
            if let Some(d) = email_domain_end(s, at + 1) {
                let mut k = a;
                while k > self.floor && is_local_char(s[k - 1]) && at - k < 512 {
                    k -= 1;
                }
                // (a quote or dot before the name is not part of it)
                while k < a && matches!(s[k], b'\'' | b'.') {
                    k += 1;
                }
                self.redact(sink, k, d, Kind::Email);
                self.floor = d;
                return Some(d);
            }
        }
        // a quoted local part: the first quote after the address closes it
        // before its `@`, and another opens it before the address (the
        // last one, at most 128 bytes before the closing one, above the
        // floor)
        let lim = s.len().min(a + 129);
        let c = b + memchr::memchr(b'"', s.get(b..lim)?)?;
        if s.get(c + 1) != Some(&b'@') {
            return None;
        }
        let from = self.floor.max(c.saturating_sub(128));
        memchr::memrchr(b'"', &s[from..a])?;
        let floor = self.floor;
        let e = self.at(c + 1, sink);
        (self.floor != floor).then_some(e)
    }
}

#[cfg(test)]
mod tests {
    use crate::scan::testing::found;

    #[test]
    fn an_address_goes_with_what_encloses_it() {
        // a quoted local part: the email, no address
        assert_eq!(found(r#"x "1.2.3.4"@example.com"#), ["email 2..23"]);
        assert_eq!(found(r#""::"@y.om"#), ["email 0..9"]);
        // two addresses in one local part: one email
        assert_eq!(found(r#""1.2.3.4 5.6.7.8"@x.io y"#), ["email 0..22"]);
        // a local part that ends with the address, after a colon
        assert_eq!(found(":1.2.3.4@e.ln"), ["email 1..13"]);
        assert_eq!(found("x ::ffff:1.2.3.4.@e.ln y"), ["email 2..22"]);
        assert_eq!(found("2001:db8:a:b:c:d:e:f@x.io"), ["email 0..25"]);
        assert_eq!(found("x 'a.1.2.3.4@e.ln"), ["email 3..17"]);
        // (an `@` inside the local part first)
        assert_eq!(found(r#""1.2.3.4 a@b"@x.io"#), ["email 0..18"]);
        // a userinfo that starts at the address or before it
        assert_eq!(found("//g4-2-3-5.d.e@d"), ["-url-credentials 2..15"]);
        assert_eq!(found("//1.2.3.4:pw@h/"), ["-url-credentials 2..13"]);
        // an address read as a scheme and a user (`fe80:` `:1`): itself
        assert_eq!(found("fe80::1@h/"), ["v6 0..7..7 fe80::1"]);
        // (unless more of a user follows the address)
        assert_eq!(found("[authdb8::1rol@e#x"), ["-url-credentials 9..15"]);
        // quoted, or before an `@`, yet enclosed by nothing an `@` takes
        assert_eq!(found(r#""1.2.3.4" 200"#), ["v4 1..8 1.2.3.4"]);
        assert_eq!(found("1.2.3.4@ x"), ["v4 0..7 1.2.3.4"]);
    }
}
