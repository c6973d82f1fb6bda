//! Hostile file systems (issue 12, items 1 and 8): deletion by `purge` and
//! `run` cannot be redirected by a folder or a file swapped for a symlink
//! while it runs (a thread swaps them with `renameat2(RENAME_EXCHANGE)` in a
//! loop), and bind mounts under a root are not entered. File names holding
//! newlines or bytes that are not UTF-8 are in `strange_names.rs`; roots
//! below a symlink, or holding loganon's own files, in `hostile_roots.rs`.
//!
//! The swapping thread is a fault injector: no assertion depends on when it
//! runs; each one holds whatever the interleaving.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use loganon::commands::purge::{delete, plan, AgeFrom, Matcher, Plan};
use rustix::fs::{self as rfs, Mode, OFlags, RenameFlags};

use crate::common::bin::loganon;
use crate::common::civil::DAY;
use crate::common::mount::Mount;
use crate::common::sys::{is_root, real_now};
use crate::common::tree::{assert_same_tree, listing};

// ---------------------------------------------------------------------------
// helpers

/// Ten days old: expired for `--max-age 1d`, and not modified in the last
/// minute.
pub(crate) fn old() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs((real_now() - 10 * DAY) as u64)
}

pub(crate) fn write_old(path: &Path, content: &[u8]) {
    let mut f = File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.write_all(content).unwrap();
    f.set_modified(old()).unwrap();
}

/// Creates an old file `name` in the folder open as `dir`, whatever the
/// folder's name is now.
fn create_old_in(dir: &OwnedFd, name: &str, content: &[u8]) {
    let flags = OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::CLOEXEC;
    let fd = rfs::openat(dir, name, flags, Mode::from_raw_mode(0o644)).unwrap();
    let mut f = File::from(fd);
    f.write_all(content).unwrap();
    f.set_modified(old()).unwrap();
}

fn open_dir(path: &Path) -> OwnedFd {
    rfs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .unwrap()
}

/// Files moved aside for deletion and left there.
fn left_aside(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_keys()
        .filter(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .as_bytes()
                .starts_with(b".loganon-delete-")
        })
        .collect()
}

/// A thread exchanging two names with `renameat2(RENAME_EXCHANGE)` until
/// stopped; an exchange that fails (one name missing for a moment) is tried
/// again.
struct Swapper {
    stop: Arc<AtomicBool>,
    swaps: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Swapper {
    fn start(a: &Path, b: &Path) -> Swapper {
        let stop = Arc::new(AtomicBool::new(false));
        let swaps = Arc::new(AtomicU64::new(0));
        let (a, b) = (a.to_path_buf(), b.to_path_buf());
        let thread = {
            let (stop, swaps) = (stop.clone(), swaps.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if rfs::renameat_with(rfs::CWD, &a, rfs::CWD, &b, RenameFlags::EXCHANGE).is_ok() {
                        swaps.fetch_add(1, Ordering::Relaxed);
                    } else {
                        std::thread::yield_now();
                    }
                }
            })
        };
        Swapper {
            stop,
            swaps,
            thread: Some(thread),
        }
    }

    /// Stops the thread; returns how many exchanges it made.
    fn finish(mut self) -> u64 {
        self.halt();
        self.swaps.load(Ordering::Relaxed)
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Swapper {
    fn drop(&mut self) {
        self.halt();
    }
}

/// One purge through the library: plan, then delete each expired file.
/// Returns (deleted, refused).
fn purge_once(root: &Path) -> (usize, usize) {
    let matcher = Matcher::new(&[]).unwrap();
    let now = real_now();
    let mut p = Plan::default();
    plan(root, &matcher, DAY, AgeFrom::Mtime, now, now, &mut p);
    let (mut deleted, mut refused) = (0, 0);
    for e in &p.expired {
        match delete(e) {
            Ok(()) => deleted += 1,
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("left alone") || msg.contains("nothing deleted"),
                    "unexpected: {msg}"
                );
                refused += 1;
            }
        }
    }
    (deleted, refused)
}

/// A run configuration in `tmp` with one set: `glob`, and `rule` (a line
/// such as `delete_after = "1d"`).
pub(crate) fn config_for(tmp: &Path, glob: &str, rule: &str) -> PathBuf {
    let config = tmp.join("loganon.toml");
    fs::write(
        &config,
        format!(
            "state_dir = \"{}\"\nlock = \"{}\"\n\n[[logs]]\nname = \"web\"\npaths = [\"{glob}\"]\n{rule}\n",
            tmp.join("state").display(),
            tmp.join("loganon.lock").display(),
        ),
    )
    .unwrap();
    config
}

/// A run configuration deleting `*.gz` below `root` after a day.
pub(crate) fn run_config(tmp: &Path, root: &Path) -> PathBuf {
    config_for(tmp, &format!("{}/**/*.gz", root.display()), "delete_after = \"1d\"")
}

#[track_caller]
pub(crate) fn assert_ran(o: &Output, codes: &[i32]) {
    let code = o
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {:?}", o.status));
    assert!(
        codes.contains(&code),
        "exit {code}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

// ---------------------------------------------------------------------------
// 1. races: a folder, then a file, swapped for a symlink during the purge

#[test]
fn folder_swapped_with_a_symlink_during_purge_and_run_deletes_nothing_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir(&outside).unwrap();
    // root/lnk -> outside: whenever the swapper has exchanged them,
    // root/sub/NAME is outside/NAME, and outside holds a twin of every file
    symlink(&outside, root.join("lnk")).unwrap();
    let inside = open_dir(&root.join("sub"));
    let mut names = Vec::new();
    for round in 0..60 {
        for k in 0..3 {
            names.push(format!("x{round}-{k}.gz"));
        }
    }
    for n in &names {
        write_old(&outside.join(n), format!("outside {n}").as_bytes());
    }
    let outside_before = listing(&outside);
    let config = run_config(tmp.path(), &root);

    let swapper = Swapper::start(&root.join("sub"), &root.join("lnk"));
    let (mut created, mut deleted, mut refused) = (0, 0, 0);
    for (i, chunk) in names.chunks(3).enumerate() {
        for n in chunk {
            create_old_in(&inside, n, b"inside");
            created += 1;
        }
        match i % 20 {
            // the binary, both ways it deletes
            5 | 15 => assert_ran(
                &loganon()
                    .args([
                        OsStr::new("purge"),
                        root.as_os_str(),
                        "--max-age".as_ref(),
                        "1d".as_ref(),
                    ])
                    .output(),
                &[0, 1],
            ),
            10 => assert_ran(
                &loganon()
                    .args([OsStr::new("run"), "--config".as_ref(), config.as_os_str()])
                    .output(),
                &[0, 1],
            ),
            _ => {
                let (d, r) = purge_once(&root);
                deleted += d;
                refused += r;
            }
        }
    }
    let swaps = swapper.finish();
    eprintln!("{swaps} swaps; the library deleted {deleted} and refused {refused} in the race");
    assert!(swaps > 0, "the swapping thread never ran");

    // nothing outside was deleted or changed, the symlink is a symlink
    assert_same_tree(&outside_before, &listing(&outside), "outside the root");
    let kinds: Vec<bool> = ["sub", "lnk"]
        .iter()
        .map(|n| fs::symlink_metadata(root.join(n)).unwrap().file_type().is_symlink())
        .collect();
    assert_eq!(
        kinds.iter().filter(|&&k| k).count(),
        1,
        "exactly one of sub, lnk is the symlink"
    );
    let link = root.join(if kinds[0] { "sub" } else { "lnk" });
    assert_eq!(fs::read_link(&link).unwrap(), outside);
    assert_eq!(left_aside(&root), Vec::<String>::new());

    // without the swapper, what the race left is deleted; all of it inside
    let (d, r) = purge_once(&root);
    assert_eq!(r, 0);
    let real = root.join(if kinds[0] { "lnk" } else { "sub" });
    assert_eq!(
        fs::read_dir(&real).unwrap().count(),
        0,
        "files left inside: {d} deleted now"
    );
    assert!(created > 0);
    assert_same_tree(&outside_before, &listing(&outside), "outside the root");
}

#[test]
fn file_swapped_with_a_symlink_during_purge_never_deletes_the_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir(&root).unwrap();
    fs::create_dir(&outside).unwrap();
    write_old(&outside.join("target.gz"), b"outside");
    let (a, b) = (root.join("a.gz"), root.join("b.gz"));
    symlink(outside.join("target.gz"), &b).unwrap();
    let root_fd = open_dir(&root);

    let swapper = Swapper::start(&a, &b);
    let (mut deleted, mut refused) = (0, 0);
    for i in 0..300 {
        // a regular file where one was deleted (while a name is missing, no
        // exchange happens); a deleted symlink would be replaced by a file
        // here and be seen at the end
        for name in ["a.gz", "b.gz"] {
            if fs::symlink_metadata(root.join(name)).is_err() {
                create_old_in(&root_fd, name, format!("file {i}").as_bytes());
            }
        }
        if i % 100 == 50 {
            assert_ran(
                &loganon()
                    .args([
                        OsStr::new("purge"),
                        root.as_os_str(),
                        "--max-age".as_ref(),
                        "1d".as_ref(),
                    ])
                    .output(),
                &[0, 1],
            );
            continue;
        }
        let (d, r) = purge_once(&root);
        deleted += d;
        refused += r;
    }
    let swaps = swapper.finish();
    eprintln!("{swaps} swaps; deleted {deleted}, refused {refused}");
    assert!(swaps > 0, "the swapping thread never ran");
    assert!(deleted > 0, "nothing was ever deleted");

    let links: Vec<_> = [&a, &b]
        .into_iter()
        .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
        .collect();
    assert_eq!(links.len(), 1, "the symlink was deleted: {:?}", listing(&root));
    assert_eq!(fs::read_link(links[0]).unwrap(), outside.join("target.gz"));
    assert_eq!(fs::read(outside.join("target.gz")).unwrap(), b"outside");
    assert_eq!(left_aside(&root), Vec::<String>::new());
}

// ---------------------------------------------------------------------------
// 2. bind mounts under the root

#[test]
fn bind_mounts_under_the_root_are_not_entered() {
    if !is_root() {
        eprintln!("skipped: bind mounts need root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir(&outside).unwrap();
    write_old(&outside.join("old.gz"), b"outside");
    write_old(&outside.join("file.gz"), b"bound file");
    write_old(&root.join("own.gz"), b"inside");
    write_old(&root.join("spot.gz"), b"covered");
    let _dir = match Mount::bind(&outside, &root.join("sub")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let _file = match Mount::bind(&outside.join("file.gz"), &root.join("spot.gz")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    // the same file system: only the mount id tells them apart
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        fs::metadata(&root).unwrap().dev(),
        fs::metadata(root.join("sub")).unwrap().dev()
    );
    let before = listing(&outside);

    let o = loganon()
        .args([
            OsStr::new("purge"),
            root.as_os_str(),
            "--max-age".as_ref(),
            "1d".as_ref(),
        ])
        .output();
    assert_ran(&o, &[0]);
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&format!("deleted {}/own.gz age=10d", root.display())),
        "{out}"
    );
    assert_eq!(
        lines[1],
        "purge: deleted 1 files, 6 bytes; examined 1, skipped 0 modified in the last minute"
    );
    assert_same_tree(&before, &listing(&outside), "outside the root");

    // `run` walks the same way
    write_old(&root.join("own2.gz"), b"inside");
    let config = run_config(tmp.path(), &root);
    let o = loganon()
        .args([OsStr::new("run"), "--config".as_ref(), config.as_os_str()])
        .output();
    assert_ran(&o, &[0]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(&format!("deleted {}/own2.gz age=10d size=6\n", root.display())),
        "{out}"
    );
    assert!(out.ends_with("deleted 1, already done 0, errors 0\n"), "{out}");
    assert_same_tree(&before, &listing(&outside), "outside the root");
    assert!(!root.join("own2.gz").exists());
}

#[test]
fn folder_swapped_with_a_symlink_during_run_anonymizes_nothing_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir(&outside).unwrap();
    symlink(&outside, root.join("lnk")).unwrap();
    let line = b"203.0.113.9 - alice [01/Jan/2026:00:00:00 +0000] \"GET /?email=a@example.org HTTP/1.1\" 200 5\n";
    let inside = open_dir(&root.join("sub"));
    let names: Vec<String> = (0..40).map(|k| format!("v{k}.log.1")).collect();
    for n in &names {
        write_old(&outside.join(n), line);
    }
    let outside_before = listing(&outside);
    let config = config_for(
        tmp.path(),
        &format!("{}/**/*.log.1", root.display()),
        "anonymize_after = \"1d\"",
    );
    let swapper = Swapper::start(&root.join("sub"), &root.join("lnk"));
    for n in &names {
        create_old_in(&inside, n, line);
        assert_ran(
            &loganon()
                .args([OsStr::new("run"), "--config".as_ref(), config.as_os_str()])
                .output(),
            &[0, 1],
        );
    }
    let swaps = swapper.finish();
    assert!(swaps > 0, "the swapping thread never ran");
    // nothing outside was rewritten: raw bytes, same inodes and times
    assert_same_tree(&outside_before, &listing(&outside), "outside the root");
    for n in &names {
        assert_eq!(fs::read(outside.join(n)).unwrap(), line, "{n}");
    }
}
