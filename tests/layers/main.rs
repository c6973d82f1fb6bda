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
//!
//! The files: this one holds the table of layers and the sources read;
//! `lex` reads Rust into tokens and paths; `downward` checks the layers;
//! `folders` the files of each core folder (no cycles); `families` the
//! recogniser families of `scan/` and `check/`; `sizes` the length of
//! source files.

mod downward;
mod families;
mod folders;
mod lex;
mod sizes;

use std::fs;
use std::path::Path;

/// The core: pure, no I/O (keys come in read by `io::keys`, the day of
/// undated lines from the command's clock; see
/// `the_core_reads_no_file_and_no_clock`). `clean` is main's cache of clean values (crates/loganon-core/src/clean.rs),
/// listed ahead of the merge.
pub(crate) const CORE: &[&str] = &[
    "addr", "check", "clean", "controls", "decode", "engine", "formats", "ipcrypt", "kanon", "keyed", "lines", "rules",
    "scan", "stats", "summary", "time",
];

pub(crate) const LAYERS: [&str; 4] = ["core", "io", "commands", "cli"];

/// The layer of an absolute module path (its first segment).
pub(crate) fn layer(path: &[String]) -> Option<usize> {
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
pub(crate) fn unit(path: &[String]) -> String {
    match path.first().map(String::as_str) {
        Some("io" | "commands") if path.len() > 1 => format!("{}::{}", path[0], path[1]),
        _ => path.first().cloned().unwrap_or_default(),
    }
}

/// The module path of a file under `src/`: `io/input.rs` -> `io::input`,
/// `commands/listen/mod.rs` -> `commands::listen`.
pub(crate) fn module_of(rel: &str) -> Vec<String> {
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts
}

pub(crate) fn read_src(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
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
pub(crate) fn core_src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/loganon-core/src")
}

/// Every source file of the workspace by its path under its crate's `src/`
/// (the module path): the core crate's, then the program's.
pub(crate) fn all_src() -> Vec<(String, String)> {
    let mut all = Vec::new();
    read_src(&core_src(), "", &mut all);
    read_src(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut all);
    all
}

pub(crate) fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}
