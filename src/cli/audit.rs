//! `loganon check`: the report of personal data left in logs (text,
//! `--json`, and the audit report `--report FILE.html|json`), and
//! `--k-report`.

use std::io::Write;

use super::print::Stdout;
use super::{fail, show, sources, CheckArgs, Exit};
use crate::check::Checker;
use crate::engine::{Engine, Options};

pub(super) fn check(c: CheckArgs) -> Exit {
    if c.k_report {
        return k_report(&c);
    }
    if let Some(p) = &c.report {
        let ext = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("html" | "htm" | "json")) {
            return fail(
                format!(
                    "{}: --report writes FILE.html or FILE.json; name the file with one of those extensions",
                    show(p)
                ),
                Exit::Usage,
            );
        }
    }
    // the report never overwrites an input
    if let Some(p) = &c.report {
        let same = |i: &std::ffi::OsString| {
            let (a, b) = (std::fs::metadata(p), std::fs::metadata(i));
            matches!((a, b), (Ok(a), Ok(b)) if crate::commands::anonymize_file::same_file(&a, &b))
        };
        if c.inputs.iter().any(same) {
            return fail(
                format!("{}: --report names an input; write the report to another file", show(p)),
                Exit::Usage,
            );
        }
    }
    let checker = Checker {
        rules: c.rules.rules(),
        format: c.rules.format.clone(),
        ip_mode: c.rules.ip_mode,
    };
    let engine = Engine::new(Options {
        rules: c.rules.rules(),
        format: c.rules.format.clone(),
        ..Options::default()
    });
    let mut counts = crate::kanon::Counts::new(c.min_k);
    let kcount = c.report.as_ref().map(|_| crate::commands::check::KCount {
        engine: &engine,
        counts: &mut counts,
        today: crate::io::clock::now().div_euclid(86400),
    });
    let done = crate::commands::check::run_counting(
        &checker,
        &sources(&c.inputs),
        c.json,
        c.rules.w3c_fields.as_ref(),
        kcount,
    );
    // a missing or unreadable input is not a clean one: exit 2, whatever
    // the others hold
    for e in &done.unreadable {
        eprintln!("loganon: {e}");
    }
    let text = if c.json {
        format!("{}\n", done.report.to_json())
    } else {
        done.report.to_text()
    };
    let mut out = Stdout::new();
    let _ = out.write_all(text.as_bytes());
    let mut code = if !done.unreadable.is_empty() {
        Exit::Usage
    } else {
        Exit::failed_if(done.report.total() > 0)
    };
    if let Some(path) = &c.report {
        let k = crate::kanon::Plan::build(counts, c.min_k, &engine.opts.rules.addr, false).1;
        if let Err(e) = write_report(path, &done.report, &k, &c) {
            eprintln!("loganon: {e}");
            code = code.max(Exit::Usage);
        }
    }
    // a report that could not be written is no verdict
    out.finish(code, Exit::Usage)
}

/// Writes `check --report FILE` (HTML or JSON by its extension), atomically.
fn write_report(
    path: &std::path::Path,
    report: &crate::check::Report,
    k: &crate::kanon::Report,
    c: &CheckArgs,
) -> Result<(), String> {
    let meta = crate::commands::audit::Meta {
        version: env!("CARGO_PKG_VERSION").to_string(),
        at: crate::io::clock::now(),
        options: vec![
            ("format".into(), c.rules.format.to_string()),
            ("ipv4_prefix".into(), c.rules.ipv4_prefix.to_string()),
            ("ipv6_prefix".into(), c.rules.ipv6_prefix.to_string()),
            ("ip_mode".into(), format!("{:?}", c.rules.ip_mode).to_lowercase()),
            ("k".into(), c.min_k.to_string()),
        ],
    };
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let body = match ext.as_deref() {
        Some("html" | "htm") => crate::commands::audit::html(report, k, &meta),
        _ => crate::commands::audit::json(report, k, &meta),
    };
    crate::io::atomic::write_atomic(path, body.as_bytes()).map_err(|e| e.to_string())
}

/// `check --k-report`: exit 1 when a day has a network below K.
fn k_report(c: &CheckArgs) -> Exit {
    let engine = Engine::new(Options {
        rules: c.rules.rules(),
        format: c.rules.format.clone(),
        ..Options::default()
    });
    let today = crate::io::clock::now().div_euclid(86400);
    let (report, unreadable) = crate::commands::check::k_report(&engine, &sources(&c.inputs), c.min_k, today);
    for e in &unreadable {
        eprintln!("loganon: {e}");
    }
    let text = if c.json {
        format!("{}\n", report.to_json())
    } else {
        report.to_text().replace("loganon:   ", "  ").replace("loganon: ", "")
    };
    let mut out = Stdout::new();
    let _ = out.write_all(text.as_bytes());
    let code = if !unreadable.is_empty() {
        Exit::Usage
    } else {
        Exit::failed_if(report.days_below_k() > 0)
    };
    out.finish(code, Exit::Usage)
}
