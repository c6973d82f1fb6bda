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
    data: &[u8],
    ranges: &[Option<(usize, usize)>],
    plan: Option<&loganon::kanon::Plan>,
) -> PyResult<(Vec<u8>, Vec<usize>, Vec<bool>)> {
    let (mut out, mut ends, mut kept) = (
        Vec::with_capacity(data.len() + data.len() / 8),
        Vec::with_capacity(ranges.len()),
        Vec::with_capacity(ranges.len()),
    );
    if role == "line" {
        inner
            .run(
                ranges.iter().map(|v| v.map(|(a, b)| &data[a..b])),
                true,
                plan,
                &mut out,
                &mut ends,
                &mut kept,
            )
            .map_err(PyValueError::new_err)?;
        return Ok((out, ends, kept));
    }
    let column =
        Column::from_name(role).ok_or_else(|| PyValueError::new_err(format!("role={role:?}: give one of {ROLES}")))?;
    let day = inner.day();
    let mut stats = Stats::default();
    for r in ranges {
        if let Some((a, b)) = r {
            inner.core.field_in(&data[*a..*b], column, day, &mut out, &mut stats);
        }
        ends.push(out.len());
        kept.push(r.is_some());
    }
    Ok((out, ends, kept))
}
