//! The exit codes of `loganon`, one place for all of them.

use std::process::ExitCode;

/// How `loganon` ends. The order is that of severity: when several things
/// happened, the larger code is the one returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exit {
    /// 0: everything asked was done (`check`: nothing personal was found)
    Ok = 0,
    /// 1: some inputs failed, the others were processed (`check`: personal
    /// data was found; `run`: some files failed; `listen`: the server
    /// stopped on an error)
    Failed = 1,
    /// 2: a usage or configuration error, nothing was done (`check`: an
    /// input could not be read, or the report not written)
    Usage = 2,
    /// 75 (EX_TEMPFAIL): another `run` holds the lock; nothing was done
    Locked = 75,
}

impl Exit {
    /// The process's exit status.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// `Failed` when `failed`, else `Ok`.
    pub fn failed_if(failed: bool) -> Exit {
        if failed {
            Exit::Failed
        } else {
            Exit::Ok
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_documented_and_ordered_by_severity() {
        let all = [Exit::Ok, Exit::Failed, Exit::Usage, Exit::Locked];
        assert_eq!(all.map(Exit::code), [0, 1, 2, 75]);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Exit::failed_if(true).max(Exit::Usage), Exit::Usage);
    }
}
