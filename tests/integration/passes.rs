//! The engine's passes, each asked for per call (issue 24): the counting
//! pass of `--min-k` and the counts beside anonymizing read the same client
//! fields; a plan given to a call widens that call only; the formats' state
//! carried over a chunk is what the next chunk starts with; and one
//! broken-line fallback gives the anonymizer and `check` the same roles.

use loganon::check::check_bytes;
use loganon::engine::KPass;
use loganon::formats::StreamState;
use loganon::kanon::{Counts, Plan};
use loganon::rules::Rules;
use loganon::{Engine, Options, Stats};

/// Lines of several formats: clients in CLF (one an X-Forwarded-For chain),
/// JSON and W3C lines, an address in a query (no client), a line nested in
/// a JSON string (its client is not counted), and a line no format takes.
const MIXED: &str = concat!(
    "203.0.113.7 - - [01/Dec/2026:10:00:00 +0000] \"GET /?ip=198.51.100.9 HTTP/1.1\" 200 5\n",
    "10.1.2.3, 203.0.113.8 - - [01/Dec/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 200 5\n",
    "{\"time\":\"2026-12-01T10:00:02Z\",\"remote_addr\":\"203.0.113.9\",\"status\":200}\n",
    "{\"log\":\"192.0.2.44 - - [01/Dec/2026:10:00:03 +0000] \\\"GET / HTTP/1.1\\\" 200 1\\n\"}\n",
    "#Fields: date time c-ip cs-username\n",
    "2026-12-02 10:00:00 198.51.100.20 -\n",
    "connect from 192.0.2.1\n",
);

fn report(counts: Counts) -> loganon::kanon::Report {
    Plan::build(counts, 5, &Rules::default().addr, false).1
}

#[test]
fn the_counting_pass_counts_what_anonymizing_counts_beside() {
    let e = Engine::default();
    let mut counted = Counts::new(5);
    e.count_chunk(
        MIXED.as_bytes(),
        0,
        &mut e.opts.start(StreamState::default()),
        &mut counted,
    );
    let mut beside = Counts::new(5);
    let mut out = Vec::new();
    let k = KPass {
        plan: None,
        counts: Some(&mut beside),
    };
    e.chunk_k(
        MIXED.as_bytes(),
        1,
        0,
        &mut e.opts.start(StreamState::default()),
        &mut out,
        &mut Stats::default(),
        k,
    )
    .unwrap();
    let (a, b) = (report(counted), report(beside));
    assert_eq!(a, b);
    // two days: the first has 203.0.113.0/24 (three clients, the chain's
    // last one among them) and 10.1.2.0/24 (the chain's first); the second
    // 198.51.100.0/24. Neither the query's address, nor the nested line's
    // client, nor the unparsed line's address counts.
    let days: Vec<(u64, u64)> = a.days.iter().map(|d| (d.networks, d.requests)).collect();
    assert_eq!(days, [(2, 3), (1, 1)], "{a:?}");
}

#[test]
fn a_plan_widens_the_call_it_is_given_to_only() {
    let e = Engine::default();
    // three clients of one /24 on 2026-12-01: fewer than K = 5, so the
    // network is written wider
    let lines = "203.0.113.7 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
                 203.0.113.8 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
                 203.0.113.9 - - [01/Dec/2026:10:00:00 +0000] \"GET /?from=203.0.113.10 HTTP/1.1\" 200 5\n";
    let mut counts = Counts::new(5);
    e.count_chunk(
        lines.as_bytes(),
        0,
        &mut e.opts.start(StreamState::default()),
        &mut counts,
    );
    let (plan, _) = Plan::build(counts, 5, &e.opts.rules.addr, true);
    let run = |k: KPass| {
        let mut out = Vec::new();
        let mut ctx = e.opts.start(StreamState::default());
        e.chunk_k(lines.as_bytes(), 1, 0, &mut ctx, &mut out, &mut Stats::default(), k)
            .unwrap();
        String::from_utf8(out).unwrap()
    };
    let widened = run(KPass {
        plan: Some(&plan),
        counts: None,
    });
    assert_eq!(
        widened,
        "0.0.0.0 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
         0.0.0.0 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
         0.0.0.0 - - [01/Dec/2026:10:00:00 +0000] \"GET /?from=0.0.0.0 HTTP/1.1\" 200 5\n"
    );
    // the same engine, without the plan: the policy's /24
    assert_eq!(
        run(KPass::default()),
        "203.0.113.0 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
         203.0.113.0 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
         203.0.113.0 - - [01/Dec/2026:10:00:00 +0000] \"GET /?from=203.0.113.0 HTTP/1.1\" 200 5\n"
    );
}

/// `chunk` through `e`, starting in `state`.
fn chunk_from(e: &Engine, state: StreamState, chunk: &str) -> String {
    let mut out = Vec::new();
    e.chunk_in(
        chunk.as_bytes(),
        1,
        0,
        &mut e.opts.start(state),
        &mut out,
        &mut Stats::default(),
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_state_carried_over_a_chunk_is_what_the_next_starts_with() {
    let e = Engine::default();
    let first = "#Version: 1.0\n#Fields: date time c-ip cs-username\n2026-12-01 10:00:00 203.0.113.7 alice\n";
    let second = "2026-12-01 10:00:01 203.0.113.8 bob\n";
    let mut state = StreamState::default();
    state.carry(first.as_bytes());
    // the columns of the first chunk's `#Fields:`: bob is a user
    assert_eq!(
        chunk_from(&e, state.clone(), second),
        "2026-12-01 10:00:01 203.0.113.0 -\n"
    );
    // a fresh stream has no columns: the line is no W3C line then
    assert_eq!(
        chunk_from(&e, StreamState::default(), second),
        "2026-12-01 10:00:01 203.0.113.0 bob\n"
    );
    // `--w3c-fields` gives columns from the start; a carried `#Fields:` wins
    let given = Engine::new(Options {
        w3c_fields: loganon::formats::w3c::fields_option("date time cs-username c-ip"),
        ..Options::default()
    });
    assert_eq!(
        chunk_from(&given, StreamState::default(), "2026-12-01 10:00:01 bob 203.0.113.8\n"),
        "2026-12-01 10:00:01 - 203.0.113.0\n"
    );
    assert_eq!(chunk_from(&given, state, second), "2026-12-01 10:00:01 203.0.113.0 -\n");
    // a chunk without a `#Fields:` carries the state on unchanged
    let mut again = StreamState::default();
    again.carry(first.as_bytes());
    let before = again.clone();
    again.carry(second.as_bytes());
    assert_eq!(again, before);
}

#[test]
fn one_fallback_for_broken_lines_in_the_engine_and_check() {
    let e = Engine::default();
    let anon = |l: &str| String::from_utf8(loganon::engine::anonymize_line(&e, l.as_bytes())).unwrap();
    let findings = |l: &str| check_bytes(&Rules::default(), l.as_bytes()).total();
    // a CLF line cut inside its request: its head keeps its roles
    let cut = "203.0.113.7 - bob [01/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1";
    assert_eq!(
        anon(cut),
        "203.0.113.0 - - [01/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1"
    );
    assert!(findings(cut) > 0);
    assert_eq!(findings(&anon(cut)), 0, "{}", anon(cut));
    // the same line as the string of a JSON record: the same roles
    let nested = r#"{"log":"203.0.113.7 - bob [01/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1"}"#;
    assert_eq!(
        anon(nested),
        r#"{"log":"203.0.113.0 - - [01/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1"}"#
    );
    assert!(findings(nested) > 0);
    assert_eq!(findings(&anon(nested)), 0, "{}", anon(nested));
    // a JSON object cut short: its fields up to the break
    let json = r#"{"remote_user":"bob","remote_addr":"203.0.113.7","msg":"wai"#;
    assert_eq!(
        anon(json),
        r#"{"remote_user":"-","remote_addr":"203.0.113.0","msg":"wai"#
    );
    assert!(findings(json) > 0);
    assert_eq!(findings(&anon(json)), 0, "{}", anon(json));
}
