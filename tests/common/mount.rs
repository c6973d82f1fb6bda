//! Mounts made for a test (root only), unmounted when dropped, also when
//! the test fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::sys::is_root;

/// A mount point of this test.
pub struct Mount(PathBuf);

impl Mount {
    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `from` bind-mounted on `to`; the reason when it cannot be.
    pub fn bind(from: &Path, to: &Path) -> Result<Mount, String> {
        let o = Command::new("mount")
            .arg("--bind")
            .arg(from)
            .arg(to)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if o.status.success() {
            Ok(Mount(to.to_path_buf()))
        } else {
            Err(format!(
                "mount --bind failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    }

    /// A tmpfs of `size` on `dir` (created); `None`, with the reason
    /// printed, when not root or the mount fails.
    pub fn tmpfs(dir: &Path, size: &str) -> Option<Mount> {
        if !is_root() {
            println!("skipped: mounting a tmpfs needs root");
            return None;
        }
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("skipped: mount -t tmpfs failed (no privilege to mount here)");
            return None;
        }
        Some(Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Command::new("umount").arg(&self.0).status().is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}
