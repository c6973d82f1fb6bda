"""The scale-out recipes of examples/ (Spark per file, Spark mapInArrow,
Dask) against a direct `loganon anonymize --out-dir` run over the same few
gzip files: the same lines (as a multiset, and in each file's order),
keyed outputs identical, and a task that fails once and is retried
(Spark's `local[2,4]`) leaves exact output: no duplicate, no loss, no
temporary file. One SparkSession for the module.

Needs pyspark, pyarrow, dask and Java 17; the loganon wheel (`pip install
./python`) and binary (LOGANON_BIN, or a cargo build of this checkout)."""

import gzip
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
sys.path.insert(0, str(ROOT / "python" / "tests"))

from conftest import find_binary  # noqa: E402  (python/tests/conftest.py)

# reported as skipped (with why) where the recipes' libraries are missing
for _module, _why in [
    ("pyarrow", "needs pyarrow"),
    ("pyspark", "needs pyspark and Java 17"),
    ("dask", "needs dask"),
    ("loganon", "needs the loganon wheel"),
]:
    pytest.importorskip(_module, reason=_why)

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
NOW = "2026-01-05"
KEYED = ["--ip-mode", "cryptopan", "--identifiers", "hash", "--now", NOW]
# the key as a file, read where the Anonymizer is made (never in a closure)
KEYED_OPTIONS = {"ip_mode": "cryptopan", "identifiers": "hash", "now": NOW}


def make_lines(seed, n):
    """Lines of every kind a real log mixes: combined, JSON, W3C with its
    header, CRLF endings, a lone CR, bytes that are not UTF-8."""
    r = random.Random(seed)
    out = [b"#Fields: date time c-ip cs-username cs(Cookie) cs-uri-stem sc-status"]
    for i in range(n):
        ip = f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        day = r.randint(1, 9)
        kind = i % 6
        if kind == 0:
            line = f'{ip} - user{i} [0{day}/Jan/2026:10:00:{i % 60:02d} +0000] "GET /a?email=u{i}%40example.com&p={i} HTTP/1.1" 200 {i} "-" "curl/8"'
        elif kind == 1:
            line = f'{{"time":"2026-01-0{day}T10:00:00Z","remote_addr":"{ip}","user":"u{i}","uri":"/b?token=t{i}"}}'
        elif kind == 2:
            line = f"2026-01-0{day} 10:00:00 {ip} user{i} sid={i} /c 200"
        elif kind == 3:
            line = f'{ip} - - [0{day}/Jan/2026:10:00:00 +0000] "GET /crlf HTTP/1.1" 200 1\r'
        elif kind == 4:
            line = f"free text {ip} mac 00:1a:2b:3c:4d:{i % 100:02d}\rsecond half {ip}"
        else:
            line = f'{ip} - - [0{day}/Jan/2026:10:00:00 +0000] "GET /caf\xe9 HTTP/1.1" 200 1'
        out.append(line.encode("latin-1") if kind == 5 else line.encode())
    return out


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("recipes")
    inputs = base / "in"
    inputs.mkdir()
    paths = []
    for k in range(4):
        data = b"\n".join(make_lines(k, 1500 + 300 * k))
        if k != 3:
            data += b"\n"  # the last file ends without a line end
        p = inputs / f"access-{k}.log.gz"
        p.write_bytes(gzip.compress(data))
        paths.append(str(p))
    binary = find_binary()
    assert binary, "no loganon binary: build it (cargo build) or set LOGANON_BIN"
    key = base / "k.key"
    key.write_text(KEY + "\n")
    key.chmod(0o600)
    direct = {}
    for name, extra in (("plain", []), ("keyed", KEYED + ["--key-file", str(key)])):
        d = base / f"direct-{name}"
        d.mkdir()
        subprocess.run([binary, "anonymize", "--out-dir", str(d), *extra, *paths], check=True)
        direct[name] = {Path(p).name: gzip.decompress((d / Path(p).name).read_bytes()) for p in paths}
    return {"base": base, "paths": paths, "binary": binary, "key": key, "direct": direct}


@pytest.fixture(scope="module")
def spark(env):
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2,4]")
        .appName("loganon-recipes")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    for f in ("spark_per_file.py", "spark_arrow.py"):
        s.sparkContext.addPyFile(str(EXAMPLES / f))
    s.sparkContext.addFile(str(env["key"]))
    yield s
    s.stop()


def split(data):
    parts = data.split(b"\n")
    return parts[:-1] if parts[-1] == b"" else parts


def leftovers(folder):
    """Temporary files anywhere under `folder` (loganon's and the recipes')."""
    return [str(p) for p in Path(folder).rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def assert_files_equal(out_dir, want):
    got = {n: gzip.decompress((Path(out_dir) / n).read_bytes()) for n in want}
    for n in want:
        assert Counter(split(got[n])) == Counter(split(want[n])), n
        assert got[n] == want[n], f"{n}: not byte-identical"
    assert sorted(p.name for p in Path(out_dir).iterdir()) == sorted(want), "no other file in the output"


def per_file_job(env, route, mode, run):
    """Runs a per-file route (`run(out, marker)` returns the names written)
    and checks its files against the direct run's, byte for byte."""
    out = env["base"] / f"{route}-{mode}"
    marker = env["base"] / f"{route}-{mode}.failed" if mode == "retried" else None
    names = run(str(out), None if marker is None else str(marker))
    assert sorted(names) == sorted(env["direct"]["plain"])
    if marker is not None:
        assert marker.exists(), "the failure was injected"
    assert_files_equal(out, env["direct"]["keyed" if mode == "keyed" else "plain"])
    assert leftovers(out) == []


@pytest.mark.parametrize("mode", ["plain", "keyed", "retried"])
def test_spark_per_file(env, spark, mode):
    import spark_per_file

    keyed = mode == "keyed"
    per_file_job(env, "per-file", mode, lambda out, marker: spark_per_file.anonymize_files(
        spark, env["paths"], out, env["binary"], KEYED if keyed else [],
        key_file="k.key" if keyed else None, fail_once=marker,
    ))


@pytest.mark.parametrize("mode", ["plain", "keyed", "retried"])
def test_spark_map_in_arrow(env, spark, mode):
    import spark_arrow

    out = env["base"] / f"arrow-{mode}"
    marker = env["base"] / f"arrow-{mode}.failed" if mode == "retried" else None
    df = spark_arrow.anonymize_files(
        spark, env["paths"], str(out), dict(KEYED_OPTIONS, key_file="k.key") if mode == "keyed" else {},
        fail_once=None if marker is None else str(marker),
    )
    rows = df.collect()
    want = env["direct"]["keyed" if mode == "keyed" else "plain"]
    by_file = {}
    for r in rows:
        by_file.setdefault(os.path.basename(r["file"]), []).append((r["line"], bytes(r["value"])))
    assert sorted(by_file) == sorted(want)
    for name, got in by_file.items():
        got.sort()
        assert [n for n, _ in got] == list(range(len(got))), f"{name}: each line once"
        lines = [v for _, v in got]
        expect = split(want[name])
        # Spark's reader gives the bytes between two \n: the binary's lines
        assert Counter(lines) == Counter(expect), name
        assert lines == expect, f"{name}: in the file's order"
    if marker is not None:
        assert marker.exists(), "the failure was injected"
    assert leftovers(out) == []


def test_spark_map_in_arrow_numbers_the_lines_of_a_file_split_into_parts(env, spark):
    """A plain file larger than spark.sql.files.maxPartitionBytes is read in
    parts (before, each part's lines were numbered from 0)."""
    import spark_arrow

    plain = env["base"] / "big.log"
    # (no W3C lines: a part after the first has no #Fields: to read them
    # by; a split W3C file needs w3c_fields=)
    lines = [l for l in make_lines(7, 7000) if not l.startswith((b"#", b"2026-"))]
    data = b"\n".join(lines) + b"\n"
    plain.write_bytes(data)
    want = split(subprocess.run([env["binary"], "anonymize"], input=data, capture_output=True, check=True).stdout)
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(64 * 1024))
    try:
        parts = spark_arrow.read_lines(spark, [str(plain)]).select("block").distinct().count()
        assert parts > 3, "the file is read in parts"
        rows = spark_arrow.anonymize_files(spark, [str(plain)], str(env["base"] / "split-out")).collect()
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    got = sorted((r["line"], bytes(r["value"])) for r in rows)
    assert [n for n, _ in got] == list(range(len(want))), "each line once, numbered in its file"
    assert [v for _, v in got] == want, "in the file's order"


def test_spark_structured_streaming_anonymizes_each_new_file_once(env, spark):
    import spark_arrow

    folder = env["base"] / "incoming"
    folder.mkdir()
    out, checkpoint = env["base"] / "stream-out", env["base"] / "stream-checkpoint"
    first = b"\n".join(make_lines(11, 300)) + b"\n"
    (folder / "a.log").write_bytes(first)
    rows = spark_arrow.stream_folder(spark, str(folder), str(out), str(checkpoint)).collect()
    assert sorted(bytes(r["value"]) for r in rows) == sorted(split(subprocess.run(
        [env["binary"], "anonymize"], input=first, capture_output=True, check=True).stdout))
    # a file arrives; the next run does only it
    second = b"\n".join(make_lines(12, 200)) + b"\n"
    (folder / "b.log").write_bytes(second)
    rows = spark_arrow.stream_folder(spark, str(folder), str(out), str(checkpoint)).collect()
    by_file = Counter(os.path.basename(r["file"]) for r in rows)
    assert by_file == {"a.log": len(split(first)), "b.log": len(split(second))}, by_file


@pytest.mark.parametrize("mode", ["plain", "keyed", "retried"])
def test_dask_per_file(env, mode):
    import dask_files

    per_file_job(env, "dask", mode, lambda out, marker: dask_files.anonymize_files(
        env["paths"], out, dict(KEYED_OPTIONS, key_file=str(env["key"])) if mode == "keyed" else {}, fail_once=marker,
    ))
