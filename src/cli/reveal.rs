//! `loganon reveal`: its arguments and its output (see
//! [`crate::commands::reveal`]).

use std::path::PathBuf;

use clap::Args;

use super::choice::choice;
use super::{fail, Exit};
use crate::keyed::{IpMode, Rotate};

/// Where reveal's audit records go without `--audit-log`.
pub const DEFAULT_AUDIT_LOG: &str = "/var/lib/loganon/reveal-audit.log";

#[derive(Args, Debug)]
pub struct RevealArgs {
    /// The pseudonyms (addresses written by --ip-mode cryptopan, ipcrypt-pfx or
    /// ipcrypt-deterministic; hex digits written by ipcrypt-nd and ipcrypt-ndx)
    #[arg(value_name = "PSEUDONYM", required = true)]
    pub values: Vec<String>,
    /// The mode that wrote them: cryptopan or an ipcrypt variant (hash is one-way)
    #[arg(long, value_name = "M", value_parser = choice::<IpMode>())]
    pub ip_mode: IpMode,
    /// The key file they were written with
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "keys_dir",
        conflicts_with = "keys_dir"
    )]
    pub key_file: Option<PathBuf>,
    /// The directory of day keys they were written with (a deleted day's key reveals nothing)
    #[arg(long, value_name = "DIR")]
    pub keys_dir: Option<PathBuf>,
    /// daily: the day's key (give --day); never: the key as given
    #[arg(long, value_name = "R", default_value = "daily", value_parser = choice::<Rotate>())]
    pub rotate_key: Rotate,
    /// The UTC date of the lines they come from (2026-01-01; a line's time in another zone may fall on
    /// another UTC date); needed with --rotate-key daily. A wrong day gives a wrong, valid-looking address
    #[arg(long, value_name = "DATE", value_parser = crate::time::parse_now)]
    pub day: Option<i64>,
    /// Why they are revealed (written to the audit log with the time, the count and the key's fingerprint)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The audit log appended to (created mode 0600)
    #[arg(long, value_name = "PATH", default_value = DEFAULT_AUDIT_LOG)]
    pub audit_log: PathBuf,
}

/// `loganon reveal`: `PSEUDONYM ADDRESS` per value on stdout.
pub(super) fn reveal(a: RevealArgs) -> Exit {
    let ring = super::options::archive_keys(
        a.key_file.as_deref(),
        a.keys_dir.as_deref(),
        a.rotate_key,
        Some(a.ip_mode),
    );
    let ring = match ring {
        Ok(Some(r)) => r,
        Ok(None) => return fail("--key-file or --keys-dir is needed", Exit::Usage),
        Err(e) => return fail(e, Exit::Usage),
    };
    let rotate = if a.keys_dir.is_some() {
        Rotate::Daily
    } else {
        a.rotate_key
    };
    let day = match (a.day, rotate) {
        (Some(t), _) => t.div_euclid(86400),
        (None, Rotate::Never) => 0,
        (None, Rotate::Daily) => {
            return fail(
                "--day is needed with --rotate-key daily: each day's pseudonyms have their own key",
                Exit::Usage,
            )
        }
    };
    let r = crate::commands::reveal::Reveal {
        mode: a.ip_mode,
        ring: &ring,
        day,
        reason: &a.reason,
        audit_log: &a.audit_log,
        now: crate::io::clock::now(),
    };
    match crate::commands::reveal::reveal(&r, &a.values) {
        Ok(pairs) => {
            for (p, o) in pairs {
                println!("{p} {o}");
            }
            Exit::Ok
        }
        Err(e @ crate::commands::reveal::RevealError::Audit { .. }) => fail(e, Exit::Failed),
        Err(e) => fail(e, Exit::Usage),
    }
}
