//! Turning flags into the options of the commands: the rules, the keyed
//! modes, the engine's options, a batch's target, `listen`'s and `purge`'s
//! options, and the checks that make a usage error of a bad combination.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

use super::{AnonymizeArgs, KeyArgs, ListenArgs, PurgeArgs, RuleArgs};
use crate::addr::AddrPolicy;
use crate::commands::batch::Target;
use crate::commands::listen::{Limits, ListenOptions};
use crate::commands::purge::PurgeOptions;
use crate::engine::Options;
use crate::formats::w3c::Header;
use crate::io::clock::Clock;
use crate::io::codec::{Codec, Compress};
use crate::io::input::Source;
use crate::io::pipeline;
use crate::keyed::IpMode;
use crate::rules::{DenyList, Rules};

impl KeyArgs {
    /// Adds the keyed settings to `opts`, with the key file read here (the
    /// engine reads no file); the error is a usage error (exit 2).
    pub fn apply(&self, ip_mode: IpMode, opts: &mut Options) -> Result<(), String> {
        let ring = match (&self.keys_dir, &self.key_env) {
            (Some(dir), _) => {
                if self.rotate_key == crate::keyed::Rotate::Never {
                    return Err("--keys-dir holds a key per day; --rotate-key never is for --key-file".into());
                }
                Some(crate::io::day_keys::load_dir(dir, true)?)
            }
            (None, Some(name)) => Some(crate::io::keys::load_env(name, self.rotate_key).map_err(|e| e.to_string())?),
            (None, None) => {
                crate::io::keys::load(self.key_file.as_deref(), self.rotate_key).map_err(|e| e.to_string())?
            }
        };
        let ring = match (&self.ipcrypt_tweak, ring) {
            (Some(hex), Some(ring)) => Some(ring.with_tweak(fixed_tweak(hex)?)),
            (_, ring) => ring,
        };
        opts.set_keys(
            ip_mode,
            self.identifiers,
            ring,
            "--ip-mode hash, cryptopan and ipcrypt-* and --identifiers hash need --key-file, --key-env or --keys-dir \
             (make a key with: loganon keygen FILE)",
        )
        .map_err(|e| e.to_string())
    }
}

/// The keys archives were written with (`reveal`, `erase`): the key file,
/// or the directory of day keys, read only (a missing day key stays
/// missing); a key of the wrong size for `mode` is refused.
pub(super) fn archive_keys(
    key_file: Option<&std::path::Path>,
    keys_dir: Option<&std::path::Path>,
    rotate: crate::keyed::Rotate,
    mode: Option<IpMode>,
) -> Result<Option<crate::keyed::KeyRing>, String> {
    let ring = match keys_dir {
        Some(dir) => Some(crate::io::day_keys::load_dir(dir, false)?),
        None => crate::io::keys::load(key_file, rotate).map_err(|e| e.to_string())?,
    };
    if let (Some(r), Some(m)) = (&ring, mode.filter(|m| m.keyed())) {
        if let Some(why) = r.unfit_for(m) {
            return Err(why);
        }
    }
    Ok(ring)
}

/// `--ipcrypt-tweak HEX` (tests): 16 or 32 hex digits.
fn fixed_tweak(hex: &str) -> Result<crate::keyed::Tweak, String> {
    let bad = || format!("--ipcrypt-tweak {hex}: give 16 hex digits (ipcrypt-nd) or 32 (ipcrypt-ndx)");
    if !(hex.len() == 16 || hex.len() == 32) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut t = [0u8; 16];
    for (i, b) in t.iter_mut().enumerate().take(hex.len() / 2) {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(crate::keyed::Tweak::Fixed(t))
}

pub(super) fn parse_cidr(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .map_err(|_| format!("'{s}' is not a network; write it like 10.0.0.0/8 or fd00::/8"))
}

pub(super) fn parse_w3c_fields(s: &str) -> Result<Arc<Header>, String> {
    crate::formats::w3c::fields_option(s).ok_or_else(|| crate::formats::w3c::FIELDS_OPTION_HELP.into())
}

pub(super) fn parse_param(s: &str) -> Result<String, String> {
    crate::rules::param_name(s).map_err(|e| e.to_string())?;
    Ok(s.to_string())
}

pub(super) fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse::<SocketAddr>()
        .map_err(|_| format!("'{s}' is not an address with a port; write it like 127.0.0.1:5140 or [::1]:5140"))
}

impl RuleArgs {
    pub fn rules(&self) -> Rules {
        let mut deny = DenyList::default();
        for p in &self.redact_param {
            deny.add(&crate::rules::param_name(p).unwrap_or_default());
        }
        for p in &self.keep_param {
            deny.keep(&crate::rules::param_name(p).unwrap_or_default());
        }
        Rules {
            addr: AddrPolicy::new(self.ipv4_prefix, self.ipv6_prefix, &self.keep_network),
            deny,
            location: self.location,
        }
    }
}

/// The inputs named on the command line (`-` is stdin).
pub fn sources(inputs: &[OsString]) -> Vec<Source> {
    inputs.iter().map(|s| Source::from_arg(s)).collect()
}

/// Makes sure `n` threads can run at once (`-j N` under a process limit):
/// a clear error up front instead of a failure in the middle of the work.
/// (`jobs` workers and the reader).
pub fn threads_available(jobs: usize) -> Result<(), String> {
    pipeline::probe_threads(jobs + 1).map_err(|e| pipeline::threads_error(jobs, &e))
}

/// The engine's options for `anonymize`; the error is a usage error.
pub fn anonymize_options(a: &AnonymizeArgs) -> Result<Options, String> {
    let mut opts = Options {
        rules: a.rules.rules(),
        format: a.rules.format.clone(),
        on_unparsed: a.on_unparsed,
        not_before: a.max_age.map(|age| a.now.unwrap_or_else(crate::io::clock::now) - age),
        w3c_fields: a.rules.w3c_fields.clone(),
        ..Options::default()
    };
    a.keys.apply(a.rules.ip_mode, &mut opts)?;
    if a.min_k.is_some() && a.rules.ip_mode.keyed() {
        let why = crate::commands::run::config::K_KEYED.replace("min_k", "--min-k");
        return Err(format!("--min-k {}", why.replace("ip_mode", "--ip-mode")));
    }
    Ok(opts)
}

/// Where a batch writes (`--out-dir`, `--in-place`, `-o FILE` with file
/// inputs), or None for the stream (stdin, or `-o` appended to); the error
/// is a usage error.
pub fn batch_target(a: &AnonymizeArgs) -> Result<Option<(Target, Vec<PathBuf>)>, String> {
    let files: Vec<PathBuf> = a.inputs.iter().filter(|s| *s != "-").map(PathBuf::from).collect();
    let to_file = a.output.as_ref().filter(|p| p.as_os_str() != "-");
    let target = match (&a.out_dir, a.in_place, to_file) {
        (Some(d), _, _) => Some(Target::OutDir(d.clone())),
        (None, true, _) => Some(Target::InPlace),
        (None, false, Some(o)) if !a.inputs.is_empty() && files.len() == a.inputs.len() => Some(Target::One(o.clone())),
        _ => None,
    };
    match target {
        Some(_) if files.is_empty() || files.len() != a.inputs.len() => {
            Err("--out-dir and --in-place need input files (not stdin)".into())
        }
        Some(t) => Ok(Some((t, files))),
        None => Ok(None),
    }
}

/// `--compress`: how the stream's output is compressed (None: stdout plain,
/// `-o FILE` by its name). A batch's outputs take their input's compression
/// or their name's, so there it is a usage error, as is a name that asks
/// for another one.
pub fn stream_compression(a: &AnonymizeArgs) -> Result<Option<Compress>, String> {
    let Some(name) = &a.compress else {
        return Ok(None);
    };
    let codec = Codec::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| format!("--compress {name}: use gzip, xz, bzip2 or zstd"))?;
    if batch_target(a).ok().flatten().is_some() {
        return Err(
            "--compress is for the stream (stdin or files to stdout, or -o FILE from stdin); \
             a batch output keeps its input's compression (--out-dir, --in-place) or takes its name's (-o FILE.gz)"
                .into(),
        );
    }
    if let Some(p) = a.output.as_ref().filter(|p| p.as_os_str() != "-") {
        if let Some(named) = Codec::from_name(p).filter(|&c| c != codec) {
            return Err(format!(
                "--compress {name} and -o {}: the name asks for {}; name the file .{} or leave --compress out",
                crate::io::names::show(p),
                named.name(),
                codec.extension()
            ));
        }
    }
    Ok(Some(Compress { codec, level: a.level }))
}

/// `listen`'s options; the error is a usage error.
pub fn listen_options(l: &ListenArgs) -> Result<ListenOptions, String> {
    let mut engine = Options {
        rules: l.rules.rules(),
        format: l.rules.format.clone(),
        on_unparsed: l.on_unparsed,
        w3c_fields: l.rules.w3c_fields.clone(),
        ..Options::default()
    };
    l.keys.apply(l.rules.ip_mode, &mut engine)?;
    Ok(ListenOptions {
        udp: l.udp.clone(),
        tcp: l.tcp.clone(),
        unix: l.unix.clone(),
        output: l.output.clone(),
        level: l.level,
        engine,
        clock: Clock::system(),
        stats: l.stats.clone(),
        limits: Limits {
            max_connections: l.max_connections as usize,
            idle: (l.idle_timeout > 0).then(|| Duration::from_secs(l.idle_timeout)),
            frame: (l.frame_timeout > 0).then(|| Duration::from_secs(l.frame_timeout)),
            max_frame: l.max_frame as usize,
        },
    })
}

/// `purge`'s options, with the real clock as `now` unless `--now` says.
pub fn purge_options(p: &PurgeArgs) -> PurgeOptions {
    let real_now = crate::io::clock::now();
    PurgeOptions {
        roots: p.roots.clone(),
        max_age: p.max_age,
        globs: p.globs.clone(),
        age_from: p.age_from,
        dry_run: p.dry_run,
        json: p.json,
        max_delete: p.max_delete,
        now: p.now.unwrap_or(real_now),
        real_now,
    }
}
