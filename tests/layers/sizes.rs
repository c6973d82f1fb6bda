//! A room holds one concern: no source file of either crate is over
//! [`MAX_LINES`] lines before its test module (a concern that grows gets a
//! folder of files, each named for what it holds).

use crate::all_src;

/// The most lines a source file may have before its `#[cfg(test)]` module.
const MAX_LINES: usize = 600;

/// The lines of `src` before its first `#[cfg(test)]` line (all of them
/// when it has none).
fn lines_before_tests(src: &str) -> usize {
    src.lines().take_while(|l| l.trim() != "#[cfg(test)]").count()
}

#[test]
fn no_source_file_is_over_600_lines_before_its_tests() {
    let big: Vec<String> = all_src()
        .iter()
        .map(|(rel, src)| (rel, lines_before_tests(src)))
        .filter(|&(_, n)| n > MAX_LINES)
        .map(|(rel, n)| format!("{rel}: {n} lines before its tests"))
        .collect();
    assert!(big.is_empty(), "split by concern:\n{}", big.join("\n"));
    // the count stops at the test module, and only there
    assert_eq!(lines_before_tests("a\nb\n#[cfg(test)]\nmod tests {}\n"), 2);
    assert_eq!(lines_before_tests("a\n    #[cfg(test)]\n    x: u8,\n"), 1);
    assert_eq!(lines_before_tests("a\nb\nc"), 3);
}
