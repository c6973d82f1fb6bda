//! Rust source read as tokens, the paths it names, and where they lead.

use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// Code tokens and comments, each with its line.
pub(crate) type Lexed = (Vec<(Tok, usize)>, Vec<(String, usize)>);

/// Splits Rust source into code tokens and comment text (strings, chars
/// and raw strings are skipped, so their braces and words do not count).
pub(crate) fn lex(src: &str) -> Lexed {
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
pub(crate) fn paths_at(toks: &[(Tok, usize)], mut k: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
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
pub(crate) struct Ref {
    pub(crate) line: usize,
    pub(crate) to: Vec<String>,
    pub(crate) code: bool,
}

/// The references of one file whose module path is `module`.
pub(crate) fn refs(module: &[String], src: &str) -> Result<Vec<Ref>, String> {
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

/// The paths a file names through a child module it declares (`mod walk;`
/// and then `walk::next_line`, `pub use walk::Scratch`): each as the
/// child's module path.
pub(crate) fn child_paths(module: &[String], src: &str) -> Vec<Vec<String>> {
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
