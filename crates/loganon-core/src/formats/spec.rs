//! What every format is and gives: the [`LogFormat`] trait each format
//! implements (the templates given on the command line too) and its entry in
//! the registry ([`FormatSpec`]), what a line is recognised as ([`Parsed`],
//! [`Recognised`]), and the state carried from line to line ([`Ctx`], with
//! the [`StreamState`] its formats keep). The ground of `formats/`: every
//! format's file uses it; it uses none of them, only the types their state is
//! made of (the JSON walker's scratch, the W3C columns).

use std::ops::Range;
use std::sync::Arc;

use super::fields::{Fields, Http, Role};
use super::json::walk::Scratch;
use super::w3c::columns::Header;
use crate::clean::CleanCache;
use crate::rules::DenyList;

/// What a line was recognised as: the index of its format in the registry
/// (`registry::FORMATS`), which indexes the per-format counters in stats.
/// The registry names them (`Parsed::COMMON`, [`Parsed::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Parsed(pub u8);

impl Parsed {
    /// Its index among the counters.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recognised {
    /// A line of a format, counted as `Parsed`: its fields and their roles
    /// are in `ctx.fields`.
    Fields(Parsed),
    /// A directive of a format (W3C's `#Fields:`, `#Version:`, ...): it may
    /// set the state of the lines after it, and it is scanned as text.
    Directive(Parsed),
    /// No format recognised the line.
    Unparsed,
}

impl Recognised {
    /// The counter this line goes to.
    pub fn parsed(&self) -> Option<Parsed> {
        match self {
            Recognised::Fields(p) | Recognised::Directive(p) => Some(*p),
            Recognised::Unparsed => None,
        }
    }
}

/// What the formats of a stream keep from one line to the next: W3C's
/// columns, set by a `#Fields:` directive. A chunk of lines starts in the
/// state the lines before it left ([`StreamState::carry`] over them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamState {
    /// the W3C columns in force (from the last `#Fields:` line, or given)
    pub(crate) w3c: Option<Arc<Header>>,
}

impl StreamState {
    /// A stream with these W3C columns in force from its start (the columns
    /// of `--w3c-fields`, for an input that has no `#Fields:` of its own
    /// before its first lines).
    pub fn with_w3c_fields(columns: Option<Arc<Header>>) -> StreamState {
        StreamState { w3c: columns }
    }

    /// This state, taking `initial`'s for what no line set yet (an input's
    /// own `#Fields:` wins over `--w3c-fields`).
    pub fn or(self, initial: &StreamState) -> StreamState {
        StreamState {
            w3c: self.w3c.or_else(|| initial.w3c.clone()),
        }
    }

    /// Whether no format keeps anything: detection then takes the formats
    /// in the registry's order from the first (no W3C columns claim a line).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.w3c.is_none()
    }
}

/// State carried from line to line by one worker: what the stream's formats
/// keep, and scratch space reused for every line.
#[derive(Debug, Default)]
pub struct Ctx {
    /// What the stream's formats keep (W3C's columns in force).
    pub stream: StreamState,
    /// The fields of the line in hand.
    pub fields: Fields,
    /// a line split into columns (W3C, the cloud formats, Squid)
    pub(crate) cols: Vec<Range<usize>>,
    /// the JSON walker's frames and key cache
    pub(crate) json: Scratch,
    /// values this worker has scanned and found clean
    pub(crate) clean: CleanCache,
}

impl Ctx {
    /// A context starting in `stream` (a chunk that starts after lines of
    /// its input).
    pub fn new(stream: StreamState) -> Ctx {
        Ctx {
            stream,
            ..Ctx::default()
        }
    }

    /// A context with these W3C columns in force (`--w3c-fields`).
    pub fn with_header(w3c: Option<Arc<Header>>) -> Ctx {
        Ctx::new(StreamState::with_w3c_fields(w3c))
    }
}

/// Reads a line as one format (a step of `--format auto`'s detection, or
/// the reader of `--format NAME`): `kind` is the counter it reports; its
/// fields and their roles go to `ctx.fields`.
pub type ParseFn = fn(kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised>;

/// A parser that takes nothing (a format only given another way: the
/// templates, by their `LogFormat` or `nginx:` string).
pub fn none(_: Parsed, _: &[u8], _: &DenyList, _: &mut Ctx) -> Option<Recognised> {
    None
}

/// One log format: how it reads a line, and what it says of a line it read.
/// Each format of the registry implements it, and so does a template given
/// with `--format`. What a format notes while it parses ([`Fields`]: the
/// roles, the time, status and bytes, the request's parts) is enough for
/// most: the provided methods read it.
pub trait LogFormat: Sync {
    /// Reads `line` as this format (`--format NAME`), counted as `kind`:
    /// the line's fields and their roles go to `ctx.fields`.
    fn parse(&self, kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised>;

    /// The Unix time (seconds, UTC) of a line it read into `f`; `None` when
    /// it has none that can be read. Read only when asked for (`--max-age`,
    /// the keyed modes' day, `--min-k`, the summaries).
    fn time(&self, line: &[u8], f: &Fields) -> Option<i64> {
        fields_time(line, f)
    }

    /// Where the HTTP status, the response bytes and the client address of
    /// a line it read into `f` are (the summaries).
    fn figures(&self, f: &Fields) -> Figures {
        Figures {
            status: f.status.clone(),
            bytes: f.bytes.clone(),
            client: f.first_client(),
        }
    }

    /// Where the request's parts are, and the time field when the format
    /// says (the typed record).
    fn request(&self, f: &Fields) -> (Http, Option<Range<usize>>) {
        (f.http.clone(), None)
    }

    /// Carries what the format keeps from line to line in a stream over
    /// `lines`, whole lines (W3C: the columns of the last `#Fields:`).
    fn carry(&self, _state: &mut StreamState, _lines: &[u8]) {}
}

/// A format that is its parser and nothing more: what it says of a line is
/// what it noted in [`Fields`] (the provided methods of [`LogFormat`]).
pub struct Parser(pub ParseFn);

impl LogFormat for Parser {
    fn parse(&self, kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
        (self.0)(kind, line, deny, ctx)
    }
}

/// A format that is its parser and a reader of its time, which it notes as
/// its first field in a form [`fields_time`] does not read (the error
/// logs' `Mon Dec 07 03:38:24 2026`, `2026/12/07 03:38:32`).
pub struct TimedParser {
    /// reads a line (`--format NAME`, and its step of detection)
    pub parse: ParseFn,
    /// the Unix time of the line's first field, its time
    pub time: fn(&[u8]) -> Option<i64>,
}

impl LogFormat for TimedParser {
    fn parse(&self, kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
        (self.parse)(kind, line, deny, ctx)
    }

    fn time(&self, line: &[u8], f: &Fields) -> Option<i64> {
        match f.list.first() {
            Some((r, Role::Time)) => (self.time)(&line[r.clone()]),
            _ => None,
        }
    }
}

/// A format's entry in the registry: its names and its steps in `--format
/// auto`'s detection (data, so that the registry's tables are built when
/// the program is compiled), and the format.
pub struct FormatSpec {
    /// the `--format` name and the counter's name
    pub name: &'static str,
    /// the `--format` help line; `None`: not a `--format` name (the
    /// templates, given by their `LogFormat` or `nginx:` string)
    pub help: Option<&'static str>,
    /// the steps of `--format auto`'s detection, each with its rank (lower
    /// first); see `registry::DETECTION`
    pub detect: &'static [(u8, ParseFn)],
    /// the format: how a line parses under `--format NAME`, and what it
    /// says of the lines it read
    pub format: &'static dyn LogFormat,
}

/// Where a recognised line's HTTP status, response bytes and client
/// address are, for the summaries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// The HTTP status.
    pub status: Option<Range<usize>>,
    /// The response bytes.
    pub bytes: Option<Range<usize>>,
    /// The client address.
    pub client: Option<Range<usize>>,
}

/// The time of a line read into `f`: the span noted as its time (JSON's
/// time keys), else its `Time` fields: one whole time, or a date and a time
/// of day (W3C `date time` or `time date`). Times without a zone are UTC.
pub fn fields_time(line: &[u8], f: &Fields) -> Option<i64> {
    if let Some(t) = &f.time {
        return crate::time::parse_any_time(&line[t.clone()]);
    }
    // the `Time` fields: one whole time, or a date and a time of day
    let mut times = f
        .list
        .iter()
        .filter(|(_, r)| *r == Role::Time)
        .map(|(r, _)| &line[r.clone()]);
    let first = times.next()?;
    if let Some(t) = crate::time::parse_any_time(first) {
        if !crate::time::is_date_only(first) {
            return Some(t);
        }
        // W3C `date time`
        return Some(
            times
                .next()
                .and_then(|tod| crate::time::parse_date_and_time(first, tod))
                .unwrap_or(t),
        );
    }
    // W3C `time date`
    let second = times.next()?;
    crate::time::parse_date_and_time(second, first)
}
