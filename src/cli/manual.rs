//! `loganon man` and `loganon completions`: man pages (clap_mangen) and
//! shell completions (clap_complete) made from the command-line definition
//! the binary itself parses, so they cannot drift from it. The caller passes
//! that definition in (`Cli::command()`); this module knows no subcommand.
//!
//! Made at run time rather than by a build script: a build script cannot use
//! the library's argument definitions without compiling them twice, and a
//! packager (dist/build-deb) or a user can make them from any installed
//! binary.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Command};
use clap_complete::Shell;

use super::Exit;
use crate::io::names::show;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish (also elvish, powershell)
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write loganon.1 and a page per subcommand (loganon-run.1, ...) into DIR
    /// (created if missing); without DIR, print loganon.1 on stdout
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// What the top page says beyond the options: exit codes, files, where to
/// read more. Roff, appended after clap's sections.
const MAIN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success (\fBcheck\fR: nothing found)
.TP
\fB1\fR
some inputs failed (the others were processed); \fB\-\-on\-unparsed fail\fR met a line; \fBcheck\fR found personal data; a \fBrun\fR or \fBpurge\fR had per\-file errors
.TP
\fB2\fR
usage or configuration error (the message names the option, or the file, line and key)
.TP
\fB75\fR
another \fBloganon run\fR holds the lock
.SH FILES
.TP
\fI/etc/loganon/loganon.toml\fR
the configuration of \fBloganon run\fR (the Debian package's; every setting commented out)
.TP
\fI/var/lib/loganon\fR
the default \fBstate_dir\fR: what \fBrun\fR has done (state.json), its lock (run.lock), the summaries
.TP
\fIloganon\-run.service\fR, \fIloganon\-run.timer\fR, \fIloganon\-listen.service\fR
the systemd units of the Debian package (none is enabled when it is installed)
.SH "SEE ALSO"
\fBloganon.toml\fR(5), \fBlogrotate\fR(8), \fBsystemd.timer\fR(5), \fBgoaccess\fR(1); README.md and the user guide, docs/*.md, in /usr/share/doc/loganon
"#;

/// A subcommand's page points back to the top page.
const SUB_EXTRA: &str = r#".SH "SEE ALSO"
\fBloganon\fR(1), for the exit status and the files
"#;

/// The pages: `(file name, roff)`, the top page first, then one per visible
/// subcommand (recursively), named `loganon-SUB.1`, then the configuration
/// file's, `loganon.toml.5` (from the keys the config parser reads, see
/// [`crate::commands::run::config_keys`]).
pub fn pages(cmd: Command) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    page(&cmd, true, &mut out)?;
    let version = cmd.get_version().unwrap_or("").to_string();
    out.push((
        "loganon.toml.5".to_string(),
        crate::commands::run::config_keys::man_page(&version).into_bytes(),
    ));
    Ok(out)
}

fn page(cmd: &Command, top: bool, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
    let man = clap_mangen::Man::new(cmd.clone()).manual("loganon manual");
    let mut roff = Vec::new();
    render(&man, cmd, top, &mut roff).map_err(|e| format!("cannot render the man page of {}: {e}", cmd.get_name()))?;
    out.push((man.get_filename(), roff));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page(sub, false, out)?;
    }
    Ok(())
}

/// clap's sections in their order, our own before the version.
fn render(man: &clap_mangen::Man, cmd: &Command, top: bool, w: &mut Vec<u8>) -> std::io::Result<()> {
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    if cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some() {
        man.render_extra_section(w)?;
    }
    w.extend_from_slice(if top { MAIN_EXTRA } else { SUB_EXTRA }.as_bytes());
    if cmd.get_version().is_some() || cmd.get_long_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

/// The completion script of `shell` for the command named `bin`.
pub fn completion(shell: Shell, mut cmd: Command, bin: &str) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, bin, &mut buf);
    buf
}

/// Writes `bytes` to stdout; a reader that went away is no error.
fn to_stdout(bytes: &[u8]) -> Exit {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Exit::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(e) => {
            eprintln!("loganon: cannot write to stdout: {e}");
            Exit::Failed
        }
    }
}

/// `loganon completions SHELL`.
pub fn completions(a: CompletionsArgs, cmd: Command) -> Exit {
    let bin = cmd.get_name().to_string();
    to_stdout(&completion(a.shell, cmd, &bin))
}

/// `loganon man [DIR]`: the pages into DIR (their paths on stdout), or the
/// top page on stdout.
pub fn man(a: ManArgs, cmd: Command) -> Exit {
    let pages = match pages(cmd) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("loganon: {e}");
            return Exit::Failed;
        }
    };
    let Some(dir) = a.dir else {
        return match pages.first() {
            Some((_, roff)) => to_stdout(roff),
            None => Exit::Ok,
        };
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("loganon: cannot create {}: {e}", show(&dir));
        return Exit::Failed;
    }
    let mut listing = Vec::new();
    for (name, roff) in &pages {
        let path = dir.join(name);
        if let Err(e) = write_file(&path, roff) {
            eprintln!("loganon: cannot write {}: {e}", show(&path));
            return Exit::Failed;
        }
        let _ = writeln!(listing, "{}", show(&path));
    }
    to_stdout(&listing)
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd() -> Command {
        Command::new("tool")
            .version("1.2.3")
            .about("A tool")
            .subcommand(
                Command::new("one")
                    .about("The first")
                    .arg(clap::Arg::new("x").long("x")),
            )
            .subcommand(Command::new("two").about("The second"))
            .subcommand(Command::new("secret").hide(true))
    }

    #[test]
    fn a_page_per_visible_subcommand_with_our_sections() {
        let pages = pages(cmd()).unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["tool.1", "tool-one.1", "tool-two.1", "loganon.toml.5"]);
        let top = String::from_utf8(pages[0].1.clone()).unwrap();
        assert!(
            top.contains(".SH \"EXIT STATUS\"") && top.contains(".SH FILES"),
            "{top}"
        );
        let one = String::from_utf8(pages[1].1.clone()).unwrap();
        assert!(one.contains(".TH tool-one 1") && one.contains("\\-\\-x"), "{one}");
        assert!(
            one.contains("\\fBloganon\\fR(1)") && !one.contains("EXIT STATUS"),
            "{one}"
        );
    }

    #[test]
    fn completions_name_every_subcommand() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let text = String::from_utf8(completion(shell, cmd(), "tool")).unwrap();
            assert!(text.contains("one") && text.contains("two"), "{shell}: {text}");
        }
    }
}
