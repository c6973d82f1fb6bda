"""Columns of a parsed table anonymized by role (issue 28, item 2), value by
value against the binary on the same lines: the lines are parsed by a
regular expression here, the binary anonymizes the lines, and the fields
of its output are compared with what each column function gives."""

import os
import re
import subprocess
import sys

import pytest

pa = pytest.importorskip("pyarrow", reason="needs pyarrow (pip install pyarrow)")
loganon = pytest.importorskip("loganon", reason="needs the loganon wheel (maturin build -m python/Cargo.toml)")

COMBINED = re.compile(rb'^(\S+) (\S+) (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\S+) "([^"]*)" "([^"]*)"$')
COLUMNS = [("client", 1), ("user", 3), ("request", 5), ("referer", 8), ("user_agent", 9)]


def table(binary, extra_lines=()):
    """(lines, parsed input rows, parsed rows of the binary's output)."""
    lines = [b'198.51.100.7 - bob [01/Jan/2026:10:00:00 +0000] "GET /login?email=bob%40example.com&x=10.1.2.3 HTTP/1.1" 200 5 "https://alice:pw@ref.example.com/?sid=abc123" "App/1.0 (device 00:1a:2b:3c:4d:5e)"',
             b'2001:db8:1:2::9 - - [01/Jan/2026:10:00:01 +0000] "GET /u/jane.doe@example.org/x HTTP/1.1" 404 0 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"',
             b'host-203-0-113-9.example.net - carol [01/Jan/2026:10:00:02 +0000] "POST /api?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl HTTP/1.1" 201 12 "http://203.0.113.9:8080/a" "curl/8.5.0"']
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "testdata", "sample.log"), "rb") as f:
        lines += [l for l in f.read().split(b"\n") if COMBINED.match(l)]
    lines += list(extra_lines)
    out = subprocess.run([binary, "anonymize"], input=b"\n".join(lines) + b"\n", capture_output=True, check=True).stdout
    got = out.split(b"\n")[:-1]
    assert len(got) == len(lines)
    rows_in = [COMBINED.match(l).groups() for l in lines]
    rows_out = [COMBINED.match(l).groups() for l in got]
    return lines, rows_in, rows_out


def test_each_column_as_the_binary_writes_its_field(binary):
    lines, rows_in, rows_out = table(binary)
    a = loganon.Anonymizer()
    for role, k in COLUMNS:
        values = [r[k - 1] for r in rows_in]
        want = [r[k - 1] for r in rows_out]
        assert a.anonymize_column(values, role) == want, role
        # str in, str out, None kept in place
        text = [v.decode() for v in values] + [None]
        assert a.anonymize_column(text, role) == [w.decode() for w in want] + [None], role
    # whole lines, in place
    assert a.anonymize_column(lines, "line") == [COMBINED.match(l).group(0) for l in
                                                  subprocess.run([binary, "anonymize"], input=b"\n".join(lines) + b"\n",
                                                                 capture_output=True, check=True).stdout.split(b"\n")[:-1]]
    with pytest.raises(ValueError, match='role="ip"'):
        a.anonymize_column([b"x"], "ip")


def test_keys_are_read_where_the_anonymizer_is_made(binary, tmp_path):
    key = tmp_path / "k.key"
    key.write_text("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n")
    key.chmod(0o600)
    line = b'198.51.100.7 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5'
    want = subprocess.run([binary, "anonymize", "--ip-mode", "cryptopan", "--now", "2026-01-01", "--key-file", str(key)],
                          input=line + b"\n", capture_output=True, check=True).stdout.split(b" ")[0]
    a = loganon.Anonymizer(ip_mode="cryptopan", now="2026-01-01", key_file=str(key))
    assert a.anonymize_column([b"198.51.100.7"], "client") == [want]
    os.environ["LOGANON_TEST_KEY"] = key.read_text()
    try:
        b = loganon.Anonymizer(ip_mode="cryptopan", now="2026-01-01", key_env="LOGANON_TEST_KEY")
        assert b.anonymize_column([b"198.51.100.7"], "client") == [want]
    finally:
        del os.environ["LOGANON_TEST_KEY"]
    key.chmod(0o644)
    with pytest.raises(ValueError, match="readable or writable by group or others"):
        loganon.Anonymizer(ip_mode="cryptopan", key_file=str(key))
    with pytest.raises(ValueError, match="no such environment variable"):
        loganon.Anonymizer(ip_mode="cryptopan", key_env="LOGANON_NO_SUCH_VARIABLE")


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="needs pyspark and Java 17")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("loganon-columns")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield s
    s.stop()


def test_spark_columns_are_the_binarys_fields(binary, spark):
    from loganon.spark import anonymize_column

    _, rows_in, rows_out = table(binary)
    names = [role for role, _ in COLUMNS]
    # (n: the row's number, to line rows up after the shuffle)
    rows = [(n,) + tuple(r[k - 1].decode() for _, k in COLUMNS) for n, r in enumerate(rows_in)]
    silver = spark.createDataFrame(rows, ["n"] + names).repartition(3)
    for role in names:
        silver = silver.withColumn(role, anonymize_column(role, role))
    got = {r["n"]: r for r in silver.collect()}
    assert len(got) == len(rows_in)
    for n, (r_in, r_out) in enumerate(zip(rows_in, rows_out)):
        row = got[n]
        for role, k in COLUMNS:
            assert row[role] == r_out[k - 1].decode(), (role, r_in[k - 1])
    with pytest.raises(ValueError, match="key_file"):
        anonymize_column("client", "client", ip_mode="hash", key=b"0" * 32)


def test_dask_columns_are_the_binarys_fields(binary):
    dd = pytest.importorskip("dask.dataframe", reason="needs dask")
    import pandas as pd

    from loganon.dask import anonymize_column

    _, rows_in, rows_out = table(binary)
    pdf = pd.DataFrame({role: [r[k - 1].decode() for r in rows_in] for role, k in COLUMNS})
    df = dd.from_pandas(pdf, npartitions=3)
    for role, k in COLUMNS:
        got = anonymize_column(df[role], role).compute(scheduler="threads").tolist()
        assert got == [r[k - 1].decode() for r in rows_out], role


def kanon_lines():
    """Lines over three days where some networks have fewer than 3 clients."""
    out = []
    for i in range(120):
        day = 1 + i % 3
        net = [10, 11, 12, 13][i % 4] if i % 5 else 99
        host = (i * 7) % (3 if net == 11 else 50)
        out.append(f'198.51.{net}.{host} - - [0{day}/Jan/2026:10:00:{i % 60:02d} +0000] "GET /{i} HTTP/1.1" 200 5'.encode())
    out.append(b'2001:db8:1:2::9 - - [01/Jan/2026:11:00:00 +0000] "GET /six HTTP/1.1" 200 5')
    return out


def cli_min_k(binary, lines, tmp_path, k=3):
    f = tmp_path / "k.log"
    f.write_bytes(b"\n".join(lines) + b"\n")
    out = subprocess.run([binary, "anonymize", "--min-k", str(k), str(f)], capture_output=True, check=True).stdout
    return out.split(b"\n")[:-1]


def test_spark_min_k_over_the_whole_data_set_split_across_tasks(binary, spark, tmp_path):
    from loganon import spark as ls

    lines = kanon_lines()
    want = cli_min_k(binary, lines, tmp_path)
    assert want != loganon.Anonymizer().anonymize_lines(lines), "min_k widens something"
    df = spark.createDataFrame([(n, l) for n, l in enumerate(lines)], "n long, value binary").repartition(4)
    assert df.rdd.getNumPartitions() == 4
    counts = ls.count(df, "value", min_k=3)
    got = df.withColumn("value", ls.anonymize_lines("value", counts=counts, min_k=3)).collect()
    assert [bytes(r["value"]) for r in sorted(got, key=lambda r: r["n"])] == want
    # per task (each partition its own counts) is what the CLI would not write
    per_task = df.withColumn("value", ls.anonymize_lines("value")).collect()
    assert len(per_task) == len(lines)


def test_dask_min_k_over_the_whole_data_set_split_across_partitions(binary, tmp_path):
    dd = pytest.importorskip("dask.dataframe", reason="needs dask")
    import pandas as pd

    from loganon import dask as ld

    lines = kanon_lines()
    want = cli_min_k(binary, lines, tmp_path)
    s = dd.from_pandas(pd.Series(lines, name="value"), npartitions=4)
    counts = ld.count(s, min_k=3)
    got = ld.anonymize_lines(s, counts=counts, min_k=3).compute(scheduler="threads").tolist()
    # (Dask may hold the bytes as strings: str in, str out)
    assert [g.encode() if isinstance(g, str) else g for g in got] == want
    with pytest.raises(ValueError, match="give both"):
        ld.anonymize_lines(s, counts=counts)
