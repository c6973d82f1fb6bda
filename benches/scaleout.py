"""The Scale-out figures of docs/scale-out.md: each route timed twice (best kept), one
after the other in one run, over
40 gzip files, MB/s of uncompressed input. Run with a Python that has
pyspark, pyarrow, pandas, dask and the wheel (`pip install ./python`):

    python benches/scaleout.py target/release/loganon DATA_DIR OUT_DIR

DATA_DIR is made when missing, with `cargo run --release --example genlog`
(25,000 lines a file; every eighth file JSON, every eighth W3C, the rest
combined; about 257 MB uncompressed, 25 MB gzip)."""
import gzip, os, shutil, subprocess, sys, time
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
BIN, DATA, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
if not os.path.isdir(DATA):
    os.makedirs(DATA)
    for i in range(40):
        kind = {5: "json", 6: "w3c"}.get(i % 8, "combined")
        plain = subprocess.run(["cargo", "run", "-q", "--release", "--example", "genlog", "--", "25000", str(i + 1), kind],
                               check=True, capture_output=True, cwd=os.path.join(HERE, "..")).stdout
        with open(os.path.join(DATA, f"access-{i}.log.gz"), "wb") as f:
            f.write(gzip.compress(plain, 6))
paths = sorted(os.path.join(DATA, n) for n in os.listdir(DATA) if n.endswith(".gz"))
raw = sum(len(gzip.decompress(open(p, "rb").read())) for p in paths)
comp = sum(os.path.getsize(p) for p in paths)
print(f"{len(paths)} files, {raw/1e6:.0f} MB uncompressed, {comp/1e6:.0f} MB gzip")
def fresh(d):
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    return d
res = {}
def timed(name, f, reps=2):
    best = None
    for _ in range(reps):
        t = time.monotonic(); f(); dt = time.monotonic() - t
        best = dt if best is None else min(best, dt)
        print(f"  {name}: {dt:.1f} s, {raw/1e6/dt:.0f} MB/s", flush=True)
    res[name] = raw / 1e6 / best
timed("direct --out-dir -j 2", lambda: subprocess.run([BIN, "anonymize", "-j", "2", "--out-dir", fresh(OUT + "/direct"), *paths], check=True))
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession
s = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").config("spark.driver.memory", "2g").getOrCreate()
for f in ("spark_per_file.py", "spark_arrow.py"):
    s.sparkContext.addPyFile(os.path.join(HERE, "..", "examples", f))
import spark_per_file, spark_arrow
s.sparkContext.parallelize([1, 2], 2).count()  # workers up
timed("spark per file (-j 1 per task)", lambda: spark_per_file.anonymize_files(s, paths, fresh(OUT + "/perfile"), BIN, ["-j", "1"]))
timed("spark mapInArrow -> parquet", lambda: spark_arrow.anonymize_files(s, paths, OUT + "/arrow").count())
from pyspark.sql import functions as F
def read_write():
    s.read.option("lineSep", "\n").text(paths).write.mode("overwrite").option("compression", "gzip").text(OUT + "/rw")
timed("spark text read + gzip text write (no anonymization)", read_write)
def pipe():
    shutil.rmtree(OUT + "/pipe", ignore_errors=True)
    s.sparkContext.textFile(",".join(paths)).pipe(BIN + " anonymize -j 1", checkCode=True).saveAsTextFile(OUT + "/pipe", "org.apache.hadoop.io.compress.GzipCodec")
timed("spark textFile().pipe(checkCode=True)", pipe)
from loganon.spark import anonymize_column
RX = r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\S+) "([^"]*)" "([^"]*)"$'
COLS = [(1, "client"), (3, "user"), (5, "request"), (8, "referer"), (9, "user_agent")]
def parsed():
    df = s.read.option("lineSep", "\n").text(paths)
    return df.select(*[F.regexp_extract("value", RX, i).alias(n) for i, n in COLS])
timed("spark parse -> parquet (no anonymization)", lambda: parsed().write.mode("overwrite").parquet(OUT + "/parsed"))
def columns():
    t = parsed()
    for _, n in COLS:
        t = t.withColumn(n, anonymize_column(n, n))
    t.write.mode("overwrite").parquet(OUT + "/columns")
timed("spark parse + 5 column UDFs (loganon.spark) -> parquet", columns)
s.stop()
import dask_files
timed("dask per file (wheel, threads)", lambda: dask_files.anonymize_files(paths, fresh(OUT + "/dask")))
def dask_lines():
    import dask.bag as db
    from loganon import Anonymizer
    def part(lines):
        return Anonymizer().anonymize_lines([l.rstrip(b"\n") for l in lines])
    bag = db.from_sequence(paths, npartitions=len(paths)).map(lambda p: gzip.decompress(open(p, "rb").read()).split(b"\n"))
    bag.map(part).map(len).compute(scheduler="threads")
timed("dask lines in memory (wheel anonymize_lines, threads)", dask_lines)
print(res)
