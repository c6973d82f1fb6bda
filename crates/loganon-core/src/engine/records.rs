//! A line the container runtime split into partial records (CRI: kubelet,
//! containerd, CRI-O write a line longer than their 16 KiB buffer as
//! records tagged `P` and a last one tagged `F`) is anonymized whole: a
//! token, an address or a name cut between two records is read as one.
//!
//! The records' payloads are joined and the line they make goes through
//! the line path like any other (its format recognised, its roles
//! applied). It is written in the last record, after that record's own
//! prefix; each record before it keeps its prefix (time, stream, `P`) and
//! its line end with an empty payload. A reader of the CRI format joins
//! the payloads again and gets the anonymized line; every record is still
//! a line of the output, counted as read and written (or dropped) with the
//! line it belongs to. The prefixes are scanned.

use super::{Engine, KPass, Outcome};
use crate::formats::wrap::{cri_record, may_be_cri, CriRecord};
use crate::formats::{Ctx, StreamState};
use crate::lines::{Line, Lines};
use crate::stats::Stats;

/// The records that follow a partial record `first` in `rest` and belong
/// to its line: the same stream's records, one after another, up to and
/// with the first that is not partial. `rest` moves past them. Records
/// of the other stream in between end the run (the line's records are
/// then processed as they come, each on its own).
pub(super) fn partial_run<'a>(first: Line<'a>, r: CriRecord, rest: &mut Lines<'a>, group: &mut Vec<Line<'a>>) {
    group.clear();
    group.push(first);
    loop {
        let mut peek = rest.clone();
        let Some(next) = peek.next() else { break };
        let text = next.text();
        let Some(n) = may_be_cri(text).then(|| cri_record(text)).flatten() else {
            break;
        };
        if n.stderr != r.stderr {
            break;
        }
        group.push(next);
        *rest = peek;
        if !n.partial {
            break;
        }
    }
}

impl Engine {
    /// Anonymizes the records of one line (see [`partial_run`]), with
    /// their line ends; the outcome of the line they make.
    pub(super) fn joined_records(
        &self,
        group: &[Line<'_>],
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
        k: &mut KPass,
    ) -> Outcome {
        let mark = out.len();
        let mut joined = Vec::new();
        let mut one = Stats::default();
        let (last, before) = group.split_last().expect("a run holds its first record");
        for line in before {
            let text = line.text();
            let payload = cri_record(text).map_or(text.len(), |r| r.payload);
            joined.extend_from_slice(&text[payload..]);
            self.scan_into(&text[..payload], day, k.plan, out, &mut one);
            // (a `\r` of a `\r\n` end is the head's last byte)
            out.extend_from_slice(&line.head[text.len()..]);
            out.extend(line.eol);
        }
        let text = last.text();
        let payload = cri_record(text).map_or(text.len(), |r| r.payload);
        joined.extend_from_slice(&text[payload..]);
        joined.extend_from_slice(&last.head[text.len()..]);
        let record = out.len();
        self.scan_into(&text[..payload], day, k.plan, out, &mut one);
        let addresses = (one.addresses, one.identifiers);
        let unparsed = one.unparsed;
        let outcome = self.line_k(&joined, day, ctx, out, &mut one, k);
        match outcome {
            Outcome::Written => {
                // (not in the keyed modes, as `Engine::reread`: a second
                // reading would key the first one's pseudonyms again)
                // The last record, as written (its prefix and the whole
                // line), is read again alone until nothing changes: a
                // reader that does not join records (`check`, a record
                // alone) reads its prefix as part of a broken line
                // (`2026-01-01T10:00:00Z stdout F [1/`: a client, an ident
                // and a user) and finds there what the joined reading kept.
                if one.unparsed > unparsed && !self.opts.keyed() {
                    self.reread(out, record, day, &StreamState::default(), k.plan, &mut one);
                }
                out.extend(last.eol)
            }
            Outcome::Dropped | Outcome::Unparsed => out.truncate(mark),
        }
        // every record counts as a line, as the line it belongs to does
        let n = group.len() as u64;
        one.lines_read *= n;
        one.lines_written *= n;
        one.parsed.iter_mut().for_each(|p| *p *= n);
        one.unparsed *= n;
        one.dropped *= n;
        one.expired *= n;
        one.undated *= n;
        if !matches!(outcome, Outcome::Written) {
            // (what the prefixes held went with them)
            one.addresses -= addresses.0;
            one.identifiers -= addresses.1;
        }
        stats.add(&one);
        outcome
    }
}
