"""Recipe (b): Spark DataFrame + `mapInArrow` with the loganon wheel
(`pip install ./python` on every executor's Python).

    spark-submit examples/spark_arrow.py OUT_DIR IN.gz...

Lines are read with `spark.read.option("lineSep", "\\n").text(...)` and
taken as a binary column: with `lineSep` set, a `\\r` stays with its line
(the default reader turns CRLF into LF and splits at a lone CR), and the
binary cast keeps bytes that are not UTF-8 as they are (a Python string
would replace them). Each partition gets its own `Anonymizer` (one
gzip file is one partition: W3C `#Fields:` are carried within it; give
`w3c_fields=` for files split into parts). The result keeps each line's
file and number, written with Spark's own commit protocol (Parquet here),
so a retried task leaves neither duplicates nor gaps.
"""

import os
import sys

ARROW_SCHEMA = "file string, line long, value binary"


def anonymize_partitions(options, fail_once=None):
    """The function for `mapInArrow`: batches of (file, value) -> (file,
    line, value anonymized). `options`: `Anonymizer`'s keyword options
    (`key=` bytes for the keyed modes). `fail_once`: for tests, a marker
    path: the first task to find it missing fails after its first batch."""

    def run(batches):
        import pyarrow as pa

        from loganon import Anonymizer

        anonymizer, current, n = None, None, 0
        for batch in batches:
            files = batch.column("file")
            values = batch.column("value")
            # one partition may hold more than one file: a new Anonymizer (a
            # new input) at each file's first line
            start = 0
            for end in _runs(files) + [len(files)]:
                if end == start:
                    continue
                f = files[start].as_py()
                if f != current:
                    anonymizer, current, n = Anonymizer(**options), f, 0
                out = anonymizer.anonymize_arrow(values.slice(start, end - start))
                lines = pa.array(range(n, n + len(out)), pa.int64())
                n += len(out)
                yield pa.RecordBatch.from_arrays([files.slice(start, end - start), lines, out],
                                                 names=["file", "line", "value"])
                start = end
            if fail_once is not None and not os.path.exists(fail_once):
                open(fail_once, "w").close()
                raise RuntimeError("injected failure after the first batch")

    return run


def _runs(files):
    """Indexes where the file name changes within a batch."""
    names = files.to_pylist()
    return [k for k in range(1, len(names)) if names[k] != names[k - 1]]


def anonymize_files(spark, paths, out_dir, options=None, fail_once=None):
    """Reads `paths` (gzip or plain), anonymizes them, writes Parquet to
    `out_dir` (columns file, line, value) and returns the DataFrame read back."""
    from pyspark.sql import functions as F

    df = (
        spark.read.option("lineSep", "\n")
        .text(list(paths))
        .select(F.col("_metadata.file_path").alias("file"), F.col("value").cast("binary").alias("value"))
    )
    out = df.mapInArrow(anonymize_partitions(options or {}, fail_once), ARROW_SCHEMA)
    out.write.mode("overwrite").parquet(out_dir)
    return spark.read.parquet(out_dir)


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("loganon-arrow").getOrCreate()
    anonymize_files(session, sys.argv[2:], sys.argv[1])
    session.stop()
