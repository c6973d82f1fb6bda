//! The example configurations (`examples/*.toml`) on Debian's and RHEL's
//! log layouts: what each one anonymizes, and the warnings of the
//! date-suffixed example on Debian (helpers in `rotation.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin::{assert_exit, loganon, text};
use crate::common::civil::{days_from_civil, rfc3339, DAY};
use crate::common::files::set_mtime;
use crate::common::gz::gzip;
use crate::rotation::assert_lines;

// ---------------------------------------------------------------------------
// the example configurations and their layouts

/// An example config with its folders moved under `root`.
fn example_in(name: &str, root: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
    let text = fs::read_to_string(src)
        .unwrap()
        .replace("\"/var/", &format!("\"{}/var/", root.display()));
    let to = root.join(name);
    fs::write(&to, text).unwrap();
    to
}

/// Files with contents and ages (days before `now`); `None`: written just now.
fn layout(root: &Path, files: &[(&str, Option<i64>)], now: i64) {
    for (rel, age) in files {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let line =
            "192.0.2.7 - - [01/Mar/2025:10:00:00 +0000] \"GET /?email=a%40b.example HTTP/1.1\" 200 5 \"-\" \"-\"\n";
        let bytes = if rel.ends_with(".gz") {
            gzip(line.as_bytes())
        } else {
            line.as_bytes().to_vec()
        };
        fs::write(&p, bytes).unwrap();
        if let Some(age) = age {
            set_mtime(&p, now - age * DAY - 3600);
        }
    }
}

fn dry_run(config: &Path, now: i64) -> Output {
    let now = rfc3339(now);
    loganon()
        .args(["run", "--config"])
        .arg(config)
        .args(["--dry-run", "--now", &now])
        .output()
}

const DEBIAN: &[(&str, Option<i64>)] = &[
    ("var/log/nginx/access.log", None),
    ("var/log/nginx/access.log.1", Some(1)),
    ("var/log/nginx/access.log.2.gz", Some(2)),
    ("var/log/nginx/access.log.14.gz", Some(14)),
    ("var/log/nginx/error.log.1", Some(1)),
    ("var/log/apache2/access.log.1", Some(1)),
    ("var/log/apache2/other_vhosts_access.log.3.gz", Some(3)),
    ("var/log/apache2/error.log.2.gz", Some(2)),
];

const RHEL: &[(&str, Option<i64>)] = &[
    ("var/log/nginx/access.log", None),
    ("var/log/nginx/access.log-20250302", Some(1)),
    ("var/log/nginx/access.log-20250301.gz", Some(2)),
    ("var/log/nginx/error.log-20250302", Some(1)),
    ("var/log/httpd/access_log", None),
    ("var/log/httpd/access_log-20250302", Some(1)),
    ("var/log/httpd/ssl_access_log-20250223.gz", Some(8)),
    ("var/log/httpd/error_log-20250302", Some(1)),
];

#[test]
fn examples_match_debian_and_rhel_layouts() {
    let now = days_from_civil(2025, 3, 3) * DAY + 7 * 3600;
    for (example, files, want) in [
        (
            "debian.toml",
            DEBIAN,
            &[
                "var/log/apache2/access.log.1",
                "var/log/apache2/other_vhosts_access.log.3.gz",
                "var/log/nginx/access.log.1",
                "var/log/nginx/access.log.14.gz",
                "var/log/nginx/access.log.2.gz",
            ][..],
        ),
        (
            "rhel.toml",
            RHEL,
            &[
                "var/log/httpd/access_log-20250302",
                "var/log/httpd/ssl_access_log-20250223.gz",
                "var/log/nginx/access.log-20250301.gz",
                "var/log/nginx/access.log-20250302",
            ][..],
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        layout(root, files, now);
        let config = example_in(example, root);
        let o = dry_run(&config, now);
        assert_exit(&o, 0);
        let mut lines = Vec::new();
        for rel in want {
            let age = files.iter().find(|(r, _)| r == rel).unwrap().1.unwrap();
            let p = root.join(rel).display().to_string();
            lines.push(format!("would-anonymize {p} age={age}d"));
            lines.push(format!("would-summarize {p}"));
        }
        lines.push(format!(
            "run (dry run): anonymized {n}, summarized {n}, deleted 0, already done 0, errors 0",
            n = want.len()
        ));
        assert_lines(&o.stdout, &lines, example);
    }
}

#[test]
fn the_date_suffixed_example_on_debian_warns_and_counts() {
    let now = days_from_civil(2025, 3, 3) * DAY + 7 * 3600;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    layout(root, DEBIAN, now);
    let config = example_in("loganon.toml", root);
    for extra in [&["--dry-run"][..], &[][..]] {
        let now_s = rfc3339(now);
        let mut a: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), "--config".as_ref(), config.as_os_str()];
        a.extend(extra.iter().map(std::ffi::OsStr::new));
        a.extend(["--now", now_s.as_str()].into_iter().map(std::ffi::OsStr::new));
        let o = loganon().args(&a).output();
        // nothing failed: the exit status stays 0, the warnings say it
        assert_exit(&o, 0);
        let lib = root.join("var/log");
        let want = [
            // (Debian's other_vhosts_access.log.N.gz happens to match the second glob)
            if extra.is_empty() {
                format!(
                    "anonymized {}/apache2/other_vhosts_access.log.3.gz lines=1 *",
                    lib.display()
                )
            } else {
                format!(
                    "would-anonymize {}/apache2/other_vhosts_access.log.3.gz age=3d",
                    lib.display()
                )
            },
            format!(
                "{}summarize{} {}/apache2/other_vhosts_access.log.3.gz*",
                if extra.is_empty() { "" } else { "would-" },
                if extra.is_empty() { "d" } else { "" },
                lib.display()
            ),
            format!(
                "{}: anonymized 1, summarized 1, deleted 0, already done 0, errors 0, warnings 2; done with warnings",
                if extra.is_empty() { "run" } else { "run (dry run)" }
            ),
        ];
        assert_lines(&o.stdout, &want, "loganon.toml on Debian");
        // the warnings, once each, on stderr only
        let err = text(&o.stderr);
        for w in [
            format!(
                "loganon: warning: [[logs]] 'nginx': paths '{}/nginx/access.log-*.gz': matched no file under {}/nginx",
                lib.display(),
                lib.display()
            ),
            format!(
                "loganon: warning: [[logs]] 'apache': paths '{}/apache2/access.log.*.gz': matched no file under {}/apache2",
                lib.display(),
                lib.display()
            ),
        ] {
            assert_eq!(err.matches(&w).count(), 1, "{w}: {err}");
            assert!(!text(&o.stdout).contains(&w["loganon: warning: ".len()..]), "{w}");
        }
        assert!(text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
    }
}

// ---------------------------------------------------------------------------
// the shipped logrotate example, run by the real logrotate

/// `dist/logrotate/nginx` run by logrotate over a tree like Debian's: in
/// prerotate, yesterday's file is already `access.log.2.gz` (logrotate 3.21
/// moves and compresses it first), and loganon anonymizes it in its gzip
/// form; today's rotation stays raw until the next night, as the file says.
#[test]
#[cfg_attr(not(have_logrotate), ignore = "needs logrotate (apt-get install logrotate)")]
fn the_logrotate_example_anonymizes_yesterdays_file_from_its_gzip() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let logs = r.join("var/log/nginx");
    fs::create_dir_all(&logs).unwrap();
    let raw = |ip: &str, day: u32| {
        format!(
            "{ip} - alice [{day:02}/Dec/2026:10:00:00 +0000] \"GET /a?email=a%40b.org HTTP/1.1\" 200 5 \"-\" \"UA\"\n"
        )
    };
    let real_now = crate::common::sys::real_now();
    fs::write(logs.join("access.log"), raw("203.0.113.7", 7)).unwrap();
    fs::write(logs.join("access.log.1"), raw("198.51.100.9", 6)).unwrap();
    // yesterday's file was rotated a day ago (its mtime: its last line)
    set_mtime(&logs.join("access.log.1"), real_now - DAY - 600);
    let config = r.join("loganon.toml");
    fs::write(
        &config,
        format!(
            "state_dir = \"{0}/state\"\n[[logs]]\nname = \"nginx\"\npaths = [\"{0}/var/log/nginx/access.log.*\"]\n\
             anonymize_after = \"20h\"\n",
            r.display()
        ),
    )
    .unwrap();
    // the shipped file, its paths and commands moved into the tree
    let shipped = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/logrotate/nginx")).unwrap();
    assert!(shipped.contains("/usr/bin/loganon run --config /etc/loganon/loganon.toml || true"));
    let conf = shipped
        .replace("/var/log/nginx", &logs.display().to_string())
        .replace("/usr/bin/loganon", env!("CARGO_BIN_EXE_loganon"))
        .replace("/etc/loganon/loganon.toml", &config.display().to_string())
        .replace(
            "/etc/logrotate.d/httpd-prerotate",
            &r.join("none").display().to_string(),
        )
        .replace("invoke-rc.d nginx rotate", "true")
        .replace("create 0640 www-data adm", "create 0640 root root");
    let conf_path = r.join("logrotate.conf");
    fs::write(&conf_path, conf).unwrap();
    let o = crate::common::bin::TestCommand::new("logrotate")
        .arg("-f")
        .arg("-s")
        .arg(r.join("logrotate.state"))
        .arg(&conf_path)
        .output();
    assert_exit(&o, 0);
    let out = text(&o.stdout);
    let two = logs.join("access.log.2.gz");
    assert!(
        out.contains(&format!("anonymized {} lines=1 ", two.display())),
        "prerotate saw yesterday's file compressed: {out}{}",
        text(&o.stderr)
    );
    let bytes = fs::read(&two).unwrap();
    assert!(bytes.starts_with(&[0x1f, 0x8b]), "still gzip");
    assert_eq!(
        String::from_utf8(crate::common::gz::gunzip(&bytes)).unwrap(),
        "198.51.100.0 - - [06/Dec/2026:10:00:00 +0000] \"GET /a?email=REDACTED HTTP/1.1\" 200 5 \"-\" \"UA\"\n"
    );
    // today's rotation: raw until the next night
    assert_eq!(
        fs::read_to_string(logs.join("access.log.1")).unwrap(),
        raw("203.0.113.7", 7)
    );
}
