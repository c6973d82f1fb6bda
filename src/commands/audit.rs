//! `check --report FILE.html|FILE.json`: the evidence a data protection
//! officer attaches. One self-contained page (no script, no network: inline
//! style and SVG) or one JSON object: what was checked (inputs, lines,
//! formats), each input's verdict, the findings by rule with what each rule
//! finds and masked examples, the findings by day of their line, the k-anonymity profile per day (the share of
//! requests in networks with fewer than K client addresses, as a chart),
//! loganon's version and the options of the check. It never holds a value
//! unmasked, nor any key.

use std::fmt::Write as _;

use crate::check::{legend, Report};
use crate::kanon;

/// What the report says of the check itself.
pub struct Meta {
    /// loganon's version
    pub version: String,
    /// when the check ran (Unix seconds)
    pub at: i64,
    /// the options that decide what is clean: `(name, value)`
    pub options: Vec<(String, String)>,
}

/// The report as one JSON object.
pub fn json(report: &Report, k: &kanon::Report, meta: &Meta) -> String {
    let options: serde_json::Map<String, serde_json::Value> = meta
        .options
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into()))
        .collect();
    let j = serde_json::json!({
        "loganon": meta.version,
        "checked_at": rfc3339(meta.at),
        "options": options,
        "key": null,
        "check": report.to_json(),
        "k_anonymity": k.to_json(),
    });
    format!("{j}\n")
}

/// `2026-12-07T08:00:00Z`.
pub(crate) fn rfc3339(t: i64) -> String {
    let secs = t.rem_euclid(86400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::time::date_string(t),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Text escaped for HTML.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:60em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}\
th{background:#eee}td.n{text-align:right}.bad{color:#a00;font-weight:bold}.ok{color:#070;font-weight:bold}\
code{background:#f4f4f4;padding:0 .2em}footer{color:#666;font-size:.9em;margin-top:2em}";

/// The report as one self-contained HTML page.
pub fn html(report: &Report, k: &kanon::Report, meta: &Meta) -> String {
    let mut h = String::new();
    let verdict = if report.total() == 0 { "clean" } else { "NOT CLEAN" };
    let class = if report.total() == 0 { "ok" } else { "bad" };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>loganon audit report</title><style>{STYLE}</style></head><body>\n\
         <h1>loganon audit report</h1>\n\
         <p id=\"verdict\">Verdict: <span class=\"{class}\">{verdict}</span>: {} findings in {} of {} lines, \
         inputs: {}, checked {}.</p>\n",
        report.total(),
        report.lines_with_findings,
        report.lines,
        report.files.len(),
        esc(&rfc3339(meta.at))
    );
    h.push_str("<h2>Inputs</h2>\n<table id=\"inputs\"><tr><th>input</th><th>verdict</th><th>lines</th><th>lines with findings</th><th>findings</th></tr>\n");
    for f in &report.files {
        let c = if f.findings == 0 { "ok" } else { "bad" };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"{c}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&f.source),
            f.verdict(),
            f.lines,
            f.lines_with_findings,
            f.findings
        );
    }
    h.push_str("</table>\n<h2>Formats parsed</h2>\n<table id=\"formats\"><tr><th>format</th><th>lines</th></tr>\n");
    for (name, n) in &report.formats {
        let _ = writeln!(h, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", esc(name));
    }
    h.push_str("</table>\n<h2>Findings by rule</h2>\n");
    if report.counts.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table id=\"rules\"><tr><th>rule</th><th>what it finds</th><th>findings</th><th>examples (masked)</th></tr>\n");
        for (rule, n) in &report.counts {
            let examples: Vec<String> = report
                .first
                .iter()
                .filter(|f| f.rule == *rule)
                .take(3)
                .map(|f| format!("<code>{}</code> ({}:{})", esc(&f.masked), esc(&f.source), f.line))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{n}</td><td>{}</td></tr>",
                esc(rule),
                esc(legend(rule)),
                examples.join("<br>")
            );
        }
        h.push_str("</table>\n");
        let _ = writeln!(
            h,
            "<p>The first {} of {} findings are listed with their input and line; values are masked (first \
             byte, then their length).</p>",
            report.first.len(),
            report.total()
        );
    }
    if !report.days.is_empty() {
        h.push_str(
            "<h2>Findings by day</h2>\n<table id=\"days\"><tr><th>date of the line</th><th>findings</th></tr>\n",
        );
        for (date, n) in &report.days {
            let _ = writeln!(h, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", esc(date));
        }
        h.push_str("</table>\n");
    }
    k_section(&mut h, k);
    h.push_str("<footer id=\"about\"><p>");
    let _ = write!(h, "loganon {}; options: ", esc(&meta.version));
    let opts: Vec<String> = meta
        .options
        .iter()
        .map(|(n, v)| format!("<code>{}={}</code>", esc(n), esc(v)))
        .collect();
    h.push_str(&opts.join(", "));
    h.push_str("; no key was read (a check reads none).</p></footer>\n</body></html>\n");
    h
}

/// The k-anonymity profile: a table and a bar chart (inline SVG) of the
/// share of requests per day in networks with fewer than K clients.
fn k_section(h: &mut String, k: &kanon::Report) {
    let _ = writeln!(
        h,
        "<h2>k-anonymity per day (K = {})</h2>\n<p>The share of each day's requests made from networks (as the \
         prefixes truncate them) used by fewer than K distinct client addresses: such a network still narrows \
         its users down.</p>",
        k.k
    );
    if k.days.is_empty() {
        h.push_str("<p>No dated requests.</p>\n");
        return;
    }
    let (bar, gap, height) = (28usize, 8usize, 160usize);
    let width = k.days.len() * (bar + gap) + 120;
    let _ = writeln!(
        h,
        "<svg id=\"k-chart\" role=\"img\" aria-label=\"share of requests below K per day\" \
         width=\"{width}\" height=\"{}\"><line x1=\"40\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"#444\"/>\
         <text x=\"0\" y=\"12\" font-size=\"11\">100%</text><text x=\"0\" y=\"{height}\" font-size=\"11\">0%</text>",
        height + 80
    );
    for (i, d) in k.days.iter().enumerate() {
        let share = if d.requests == 0 {
            0.0
        } else {
            d.requests_below_k as f64 * 100.0 / d.requests as f64
        };
        let hgt = (share / 100.0 * height as f64).round() as usize;
        let x = 44 + i * (bar + gap);
        let date = crate::time::date_string(d.day * 86400);
        let _ = write!(
            h,
            "<rect class=\"bar\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{hgt}\" fill=\"#c44\"><title>{date}: {share:.1}%</title></rect>\
             <text x=\"{x}\" y=\"{}\" font-size=\"9\" transform=\"rotate(45 {x} {})\">{date}</text>",
            height - hgt,
            height + 12,
            height + 12
        );
    }
    h.push_str("</svg>\n<table id=\"k-days\"><tr><th>date</th><th>networks</th><th>below K</th><th>requests</th><th>share below K</th></tr>\n");
    for d in &k.days {
        let share = if d.requests == 0 {
            0.0
        } else {
            d.requests_below_k as f64 * 100.0 / d.requests as f64
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{share:.1}%</td></tr>",
            crate::time::date_string(d.day * 86400),
            d.networks,
            d.below_k,
            d.requests
        );
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_it_prints() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(rfc3339(1_767_225_600 + 3661), "2026-01-01T01:01:01Z");
    }
}
