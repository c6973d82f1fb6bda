//! `loganon._loganon`: the engine of the `loganon` crate for Python. The
//! pure-Python `loganon` package (`loganon/__init__.py`) wraps it.
//!
//! - [`Engine`] holds the engine's options (the key as bytes, never a file)
//!   and the state carried from line to line (the W3C columns in force), so
//!   consecutive calls of one object see one input, as the binary does.
//! - Each value given is what the binary reads between two `\n`: it is
//!   anonymized as the binary would (a trailing `\r` kept, a lone `\r`
//!   ending a line inside it, as in old Mac files), so a line of a file
//!   comes out as the same bytes.
//! - The work runs without the GIL (Dask's threads, Spark's Arrow batches).

mod column;
mod min_k;
mod text;
mod values;

use std::sync::{Arc, Mutex};

use loganon::addr::AddrPolicy;
use loganon::check::{Checker, Report};
use loganon::engine::{KPass, UnparsedLine};
use loganon::formats::{w3c, Ctx, Format, StreamState};
use loganon::kanon::Plan as KPlan;
use loganon::keyed::{Identifiers, IpMode, KeyRing, MasterKey, Rotate};
use loganon::rules::{param_name, DenyList, Location, Rules};
use loganon::{Engine as Core, OnUnparsed, Options, Stats};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use serde::de::{value, DeserializeOwned, IntoDeserializer};
use values::{gather, results, views};

/// One of an enum's names (the CLI's and the config file's spellings).
fn choice<T: DeserializeOwned>(what: &str, s: &str) -> PyResult<T> {
    let d: value::StrDeserializer<'_, value::Error> = s.into_deserializer();
    T::deserialize(d).map_err(|e| PyValueError::new_err(format!("{what}={s:?}: {e}")))
}

/// A key: 32 raw bytes or 64 hex digits (as `loganon keygen` writes them).
fn master_key(key: &[u8]) -> PyResult<MasterKey> {
    MasterKey::parse(key).ok_or_else(|| {
        PyValueError::new_err(format!(
            "key: {} bytes; give 32 raw bytes or 64 hex digits, or 16 raw bytes or 32 hex digits for \
             ip_mode=\"ipcrypt-deterministic\" and \"ipcrypt-nd\" (make one with: loganon keygen FILE)",
            key.len()
        ))
    })
}

/// A random seed for ipcrypt-nd's and ipcrypt-ndx's tweaks (the core draws
/// no randomness); none if /dev/urandom cannot be read, which the options
/// then refuse for those modes.
fn random_tweak() -> loganon::keyed::Tweak {
    let mut seed = [0u8; 32];
    match std::fs::File::open("/dev/urandom").and_then(|mut r| std::io::Read::read_exact(&mut r, &mut seed)) {
        Ok(()) => loganon::keyed::Tweak::Seed(seed),
        Err(_) => loganon::keyed::Tweak::None,
    }
}

/// What the GIL-free work needs: the engine, the state, the counters.
pub(crate) struct Inner {
    pub(crate) core: Core,
    /// The contexts of the calls, each with its counters: a call takes one
    /// (the last given back, so one thread's calls keep one context and the
    /// W3C columns in force carry from call to call) and gives it back; calls
    /// from several threads at once each work in their own, without waiting
    /// on each other. `reset()` starts a new generation (contexts of the
    /// one before are not taken back).
    ctxs: Mutex<(u64, Vec<(Ctx, Stats)>)>,
    /// `now`: the day of lines with no readable time (None: the clock's, read per call)
    now: Option<i64>,
    pub(crate) rules: Rules,
    format: Format,
    pub(crate) ip_mode: IpMode,
    /// the state of the counting pass (`count_lines`) from call to call
    pub(crate) count_ctx: Mutex<Ctx>,
    w3c_fields: Option<Arc<w3c::Header>>,
    check_ctx: Mutex<(Ctx, Report, u64)>,
    /// output buffers given back by calls, taken by the next (a fresh one
    /// per call cost a page fault per 4 KiB of output: about 5% of a call)
    spare: Mutex<Vec<Vec<u8>>>,
}

impl Inner {
    pub(crate) fn day(&self) -> i64 {
        let now = self.now.unwrap_or_else(unix_now);
        now.div_euclid(86400)
    }

    /// Anonymizes `values` (each what lies between two `\n`), appending the
    /// bytes of each to `out` and its end offset to `ends`; a value whose
    /// only line was dropped (`on_unparsed="drop"`, `max_age`) gets no
    /// entry when `keep_dropped` is false. Errs with the value's index on
    /// `on_unparsed="fail"`.
    #[allow(clippy::too_many_arguments)]
    fn run<'a>(
        &self,
        values: impl Iterator<Item = Option<&'a [u8]>>,
        keep_dropped: bool,
        plan: Option<&KPlan>,
        out: &mut Vec<u8>,
        ends: &mut Vec<usize>,
        kept: &mut Vec<bool>,
    ) -> Result<(), String> {
        let day = self.day();
        self.in_context(|taken| self.run_in(values, keep_dropped, plan, day, taken, out, ends, kept))
    }

    #[allow(clippy::too_many_arguments)]
    fn run_in<'a>(
        &self,
        values: impl Iterator<Item = Option<&'a [u8]>>,
        keep_dropped: bool,
        plan: Option<&KPlan>,
        day: i64,
        taken: &mut (Ctx, Stats),
        out: &mut Vec<u8>,
        ends: &mut Vec<usize>,
        kept: &mut Vec<bool>,
    ) -> Result<(), String> {
        let (ctx, stats) = taken;
        for (k, v) in values.enumerate() {
            let Some(v) = v else {
                ends.push(out.len());
                kept.push(false);
                continue;
            };
            let (mark, dropped) = (out.len(), stats.dropped);
            let done = if v.len() > loganon::lines::LONG_LINE {
                text::through_reader(self, v, day, plan, ctx, stats, out)
            } else {
                let k = KPass { plan, counts: None };
                self.core.chunk_k(v, 1, day, ctx, out, stats, k)
            };
            match done {
                Ok(()) => {}
                Err(UnparsedLine(_)) => {
                    out.truncate(mark);
                    return Err(format!(
                        "value {k}: no format recognises this line (on_unparsed=\"fail\"); the line is not shown"
                    ));
                }
            }
            let gone = out.len() == mark && stats.dropped > dropped;
            if keep_dropped || !gone {
                ends.push(out.len());
                kept.push(!gone);
            }
        }
        Ok(())
    }
}

/// The engine with its options; see `loganon.Anonymizer`.
#[pyclass(module = "loganon._loganon", frozen)]
struct Engine {
    inner: Arc<Inner>,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (*, format="auto", ipv4_prefix=24, ipv6_prefix=48, ip_mode="truncate",
        identifiers="redact", rotate_key="daily", key=None, keep_network=Vec::new(),
        redact_param=Vec::new(), keep_param=Vec::new(), on_unparsed="scrub", w3c_fields=None,
        max_age=None, now=None, location=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        format: &str,
        ipv4_prefix: u8,
        ipv6_prefix: u8,
        ip_mode: &str,
        identifiers: &str,
        rotate_key: &str,
        key: Option<Vec<u8>>,
        keep_network: Vec<String>,
        redact_param: Vec<String>,
        keep_param: Vec<String>,
        on_unparsed: &str,
        w3c_fields: Option<&str>,
        max_age: Option<&str>,
        now: Option<&Bound<'_, PyAny>>,
        location: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Engine> {
        fn err(e: impl std::fmt::Display) -> PyErr {
            PyValueError::new_err(e.to_string())
        }
        if ipv4_prefix > 32 || ipv6_prefix > 128 {
            return Err(err("ipv4_prefix is 0-32, ipv6_prefix 0-128"));
        }
        let format = Format::from_name(format).map_err(err)?;
        let nets = keep_network
            .iter()
            .map(|s| {
                s.parse::<ipnet::IpNet>().map_err(|_| {
                    err(format!(
                        "keep_network: '{s}' is not a network; write it like 10.0.0.0/8"
                    ))
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let mut deny = DenyList::default();
        for p in &redact_param {
            deny.add(&param_name(p).map_err(|e| err(format!("redact_param: {e}")))?);
        }
        for p in &keep_param {
            deny.keep(&param_name(p).map_err(|e| err(format!("keep_param: {e}")))?);
        }
        // `location=`: the decimals kept (an int or its text), "keep" or "drop"
        let location = match location {
            None => Location::default(),
            Some(v) => {
                let text = match v.extract::<i64>() {
                    Ok(n) => n.to_string(),
                    Err(_) => v.extract::<String>()?,
                };
                text.parse::<Location>().map_err(|e| err(format!("location: {e}")))?
            }
        };
        let rules = Rules {
            addr: AddrPolicy::new(ipv4_prefix, ipv6_prefix, &nets),
            deny,
            location,
        };
        let now = match now {
            None => None,
            Some(v) => Some(match v.extract::<i64>() {
                Ok(t) => t,
                Err(_) => loganon::time::parse_now(&v.extract::<String>()?).map_err(err)?,
            }),
        };
        let w3c_fields = w3c_fields
            .map(|s| w3c::fields_option(s).ok_or_else(|| err(format!("w3c_fields: {}", w3c::FIELDS_OPTION_HELP))))
            .transpose()?;
        let not_before = max_age
            .map(|a| loganon::time::parse_duration(a).map_err(err))
            .transpose()?
            .map(|age| now.unwrap_or_else(unix_now) - age);
        let ip_mode: IpMode = choice("ip_mode", ip_mode)?;
        let mut opts = Options {
            rules: rules.clone(),
            format: format.clone(),
            on_unparsed: choice::<OnUnparsed>("on_unparsed", on_unparsed)?,
            not_before,
            w3c_fields: w3c_fields.clone(),
            ..Options::default()
        };
        let rotate: Rotate = choice("rotate_key", rotate_key)?;
        let ring = key
            .map(|k| master_key(&k).map(|m| KeyRing::new(m, rotate).with_tweak(random_tweak())))
            .transpose()?;
        opts.set_keys(
            ip_mode,
            choice::<Identifiers>("identifiers", identifiers)?,
            ring,
            "ip_mode=\"hash\"/\"cryptopan\"/\"ipcrypt-*\" and identifiers=\"hash\" need key=bytes (32 raw bytes or 64 hex digits; 16 or 32 for ipcrypt-deterministic and ipcrypt-nd)",
        )
        .map_err(err)?;
        let core = Core::new(opts);
        let start = core.opts.start(StreamState::default());
        let core_start = core.opts.start(StreamState::default());
        Ok(Engine {
            inner: Arc::new(Inner {
                core,
                ctxs: Mutex::new((0, vec![(start, Stats::default())])),
                now,
                rules,
                format,
                ip_mode,
                w3c_fields: w3c_fields.clone(),
                check_ctx: Mutex::new((Ctx::with_header(w3c_fields), Report::default(), 1)),
                spare: Mutex::new(Vec::new()),
                count_ctx: Mutex::new(core_start),
            }),
        })
    }

    /// A list of lines -> a list, in order: `bytes` (or any bytes-like
    /// value) gives `bytes`, `str` gives `str` (its UTF-8 anonymized, the
    /// result decoded with `surrogateescape`, so no byte is lost), `None`
    /// gives `None`; a dropped line (`on_unparsed="drop"`, `max_age`) is
    /// left out. A value of another type is a `TypeError` naming its index.
    #[pyo3(signature = (lines, plan=None))]
    fn anonymize_lines<'py>(
        &self,
        py: Python<'py>,
        lines: Vec<Bound<'py, PyAny>>,
        plan: Option<&min_k::Plan>,
    ) -> PyResult<Bound<'py, PyList>> {
        let plan = self.plan_for(plan)?;
        let held = gather(lines)?;
        let values = views(&held);
        let inner = &self.inner;
        let (out, ends, kept) = py
            .detach(|| {
                let size: usize = values.iter().flatten().map(|v| v.len()).sum();
                let (mut out, mut ends, mut kept) = (
                    inner.buffer(size + size / 16 + 64),
                    Vec::with_capacity(values.len()),
                    Vec::with_capacity(values.len()),
                );
                inner
                    .run(
                        values.into_iter(),
                        true,
                        plan.as_deref(),
                        &mut out,
                        &mut ends,
                        &mut kept,
                    )
                    .map(|()| (out, ends, kept))
            })
            .map_err(PyValueError::new_err)?;
        let list = results(py, &held, &out, &ends, &kept, false);
        self.inner.give_back(out);
        list
    }

    /// A text of lines (`bytes` or `str`: a file's contents, or a part of
    /// it that ends at a line's end) -> the text the binary writes for it,
    /// of the same type; dropped lines are left out. No Python object per
    /// line: the binary's speed.
    #[pyo3(signature = (text, plan=None))]
    fn anonymize_text<'py>(
        &self,
        py: Python<'py>,
        text: Bound<'py, PyAny>,
        plan: Option<&min_k::Plan>,
    ) -> PyResult<Bound<'py, PyAny>> {
        text::anonymize_text(&self.inner, py, text, self.plan_for(plan)?)
    }

    /// Everything `reader` holds (`read(n) -> bytes`) -> `writer`
    /// (`write(bytes)`), read `chunk_size` bytes at a time: the bytes the
    /// binary writes for the whole input, in the memory of a read and the
    /// binary's longest line. Returns the bytes written.
    #[pyo3(signature = (reader, writer, chunk_size, plan=None))]
    fn anonymize_stream(
        &self,
        py: Python<'_>,
        reader: &Bound<'_, PyAny>,
        writer: &Bound<'_, PyAny>,
        chunk_size: usize,
        plan: Option<&min_k::Plan>,
    ) -> PyResult<u64> {
        text::anonymize_stream(&self.inner, py, reader, writer, chunk_size, self.plan_for(plan)?)
    }

    /// A column of a parsed table: each value anonymized as the field of
    /// `role` (`client`, `user`, `request`, `referer`, `user_agent`,
    /// `text`, or `line`: a whole line) in a line, as the binary writes
    /// that field; types as `anonymize_lines`, position for position (a
    /// line `line` drops becomes `None`).
    #[pyo3(signature = (values, role, plan=None))]
    fn anonymize_column<'py>(
        &self,
        py: Python<'py>,
        values: Vec<Bound<'py, PyAny>>,
        role: &str,
        plan: Option<&min_k::Plan>,
    ) -> PyResult<Bound<'py, PyList>> {
        if plan.is_some() && role != "line" {
            return Err(PyValueError::new_err(format!(
                "plan: min_k applies to role=\"line\" (a line's own day picks its widths), not role={role:?}"
            )));
        }
        let plan = self.plan_for(plan)?;
        let held = gather(values)?;
        let values = views(&held);
        let inner = &self.inner;
        let (out, ends, kept) = py.detach(|| column::run(inner, role, &values, plan.as_deref()))?;
        results(py, &held, &out, &ends, &kept, true)
    }

    /// The values of an Arrow binary or string array given by its buffers:
    /// `offsets` (int32, or int64 when `wide`, little-endian), `data`, and
    /// `valid` (its validity bitmap, or None), from row `offset` on for
    /// `length` rows. Returns the buffers of a `large_binary` array of as
    /// many rows: (validity bitmap or None, its null count, offsets, data).
    /// Nulls stay null; a dropped line becomes null.
    #[pyo3(signature = (offsets, wide, data, valid, offset, length, plan=None))]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn anonymize_buffers<'py>(
        &self,
        py: Python<'py>,
        offsets: &[u8],
        wide: bool,
        data: &[u8],
        valid: Option<&[u8]>,
        offset: usize,
        length: usize,
        plan: Option<&min_k::Plan>,
    ) -> PyResult<(
        Option<Bound<'py, PyBytes>>,
        usize,
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
    )> {
        let plan = self.plan_for(plan)?;
        let width = if wide { 8 } else { 4 };
        if offsets.len() < (offset + length + 1) * width {
            return Err(PyValueError::new_err("offsets buffer too short"));
        }
        let at = |k: usize| -> usize {
            let b = &offsets[(offset + k) * width..(offset + k + 1) * width];
            if wide {
                i64::from_le_bytes(b.try_into().unwrap_or_default()) as usize
            } else {
                i32::from_le_bytes(b.try_into().unwrap_or_default()) as usize
            }
        };
        let is_valid = |k: usize| {
            valid.is_none_or(|v| {
                v.get((offset + k) / 8)
                    .is_some_and(|b| (b >> ((offset + k) % 8)) & 1 == 1)
            })
        };
        for k in 0..=length {
            if at(k) > data.len() || (k > 0 && at(k) < at(k - 1)) {
                return Err(PyValueError::new_err("offsets out of the data buffer"));
            }
        }
        let values: Vec<Option<&[u8]>> = (0..length)
            .map(|k| is_valid(k).then(|| &data[at(k)..at(k + 1)]))
            .collect();
        let inner = self.inner.clone();
        let (out, ends, kept) = py
            .detach(move || {
                let (mut out, mut ends, mut kept) =
                    (Vec::new(), Vec::with_capacity(length), Vec::with_capacity(length));
                inner
                    .run(
                        values.into_iter(),
                        true,
                        plan.as_deref(),
                        &mut out,
                        &mut ends,
                        &mut kept,
                    )
                    .map(|()| (out, ends, kept))
            })
            .map_err(PyValueError::new_err)?;
        let mut offs = Vec::with_capacity((ends.len() + 1) * 8);
        offs.extend_from_slice(&0i64.to_le_bytes());
        for e in ends {
            offs.extend_from_slice(&(e as i64).to_le_bytes());
        }
        // a row is valid when it was and its line was kept
        let nulls = (0..length).filter(|&k| !(is_valid(k) && kept[k])).count();
        let bitmap = (nulls > 0).then(|| {
            let mut bits = vec![0u8; length.div_ceil(8)];
            for k in (0..length).filter(|&k| is_valid(k) && kept[k]) {
                bits[k / 8] |= 1 << (k % 8);
            }
            PyBytes::new(py, &bits)
        });
        Ok((bitmap, nulls, PyBytes::new(py, &offs), PyBytes::new(py, &out)))
    }

    /// Checks lines with `check`'s own detectors; returns its JSON report
    /// (findings so far, across calls).
    fn check_lines(&self, py: Python<'_>, lines: Vec<Vec<u8>>) -> PyResult<String> {
        let inner = self.inner.clone();
        py.detach(move || {
            let checker = Checker {
                rules: inner.rules.clone(),
                format: inner.format.clone(),
                ip_mode: inner.ip_mode,
            };
            let mut g = inner
                .check_ctx
                .lock()
                .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
            let (ctx, report, no) = &mut *g;
            for l in &lines {
                *no = checker.chunk_in(l, "<lines>", *no, ctx, report);
            }
            Ok(report.to_json().to_string())
        })
    }

    /// Forgets the W3C columns in force and the counters: a new input.
    fn reset(&self) -> PyResult<()> {
        let mut g = self
            .inner
            .ctxs
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        g.0 += 1;
        g.1 = vec![(self.inner.core.opts.start(StreamState::default()), Stats::default())];
        let mut c = self
            .inner
            .check_ctx
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        *c = (Ctx::with_header(self.inner.w3c_fields.clone()), Report::default(), 1);
        let mut k = self
            .inner
            .count_ctx
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        *k = self.inner.core.opts.start(StreamState::default());
        Ok(())
    }

    /// The first pass of `min_k`: the client addresses of `lines` counted
    /// as `--min-k`'s first pass counts them (see `min_k.rs`).
    fn count_lines(&self, py: Python<'_>, lines: Vec<Bound<'_, PyAny>>, min_k: i64) -> PyResult<min_k::Counts> {
        let held = gather(lines)?;
        min_k::count(&self.inner, py, &views(&held), min_k)
    }

    /// The plan of `min_k` from counts (of all the data, merged).
    fn plan(&self, counts: &min_k::Counts, min_k: i64) -> PyResult<min_k::Plan> {
        min_k::plan(&self.inner, counts, min_k)
    }

    /// The counters so far (as `--stats=json` names them).
    fn stats(&self) -> PyResult<String> {
        let g = self
            .inner
            .ctxs
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        let mut s = Stats::default();
        for (_, c) in &g.1 {
            s.add(c);
        }
        Ok(serde_json::json!({
            "lines_read": s.lines_read, "lines_written": s.lines_written, "unparsed": s.unparsed,
            "dropped": s.dropped, "expired": s.expired, "undated": s.undated,
            "addresses": s.addresses, "identifiers": s.identifiers,
            "bytes_in": s.bytes_in, "bytes_out": s.bytes_out,
        })
        .to_string())
    }
}

impl Engine {
    /// The plan a call is given, checked against this engine (its
    /// prefixes: the plan's networks are theirs).
    fn plan_for(&self, plan: Option<&min_k::Plan>) -> PyResult<Option<Arc<KPlan>>> {
        plan.map(|p| p.for_engine(&self.inner)).transpose()
    }
}

#[pymodule]
fn _loganon(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<min_k::Counts>()?;
    m.add_class::<min_k::Plan>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// The clock, read here: the core reads none.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
