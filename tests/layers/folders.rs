//! The files of each core folder import each other without cycles (test
//! code aside).

use std::collections::{BTreeMap, BTreeSet};

use crate::downward::path_between;
use crate::lex::{child_paths, refs};
use crate::{core_src, files, module_of, read_src};

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
