//! The examples of `README.md` and `docs/*.md` are run, so none can go stale
//! (issue 27), and their relative links lead to files and headings that exist.
//!
//! The convention, also in `docs/ARCHITECTURE.md` ("Examples in the
//! documentation"):
//!
//! - A fenced block tagged `console` is run. A line starting with `$ ` is a
//!   command; a command line ending with `\` goes on on the next line. The
//!   lines after a command, up to the next `$ ` or the block's end, are what
//!   it writes, stdout and stderr together as a terminal shows them, exactly.
//!   A line that is `...` alone stands for any number of lines (none too):
//!   for what changes from run to run (timings). A command that opens a
//!   here-document (`cat > FILE <<'EOF'`) takes the lines up to its end
//!   word as its input.
//! - The commands of one block run one after another in one `bash`
//!   (`set -o pipefail`; `cd`, variables and `$?` carry over to the block's
//!   next command). The blocks of a page run in order in one fresh
//!   temporary folder holding a copy of `testdata/` (`testdata/sample.log`),
//!   which is also `$HOME` and whose path the output shows as `~` (a
//!   configuration needs absolute paths: `$HOME/logs`), with `loganon` on
//!   `PATH` being the binary cargo built for the tests,
//!   `TZ=UTC`, `LC_ALL=C`, and no other variable of the caller's
//!   environment. Files a block makes stay for the page's later blocks, not
//!   for other pages.
//! - A command that exits with another status than 0 must be followed by
//!   `$ echo $?`, which shows it: no example fails unseen.
//! - Every other block is not run: `sh` for what to type on a real system
//!   (apt, systemctl, cargo, logrotate, Spark), `text` for files and
//!   before/after pairs, `toml`, `python`, ... Such a block may not hold a
//!   line starting with `$ `: a prompt means an example to run, so it is
//!   tagged `console` or written without prompts.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use crate::common::bin::{code, text, TestCommand, BIN, ROOT};
use crate::common::files::tempdir;

/// The marker written before each command's output and after the last one
/// (a control character no example prints).
const MARK: char = '\u{1e}';

/// The documentation pages: `README.md` and every `docs/*.md`.
fn pages() -> Vec<PathBuf> {
    let mut v = vec![Path::new(ROOT).join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    v.extend(docs);
    v
}

/// The page's name as the messages give it: `README.md`, `docs/batch.md`.
fn shown(page: &Path) -> String {
    page.strip_prefix(ROOT).unwrap().display().to_string()
}

/// One fenced block of a page.
struct Block {
    /// the info string (`console`, `sh`, ...)
    tag: String,
    /// the line of its opening fence (1-based)
    line: usize,
    body: Vec<String>,
}

fn blocks(md: &str) -> Vec<Block> {
    let mut v = Vec::new();
    let mut open: Option<Block> = None;
    for (i, l) in md.lines().enumerate() {
        match &mut open {
            None => {
                if let Some(tag) = l.strip_prefix("```") {
                    open = Some(Block {
                        tag: tag.trim().to_string(),
                        line: i + 1,
                        body: Vec::new(),
                    });
                }
            }
            Some(b) => {
                if l.trim_end() == "```" {
                    v.push(open.take().unwrap());
                } else {
                    b.body.push(l.to_string());
                }
            }
        }
    }
    assert!(open.is_none(), "a fence is not closed");
    v
}

/// A command of a `console` block and the lines it must write.
struct Example {
    /// the line of its `$ ` in the page (1-based)
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn examples(b: &Block) -> Vec<Example> {
    let mut v: Vec<Example> = Vec::new();
    let mut lines = b.body.iter().enumerate();
    while let Some((i, l)) = lines.next() {
        if let Some(first) = l.strip_prefix("$ ") {
            let mut command = first.to_string();
            while command.ends_with('\\') {
                let (_, next) = lines.next().expect("a command's `\\` at the block's end");
                command.push('\n');
                command.push_str(next);
            }
            // a here-document's lines are the command's, up to its word
            if let Some(word) = here_word(&command) {
                loop {
                    let (_, next) = lines.next().unwrap_or_else(|| panic!("here-document {word} not ended"));
                    command.push('\n');
                    command.push_str(next);
                    if next.trim() == word {
                        break;
                    }
                }
            }
            v.push(Example {
                line: b.line + 1 + i,
                command,
                expected: Vec::new(),
            });
        } else {
            let ex = v
                .last_mut()
                .unwrap_or_else(|| panic!("the console block of line {} starts with output, not with `$ `", b.line));
            ex.expected.push(l.to_string());
        }
    }
    v
}

/// The word that ends a here-document the command opens (`<<'EOF'`,
/// `<<EOF`, `<<-EOF`), if it opens one.
fn here_word(command: &str) -> Option<String> {
    let (_, after) = command.rsplit_once("<<")?;
    let word: String = after
        .trim_start_matches('-')
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Whether `got` is `want`, a `...` line of `want` standing for any lines.
fn matches(want: &[String], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w == "..." => (0..=got.len()).any(|skip| matches(rest, &got[skip..])),
        Some((w, rest)) => got.first() == Some(&w.as_str()) && matches(rest, &got[1..]),
    }
}

/// Tools an example may use that a machine may lack: a page whose examples
/// use one that is missing is skipped, and says so.
const OPTIONAL_TOOLS: [&str; 3] = ["jq", "xz", "zstd"];

/// The words of a command outside quotes (a word in quotes is data: a log
/// line, a format).
fn unquoted_words(command: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in command.chars() {
        if escaped {
            escaped = false;
            if quote.is_none() {
                words.last_mut().unwrap().push(c);
            }
            continue;
        }
        match (quote, c) {
            (q, '\\') if q != Some('\'') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() || ";|&()<>=[]".contains(c) => words.push(String::new()),
            (None, c) => words.last_mut().unwrap().push(c),
        }
    }
    words.retain(|w| !w.is_empty());
    words
}

/// Whether a page's examples can run here (`Ok(false)`: a tool is
/// missing), or why they must not run anywhere.
fn runnable(page: &str, blocks: &[&Block]) -> Result<bool, String> {
    for b in blocks {
        for ex in examples(b) {
            // a here-document's lines are data
            let head = match ex.command.rfind("<<") {
                Some(at) => ex.command[at..]
                    .find('\n')
                    .map_or(&ex.command[..], |nl| &ex.command[..at + nl]),
                None => &ex.command[..],
            };
            let words = unquoted_words(head);
            // an example works in its own folder only: never on the
            // machine's files (a `--in-place` on /var/log would rewrite them)
            if let Some(w) = words.iter().find(|w| w.starts_with('/') && *w != "/dev/null") {
                return Err(format!(
                    "{page}:{}: `{w}`: an example may name files of its own folder only",
                    ex.line
                ));
            }
            for tool in OPTIONAL_TOOLS {
                let found = ["/usr/local/bin", "/usr/bin", "/bin"]
                    .iter()
                    .any(|d| Path::new(d).join(tool).exists());
                if words.iter().any(|w| w == tool) && !found {
                    println!("skipping the examples of {page}: {tool} not found");
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// Runs the `console` blocks of a page in order, in one folder; the
/// messages of the examples that failed.
fn run_page(page: &str, blocks: &[&Block]) -> Vec<String> {
    match runnable(page, blocks) {
        Ok(true) => {}
        Ok(false) => return Vec::new(),
        Err(e) => return vec![e],
    }
    let dir = tempdir();
    let root = dir.path();
    fs::create_dir(root.join("bin")).unwrap();
    symlink(BIN, root.join("bin/loganon")).unwrap();
    fs::create_dir(root.join("testdata")).unwrap();
    for e in fs::read_dir(Path::new(ROOT).join("testdata")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            fs::copy(e.path(), root.join("testdata").join(e.file_name())).unwrap();
        }
    }
    fs::create_dir(root.join("tmp")).unwrap();
    blocks.iter().flat_map(|b| run_block(page, b, root)).collect()
}

/// Runs a `console` block in `root`; the messages of the examples that
/// failed.
fn run_block(page: &str, b: &Block, root: &Path) -> Vec<String> {
    let exs = examples(b);
    let mut script = String::from("exec 2>&1\nset -o pipefail\n");
    for (i, ex) in exs.iter().enumerate() {
        // the status of the command before, then this one's start
        writeln!(script, "__rc=$?; printf '{MARK}%s {i}\\n' \"$__rc\"; (exit $__rc)").unwrap();
        script.push_str(&ex.command);
        script.push('\n');
    }
    writeln!(script, "printf '{MARK}%s end\\n' \"$?\"").unwrap();
    let mut bash = TestCommand::new("bash");
    bash.cmd().env_clear();
    let out = bash
        .args(["--noprofile", "--norc", "-c", &script])
        .current_dir(root)
        .env(
            "PATH",
            format!("{}:/usr/local/bin:/usr/bin:/bin", root.join("bin").display()),
        )
        .env("HOME", root)
        .env("TMPDIR", root.join("tmp"))
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .timeout(Duration::from_secs(120))
        .output();
    // the folder is $HOME: its path is shown as `~`
    let all = text(&out.stdout).replace(&root.display().to_string(), "~");
    let here = format!("{page}, the console block of line {}", b.line);
    if code(&out) != 0 {
        return vec![format!("{here}: bash exited {}:\n{all}", code(&out))];
    }
    // segments: "RC N\nOUTPUT" for each command, "RC end\n" last
    let segments: Vec<&str> = all.split(MARK).skip(1).collect();
    if segments.len() != exs.len() + 1 {
        return vec![format!(
            "{here}: {} of {} commands ran:\n{all}",
            segments.len() - 1,
            exs.len()
        )];
    }
    let mut fails = Vec::new();
    for (i, ex) in exs.iter().enumerate() {
        let (_, output) = segments[i].split_once('\n').unwrap();
        let (rc, _) = segments[i + 1].split_once(' ').unwrap();
        let got: Vec<&str> = output.lines().collect();
        if !matches(&ex.expected, &got) {
            fails.push(format!(
                "{page}:{}: `{}` wrote\n{}\n--- where the page says\n{}\n---",
                ex.line,
                ex.command,
                got.join("\n"),
                ex.expected.join("\n")
            ));
        }
        let shown_next = exs.get(i + 1).is_some_and(|n| n.command == "echo $?");
        if rc != "0" && !shown_next {
            fails.push(format!(
                "{page}:{}: `{}` exited {rc}: follow it with `$ echo $?` (and the code)",
                ex.line, ex.command
            ));
        }
    }
    fails
}

/// The blocks of every page: (page, block).
fn all_blocks() -> Vec<(String, Block)> {
    let mut v = Vec::new();
    for page in pages() {
        let md = fs::read_to_string(&page).unwrap();
        for b in blocks(&md) {
            v.push((shown(&page), b));
        }
    }
    v
}

#[test]
fn every_console_example_writes_what_its_page_says() {
    let all = all_blocks();
    let mut fails = Vec::new();
    // a block that is not run may not look like one that is
    for (page, b) in &all {
        if b.tag != "console" {
            if let Some(l) = b.body.iter().find(|l| l.starts_with("$ ")) {
                fails.push(format!(
                    "{page}: the `{}` block of line {} holds `{l}`: tag it console to run it, \
                     or write it without the prompt",
                    b.tag, b.line
                ));
            }
        }
    }
    let console: Vec<&(String, Block)> = all.iter().filter(|(_, b)| b.tag == "console").collect();
    let commands: usize = console.iter().map(|(_, b)| examples(b).len()).sum();
    // the console blocks of each page, in order
    let mut by_page: Vec<(&str, Vec<&Block>)> = Vec::new();
    for (page, b) in &console {
        match by_page.last_mut() {
            Some((p, v)) if p == page => v.push(b),
            _ => by_page.push((page, vec![b])),
        }
    }
    // the pages in two threads: the machine has two cores
    let halves: Vec<Vec<&(&str, Vec<&Block>)>> = vec![
        by_page.iter().step_by(2).collect(),
        by_page.iter().skip(1).step_by(2).collect(),
    ];
    thread::scope(|s| {
        let handles: Vec<_> = halves
            .iter()
            .map(|h| s.spawn(move || h.iter().flat_map(|(p, b)| run_page(p, b)).collect::<Vec<_>>()))
            .collect();
        for h in handles {
            fails.extend(h.join().unwrap());
        }
    });
    assert!(
        fails.is_empty(),
        "{} of the documentation's examples fail:\n\n{}",
        fails.len(),
        fails.join("\n\n")
    );
    println!("{} console blocks, {commands} commands checked", console.len());
    // the README's tour and the pages have examples: a parser that finds
    // none must not pass
    assert!(console.len() >= 20, "only {} console blocks found", console.len());
}

/// GitHub's anchor of a heading: lower case, spaces to `-`, other
/// punctuation but `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(md: &str) -> Vec<String> {
    let mut fence = false;
    let mut v = Vec::new();
    for l in md.lines() {
        if l.starts_with("```") {
            fence = !fence;
        } else if !fence && l.starts_with('#') {
            v.push(anchor(l.trim_start_matches('#')));
        }
    }
    v
}

/// The targets of the `](...)` links of a page outside code blocks.
fn links(md: &str) -> Vec<String> {
    let mut fence = false;
    let mut v = Vec::new();
    for l in md.lines() {
        if l.starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        for (i, _) in l.match_indices("](") {
            let rest = &l[i + 2..];
            if let Some(end) = rest.find(')') {
                v.push(rest[..end].to_string());
            }
        }
    }
    v
}

#[test]
fn every_relative_link_leads_to_a_file_and_heading() {
    let mut fails = Vec::new();
    for page in pages() {
        let md = fs::read_to_string(&page).unwrap();
        for target in links(&md) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, frag) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            if !path.exists() {
                fails.push(format!("{}: ({target}): no such file", shown(&page)));
                continue;
            }
            if let Some(a) = frag {
                let there = fs::read_to_string(&path).unwrap_or_default();
                if !anchors(&there).iter().any(|x| x == a) {
                    fails.push(format!("{}: ({target}): no such heading", shown(&page)));
                }
            }
        }
    }
    assert!(fails.is_empty(), "broken links:\n{}", fails.join("\n"));
}

#[test]
fn the_readme_stays_short() {
    let readme = fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let n = readme.lines().count();
    assert!(n <= 300, "README.md has {n} lines; the rest belongs in docs/");
}

#[test]
fn the_matcher_skips_only_at_dots() {
    let want = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&want(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&want(&["a", "...", "d"]), &["a", "d"]));
    assert!(matches(&want(&["..."]), &[]));
    assert!(!matches(&want(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&want(&["a"]), &["a", "b"]));
    assert!(!matches(&want(&["a", "..."]), &["b"]));
}

#[test]
fn commands_are_read_as_the_convention_says() {
    let block = |body: &str| Block {
        tag: "console".into(),
        line: 10,
        body: body.lines().map(String::from).collect(),
    };
    let exs = examples(&block(
        "$ echo a \\\n    b\na b\n$ cat > f <<'EOF'\n$ not a command\nEOF\n$ echo $?\n0",
    ));
    assert_eq!(exs.len(), 3);
    assert_eq!(exs[0].command, "echo a \\\n    b");
    assert_eq!(exs[0].expected, ["a b"]);
    assert_eq!(exs[0].line, 11);
    assert_eq!(exs[1].command, "cat > f <<'EOF'\n$ not a command\nEOF");
    assert!(exs[1].expected.is_empty());
    assert_eq!((exs[2].line, exs[2].expected.clone()), (17, vec!["0".to_string()]));
    // words in quotes are data; a path outside them is refused
    assert_eq!(
        unquoted_words(r#"echo '1.2.3.4 "GET / HTTP/1.1"' "a \"/b\"" | loganon anonymize -o x"#),
        ["echo", "loganon", "anonymize", "-o", "x"]
    );
    let refused = |cmd: &str| runnable("p", &[&block(&format!("$ {cmd}"))]).is_err();
    assert!(refused("loganon anonymize --in-place /var/log/nginx/access.log"));
    assert!(refused("loganon purge / --max-age 30d"));
    assert!(refused("cat x >/etc/passwd"));
    assert!(!refused("loganon anonymize x > /dev/null"));
    assert!(!refused("cat > c.toml <<EOF\npaths = [\"/var/log/x\"]\nEOF"));
}
