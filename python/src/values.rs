//! Python values to bytes and back: a list of `bytes`, `str` and `None`
//! held as borrowed byte slices (no copy: the work on them then runs
//! without the GIL), and the results given back in the types they came in.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

/// One value of a list, held while its bytes are read without the GIL:
/// `bytes` and the UTF-8 of a `str` are Python objects (immutable, kept
/// alive by this reference whatever another thread does to the list), a
/// bytes-like value (bytearray, memoryview: mutable) is copied.
pub(crate) enum Held<'py> {
    Nothing,
    Object { bytes: Bound<'py, PyBytes>, text: bool },
    Copied(Vec<u8>),
}

impl Held<'_> {
    /// The value's bytes; None for `None`.
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        match self {
            Held::Nothing => None,
            Held::Object { bytes, .. } => Some(bytes.as_bytes()),
            Held::Copied(v) => Some(v),
        }
    }

    fn text(&self) -> bool {
        matches!(self, Held::Object { text: true, .. })
    }
}

/// The values of a list (`bytes` or bytes-like, `str` as UTF-8, `None`);
/// a value of another type is a `TypeError` naming its index.
pub(crate) fn gather(lines: Vec<Bound<'_, PyAny>>) -> PyResult<Vec<Held<'_>>> {
    let mut held = Vec::with_capacity(lines.len());
    for (k, v) in lines.into_iter().enumerate() {
        if v.is_none() {
            held.push(Held::Nothing);
            continue;
        }
        let v = match v.cast_into::<PyBytes>() {
            Ok(bytes) => {
                held.push(Held::Object { bytes, text: false });
                continue;
            }
            Err(e) => e.into_inner(),
        };
        if let Ok(t) = v.cast::<PyString>() {
            let bytes = t.encode_utf8().or_else(|_| {
                // a str holding lone surrogates (`surrogateescape` of
                // undecodable bytes): the bytes it stands for
                t.call_method1("encode", ("utf-8", "surrogateescape"))?
                    .cast_into::<PyBytes>()
                    .map_err(PyErr::from)
            })?;
            held.push(Held::Object { bytes, text: true });
        } else if let Ok(b) = v.extract::<Vec<u8>>() {
            held.push(Held::Copied(b));
        } else {
            return Err(PyTypeError::new_err(format!(
                "value {k} is a {}, not bytes, str or None",
                v.get_type().name()?
            )));
        }
    }
    Ok(held)
}

/// The bytes of each value (None for `None`), to be read without the GIL.
pub(crate) fn views<'a>(held: &'a [Held<'_>]) -> Vec<Option<&'a [u8]>> {
    held.iter().map(Held::bytes).collect()
}

/// The list of results: `None` for `None`, `str` for a `str`, `bytes`
/// otherwise; a value not kept (dropped) is left out, or (`in_place`)
/// becomes `None`. The list is made at its size (no appends).
pub(crate) fn results<'py>(
    py: Python<'py>,
    held: &[Held<'_>],
    out: &[u8],
    ends: &[usize],
    kept: &[bool],
    in_place: bool,
) -> PyResult<Bound<'py, PyList>> {
    let mut items: Vec<Bound<'py, PyAny>> = Vec::with_capacity(ends.len());
    let mut start = 0;
    for ((h, &end), &kept) in held.iter().zip(ends).zip(kept) {
        let bytes = &out[start..end];
        start = end;
        match h {
            Held::Nothing => items.push(py.None().into_bound(py)),
            _ if !kept && in_place => items.push(py.None().into_bound(py)),
            // dropped
            _ if !kept => {}
            h => items.push(give(py, h, bytes)?),
        }
    }
    PyList::new(py, items)
}

/// Bytes in the type the value came in: `str` for a `str`, else `bytes`.
pub(crate) fn give<'py>(py: Python<'py>, held: &Held<'_>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    if held.text() {
        decode(py, bytes)
    } else {
        Ok(PyBytes::new(py, bytes).into_any())
    }
}

/// UTF-8 bytes as a `str`, undecodable bytes as lone surrogates
/// (`surrogateescape`), in one call (no `bytes` object in between).
fn decode<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the pointer and length are those of a live slice; the error
    // handler's name is a NUL-terminated static; the result is a new
    // reference or NULL with an exception set, as from_owned_ptr_or_err
    // expects.
    unsafe {
        let s = pyo3::ffi::PyUnicode_DecodeUTF8(
            bytes.as_ptr().cast(),
            bytes.len() as pyo3::ffi::Py_ssize_t,
            c"surrogateescape".as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, s)
    }
}
