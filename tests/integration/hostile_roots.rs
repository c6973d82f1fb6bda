//! Roots that lead elsewhere (issue 12, item 1): a symlinked folder anywhere
//! above the root deletes nothing, and `run` never takes its own files or
//! the whole file system for logs (helpers in `hostile_fs.rs`).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::symlink;

use crate::common::bin::loganon;
use crate::common::tree::{assert_same_tree, listing};
use crate::hostile_fs::{assert_ran, config_for, write_old};

// ---------------------------------------------------------------------------
// a symlink above the root: whoever may write to a folder above the root
// (an application user owning /var/log/app) must not point it elsewhere

#[test]
fn a_symlinked_folder_anywhere_above_the_root_deletes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let app = t.path().join("var/log/app");
    fs::create_dir_all(app.join("2025.old/archive")).unwrap();
    write_old(&app.join("2025.old/archive/old.gz"), b"old\n");
    let precious = t.path().join("srv/precious");
    fs::create_dir_all(precious.join("archive")).unwrap();
    write_old(&precious.join("archive/backup-db.gz"), b"backup\n");
    // `2025` is made a symlink, no race needed
    symlink(&precious, app.join("2025")).unwrap();
    let root = app.join("2025/archive");
    let before = listing(&precious);

    let o = loganon()
        .args([
            OsStr::new("purge"),
            root.as_os_str(),
            OsStr::new("--max-age"),
            OsStr::new("1d"),
        ])
        .output();
    assert_ran(&o, &[1, 2]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{} is not a folder (a symlink?)", app.join("2025").display())),
        "{err}"
    );
    assert_same_tree(
        &before,
        &listing(&precious),
        "purge through a symlinked folder above the root",
    );

    // the same through `run`, with the glob's base below the symlink
    let config = config_for(t.path(), &format!("{}/*.gz", root.display()), "delete_after = \"1d\"");
    let o = loganon()
        .args([OsStr::new("run"), OsStr::new("--config"), config.as_os_str()])
        .output();
    assert_ran(&o, &[1]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.lines().any(|l| l.starts_with("deleted ")), "{out}");
    // the error, once, on stderr
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("is not a folder (a symlink?)").count(), 1, "{err}");
    assert_same_tree(
        &before,
        &listing(&precious),
        "run through a symlinked folder above the root",
    );
    // the real folder, named as such, is purged
    let real = app.join("2025.old/archive");
    let o = loganon()
        .args([
            OsStr::new("purge"),
            real.as_os_str(),
            OsStr::new("--max-age"),
            OsStr::new("1d"),
        ])
        .output();
    assert_ran(&o, &[0]);
    assert!(!real.join("old.gz").exists());
}

#[test]
fn run_never_takes_its_own_files_or_the_whole_file_system_for_logs() {
    let t = tempfile::tempdir().unwrap();
    let var = t.path().join("var");
    fs::create_dir(&var).unwrap();
    write_old(
        &var.join("app.log.1"),
        b"203.0.113.9 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n",
    );
    let config = t.path().join("loganon.toml");
    let write = |paths: &str| {
        fs::write(
            &config,
            format!(
                "state_dir = \"{v}\"\nlock = \"{v}/run.lock\"\n\n[[logs]]\nname = \"web\"\npaths = [\"{paths}\"]\n\
                 delete_after = \"1d\"\nsummary = \"{v}/web.csv\"\n",
                v = var.display()
            ),
        )
        .unwrap()
    };
    write(&format!("{}/*", var.display()));
    // the first run makes the state, the lock and the summary; the second
    // finds them in its glob
    for round in 0..2 {
        let o = loganon()
            .args([OsStr::new("run"), "--config".as_ref(), config.as_os_str()])
            .output();
        assert_ran(&o, &[0]);
        // the warnings, once each, on stderr
        let err = String::from_utf8_lossy(&o.stderr);
        if round == 1 {
            for own in ["run.lock", "state.json", "web.csv"] {
                assert_eq!(
                    err.matches(&format!("{} is loganon's own file", var.join(own).display()))
                        .count(),
                    1,
                    "{own}: {err}"
                );
            }
        }
    }
    for own in ["run.lock", "state.json", "web.csv"] {
        assert!(var.join(own).exists(), "{own} deleted");
    }
    assert!(!var.join("app.log.1").exists());

    write("/**/*.gz");
    let o = loganon()
        .args([
            OsStr::new("run"),
            "--dry-run".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
        ])
        .output();
    assert_ran(&o, &[2]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("starts at / (the whole file system)"), "{err}");
    assert!(
        o.stdout.is_empty(),
        "nothing planned: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}
