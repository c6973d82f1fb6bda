//! The Debian package's files against the program they install: the shipped
//! /etc/loganon/loganon.toml (dist/loganon.toml) parses and enables nothing,
//! its commented settings are valid, the systemd units (dist/systemd) run
//! command lines that loganon's own parser accepts, are hardened, and pass
//! `systemd-analyze verify` and `security` (when systemd-analyze is here),
//! Cargo.toml's `[package.metadata.deb]` names files that exist, and
//! `loganon man` and `loganon completions` cover every subcommand.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::{CommandFactory, Parser};
use loganon::cli::Cli;
use loganon::commands::run::config::{AnonymizeSection, Config};

mod common;

use crate::common::bin::{loganon, text, TestCommand};

const CONFIG: &str = "dist/loganon.toml";
const CONFIG_DEST: &str = "/etc/loganon/loganon.toml";
const UNITS: [&str; 3] = ["loganon-run.service", "loganon-run.timer", "loganon-listen.service"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `KEY=VALUE` lines of a unit file (comments and section headers left out).
fn directives(unit: &str) -> Vec<(String, String)> {
    let path = root().join("dist/systemd").join(unit);
    let body = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';') && !l.starts_with('['))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("{unit}: not KEY=VALUE: {l}"));
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

fn values<'a>(d: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    d.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// The subcommands a user can type (clap's own `help` left out).
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn the_shipped_config_parses_and_enables_nothing() {
    let c = Config::load(&root().join(CONFIG)).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.logs.is_empty(), "the package's config must enable no [[logs]] set");
    assert_eq!(
        format!("{:?}", c.anonymize),
        format!("{:?}", AnonymizeSection::default()),
        "[anonymize] must set nothing"
    );
    assert!(c.state_dir.is_none() && c.lock.is_none());
    let out = loganon()
        .args(["run", "--config", CONFIG, "--dry-run", "--now", "2026-01-01"])
        .current_dir(root())
        .output();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "run (dry run): anonymized 0, summarized 0, deleted 0, already done 0, errors 0\n"
    );
    assert_eq!(text(&out.stderr), "");
}

/// The config with every `#KEY`/`#[TABLE]` line uncommented (`# ` lines are
/// prose and stay comments).
fn uncommented() -> String {
    let body = fs::read_to_string(root().join(CONFIG)).expect("read the config");
    body.lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| !c.is_whitespace() && c != '#') => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_shipped_configs_commented_settings_are_valid() {
    let text = uncommented();
    // parse, not load: the key file of the keyed example is not made here
    let c = Config::parse(&text, Path::new("uncommented.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let names: Vec<&str> = c.logs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["nginx", "apache"]);
    assert!(c.anonymize.key_file.is_some() && c.anonymize.ipv4_prefix == Some(24));
    // the folders of its globs and its state are writable for loganon-run.service
    let d = directives("loganon-run.service");
    let writable: Vec<PathBuf> = values(&d, "ReadWritePaths")
        .iter()
        .flat_map(|v| v.split_whitespace())
        .map(|p| PathBuf::from(p.trim_start_matches(['-', '+'])))
        .chain(
            values(&d, "StateDirectory")
                .iter()
                .map(|s| Path::new("/var/lib").join(s)),
        )
        .collect();
    let mut needed: Vec<PathBuf> = c
        .logs
        .iter()
        .flat_map(|s| &s.paths)
        .map(|p| Path::new(p).to_path_buf())
        .collect();
    needed.extend(c.logs.iter().filter_map(|s| s.summary.clone()));
    needed.push(c.state_dir());
    for p in needed {
        assert!(
            writable.iter().any(|w| p.starts_with(w)),
            "{} is not under ReadWritePaths= or StateDirectory= of loganon-run.service ({writable:?})",
            p.display()
        );
    }
}

#[test]
fn the_units_run_command_lines_that_loganon_accepts() {
    for unit in UNITS.iter().filter(|u| u.ends_with(".service")) {
        let d = directives(unit);
        let execs: Vec<&str> = values(&d, "ExecStart").into_iter().filter(|v| !v.is_empty()).collect();
        assert_eq!(execs.len(), 1, "{unit}: one ExecStart");
        let words: Vec<&str> = execs[0].split_whitespace().collect();
        assert_eq!(words[0], "/usr/bin/loganon", "{unit}: the packaged binary");
        let cli = Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{unit}: ExecStart={}: {e}", execs[0]));
        if *unit == "loganon-run.service" {
            match cli.command {
                loganon::cli::Command::Run(r) => assert_eq!(r.config, Path::new(CONFIG_DEST)),
                other => panic!("{unit} runs {other:?}"),
            }
        }
    }
    // the timer starts the run service (its default: the same name)
    let t = directives("loganon-run.timer");
    assert!(values(&t, "Unit").is_empty() && !values(&t, "OnCalendar").is_empty());
}

#[test]
fn the_units_are_hardened() {
    let common = [
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("UMask", "0077"),
        ("ProtectHome", "yes"),
    ];
    for (unit, network) in [("loganon-run.service", true), ("loganon-listen.service", false)] {
        let d = directives(unit);
        for (k, v) in common {
            assert_eq!(values(&d, k), [v], "{unit}: {k}");
        }
        assert_eq!(
            values(&d, "PrivateNetwork") == ["yes"],
            network,
            "{unit}: PrivateNetwork"
        );
        let caps = values(&d, "CapabilityBoundingSet");
        assert_eq!(caps.len(), 1, "{unit}: one CapabilityBoundingSet");
        assert!(
            caps[0]
                .split_whitespace()
                .all(|c| ["CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_FOWNER"].contains(&c)),
            "{unit}: {caps:?}"
        );
    }
    let run_unit = directives("loganon-run.service");
    assert!(!values(&run_unit, "ReadWritePaths").is_empty());
    assert_eq!(values(&run_unit, "StateDirectory"), ["loganon"]);
    // the listener keeps no capability at all (its ports are above 1024),
    // runs as a user of its own, and hears this host only
    let listen = directives("loganon-listen.service");
    assert_eq!(values(&listen, "CapabilityBoundingSet"), [""]);
    assert_eq!(values(&listen, "DynamicUser"), ["yes"]);
    assert_eq!(values(&listen, "IPAddressDeny"), ["any"]);
    assert_eq!(values(&listen, "IPAddressAllow"), ["localhost"]);
}

/// The units in a temporary folder, running the binary under test.
fn units_for_systemd(dir: &Path) -> Vec<PathBuf> {
    UNITS
        .iter()
        .map(|u| {
            let body = fs::read_to_string(root().join("dist/systemd").join(u)).expect("read unit");
            let path = dir.join(u);
            fs::write(&path, body.replace("/usr/bin/loganon", env!("CARGO_BIN_EXE_loganon"))).expect("write unit");
            path
        })
        .collect()
}

fn systemd_analyze() -> bool {
    let ok = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipping: systemd-analyze not found (Debian: apt-get install systemd)");
    }
    ok
}

#[test]
fn the_units_pass_systemd_analyze_verify() {
    if !systemd_analyze() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let units = units_for_systemd(dir.path());
    // the man pages of Documentation= are checked after installing (.ci/run)
    let out = TestCommand::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "exit {:?}:\n{}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `systemd-analyze security --offline=yes`: the overall exposure (0 to 10).
fn exposure(unit: &Path) -> f64 {
    let out = TestCommand::new("systemd-analyze")
        .args(["security", "--offline=yes"])
        .arg(unit)
        .output();
    let all = text(&out.stdout) + &text(&out.stderr);
    let line = all
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no exposure level in:\n{all}"));
    let score = line.split(':').nth(1).and_then(|s| s.split_whitespace().next());
    score
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the score of {line:?}"))
}

#[test]
fn the_services_score_below_3_in_systemd_analyze_security() {
    if !systemd_analyze() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for unit in units_for_systemd(dir.path())
        .iter()
        .filter(|u| u.extension().is_some_and(|e| e == "service"))
    {
        let score = exposure(unit);
        println!("{}: exposure {score}", unit.display());
        assert!(score < 3.0, "{}: exposure {score}, want below 3.0", unit.display());
    }
}

/// `[package.metadata.deb]` of Cargo.toml.
fn deb_metadata() -> toml::Value {
    let text = fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let v: toml::Value = toml::from_str(&text).expect("Cargo.toml");
    v["package"]["metadata"]["deb"].clone()
}

/// Files of the repository matching an asset source (`dir/*`, `dir/*.ext`
/// or a plain path).
fn matches(source: &str) -> Vec<PathBuf> {
    let path = root().join(source);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let Some(suffix) = name.strip_prefix('*') else {
        return if path.is_file() { vec![path] } else { Vec::new() };
    };
    let dir = path.parent().expect("a folder");
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

#[test]
fn the_package_names_files_that_exist() {
    let deb = deb_metadata();
    let assets = deb["assets"].as_array().expect("assets");
    let script = fs::read_to_string(root().join("dist/build-deb")).expect("dist/build-deb");
    let mut dests = BTreeSet::new();
    for a in assets {
        let (src, dest) = (a[0].as_str().expect("source"), a[1].as_str().expect("dest"));
        dests.insert((src.to_string(), dest.to_string()));
        if let Some(built) = src.strip_prefix("target/release/") {
            // made by dist/build-deb from the binary it built
            let made = built.split('/').next().unwrap_or(built);
            assert!(
                script.contains(&format!("/release/{made}")) || built == "loganon",
                "{src}: not made by dist/build-deb"
            );
            continue;
        }
        assert!(!matches(src).is_empty(), "asset {src} matches no file");
    }
    assert!(dests.contains(&(CONFIG.to_string(), CONFIG_DEST.trim_start_matches('/').to_string())));
    let completions = [
        "completions/loganon",
        "completions/_loganon",
        "completions/loganon.fish",
    ];
    for c in completions {
        assert!(dests.iter().any(|(s, _)| s.ends_with(c)), "no asset for {c}");
    }
    // each unit file has its systemd-units entry, none enabled or started
    let units = deb["systemd-units"].as_array().expect("systemd-units");
    let mut named = BTreeSet::new();
    for u in units {
        assert_eq!(u["unit-scripts"].as_str(), Some("dist/systemd"));
        assert_eq!(u["enable"].as_bool(), Some(false), "{u}");
        assert_eq!(u["start"].as_bool(), Some(false), "{u}");
        named.insert(u["unit-name"].as_str().expect("unit-name").to_string());
    }
    for unit in UNITS {
        let stem = unit.rsplit_once('.').map_or(unit, |(s, _)| s);
        assert!(named.contains(stem), "{unit}: no systemd-units entry");
    }
    // the licenses Cargo.toml names are there
    let manifest = fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = fs::read_to_string(root().join("LICENSE-MIT")).expect("LICENSE-MIT");
    let apache = fs::read_to_string(root().join("LICENSE-APACHE")).expect("LICENSE-APACHE");
    assert!(mit.starts_with("MIT License") && apache.contains("Apache License\n") && apache.contains("Version 2.0"));
}

#[test]
fn man_writes_a_page_for_every_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = loganon().arg("man").arg(dir.path()).output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let have_man = Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_man {
        println!("skipping the rendering: man not found (Debian: apt-get install man-db)");
    }
    let cli = Cli::command();
    let mut pages = vec![("loganon".to_string(), cli.clone())];
    for s in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push((format!("loganon-{}", s.get_name()), s.clone()));
    }
    assert_eq!(pages.len(), subcommands().len() + 1);
    let listed: BTreeSet<String> = text(&out.stdout).lines().map(str::to_string).collect();
    // and the configuration file's page
    assert_eq!(listed.len(), pages.len() + 1, "{listed:?}");
    let toml5 = dir.path().join("loganon.toml.5");
    assert!(listed.contains(&toml5.display().to_string()));
    let roff = fs::read_to_string(&toml5).expect("loganon.toml.5");
    for k in loganon::commands::run::config_keys::KEYS {
        assert!(
            roff.contains(&format!("\\fB{}\\fR", k.name.replace('-', "\\-"))),
            "loganon.toml.5 lacks {}",
            k.name
        );
    }
    if have_man {
        let shown = TestCommand::new("man")
            .args(["--warnings", "-l"])
            .arg(&toml5)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .output();
        assert!(shown.status.success(), "man -l loganon.toml.5: {}", text(&shown.stderr));
        assert_eq!(text(&shown.stderr), "", "man -l loganon.toml.5 warns");
        let page = text(&shown.stdout);
        assert!(page.contains("delete_after") && page.contains("[[logs]]"), "{page}");
    }
    for (name, cmd) in &pages {
        let path = dir.path().join(format!("{name}.1"));
        assert!(
            listed.contains(&path.display().to_string()),
            "{} not listed",
            path.display()
        );
        let roff = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(roff.contains(&format!(".TH {name} 1")), "{name}: no title");
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                let flag = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(roff.contains(&flag), "{name}.1 lacks --{long}");
            }
        }
        if !have_man {
            continue;
        }
        let shown = TestCommand::new("man")
            .args(["--warnings", "-l"])
            .arg(&path)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .output();
        let page = text(&shown.stdout);
        assert!(shown.status.success(), "man -l {name}.1: {}", text(&shown.stderr));
        assert_eq!(text(&shown.stderr), "", "man -l {name}.1 warns");
        assert!(
            page.contains("NAME") && page.contains("SYNOPSIS") && page.contains(name.as_str()),
            "{page}"
        );
    }
    // the top page lists every subcommand's page and the exit codes
    let top = fs::read_to_string(dir.path().join("loganon.1")).expect("loganon.1");
    for s in subcommands() {
        assert!(
            top.contains(&format!("loganon\\-{}(1)", s.replace('-', "\\-"))),
            "loganon.1 lacks {s}"
        );
    }
    assert!(top.contains(".SH \"EXIT STATUS\"") && top.contains("\\fB75\\fR"));
    // without DIR: the top page on stdout
    let out = loganon().arg("man").output();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), top);
}

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let out = loganon().args(["completions", shell]).output();
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for s in subcommands() {
            assert!(script.contains(&s), "{shell} completion lacks {s}");
        }
        assert!(
            script.contains("dry-run") && script.contains("max-age"),
            "{shell}: options missing"
        );
        // the script is valid for its shell, where the shell is here
        if Command::new(shell)
            .arg("-c")
            .arg("true")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("completion");
            fs::write(&file, &script).expect("write");
            let check = TestCommand::new(shell).arg("-n").arg(&file).output();
            assert!(check.status.success(), "{shell} -n: {}", text(&check.stderr));
        } else {
            println!("skipping the syntax check: {shell} not found");
        }
    }
    let out = loganon().args(["completions", "tcsh"]).output();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("possible values: bash"),
        "{}",
        text(&out.stderr)
    );
}
