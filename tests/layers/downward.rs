//! The layers: every import goes to its own layer or one below, without
//! cycles between modules; the core is pure and its own crate.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::lex::{lex, refs, Tok};
use crate::{all_src, core_src, files, layer, module_of, read_src, unit, CORE, LAYERS};

/// Every breach of the layering in `files` (path under `src/`, text).
pub(crate) fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
    for (rel, src) in files {
        if rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let module = module_of(rel);
        let Some(from) = layer(&module) else {
            bad.push(format!(
                "src/{rel}: module {} has no layer in tests/layers/main.rs",
                module.join("::")
            ));
            continue;
        };
        let refs = match refs(&module, src) {
            Ok(r) => r,
            Err(e) => {
                bad.push(format!("src/{rel}: {e}"));
                continue;
            }
        };
        for r in refs {
            if r.to.is_empty() {
                continue; // `crate::*` or a comment's `crate::` alone
            }
            // a root re-export (`crate::Engine`) hides its module: name it
            let Some(to) = layer(&r.to) else {
                bad.push(format!(
                    "src/{rel}:{}: crate::{} is in no layer of tests/layers/main.rs (name a module, not a \
                     re-export of the root)",
                    r.line,
                    r.to.join("::")
                ));
                continue;
            };
            if to > from {
                bad.push(format!(
                    "src/{rel}:{}: {} ({}) {} crate::{} ({}), a layer above",
                    r.line,
                    module.join("::"),
                    LAYERS[from],
                    if r.code { "imports" } else { "names" },
                    r.to.join("::"),
                    LAYERS[to]
                ));
            }
            let (a, b) = (unit(&module), unit(&r.to));
            if r.code && a != b {
                edges.entry(a.clone()).or_default().insert(b.clone());
                seen.entry((a, b)).or_insert_with(|| format!("src/{rel}:{}", r.line));
            }
        }
    }
    // cycles between units: a path back from each edge's target
    for (a, targets) in &edges {
        for b in targets {
            if let Some(back) = path_between(&edges, b, a) {
                let mut cycle = vec![a.clone()];
                cycle.extend(back);
                let at = &seen[&(a.clone(), b.clone())];
                let msg = format!("import cycle {} (first edge at {at})", cycle.join(" -> "));
                if !bad.contains(&msg) {
                    bad.push(msg);
                }
            }
        }
    }
    bad
}

/// A path of units from `from` to `to` (both included), if any.
pub(crate) fn path_between(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from.to_string()]);
    let mut visited = BTreeSet::from([from.to_string()]);
    while let Some(n) = queue.pop_front() {
        if n == to {
            let mut path = vec![n.clone()];
            let mut cur = n;
            while let Some(p) = prev.get(&cur) {
                path.push(p.clone());
                cur = p.clone();
            }
            path.reverse();
            return Some(path);
        }
        for m in edges.get(&n).into_iter().flatten() {
            if visited.insert(m.clone()) {
                prev.insert(m.clone(), n.clone());
                queue.push_back(m.clone());
            }
        }
    }
    None
}

#[test]
fn src_imports_only_downward_and_without_cycles() {
    let all = all_src();
    assert!(all.len() > 30, "read {} files", all.len());
    // every layer is there
    for l in [0, 1, 2, 3] {
        assert!(
            all.iter().any(|(rel, _)| layer(&module_of(rel)) == Some(l)),
            "no file in layer {}",
            LAYERS[l]
        );
    }
    let bad = violations(&all);
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn core_imports_no_io_commands_or_cli() {
    let all = all_src();
    for (rel, src) in &all {
        let module = module_of(rel);
        if layer(&module) != Some(0) {
            continue;
        }
        for r in refs(&module, src).unwrap() {
            let first = r.to.first().map(String::as_str);
            assert!(
                !matches!(first, Some("io" | "commands" | "cli")),
                "src/{rel}:{}: the core names crate::{}",
                r.line,
                r.to.join("::")
            );
        }
    }
}

/// Paths in code (not comments or strings) that read a file, the clock or
/// the environment: `std::fs`, `File::`, `OpenOptions`, `SystemTime`,
/// `Instant::now`, `Timestamp::now`, `time::now`, `env::var`.
fn impure(src: &str) -> Vec<(String, usize)> {
    let (toks, _) = lex(src);
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Ident(w), _)) => Some(w.as_str()),
        _ => None,
    };
    let path = |k: usize| matches!(toks.get(k), Some((Tok::Path, _)));
    let mut found = Vec::new();
    for (k, (_, line)) in toks.iter().enumerate() {
        let hit = match word(k) {
            Some("std") => path(k + 1) && word(k + 2) == Some("fs"),
            Some("File") => path(k + 1),
            Some("OpenOptions" | "SystemTime") => true,
            Some("Instant" | "Timestamp" | "time") => path(k + 1) && word(k + 2) == Some("now"),
            Some("env") => path(k + 1) && matches!(word(k + 2), Some("var" | "var_os" | "vars")),
            _ => false,
        };
        if hit {
            let text: Vec<String> = toks[k..(k + 3).min(toks.len())]
                .iter()
                .map(|(t, _)| match t {
                    Tok::Ident(w) => w.clone(),
                    Tok::Path => "::".into(),
                    Tok::Punct(c) => c.to_string(),
                })
                .collect();
            found.push((text.concat(), *line));
        }
    }
    found
}

#[test]
fn the_core_reads_no_file_and_no_clock() {
    // The engine, the keyed modes, the scanner and the formats (and the rest
    // of the core, `time` included) take keys and days as values; the
    // system clock is `io::clock`'s, read by the io, commands and cli layers.
    let all = all_src();
    let mut checked = BTreeSet::new();
    for (rel, src) in &all {
        let module = module_of(rel);
        if layer(&module) != Some(0) {
            continue;
        }
        checked.insert(module[0].clone());
        let bad = impure(src);
        assert!(bad.is_empty(), "src/{rel} reads a file or the clock: {bad:?}");
    }
    for m in ["engine", "keyed", "scan", "formats", "summary", "time"] {
        assert!(checked.contains(m), "{m} not checked");
    }
    // the check itself finds them, in code and not in comments or strings
    let src = "use std::fs;\n// std::fs in a comment\nfn f() { let s = \"File::open\"; File::open(p); \
               SystemTime::now(); std::time::Instant::now(); crate::time::now(); jiff::Timestamp::now(); \
               std::env::var(\"K\"); }";
    let got: Vec<String> = impure(src).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        got,
        [
            "std::fs",
            "File::open",
            "SystemTime::now",
            "Instant::now",
            "time::now",
            "Timestamp::now",
            "env::var"
        ]
    );
    assert_eq!(impure(src)[0].1, 1);
    assert_eq!(impure(src)[1].1, 3);
}

#[test]
fn the_check_finds_upward_imports_cycles_and_unknown_modules() {
    // clean: downward, braces, super, strings and chars with braces
    let ok = files(&[
        (
            "engine.rs",
            "use crate::{addr::{self, V4}, rules};\nfn f() { let s = \"{ crate::cli }\"; let c = '{'; }\n\
             #[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::scan;\n}\n",
        ),
        ("io/input.rs", "use crate::engine::Engine;\nuse super::codec::Codec;\n"),
        ("io/codec.rs", "//! Used by [`crate::io::input`].\n"),
        (
            "commands/run/cron.rs",
            "use super::super::batch::run;\nuse crate::io::input;\n",
        ),
        ("cli/mod.rs", "use crate::commands::run::cron;\n"),
    ]);
    assert_eq!(violations(&ok), Vec::<String>::new());
    // an upward import in code, in a use tree, through super, in a doc link
    for (rel, src, want) in [
        (
            "engine.rs",
            "use crate::io::input::Input;\n",
            "engine.rs:1: engine (core) imports crate::io::input",
        ),
        (
            "scan.rs",
            "fn f() {}\nuse crate::{addr, cli::Exit};\n",
            "scan.rs:2: scan (core) imports crate::cli::Exit",
        ),
        (
            "io/mod.rs",
            "use super::commands::stream;\n",
            "io/mod.rs:1: io (io) imports crate::commands::stream",
        ),
        (
            "commands/listen/writer.rs",
            "use super::super::super::cli::Exit;\n",
            "imports crate::cli::Exit (cli)",
        ),
        (
            "time.rs",
            "/// See [`crate::io::signals`].\n",
            "time.rs:1: time (core) names crate::io::signals",
        ),
    ] {
        let mut f = ok.clone();
        f.push((rel.to_string(), src.to_string()));
        let bad = violations(&f);
        assert!(bad.iter().any(|b| b.contains(want)), "{rel}: {bad:?}");
    }
    // a cycle inside a layer
    let mut f = ok.clone();
    f.push(("scan.rs".into(), "use crate::check::Report;\n".into()));
    f.push(("check.rs".into(), "use crate::scan::scan;\n".into()));
    let bad = violations(&f);
    assert!(
        bad.iter().any(|b| b.starts_with("import cycle check -> scan -> check")),
        "{bad:?}"
    );
    // a module without a layer, and a path to one
    let mut f = ok.clone();
    f.push(("newthing.rs".into(), String::new()));
    f.push(("io/x.rs".into(), "use crate::newthing::X;\n".into()));
    let bad = violations(&f);
    assert!(
        bad.iter().any(|b| b.contains("module newthing has no layer")),
        "{bad:?}"
    );
    assert!(
        bad.iter().any(|b| b.contains("crate::newthing::X is in no layer")),
        "{bad:?}"
    );
}

/// The core crate holds the core's modules, and only them; the program's
/// `src/` holds none of them.
#[test]
fn the_core_is_its_own_crate() {
    let mut core = Vec::new();
    read_src(&core_src(), "", &mut core);
    let modules: BTreeSet<String> = core
        .iter()
        .filter(|(rel, _)| rel != "lib.rs")
        .map(|(rel, _)| module_of(rel)[0].clone())
        .collect();
    assert_eq!(modules, CORE.iter().map(|m| m.to_string()).collect::<BTreeSet<_>>());
    let mut program = Vec::new();
    read_src(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut program);
    for (rel, _) in &program {
        let first = module_of(rel)[0].clone();
        assert!(
            !CORE.contains(&first.as_str()),
            "src/{rel} is a core module outside the core crate"
        );
    }
}

/// The core crate depends on no crate that does I/O, threads or terminal
/// work: it builds on its own (and for wasm32-unknown-unknown).
#[test]
fn the_core_crate_has_no_io_dependencies() {
    let manifest =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/loganon-core/Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let deps = manifest["dependencies"].as_table().unwrap();
    assert!(deps.len() >= 5, "{deps:?}");
    for name in deps.keys() {
        assert!(
            !matches!(
                name.as_str(),
                "tokio"
                    | "clap"
                    | "signal-hook"
                    | "indicatif"
                    | "rayon"
                    | "tempfile"
                    | "libc"
                    | "rustix"
                    | "flate2"
                    | "liblzma"
                    | "bzip2"
                    | "zstd"
                    | "globset"
                    | "toml"
                    | "loganon"
            ),
            "the core depends on {name}"
        );
    }
}
