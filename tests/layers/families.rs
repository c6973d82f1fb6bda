//! The recogniser families of the scanner and the checker stand apart.

use std::collections::BTreeSet;

use crate::lex::{lex, refs, Tok};
use crate::{core_src, module_of, read_src};

/// The recogniser families of the scanner (`crates/loganon-core/src/scan/`)
/// and their independent counterparts in the checker (`check/`): a family
/// is one file, and adding a rule touches one of them (and its
/// counterpart), so no family uses another, by import or by calling a
/// method another defines (they share one type, `Scanner` or `Oracle`, and
/// stand on `state` or `oracle`; the choice between families is `dispatch`'s
/// or `detect`'s).
const FAMILIES: [&str; 7] = [
    "addresses",
    "contact",
    "credentials",
    "devices",
    "location",
    "params",
    "payment",
];

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
