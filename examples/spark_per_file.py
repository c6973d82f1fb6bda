"""Recipe (a): Spark, one task per whole file, each running the loganon
binary on it (gz -> gz), into a staging folder, then an atomic rename.

The fastest and byte-exact way to run loganon on Spark (file names kept;
Spark's text readers are not involved, so CR, CRLF and invalid UTF-8 stay
as they are). Every executor needs the binary (`loganon` on PATH, or ship
it with `--files`/`sc.addFile` and take `SparkFiles.get("loganon")`).

    spark-submit examples/spark_per_file.py OUT_DIR IN.gz... [-- LOGANON_OPTIONS...]

With a keyed mode, ship the key file with `sc.addFile(key)` (Spark makes it
0711; loganon accepts execute bits) and pass `--key-file` with
`SparkFiles.get(name)` in the task (see `key_file=` below), or put the key's
hex in the executors' environment (`spark.executorEnv.LOGANON_KEY`) and pass
`--key-env LOGANON_KEY`.

Retries and speculation: a task writes `STAGING/NAME` with `--force`
(loganon writes it atomically through a temporary file, and removes the
temporary files of killed attempts), then renames it onto `OUT/NAME`: the
same bytes whichever attempt wins, so a retried or speculative attempt
neither duplicates nor loses lines. The driver removes the staging folder
when the job has succeeded. On object storage, run this on a local or HDFS
folder and copy, or use the stream (`loganon anonymize --compress gzip`).
"""

import os
import shutil
import signal
import subprocess
import sys


def anonymize_file(path, out_dir, staging, binary="loganon", args=(), key_file=None, fail_once=None):
    """The task: `loganon anonymize --force -o STAGING/NAME PATH`, then an
    atomic rename onto OUT/NAME. `key_file`: a name given to `sc.addFile`
    (read with SparkFiles.get on the executor). `fail_once`: for tests, a
    marker path: the first attempt to find it missing kills its loganon
    mid-write and fails."""
    name = os.path.basename(path)
    os.makedirs(staging, exist_ok=True)
    staged = os.path.join(staging, name)
    cmd = [binary, "anonymize", "--force", "-o", staged, *args]
    if key_file is not None:
        from pyspark import SparkFiles

        cmd += ["--key-file", SparkFiles.get(key_file)]
    cmd.append(path)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if fail_once is not None and not os.path.exists(fail_once):
            open(fail_once, "w").close()
            _wait_for_temp(staging, proc)
            os.kill(proc.pid, signal.SIGKILL)  # killed mid-write, never reaped here
            raise RuntimeError(f"injected failure while anonymizing {name}")
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"loganon exit {proc.returncode} on {name}: {err.decode(errors='replace')}")
    except BaseException:
        if fail_once is None and proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    os.replace(staged, os.path.join(out_dir, name))
    return name


def _wait_for_temp(folder, proc):
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(n.startswith(".loganon-") and n.endswith(".tmp") for n in os.listdir(folder)):
            return
        time.sleep(0.005)


def anonymize_files(spark, paths, out_dir, binary="loganon", args=(), key_file=None, fail_once=None):
    """One task per file (`parallelize(paths, len(paths))`); returns the
    names written. Fails (and leaves the staging folder) if a file fails
    after Spark's retries."""
    os.makedirs(out_dir, exist_ok=True)
    staging = os.path.join(out_dir, "_loganon_staging")
    rdd = spark.sparkContext.parallelize(list(paths), max(1, len(paths)))
    names = rdd.map(
        lambda p: anonymize_file(p, out_dir, staging, binary, list(args), key_file, fail_once)
    ).collect()
    shutil.rmtree(staging, ignore_errors=True)
    return names


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    out, inputs = argv[0], argv[1:]
    session = SparkSession.builder.appName("loganon-per-file").getOrCreate()
    for n in anonymize_files(session, inputs, out, args=extra):
        print(n)
    session.stop()
