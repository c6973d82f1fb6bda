//! `Anonymizer.anonymize_column`: the values of a parsed table's column,
//! each anonymized as the field of its role in a line (the core's
//! `Engine::field_in`), or as a whole line (`role="line"`).

use loganon::engine::field::Column;
use loganon::Stats;
use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use super::Inner;

/// The roles a column may have.
const ROLES: &str = "client, user, request, referer, user_agent, text or line";

/// The values (`None`: a null) anonymized: the bytes, each one's end, and
/// whether it was kept (a whole line may be dropped).
pub(crate) fn run(
    inner: &Inner,
    role: &str,
    values: &[Option<&[u8]>],
    plan: Option<&loganon::kanon::Plan>,
) -> PyResult<(Vec<u8>, Vec<usize>, Vec<bool>)> {
    let size: usize = values.iter().flatten().map(|v| v.len()).sum();
    let (mut out, mut ends, mut kept) = (
        Vec::with_capacity(size + size / 8),
        Vec::with_capacity(values.len()),
        Vec::with_capacity(values.len()),
    );
    if role == "line" {
        inner
            .run(values.iter().copied(), true, plan, &mut out, &mut ends, &mut kept)
            .map_err(PyValueError::new_err)?;
        return Ok((out, ends, kept));
    }
    let column =
        Column::from_name(role).ok_or_else(|| PyValueError::new_err(format!("role={role:?}: give one of {ROLES}")))?;
    let day = inner.day();
    let mut stats = Stats::default();
    for v in values {
        if let Some(v) = v {
            inner.core.field_in(v, column, day, &mut out, &mut stats);
        }
        ends.push(out.len());
        kept.push(v.is_some());
    }
    Ok((out, ends, kept))
}
