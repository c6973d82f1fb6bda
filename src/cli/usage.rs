//! Usage errors in loganon's one error style, `loganon: <what>: <why>; <what
//! to do>`: clap's argument errors rewritten to it, and the hint for a
//! duration split by a space (`--max-age 3 days` reads `days` as a file).

use std::ffi::OsString;
use std::path::Path;

/// Unit words a duration split by a space leaves behind as an argument.
const UNITS: &[&str] = &[
    "d", "day", "days", "h", "hour", "hours", "w", "week", "weeks", "mo", "month", "months", "y", "year", "years", "m",
    "min", "mins", "minute", "minutes", "s", "sec", "secs", "second", "seconds",
];

/// clap's error as one line of loganon's style (its usage block and "For
/// more information" line left out, its tips kept); `args` are the
/// command line, for the subcommand whose `--help` to point to.
pub fn clap_error(e: &clap::Error, args: &[OsString]) -> String {
    let text = e.render().to_string();
    // the message, its details (possible values, the arguments missing)
    // and tips: every line before clap's usage block
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let mut what = lines
        .first()
        .map_or("invalid arguments", |l| l.strip_prefix("error: ").unwrap_or(l))
        .to_string();
    let (tips, details): (Vec<&str>, Vec<&str>) = lines.iter().skip(1).partition(|l| l.starts_with("tip: "));
    if !details.is_empty() {
        what = format!("{what} {}", details.join(", "));
    }
    let sub = args.get(1).and_then(|a| a.to_str()).filter(|a| {
        [
            "anonymize",
            "check",
            "purge",
            "run",
            "listen",
            "keygen",
            "completions",
            "man",
        ]
        .contains(a)
    });
    let help = match sub {
        Some(s) => format!("see loganon {s} --help"),
        None => "see loganon --help".to_string(),
    };
    let mut todo: Vec<String> = tips.iter().map(|t| t.trim_start_matches("tip: ").to_string()).collect();
    todo.push(help);
    format!("{what}; {}", todo.join("; "))
}

/// When an input or root that does not exist is a unit word right after a
/// number given to `flag` (`--max-age 3 days`), the message that says so
/// (a usage error: nothing was done).
pub fn split_duration(args: &[OsString], flag: &str, inputs: &[OsString]) -> Option<String> {
    for w in args.windows(3) {
        let (f, n, unit) = (&w[0], &w[1], &w[2]);
        let Some(unit_s) = unit.to_str() else { continue };
        let is_number = n
            .to_str()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if f.to_str() == Some(flag)
            && is_number
            && UNITS.contains(&unit_s.to_ascii_lowercase().as_str())
            && inputs.contains(unit)
            && std::fs::symlink_metadata(Path::new(unit)).is_err()
        {
            let n = n.to_string_lossy();
            return Some(format!(
                "{unit_s}: no such file; '{flag} {n} {unit_s}' reads '{unit_s}' as an input: write the duration \
                 without a space ({flag} {n}{})",
                short_unit(unit_s)
            ));
        }
    }
    None
}

/// The short spelling of a unit word (`days` → `d`).
fn short_unit(u: &str) -> &'static str {
    match u.to_ascii_lowercase().as_str() {
        "h" | "hour" | "hours" => "h",
        "w" | "week" | "weeks" => "w",
        "mo" | "month" | "months" => "mo",
        "y" | "year" | "years" => "y",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        _ => "d",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_split_duration_is_named() {
        let args = os(&["loganon", "anonymize", "--max-age", "3", "days", "x.log"]);
        let m = split_duration(&args, "--max-age", &os(&["days", "x.log"])).unwrap();
        assert_eq!(
            m,
            "days: no such file; '--max-age 3 days' reads 'days' as an input: write the duration without a \
             space (--max-age 3d)"
        );
        let args = os(&["loganon", "anonymize", "--max-age", "3d", "days"]);
        assert_eq!(split_duration(&args, "--max-age", &os(&["days"])), None, "3d is whole");
    }
}
