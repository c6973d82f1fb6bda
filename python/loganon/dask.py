"""Dask: a column (a Dask Series) anonymized by its role, partition by
partition, on the workers.

    from loganon.dask import anonymize_column
    df["client_ip"] = anonymize_column(df["client_ip"], "client")

As ``loganon.spark``: the options are ``Anonymizer``'s, a key as
``key_file=`` or ``key_env=``, read on the worker.
"""

from ._cache import anonymizer
from ._cache import plan as plan_of


def anonymize_column(series, role, **options):
    """``series`` (a ``dask.dataframe.Series`` of str or bytes) anonymized
    as ``role``; a Series of the same partitions and index."""
    import pandas as pd

    if "key" in options:
        anonymizer(options)  # raises

    def part(s):
        out = anonymizer(options).anonymize_column(s.tolist(), role)
        return pd.Series(out, index=s.index, dtype=object, name=s.name)

    return series.map_partitions(part, meta=(series.name, "object"))


def count(series, *, min_k, **options):
    """The first pass of ``min_k`` over a Dask Series of whole lines: each
    partition counted on its worker, the counts merged; one ``Counts``."""
    import dask

    from . import Counts

    if "key" in options:
        anonymizer(options)  # raises

    def part(s):
        return anonymizer(options).count_lines(s.tolist(), min_k=min_k).to_bytes()

    parts = dask.compute(*[dask.delayed(part)(p) for p in series.to_delayed()])
    total = Counts.from_bytes(parts[0])
    for b in parts[1:]:
        total.merge(Counts.from_bytes(b))
    return total


def anonymize_lines(series, *, counts=None, min_k=None, **options):
    """A Series of whole lines anonymized; with ``counts`` and ``min_k``,
    with ``--min-k``'s widths over the whole data set (the plan made once
    per worker from the counts' bytes)."""
    import pandas as pd

    if (counts is None) != (min_k is None):
        raise ValueError("counts and min_k: give both (min_k over the whole data set) or neither")
    if "key" in options:
        anonymizer(options)  # raises
    data = None if counts is None else counts.to_bytes()

    def part(s):
        a = anonymizer(options)
        plan = None if data is None else plan_of(a, data, min_k)
        return pd.Series(a.anonymize_column(s.tolist(), "line", plan), index=s.index, dtype=object, name=s.name)

    return series.map_partitions(part, meta=(series.name, "object"))
