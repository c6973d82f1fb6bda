"""loganon for Python: anonymize web access log lines with loganon's engine.

    >>> from loganon import Anonymizer
    >>> a = Anonymizer()
    >>> a.anonymize_lines([b'1.2.3.4 - bob [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5'])
    [b'1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5']

Each value is a line as the binary reads it between two ``\\n`` (no ``\\n``;
a trailing ``\\r`` is kept, a lone ``\\r`` inside ends a line as in the
binary), and comes out as the bytes ``loganon anonymize`` writes for it. One
``Anonymizer`` is one input: the W3C ``#Fields:`` in force is carried from
call to call (``reset()`` starts a new input). The options are those of
``loganon anonymize`` with ``_`` for ``-``; the key of the keyed modes is
given as bytes (``key=``: 32 raw bytes or 64 hex digits; 16 raw bytes or 32 hex digits in a str for
ipcrypt-deterministic and ipcrypt-nd), never read from a
file. ``now`` (Unix seconds or ``"2026-01-01"``) pins the day of lines that
carry no time; without it, the clock's day at each call.
"""

import json

from ._loganon import Engine as _Engine
from ._loganon import __version__

__all__ = ["Anonymizer", "__version__"]


class Anonymizer:
    """The engine with its options; see the module's help."""

    def __init__(self, *, key=None, **options):
        if isinstance(key, str):
            # text is hex digits: with a newline, 32 of them read as a
            # 16-byte key (ipcrypt-deterministic, ipcrypt-nd), not as 32 raw bytes
            key = key.strip().encode() + b"\n"
        for many in ("keep_network", "redact_param", "keep_param"):
            if isinstance(options.get(many), str):
                options[many] = [options[many]]
        self._engine = _Engine(key=None if key is None else bytes(key), **options)

    def anonymize_lines(self, lines):
        """list[bytes] -> list[bytes], in order; lines dropped
        (``on_unparsed="drop"``, ``max_age``) are left out. Raises
        ``ValueError`` naming the index (never the line) under
        ``on_unparsed="fail"``."""
        return self._engine.anonymize_lines(list(lines))

    def anonymize_arrow(self, array):
        """A ``pyarrow`` binary or string array (``large_`` too, or a
        chunked array) -> a ``pyarrow.binary()`` array, row for row: nulls
        stay null, a dropped line becomes null. For Spark's ``mapInArrow``
        and Dask's Arrow-backed frames."""
        import pyarrow as pa

        if isinstance(array, pa.ChunkedArray):
            chunks = [self.anonymize_arrow(c) for c in array.chunks]
            return pa.chunked_array(chunks, type=pa.binary()) if chunks else pa.chunked_array([], pa.binary())
        t = array.type
        if pa.types.is_string(t) or pa.types.is_binary(t):
            wide = False
        elif pa.types.is_large_string(t) or pa.types.is_large_binary(t):
            wide = True
        else:
            raise TypeError(f"anonymize_arrow takes a binary or string array, not {t}")
        valid, offsets, data = array.buffers()
        n = len(array)
        bitmap, nulls, offs, out = self._engine.anonymize_buffers(
            offsets.to_pybytes() if offsets is not None else bytes(8 * (n + 1)),
            wide,
            data.to_pybytes() if data is not None else b"",
            None if valid is None or array.null_count == 0 else valid.to_pybytes(),
            array.offset,
            n,
        )
        buffers = [None if bitmap is None else pa.py_buffer(bitmap), pa.py_buffer(offs), pa.py_buffer(out)]
        res = pa.Array.from_buffers(pa.large_binary(), n, buffers, null_count=nulls)
        # binary() (32-bit offsets) is what Spark's BinaryType reads
        return res.cast(pa.binary()) if len(out) < 2**31 else res

    def check_lines(self, lines):
        """``loganon check`` over lines, with its own detectors: the report
        so far (across calls) as a dict: ``lines``, ``findings``,
        ``per_rule``, ``first`` (values masked)."""
        return json.loads(self._engine.check_lines(list(lines)))

    def stats(self):
        """The counters so far, as ``--stats=json`` names them."""
        return json.loads(self._engine.stats())

    def reset(self):
        """A new input: no W3C columns in force (but ``w3c_fields``), counters zero."""
        self._engine.reset()
