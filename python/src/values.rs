//! Python values to bytes and back: a list of `bytes`, `str` and `None`
//! gathered into one buffer (the work on it then runs without the GIL),
//! and the results given back in the types they came in.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

/// Where each value lies in one buffer of their bytes: None for `None`,
/// else its range and whether it was a `str`.
pub(crate) type Spans = Vec<Option<(usize, usize, bool)>>;

/// The values of a list (`bytes` or bytes-like, `str` as UTF-8, `None`)
/// in one buffer, so that the work on them runs without the GIL; a value
/// of another type is a `TypeError` naming its index.
pub(crate) fn gather(lines: &[Bound<'_, PyAny>]) -> PyResult<(Vec<u8>, Spans)> {
    let mut data = Vec::new();
    let mut spans: Spans = Vec::with_capacity(lines.len());
    for (k, v) in lines.iter().enumerate() {
        if v.is_none() {
            spans.push(None);
            continue;
        }
        let start = data.len();
        let text = if let Ok(b) = v.cast::<PyBytes>() {
            data.extend_from_slice(b.as_bytes());
            false
        } else if let Ok(t) = v.cast::<PyString>() {
            let b = t.encode_utf8().or_else(|_| {
                // a str holding lone surrogates (`surrogateescape` of
                // undecodable bytes): the bytes it stands for
                t.call_method1("encode", ("utf-8", "surrogateescape"))?
                    .cast_into::<PyBytes>()
                    .map_err(PyErr::from)
            })?;
            data.extend_from_slice(b.as_bytes());
            true
        } else if let Ok(b) = v.extract::<Vec<u8>>() {
            data.extend_from_slice(&b);
            false
        } else {
            return Err(PyTypeError::new_err(format!(
                "value {k} is a {}, not bytes, str or None",
                v.get_type().name()?
            )));
        };
        spans.push(Some((start, data.len(), text)));
    }
    Ok((data, spans))
}

/// The list of results: `None` for `None`, `str` for a `str`, `bytes`
/// otherwise; a value not kept (dropped) is left out, or (`in_place`)
/// becomes `None`.
pub(crate) fn results<'py>(
    py: Python<'py>,
    spans: &Spans,
    out: &[u8],
    ends: &[usize],
    kept: &[bool],
    in_place: bool,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    let mut start = 0;
    for ((span, &end), &kept) in spans.iter().zip(ends).zip(kept) {
        let bytes = &out[start..end];
        start = end;
        match span {
            None => list.append(py.None())?,
            Some(_) if !kept && in_place => list.append(py.None())?,
            // dropped
            Some(_) if !kept => {}
            Some((_, _, true)) => {
                let b = PyBytes::new(py, bytes);
                list.append(b.call_method1("decode", ("utf-8", "surrogateescape"))?)?
            }
            Some(_) => list.append(PyBytes::new(py, bytes))?,
        }
    }
    Ok(list)
}
