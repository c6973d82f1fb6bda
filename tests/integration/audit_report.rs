//! Issue 27 item 4: `check` for people (a verdict per input, a legend of
//! the rules, "the first 20 of 26") and `check --report FILE.html|json`,
//! the page a data protection officer attaches, rendered by headless
//! Chromium where it is installed.

use std::fs;
use std::path::Path;

use crate::common::bin::{code, loganon, text, TestCommand};
use crate::common::samples::SAMPLE_SECRETS;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn check_says_per_input_what_it_found_and_what_each_rule_means() {
    let d = tempfile::tempdir().unwrap();
    let clean = d.path().join("clean.log");
    fs::write(
        &clean,
        "192.0.2.0 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n",
    )
    .unwrap();
    let sample = Path::new(ROOT).join("testdata/sample.log");
    let o = loganon().arg("check").arg(&clean).arg(&sample).output();
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "loganon check: 26 findings in 9 of 10 lines");
    assert_eq!(
        lines[1],
        format!("  {}: clean, 0 findings in 0 of 1 lines", clean.display())
    );
    assert_eq!(
        lines[2],
        format!("  {}: NOT CLEAN, 26 findings in 9 of 9 lines", sample.display())
    );
    assert_eq!(lines[3], "findings by rule:");
    assert_eq!(
        lines[4],
        "  card-number: 1 (a payment card number (Luhn-valid), whole or grouped)"
    );
    assert!(out.contains("\nthe first 20 of 26 findings:\n"), "{out}");
    assert_eq!(out.lines().count(), 1 + 2 + 1 + 9 + 1 + 20);
    // one clean input: the one line as before
    let o = loganon().arg("check").arg(&clean).output();
    assert_eq!(
        (code(&o), text(&o.stdout)),
        (0, "loganon check: 0 findings in 0 of 1 lines\n".to_string())
    );
}

/// The report files of the sample, in a temporary folder.
fn reports(d: &Path) -> (String, serde_json::Value) {
    let sample = Path::new(ROOT).join("testdata/sample.log");
    for name in ["r.html", "r.json"] {
        let o = loganon()
            .args(["check", "--report"])
            .arg(d.join(name))
            .arg(&sample)
            .output();
        assert_eq!(code(&o), 1, "findings: exit 1 ({})", text(&o.stderr));
    }
    let html = fs::read_to_string(d.join("r.html")).unwrap();
    let json = serde_json::from_slice(&fs::read(d.join("r.json")).unwrap()).unwrap();
    (html, json)
}

#[test]
fn the_report_says_what_was_checked_and_holds_no_personal_data() {
    let d = tempfile::tempdir().unwrap();
    let (html, j) = reports(d.path());
    assert_eq!(j["check"]["findings"], 26);
    assert_eq!(j["check"]["files"][0]["verdict"], "NOT CLEAN");
    assert_eq!(j["check"]["formats"]["combined"], 5);
    assert_eq!(j["check"]["formats"]["unparsed"], 1);
    assert_eq!(j["check"]["per_rule"]["email"], 3);
    assert_eq!(j["check"]["legend"]["email"], "an email address");
    let days = &j["check"]["per_day"];
    let sum: u64 = days.as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(sum, 26, "{days}");
    assert!(
        days.get("2026-01-01").is_some() && days.get("undated").is_some(),
        "{days}"
    );
    assert_eq!(j["k_anonymity"]["k"], 5);
    assert_eq!(j["k_anonymity"]["days"].as_array().unwrap().len(), 3);
    assert_eq!(j["loganon"], env!("CARGO_PKG_VERSION"));
    assert_eq!(j["options"]["ipv4_prefix"], "24");
    assert!(j["key"].is_null());
    // an independent search: no secret of the sample in either file
    let json_text = j.to_string();
    for s in SAMPLE_SECRETS {
        assert!(!html.contains(s), "{s} in the HTML report");
        assert!(!json_text.contains(s), "{s} in the JSON report");
    }
    // self-contained: nothing fetched
    for outside in ["http://", "https://", "<script", "src="] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    // a bad extension is refused before anything is read
    let o = loganon().args(["check", "--report", "r.txt", "/nonexistent"]).output();
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        "loganon: r.txt: --report writes FILE.html or FILE.json; name the file with one of those extensions\n"
    );
}

#[test]
#[cfg_attr(not(have_chromium), ignore = "needs chromium (apt-get install chromium)")]
fn the_html_report_renders_in_chromium_with_its_tables_and_chart() {
    let d = tempfile::tempdir().unwrap();
    reports(d.path());
    let page = d.path().join("r.html");
    let browser = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|b| crate::servers::server_binary(b).is_some())
        .expect("chromium");
    let o = TestCommand::new(browser)
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .timeout(std::time::Duration::from_secs(120))
        .output();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let dom = text(&o.stdout);
    // the browser's DOM (it adds <tbody>): every table, the verdict and the
    // chart's three bars, one per day
    for id in [
        "verdict", "inputs", "formats", "rules", "days", "k-chart", "k-days", "about",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "{id} not rendered");
    }
    assert!(dom.contains("<tbody>"), "parsed by the browser");
    assert_eq!(dom.matches("<rect class=\"bar\"").count(), 3);
    assert!(dom.contains("<span class=\"bad\">NOT CLEAN</span>"));
    assert!(dom.contains("<td>email</td><td>an email address</td>"));
}
