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
import os

from ._loganon import Counts, Plan
from ._loganon import Engine as _Engine
from ._loganon import __version__

__all__ = ["Anonymizer", "Counts", "Plan", "__version__"]


_KEYED_IP_MODES = ("hash", "cryptopan", "ipcrypt-pfx", "ipcrypt-deterministic", "ipcrypt-nd", "ipcrypt-ndx")


def _int_in(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}={value!r}: give an int from {low} to {high}")
    if not low <= value <= high:
        raise ValueError(f"{name}={value}: give an int from {low} to {high}")
    return value


def _read_key_file(path):
    """A key file as the binary reads one: refused when group or others may
    read or write it; its bytes (raw, or hex digits with white space)."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise ValueError(f"key_file={str(path)!r}: {e.strerror}") from None
    if st.st_mode & 0o066:
        raise ValueError(
            f"key_file={str(path)!r} is readable or writable by group or others (mode {st.st_mode & 0o777:o}); "
            f"run: chmod 600 {path}"
        )
    with open(path, "rb") as f:
        return f.read()


def _names(name, value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        names = list(value)
    except TypeError:
        raise TypeError(f"{name}={value!r}: give a str or a list of str") from None
    for v in names:
        if not isinstance(v, str):
            raise TypeError(f"{name}: {v!r} is not a str")
    return names


class Anonymizer:
    """The engine with its options: those of ``loganon anonymize``, with
    ``_`` for ``-``.

    Args:
        format: ``"auto"`` (each line recognised), a format name
            (``"combined"``, ``"json"``, ``"w3c"``, ...), an Apache
            ``LogFormat`` string or ``"nginx:LOG_FORMAT"``.
        ipv4_prefix: bits of an IPv4 address kept by truncation, 0-32.
        ipv6_prefix: bits of an IPv6 address kept by truncation, 0-128.
        ip_mode: ``"truncate"``, ``"hash"``, ``"cryptopan"``,
            ``"ipcrypt-pfx"``, ``"ipcrypt-deterministic"``, ``"ipcrypt-nd"``,
            ``"ipcrypt-ndx"`` (all keyed but truncate) or ``"drop"``.
        identifiers: ``"redact"`` (``REDACTED``, ``-``) or ``"hash"`` (a
            keyed pseudonym; needs ``key``).
        rotate_key: ``"daily"`` (a key per day of each line, derived from
            ``key``) or ``"never"`` (``key`` as it is).
        key: the keyed modes' key: 32 raw bytes or 64 hex digits (bytes or
            str); 16 raw bytes or 32 hex digits for ``ipcrypt-deterministic``
            and ``ipcrypt-nd`` with ``rotate_key="never"``. Refused when
            nothing uses it (truncate or drop with identifiers="redact").
        key_file: instead of ``key``, the path of a key file, read here (on
            a cluster: on the executor, so the key never travels in a task's
            closure); refused when group or others may read or write it.
        key_env: instead of ``key``, the name of an environment variable
            holding the key's hex digits (a cluster's secret mechanism).
        keep_network: networks kept as they are (``"10.0.0.0/8"``; a str or
            a list of them).
        redact_param, keep_param: parameter names added to or taken out of
            the deny list.
        on_unparsed: ``"scrub"`` (a line no format reads is scrubbed whole),
            ``"drop"`` (left out) or ``"fail"`` (``ValueError``).
        w3c_fields: the W3C columns in force before any ``#Fields:`` line.
        max_age: lines whose own time is older than this (``"90d"``) are
            dropped.
        now: the day of lines without a time: Unix seconds or
            ``"2026-01-01"``; without it, the clock's day at each call.
        location: the decimals a precise location keeps (0-8), ``"keep"``
            or ``"drop"``.

    Raises:
        TypeError, ValueError: naming the option and what it takes.
    """

    def __init__(
        self,
        *,
        format="auto",
        ipv4_prefix=24,
        ipv6_prefix=48,
        ip_mode="truncate",
        identifiers="redact",
        rotate_key="daily",
        key=None,
        key_file=None,
        key_env=None,
        keep_network=None,
        redact_param=None,
        keep_param=None,
        on_unparsed="scrub",
        w3c_fields=None,
        max_age=None,
        now=None,
        location=None,
    ):
        for name, value in (
            ("format", format),
            ("ip_mode", ip_mode),
            ("identifiers", identifiers),
            ("rotate_key", rotate_key),
            ("on_unparsed", on_unparsed),
        ):
            if not isinstance(value, str):
                raise TypeError(f"{name}={value!r}: give a str")
        for name, value in (("w3c_fields", w3c_fields), ("max_age", max_age)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name}={value!r}: give a str")
        if sum(k is not None for k in (key, key_file, key_env)) > 1:
            raise ValueError("key, key_file and key_env: give one of them")
        if key_file is not None:
            key = _read_key_file(key_file)
        elif key_env is not None:
            if not isinstance(key_env, str):
                raise TypeError(f"key_env={key_env!r}: give the name of an environment variable")
            if key_env not in os.environ:
                raise ValueError(f"key_env={key_env!r}: no such environment variable (put the key's hex digits in it)")
            key = os.environ[key_env]
        _int_in("ipv4_prefix", ipv4_prefix, 0, 32)
        _int_in("ipv6_prefix", ipv6_prefix, 0, 128)
        if key is not None:
            if ip_mode not in _KEYED_IP_MODES and identifiers != "hash":
                raise ValueError(
                    f"key: ip_mode={ip_mode!r} with identifiers={identifiers!r} uses no key; "
                    f"give ip_mode one of {', '.join(_KEYED_IP_MODES)} or identifiers='hash', or leave key out"
                )
            if isinstance(key, str):
                # text is hex digits: with a newline, 32 of them read as a
                # 16-byte key (ipcrypt-deterministic, ipcrypt-nd), not as 32 raw bytes
                key = key.strip().encode() + b"\n"
            elif isinstance(key, (bytes, bytearray, memoryview)):
                key = bytes(key)
            else:
                raise TypeError(f"key: a {type(key).__name__}; give bytes or a str of hex digits")
        self._engine = _Engine(
            format=format,
            ipv4_prefix=ipv4_prefix,
            ipv6_prefix=ipv6_prefix,
            ip_mode=ip_mode,
            identifiers=identifiers,
            rotate_key=rotate_key,
            key=key,
            keep_network=_names("keep_network", keep_network),
            redact_param=_names("redact_param", redact_param),
            keep_param=_names("keep_param", keep_param),
            on_unparsed=on_unparsed,
            w3c_fields=w3c_fields,
            max_age=max_age,
            now=now,
            location=location,
        )

    def anonymize_lines(self, lines, plan=None):
        """Lines -> a list, in order: ``bytes`` give ``bytes``, ``str`` give
        ``str`` (UTF-8; undecodable bytes kept through ``surrogateescape``),
        ``None`` gives ``None``; lines dropped (``on_unparsed="drop"``,
        ``max_age``) are left out. Raises ``ValueError`` naming the index
        (never the line) under ``on_unparsed="fail"``, ``TypeError`` for a
        value of another type. ``plan``: ``min_k``'s widths (see
        ``count_lines``)."""
        return self._engine.anonymize_lines(list(lines), plan)

    def anonymize_text(self, text, plan=None):
        """A text of lines (``bytes`` or ``str``: a file's contents, or a
        part of it that ends at a line's end; the last line may lack its
        ``\\n``) -> the text ``loganon anonymize`` writes for it, of the
        same type; dropped lines are left out; ``None`` gives ``None``.
        Makes no Python object per line: the binary's speed (see
        ``anonymize_stream`` for a file of any size)."""
        return self._engine.anonymize_text(text, plan)

    def anonymize_stream(self, reader, writer, *, chunk_size=4 << 20, plan=None):
        """Everything ``reader`` (a binary file: ``read(n) -> bytes``) holds
        -> ``writer`` (``write(bytes)``), read ``chunk_size`` bytes at a
        time: the bytes ``loganon anonymize`` writes for the whole input (a
        line over 16 MiB in the binary's pieces), in the memory of one read.
        The work on each read runs without the GIL. Returns the number of
        bytes written; ``ValueError`` names the line under
        ``on_unparsed="fail"``."""
        chunk_size = _int_in("chunk_size", chunk_size, 1, 1 << 40)
        return self._engine.anonymize_stream(reader, writer, chunk_size, plan)

    def anonymize_arrow(self, array, plan=None):
        """A ``pyarrow`` binary or string array (``large_`` too, or a
        chunked array) -> a ``pyarrow.binary()`` array, row for row: nulls
        stay null, a dropped line becomes null. For Spark's ``mapInArrow``
        and Dask's Arrow-backed frames."""
        import pyarrow as pa

        if isinstance(array, pa.ChunkedArray):
            chunks = [self.anonymize_arrow(c, plan) for c in array.chunks]
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
            plan,
        )
        buffers = [None if bitmap is None else pa.py_buffer(bitmap), pa.py_buffer(offs), pa.py_buffer(out)]
        res = pa.Array.from_buffers(pa.large_binary(), n, buffers, null_count=nulls)
        # binary() (32-bit offsets) is what Spark's BinaryType reads
        return res.cast(pa.binary()) if len(out) < 2**31 else res

    def anonymize_column(self, values, role, plan=None):
        """A column of a parsed table (a Bronze table's ``client_ip``,
        ``request``...): each value anonymized as the binary anonymizes the
        field of that ``role`` in a line: ``"client"``, ``"user"``,
        ``"request"``, ``"referer"``, ``"user_agent"``, ``"text"`` (free text,
        the generic rules) or ``"line"`` (a whole line). Values are bytes,
        str or None, as in ``anonymize_lines``; the result has one value per
        value, in place (a line ``"line"`` drops becomes None). Keyed modes
        take the keys of ``now``'s day (else today's): a column value carries
        no time of its own. ``plan``: ``min_k``'s widths, for ``role="line"``."""
        return self._engine.anonymize_column(list(values), role, plan)

    def count_lines(self, lines, *, min_k):
        """The first pass of ``min_k`` (``--min-k``): the client addresses of
        ``lines`` (bytes, str or None, as ``anonymize_lines`` takes them)
        counted per network and day, as a ``Counts``. Count every part of
        the data (each task, file or partition), merge the counts
        (``Counts.merge``; they pickle, and ``to_bytes``/``Counts.from_bytes``
        carry them), make one ``plan`` of the merged counts, and give that
        plan to every ``anonymize_lines``/``anonymize_arrow`` call: the output
        is then the binary's ``--min-k`` over the whole data. Truncate mode
        only (``ValueError`` otherwise)."""
        return self._engine.count_lines(list(lines), min_k)

    def plan(self, counts, *, min_k):
        """The widths of ``min_k`` from ``counts`` (of all the data): every
        network of a day used by fewer than ``min_k`` clients is written
        wider. ``plan.report()`` tells what was widened."""
        return self._engine.plan(counts, min_k)

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
