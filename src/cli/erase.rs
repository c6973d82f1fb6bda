//! `loganon erase`: its arguments and its output (see
//! [`crate::commands::erase`]).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use super::choice::choice;
use super::{fail, Exit};
use crate::commands::erase::{Erase, Keyed, Subject};
use crate::io::names::show;
use crate::keyed::{IpMode, Rotate};

#[derive(Args, Debug)]
pub struct EraseArgs {
    /// Log files (plain, gzip, xz, bzip2, zstd), rewritten in place
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// The subject's IP address (repeatable)
    #[arg(long, value_name = "ADDR")]
    pub address: Vec<IpAddr>,
    /// The subject's email address (repeatable; any case, also written %40)
    #[arg(long, value_name = "EMAIL")]
    pub email: Vec<String>,
    /// The subject's user name (repeatable; a whole word)
    #[arg(long, value_name = "NAME")]
    pub user: Vec<String>,
    /// Only the subject's values become REDACTED; the lines stay
    #[arg(long)]
    pub redact: bool,
    /// Count what would go; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write a receipt (JSON: when, the version, the subject's keyed fingerprint, each file's
    /// figures and sha256 before and after; never the values)
    #[arg(long, value_name = "FILE")]
    pub receipt: Option<PathBuf>,
    /// The key of the receipt's fingerprint of the subject (a key file, as keygen writes it;
    /// default: --key-file). Keep it: with it, the request's values give the same fingerprint
    #[arg(long, value_name = "PATH", requires = "receipt")]
    pub receipt_key: Option<PathBuf>,
    /// The files are pseudonymized with this mode (hash, cryptopan, an ipcrypt variant): the
    /// subject's pseudonym of each line's day is looked for too (needs --key-file or --keys-dir)
    #[arg(long, value_name = "M", value_parser = choice::<IpMode>())]
    pub ip_mode: Option<IpMode>,
    /// The key file of --ip-mode
    #[arg(long, value_name = "PATH", conflicts_with = "keys_dir")]
    pub key_file: Option<PathBuf>,
    /// The directory of day keys of --ip-mode (days whose key is deleted are out of reach)
    #[arg(long, value_name = "DIR")]
    pub keys_dir: Option<PathBuf>,
    /// daily or never, as the files were written
    #[arg(long, value_name = "R", default_value = "daily", value_parser = choice::<Rotate>())]
    pub rotate_key: Rotate,
    /// Compression level of rewritten compressed files (0-9)
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub level: u32,
}

/// Words of every log line that would take everyone's lines with them.
const NOT_A_USER: &[&str] = &[
    "-", "get", "post", "head", "put", "delete", "options", "patch", "connect", "trace", "http/1.0", "http/1.1",
    "http/2", "http/2.0", "http/3",
];

/// Why the subject given would erase what is not the subject's: an empty
/// value, `-`, a method or a number as a user name, an email without `@`.
fn bad_subject(a: &EraseArgs) -> Option<String> {
    for u in &a.user {
        let l = u.trim().to_lowercase();
        if l.is_empty() || NOT_A_USER.contains(&l.as_str()) || l.bytes().all(|b| b.is_ascii_digit()) {
            // (the value itself is not echoed: it is the subject's data)
            return Some(
                "--user: an empty value, -, an HTTP method or a number would match other people's lines (an \
                 empty field, a method, a status or a size); give the subject's user name"
                    .to_string(),
            );
        }
    }
    for e in &a.email {
        let parts: Vec<&str> = e.trim().split('@').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
            return Some("--email: a value is not an email address (NAME@DOMAIN)".to_string());
        }
    }
    None
}

/// `loganon erase`: a line per file (`erased PATH lines=N matched=M`),
/// exit 1 when a file failed.
pub(super) fn erase(a: EraseArgs) -> Exit {
    if a.address.is_empty() && a.email.is_empty() && a.user.is_empty() {
        return fail(
            "erase needs the subject: --address, --email or --user (each repeatable)",
            Exit::Usage,
        );
    }
    if let Some(m) = bad_subject(&a) {
        return fail(m, Exit::Usage);
    }
    let keyed_files = a.key_file.is_some() || a.keys_dir.is_some();
    if a.ip_mode.is_some_and(IpMode::keyed) && !keyed_files {
        return fail(
            "--ip-mode with a keyed mode needs the key the files were written with: --key-file or --keys-dir",
            Exit::Usage,
        );
    }
    if keyed_files && !a.ip_mode.is_some_and(IpMode::keyed) {
        return fail(
            "--key-file is for archives pseudonymized with a keyed mode: give it with --ip-mode hash, cryptopan or \
             an ipcrypt variant (truncated archives hold no pseudonym to look for)",
            Exit::Usage,
        );
    }
    let ring = match super::options::archive_keys(a.key_file.as_deref(), a.keys_dir.as_deref(), a.rotate_key, a.ip_mode)
    {
        Ok(r) => r,
        Err(e) => return fail(e, Exit::Usage),
    };
    // the receipt's key, read before anything is done
    let receipt_key = match (&a.receipt, a.receipt_key.as_deref().or(a.key_file.as_deref())) {
        (None, _) => None,
        (Some(_), Some(k)) => match crate::io::keys::read_key_file(k) {
            Ok(k) => Some(k),
            Err(e) => return fail(e, Exit::Usage),
        },
        (Some(_), None) => {
            return fail(
                "--receipt names the subject by a keyed fingerprint: give --receipt-key FILE (make one with: \
                 loganon keygen FILE), or --key-file",
                Exit::Usage,
            )
        }
    };
    let subject = Subject {
        addresses: a.address.clone(),
        emails: a.email.clone(),
        users: a.user.clone(),
    };
    let keyed = match (a.ip_mode, &ring) {
        (Some(mode), Some(ring)) if mode.keyed() => Some(Keyed { mode, ring }),
        _ => None,
    };
    let e = Erase {
        subject: &subject,
        keyed,
        redact: a.redact,
        dry_run: a.dry_run,
        level: a.level,
    };
    let mut code = Exit::Ok;
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for p in &a.paths {
        match e.file(p) {
            Ok(f) => {
                let verb = match (f.matched, a.dry_run) {
                    (0, _) => "unchanged",
                    (_, true) => "would-erase",
                    (_, false) => "erased",
                };
                println!("{verb} {} lines={} matched={}", show(p), f.lines, f.matched);
                if !f.keys_deleted.is_empty() {
                    eprintln!(
                        "loganon: warning: {}: the keys of {} are deleted (key_retention): the subject's pseudonyms of \
                         those days cannot be found (nor linked to anyone); their plain values were looked for",
                        show(p),
                        f.keys_deleted.join(", ")
                    );
                }
                done.push(f);
            }
            Err(m) => {
                eprintln!("loganon: {m}");
                failed.push((show(p).to_string(), m));
                code = Exit::Failed;
            }
        }
    }
    if let Some(r) = &a.receipt {
        let fingerprint = receipt_key.map_or_else(String::new, |k| {
            crate::commands::erase::subject_fingerprint(k.bytes(), &subject)
        });
        let text = crate::commands::erase::receipt(
            &subject,
            &fingerprint,
            &done,
            &failed,
            crate::io::clock::now(),
            a.dry_run,
        );
        if let Err(err) = crate::io::atomic::write_atomic(r, text.as_bytes()) {
            eprintln!("loganon: {err}");
            code = Exit::Failed;
        }
    }
    code
}
