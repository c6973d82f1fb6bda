//! Repeated user agents, requests and referers (the engine's cache of clean
//! values, `crates/loganon-core/src/clean.rs`).
//!
//! A user agent scanned once and found clean is skipped when the same bytes
//! come again. These tests feed many lines whose user agents repeat, with
//! dirty ones among them that differ from a clean one by a few bytes (an
//! address, an email, a token, a MAC glued into a version), in combined,
//! JSON and W3C lines, through the binary (one worker and two), and assert
//! with their own string tests, sharing nothing with the scanner:
//! - no planted secret is in the output, written plainly or percent-encoded;
//! - a clean user agent comes out byte for byte;
//! - a combined or JSON line gives the same output as the same line alone
//!   (a fresh engine, no cache), and `-j 1` gives what `-j 2` gives.

use loganon::engine::anonymize_line;
use loganon::Engine;

mod common;

use crate::common::bin::loganon;

const CLEAN: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl/8.4.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "python-requests/2.31.0",
];

/// Secrets planted into clean user agents: (the secret as it must never
/// appear, where it goes into the agent).
const SECRETS: &[&str] = &[
    "198.51.100.77",
    "jane.doe@example.com",
    "00:1a:2b:3c:4d:5e",
    "2001:db8:42:17::9",
];

/// A dirty variant of clean agent `c` holding secret `s`, in one of a few
/// placements (glued to a version, in a comment, percent-encoded).
fn dirty(c: &str, s: &str, how: usize) -> String {
    match how % 4 {
        0 => format!("{c} {s}"),
        1 => c.replacen(')', &format!("; {s})"), 1),
        2 => format!("{c}/{s}"),
        _ => format!("{c} {}", s.replace('@', "%40").replace(':', "%3A")),
    }
}

/// Each line's user agent: mostly clean ones, repeating; every fifth a dirty
/// variant of the agent that came before it.
fn agents(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let c = CLEAN[i % CLEAN.len()];
            if i % 5 == 4 {
                dirty(c, SECRETS[(i / 5) % SECRETS.len()], i / 7)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn combined(i: usize, ua: &str) -> String {
    format!(
        "203.0.113.{} - - [01/Jan/2026:00:00:{:02} +0000] \"GET /p/{i} HTTP/1.1\" 200 {} \"-\" \"{ua}\"",
        i % 250,
        i % 60,
        100 + i
    )
}

fn json(i: usize, ua: &str) -> String {
    format!(
        "{{\"time_iso8601\":\"2026-01-01T00:00:{:02}+00:00\",\"remote_addr\":\"203.0.113.{}\",\"request\":\"GET /p/{i} HTTP/1.1\",\"status\":200,\"http_user_agent\":\"{}\",\"http_referer\":\"-\"}}",
        i % 60,
        i % 250,
        ua.replace('"', "\\\"")
    )
}

fn w3c(i: usize, ua: &str) -> String {
    format!(
        "2026-01-01 00:00:{:02} GET /p/{i} - 443 - 203.0.113.{} {} - 200",
        i % 60,
        i % 250,
        ua.replace(' ', "+")
    )
}

const W3C_FIELDS: &str = "#Fields: date time cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status";

/// The output, through one worker and two (equal), with its lines.
fn anonymized(lines: &[String], header: Option<&str>) -> Vec<String> {
    let mut input = String::new();
    if let Some(h) = header {
        input.push_str(h);
        input.push('\n');
    }
    for l in lines {
        input.push_str(l);
        input.push('\n');
    }
    let one = loganon().args(["anonymize", "-j", "1"]).stdin(&input).stdout();
    let two = loganon().args(["anonymize", "-j", "2"]).stdin(&input).stdout();
    assert_eq!(one, two, "-j 1 and -j 2 differ");
    let mut out: Vec<String> = one.lines().map(str::to_string).collect();
    if header.is_some() {
        assert_eq!(out.remove(0), header.unwrap_or_default());
    }
    assert_eq!(out.len(), lines.len(), "one line in, one line out");
    out
}

/// The secret's forms that must not appear: plain, and with `@` and `:`
/// percent-encoded.
fn leaks(line: &str) -> Vec<&'static str> {
    let low = line.to_ascii_lowercase();
    SECRETS
        .iter()
        .copied()
        .filter(|s| low.contains(s) || low.contains(&s.replace('@', "%40").replace(':', "%3a")))
        .collect()
}

fn check(name: &str, lines: &[String], agents: &[String], out: &[String], ua_in_output: impl Fn(&str) -> String) {
    let engine = Engine::default();
    let mut bad = Vec::new();
    for (k, (o, ua)) in out.iter().zip(agents).enumerate() {
        let l = leaks(o);
        if !l.is_empty() {
            bad.push(format!("line {k}: {l:?} in {o}"));
        }
        if CLEAN.contains(&ua.as_str()) && !o.contains(&ua_in_output(ua)) {
            bad.push(format!("line {k}: clean agent changed: {o}"));
        }
        if name != "w3c" {
            let alone = String::from_utf8_lossy(&anonymize_line(&engine, lines[k].as_bytes())).into_owned();
            if alone != *o {
                bad.push(format!("line {k}: alone {alone}\n          in a run {o}"));
            }
        }
    }
    assert!(bad.is_empty(), "{name}: {} problems:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn repeated_agents_combined() {
    let a = agents(3000);
    let lines: Vec<String> = a.iter().enumerate().map(|(i, ua)| combined(i, ua)).collect();
    let out = anonymized(&lines, None);
    check("combined", &lines, &a, &out, |ua| format!("\"{ua}\""));
}

#[test]
fn repeated_agents_json() {
    let a = agents(3000);
    let lines: Vec<String> = a.iter().enumerate().map(|(i, ua)| json(i, ua)).collect();
    let out = anonymized(&lines, None);
    check("json", &lines, &a, &out, |ua| format!("\"http_user_agent\":\"{ua}\""));
}

#[test]
fn repeated_agents_w3c() {
    let a = agents(3000);
    let lines: Vec<String> = a.iter().enumerate().map(|(i, ua)| w3c(i, ua)).collect();
    let out = anonymized(&lines, Some(W3C_FIELDS));
    check("w3c", &lines, &a, &out, |ua| format!(" {} ", ua.replace(' ', "+")));
}

/// Many 1 MiB chunks through one worker (and two): a worker keeps its
/// cache from chunk to chunk, so what it learnt early is used late, and
/// every line still comes out as it does alone, with a fresh engine.
#[test]
fn repeated_agents_over_many_chunks() {
    let a = agents(24000);
    let lines: Vec<String> = a.iter().enumerate().map(|(i, ua)| combined(i, ua)).collect();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    assert!(bytes > 3 << 20, "{bytes} bytes: not several chunks");
    let out = anonymized(&lines, None);
    check("combined", &lines, &a, &out, |ua| format!("\"{ua}\""));
}

/// A worker keeps its context from one input to the next, but not the
/// state of the stream: the `#Fields:` of the first input does not read the
/// second one's lines, which come out as they do alone.
#[test]
fn fields_of_one_input_do_not_carry_into_the_next() {
    let dir = crate::common::files::tempdir();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let header = "#Fields: date time c-ip cs-username cs-method cs-uri-stem sc-status";
    let a_lines: String = (0..50)
        .map(|i| format!("2026-01-01 00:00:{:02} 203.0.113.{i} - GET /p/{i} 200\n", i % 60))
        .collect();
    // the same seven columns in another order: read with the first input's
    // header, `/u/jdoe` would be a user name (blanked); without, a path
    let b_lines: String = (0..50)
        .map(|i| format!("2026-01-01 00:00:{:02} GET /u/jdoe 203.0.113.{i} - 200\n", i % 60))
        .collect();
    std::fs::write(&a, format!("{header}\n{a_lines}")).expect("write a.log");
    std::fs::write(&b, &b_lines).expect("write b.log");
    let alone = |p: &std::path::Path| loganon().args(["anonymize", "-j", "1"]).arg(p).stdout();
    let (a_out, b_out) = (alone(&a), alone(&b));
    assert_eq!(b_out.matches("/u/jdoe").count(), 50, "{b_out}");
    assert!(!b_out.contains("203.0.113.7 "), "{b_out}");
    for j in ["1", "2"] {
        let both = loganon().args(["anonymize", "-j", j]).arg(&a).arg(&b).stdout();
        assert_eq!(both, format!("{a_out}{b_out}"), "-j {j}");
    }
}

/// An agent seen clean many times, then the same agent with one byte
/// changed into an address: the change is found (the cache compares bytes,
/// not a hash).
#[test]
fn a_near_copy_of_a_clean_agent_is_scanned() {
    let clean = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0 id 198.51.100.7";
    let near = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0 id 198.51.100.77";
    // the first is not clean either: its address is truncated every time
    let mut lines: Vec<String> = (0..200).map(|i| combined(i, clean)).collect();
    lines.push(combined(200, near));
    let out = anonymized(&lines, None);
    for o in &out {
        assert!(!o.contains("198.51.100.7"), "{o}");
        assert!(o.contains("198.51.100.0"), "{o}");
    }
    // and a clean agent repeated, then one with an email glued to it
    let ua = CLEAN[0];
    let mut lines: Vec<String> = (0..200).map(|i| combined(i, ua)).collect();
    lines.push(combined(200, &format!("{ua}jane.doe@example.com")));
    let out = anonymized(&lines, None);
    assert!(!out[200].contains("jane.doe"), "{}", out[200]);
    assert!(out[..200].iter().all(|o| o.contains(ua)));
}

// Repeated requests and referers: a CLF line's request and referer, a JSON
// line's request and referer values, a W3C line's path, query and referer
// columns go through the same cache.

const CLEAN_URLS: &[&str] = &[
    "/index.html",
    "/assets/app.3f9a1c.js",
    "/search?q=rust+log&lang=en",
    "/blog/2024/03/how-we-scaled-our-logging",
    "/api/v1/items?sort=asc&page=2",
    "/images/logo@2x.png",
];

/// A dirty variant of clean URL `c` holding secret `s`: in the path, as a
/// query value (plain or percent-encoded).
fn dirty_url(c: &str, s: &str, how: usize) -> String {
    let sep = if c.contains('?') { '&' } else { '?' };
    match how % 3 {
        0 => format!("{c}/{s}"),
        1 => format!("{c}{sep}to={s}"),
        _ => format!("{c}{sep}v={}", s.replace('@', "%40").replace(':', "%3A")),
    }
}

/// Each line's URL: mostly clean ones, repeating; every fifth a dirty
/// variant of a clean one (`shift` picks another clean one, for referers).
fn urls(n: usize, shift: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let c = CLEAN_URLS[(i + shift) % CLEAN_URLS.len()];
            if (i + shift) % 5 == 4 {
                dirty_url(c, SECRETS[(i / 5) % SECRETS.len()], i / 7)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The lines of one format with request `u` and referer `r` (`fmt`).
fn url_lines(n: usize, fmt: fn(usize, &str, &str) -> String) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (u, r) = (urls(n, 0), urls(n, 2));
    let lines = (0..n).map(|i| fmt(i, &u[i], &r[i])).collect();
    (lines, u, r)
}

fn check_urls(name: &str, lines: &[String], u: &[String], r: &[String], out: &[String], alone: bool) {
    let engine = Engine::default();
    let mut bad = Vec::new();
    for (k, o) in out.iter().enumerate() {
        let l = leaks(o);
        if !l.is_empty() {
            bad.push(format!("line {k}: {l:?} in {o}"));
        }
        for (v, request) in [(&u[k], true), (&r[k], false)] {
            // (a W3C line holds the request's path and query in two columns)
            let shown = if name == "w3c" && request {
                v.replacen('?', " ", 1)
            } else {
                v.clone()
            };
            if CLEAN_URLS.contains(&v.as_str()) && !o.contains(&shown) {
                bad.push(format!("line {k}: clean URL {v} changed: {o}"));
            }
        }
        if alone {
            let one = String::from_utf8_lossy(&anonymize_line(&engine, lines[k].as_bytes())).into_owned();
            if one != *o {
                bad.push(format!("line {k}: alone {one}\n          in a run {o}"));
            }
        }
    }
    assert!(bad.is_empty(), "{name}: {} problems:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn repeated_requests_and_referers_combined() {
    let (lines, u, r) = url_lines(3000, |i, u, r| {
        format!(
            "203.0.113.{} - - [01/Jan/2026:00:00:{:02} +0000] \"GET {u} HTTP/1.1\" 200 {} \"https://example.com{r}\" \"{}\"",
            i % 250,
            i % 60,
            100 + i,
            CLEAN[0]
        )
    });
    let out = anonymized(&lines, None);
    check_urls("combined", &lines, &u, &r, &out, true);
}

#[test]
fn repeated_requests_and_referers_json() {
    let (lines, u, r) = url_lines(3000, |i, u, r| {
        format!(
            "{{\"time_iso8601\":\"2026-01-01T00:00:{:02}+00:00\",\"remote_addr\":\"203.0.113.{}\",\"request\":\"GET {u} HTTP/1.1\",\"status\":200,\"http_referer\":\"https://example.com{r}\",\"http_user_agent\":\"curl/8.4.0\"}}",
            i % 60,
            i % 250,
        )
    });
    let out = anonymized(&lines, None);
    check_urls("json", &lines, &u, &r, &out, true);
}

#[test]
fn repeated_requests_and_referers_w3c() {
    let (lines, u, r) = url_lines(3000, |i, u, r| {
        let (stem, query) = u.split_once('?').unwrap_or((u, "-"));
        format!(
            "2026-01-01 00:00:{:02} GET {stem} {query} 443 - 203.0.113.{} curl/8.4.0 https://example.com{r} 200",
            i % 60,
            i % 250,
        )
    });
    let out = anonymized(&lines, Some(W3C_FIELDS));
    check_urls("w3c", &lines, &u, &r, &out, false);
}
