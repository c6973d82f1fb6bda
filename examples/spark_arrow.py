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
file and number (its number in the file, whatever the split: see
`global_lines`), written with Spark's own commit protocol (Parquet here),
so a retried task leaves neither duplicates nor gaps. `stream_folder` is
the Structured Streaming form: new files in a folder to Parquet, with a
checkpoint.
"""

import os
import sys

ARROW_SCHEMA = "file string, block long, line long, value binary"


def _resolve_key(options):
    """The options with a relative `key_file` resolved where this runs
    (an executor: the file shipped with `SparkContext.addFile`). A `key=` is
    refused: the options travel in every task's closure."""
    if "key" in options:
        raise ValueError("key=: ship a key file (addFile) and give key_file=NAME, or key_env=NAME")
    kf = options.get("key_file")
    if kf is not None and not os.path.isabs(kf):
        from pyspark import SparkFiles

        options = dict(options, key_file=SparkFiles.get(kf))
    return options


def anonymize_partitions(options, fail_once=None):
    """The function for `mapInArrow`: batches of (file, block, value) ->
    (file, block, line within the block, value anonymized). `options`:
    `Anonymizer`'s keyword options (a key as `key_file=` or `key_env=`, read
    on the executor). `fail_once`: for tests, a marker path: the first task
    to find it missing fails after its first batch."""
    if "key" in options:
        raise ValueError("key=: ship a key file (addFile) and give key_file=NAME, or key_env=NAME")

    def run(batches):
        import pyarrow as pa

        from loganon import Anonymizer

        opts = _resolve_key(options)
        anonymizer, current, n = None, None, 0
        for batch in batches:
            files = batch.column("file")
            blocks = batch.column("block")
            values = batch.column("value")
            # one partition may hold more than one file or part of a file:
            # a new Anonymizer (a new input) at each part's first line, and
            # line numbers within the part (made global below)
            start = 0
            for end in _runs(files, blocks) + [len(files)]:
                if end == start:
                    continue
                part = (files[start].as_py(), blocks[start].as_py())
                if part != current:
                    anonymizer, current, n = Anonymizer(**opts), part, 0
                out = anonymizer.anonymize_arrow(values.slice(start, end - start))
                lines = pa.array(range(n, n + len(out)), pa.int64())
                n += len(out)
                yield pa.RecordBatch.from_arrays(
                    [files.slice(start, end - start), blocks.slice(start, end - start), lines, out],
                    names=["file", "block", "line", "value"],
                )
                start = end
            if fail_once is not None and not os.path.exists(fail_once):
                open(fail_once, "w").close()
                raise RuntimeError("injected failure after the first batch")

    return run


def _runs(files, blocks):
    """Indexes where the file or its block changes within a batch."""
    names, starts = files.to_pylist(), blocks.to_pylist()
    return [k for k in range(1, len(names)) if (names[k], starts[k]) != (names[k - 1], starts[k - 1])]


def read_lines(spark, paths):
    """The lines of `paths` with their file and the start of the part of
    the file Spark read them in (`_metadata.file_block_start`: a plain file
    larger than `spark.sql.files.maxPartitionBytes` is read in parts)."""
    from pyspark.sql import functions as F

    return (
        spark.read.option("lineSep", "\n")
        .text(list(paths))
        .select(
            F.col("_metadata.file_path").alias("file"),
            F.col("_metadata.file_block_start").alias("block"),
            F.col("value").cast("binary").alias("value"),
        )
    )


def global_lines(spark, df, lines):
    """`df` (file, block, line within the block, value) with `line` made the
    line's number in its file: each part's first line number is the number
    of lines in the parts before it (counted on the input `lines`, which
    holds one row per line, a dropped one too)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    sizes = lines.groupBy("file", "block").count()
    before = Window.partitionBy("file").orderBy("block").rowsBetween(Window.unboundedPreceding, -1)
    offsets = sizes.select("file", "block", F.coalesce(F.sum("count").over(before), F.lit(0)).alias("first"))
    return (
        df.join(F.broadcast(offsets), ["file", "block"])
        .select("file", (F.col("first") + F.col("line")).alias("line"), "value")
    )


def anonymize_files(spark, paths, out_dir, options=None, fail_once=None):
    """Reads `paths` (gzip or plain; Spark's own reader, so object stores
    work where Spark has them), anonymizes them, writes Parquet to `out_dir`
    (columns file, line, value: `line` the line's number in its file,
    whatever the split) and returns the DataFrame read back."""
    lines = read_lines(spark, paths)
    out = lines.mapInArrow(anonymize_partitions(options or {}, fail_once), ARROW_SCHEMA)
    global_lines(spark, out, lines).write.mode("overwrite").parquet(out_dir)
    return spark.read.parquet(out_dir)


def stream_folder(spark, in_dir, out_dir, checkpoint, options=None):
    """Structured Streaming: the files that arrive in `in_dir` anonymized
    into Parquet in `out_dir` (file, block, line within the block, value),
    with a checkpoint, so each file is done once across restarts. Runs what
    is there now and stops (`availableNow`); drop the trigger to keep
    running."""
    from pyspark.sql import functions as F

    lines = (
        spark.readStream.option("lineSep", "\n")
        .text(in_dir)
        .select(
            F.col("_metadata.file_path").alias("file"),
            F.col("_metadata.file_block_start").alias("block"),
            F.col("value").cast("binary").alias("value"),
        )
    )
    out = lines.mapInArrow(anonymize_partitions(options or {}), ARROW_SCHEMA)
    q = (
        out.writeStream.format("parquet")
        .option("path", out_dir)
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .start()
    )
    q.awaitTermination()
    return spark.read.parquet(out_dir)


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("loganon-arrow").getOrCreate()
    anonymize_files(session, sys.argv[2:], sys.argv[1])
    session.stop()
