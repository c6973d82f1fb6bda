//! The first pass of `--min-k` (and `check --k-report`): a consumer of the
//! walk of its own, beside the anonymizer. It reads the same recognised
//! line and the same client fields the anonymizing pass reads, and counts
//! their addresses into the caller's [`Counts`]; it writes nothing.

use super::rewrite::{MAX_CLIENTS, NO_CLIENT};
use super::walk::hostname_cut;
use super::Engine;
use crate::addr::{self, AddrPolicy};
use crate::formats::fields::Role;
use crate::formats::record::RoleWalk;
use crate::formats::{line_time, recognise, Ctx, Recognised};
use crate::kanon::{self, Client, Counts};
use crate::scan::{scan, Kind, Sink, V4Form};

/// The first pass's sink: the addresses of a client field, nothing else.
struct ClientSink<'a> {
    policy: &'a AddrPolicy,
    clients: [Client; MAX_CLIENTS],
    n: usize,
}

impl ClientSink<'_> {
    fn note(&mut self, c: Option<Client>) {
        if let Some(c) = c {
            if self.n < MAX_CLIENTS {
                self.clients[self.n] = c;
                self.n += 1;
            }
        }
    }
}

impl Sink for ClientSink<'_> {
    fn ipv4(&mut self, _: usize, _: usize, a: u32, _: Option<&[u8]>) {
        self.note(kanon::client_v4(self.policy, a));
    }
    fn ipv6(&mut self, _: usize, _: usize, a: u128, _: Option<&[u8]>, _: usize) {
        self.note(kanon::client_v6(self.policy, a));
    }
    fn ipv4_form(&mut self, _: usize, _: usize, _: u32, _: V4Form, _: Option<&[u8]>) {}
    fn ip6_nibbles(&mut self, _: usize, _: usize, _: u128, _: u8, _: bool, _: Option<&[u8]>) {}
    fn redact(&mut self, _: usize, _: usize, _: Kind) {}
    fn remove(&mut self, _: usize, _: usize, _: Kind) {}
}

impl Engine {
    /// The first pass of `--min-k`: the client addresses of one line, as
    /// the anonymizing pass finds them (the client field of a recognised
    /// line, not of a line nested in a JSON string), unless `--max-age`
    /// drops the line.
    pub fn count_line(&self, line: &[u8], day: i64, ctx: &mut Ctx, counts: &mut Counts) {
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let rules = &self.opts.rules;
        let rec = recognise(&self.opts.format, body, &rules.deny, ctx);
        if !matches!(rec, Recognised::Fields(_)) {
            return;
        }
        let time = line_time(&self.opts.format, &rec, body, ctx);
        if let (Some(cut), Some(t)) = (self.opts.not_before, time) {
            if t < cut {
                return;
            }
        }
        let wday = time.map_or(day, |t| t.div_euclid(86400));
        let walk = RoleWalk::of(&ctx.fields);
        let list = walk.list();
        let mut sink = ClientSink {
            policy: &rules.addr,
            clients: [NO_CLIENT; MAX_CLIENTS],
            n: 0,
        };
        for (r, role) in list {
            let v = &body[r.clone()];
            match role {
                Role::Client => {
                    if let Some((a, e)) = addr::parse_v4_at(v, 0) {
                        if e == v.len() {
                            sink.ipv4(r.start, r.end, a, None);
                            continue;
                        }
                    } else if v.len() > 2 && v.contains(&b':') {
                        if let Some(a) = addr::parse_v6(v) {
                            sink.ipv6(r.start, r.end, a, None, r.end);
                            continue;
                        }
                    }
                    if hostname_cut(v).is_none() {
                        scan(body, r.start, r.end, rules, &mut sink);
                    }
                }
                Role::ClientNumber => {
                    if let Some(a) = std::str::from_utf8(v).ok().and_then(|t| t.parse::<u32>().ok()) {
                        sink.ipv4(r.start, r.end, a, None);
                    }
                }
                _ => {}
            }
        }
        for (k, &c) in sink.clients[..sink.n].iter().enumerate() {
            counts.add(wday, c, k == 0);
        }
    }

    /// The first pass of `--min-k` over a chunk of whole lines (split as
    /// [`Engine::chunk_in`] splits them): their client addresses into
    /// `counts` (see [`Engine::count_line`]). `ctx` is the state where the
    /// chunk begins; `day` the processing date of lines without a readable
    /// time.
    pub fn count_chunk(&self, chunk: &[u8], day: i64, ctx: &mut Ctx, counts: &mut Counts) {
        for line in crate::lines::lines(chunk) {
            self.count_line(line.head, day, ctx, counts);
        }
    }
}
