//! What `--min-k` and the k report ask of the commands that anonymize
//! (`batch`, `stream`, `run`): whether they apply, the first pass over an
//! input (its client addresses counted by the engine's counting pass, the
//! lines written nowhere), the plan of the second pass, the report, and
//! what a batch's anonymizing pass over its files adds to each.
//!
//! The engine is never changed for a pass: each call of the pipeline says
//! what it does ([`Pass`]), and the counts and the plan are the caller's.

use std::sync::Mutex;

use crate::engine::Engine;
use crate::io::chunks::produce_input;
use crate::io::clock::Clock;
use crate::io::input::Input;
use crate::io::pipeline::{self, Done, Pass, Pool};
use crate::io::signals::Signals;
use crate::kanon::{Counts, Plan, Report, DEFAULT_K};
use crate::keyed::IpMode;

/// Whether `--min-k` and the report apply: truncation only (hash and
/// cryptopan pseudonyms are per address, `drop` leaves no network).
pub fn applies(engine: &Engine) -> bool {
    engine.opts.ip_mode == IpMode::Truncate
}

/// The first pass of `--min-k` over one opened input: its client
/// addresses counted into `counts`. False when the input could not be read
/// to its end (or the workers could not be started): its counts are then
/// partial, and the caller leaves them out.
pub fn count_input(
    engine: &Engine,
    input: &mut Input,
    counts: &mut Counts,
    jobs: usize,
    clock: &Clock,
    sig: &Signals,
) -> bool {
    let pool = Pool::default();
    let mut produced = Ok(true);
    {
        let produced = &mut produced;
        let produce = |send: &mut dyn FnMut(pipeline::Item) -> bool| {
            *produced = produce_input(input, false, send, &pool, sig);
        };
        let consume = |done: Done| -> bool {
            if let Done::Lines { out, .. } = done {
                pool.put(out);
            }
            true
        };
        let pass = Pass::Count(counts);
        if pipeline::run(engine, pass, jobs, None, &pool, clock, produce, consume, || {
            sig.wake_reader()
        })
        .is_err()
        {
            return false;
        }
    }
    matches!(produced, Ok(true))
}

/// The plan of the second pass of `--min-k` (the widths of the networks of
/// `counts` under K, for [`Pass::Anonymize`]), and its report.
pub fn plan(engine: &Engine, counts: Counts, k: u64) -> (Plan, Report) {
    Plan::build(counts, k, &engine.opts.rules.addr, true)
}

/// The k report of `--stats` (without `--min-k`): what truncation alone
/// gives, at the default K.
pub fn report(engine: &Engine, counts: Counts) -> Report {
    Plan::build(counts, DEFAULT_K, &engine.opts.rules.addr, false).1
}

/// What k-anonymity adds to a batch's anonymizing pass over its files:
/// `--min-k`'s widths, and the counts of the k report, to which each
/// file's own counts are added as it ends.
#[derive(Clone, Copy, Default)]
pub struct KFiles<'a> {
    /// `--min-k`'s widths (built by the first pass over all the files)
    pub plan: Option<&'a Plan>,
    /// the counts of the k report (`--stats`)
    pub report: Option<&'a Mutex<Counts>>,
}

impl KFiles<'_> {
    /// Runs `anonymize` (a run of the pipeline over one file) with the
    /// pass these ask for, the file's counts then added to the report's.
    pub fn pass<R>(&self, anonymize: impl FnOnce(Pass) -> R) -> R {
        let Some(shared) = self.report else {
            return anonymize(Pass::Anonymize {
                plan: self.plan,
                counts: None,
            });
        };
        // (the lock is only ever poisoned by a panic, and the counts are
        // still whole then)
        let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
        let mut mine = lock().empty_like();
        let r = anonymize(Pass::Anonymize {
            plan: self.plan,
            counts: Some(&mut mine),
        });
        lock().merge(&mut mine);
        r
    }
}
