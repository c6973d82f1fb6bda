//! `min_k` for Python: the two passes of `--min-k` as calls, with the
//! counts mergeable across tasks and processes.
//!
//! 1. `Anonymizer.count_lines(lines, min_k)` counts the client addresses
//!    of the lines (each task, each file, as `--min-k`'s first pass);
//! 2. the counts are merged (`Counts.merge`; `to_bytes`/`from_bytes` and
//!    pickling carry them between processes: a Spark aggregation, a Dask
//!    reduction);
//! 3. `Anonymizer.plan(counts, min_k)`, once, on the merged counts;
//! 4. `anonymize_lines(lines, plan=plan)` (or `anonymize_arrow`) in every
//!    task: the same widths everywhere, so the output is the CLI's
//!    `--min-k` over the whole data.
//!
//! Counts and plans carry the prefixes they were made at: counts of
//! another prefix are not merged, and a plan is not used by an engine of
//! other prefixes (their networks would not be the same).

use std::sync::{Arc, Mutex};

use loganon::kanon::{Counts as KCounts, Plan as KPlan};
use loganon::keyed::IpMode;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::Inner;

/// What the bytes of counts begin with, before the core's own layout: the
/// two prefixes the networks were cut at.
const MAGIC: &[u8; 4] = b"LGKP";

/// `--min-k`'s bounds.
const MIN_K: std::ops::RangeInclusive<i64> = 2..=1_000_000;

fn check_k(min_k: i64) -> PyResult<u64> {
    if MIN_K.contains(&min_k) {
        Ok(min_k as u64)
    } else {
        Err(PyValueError::new_err(format!(
            "min_k={min_k}: give an int from 2 to 1000000"
        )))
    }
}

fn check_mode(inner: &Inner) -> PyResult<()> {
    if inner.ip_mode == IpMode::Truncate {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "min_k applies to ip_mode=\"truncate\" only (ip_mode=\"{}\" writes one pseudonym per address)",
            inner.ip_mode.name()
        )))
    }
}

fn prefixes(inner: &Inner) -> (u8, u8) {
    (inner.rules.addr.ipv4_prefix, inner.rules.addr.ipv6_prefix)
}

/// The distinct clients and requests of each network and day.
#[pyclass(module = "loganon._loganon", name = "Counts", frozen)]
pub struct Counts {
    counts: Mutex<KCounts>,
    prefixes: (u8, u8),
}

#[pymethods]
impl Counts {
    /// Adds `other`'s counts to these (a union: the order of merges does
    /// not matter). Counts made at other prefixes are a `ValueError`.
    fn merge(&self, other: &Counts) -> PyResult<()> {
        if other.prefixes != self.prefixes {
            return Err(PyValueError::new_err(format!(
                "counts of prefixes /{} and /{} cannot be merged with counts of /{} and /{}",
                other.prefixes.0, other.prefixes.1, self.prefixes.0, self.prefixes.1
            )));
        }
        if std::ptr::eq(self, other) {
            return Ok(());
        }
        let mut o = other
            .counts
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?
            .clone();
        self.counts
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?
            .merge(&mut o);
        Ok(())
    }

    /// The counts as bytes (the prefixes, then the core's layout).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let c = self.counts.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[self.prefixes.0, self.prefixes.1]);
        out.extend_from_slice(&c.to_bytes());
        Ok(PyBytes::new(py, &out))
    }

    /// Counts from [`Counts::to_bytes`]'s bytes; `ValueError` naming what
    /// is wrong otherwise.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Counts> {
        let bad = |what: String| PyValueError::new_err(format!("Counts.from_bytes: {what}"));
        if data.len() < 6 || &data[..4] != MAGIC {
            return Err(bad("not loganon counts (no LGKP header)".into()));
        }
        let (v4, v6) = (data[4], data[5]);
        if v4 > 32 || v6 > 128 {
            return Err(bad(format!("prefixes /{v4} and /{v6} out of range")));
        }
        let counts = KCounts::from_bytes(&data[6..]).map_err(|e| bad(e.to_string()))?;
        Ok(Counts {
            counts: Mutex::new(counts),
            prefixes: (v4, v6),
        })
    }

    /// The networks counted (all days).
    #[getter]
    fn networks(&self) -> PyResult<usize> {
        Ok(self
            .counts
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?
            .networks())
    }

    /// Pickled as its bytes (Spark and Dask ship counts between processes).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from = slf.get_type().getattr("from_bytes")?;
        Ok((from, (slf.get().to_bytes(slf.py())?,)))
    }
}

/// The widths of the networks of each day under K, built once from the
/// counts of all the data; and its report.
#[pyclass(module = "loganon._loganon", name = "Plan", frozen)]
pub struct Plan {
    plan: Arc<KPlan>,
    report: String,
    prefixes: (u8, u8),
}

#[pymethods]
impl Plan {
    /// The report (what `--stats=json` reports of `--min-k`), as a dict:
    /// per day, the networks, those below K, the widened ones.
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.report.clone(),))
    }
}

impl Plan {
    /// The plan, for an engine of the same prefixes.
    pub(crate) fn for_engine(&self, inner: &Inner) -> PyResult<Arc<KPlan>> {
        check_mode(inner)?;
        if prefixes(inner) != self.prefixes {
            return Err(PyValueError::new_err(format!(
                "plan: made for prefixes /{} and /{}, used with /{} and /{}",
                self.prefixes.0,
                self.prefixes.1,
                prefixes(inner).0,
                prefixes(inner).1
            )));
        }
        Ok(self.plan.clone())
    }
}

/// `Anonymizer.count_lines`: the values' client addresses counted (a value
/// longer than the binary holds whole as a line is not: the CLI counts no
/// piece of one either).
pub(crate) fn count(inner: &Arc<Inner>, py: Python<'_>, values: &[Option<&[u8]>], min_k: i64) -> PyResult<Counts> {
    let k = check_k(min_k)?;
    check_mode(inner)?;
    let inner2 = inner;
    let counts = py
        .detach(|| {
            let day = inner2.day();
            let mut counts = KCounts::new(k);
            let mut ctx = inner2.count_ctx.lock().map_err(|_| "poisoned".to_string())?;
            for v in values.iter().flatten() {
                if v.len() <= loganon::lines::LONG_LINE {
                    inner2.core.count_chunk(v, day, &mut ctx, &mut counts);
                }
            }
            Ok::<_, String>(counts)
        })
        .map_err(PyRuntimeError::new_err)?;
    Ok(Counts {
        counts: Mutex::new(counts),
        prefixes: prefixes(inner),
    })
}

/// `Anonymizer.plan`: the plan of counts (a copy of them: they can still
/// be merged with others after).
pub(crate) fn plan(inner: &Inner, counts: &Counts, min_k: i64) -> PyResult<Plan> {
    let k = check_k(min_k)?;
    check_mode(inner)?;
    if counts.prefixes != prefixes(inner) {
        return Err(PyValueError::new_err(format!(
            "counts: made at prefixes /{} and /{}, planned with /{} and /{}",
            counts.prefixes.0,
            counts.prefixes.1,
            prefixes(inner).0,
            prefixes(inner).1
        )));
    }
    let c = counts
        .counts
        .lock()
        .map_err(|_| PyRuntimeError::new_err("poisoned"))?
        .clone();
    let (plan, report) = KPlan::build(c, k, &inner.rules.addr, true);
    Ok(Plan {
        plan: Arc::new(plan),
        report: report.to_json().to_string(),
        prefixes: prefixes(inner),
    })
}
