//! The process and its clock: root or not, signals, the real time.

use std::time::{SystemTime, UNIX_EPOCH};

/// Whether the tests run as root (mounts, permissions that do not apply).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// kill(2); false when it failed. Only for children of this test that
/// have not been reaped, so the pid cannot have been reused.
pub fn kill(pid: u32, sig: libc::c_int) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) has no memory preconditions; see above for the pid.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// The real clock, in seconds since 1970.
pub fn real_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("a clock before 2^63")
}
