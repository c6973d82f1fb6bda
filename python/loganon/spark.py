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
from ._cache import plan as plan_of


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


def count(df, col, *, min_k, **options):
    """The first pass of ``min_k`` over a DataFrame's column of whole lines:
    each partition's client addresses counted on its executor
    (``count_lines``), the counts merged by a tree reduction of their bytes,
    and returned as one ``Counts``, the counts of the whole data set."""
    from . import Counts

    if "key" in options:
        anonymizer(options)  # raises
    k = min_k

    def part(rows):
        a = anonymizer(options)
        yield a.count_lines([r[0] for r in rows], min_k=k).to_bytes()

    def merge(x, y):
        c = Counts.from_bytes(x)
        c.merge(Counts.from_bytes(y))
        return c.to_bytes()

    rdd = df.select(col).rdd.mapPartitions(part)
    return Counts.from_bytes(rdd.treeReduce(merge))


def anonymize_lines(col, *, counts=None, min_k=None, returns="binary", **options):
    """A column of whole lines anonymized (``role="line"``); with ``counts``
    (``count``'s, of the whole data set) and ``min_k``, with the widths of
    ``--min-k`` over the whole data set: the counts' bytes travel in the
    closure, each executor makes the plan once from them, so every task
    writes the same widths."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    if (counts is None) != (min_k is None):
        raise ValueError("counts and min_k: give both (min_k over the whole data set) or neither")
    if "key" in options:
        anonymizer(options)  # raises
    data = None if counts is None else counts.to_bytes()

    def run(s: pd.Series) -> pd.Series:
        a = anonymizer(options)
        plan = None if data is None else plan_of(a, data, min_k)
        return pd.Series(a.anonymize_column(s.tolist(), "line", plan), index=s.index, dtype=object)

    return pandas_udf(run, returns)(col)
