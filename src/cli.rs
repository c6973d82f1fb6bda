//! The command line: argument definitions and the dispatch to the layers.
//! Exit codes: 0 success; 1 some inputs failed (the others were processed);
//! 2 usage or configuration error; 75 another `run` holds the lock.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;

use crate::addr::AddrPolicy;
use crate::batch::{BatchOptions, Target};
use crate::check::{Checker, Report};
use crate::engine::{Engine, OnUnparsed, Options};
use crate::formats::Format;
use crate::input::{Input, Source, READ_BUF};
use crate::keyed::{Identifiers, IpMode, Rotate};
use crate::names::show;
use crate::retention::AgeFrom;
use crate::rules::{DenyList, Rules};
use crate::stream::{self, Output, Signals, StreamError};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

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
    /// Anonymize logs: stdin -> stdout, or files (plain or gzip) in order
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
    Listen(crate::listen::ListenArgs),
    /// Print a shell completion script (bash, zsh, fish) on stdout
    Completions(crate::manual::CompletionsArgs),
    /// Write the man pages into DIR (loganon.1, loganon-run.1, ...), or print loganon.1
    Man(crate::manual::ManArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The TOML configuration (see examples/loganon.toml)
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Print the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Take this as "now" (2026-01-01T00:00:00Z, 2026-01-01, @SECONDS)
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_now)]
    pub now: Option<i64>,
}

#[derive(Args, Debug)]
pub struct PurgeArgs {
    /// Folders holding the logs
    #[arg(value_name = "ROOT", required = true)]
    pub roots: Vec<PathBuf>,
    /// Delete files older than this (90d, 12h, 2w)
    #[arg(long, value_name = "DUR", required = true, value_parser = crate::time::parse_duration)]
    pub max_age: i64,
    /// Which files may go (repeatable; default: *.gz, *.log.*, *.log-*)
    #[arg(long = "match", value_name = "GLOB")]
    pub globs: Vec<String>,
    /// Where a file's age comes from: mtime, or a date in its name
    #[arg(long, value_name = "SRC", default_value = "mtime", value_parser = AgeFrom::from_name)]
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
    #[arg(long, value_name = "F", default_value = "auto", value_parser = Format::from_name,
          help = crate::formats::registry::help(), long_help = crate::formats::registry::long_help())]
    pub format: Format,
    /// Bits of an IPv4 address kept (0-32)
    #[arg(long, value_name = "N", default_value_t = 24, value_parser = clap::value_parser!(u8).range(0..=32))]
    pub ipv4_prefix: u8,
    /// Bits of an IPv6 address kept (0-128)
    #[arg(long, value_name = "N", default_value_t = 48, value_parser = clap::value_parser!(u8).range(0..=128))]
    pub ipv6_prefix: u8,
    /// Leave addresses in this network whole, e.g. 10.0.0.0/8 (repeatable)
    #[arg(long, value_name = "CIDR", value_parser = parse_cidr)]
    pub keep_network: Vec<IpNet>,
    /// Add a query parameter name to the deny list, any spelling (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_param)]
    pub redact_param: Vec<String>,
    /// Take a name out of the deny list and its patterns, e.g. name (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_param)]
    pub keep_param: Vec<String>,
    /// How addresses are rewritten: truncate, hash (keyed), cryptopan (keyed), drop
    #[arg(long, value_name = "M", default_value = "truncate", value_parser = IpMode::from_name)]
    pub ip_mode: IpMode,
}

/// The keyed modes' options.
#[derive(Args, Debug, Clone)]
pub struct KeyArgs {
    /// Secret for the keyed modes: 32 raw bytes or 64 hex digits, mode 0600
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Identifiers become REDACTED (redact) or ~ and 16 hex digits of a keyed hash (hash)
    #[arg(long, value_name = "M", default_value = "redact", value_parser = Identifiers::from_name)]
    pub identifiers: Identifiers,
    /// daily: a key per day, derived from the key file and the line's date; never: the key as given
    #[arg(long, value_name = "R", default_value = "daily", value_parser = Rotate::from_name)]
    pub rotate_key: Rotate,
}

impl KeyArgs {
    /// Adds the keyed settings to `opts`; the error is a usage error (exit 2).
    pub fn apply(&self, ip_mode: IpMode, opts: &mut Options) -> Result<(), String> {
        opts.set_keys(
            ip_mode,
            self.identifiers,
            self.key_file.as_deref(),
            self.rotate_key,
            "--ip-mode hash/cryptopan and --identifiers hash need --key-file (make one with: loganon keygen FILE)",
        )
    }
}

fn parse_cidr(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .map_err(|_| format!("'{s}' is not a network; write it like 10.0.0.0/8 or fd00::/8"))
}

fn parse_param(s: &str) -> Result<String, String> {
    crate::rules::param_name(s)?;
    Ok(s.to_string())
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
        }
    }
}

#[derive(Args, Debug)]
pub struct AnonymizeArgs {
    /// Input files, plain or gzip; none or "-" reads stdin
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
    #[arg(long, value_name = "P", default_value = "scrub", value_parser = OnUnparsed::from_name)]
    pub on_unparsed: OnUnparsed,
    /// Drop lines whose own timestamp is older than now minus DUR (90d, 12h, 2w)
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
    /// Print a summary on stderr: text or json
    #[arg(long, value_name = "FMT", num_args = 0..=1, default_missing_value = "text",
          value_parser = ["text", "json"])]
    pub stats: Option<String>,
    /// SIGTERM does not stop reading: stdin is read to its end (Apache piped
    /// logs: a graceful restart signals the old logger while its children still log)
    #[arg(long)]
    pub until_eof: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files to check, plain or gzip; none or "-" reads stdin
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<OsString>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// Panics must not print data: the hook names the place only. It never
/// panics itself (a broken stderr would turn that into an abort).
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "loganon: internal error at {at}; please report it (no log data is shown)"
        );
    }));
}

/// stdout for the reports of `purge`, `check` and `run`: a reader that went
/// away (`| head`) stops the output, not the work, and is no error; any other
/// write error (a full disk) is kept for [`Stdout::finish`].
struct Stdout {
    closed: bool,
    failed: Option<std::io::Error>,
}

impl Stdout {
    fn new() -> Stdout {
        Stdout {
            closed: false,
            failed: None,
        }
    }

    /// `code`, or at least `on_error` when a write failed (reported here).
    fn finish(mut self, code: u8, on_error: u8) -> u8 {
        if self.failed.is_none() {
            if let Err(e) = std::io::stdout().flush() {
                self.note(e);
            }
        }
        match self.failed {
            Some(e) => {
                eprintln!("loganon: cannot write to stdout: {e}");
                code.max(on_error)
            }
            None => code,
        }
    }

    fn note(&mut self, e: std::io::Error) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            self.closed = true;
        } else if self.failed.is_none() {
            self.failed = Some(e);
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.closed && self.failed.is_none() {
            if let Err(e) = std::io::stdout().write_all(buf) {
                self.note(e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Makes sure `n` threads can run at once (`-j N` under a process limit):
/// a clear error up front instead of a failure in the middle of the work.
/// (`jobs` workers and the reader).
fn threads_available(jobs: usize) -> Result<(), String> {
    crate::pipeline::probe_threads(jobs + 1).map_err(|e| crate::pipeline::threads_error(jobs, &e))
}

pub fn main() -> ExitCode {
    quiet_panics();
    // A file-size limit (RLIMIT_FSIZE) must surface as a write error, which
    // removes the temporary output, not as a signal that kills the process.
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    ExitCode::from(match cli.command {
        Command::Anonymize(a) => anonymize(a),
        Command::Check(c) => check(c),
        Command::Keygen { file } => match crate::keyed::keygen(&file) {
            Ok(()) => {
                eprintln!("loganon: wrote a new key to {} (mode 0600)", show(&file));
                EXIT_OK
            }
            Err(e) => {
                eprintln!("loganon: {e}");
                EXIT_FAILED
            }
        },
        Command::Purge(p) => purge(p),
        Command::Run(r) => run(r),
        Command::Listen(l) => listen(l),
        Command::Completions(c) => crate::manual::completions(c, <Cli as clap::CommandFactory>::command()),
        Command::Man(m) => crate::manual::man(m, <Cli as clap::CommandFactory>::command()),
    })
}

fn sources(inputs: &[OsString]) -> Vec<Source> {
    inputs.iter().map(|s| Source::from_arg(s)).collect()
}

fn anonymize(a: AnonymizeArgs) -> u8 {
    let mut opts = Options {
        rules: a.rules.rules(),
        format: a.rules.format.clone(),
        on_unparsed: a.on_unparsed,
        not_before: a.max_age.map(|age| a.now.unwrap_or_else(crate::time::now) - age),
        ..Options::default()
    };
    if let Err(e) = a.keys.apply(a.rules.ip_mode, &mut opts) {
        eprintln!("loganon: {e}");
        return EXIT_USAGE;
    }
    // undated lines take the day of `--now` (the keyed modes' day)
    if let Some(now) = a.now {
        opts.default_day = now.div_euclid(86400);
    }
    if let Err(e) = threads_available(jobs(a.jobs)) {
        eprintln!("loganon: {e}");
        return EXIT_USAGE;
    }
    let engine = Engine::new(opts);
    let files: Vec<PathBuf> = a.inputs.iter().filter(|s| *s != "-").map(PathBuf::from).collect();
    let to_file = a.output.as_ref().filter(|p| p.as_os_str() != "-");
    let target = match (&a.out_dir, a.in_place, to_file) {
        (Some(d), _, _) => Some(Target::OutDir(d.clone())),
        (None, true, _) => Some(Target::InPlace),
        (None, false, Some(o)) if !a.inputs.is_empty() && files.len() == a.inputs.len() => Some(Target::One(o.clone())),
        _ => None,
    };
    if let Some(target) = target {
        if files.is_empty() || files.len() != a.inputs.len() {
            eprintln!("loganon: --out-dir and --in-place need input files (not stdin)");
            return EXIT_USAGE;
        }
        return batch(&engine, &files, target, &a);
    }
    let out = match &a.output {
        None => Output::stdout(),
        Some(p) if p.as_os_str() == "-" => Output::stdout(),
        Some(p) => match Output::append(p.clone(), a.level) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("loganon: cannot open output {}: {e}", show(p));
                return EXIT_FAILED;
            }
        },
    };
    let sig = match Signals::install_with(!a.until_eof) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loganon: cannot install signal handlers: {e}");
            return EXIT_FAILED;
        }
    };
    let t0 = Instant::now();
    let res = stream::run(&engine, &sources(&a.inputs), out, jobs(a.jobs), &sig);
    let secs = t0.elapsed().as_secs_f64();
    let mut code = EXIT_OK;
    for e in &res.errors {
        code = code.max(EXIT_FAILED);
        match e {
            StreamError::Input(e) => eprintln!("loganon: {e}"),
            StreamError::Unparsed { name, line } => eprintln!(
                "loganon: {name}: line {line} matches no format (--format {}) and --on-unparsed is fail; \
                 lines before it were written",
                a.rules.format
            ),
            StreamError::Output { name, err } => eprintln!("loganon: cannot write {name}: {err}"),
            StreamError::Threads(e) => {
                eprintln!("loganon: {e}");
                code = EXIT_USAGE;
            }
        }
    }
    print_stats(a.stats.as_deref(), &res.stats, secs);
    code
}

fn batch(engine: &Engine, files: &[PathBuf], target: Target, a: &AnonymizeArgs) -> u8 {
    let sig = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loganon: cannot install signal handlers: {e}");
            return EXIT_FAILED;
        }
    };
    let opts = BatchOptions {
        target,
        force: a.force,
        level: a.level,
        jobs: jobs(a.jobs),
    };
    let t0 = Instant::now();
    let res = crate::batch::run(engine, files, &opts, &sig);
    let secs = t0.elapsed().as_secs_f64();
    let mut code = EXIT_OK;
    let mut total = crate::Stats::default();
    for f in &res.files {
        total.add(&f.stats);
        if let Some(e) = &f.error {
            eprintln!("loganon: {e}");
            code = EXIT_FAILED;
        }
    }
    if res.interrupted {
        eprintln!("loganon: interrupted; only complete outputs were kept");
        code = EXIT_FAILED;
    }
    let done = res.files.iter().filter(|f| f.error.is_none()).count();
    match a.stats.as_deref() {
        Some("json") => {
            let files: Vec<_> = res
                .files
                .iter()
                .map(|f| {
                    let mut j = f.stats.to_json(f.seconds);
                    j["input"] = crate::names::json(&f.input).into();
                    j["output"] = f.output.as_deref().map(crate::names::json).into();
                    j["error"] = f.error.clone().into();
                    j
                })
                .collect();
            let mut t = total.to_json(secs);
            t["files"] = done.into();
            t["files_failed"] = (res.files.len() - done).into();
            eprintln!("{}", serde_json::json!({ "files": files, "total": t }));
        }
        Some(_) => {
            for f in &res.files {
                if f.error.is_none() {
                    eprint!(
                        "{}: {}",
                        show(&f.input),
                        f.stats.to_text(f.seconds).trim_start_matches("loganon: ")
                    );
                }
            }
            eprint!(
                "total: files {done} of {}, {}",
                res.files.len(),
                total.to_text(secs).trim_start_matches("loganon: ")
            );
        }
        None => {}
    }
    code
}

/// `-j N`, or all cores.
pub fn jobs(j: Option<u32>) -> usize {
    j.map(|j| j as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn listen(l: crate::listen::ListenArgs) -> u8 {
    crate::listen::main(l)
}

fn run(r: RunArgs) -> u8 {
    let cfg = match crate::config::Config::load(&r.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("loganon: {e}");
            return EXIT_USAGE;
        }
    };
    let sig = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loganon: cannot install signal handlers: {e}");
            return EXIT_FAILED;
        }
    };
    if let Err(e) = threads_available(jobs(cfg.anonymize.jobs)) {
        eprintln!("loganon: {e}");
        return EXIT_USAGE;
    }
    let now = r.now.unwrap_or_else(crate::time::now);
    let mut out = Stdout::new();
    let code = crate::cron::run(&cfg, r.dry_run, now, &sig, &mut out);
    out.finish(code, EXIT_FAILED)
}

fn purge(p: PurgeArgs) -> u8 {
    use crate::retention::{check_root, delete, json, line, plan, Matcher, Plan};
    for root in &p.roots {
        if let Err(e) = check_root(root) {
            eprintln!("loganon: {e}");
            return EXIT_USAGE;
        }
    }
    let matcher = match Matcher::new(&p.globs) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("loganon: {e}");
            return EXIT_USAGE;
        }
    };
    let real_now = crate::time::now();
    let now = p.now.unwrap_or(real_now);
    let mut found = Plan::default();
    for root in &p.roots {
        plan(root, &matcher, p.max_age, p.age_from, now, real_now, &mut found);
    }
    let mut code = EXIT_OK;
    for e in &found.errors {
        eprintln!("loganon: {e}");
        code = EXIT_FAILED;
    }
    let n = found.expired.len() as u64;
    if let Some(max) = p.max_delete.filter(|&max| n > max) {
        eprintln!("loganon: {n} files would be deleted, more than --max-delete {max}; nothing was deleted");
        return EXIT_FAILED;
    }
    let mut out = Stdout::new();
    let mut deleted = Vec::new();
    let mut bytes = 0u64;
    for e in &found.expired {
        if !p.dry_run {
            if let Err(err) = delete(e) {
                eprintln!("loganon: {err}");
                code = EXIT_FAILED;
                continue;
            }
        }
        bytes += e.size;
        if !p.json {
            let _ = writeln!(out, "{}", line(e, p.dry_run));
        }
        deleted.push(e);
    }
    let verb = if p.dry_run { "would delete" } else { "deleted" };
    if p.json {
        let json = serde_json::json!({
            "dry_run": p.dry_run,
            "files": deleted.iter().map(|e| json(e)).collect::<Vec<_>>(),
            "summary": {
                "examined": found.examined,
                "deleted": deleted.len(),
                "bytes": bytes,
                "skipped_recent": found.recent.len(),
                "errors": found.errors.len(),
            },
        });
        let _ = writeln!(out, "{json}");
    } else {
        let _ = writeln!(
            out,
            "purge: {verb} {} files, {bytes} bytes; examined {}, skipped {} modified in the last minute",
            deleted.len(),
            found.examined,
            found.recent.len()
        );
    }
    out.finish(code, EXIT_FAILED)
}

fn print_stats(fmt: Option<&str>, stats: &crate::Stats, secs: f64) {
    let text = match fmt {
        Some("json") => format!("{}\n", stats.to_json(secs)),
        Some(_) => stats.to_text(secs),
        None => return,
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// `check` reads a line longer than this in overlapping pieces.
const CHECK_PIECE: usize = 4 << 20;
/// What each piece of a long line keeps of the one before.
const CHECK_OVERLAP: usize = 64 << 10;

fn check(c: CheckArgs) -> u8 {
    let checker = Checker {
        rules: c.rules.rules(),
        format: c.rules.format.clone(),
        ip_mode: c.rules.ip_mode,
    };
    let mut report = Report::default();
    // a missing or unreadable input is not a clean one: exit 2, whatever
    // the others hold
    let mut unreadable = false;
    let srcs = sources(&c.inputs);
    let srcs = if srcs.is_empty() { vec![Source::Stdin] } else { srcs };
    let mut buf = vec![0u8; READ_BUF];
    for src in &srcs {
        // the report names the input escaped (text) or as a JSON string
        let name = match src {
            Source::File(p) if c.json => crate::names::json(p),
            _ => src.name(),
        };
        let mut input = match Input::open(src) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("loganon: {e}");
                unreadable = true;
                continue;
            }
        };
        let mut carry: Vec<u8> = Vec::new();
        let mut no = 1;
        let mut ctx = crate::formats::Ctx::default();
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    carry.extend_from_slice(&buf[..n]);
                    // look for a line end only in what was just read: a long
                    // line is not rescanned on every read
                    // (a lone `\r` ends a line too, unless it is the last
                    // byte read: its `\n` may follow)
                    let end = |k: usize| buf[k] == b'\n' || k + 1 < n;
                    let last = memchr::memrchr2_iter(b'\n', b'\r', &buf[..n]).find(|&k| end(k));
                    if let Some(k) = last.map(|k| carry.len() - n + k) {
                        no = checker.chunk_in(&carry[..=k], &name, no, &mut ctx, &mut report);
                        carry.drain(..=k);
                    } else if carry.len() > CHECK_PIECE + CHECK_OVERLAP {
                        // A line this long is checked in pieces, all under its
                        // line number, so memory does not grow with it; each
                        // piece keeps the last bytes of the one before, so a
                        // token cut by a piece's end is whole in the next (a
                        // finding in that overlap may be reported twice).
                        checker.piece_in(&carry, &name, no, &mut ctx, &mut report);
                        carry.drain(..carry.len() - CHECK_OVERLAP);
                    }
                }
                Err(e) => {
                    eprintln!("loganon: {e}");
                    unreadable = true;
                    break;
                }
            }
        }
        if !carry.is_empty() {
            checker.chunk_in(&carry, &name, no, &mut ctx, &mut report);
        }
    }
    let text = if c.json {
        format!("{}\n", report.to_json())
    } else {
        report.to_text()
    };
    let mut out = Stdout::new();
    let _ = out.write_all(text.as_bytes());
    let code = if unreadable {
        EXIT_USAGE
    } else if report.total() > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    };
    // a report that could not be written is no verdict
    out.finish(code, EXIT_USAGE)
}
