"""Spark: a DataFrame column anonymized by its role, in Arrow batches.

    from loganon.spark import anonymize_column
    silver = bronze.withColumn("client_ip", anonymize_column("client_ip", "client"))
                   .withColumn("request", anonymize_column("request", "request"))

Each value comes out as the binary writes the field of that role in a line
(``Anonymizer.anonymize_column``). The options are ``Anonymizer``'s; a key
is given as ``key_file=`` (a path on the executors) or ``key_env=`` (an
environment variable the cluster's secret mechanism sets), read on the
executor, never inside the closure Spark ships.
"""

from ._cache import anonymizer


def anonymize_column(col, role, *, returns="string", **options):
    """A Spark column expression: ``col`` (a name or a Column) anonymized
    as ``role`` (``client``, ``user``, ``request``, ``referer``,
    ``user_agent``, ``text``, ``line``). ``returns``: ``"string"`` or
    ``"binary"``, the column's type."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    if returns not in ("string", "binary"):
        raise ValueError(f"returns={returns!r}: give 'string' or 'binary'")
    if "key" in options:
        anonymizer(options)  # raises: the key would travel in the closure

    def run(s: pd.Series) -> pd.Series:
        out = anonymizer(options).anonymize_column(s.tolist(), role)
        return pd.Series(out, index=s.index, dtype=object)

    return pandas_udf(run, returns)(col)
