//! The per-line engine: bytes in, bytes out, no I/O.
//!
//! A line is recognised (see [`crate::formats`]); fields with a known role get
//! their rule (client address or host name, ident and user), and everything
//! that may hold personal data goes through the generic [`scan`](crate::scan::scan).
//! Bytes that no rule touches are copied unchanged, in spans, never byte by
//! byte.
//!
//! The files: this one holds the configuration ([`Engine`], [`Options`]) and
//! what a call adds to it ([`KPass`]); `line` the line path (the age gate,
//! the dispatch by format, the settling passes, chunks and pieces of long
//! lines), `walk` the rules along a line's fields (the client, clean values,
//! lines nested in JSON strings, broken lines), `rewrite` the anonymizing
//! [`Sink`](crate::scan::Sink), and `count` the first pass of `--min-k` (a
//! consumer of the walk of its own: [`Engine::count_line`],
//! [`Engine::count_chunk`]).

mod count;
pub mod field;
mod glue;
mod line;
mod records;
mod rewrite;
pub(crate) mod walk;
mod written;

use std::sync::Arc;

use serde::Deserialize;

use crate::formats::w3c::Header;
use crate::formats::{Ctx, Format, StreamState};
use crate::kanon::{Counts, Plan};
use crate::keyed::{Identifiers, IpMode, KeyRing};
use crate::rules::Rules;
use crate::stats::Stats;

/// What to do with a line that no format recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUnparsed {
    /// apply the rules that need no parsing and keep the line
    #[default]
    Scrub,
    /// leave the line out (counted as dropped)
    Drop,
    /// stop with an error naming the line number
    Fail,
}

/// Everything that decides what a line becomes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The address prefixes, kept networks and deny-listed parameters.
    pub rules: Rules,
    /// How lines are recognised (`--format`; `auto` per line).
    pub format: Format,
    /// What happens to a line no format recognises (`--on-unparsed`).
    pub on_unparsed: OnUnparsed,
    /// `--max-age`: lines whose own time is before this Unix time are dropped
    pub not_before: Option<i64>,
    /// How addresses are pseudonymized (`--ip-mode`).
    pub ip_mode: IpMode,
    /// Whether user names and other identifiers are redacted or hashed.
    pub identifiers: Identifiers,
    /// the key of the keyed modes, read by the caller (`io::keys`)
    pub keys: Option<KeyRing>,
    /// `--w3c-fields`: the W3C columns of an input's lines before its first
    /// `#Fields:` directive (a file split into parts, a header-less export)
    pub w3c_fields: Option<Arc<Header>>,
}

impl Options {
    /// Sets the address and identifier modes and the key ring they need
    /// (the command line and the config file both come here, with the ring
    /// they read). `missing` is the message, worded for its source, when a
    /// keyed mode has no key.
    pub fn set_keys(
        &mut self,
        ip_mode: IpMode,
        identifiers: Identifiers,
        keys: Option<KeyRing>,
        missing: &str,
    ) -> Result<(), MissingKey> {
        if keys.is_none() && (ip_mode.keyed() || identifiers == Identifiers::Hash) {
            return Err(MissingKey(missing.to_string()));
        }
        if let Some(why) = keys
            .as_ref()
            .filter(|_| ip_mode.keyed())
            .and_then(|k| k.unfit_for(ip_mode))
        {
            return Err(MissingKey(why));
        }
        self.ip_mode = ip_mode;
        self.identifiers = identifiers;
        self.keys = keys;
        Ok(())
    }

    /// The state a chunk of an input starts with: what the formats carried
    /// over the lines before it (`carried`: the columns of a `#Fields:` met
    /// earlier in the input), else the columns of `--w3c-fields`.
    pub fn start(&self, carried: StreamState) -> Ctx {
        Ctx::new(self.stream_start(carried))
    }

    /// [`Options::start`] for a context kept from chunk to chunk (a
    /// worker's): its stream state is set anew, and what it learnt of the
    /// values it met (the clean cache, the scratch space) stays, which a
    /// pure function of the bytes and this engine's rules makes safe.
    pub fn restart(&self, ctx: &mut Ctx, carried: StreamState) {
        ctx.stream = self.stream_start(carried);
    }

    fn stream_start(&self, carried: StreamState) -> StreamState {
        carried.or(&StreamState::with_w3c_fields(self.w3c_fields.clone()))
    }

    /// Whether lines need the day's keys.
    pub fn keyed(&self) -> bool {
        self.keys.is_some() && (self.ip_mode.keyed() || self.identifiers == Identifiers::Hash)
    }
}

/// A keyed mode was asked for without a key; the message, worded for
/// where the options came from, is its text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MissingKey(pub String);

/// The outcome of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The line was written (anonymized).
    Written,
    /// The line was dropped (`--on-unparsed drop`, `--max-age`).
    Dropped,
    /// `--on-unparsed fail` met an unparsed line; nothing was written for it
    Unparsed,
}

/// `--on-unparsed fail` stopped at this line (1-based, counted from the start
/// of the input). The line itself is never part of the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnparsedLine(pub u64);

/// What a removed value becomes.
pub const REDACTED: &[u8] = b"REDACTED";

/// What k-anonymity adds to one anonymizing call, given by its caller
/// (never part of the [`Options`]): `--min-k`'s widths, built by the first
/// pass, and the counts of the k report of `--stats`, owned by the caller.
#[derive(Debug, Default)]
pub struct KPass<'a> {
    /// `--min-k`: every truncated address takes its network's width of the
    /// line's day (truncate mode)
    pub plan: Option<&'a Plan>,
    /// the client addresses of the lines anonymized are counted here (the
    /// client field of a recognised line, as the first pass counts them)
    pub counts: Option<&'a mut Counts>,
}

/// The anonymizer: immutable once built, shared by all threads.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    /// What decides what a line becomes.
    pub opts: Options,
}

impl Engine {
    /// An engine with these options (the default: truncation, `auto`).
    pub fn new(opts: Options) -> Self {
        Engine { opts }
    }
}

/// Convenience for tests and examples: anonymizes one line with default options.
pub fn anonymize_line(engine: &Engine, line: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stats = Stats::default();
    engine.line(line, &mut out, &mut stats);
    out
}

/// A keyed engine and lines for the tests of the day of undated lines
/// (here and in the commands that pass it: the `loganon` crate's tests
/// turn on the `testing` feature).
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing {
    use super::*;
    use crate::keyed::{MasterKey, Rotate};

    /// `--ip-mode hash --identifiers hash`, a fixed key, a key per day.
    pub fn hashing() -> Engine {
        let mut opts = Options::default();
        let ring = KeyRing::new(MasterKey::new([9; 32]), Rotate::Daily);
        opts.set_keys(IpMode::Hash, Identifiers::Hash, Some(ring), "no key")
            .unwrap();
        Engine::new(opts)
    }

    /// A line without a readable time: its day is the processing date.
    pub const UNDATED: &str = "connect from 203.0.113.9";
    /// A line of its own day (2026-12-01).
    pub const DATED: &str = "203.0.113.9 - alice [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5";
    /// 2026-12-05 23:59:59 UTC and, a second later, the next day.
    pub const BEFORE_MIDNIGHT: i64 = 20792 * 86400 + 86399;
    pub const AFTER_MIDNIGHT: i64 = BEFORE_MIDNIGHT + 1;

    /// `line` through `e` on `day`.
    pub fn on_day(e: &Engine, line: &str, day: i64) -> String {
        let mut out = Vec::new();
        e.line_in(
            line.as_bytes(),
            day,
            &mut Ctx::default(),
            &mut out,
            &mut Stats::default(),
        );
        String::from_utf8(out).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::AddrPolicy;
    use crate::rules::DenyList;

    #[test]
    fn undated_lines_take_the_day_passed_dated_lines_their_own() {
        use testing::*;
        let e = hashing();
        let (d1, d2) = (BEFORE_MIDNIGHT.div_euclid(86400), AFTER_MIDNIGHT.div_euclid(86400));
        assert_eq!(d1 + 1, d2);
        let (u1, u2) = (on_day(&e, UNDATED, d1), on_day(&e, UNDATED, d2));
        assert!(!u1.contains("203.0.113.9") && !u2.contains("203.0.113.9"), "{u1} {u2}");
        assert_ne!(u1, u2, "an undated line takes the keys of the day passed");
        assert_eq!(u1, on_day(&e, UNDATED, d1), "the same day, the same pseudonym");
        let (a, b) = (on_day(&e, DATED, d1), on_day(&e, DATED, d2));
        assert_eq!(a, b, "a dated line keeps its own day's keys");
        assert!(!a.contains("alice") && !a.contains("203.0.113.9"), "{a}");
        // its own day is neither of the days passed
        let own = 20788;
        assert_eq!(a, on_day(&e, DATED, own));
        let undated_then = on_day(&e, UNDATED, own);
        assert_eq!(
            a.split(' ').next(),
            undated_then.rsplit(' ').next(),
            "the dated line's address pseudonym is its own day's"
        );
        // the chunk passes its day to every line
        let mut out = Vec::new();
        let chunk = format!("{UNDATED}\n{DATED}\n");
        e.chunk(chunk.as_bytes(), 1, d2, &mut out, &mut Stats::default())
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{u2}\n{a}\n"));
    }

    fn anon(line: &str) -> String {
        let e = Engine::default();
        String::from_utf8(anonymize_line(&e, line.as_bytes())).unwrap()
    }

    #[track_caller]
    fn same(line: &str) {
        assert_eq!(anon(line), line);
    }

    #[test]
    fn addresses_everywhere() {
        assert_eq!(anon("1.2.3.4:8080"), "1.2.3.0:8080");
        assert_eq!(anon("[2001:db8::1]:443"), "[2001:db8::]:443");
        assert_eq!(anon("::ffff:1.2.3.4"), "::ffff:1.2.3.0");
        assert_eq!(anon("fe80::1%eth0"), "fe80::");
        assert_eq!(anon("2001:0DB8:0000:0000:0008:0800:200C:417A"), "2001:db8::");
        assert_eq!(anon("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::");
        assert_eq!(anon("123.123.123.123"), "123.123.123.0");
        assert_eq!(anon("\"1.2.3.4, 5.6.7.8\""), "\"1.2.3.0, 5.6.7.0\"");
        assert_eq!(anon("a=2001%3adb8%3a85a3%3a1%3a%3a1&b"), "a=2001%3adb8%3a85a3%3a%3a&b");
    }

    #[test]
    fn not_addresses_left_alone() {
        same("Mozilla/5.0 Chrome/120.0.6099.109 Safari/537.36");
        same("1.2.3.256");
        same("version 1.2.3");
        same("[10/Oct/2000:13:55:36 -0700]");
        same("123.123.123.0");
    }

    #[test]
    fn identifiers() {
        assert_eq!(anon("GET /?email=a%40b.com&x=1"), "GET /?email=REDACTED&x=1");
        assert_eq!(anon("GET /a;jsessionid=ABC?x=1"), "GET /a?x=1");
        assert_eq!(anon("https://u:p@h/"), "https://h/");
        assert_eq!(anon("contact john@example.com now"), "contact REDACTED now");
        assert_eq!(anon("mac 00:1a:2b:3c:4d:5e"), "mac REDACTED");
        assert_eq!(anon("/pay?cc=4111111111111111&ok"), "/pay?cc=REDACTED&ok");
        assert_eq!(anon("/pay?n=4111111111111112"), "/pay?n=4111111111111112");
        assert_eq!(anon("/?PassWord=hunter2"), "/?PassWord=REDACTED");
    }

    #[test]
    fn combined_line() {
        let l = r#"83.149.9.216 - frank [17/May/2015:10:05:03 +0000] "GET /x?token=abc&page=2 HTTP/1.1" 200 203023 "http://a:b@semicomplete.com/?user=bob" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) Chrome/32.0.1700.77 Safari/537.36""#;
        assert_eq!(
            anon(l),
            r#"83.149.9.0 - - [17/May/2015:10:05:03 +0000] "GET /x?token=REDACTED&page=2 HTTP/1.1" 200 203023 "http://semicomplete.com/?user=REDACTED" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) Chrome/32.0.1700.77 Safari/537.36""#
        );
    }

    #[test]
    fn hostname_client_and_user_field() {
        let l = r#"dsl-84-12-3-5.dyn.example.net ident bob [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#;
        assert_eq!(
            anon(l),
            r#"example.net - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#
        );
        let l = r#"johns-iphone.lan - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#;
        assert_eq!(
            anon(l),
            r#"lan - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#
        );
    }

    #[test]
    fn addresses_inside_addresses() {
        // 6to4: the embedded IPv4 keeps its /24, what follows it goes
        assert_eq!(anon("x 2002:c633:6407::1 y"), "x 2002:c633:6400:: y");
        assert_eq!(anon("x 2002:C633:6407:1234::9 y"), "x 2002:c633:6400:: y");
        assert_eq!(anon("[2002:c633:6407::1]:443"), "[2002:c633:6400::]:443");
        // NAT64: the form stays, written as std writes it
        assert_eq!(anon("x 64:ff9b::198.51.100.7 y"), "x 64:ff9b::c633:6400 y");
        assert_eq!(anon("x 64:FF9B::C633:6407 y"), "x 64:ff9b::c633:6400 y");
        same("x 2002:c633:6400:: 64:ff9b::c633:6400 y");
        let mut o = Options::default();
        o.rules.addr = AddrPolicy::new(16, 48, &[]);
        let e = Engine::new(o);
        assert_eq!(
            anonymize_line(&e, b"2002:c633:6407::1 64:ff9b::198.51.100.7"),
            b"2002:c633:: 64:ff9b::c633:0"
        );
    }

    #[test]
    fn addresses_inside_names() {
        assert_eq!(
            anon("from dsl-84-12-3-5.dyn.example.net to ec2-54-12-34-56.compute-1.amazonaws.com"),
            "from dsl-84-12-3-0.dyn.example.net to ec2-54-12-34-0.compute-1.amazonaws.com"
        );
        assert_eq!(
            anon("54.12.34.56.nip.io ip-10-1-2-3.ec2.internal"),
            "54.12.34.0.nip.io ip-10-1-2-0.ec2.internal"
        );
        assert_eq!(anon("DSL-84-12-3-5.DYN.EXAMPLE.NET"), "DSL-84-12-3-0.DYN.EXAMPLE.NET");
        assert_eq!(anon("xdsl84-12-3-5.example.net"), "xdsl84-12-3-0.example.net");
        assert_eq!(anon("ptr 5.3.12.84.in-addr.arpa ok"), "ptr 0.3.12.84.in-addr.arpa ok");
        assert_eq!(anon("ptr 5.3.12.84.IN-ADDR.ARPA."), "ptr 0.3.12.84.IN-ADDR.ARPA.");
        // a /24 zone is a network already; a /16 policy cuts it
        same("zone 3.12.84.in-addr.arpa");
        assert_eq!(
            anon("ptr b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa ok"),
            "ptr 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa ok"
        );
        assert_eq!(
            anon("B.A.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA"),
            "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA"
        );
        // behind escapes, and in JSON strings
        assert_eq!(
            anon("q=dsl%2D84%2D12%2D3%2D5.dyn.example.net&h=5%2E3%2E12%2E84%2Ein-addr%2Earpa"),
            "q=dsl%2D84%2D12%2D3%2D0.dyn.example.net&h=0%2E3%2E12%2E84%2Ein-addr%2Earpa"
        );
        assert_eq!(
            anon(r#"{"host":"dsl-84-12-3-5.dyn.example.net","ptr":"5.3.12.84.in-addr.arpa"}"#),
            r#"{"host":"dsl-84-12-3-0.dyn.example.net","ptr":"0.3.12.84.in-addr.arpa"}"#
        );
        // not addresses: dates, five numbers, a file name, an octet over 255
        same("2013-11-22 10-84-12-3-5.dyn.example.net /img/a-1-2-3-4.png dsl-84-12-3-256.example.net");
    }

    #[test]
    fn numeric_url_hosts() {
        assert_eq!(
            anon(r#""GET http://3325256781/a HTTP/1.1" "http://0xc633644d/" "http://0XC633644D:8080/x""#),
            r#""GET http://3325256704/a HTTP/1.1" "http://0xc6336400/" "http://0XC6336400:8080/x""#
        );
        assert_eq!(anon("https://u:p@3325256781/"), "https://3325256704/");
        assert_eq!(
            anon(r#"{"u":"http:\/\/3325256781\/"}"#),
            r#"{"u":"http:\/\/3325256704\/"}"#
        );
        same("http://3325256704/ http://3325256781.example.com/ http://99999999999/");
    }

    #[test]
    fn xff_chain_client_and_crlf() {
        let l = "10.0.0.2, 10.0.0.1, 85.181.35.98 - - [07/Dec/2016:11:05:07 +0100] \"GET /o HTTP/1.1\" 200 571 \"-\" \"UA\"\r";
        assert_eq!(
            anon(l),
            "10.0.0.0, 10.0.0.0, 85.181.35.0 - - [07/Dec/2016:11:05:07 +0100] \"GET /o HTTP/1.1\" 200 571 \"-\" \"UA\"\r"
        );
    }

    #[test]
    fn options_prefixes_keep_and_deny() {
        let mut o = Options::default();
        o.rules.addr = AddrPolicy::new(16, 32, &["10.0.0.0/8".parse().unwrap()]);
        o.rules.deny = DenyList::default();
        o.rules.deny.add(b"ref");
        let e = Engine::new(o);
        let out = anonymize_line(&e, b"1.2.3.4 10.9.8.7 2001:db8:1:2::1 /?ref=x");
        assert_eq!(out, b"1.2.0.0 10.9.8.7 2001:db8:: /?ref=REDACTED");
    }

    #[test]
    fn chunk_policies() {
        let input = b"garbage 1.2.3.4\n1.2.3.4 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\nlast";
        let mut stats = Stats::default();
        let mut out = Vec::new();
        Engine::default().chunk(input, 1, 0, &mut out, &mut stats).unwrap();
        assert_eq!(
            out,
            b"garbage 1.2.3.0\n1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\nlast"
        );
        assert_eq!((stats.lines_read, stats.lines_written, stats.unparsed), (3, 3, 2));

        let drop = Engine::new(Options {
            on_unparsed: OnUnparsed::Drop,
            ..Options::default()
        });
        let mut out = Vec::new();
        let mut stats = Stats::default();
        drop.chunk(input, 1, 0, &mut out, &mut stats).unwrap();
        assert_eq!(
            out,
            b"1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n"
        );
        assert_eq!(stats.dropped, 2);

        let fail = Engine::new(Options {
            on_unparsed: OnUnparsed::Fail,
            ..Options::default()
        });
        let mut out = Vec::new();
        let err = fail.chunk(&input[16..], 2, 0, &mut out, &mut stats).unwrap_err();
        assert_eq!(err, UnparsedLine(3));
        assert_eq!(
            out,
            b"1.2.3.0 - - [1/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n"
        );
    }

    #[test]
    fn max_age_drops_old_lines_by_their_own_time() {
        let e = Engine::new(Options {
            not_before: crate::time::parse_now("2026-01-01").ok(),
            ..Options::default()
        });
        let input = b"1.2.3.4 - - [31/Dec/2025:23:59:59 +0000] \"GET / HTTP/1.1\" 200 1\n\
1.2.3.4 - - [01/Jan/2026:00:59:59 +0100] \"GET /tz HTTP/1.1\" 200 1\n\
1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET /new HTTP/1.1\" 200 1\n\
1.2.3.4 - - [01/Foo/2026:00:00:00 +0000] \"GET /undated HTTP/1.1\" 200 1\n\
not a log line 1.2.3.4\n";
        let mut out = Vec::new();
        let mut stats = Stats::default();
        e.chunk(input, 1, 0, &mut out, &mut stats).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("GET / ") && !text.contains("/tz"), "{text}");
        assert!(
            text.contains("/new") && text.contains("not a log line 1.2.3.0"),
            "{text}"
        );
        assert_eq!((stats.expired, stats.dropped, stats.undated), (2, 2, 2));
    }

    #[test]
    fn broken_clf_line_still_loses_its_user_field() {
        let l = "1.2.3.4 - bob [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1";
        assert_eq!(anon(l), "1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1");
    }

    #[test]
    fn invalid_utf8_kept() {
        let e = Engine::default();
        let out = anonymize_line(&e, b"\xff\xfe 1.2.3.4 \xc3");
        assert_eq!(out, b"\xff\xfe 1.2.3.0 \xc3");
    }
}
