//! The layers of the workspace (see `src/lib.rs`): core -> io -> commands
//! -> cli. The core is its own crate, `crates/loganon-core` (its files
//! under `crates/loganon-core/src/`, named here by their module paths, as
//! the `loganon` crate re-exports them); io, commands and cli are `src/`.
//!
//! Every file under both `src/` folders is read: each `crate::` path in its code (use
//! trees with braces too) and each `super::` path (resolved, inline modules
//! such as `mod tests` included) must go to the file's own layer or one
//! below; so must each `crate::` path its comments and doc links name. The
//! modules (a core module, a module of `io` or `commands`, `cli`) import
//! each other in code without cycles. Paths relative to the current module
//! (`formats::json` from `engine`) can only reach its own children, so never
//! another layer; `lib.rs` and `main.rs` are the roots and are not checked.
//! A module missing from the table below is an error: a new module gets a
//! layer when it is added.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The core: pure, no I/O (keys come in read by `io::keys`, the day of
/// undated lines from the command's clock; see
/// `the_core_reads_no_file_and_no_clock`). `clean` is main's cache of clean values (crates/loganon-core/src/clean.rs),
/// listed ahead of the merge.
const CORE: &[&str] = &[
    "addr", "check", "clean", "decode", "engine", "formats", "kanon", "keyed", "lines", "rules", "scan", "stats",
    "summary", "time",
];

const LAYERS: [&str; 4] = ["core", "io", "commands", "cli"];

/// The layer of an absolute module path (its first segment).
fn layer(path: &[String]) -> Option<usize> {
    let first = path.first()?.as_str();
    match first {
        "io" => Some(1),
        "commands" => Some(2),
        "cli" => Some(3),
        _ if CORE.contains(&first) => Some(0),
        _ => None,
    }
}

/// The unit of the cycle check: a core module, `io::X`, `commands::X`, or
/// `cli` (the folder `io` or `commands` itself is its own unit).
fn unit(path: &[String]) -> String {
    match path.first().map(String::as_str) {
        Some("io" | "commands") if path.len() > 1 => format!("{}::{}", path[0], path[1]),
        _ => path.first().cloned().unwrap_or_default(),
    }
}

/// The module path of a file under `src/`: `io/input.rs` -> `io::input`,
/// `commands/listen/mod.rs` -> `commands::listen`.
fn module_of(rel: &str) -> Vec<String> {
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// Code tokens and comments, each with its line.
type Lexed = (Vec<(Tok, usize)>, Vec<(String, usize)>);

/// Splits Rust source into code tokens and comment text (strings, chars
/// and raw strings are skipped, so their braces and words do not count).
fn lex(src: &str) -> Lexed {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut comments = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |k| i + k);
                comments.push((src[i..end].to_string(), line));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                let start = i;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                comments.push((src[start..i].to_string(), line));
                line += src[start..i].matches('\n').count();
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                line += src[start..i.min(b.len())].matches('\n').count();
            }
            b'\'' => {
                // a char literal ('x', '\n', '\'', '\u{7f}', '。') or a
                // lifetime ('a, whose name follows as an identifier)
                let rest = &src[i + 1..];
                let len = match rest.chars().next() {
                    Some('\\') => rest.get(2..).and_then(|r| r.find('\'')).map(|k| k + 3),
                    Some(ch) if rest[ch.len_utf8()..].starts_with('\'') => Some(ch.len_utf8() + 1),
                    _ => None,
                };
                i += 1 + len.unwrap_or(0);
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &src[start..i];
                if matches!(word, "r" | "br") && matches!(b.get(i), Some(b'"' | b'#')) {
                    // a raw string: r"...", r#"..."# (or r#ident)
                    let mut j = i;
                    while b.get(j) == Some(&b'#') {
                        j += 1;
                    }
                    if b.get(j) == Some(&b'"') {
                        let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', j - i)).collect();
                        let end = src[j + 1..].find(&close).map_or(b.len(), |k| j + 1 + k + close.len());
                        line += src[i..end].matches('\n').count();
                        i = end;
                        continue;
                    }
                    i = j;
                    continue;
                }
                toks.push((Tok::Ident(word.to_string()), line));
            }
            b':' if b.get(i + 1) == Some(&b':') => {
                toks.push((Tok::Path, line));
                i += 2;
            }
            _ if c.is_ascii_whitespace() || c.is_ascii_digit() => i += 1,
            _ if c.is_ascii() => {
                toks.push((Tok::Punct(c as char), line));
                i += 1;
            }
            _ => i += 1,
        }
    }
    (toks, comments)
}

/// The paths of a use tree or path starting at `toks[k]` (after `crate` or
/// the `super`s), each as its segments: `{a, b::{c, d}}` -> a, b::c, b::d.
fn paths_at(toks: &[(Tok, usize)], mut k: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        match toks.get(k).map(|t| &t.0) {
            Some(Tok::Ident(s)) => {
                path.push(s.clone());
                k += 1;
                if toks.get(k).map(|t| &t.0) == Some(&Tok::Path) {
                    k += 1;
                    continue;
                }
                out.push(path);
                return k;
            }
            Some(Tok::Punct('{')) => {
                k += 1;
                loop {
                    match toks.get(k).map(|t| &t.0) {
                        Some(Tok::Punct('}')) | None => return k + 1,
                        Some(Tok::Punct(',')) => k += 1,
                        _ => k = paths_at(toks, k, path.clone(), out),
                    }
                }
            }
            // `*` or the end of the path
            _ => {
                out.push(path);
                return k;
            }
        }
    }
}

/// One reference from a file: the line, the module path it names, and
/// whether it is code (a comment otherwise).
struct Ref {
    line: usize,
    to: Vec<String>,
    code: bool,
}

/// The references of one file whose module path is `module`.
fn refs(module: &[String], src: &str) -> Result<Vec<Ref>, String> {
    let (toks, comments) = lex(src);
    let mut out = Vec::new();
    // inline modules (`mod tests {`) and the brace depth each opened at
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while k < toks.len() {
        let (t, line) = (&toks[k].0, toks[k].1);
        match t {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some((Tok::Ident(name), _)), Some((Tok::Punct('{'), _))) = (toks.get(k + 1), toks.get(k + 2)) {
                    inline.push((name.clone(), depth));
                    depth += 1;
                    k += 3;
                    continue;
                }
            }
            Tok::Ident(w) if w == "crate" && toks.get(k + 1).map(|t| &t.0) == Some(&Tok::Path) => {
                // not `$crate`, not `pub(crate)`
                let mut found = Vec::new();
                k = paths_at(&toks, k + 2, Vec::new(), &mut found);
                out.extend(found.into_iter().map(|to| Ref { line, to, code: true }));
                continue;
            }
            Tok::Ident(w) if w == "super" && toks.get(k + 1).map(|t| &t.0) == Some(&Tok::Path) => {
                let mut here: Vec<String> = module.to_vec();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                while toks.get(k).map(|t| &t.0) == Some(&Tok::Ident("super".into()))
                    && toks.get(k + 1).map(|t| &t.0) == Some(&Tok::Path)
                {
                    if here.pop().is_none() {
                        return Err(format!("line {line}: `super` above the crate root"));
                    }
                    k += 2;
                }
                let mut found = Vec::new();
                k = paths_at(&toks, k, here, &mut found);
                out.extend(found.into_iter().map(|to| Ref { line, to, code: true }));
                continue;
            }
            _ => {}
        }
        k += 1;
    }
    for (text, line) in comments {
        let mut rest = text.as_str();
        while let Some(p) = rest.find("crate::") {
            let after = &rest[p + "crate::".len()..];
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(after.len());
            let to: Vec<String> = after[..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            out.push(Ref { line, to, code: false });
            rest = &after[end..];
        }
    }
    Ok(out)
}

/// Every breach of the layering in `files` (path under `src/`, text).
fn violations(files: &[(String, String)]) -> Vec<String> {
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
                "src/{rel}: module {} has no layer in tests/layers.rs",
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
                    "src/{rel}:{}: crate::{} is in no layer of tests/layers.rs (name a module, not a \
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
fn path_between(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
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

fn read_src(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        if p.is_dir() {
            read_src(&p, &rel, out);
        } else if rel.ends_with(".rs") {
            out.push((rel, fs::read_to_string(&p).unwrap()));
        }
    }
}

/// The folder of the core crate's sources.
fn core_src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/loganon-core/src")
}

/// Every source file of the workspace by its path under its crate's `src/`
/// (the module path): the core crate's, then the program's.
fn all_src() -> Vec<(String, String)> {
    let mut all = Vec::new();
    read_src(&core_src(), "", &mut all);
    read_src(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut all);
    all
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
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

/// The paths a file names through a child module it declares (`mod walk;`
/// and then `walk::next_line`, `pub use walk::Scratch`): each as the
/// child's module path.
fn child_paths(module: &[String], src: &str) -> Vec<Vec<String>> {
    let (toks, _) = lex(src);
    let tok = |k: usize| toks.get(k).map(|t| &t.0);
    let mut children = BTreeSet::new();
    for k in 0..toks.len() {
        if let (Some(Tok::Ident(m)), Some(Tok::Ident(name)), Some(Tok::Punct(';'))) = (tok(k), tok(k + 1), tok(k + 2)) {
            if m == "mod" {
                children.insert(name.clone());
            }
        }
    }
    let mut out = Vec::new();
    for k in 0..toks.len() {
        if let (Some(Tok::Ident(c)), Some(Tok::Path)) = (tok(k), tok(k + 1)) {
            let starts = k == 0 || tok(k - 1) != Some(&Tok::Path);
            if starts && children.contains(c) {
                let mut p = module.to_vec();
                p.push(c.clone());
                out.push(p);
            }
        }
    }
    out
}

/// `files` without their test code: a `#[cfg(test)] mod tests { .. }` to
/// its closing brace, and the files of modules declared under
/// `#[cfg(test)]` (a folder's `testing.rs`). Tests may name the module they
/// test; that is no import circle of the code.
fn without_tests(files: &[(String, String)]) -> Vec<(String, String)> {
    let mut test_only = BTreeSet::new();
    let mut out = Vec::new();
    for (rel, src) in files {
        let lines: Vec<&str> = src.lines().collect();
        let mut kept = String::new();
        let mut k = 0;
        while k < lines.len() {
            let next = lines.get(k + 1).map_or("", |l| l.trim());
            if lines[k].trim() == "#[cfg(test)]" && next.contains("mod ") {
                let name = next.split("mod ").nth(1).unwrap_or("");
                if let Some(child) = name.strip_suffix(';') {
                    let base = rel.trim_end_matches("mod.rs").trim_end_matches(".rs");
                    let at = if rel.ends_with("mod.rs") {
                        base.to_string()
                    } else {
                        format!("{base}/")
                    };
                    test_only.insert(format!("{at}{child}.rs"));
                    test_only.insert(format!("{at}{child}/mod.rs"));
                    k += 2;
                    continue;
                }
                // an inline module: to the brace that closes it, at its indent
                let indent = &lines[k + 1][..lines[k + 1].len() - lines[k + 1].trim_start().len()];
                k += 2;
                while k < lines.len() && lines[k] != format!("{indent}}}") {
                    k += 1;
                }
                k += 1;
                continue;
            }
            kept.push_str(lines[k]);
            kept.push('\n');
            k += 1;
        }
        out.push((rel.clone(), kept));
    }
    out.retain(|(rel, _)| !test_only.contains(rel));
    out
}

/// The import cycles among the files of each folder of `files` (a core
/// crate's sources: `formats/`, `engine/`, `kanon/` and the folders in
/// them). A file's imports are its `crate::` and `super::` paths and the
/// paths through its child modules, each going to the file it names.
fn folder_cycles(files: &[(String, String)]) -> Vec<String> {
    let files = &without_tests(files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(rel, _)| module_of(rel)).collect();
    // the file a path is in: its longest prefix that is a file's module
    let file_of = |path: &[String]| {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains(p))
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, src) in files {
        let module = module_of(rel);
        if module.is_empty() || rel == "lib.rs" {
            continue;
        }
        let mut to: Vec<Vec<String>> = refs(&module, src)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.code)
            .map(|r| r.to)
            .collect();
        to.extend(child_paths(&module, src));
        for t in to {
            let Some(f) = file_of(&t) else { continue };
            // within the folder: the same first segment
            if f != module && f[0] == module[0] {
                edges.entry(module.join("::")).or_default().insert(f.join("::"));
            }
        }
    }
    let mut bad = Vec::new();
    for (a, targets) in &edges {
        for b in targets {
            if let Some(back) = path_between(&edges, b, a) {
                let mut cycle = vec![a.clone()];
                cycle.extend(back);
                bad.push(format!("import cycle {}", cycle.join(" -> ")));
            }
        }
    }
    bad
}

#[test]
fn the_files_of_each_core_folder_import_each_other_without_cycles() {
    let mut core = Vec::new();
    read_src(&core_src(), "", &mut core);
    for folder in ["formats", "engine", "kanon", "scan", "check"] {
        assert!(
            core.iter().any(|(rel, _)| rel.starts_with(&format!("{folder}/"))),
            "no folder {folder}"
        );
    }
    let folders: Vec<(String, String)> = core
        .into_iter()
        .filter(|(rel, _)| {
            ["formats/", "engine/", "kanon/", "scan/", "check/"]
                .iter()
                .any(|f| rel.starts_with(f))
        })
        .collect();
    let bad = folder_cycles(&folders);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // the check finds a circle (the registry and a format naming each other)
    let circle = files(&[
        ("formats/mod.rs", "mod registry;\nmod json;\nuse registry::FORMATS;\n"),
        ("formats/registry.rs", "use super::json::SPEC;\n"),
        ("formats/json.rs", "use super::registry::FormatSpec;\n"),
    ]);
    let bad = folder_cycles(&circle);
    assert!(
        bad.iter()
            .any(|b| b.contains("formats::json -> formats::registry -> formats::json")),
        "{bad:?}"
    );
    // and a child naming the parent that names it
    let up = files(&[
        ("engine/mod.rs", "mod line;\npub use line::next_line;\n"),
        ("engine/line.rs", "use super::Engine;\n"),
    ]);
    assert!(!folder_cycles(&up).is_empty());
}

/// The recogniser families of the scanner (`crates/loganon-core/src/scan/`)
/// and their independent counterparts in the checker (`check/`): a family
/// is one file, and adding a rule touches one of them (and its
/// counterpart), so no family uses another, by import or by calling a
/// method another defines (they share one type, `Scanner` or `Oracle`, and
/// stand on `state` or `oracle`; the choice between families is `dispatch`'s
/// or `detect`'s).
const FAMILIES: [&str; 6] = ["addresses", "contact", "credentials", "devices", "params", "payment"];

/// The functions `src` defines.
fn defined_fns(src: &str) -> BTreeSet<String> {
    let (toks, _) = lex(src);
    toks.windows(2)
        .filter_map(|w| match (&w[0].0, &w[1].0) {
            (Tok::Ident(f), Tok::Ident(name)) if f == "fn" => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// What `src` uses of `names`: called as methods (`self.name(`, `o.name(`)
/// or as functions (`name(`), each with its line.
fn calls(src: &str, names: &BTreeSet<String>) -> Vec<(String, usize)> {
    let (toks, _) = lex(src);
    let mut out = Vec::new();
    for k in 0..toks.len().saturating_sub(1) {
        if let (Tok::Ident(name), Tok::Punct('(')) = (&toks[k].0, &toks[k + 1].0) {
            let defined_here = k > 0 && toks[k - 1].0 == Tok::Ident("fn".into());
            if names.contains(name) && !defined_here {
                out.push((name.clone(), toks[k].1));
            }
        }
    }
    out
}

#[test]
fn recogniser_families_stand_apart() {
    let mut core = Vec::new();
    read_src(&core_src(), "", &mut core);
    for folder in ["scan", "check"] {
        let family = |f: &str| {
            let rel = format!("{folder}/{f}.rs");
            let src = core.iter().find(|(r, _)| *r == rel).map(|(_, s)| s.clone());
            src.unwrap_or_else(|| panic!("{rel} is missing"))
        };
        for f in FAMILIES {
            let src = family(f);
            let module = module_of(&format!("{folder}/{f}.rs"));
            for r in refs(&module, &src).unwrap().into_iter().filter(|r| r.code) {
                let other = r.to.get(1).map(String::as_str);
                assert!(
                    !(r.to[0] == folder && other.is_some_and(|o| o != f && FAMILIES.contains(&o))),
                    "{folder}/{f}.rs:{} uses crate::{}, another family",
                    r.line,
                    r.to.join("::")
                );
            }
            for g in FAMILIES.iter().filter(|&&g| g != f) {
                // (names both define are each its own: `res`, the tests')
                let theirs: BTreeSet<String> = defined_fns(&family(g))
                    .difference(&defined_fns(&src))
                    .cloned()
                    .collect();
                let used = calls(&src, &theirs);
                assert!(
                    used.is_empty(),
                    "{folder}/{f}.rs calls what {folder}/{g}.rs defines: {used:?}"
                );
            }
        }
    }
}

/// `check` is the independent oracle: it shares the parsing with the
/// engine (formats, the role walk), never the scanner's recognisers or its
/// decoder; nor does the scanner use the checker.
#[test]
fn the_checker_shares_no_recogniser_with_the_scanner() {
    let mut core = Vec::new();
    read_src(&core_src(), "", &mut core);
    let mut seen = 0;
    for (rel, src) in &core {
        let module = module_of(rel);
        let banned: &[&str] = match module[0].as_str() {
            "check" => &["scan", "decode"],
            "scan" | "decode" => &["check"],
            _ => continue,
        };
        seen += 1;
        for r in refs(&module, src).unwrap().into_iter().filter(|r| r.code) {
            assert!(
                !banned.contains(&r.to[0].as_str()),
                "{rel}:{} uses crate::{}",
                r.line,
                r.to.join("::")
            );
        }
    }
    assert!(seen > 20, "{seen} files of check, scan and decode");
}
