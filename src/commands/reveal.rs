//! `loganon reveal`: the addresses that reversible pseudonyms stand for
//! (`cryptopan` and the ipcrypt variants), given the key and the day, for abuse
//! handling or a lawful request. Each call first appends an audit record
//! (when, the operator's reason, the mode, the day, how many values, the
//! key's fingerprint; never a value) to the audit log and syncs it: no
//! reveal without its record. Truncated and hashed values cannot be
//! revealed, and it says so.

use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::io::names::show;
use crate::keyed::{IpMode, KeyRing};

/// Why nothing was revealed; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum RevealError {
    /// The mode is one-way or keeps no host part.
    #[error(
        "--ip-mode {0}: its values cannot be revealed (truncate and drop keep no host part; hash is \
         one-way); only cryptopan and ipcrypt pseudonyms can"
    )]
    OneWay(&'static str),
    /// The day's key is gone (`key_retention`).
    #[error(
        "the key of {0} is deleted (key_retention in keys_dir): that day's pseudonyms can no longer be \
         revealed, nor linked; nothing was revealed"
    )]
    KeyGone(String),
    /// The directory of day keys has no key of the day (none was made).
    #[error(
        "keys_dir holds no key of {0}: no line of that day was pseudonymized with these keys (a wrong \
         --day?); nothing was revealed"
    )]
    NoKey(String),
    /// The reason is empty.
    #[error("--reason is empty; say why the addresses are revealed (it goes to the audit log)")]
    NoReason,
    /// A value is not an address.
    #[error(
        "'{0}' is not a pseudonym of {1} (cryptopan, ipcrypt-pfx and ipcrypt-deterministic write IP \
         addresses; ipcrypt-nd 48 hex digits, ipcrypt-ndx 64)"
    )]
    NotAnAddress(String, &'static str),
    /// The audit log could not be written: nothing was revealed.
    #[error("cannot write the audit log {path}: {source}; nothing was revealed")]
    Audit {
        /// the log, as shown
        path: String,
        /// what the system said
        source: std::io::Error,
    },
}

/// What to reveal.
pub struct Reveal<'a> {
    pub mode: IpMode,
    pub ring: &'a KeyRing,
    /// the day of the pseudonyms (Unix days; any day with `--rotate-key never`)
    pub day: i64,
    pub reason: &'a str,
    pub audit_log: &'a Path,
    /// now, for the audit record (Unix seconds)
    pub now: i64,
}

/// Reveals `values` (pseudonymous addresses): `(pseudonym, address)` pairs,
/// in order, after the audit record is written.
pub fn reveal(r: &Reveal<'_>, values: &[String]) -> Result<Vec<(String, IpAddr)>, RevealError> {
    if matches!(r.mode, IpMode::Truncate | IpMode::Drop | IpMode::Hash) {
        return Err(RevealError::OneWay(r.mode.name()));
    }
    if r.reason.trim().is_empty() {
        return Err(RevealError::NoReason);
    }
    let not = |v: &String| RevealError::NotAnAddress(v.clone(), r.mode.name());
    if r.mode.writes_text() {
        let hex = |n: usize| move |v: &str| v.len() == n && v.bytes().all(|b| b.is_ascii_hexdigit());
        let fits = |v: &String| match r.mode {
            IpMode::IpcryptNd => hex(48)(v.trim()),
            IpMode::IpcryptNdx => hex(64)(v.trim()),
            _ => v.trim().parse::<IpAddr>().is_ok(),
        };
        if let Some(v) = values.iter().find(|v| !fits(v)) {
            return Err(not(v));
        }
    } else {
        for v in values {
            v.trim().parse::<IpAddr>().map_err(|_| not(v))?;
        }
    }
    let date = || crate::time::date_string(r.day * 86400);
    let keys = r.ring.for_day(r.day).ok_or_else(|| {
        if r.ring.key_gone(r.day) {
            RevealError::KeyGone(date())
        } else {
            RevealError::NoKey(date())
        }
    })?;
    audit(r, values.len())?;
    let out = values
        .iter()
        .map(|v| {
            let v = v.trim();
            if r.mode.writes_text() {
                let orig = keys.reveal_text(r.mode, v.as_bytes()).unwrap_or(0);
                let a = match crate::ipcrypt::unmapped(orig) {
                    Some(v4) => IpAddr::from(std::net::Ipv4Addr::from(v4)),
                    None => IpAddr::from(orig.to_be_bytes()),
                };
                return (v.to_string(), a);
            }
            let a: IpAddr = v.parse().unwrap_or(IpAddr::from([0u8; 4]));
            let orig = match a {
                IpAddr::V4(p) => keys
                    .reveal_v4(r.mode, u32::from(p))
                    .map(|o| IpAddr::from(o.to_be_bytes())),
                // an IPv4-mapped address: its IPv4 part is the pseudonym
                // (the anonymizer keeps the form), as `::ffff:a.b.c.d`
                IpAddr::V6(p) => match p.to_ipv4_mapped() {
                    Some(v4) => keys
                        .reveal_v4(r.mode, u32::from(v4))
                        .map(|o| IpAddr::from(std::net::Ipv4Addr::from(o).to_ipv6_mapped())),
                    None => keys
                        .reveal_v6(r.mode, u128::from(p))
                        .map(|o| IpAddr::from(o.to_be_bytes())),
                },
            };
            (v.to_string(), orig.unwrap_or(a))
        })
        .collect();
    Ok(out)
}

/// Appends the audit record (one JSON line) and syncs it.
fn audit(r: &Reveal<'_>, values: usize) -> Result<(), RevealError> {
    let fingerprint = r.ring.fingerprint(r.day).unwrap_or_default();
    let record = serde_json::json!({
        "time": crate::commands::audit::rfc3339(r.now),
        "action": "reveal",
        "reason": r.reason,
        "mode": r.mode.name(),
        "day": if r.ring.rotate == crate::keyed::Rotate::Never && !r.ring.kept_apart() { "never".to_string() } else { crate::time::date_string(r.day * 86400) },
        "values": values,
        "key": fingerprint.get(..16).unwrap_or(""),
    });
    let err = |source| RevealError::Audit {
        path: show(r.audit_log).to_string(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(r.audit_log)
        .map_err(err)?;
    writeln!(f, "{record}").map_err(err)?;
    f.sync_all().map_err(err)
}
