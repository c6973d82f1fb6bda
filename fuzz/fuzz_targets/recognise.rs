//! The format recognisers and parsers on every line of the input, under
//! every `--format` (W3C columns carried from line to line): no panic, and
//! every span they return lies inside the line, in order.
//! The input is also tried as an Apache `LogFormat` and an nginx
//! `log_format` string (user input of `--format`).
#![no_main]

use std::ops::Range;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use loganon::formats::{self, clf, json, wrap, Ctx, Format, Recognised, StreamState};
use loganon::rules::DenyList;
use loganon_fuzz::{formats as all_formats, show};

#[track_caller]
fn within(r: &Range<usize>, len: usize, what: &str, line: &[u8]) {
    assert!(
        r.start <= r.end && r.end <= len,
        "{what} span {r:?} outside a line of {len} bytes: {}",
        show(line)
    );
}

fn head(h: &clf::ClfHead, line: &[u8]) {
    within(&h.client, line.len(), "head client", line);
    within(&h.ident, line.len(), "head ident", line);
    within(&h.user, line.len(), "head user", line);
    if let Some(v) = &h.vhost {
        within(v, line.len(), "head vhost", line);
    }
}

fn clf_line(l: &clf::ClfLine, line: &[u8]) {
    let n = line.len();
    for (what, s) in [
        ("client", &l.client),
        ("ident", &l.ident),
        ("user", &l.user),
        ("time", &l.time),
        ("rest", &l.rest),
        ("request", &l.request),
        ("status", &l.status),
        ("size", &l.size),
    ] {
        within(s, n, what, line);
    }
    if let Some(v) = &l.vhost {
        within(v, n, "vhost", line);
    }
    assert!(
        l.client.end <= l.ident.start && l.ident.end <= l.user.start && l.user.end <= l.time.start,
        "CLF head fields out of order: {}",
        show(line)
    );
}

fn spans(r: &Recognised, ctx: &Ctx, line: &[u8]) {
    let n = line.len();
    match r {
        Recognised::Fields(_) => {
            let mut last = 0;
            for (s, role) in &ctx.fields.list {
                within(s, n, &format!("{role:?} field"), line);
                assert!(s.start >= last, "fields overlap at {s:?}: {}", show(line));
                last = s.end;
            }
        }
        Recognised::Directive(_) | Recognised::Unparsed => {}
    }
}

fuzz_target!(|data: &[u8]| {
    static FORMATS: OnceLock<Vec<Format>> = OnceLock::new();
    let all = FORMATS.get_or_init(all_formats);
    let deny = DenyList::default();
    for format in all {
        let mut ctx = Ctx::default();
        for line in data.split(|&b| b == b'\n' || b == b'\r') {
            let r = formats::recognise(format, line, &deny, &mut ctx);
            spans(&r, &ctx, line);
        }
    }
    for line in data.split(|&b| b == b'\n' || b == b'\r') {
        if let Some(l) = clf::parse(line) {
            clf_line(&l, line);
        }
        for h in [clf::parse_head(line), clf::parse_cut(line), clf::parse_broken(line)]
            .into_iter()
            .flatten()
        {
            head(&h, line);
        }
        if let Some(p) = wrap::inner_start(line) {
            assert!(p <= line.len(), "wrap start {p} outside: {}", show(line));
        }
        if let Some(k) = json::object_start(line) {
            assert!(k < line.len(), "object start {k} outside: {}", show(line));
        }
        // the roles a line no format took still has (a broken CLF head, a
        // JSON object cut short)
        let mut ctx = Ctx::default();
        if formats::broken(line, &deny, &mut ctx) {
            spans(&Recognised::Fields(formats::registry::kind_of("json")), &ctx, line);
        }
    }
    StreamState::default().carry(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = Format::from_name(s);
        let _ = Format::from_name(&format!("nginx:{s}"));
    }
});
