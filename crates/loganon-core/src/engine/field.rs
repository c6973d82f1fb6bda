//! One value of a parsed table's column, anonymized as the field of its
//! role in a log line (the Python package's column functions: a Bronze
//! table's `client_ip`, `request`, `user` columns become a Silver table's
//! without rebuilding lines). The rules are those of a CLF line's fields,
//! so a column's values come out as the CLI writes those fields.

use super::rewrite::Rewriter;
use super::Engine;
use crate::scan::scan;
use crate::stats::Stats;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// a client address (or host name, its last two labels kept)
    Client,
    /// a user name: `-` (or its keyed hash), as CLF's user field
    User,
    /// a quoted field of a line: a request (`GET /path?q HTTP/1.1`), a
    /// referer, a user agent
    Quoted,
    /// free text: the generic rules
    Text,
}

impl Column {
    /// The column role a name says: `client`, `user`, `request`, `referer`,
    /// `user_agent`, `text`.
    pub fn from_name(name: &str) -> Option<Column> {
        Some(match name {
            "client" => Column::Client,
            "user" => Column::User,
            "request" | "referer" | "user_agent" => Column::Quoted,
            "text" => Column::Text,
            _ => return None,
        })
    }
}

impl Engine {
    /// Appends to `out` the value anonymized as a field of role `column`,
    /// with `day`'s keys (the keyed modes), settled as a line is.
    pub fn field_in(&self, value: &[u8], column: Column, day: i64, out: &mut Vec<u8>, stats: &mut Stats) {
        let mark = out.len();
        // a quoted field is scanned between its quotes, as in a line
        let quoted;
        let body: &[u8] = if column == Column::Quoted {
            let mut q = Vec::with_capacity(value.len() + 2);
            q.push(b'"');
            q.extend_from_slice(value);
            q.push(b'"');
            quoted = q;
            &quoted
        } else {
            value
        };
        let mut rw = Rewriter::new(&self.opts, body, out, None, day, None);
        let n = body.len();
        match column {
            Column::Client => self.client(body, 0..n, &mut rw),
            Column::User => {
                if body != b"-" && !crate::keyed::is_hashed_id(body) {
                    rw.user_field(0, n);
                }
            }
            Column::Quoted => scan(body, 1, n - 1, &self.opts.rules, &mut rw),
            Column::Text => scan(body, 0, n, &self.opts.rules, &mut rw),
        }
        rw.copy_to(n);
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        let written = std::mem::take(&mut rw.written);
        let settle = rw.removals > 0 || rw.glued || rw.identifiers > 0;
        if settle {
            self.settle(out, mark, None, day, day, None, written, stats);
        }
        if column == Column::Quoted {
            // the quotes, which no rule touches
            out.remove(mark);
            out.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_as_the_fields_of_a_line() {
        let e = Engine::default();
        let run = |v: &str, c: Column| {
            let mut out = Vec::new();
            e.field_in(v.as_bytes(), c, 20_000, &mut out, &mut Stats::default());
            String::from_utf8(out).unwrap()
        };
        assert_eq!(run("198.51.100.7", Column::Client), "198.51.100.0");
        assert_eq!(run("2001:db8:1:2::9", Column::Client), "2001:db8:1::");
        assert_eq!(run("bob", Column::User), "-");
        assert_eq!(run("-", Column::User), "-");
        assert_eq!(
            run("GET /login?email=bob@example.com&x=10.1.2.3 HTTP/1.1", Column::Quoted),
            "GET /login?email=REDACTED&x=10.1.2.0 HTTP/1.1"
        );
        assert_eq!(
            run("from 203.0.113.9 by alice@example.org", Column::Text),
            "from 203.0.113.0 by REDACTED"
        );
        assert_eq!(Column::from_name("user_agent"), Some(Column::Quoted));
        assert_eq!(Column::from_name("ip"), None);
    }
}
