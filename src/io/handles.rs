//! Walking and deleting through directory handles, so that a folder or a
//! file swapped for a symlink between the walk and the deletion redirects
//! nothing.
//!
//! - The walk opens every folder with `openat(O_DIRECTORY | O_NOFOLLOW)`
//!   relative to its parent's handle, checks the opened folder is the one it
//!   examined (device and inode), and does not enter a folder on another file
//!   system or another mount (a bind mount of the same file system has the
//!   same device number: mount ids, from `statx` `STATX_MNT_ID`, are compared).
//!   It reports regular files only, with their [`Place`]: the identity of each
//!   folder from the root down and of the file.
//! - [`delete`] descends again the same way and checks each folder against the
//!   place, then moves the name aside under a private name
//!   (`renameat2(RENAME_NOREPLACE)`), checks that what it moved is the planned
//!   regular file, and only then unlinks it; anything else is moved back.
//!   `unlinkat` never follows a symlink, so nothing outside the root is ever
//!   deleted, and a symlink never is.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, RenameFlags, StatxFlags};
use rustix::io::Errno;

use crate::io::names::show;

/// Folders deeper than this below the root are not entered (each level holds
/// a descriptor open).
pub const MAX_DEPTH: usize = 256;

/// The prefix of the private name a file is moved to just before it is
/// unlinked.
pub const DELETE_PREFIX: &str = ".loganon-delete-";

/// What identifies a file or folder: device, inode and, where the kernel
/// tells it, the mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Id {
    pub dev: u64,
    pub ino: u64,
    pub mnt: Option<u64>,
}

impl Id {
    fn same(&self, o: &Id) -> bool {
        self.dev == o.dev && self.ino == o.ino && same_mnt(self.mnt, o.mnt)
    }

    fn same_mount(&self, o: &Id) -> bool {
        self.dev == o.dev && same_mnt(self.mnt, o.mnt)
    }
}

fn same_mnt(a: Option<u64>, b: Option<u64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// What a walk learns of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub id: Id,
    pub kind: Kind,
    pub size: u64,
    /// modification time, seconds since 1970, and its nanoseconds
    pub mtime: i64,
    pub mtime_nsec: u32,
}

impl Meta {
    fn stamp(&self) -> (u64, i64, u32) {
        (self.size, self.mtime, self.mtime_nsec)
    }
}

/// Where a walked file is: the folders from the root down, their names, and
/// the file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// the folder walked
    pub root: PathBuf,
    /// the root first, then each folder below it
    pub dirs: Vec<Id>,
    /// the names of the folders below the root, then the file's
    pub names: Vec<OsString>,
    pub file: Id,
    /// the file's size and modification time when walked: an inode number
    /// freed and used again by a new file does not pass for the file walked
    pub stamp: (u64, i64, u32),
}

/// A regular file or a symlink met by [`walk`] (`meta.kind` says which).
#[derive(Clone, Debug)]
pub struct Found {
    pub path: PathBuf,
    pub meta: Meta,
    pub place: Place,
}

fn err(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

fn kind(mode: u32) -> Kind {
    match FileType::from_raw_mode(mode as _) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        _ => Kind::Other,
    }
}

/// `statx` of `name` in `dir` (or of `dir` itself when `name` is empty),
/// symlinks not followed; `fstatat` on kernels without `statx`.
fn stat_at(dir: BorrowedFd<'_>, name: &OsStr) -> Result<Meta, Errno> {
    let mut flags = AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT;
    if name.is_empty() {
        flags |= AtFlags::EMPTY_PATH;
    }
    let mask = StatxFlags::BASIC_STATS | StatxFlags::MNT_ID;
    match rfs::statx(dir, name, flags, mask) {
        Ok(x) => Ok(Meta {
            id: Id {
                dev: rfs::makedev(x.stx_dev_major, x.stx_dev_minor),
                ino: x.stx_ino,
                mnt: (x.stx_mask & StatxFlags::MNT_ID.bits() != 0).then_some(x.stx_mnt_id),
            },
            kind: kind(u32::from(x.stx_mode)),
            size: x.stx_size,
            mtime: x.stx_mtime.tv_sec,
            mtime_nsec: x.stx_mtime.tv_nsec,
        }),
        Err(Errno::NOSYS) => {
            let s = rfs::statat(dir, name, flags - AtFlags::NO_AUTOMOUNT)?;
            Ok(Meta {
                id: Id {
                    dev: s.st_dev,
                    ino: s.st_ino,
                    mnt: None,
                },
                kind: kind(s.st_mode),
                size: s.st_size as u64,
                mtime: s.st_mtime,
                mtime_nsec: s.st_mtime_nsec as u32,
            })
        }
        Err(e) => Err(e),
    }
}

fn open_dir_at(dir: BorrowedFd<'_>, name: &OsStr) -> Result<OwnedFd, Errno> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rfs::openat(dir, name, flags, Mode::empty())
}

/// Why a root folder could not be opened without following a symlink; its
/// text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum OpenRootError {
    /// The system refused to open or look at a folder on the way.
    #[error("{}: {source}", show(root))]
    Os {
        /// the root named
        root: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The root itself is not a folder (a symlink, a file).
    #[error("{}: not a folder (a symlink?); nothing done there", show(.0))]
    NotAFolder(PathBuf),
    /// A component above the root is not a folder (a symlink, a file).
    #[error(
        "{}: {} is not a folder (a symlink?); loganon deletes only in folders reached without \
         symlinks: give the real folder; nothing done there",
        show(root),
        show(walked)
    )]
    Symlinked {
        /// the root named
        root: PathBuf,
        /// the path down to the component that is not a folder
        walked: PathBuf,
    },
}

/// Why [`delete`] left a file alone; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    /// The root folder could not be opened again.
    #[error(transparent)]
    Root(#[from] OpenRootError),
    /// The root folder is another one than the one walked.
    #[error("{}: the root folder was replaced since it was walked; nothing deleted there", show(.0))]
    RootReplaced(PathBuf),
    /// The place has no file name.
    #[error("{}: no file name; left alone", show(.0))]
    NoFileName(PathBuf),
    /// A folder between the root and the file is gone.
    #[error("{}: a folder on its way is gone; left alone", show(.0))]
    FolderGone(PathBuf),
    /// A folder between the root and the file is a symlink or a file now.
    #[error("{}: a folder on its way was replaced by a symlink or a file; left alone", show(.0))]
    FolderSymlinked(PathBuf),
    /// A folder between the root and the file is another folder now.
    #[error("{}: a folder on its way was replaced since the walk; left alone", show(.0))]
    FolderReplaced(PathBuf),
    /// The name leads to something else than the regular file walked.
    #[error("{}: no longer the regular file walked; left alone", show(.0))]
    NotTheFile(PathBuf),
    /// The file is gone.
    #[error("{}: gone since the walk; left alone", show(.0))]
    Gone(PathBuf),
    /// The file was swapped while it was being moved aside (and was put
    /// back).
    #[error("{}: replaced since the walk; left alone", show(.0))]
    Replaced(PathBuf),
    /// The system refused to open or look at a folder or the file.
    #[error("{}: {source}", show(path))]
    Os {
        /// the file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The system refused to move the file aside or to unlink it.
    #[error("{}: cannot delete: {source}", show(path))]
    Cannot {
        /// the file
        path: PathBuf,
        /// what the system said
        source: io::Error,
    },
    /// The file was moved aside but could not be unlinked.
    #[error("{}: cannot delete: {source} (it is now named {})", show(path), show_name(aside))]
    CannotAside {
        /// the file
        path: PathBuf,
        /// what the system said
        source: io::Error,
        /// the private name it has now, in the same folder
        aside: OsString,
    },
    /// What was moved aside was not the file walked and could not be put
    /// back.
    #[error(
        "{}: replaced since the walk; what replaced it could not be put back ({source}) and is named {} in the same folder",
        show(path),
        show_name(aside)
    )]
    NotPutBack {
        /// the file
        path: PathBuf,
        /// what the system said
        source: io::Error,
        /// the private name it has now, in the same folder
        aside: OsString,
    },
}

/// Opens `root` one component at a time from `/` (or from the working
/// folder), never following a symlink: a symlink anywhere in the path, not
/// only as its last component, is refused. Otherwise whoever may write to
/// a folder above the root (`/var/log/app` owned by an application user)
/// could point the root at any folder by making one component a symlink.
fn open_root(root: &Path) -> Result<(OwnedFd, Meta), OpenRootError> {
    use std::path::Component;
    let start = if root.is_absolute() {
        OsStr::new("/")
    } else {
        OsStr::new(".")
    };
    let os = |e: Errno| OpenRootError::Os {
        root: root.to_path_buf(),
        source: err(e),
    };
    let mut fd = open_dir_at(rfs::CWD, start).map_err(os)?;
    let mut walked = PathBuf::new();
    for c in root.components() {
        let name = match c {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {
                walked.push(c.as_os_str());
                continue;
            }
            Component::ParentDir => OsStr::new(".."),
            Component::Normal(n) => n,
        };
        walked.push(name);
        fd = open_dir_at(fd.as_fd(), name).map_err(|e| match e {
            Errno::LOOP | Errno::NOTDIR if walked.as_path() == root.components().as_path() => {
                OpenRootError::NotAFolder(root.to_path_buf())
            }
            Errno::LOOP | Errno::NOTDIR => OpenRootError::Symlinked {
                root: root.to_path_buf(),
                walked: walked.clone(),
            },
            e => os(e),
        })?;
    }
    let meta = stat_at(fd.as_fd(), OsStr::new("")).map_err(os)?;
    Ok((fd, meta))
}

/// Walks `root`, calling `found` for each regular file (in the order of
/// `walkdir` sorted by file name: a folder's content right after it). Folders
/// on another file system or mount, and symlinks, are not entered; what
/// cannot be read is added to `errors`.
pub fn walk(root: &Path, found: &mut dyn FnMut(Found), errors: &mut Vec<String>) {
    let mut deep = Vec::new();
    walk_to(root, None, found, errors, &mut deep);
    errors.append(&mut deep);
}

/// [`walk`] down to `depth` levels (1: the files of `root` only, no
/// folder below is listed; None: down to [`MAX_DEPTH`]). Folders deeper than
/// [`MAX_DEPTH`] are not entered, and said in `deep`.
pub fn walk_to(
    root: &Path,
    depth: Option<usize>,
    found: &mut dyn FnMut(Found),
    errors: &mut Vec<String>,
    deep: &mut Vec<String>,
) {
    let (fd, meta) = match open_root(root) {
        Ok(r) => r,
        Err(e) => return errors.push(e.to_string()),
    };
    let mut w = Walk {
        root,
        top: meta.id,
        dirs: vec![meta.id],
        names: Vec::new(),
        depth: depth.unwrap_or(usize::MAX),
        found,
        errors,
        deep,
    };
    w.dir(root, fd.as_fd());
}

struct Walk<'a> {
    root: &'a Path,
    top: Id,
    dirs: Vec<Id>,
    names: Vec<OsString>,
    /// the most levels walked (`dirs` never grows past it)
    depth: usize,
    found: &'a mut dyn FnMut(Found),
    errors: &'a mut Vec<String>,
    deep: &'a mut Vec<String>,
}

impl Walk<'_> {
    fn dir(&mut self, path: &Path, fd: BorrowedFd<'_>) {
        let mut names = Vec::new();
        let reader = match rfs::Dir::read_from(fd) {
            Ok(d) => d,
            Err(e) => return self.errors.push(format!("{}: cannot list: {}", show(path), err(e))),
        };
        for entry in reader {
            match entry {
                Ok(e) => {
                    let n = e.file_name().to_bytes();
                    if n != b"." && n != b".." {
                        names.push(OsStr::from_bytes(n).to_os_string());
                    }
                }
                Err(e) => {
                    self.errors.push(format!("{}: cannot list: {}", show(path), err(e)));
                    break;
                }
            }
        }
        names.sort();
        for name in names {
            let p = path.join(&name);
            let meta = match stat_at(fd, &name) {
                Ok(m) => m,
                Err(Errno::NOENT) => continue, // gone since it was listed
                Err(e) => {
                    self.errors.push(format!("{}: {}", show(&p), err(e)));
                    continue;
                }
            };
            if !meta.id.same_mount(&self.top) {
                continue; // another file system or a (bind) mount
            }
            match meta.kind {
                // symlinks are reported too (never followed): `run` warns
                // about a matching one; deleters take regular files only
                Kind::File | Kind::Symlink => {
                    self.names.push(name);
                    let place = Place {
                        root: self.root.to_path_buf(),
                        dirs: self.dirs.clone(),
                        names: self.names.clone(),
                        file: meta.id,
                        stamp: meta.stamp(),
                    };
                    self.names.pop();
                    (self.found)(Found { path: p, meta, place });
                }
                // below what the caller's pattern can match: not listed
                Kind::Dir if self.dirs.len() >= self.depth => {}
                Kind::Dir if self.dirs.len() > MAX_DEPTH => {
                    self.deep
                        .push(format!("{}: more than {MAX_DEPTH} folders deep; not entered", show(&p)));
                }
                Kind::Dir => {
                    let sub = match open_dir_at(fd, &name) {
                        Ok(s) => s,
                        Err(Errno::NOENT) => continue,
                        Err(Errno::LOOP | Errno::NOTDIR) => {
                            self.errors.push(format!(
                                "{}: replaced while walked (by a symlink?); not entered",
                                show(&p)
                            ));
                            continue;
                        }
                        Err(e) => {
                            self.errors.push(format!("{}: cannot open: {}", show(&p), err(e)));
                            continue;
                        }
                    };
                    match stat_at(sub.as_fd(), OsStr::new("")) {
                        Ok(m) if m.id.same(&meta.id) => {}
                        Ok(_) => {
                            self.errors
                                .push(format!("{}: replaced while walked; not entered", show(&p)));
                            continue;
                        }
                        Err(e) => {
                            self.errors.push(format!("{}: {}", show(&p), err(e)));
                            continue;
                        }
                    }
                    self.dirs.push(meta.id);
                    self.names.push(name);
                    self.dir(&p, sub.as_fd());
                    self.names.pop();
                    self.dirs.pop();
                }
                Kind::Other => {}
            }
        }
    }
}

/// [`walk_to`], where `base` may also name a regular file: then that file
/// alone is reported (with its folder as the root).
pub fn walk_base(
    base: &Path,
    depth: Option<usize>,
    found: &mut dyn FnMut(Found),
    errors: &mut Vec<String>,
    deep: &mut Vec<String>,
) {
    let file = std::fs::symlink_metadata(base).is_ok_and(|m| m.file_type().is_file());
    let (Some(dir), Some(name), true) = (base.parent(), base.file_name(), file) else {
        return walk_to(base, depth, found, errors, deep);
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let (fd, top) = match open_root(dir) {
        Ok(r) => r,
        Err(e) => return errors.push(e.to_string()),
    };
    match stat_at(fd.as_fd(), name) {
        Ok(m) if m.kind == Kind::File && m.id.same_mount(&top.id) => found(Found {
            path: base.to_path_buf(),
            meta: m,
            place: Place {
                root: dir.to_path_buf(),
                dirs: vec![top.id],
                names: vec![name.to_os_string()],
                file: m.id,
                stamp: m.stamp(),
            },
        }),
        Ok(_) | Err(Errno::NOENT) => {}
        Err(e) => errors.push(format!("{}: {}", show(base), err(e))),
    }
}

/// A private name for a file about to be unlinked.
fn private_name() -> OsString {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    OsString::from(format!("{DELETE_PREFIX}{}-{n}-{t:08x}", std::process::id()))
}

/// Deletes the file a walk found at `place`, if every folder on the way and
/// the file itself are still the ones walked; `path` names it in messages.
/// Never deletes a symlink, a folder, or anything outside the root walked.
pub fn delete(place: &Place, path: &Path) -> Result<(), DeleteError> {
    let root = place.root.as_path();
    let p = || path.to_path_buf();
    let os = |e: Errno| DeleteError::Os {
        path: p(),
        source: err(e),
    };
    let cannot = |e: Errno| DeleteError::Cannot {
        path: p(),
        source: err(e),
    };
    let (Some((file, folders)), Some(top)) = (place.names.split_last(), place.dirs.first()) else {
        return Err(DeleteError::NoFileName(p()));
    };
    let (root_fd, meta) = open_root(root)?;
    if !meta.id.same(top) {
        return Err(DeleteError::RootReplaced(root.to_path_buf()));
    }
    let mut dir = root_fd;
    for (name, want) in folders.iter().zip(&place.dirs[1..]) {
        let sub = match open_dir_at(dir.as_fd(), name) {
            Ok(s) => s,
            Err(Errno::NOENT) => return Err(DeleteError::FolderGone(p())),
            Err(Errno::LOOP | Errno::NOTDIR) => return Err(DeleteError::FolderSymlinked(p())),
            Err(e) => return Err(os(e)),
        };
        match stat_at(sub.as_fd(), OsStr::new("")) {
            Ok(m) if m.id.same(want) => dir = sub,
            Ok(_) => return Err(DeleteError::FolderReplaced(p())),
            Err(e) => return Err(os(e)),
        }
    }
    let dir = dir.as_fd();
    let is_planned = |m: &Meta| m.kind == Kind::File && m.id.same(&place.file) && m.stamp() == place.stamp;
    match stat_at(dir, file) {
        Ok(m) if is_planned(&m) => {}
        Ok(_) => return Err(DeleteError::NotTheFile(p())),
        Err(Errno::NOENT) => return Err(DeleteError::Gone(p())),
        Err(e) => return Err(os(e)),
    }
    // move it aside where nothing else will swap it, look, then unlink
    let mut aside = private_name();
    let mut tries = 0;
    loop {
        match rfs::renameat_with(dir, file, dir, &aside, RenameFlags::NOREPLACE) {
            Ok(()) => break,
            Err(Errno::EXIST) if tries < 8 => {
                tries += 1;
                aside = private_name();
            }
            // a file system without RENAME_NOREPLACE: checked just above
            Err(Errno::INVAL | Errno::NOSYS) => return rfs::unlinkat(dir, file, AtFlags::empty()).map_err(cannot),
            Err(Errno::NOENT) => return Err(DeleteError::Gone(p())),
            Err(e) => return Err(cannot(e)),
        }
    }
    let moved = stat_at(dir, &aside);
    if moved.as_ref().is_ok_and(is_planned) {
        return rfs::unlinkat(dir, &aside, AtFlags::empty()).map_err(|e| DeleteError::CannotAside {
            path: p(),
            source: err(e),
            aside: aside.clone(),
        });
    }
    // not the planned file (swapped in the meantime): put it back
    match rfs::renameat_with(dir, &aside, dir, file, RenameFlags::NOREPLACE) {
        Ok(()) => Err(DeleteError::Replaced(p())),
        Err(e) => Err(DeleteError::NotPutBack {
            path: p(),
            source: err(e),
            aside,
        }),
    }
}

fn show_name(n: &OsStr) -> crate::io::names::Shown<'_> {
    crate::io::names::show_bytes(n.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn walked(root: &Path) -> (Vec<Found>, Vec<String>) {
        let mut found = Vec::new();
        let mut errors = Vec::new();
        walk(root, &mut |f| found.push(f), &mut errors);
        (found, errors)
    }

    #[test]
    fn walks_in_name_order_without_following_symlinks() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("b/c")).unwrap();
        fs::write(r.join("a.gz"), "a").unwrap();
        fs::write(r.join("b/c/d.gz"), "d").unwrap();
        fs::write(r.join("b/e.gz"), "e").unwrap();
        fs::write(r.join("z.gz"), "z").unwrap();
        std::os::unix::fs::symlink(r.join("b"), r.join("l")).unwrap();
        std::os::unix::fs::symlink(r.join("a.gz"), r.join("m.gz")).unwrap();
        let (found, errors) = walked(r);
        assert!(errors.is_empty(), "{errors:?}");
        let rel = |kind: Kind| -> Vec<String> {
            found
                .iter()
                .filter(|f| f.meta.kind == kind)
                .map(|f| f.path.strip_prefix(r).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(rel(Kind::File), ["a.gz", "b/c/d.gz", "b/e.gz", "z.gz"]);
        // symlinks are reported as such, never followed (`l/` is not entered)
        assert_eq!(rel(Kind::Symlink), ["l", "m.gz"]);
        assert_eq!(found[1].place.dirs.len(), 3);
        assert_eq!(found[1].meta.size, 1);
    }

    #[test]
    fn deletes_only_the_planned_file() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir(r.join("d")).unwrap();
        fs::write(r.join("d/x.gz"), "x").unwrap();
        fs::write(r.join("d/y.gz"), "y").unwrap();
        let (found, _) = walked(r);
        // x.gz replaced by another file: left alone
        fs::remove_file(r.join("d/x.gz")).unwrap();
        fs::write(r.join("d/other"), "o").unwrap();
        fs::rename(r.join("d/other"), r.join("d/x.gz")).unwrap();
        let e = delete(&found[0].place, &found[0].path).unwrap_err().to_string();
        assert!(e.ends_with("left alone"), "{e}");
        assert_eq!(fs::read(r.join("d/x.gz")).unwrap(), b"o");
        // the folder replaced by a symlink to an identical tree: left alone
        let out = tempfile::tempdir().unwrap();
        fs::rename(r.join("d"), out.path().join("d")).unwrap();
        std::os::unix::fs::symlink(out.path().join("d"), r.join("d")).unwrap();
        let e = delete(&found[1].place, &found[1].path).unwrap_err().to_string();
        assert!(e.contains("replaced by a symlink"), "{e}");
        assert!(out.path().join("d/y.gz").exists());
        // back in place: deleted, and nothing left beside it
        fs::remove_file(r.join("d")).unwrap();
        fs::rename(out.path().join("d"), r.join("d")).unwrap();
        delete(&found[1].place, &found[1].path).unwrap();
        let left: Vec<_> = fs::read_dir(r.join("d"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["x.gz"]);
    }
}
