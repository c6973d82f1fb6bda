//! The command line: the argument definitions (clap), and for each command
//! its flags turned into options (`options.rs`), the command run
//! ([`crate::commands`]), what it returns printed (`print.rs`) and its exit
//! code ([`Exit`], `exit.rs`).

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{ArgGroup, Args, Parser, Subcommand};
use ipnet::IpNet;

use crate::commands::batch::{BatchOptions, Target};
use crate::commands::listen::{FRAME_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_MESSAGE};
use crate::commands::purge::PurgeError;
use crate::commands::retention::AgeFrom;
use crate::commands::run::cron::RunError;
use crate::engine::{Engine, OnUnparsed};
use crate::formats::w3c::Header;
use crate::formats::Format;
use crate::io::clock::Clock;
use crate::io::names::show;
use crate::io::output::Output;
use crate::io::pipeline::jobs;
use crate::io::signals::Signals;
use crate::keyed::{Identifiers, IpMode, Rotate};
use crate::rules::Location;

mod audit;
mod choice;
mod erase;
mod exit;
pub mod manual;
mod options;
mod print;
mod progress;
pub mod reveal;
mod usage;

use choice::choice;
pub use exit::Exit;
use options::{sources, threads_available};
use print::Stdout;

#[derive(Parser, Debug)]
#[command(
    name = "loganon",
    version,
    about = "Anonymize web access logs and enforce their retention"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Anonymize logs: stdin -> stdout, or files (plain, gzip, xz, bzip2 or zstd) in order
    Anonymize(AnonymizeArgs),
    /// Scan logs for personal data left in them; exit 1 if any is found
    Check(CheckArgs),
    /// Write a new random key file (mode 0600) for the keyed modes
    Keygen {
        /// The key file to create (never overwritten)
        file: PathBuf,
    },
    /// Delete expired log files under the roots
    Purge(PurgeArgs),
    /// The cron job: anonymize due files, summarize and purge expired ones
    Run(RunArgs),
    /// Receive syslog (nginx, HAProxy) over UDP, TCP or a unix socket; append it anonymized to a file
    Listen(ListenArgs),
    /// Remove one person's lines (or values, --redact) from log files, compressed or pseudonymized too
    Erase(erase::EraseArgs),
    /// Reveal the addresses behind cryptopan or ipcrypt-pfx pseudonyms (key, day and reason needed; audited)
    Reveal(reveal::RevealArgs),
    /// Print a shell completion script (bash, zsh, fish) on stdout
    Completions(manual::CompletionsArgs),
    /// Write the man pages into DIR (loganon.1, loganon-run.1, ...), or print loganon.1
    Man(manual::ManArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The TOML configuration (man 5 loganon.toml)
    #[arg(long, value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Print the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// One JSON object per line and action on stdout (anonymized,
    /// summarized, deleted, skipped, warning, error, and the run's totals)
    #[arg(long)]
    pub json: bool,
    /// Take this as "now" (2026-01-01T00:00:00Z, 2026-01-01, @SECONDS)
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_now)]
    pub now: Option<i64>,
}

/// The configuration `run` reads without `--config`: the package's.
pub const DEFAULT_CONFIG: &str = "/etc/loganon/loganon.toml";

#[derive(Args, Debug)]
pub struct PurgeArgs {
    /// Folders holding the logs
    #[arg(value_name = "ROOT", required = true)]
    pub roots: Vec<PathBuf>,
    /// Delete files older than this: 90 (days), 90d, 12h, 2w, 3mo, 1y
    #[arg(long, value_name = "DUR", required = true, value_parser = crate::time::parse_duration)]
    pub max_age: i64,
    /// Which files may go (repeatable; default: *.gz, *.log.*, *.log-*)
    #[arg(long = "match", value_name = "GLOB")]
    pub globs: Vec<String>,
    /// Where a file's age comes from: mtime, or a date in its name
    #[arg(long, value_name = "SRC", default_value = "mtime", value_parser = choice::<AgeFrom>())]
    pub age_from: AgeFrom,
    /// Print what would be deleted; delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
    /// Delete nothing when more than N files would go
    #[arg(long, value_name = "N")]
    pub max_delete: Option<u64>,
    /// Take this as "now" (2026-01-01T00:00:00Z, 2026-01-01, @SECONDS)
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_now)]
    pub now: Option<i64>,
}

/// Options shared by `anonymize` and `check`: which format, which rules.
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    #[arg(long, value_name = "F", default_value = "auto", value_parser = choice::FormatParser,
          hide_possible_values = true,
          help = crate::formats::registry::help(), long_help = crate::formats::registry::long_help())]
    pub format: Format,
    /// Bits of an IPv4 address kept (0-32)
    #[arg(long, value_name = "N", default_value_t = 24, value_parser = clap::value_parser!(u8).range(0..=32))]
    pub ipv4_prefix: u8,
    /// Bits of an IPv6 address kept (0-128)
    #[arg(long, value_name = "N", default_value_t = 48, value_parser = clap::value_parser!(u8).range(0..=128))]
    pub ipv6_prefix: u8,
    /// Leave addresses in this network whole, e.g. 10.0.0.0/8 (repeatable)
    #[arg(long, value_name = "CIDR", value_parser = options::parse_cidr)]
    pub keep_network: Vec<IpNet>,
    /// Add a query parameter name to the deny list, any spelling (repeatable)
    #[arg(long, value_name = "NAME", value_parser = options::parse_param)]
    pub redact_param: Vec<String>,
    /// Take a name out of the deny list and its patterns, e.g. name (repeatable)
    #[arg(long, value_name = "NAME", value_parser = options::parse_param)]
    pub keep_param: Vec<String>,
    /// Precise locations (lat=, lng=, ll=, geo=, "lat": ...): the decimals kept (0-8; 2 is about 1 km), keep or drop
    #[arg(long, value_name = "P", default_value = "2")]
    pub location: Location,
    /// How addresses are rewritten: truncate, hash, cryptopan, ipcrypt-pfx, ipcrypt-deterministic, ipcrypt-nd, ipcrypt-ndx (keyed; ipcrypt-*: the IETF draft's), drop
    #[arg(long, value_name = "M", default_value = "truncate", value_parser = choice::<IpMode>())]
    pub ip_mode: IpMode,
    /// The W3C columns of lines before an input's first #Fields: directive
    /// (a part of a split file), e.g. "date time c-ip cs-username cs(Cookie)"
    #[arg(long, value_name = "NAMES", value_parser = options::parse_w3c_fields)]
    pub w3c_fields: Option<Arc<Header>>,
}

/// The keyed modes' options.
#[derive(Args, Debug, Clone)]
pub struct KeyArgs {
    /// Secret for the keyed modes: 32 raw bytes or 64 hex digits, not readable by group or others
    #[arg(long, value_name = "PATH", conflicts_with = "key_env")]
    pub key_file: Option<PathBuf>,
    /// Secret for the keyed modes from the environment variable NAME: 64 hex digits
    #[arg(long, value_name = "NAME")]
    pub key_env: Option<String>,
    /// A directory of day keys, one random key per day made on first use
    /// (mode 0600); run deletes those older than key_retention
    #[arg(long, value_name = "DIR", conflicts_with_all = ["key_file", "key_env"])]
    pub keys_dir: Option<PathBuf>,
    /// (tests) the tweak of ipcrypt-nd (16 hex digits) or ipcrypt-ndx (32)
    /// instead of a random one: the draft's test vectors
    #[arg(long, value_name = "HEX", hide = true)]
    pub ipcrypt_tweak: Option<String>,
    /// Identifiers become REDACTED (redact) or ~ and 16 hex digits of a keyed hash (hash)
    #[arg(long, value_name = "M", default_value = "redact", value_parser = choice::<Identifiers>())]
    pub identifiers: Identifiers,
    /// daily: a key per day, derived from the key file and the line's date; never: the key as given
    #[arg(long, value_name = "R", default_value = "daily", value_parser = choice::<Rotate>())]
    pub rotate_key: Rotate,
}

#[derive(Args, Debug)]
pub struct AnonymizeArgs {
    /// Input files, plain, gzip, xz, bzip2 or zstd (by content); none or "-" reads stdin
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<OsString>,
    /// One output file ("-" = stdout). From stdin: appended to, reopened on
    /// SIGHUP. From files: written atomically (refused if it exists, unless --force)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Batch: one output per input, same file name, in DIR
    #[arg(long, value_name = "DIR", conflicts_with_all = ["output", "in_place"])]
    pub out_dir: Option<PathBuf>,
    /// Batch: replace each input atomically with its anonymized version
    #[arg(long, conflicts_with = "output")]
    pub in_place: bool,
    /// Batch: replace outputs that already exist
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// What to do with lines no format recognises: scrub, drop, fail
    #[arg(long, value_name = "P", default_value = "scrub", value_parser = choice::<OnUnparsed>())]
    pub on_unparsed: OnUnparsed,
    /// Drop lines whose own timestamp is older than now minus DUR: 90 (days), 90d, 12h, 2w, 3mo, 1y
    #[arg(long, value_name = "DUR", value_parser = crate::time::parse_duration)]
    pub max_age: Option<i64>,
    /// Take this as "now" (2026-01-01T00:00:00Z, 2026-01-01, @SECONDS)
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_now)]
    pub now: Option<i64>,
    /// Worker threads (default: all cores)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// gzip level of compressed output (0-9)
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub level: u32,
    /// Compress the stream's output (stdout, or -o FILE from stdin) as gzip, xz, bzip2 or zstd,
    /// in members made in parallel: `... | loganon anonymize --compress gzip | aws s3 cp - s3://...`
    #[arg(long, value_name = "CODEC", value_parser = ["gzip", "xz", "bzip2", "zstd"])]
    pub compress: Option<String>,
    /// Print a summary on stderr: --stats (text), --stats=json
    #[arg(long, value_name = "FMT", num_args = 0..=1, require_equals = true, default_missing_value = "text",
          value_parser = ["text", "json"])]
    pub stats: Option<String>,
    /// SIGTERM does not stop reading: stdin is read to its end (Apache piped
    /// logs: a graceful restart signals the old logger while its children still log)
    #[arg(long)]
    pub until_eof: bool,
    /// k-anonymity: a network of a day used by fewer than K distinct client
    /// addresses is written with a wider prefix (/24 -> /16 -> /8 -> 0.0.0.0,
    /// /48 -> /32 -> /16 -> ::) until it holds K; two passes over the input
    /// (stdin is spooled to an unnamed temporary file and written at its end).
    /// Truncate mode only
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub min_k: Option<u64>,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("with_k").args(["k_report", "report"])))]
pub struct CheckArgs {
    /// Files to check, plain, gzip, xz, bzip2 or zstd (by content); none or "-" reads stdin
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<OsString>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    /// Instead of looking for personal data: per day, how many networks
    /// (as the prefixes truncate them) were used by fewer than K distinct
    /// client addresses, and their share of requests (run it on raw logs);
    /// exit 1 when a day has such a network
    #[arg(long)]
    pub k_report: bool,
    /// Also write the audit report to FILE: FILE.html, one self-contained
    /// page (inputs and verdicts, findings by rule with masked examples,
    /// the k-anonymity profile per day as a chart), or FILE.json
    #[arg(long, value_name = "FILE", conflicts_with = "k_report")]
    pub report: Option<PathBuf>,
    /// The K of --k-report (and of --report's k-anonymity profile)
    #[arg(long, value_name = "K", default_value_t = crate::kanon::DEFAULT_K, requires = "with_k",
          value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub min_k: u64,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("listener").required(true).multiple(true).args(["udp", "tcp", "unix"])))]
pub struct ListenArgs {
    /// Receive syslog datagrams on ADDR, e.g. 127.0.0.1:5140 or [::1]:5140 (repeatable)
    #[arg(long, value_name = "ADDR", value_parser = options::parse_addr)]
    pub udp: Vec<SocketAddr>,
    /// Accept syslog over TCP on ADDR, octet-counted or newline-framed (repeatable)
    #[arg(long, value_name = "ADDR", value_parser = options::parse_addr)]
    pub tcp: Vec<SocketAddr>,
    /// Accept syslog on a unix stream socket created at PATH (repeatable)
    #[arg(long, value_name = "PATH")]
    pub unix: Vec<PathBuf>,
    /// Append the anonymized lines to FILE ("-" = stdout); reopened on SIGHUP;
    /// gzip when the name ends in .gz
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// What to do with messages no format recognises: scrub, drop, fail (stops the server)
    #[arg(long, value_name = "P", default_value = "scrub", value_parser = choice::<OnUnparsed>())]
    pub on_unparsed: OnUnparsed,
    /// gzip level of compressed output (0-9)
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub level: u32,
    /// Print the counters on stderr at exit (and on SIGUSR1): --stats (text), --stats=json
    #[arg(long, value_name = "FMT", num_args = 0..=1, require_equals = true, default_missing_value = "text",
          value_parser = ["text", "json"])]
    pub stats: Option<String>,
    /// TCP and unix connections open at once; one more takes the place of the
    /// connection whose unfinished frame is the oldest (counted as evicted), or is
    /// closed at once when none is inside a frame (counted as refused)
    #[arg(long, value_name = "N", default_value_t = MAX_CONNECTIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Close a TCP or unix connection that sent nothing for SECS (0 = never);
    /// its unfinished frame is discarded (counted)
    #[arg(long, value_name = "SECS", default_value_t = IDLE_TIMEOUT)]
    pub idle_timeout: u64,
    /// Close a TCP or unix connection whose unfinished frame began SECS ago
    /// (0 = never); the frame is discarded (counted as discarded and frame_timeouts)
    #[arg(long, value_name = "SECS", default_value_t = FRAME_TIMEOUT)]
    pub frame_timeout: u64,
    /// The longest frame (or UDP datagram) kept, in bytes (1024 to 67108864); a longer
    /// one is discarded, counted
    #[arg(long, value_name = "BYTES", default_value_t = MAX_MESSAGE as u64,
          value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    pub max_frame: u64,
}

pub fn main() -> ExitCode {
    print::quiet_panics();
    // A file-size limit (RLIMIT_FSIZE) must surface as a write error, which
    // removes the temporary output, not as a signal that kills the process.
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions
    // (libc: neither rustix nor signal-hook has a safe way to ignore one).
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(stats_compat(args.iter().cloned())) {
        Ok(c) => c,
        // --help and --version print as clap writes them
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return Exit::Ok.into();
        }
        // `loganon` alone: the help, on stderr
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return Exit::Usage.into();
        }
        Err(e) => return fail(usage::clap_error(&e, &args), Exit::Usage).into(),
    };
    let split = match &cli.command {
        Command::Anonymize(a) => usage::split_duration(&args, "--max-age", &a.inputs),
        Command::Purge(p) => {
            let roots: Vec<std::ffi::OsString> = p.roots.iter().map(|r| r.clone().into_os_string()).collect();
            usage::split_duration(&args, "--max-age", &roots)
        }
        _ => None,
    };
    if let Some(m) = split {
        return fail(m, Exit::Usage).into();
    }
    let code = match cli.command {
        Command::Anonymize(a) => anonymize(a),
        Command::Check(c) => audit::check(c),
        Command::Keygen { file } => keygen(&file),
        Command::Purge(p) => purge(p),
        Command::Run(r) => run(r),
        Command::Listen(l) => listen(l),
        Command::Reveal(r) => reveal::reveal(r),
        Command::Erase(e) => erase::erase(e),
        Command::Completions(c) => manual::completions(c, <Cli as clap::CommandFactory>::command()),
        Command::Man(m) => manual::man(m, <Cli as clap::CommandFactory>::command()),
    };
    // a day key (--keys-dir) that could not be made: lines were written
    // without their pseudonyms (told when it happened)
    match code {
        Exit::Ok if crate::io::day_keys::failed() => Exit::Failed,
        c => c,
    }
    .into()
}

/// `--stats` takes its format only after `=` (`--stats=json`), so that
/// `--stats access.log` never takes the file as a format; the older
/// spellings `--stats json` and `--stats text` (a format name right after
/// it, before any `--`) are kept by joining them here. A file named `json`
/// or `text` right after `--stats` is written `./json`.
pub fn stats_compat(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    let mut options_end = false;
    for a in args {
        if !options_end && (a == "json" || a == "text") && out.last().is_some_and(|l| l == "--stats") {
            let mut joined = out.pop().unwrap_or_default();
            joined.push("=");
            joined.push(&a);
            out.push(joined);
            continue;
        }
        options_end |= a == "--";
        out.push(a);
    }
    out
}

/// Prints `loganon: WHAT` and returns `code`.
fn fail(what: impl std::fmt::Display, code: Exit) -> Exit {
    eprintln!("loganon: {what}");
    code
}

fn keygen(file: &std::path::Path) -> Exit {
    match crate::io::keys::keygen(file) {
        Ok(()) => {
            eprintln!("loganon: wrote a new key to {} (mode 0600)", show(file));
            Exit::Ok
        }
        Err(e) => fail(e, Exit::Failed),
    }
}

fn anonymize(a: AnonymizeArgs) -> Exit {
    let opts = match options::anonymize_options(&a) {
        Ok(o) => o,
        Err(e) => return fail(e, Exit::Usage),
    };
    if let Err(e) = threads_available(jobs(a.jobs)) {
        return fail(e, Exit::Usage);
    }
    let engine = Engine::new(opts);
    let files: Vec<PathBuf> = a.inputs.iter().filter(|s| *s != "-").map(PathBuf::from).collect();
    let to_stdout = a.out_dir.is_none() && !a.in_place && a.output.as_ref().is_none_or(|p| p.as_os_str() == "-");
    let bar = progress::wanted(
        std::io::stderr().is_terminal(),
        to_stdout && std::io::stdout().is_terminal(),
        files.len(),
    )
    .then(|| progress::start(&files))
    .flatten();
    let code = anonymize_with(&engine, &a);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    code
}

/// `anonymize` once its options are made: a batch or the stream. What it
/// prints comes after the progress bar is cleared.
fn anonymize_with(engine: &Engine, a: &AnonymizeArgs) -> Exit {
    let compress = match options::stream_compression(a) {
        Ok(c) => c,
        Err(e) => return fail(e, Exit::Usage),
    };
    match options::batch_target(a) {
        Err(e) => return fail(e, Exit::Usage),
        Ok(Some((target, files))) => return batch(engine, &files, target, a),
        Ok(None) => {}
    }
    let out = match &a.output {
        None => Output::stdout_compressed(compress),
        Some(p) if p.as_os_str() == "-" => Output::stdout_compressed(compress),
        Some(p) => match Output::append_as(p.clone(), a.level, compress) {
            Ok(o) => o,
            Err(e) => return fail(format!("cannot open output {}: {e}", show(p)), Exit::Failed),
        },
    };
    let sig = match Signals::install_with(!a.until_eof) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot install signal handlers: {e}"), Exit::Failed),
    };
    let t0 = Instant::now();
    // undated lines (keyed modes) take the day of `--now`, else today's, read per chunk
    let clock = Clock::pinned_or_system(a.now);
    // the k-anonymity section of --stats only with --min-k: unasked, its
    // "below K 100%" alarmed (check --k-report gives it for any log)
    let kanon = crate::commands::stream::KAnon {
        min_k: a.min_k,
        report: a.stats.is_some() && a.min_k.is_some(),
    };
    let res = crate::commands::stream::run(engine, &sources(&a.inputs), out, jobs(a.jobs), &clock, &sig, kanon);
    let secs = t0.elapsed().as_secs_f64();
    let code = print::stream_errors(&res.errors, &a.rules.format);
    print::stats(a.stats.as_deref(), &res.stats, res.k_report.as_ref(), secs);
    if a.stats.is_none() {
        print::expired(res.stats.expired);
    }
    code
}

fn batch(engine: &Engine, files: &[PathBuf], target: Target, a: &AnonymizeArgs) -> Exit {
    let sig = match Signals::install() {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot install signal handlers: {e}"), Exit::Failed),
    };
    let opts = BatchOptions {
        target,
        force: a.force,
        level: a.level,
        jobs: jobs(a.jobs),
        clock: Clock::pinned_or_system(a.now),
        min_k: a.min_k,
        k_report: a.stats.is_some() && a.min_k.is_some(),
    };
    let t0 = Instant::now();
    let res = crate::commands::batch::run(engine, files, &opts, &sig);
    let secs = t0.elapsed().as_secs_f64();
    print::batch(&res, a.stats.as_deref(), secs)
}

fn listen(l: ListenArgs) -> Exit {
    let opts = match options::listen_options(&l) {
        Ok(o) => o,
        Err(e) => return fail(e, Exit::Usage),
    };
    let served = match crate::commands::listen::run(opts) {
        Ok(s) => s,
        Err(e) => return fail(e, Exit::Failed),
    };
    let mut code = Exit::failed_if(served.crashed);
    if let Some(e) = &served.error {
        code = fail(e, Exit::Failed);
    }
    if let Some(r) = &served.report {
        eprint!("{r}");
    }
    code
}

fn run(r: RunArgs) -> Exit {
    let cfg = match crate::commands::run::config::Config::load(&r.config) {
        Ok(c) => c,
        Err(e) => {
            if r.json {
                let j = serde_json::json!({ "action": "error", "message": e.to_string(), "exit": Exit::Usage.code() });
                let _ = writeln!(Stdout::new(), "{j}");
            }
            return fail(e, Exit::Usage);
        }
    };
    let sig = match Signals::install() {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot install signal handlers: {e}"), Exit::Failed),
    };
    if let Err(e) = threads_available(jobs(cfg.anonymize.jobs)) {
        return fail(e, Exit::Usage);
    }
    let now = r.now.unwrap_or_else(crate::io::clock::now);
    let mut out = Stdout::new();
    let code = match crate::commands::run::cron::run(&cfg, r.dry_run, r.json, now, &sig, &mut out) {
        Ok(report) => Exit::failed_if(report.errors > 0),
        Err(e) => {
            let code = match e {
                RunError::Locked(_) => Exit::Locked,
                RunError::Config(_) => Exit::Usage,
                RunError::Failed(_) => Exit::Failed,
            };
            if r.json {
                let j = serde_json::json!({ "action": "error", "message": e.message(), "exit": code.code() });
                let _ = writeln!(out, "{j}");
            }
            fail(e.message(), code)
        }
    };
    out.finish(code, Exit::Failed)
}

fn purge(p: PurgeArgs) -> Exit {
    let opts = options::purge_options(&p);
    let mut out = Stdout::new();
    match crate::commands::purge::run(&opts, &mut out) {
        Ok(done) => out.finish(Exit::failed_if(done.errors > 0), Exit::Failed),
        Err(PurgeError::Usage(e)) => fail(e, Exit::Usage),
        Err(PurgeError::TooMany(e)) => fail(e, Exit::Failed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn stats_keeps_its_old_spellings_and_never_takes_a_file() {
        let c = |a: &[&str]| stats_compat(args(a));
        assert_eq!(
            c(&["loganon", "anonymize", "--stats", "json", "a.log"]),
            args(&["loganon", "anonymize", "--stats=json", "a.log"])
        );
        assert_eq!(c(&["l", "--stats", "text"]), args(&["l", "--stats=text"]));
        for same in [
            &["l", "anonymize", "--stats", "a.log"][..],
            &["l", "--stats=json", "json"],
            &["l", "--", "--stats", "json"],
            &["l", "--stats", "--stats", "x"],
            &["l", "json", "--stats"],
        ] {
            assert_eq!(c(same), args(same));
        }
        let parsed = |a: &[&str]| match Cli::try_parse_from(stats_compat(args(a))) {
            Ok(Cli {
                command: Command::Anonymize(a),
            }) => (a.stats, a.inputs),
            other => panic!("{other:?}"),
        };
        let files = |f: &[&str]| f.iter().map(OsString::from).collect::<Vec<_>>();
        let text = Some("text".to_string());
        let json = Some("json".to_string());
        assert_eq!(
            parsed(&["l", "anonymize", "--stats", "a.log"]),
            (text.clone(), files(&["a.log"]))
        );
        assert_eq!(
            parsed(&["l", "anonymize", "a.log", "--stats"]),
            (text.clone(), files(&["a.log"]))
        );
        assert_eq!(
            parsed(&["l", "anonymize", "--stats", "json", "a.log"]),
            (json.clone(), files(&["a.log"]))
        );
        assert_eq!(
            parsed(&["l", "anonymize", "--stats=json", "json"]),
            (json.clone(), files(&["json"]))
        );
        assert_eq!(
            parsed(&["l", "anonymize", "--stats", "./json"]),
            (text, files(&["./json"]))
        );
        assert_eq!(parsed(&["l", "anonymize", "a.log"]), (None, files(&["a.log"])));
        assert!(Cli::try_parse_from(args(&["l", "anonymize", "--stats=yaml"])).is_err());
    }
}
