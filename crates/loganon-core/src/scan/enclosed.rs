//! What encloses an address about to be reported: an email's quoted local
//! part or a URL's userinfo, which an `@` after the address takes whole.
//! Between the contact and credential families (which stand apart, see
//! `tests/layers/families.rs`), as `dispatch` chooses between them.

use super::contact::domain_end;
use super::credentials::is_userinfo;
use super::sink::{Kind, Sink};
use super::state::Scanner;

impl Scanner<'_> {
    /// An address at `a..b` about to be reported may lie inside what an
    /// `@` after it takes whole: an email's quoted local part
    /// (`"1.2.3.4"@example.com`, `"::"@example.com`) or a URL's userinfo
    /// (`//ip-1-2-3-4.example.net@host`). That `@` is read now, and where it
    /// took them, the end (the floor is set there); the address alone would
    /// leave the rest of the local part or the userinfo in the output.
    /// (Out of line: most addresses stand in no quotes and before no `@`.)
    #[inline(never)]
    pub(super) fn taken_by_at<S: Sink>(&mut self, a: usize, b: usize, sink: &mut S) -> Option<usize> {
        let s = self.s;
        // a userinfo: its bytes run on to the `@`, and it starts at the
        // address or before it (in `fe80::1@h/` the address is read as a
        // scheme and a user `:1`: it stays an address)
        let mut j = b;
        while j < s.len() && j - b < 1024 && is_userinfo(s[j]) {
            j += 1;
        }
        if s.get(j) == Some(&b'@') {
            if let Some(u) = self.userinfo_start(j, |s, d| domain_end(s, d).is_some()) {
                if u <= a {
                    self.remove(sink, u, j + 1, Kind::UrlCredentials);
                    self.floor = j + 1;
                    return Some(j + 1);
                }
            }
        }
        // a quoted local part: a quote before the address (the last one,
        // at most 128 bytes back, above the floor), and the next one after
        // it closes the local part before its `@`
        let from = self.floor.max(a.saturating_sub(128));
        memchr::memrchr(b'"', &s[from..a])?;
        let lim = s.len().min(a + 129);
        let c = b + memchr::memchr(b'"', s.get(b..lim)?)?;
        if s.get(c + 1) != Some(&b'@') {
            return None;
        }
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
        // a userinfo that starts at the address or before it
        assert_eq!(found("//g4-2-3-5.d.e@d"), ["-url-credentials 2..15"]);
        assert_eq!(found("//1.2.3.4:pw@h/"), ["-url-credentials 2..13"]);
        // an address read as a scheme and a user (`fe80:` `:1`): itself
        assert_eq!(found("fe80::1@h/"), ["v6 0..7..7 fe80::1"]);
        // quoted, or before an `@`, yet enclosed by nothing an `@` takes
        assert_eq!(found(r#""1.2.3.4" 200"#), ["v4 1..8 1.2.3.4"]);
        assert_eq!(found("1.2.3.4@ x"), ["v4 0..7 1.2.3.4"]);
    }
}
