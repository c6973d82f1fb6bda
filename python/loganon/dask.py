"""Dask: a column (a Dask Series) anonymized by its role, partition by
partition, on the workers.

    from loganon.dask import anonymize_column
    df["client_ip"] = anonymize_column(df["client_ip"], "client")

As ``loganon.spark``: the options are ``Anonymizer``'s, a key as
``key_file=`` or ``key_env=``, read on the worker.
"""

from ._cache import anonymizer


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
