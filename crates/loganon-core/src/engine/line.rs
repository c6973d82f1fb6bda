//! The line path: the age gate, the dispatch by format, the rules, the
//! settling passes; chunks of lines and pieces of long ones.

use super::rewrite::{Rewriter, MAX_CLIENTS, NO_CLIENT};
use super::{Engine, OnUnparsed, Outcome, UnparsedLine};
use crate::formats::record::RoleWalk;
use crate::formats::{line_time, recognise, Ctx, Recognised};
use crate::kanon::Counts;
use crate::scan::scan;
use crate::stats::Stats;

impl Engine {
    /// A rewriter for one line; `time` is the line's own time, whose date
    /// selects the day's keys (`day`, the processing date, when it has none).
    fn rewriter<'a>(&'a self, src: &'a [u8], out: &'a mut Vec<u8>, time: Option<i64>, day: i64) -> Rewriter<'a> {
        let wday = time.map_or(day, |t| t.div_euclid(86400));
        let keys = match &self.opts.keys {
            Some(ring) if self.opts.keyed() => Some(ring.for_day(time.map_or(day, |t| t.div_euclid(86400)))),
            _ => None,
        };
        Rewriter {
            src,
            out,
            copied: 0,
            policy: &self.opts.rules.addr,
            mode: self.opts.ip_mode,
            ids: self.opts.identifiers,
            keys,
            addresses: 0,
            identifiers: 0,
            removals: 0,
            glued: false,
            base: 0,
            settling: false,
            plan: self.opts.plan.as_deref(),
            wday,
            counting: false,
            record: false,
            clients: [NO_CLIENT; MAX_CLIENTS],
            n_clients: 0,
        }
    }

    /// Anonymizes one line (without its `\n`; a trailing `\r` is kept) and
    /// appends the result to `out`. Without line-to-line state: W3C columns
    /// set by a directive apply through [`Engine::line_in`]. A line without a
    /// readable time takes the keys of day 0 (1970-01-01) in the keyed modes:
    /// the commands pass the processing day through [`Engine::line_in`].
    pub fn line(&self, line: &[u8], out: &mut Vec<u8>, stats: &mut Stats) -> Outcome {
        self.line_in(line, 0, &mut Ctx::default(), out, stats)
    }

    /// [`Engine::line`] with the state carried from line to line, and `day`
    /// (days since 1970, the processing date, which the caller reads from its
    /// clock) for a line without a readable time in the keyed modes.
    #[inline]
    pub fn line_in(&self, line: &[u8], day: i64, ctx: &mut Ctx, out: &mut Vec<u8>, stats: &mut Stats) -> Outcome {
        self.line_counted(line, day, ctx, out, stats, None)
    }

    /// [`Engine::line_in`], counting the line's client addresses into
    /// `counts` when given.
    #[inline]
    fn line_counted(
        &self,
        line: &[u8],
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
        counts: Option<&mut Counts>,
    ) -> Outcome {
        stats.lines_read += 1;
        let (body, cr) = match line.last() {
            Some(b'\r') => (&line[..line.len() - 1], true),
            _ => (line, false),
        };
        let rules = &self.opts.rules;
        let rec = recognise(&self.opts.format, body, &rules.deny, ctx);
        // the line's own time, read only when something needs it
        let time =
            if self.opts.not_before.is_some() || self.opts.keyed() || self.opts.plan.is_some() || counts.is_some() {
                line_time(&self.opts.format, &rec, body, ctx)
            } else {
                None
            };
        if let (Some(cut), Some(p)) = (self.opts.not_before, rec.parsed()) {
            if !matches!(rec, Recognised::Directive { .. }) {
                match time {
                    Some(t) if t < cut => {
                        stats.parsed[p.index()] += 1;
                        stats.expired += 1;
                        stats.dropped += 1;
                        return Outcome::Dropped;
                    }
                    Some(_) => {}
                    None => stats.undated += 1,
                }
            }
        }
        let mark = out.len();
        let mut rw = self.rewriter(body, out, time, day);
        rw.counting = counts.is_some() && matches!(rec, Recognised::Clf(_) | Recognised::Fields(_));
        match &rec {
            // the one role walk (shared with `check` and the records): a rule
            // per role along it, and the gaps scanned or kept
            Recognised::Clf(_) | Recognised::Fields(_) => {
                let walk = RoleWalk::of(&rec, body, &ctx.fields);
                self.apply_walk(body, &walk, 0..body.len(), &mut rw, 0, Some(&mut ctx.clean));
            }
            // column names hold nothing the rules take, so a `#Fields:` line
            // is scanned too: what it holds besides names goes (fail closed)
            Recognised::Directive { .. } => scan(body, 0, body.len(), rules, &mut rw),
            Recognised::Unparsed => {
                stats.unparsed += 1;
                if self.opts.not_before.is_some() {
                    stats.undated += 1;
                }
                match self.opts.on_unparsed {
                    OnUnparsed::Scrub => self.scrub_broken(body, ctx, &mut rw),
                    OnUnparsed::Drop => {
                        stats.dropped += 1;
                        return Outcome::Dropped;
                    }
                    OnUnparsed::Fail => return Outcome::Unparsed,
                }
            }
        }
        if let Some(p) = rec.parsed() {
            stats.parsed[p.index()] += 1;
        }
        rw.copy_to(body.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        if let Some(c) = counts {
            for (k, &client) in rw.clients[..rw.n_clients].iter().enumerate() {
                c.add(rw.wday, client, k == 0);
            }
        }
        let wday = rw.wday;
        if rw.removals > 0 || rw.glued || (rw.identifiers > 0 && memchr::memchr(b'@', &out[mark..]).is_some()) {
            self.settle(out, mark, time, day, wday, stats);
        }
        if cr {
            out.push(b'\r');
        }
        stats.lines_written += 1;
        Outcome::Written
    }

    /// A redaction or removal can bring bytes together into something new
    /// (`https://user=/&u:p@h` loses its `/`, and `u:p@` becomes userinfo).
    /// Lines where that is possible (a span was removed, or an identifier
    /// was rewritten and an `@` remains) are scanned again until nothing changes, so the output is
    /// always a fixed point: anonymizing it again, or checking it, finds
    /// nothing. At most three more passes; the rules only ever shorten a line
    /// or keep its length, so this settles at once in practice.
    #[cold]
    #[inline(never)]
    fn settle(&self, out: &mut Vec<u8>, mark: usize, time: Option<i64>, day: i64, wday: i64, stats: &mut Stats) {
        let mut again = Vec::new();
        for _ in 0..3 {
            again.clear();
            let line = &out[mark..];
            // the passes take the keys of the line's own day, as the first
            // one did (the processing date `day` only for an undated line):
            // a re-run on another day gives the same output
            let mut rw = self.rewriter(line, &mut again, time, day);
            rw.settling = true;
            // (`--min-k`'s widths are the line's own day's)
            rw.wday = wday;
            scan(line, 0, line.len(), &self.opts.rules, &mut rw);
            let (addresses, identifiers) = (rw.addresses, rw.identifiers);
            if addresses + identifiers == 0 {
                return;
            }
            rw.copy_to(line.len());
            stats.addresses += addresses;
            stats.identifiers += identifiers;
            out.truncate(mark);
            out.extend_from_slice(&again);
        }
    }

    /// Scrubs a piece of a line too long to hold whole (see
    /// the I/O layer's `LONG_LINE`) with the rules that need no parsing.
    /// The caller counts the line once; `day` is the processing date (see
    /// [`Engine::line_in`]).
    pub fn fragment(&self, piece: &[u8], day: i64, out: &mut Vec<u8>, stats: &mut Stats) {
        if self.opts.count_only {
            // not counted (fewer counted is the safe side), handed on as it came
            if self.opts.count_copy {
                out.extend_from_slice(piece);
            }
            return;
        }
        let mut rw = self.rewriter(piece, out, None, day);
        scan(piece, 0, piece.len(), &self.opts.rules, &mut rw);
        rw.copy_to(piece.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        stats.bytes_in += piece.len() as u64;
    }

    /// The first piece of a line too long to hold: as [`Engine::fragment`],
    /// but the head of a CLF line keeps its roles (its ident and user fields
    /// are blanked, as in an unparsed line), and so do the keys of a JSON
    /// object up to the cut.
    pub fn first_fragment(&self, piece: &[u8], day: i64, out: &mut Vec<u8>, stats: &mut Stats) {
        if self.opts.count_only {
            if self.opts.count_copy {
                out.extend_from_slice(piece);
            }
            return;
        }
        let mut rw = self.rewriter(piece, out, None, day);
        self.scrub_broken(piece, &mut Ctx::default(), &mut rw);
        rw.copy_to(piece.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
        stats.bytes_in += piece.len() as u64;
    }

    /// Anonymizes a chunk of whole lines. A last line without `\n` is processed
    /// and written without one. `first_line` is the 1-based number of the
    /// chunk's first line, for the `--on-unparsed fail` error; `day` the
    /// processing date of its lines without a readable time (see
    /// [`Engine::line_in`]). On that error, `out` holds the lines before the
    /// failing one.
    pub fn chunk(
        &self,
        chunk: &[u8],
        first_line: u64,
        day: i64,
        out: &mut Vec<u8>,
        stats: &mut Stats,
    ) -> Result<(), UnparsedLine> {
        self.chunk_in(chunk, first_line, day, &mut self.opts.start(None), out, stats)
    }

    /// [`Engine::chunk`] starting from the state `ctx` (the W3C columns in
    /// force where the chunk begins).
    pub fn chunk_in(
        &self,
        chunk: &[u8],
        first_line: u64,
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
    ) -> Result<(), UnparsedLine> {
        out.reserve(chunk.len() + chunk.len() / 16);
        stats.bytes_in += chunk.len() as u64;
        let before = out.len();
        // the chunk's own counts, added to the shared ones at its end
        let mut counts = self.opts.counter.as_ref().map(|c| match c.lock() {
            Ok(g) => g.empty_like(),
            Err(p) => p.into_inner().empty_like(),
        });
        let mut start = 0;
        let mut no = first_line;
        // one search for `\r` per chunk: most logs hold none, and their lines
        // are then split at `\n` alone (a two-byte search per line cost more)
        let cr = memchr::memchr(b'\r', chunk).is_some();
        let result = loop {
            if start >= chunk.len() {
                break Ok(());
            }
            // a line ends at `\n`, `\r\n` (the `\r` stays with the line, as
            // line_in expects) or a lone `\r` (old Mac line endings)
            let found = if cr {
                memchr::memchr2(b'\n', b'\r', &chunk[start..])
            } else {
                memchr::memchr(b'\n', &chunk[start..])
            };
            let (end, next, eol) = match found {
                Some(k) => {
                    let p = start + k;
                    if chunk[p] == b'\n' {
                        (p, p + 1, b'\n')
                    } else if chunk.get(p + 1) == Some(&b'\n') {
                        (p + 1, p + 2, b'\n')
                    } else {
                        (p, p + 1, b'\r')
                    }
                }
                None => (chunk.len(), chunk.len(), b'\n'),
            };
            if self.opts.count_only {
                if let Some(c) = counts.as_mut() {
                    self.count_line(&chunk[start..end], day, ctx, c);
                }
                start = next;
                no += 1;
                continue;
            }
            match self.line_counted(&chunk[start..end], day, ctx, out, stats, counts.as_mut()) {
                Outcome::Written => {
                    if next > end {
                        out.push(eol);
                    }
                }
                Outcome::Dropped => {}
                Outcome::Unparsed => break Err(UnparsedLine(no)),
            }
            start = next;
            no += 1;
        };
        if self.opts.count_only && self.opts.count_copy {
            // the first pass hands its input on as it came (a spool of stdin)
            out.extend_from_slice(chunk);
        }
        if let (Some(mut mine), Some(shared)) = (counts, self.opts.counter.as_ref()) {
            match shared.lock() {
                Ok(mut g) => g.merge(&mut mine),
                Err(p) => p.into_inner().merge(&mut mine),
            }
        }
        stats.bytes_out += (out.len() - before) as u64;
        result
    }
}
