//! `loganon reveal`: the addresses that reversible pseudonyms stand for
//! (`cryptopan`, `ipcrypt-pfx`), given the key and the day, for abuse
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
         one-way); only cryptopan and ipcrypt-pfx pseudonyms can"
    )]
    OneWay(&'static str),
    /// The reason is empty.
    #[error("--reason is empty; say why the addresses are revealed (it goes to the audit log)")]
    NoReason,
    /// A value is not an address.
    #[error("'{0}' is not an IP address (a pseudonym of cryptopan or ipcrypt-pfx is one)")]
    NotAnAddress(String),
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

/// The mode's name as `--ip-mode` spells it.
fn mode_name(m: IpMode) -> &'static str {
    match m {
        IpMode::Truncate => "truncate",
        IpMode::Hash => "hash",
        IpMode::CryptoPan => "cryptopan",
        IpMode::IpcryptPfx => "ipcrypt-pfx",
        IpMode::Drop => "drop",
    }
}

/// Reveals `values` (pseudonymous addresses): `(pseudonym, address)` pairs,
/// in order, after the audit record is written.
pub fn reveal(r: &Reveal<'_>, values: &[String]) -> Result<Vec<(String, IpAddr)>, RevealError> {
    if !matches!(r.mode, IpMode::CryptoPan | IpMode::IpcryptPfx) {
        return Err(RevealError::OneWay(mode_name(r.mode)));
    }
    if r.reason.trim().is_empty() {
        return Err(RevealError::NoReason);
    }
    let parsed: Vec<IpAddr> = values
        .iter()
        .map(|v| v.trim().parse().map_err(|_| RevealError::NotAnAddress(v.clone())))
        .collect::<Result<_, _>>()?;
    audit(r, parsed.len())?;
    let keys = r.ring.for_day(r.day);
    let out = values
        .iter()
        .zip(parsed)
        .map(|(v, a)| {
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
            (v.trim().to_string(), orig.unwrap_or(a))
        })
        .collect();
    Ok(out)
}

/// Appends the audit record (one JSON line) and syncs it.
fn audit(r: &Reveal<'_>, values: usize) -> Result<(), RevealError> {
    let fingerprint = blake3::keyed_hash(&r.ring.master.0, b"loganon key fingerprint").to_hex();
    let record = serde_json::json!({
        "time": crate::commands::audit::rfc3339(r.now),
        "action": "reveal",
        "reason": r.reason,
        "mode": mode_name(r.mode),
        "day": if r.ring.rotate == crate::keyed::Rotate::Never { "never".to_string() } else { crate::time::date_string(r.day * 86400) },
        "values": values,
        "key": &fingerprint.as_str()[..16],
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
