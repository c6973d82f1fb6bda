//! The line path: the age gate, the dispatch by format, the rules along
//! the line's fields, the settling passes; chunks of lines and pieces of
//! long ones.

use super::records;
use super::rewrite::Rewriter;
use super::{Engine, KPass, OnUnparsed, Outcome, UnparsedLine};
use crate::controls::has_control;
use crate::formats::record::RoleWalk;
use crate::formats::w3c::columns::parse_fields_directive;
use crate::formats::wrap::{cri_record, may_be_cri};
use crate::formats::{line_time, recognise, Ctx, Recognised};
use crate::kanon::Plan;
use crate::scan::scan;
use crate::stats::Stats;

impl Engine {
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
        self.line_k(line, day, ctx, out, stats, &mut KPass::default())
    }

    /// [`Engine::line_in`] with what k-anonymity adds to the call: the
    /// widths of `--min-k`'s plan, and the line's client addresses counted
    /// into `k.counts` (the k report of `--stats`).
    #[inline]
    pub fn line_k(
        &self,
        line: &[u8],
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
        k: &mut KPass,
    ) -> Outcome {
        self.line_pass(line, day, ctx, out, stats, k, Reread::Check)
    }

    /// [`Engine::line_k`]; `reread`: whether a line that changed may be
    /// read again whole (see [`Engine::reread`]).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn line_pass(
        &self,
        line: &[u8],
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
        k: &mut KPass,
        reread: Reread,
    ) -> Outcome {
        stats.lines_read += 1;
        let (body, cr) = match line.last() {
            Some(b'\r') => (&line[..line.len() - 1], true),
            _ => (line, false),
        };
        let rules = &self.opts.rules;
        let rec = recognise(&self.opts.format, body, &rules.deny, ctx);
        // the line's own time, read only when something needs it
        let time = if self.opts.not_before.is_some() || self.opts.keyed() || k.plan.is_some() || k.counts.is_some() {
            line_time(&self.opts.format, &rec, body, ctx)
        } else {
            None
        };
        if let (Some(cut), Some(p)) = (self.opts.not_before, rec.parsed()) {
            if !matches!(rec, Recognised::Directive(_)) {
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
        let mut rw = Rewriter::new(&self.opts, body, out, time, day, k.plan);
        rw.counting = k.counts.is_some() && matches!(rec, Recognised::Fields(_));
        match &rec {
            // the one role walk (shared with `check` and the records): a rule
            // per role along it, and the gaps scanned or kept
            Recognised::Fields(_) => {
                let walk = RoleWalk::of(&ctx.fields);
                self.apply_walk(body, &walk, 0..body.len(), &mut rw, 0, Some(&mut ctx.clean));
            }
            // column names hold nothing the rules take, so a `#Fields:` line
            // is scanned too: what it holds besides names goes (fail closed)
            Recognised::Directive(_) => scan(body, 0, body.len(), rules, &mut rw),
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
        if let Some(c) = k.counts.as_deref_mut() {
            for (n, &client) in rw.clients[..rw.n_clients].iter().enumerate() {
                c.add(rw.wday, client, n == 0);
            }
        }
        let wday = rw.wday;
        let written = std::mem::take(&mut rw.written);
        let (removals, glued, identifiers) = (rw.removals, rw.glued, rw.identifiers);
        if removals > 0 || glued || (identifiers > 0 && memchr::memchr(b'@', &out[mark..]).is_some()) {
            self.settle(out, mark, time, day, wday, k.plan, written, stats);
        }
        if matches!(rec, Recognised::Directive(_)) && out[mark..] != *body {
            self.fields_as_read(body, out, mark, day, k.plan);
        }
        if reread != Reread::Never
            && !self.opts.keyed()
            && (!self.opts.format.read_as_given(&rec)
                || ctx.fields.guessed
                || (reread == Reread::Check && has_control(body)))
            && out[mark..] != *body
        {
            self.reread(out, mark, day, &ctx.stream, k.plan, stats);
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
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &self,
        out: &mut Vec<u8>,
        mark: usize,
        time: Option<i64>,
        day: i64,
        wday: i64,
        plan: Option<&Plan>,
        mut written: super::written::Written,
        stats: &mut Stats,
    ) {
        let mut again = Vec::new();
        for _ in 0..3 {
            again.clear();
            let line = &out[mark..];
            // the passes take the keys of the line's own day, as the first
            // one did (the processing date `day` only for an undated line):
            // a re-run on another day gives the same output
            let mut rw = Rewriter::new(&self.opts, line, &mut again, time, day, plan);
            rw.settling = true;
            // the pseudonyms the passes before wrote are kept, no other
            rw.keep = &written;
            // (`--min-k`'s widths are the line's own day's)
            rw.wday = wday;
            scan(line, 0, line.len(), &self.opts.rules, &mut rw);
            let (addresses, identifiers) = (rw.addresses, rw.identifiers);
            if addresses + identifiers == 0 {
                return;
            }
            rw.copy_to(line.len());
            let more = std::mem::take(&mut rw.written);
            stats.addresses += addresses;
            stats.identifiers += identifiers;
            out.truncate(mark);
            out.extend_from_slice(&again);
            written.extend(more);
        }
    }

    /// An unparsed line is read by the broken-line fallback, which guesses
    /// at its structure; what the rules wrote can make the line read
    /// otherwise the next time (a CLF head redacted out of a JSON string
    /// leaves `{"remote_user":"REDACTED" 201 ...`, a pair of user and
    /// value). So a line that changed is read again, whole and as a new
    /// line (detection, roles, rules), until nothing changes (at most
    /// three more times): its output is what anonymizing it again gives.
    /// A parsed line that holds a control byte ([`crate::controls`]) is
    /// read again too: the columns and strings a format finds around such
    /// bytes are guesses as well, and the fuzzer found W3C lines whose
    /// columns moved once a value was rewritten. So is a line that the
    /// format given (`--format X`) did not take and detection read as
    /// another ([`crate::formats::Format::read_as_given`]): once its ident and user are
    /// blanked, X may take it, with columns the first reading did not have
    /// (an nginx template's `$arg_token`). So is a W3C line without a
    /// `#Fields:` directive, whose columns' roles are guessed from what
    /// they hold (`00:1a:2b:3c:4d:5ew`, scanned, becomes `REDACTEDw`, a
    /// user's name to the next reading).
    /// Not in the keyed modes, whose pseudonyms a second reading would
    /// encrypt again; there the settling pass keeps the first pass's
    /// pseudonyms. The counts of the extra readings are the line's own
    /// (addresses and identifiers), not another line read.
    #[cold]
    #[inline(never)]
    pub(super) fn reread(
        &self,
        out: &mut Vec<u8>,
        mark: usize,
        day: i64,
        stream: &crate::formats::StreamState,
        plan: Option<&Plan>,
        stats: &mut Stats,
    ) {
        let mut ctx = Ctx::new(stream.clone());
        let mut again = Vec::new();
        for _ in 0..3 {
            again.clear();
            let mut more = Stats::default();
            let mut k = KPass { plan, counts: None };
            let outcome = self.line_pass(
                &out[mark..],
                day,
                &mut ctx,
                &mut again,
                &mut more,
                &mut k,
                Reread::Never,
            );
            // (a line read as dated and old now is kept: it was written)
            if !matches!(outcome, Outcome::Written) || again[..] == out[mark..] {
                return;
            }
            stats.addresses += more.addresses;
            stats.identifiers += more.identifiers;
            out.truncate(mark);
            out.extend_from_slice(&again);
        }
    }

    /// A `#Fields:` directive that the rules changed so that it names other
    /// columns (a value redacted over the spaces between names: `#Fields:
    /// date c-ip {"remote_user":"x cs-username`) is written as the names it
    /// was read with, so that a reader of the output (`check`, a second
    /// pass) finds the columns its lines were anonymized under: each name
    /// the rules leave as it is and that is spelt as names are (a letter,
    /// then letters, digits, `-`, `_`, `(`, `)`, `.`) is kept, any other is
    /// written `REDACTED` (no bytes of one are left to join the next:
    /// `S0js= 91111200` is a phone number to a reader of pairs), one space
    /// between names.
    #[cold]
    #[inline(never)]
    fn fields_as_read(&self, input: &[u8], out: &mut Vec<u8>, mark: usize, day: i64, plan: Option<&Plan>) {
        let Some(read) = parse_fields_directive(input) else {
            return;
        };
        if parse_fields_directive(&out[mark..]).is_some_and(|w| w.roles == read.roles) {
            return;
        }
        let mut names = b"#Fields:".to_vec();
        let mut name_out = Vec::new();
        let mut scratch = Stats::default();
        for name in input[b"#Fields:".len()..]
            .split(|&b| b == b' ' || b == b'\t')
            .filter(|t| !t.is_empty())
        {
            name_out.clear();
            self.scan_into(name, day, plan, &mut name_out, &mut scratch);
            let plain = name_out == name
                && name[0].is_ascii_alphabetic()
                && name
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'(' | b')' | b'.'));
            names.push(b' ');
            names.extend_from_slice(if plain { name } else { b"REDACTED" });
        }
        out.truncate(mark);
        out.extend_from_slice(&names);
    }

    /// Scrubs a piece of a line too long to hold whole (see
    /// [`crate::lines`]: its cuts, and the token a cut splits already
    /// replaced) with the rules that need no parsing.
    /// The caller counts the line once; `day` is the processing date (see
    /// [`Engine::line_in`]); `plan`, `--min-k`'s widths (see [`KPass`]).
    /// The first pass of `--min-k` counts no piece (fewer counted is the
    /// safe side).
    pub fn fragment(&self, piece: &[u8], day: i64, plan: Option<&Plan>, out: &mut Vec<u8>, stats: &mut Stats) {
        self.scan_into(piece, day, plan, out, stats);
        stats.bytes_in += piece.len() as u64;
    }

    /// `bytes` scanned by the rules that need no parsing, written to `out`.
    pub(super) fn scan_into(&self, bytes: &[u8], day: i64, plan: Option<&Plan>, out: &mut Vec<u8>, stats: &mut Stats) {
        let mut rw = Rewriter::new(&self.opts, bytes, out, None, day, plan);
        scan(bytes, 0, bytes.len(), &self.opts.rules, &mut rw);
        rw.copy_to(bytes.len());
        stats.addresses += rw.addresses;
        stats.identifiers += rw.identifiers;
    }

    /// The first piece of a line too long to hold: as [`Engine::fragment`],
    /// but the head of a CLF line keeps its roles (its ident and user fields
    /// are blanked, as in an unparsed line), and so do the keys of a JSON
    /// object up to the cut.
    pub fn first_fragment(&self, piece: &[u8], day: i64, plan: Option<&Plan>, out: &mut Vec<u8>, stats: &mut Stats) {
        let mut rw = Rewriter::new(&self.opts, piece, out, None, day, plan);
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
        self.chunk_in(
            chunk,
            first_line,
            day,
            &mut self.opts.start(Default::default()),
            out,
            stats,
        )
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
        self.chunk_k(chunk, first_line, day, ctx, out, stats, KPass::default())
    }

    /// [`Engine::chunk_in`] with what k-anonymity adds to the call (see
    /// [`Engine::line_k`]): `--min-k`'s widths, the clients counted into
    /// the caller's counts.
    #[allow(clippy::too_many_arguments)]
    pub fn chunk_k(
        &self,
        chunk: &[u8],
        first_line: u64,
        day: i64,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
        stats: &mut Stats,
        mut k: KPass,
    ) -> Result<(), UnparsedLine> {
        out.reserve(chunk.len() + chunk.len() / 16);
        stats.bytes_in += chunk.len() as u64;
        let before = out.len();
        let mut result = Ok(());
        // the lines as `crate::lines` defines them; a `\r\n`'s `\r` stays
        // with the line (line_in expects it) and is written back with it
        let mut lines = crate::lines::lines(chunk);
        let mut no = first_line;
        let mut group = Vec::new();
        // (one test of the chunk for control bytes: a line of a chunk
        // without any is not tested again)
        let reread = if has_control(chunk) {
            Reread::Check
        } else {
            Reread::Unparsed
        };
        while let Some(line) = lines.next() {
            // a line the container runtime split into partial records is
            // joined (see `records.rs`); a two-byte test for other lines
            if may_be_cri(line.head) {
                if let Some(r) = cri_record(line.text()).filter(|r| r.partial) {
                    records::partial_run(line, r, &mut lines, &mut group);
                    if group.len() > 1 {
                        let outcome = self.joined_records(&group, day, ctx, out, stats, &mut k);
                        if let Outcome::Unparsed = outcome {
                            result = Err(UnparsedLine(no));
                            break;
                        }
                        no += group.len() as u64;
                        continue;
                    }
                }
            }
            match self.line_pass(line.head, day, ctx, out, stats, &mut k, reread) {
                Outcome::Written => {
                    if let Some(eol) = line.eol {
                        out.push(eol);
                    }
                }
                Outcome::Dropped => {}
                Outcome::Unparsed => {
                    result = Err(UnparsedLine(no));
                    break;
                }
            }
            no += 1;
        }
        stats.bytes_out += (out.len() - before) as u64;
        result
    }
}

/// Which lines that changed are read again whole ([`Engine::reread`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reread {
    /// an unparsed line, or one holding a control byte
    Check,
    /// an unparsed line only (its chunk holds no control byte)
    Unparsed,
    /// none (a reading again)
    Never,
}
