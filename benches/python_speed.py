"""The Python package's routes against the binary on the same file, one
core, interleaved (each round runs every route once; the best round of
each is kept):

- `loganon anonymize -j 1 FILE > /dev/null`, the binary;
- `anonymize_stream(open(FILE, "rb"), open("/dev/null", "wb"))`: the
  binary's loop with Python's file objects (reads of 4 MiB);
- `anonymize_text` on the file's 4 MiB parts cut at line ends, read before;
- `anonymize_arrow` on pyarrow arrays of 10,000 lines, made before
  (skipped without pyarrow);
- `anonymize_lines` in lists of 10,000 lines, split before;
- the floor of the per-line routes: a new `bytes` object for each line
  (`[x[1:] for x in batch]`), what Python itself spends on a list of
  1,000,000 results.

The stream's output is checked equal to the binary's first.

    python benches/python_speed.py bench-data/combined-1000000.log target/release/loganon [ROUNDS]
"""

import io
import subprocess
import sys
import time

from loganon import Anonymizer


def main(path, binary, rounds=5):
    data = open(path, "rb").read()
    mb = len(data) / 1e6
    ref = subprocess.run([binary, "anonymize", "-j", "1", path], capture_output=True, check=True).stdout
    got = io.BytesIO()
    Anonymizer().anonymize_stream(open(path, "rb"), got)
    assert got.getvalue() == ref, "anonymize_stream differs from the binary"

    parts, at = [], 0
    while at < len(data):
        end = data.rfind(b"\n", at, at + (4 << 20)) + 1 or min(len(data), at + (4 << 20))
        parts.append(data[at:end])
        at = end
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    batches = [lines[i : i + 10_000] for i in range(0, len(lines), 10_000)]
    try:
        import pyarrow as pa

        arrays = [pa.array(b, pa.binary()) for b in batches]
    except ImportError:
        arrays = None

    def cli():
        subprocess.run([binary, "anonymize", "-j", "1", path], stdout=subprocess.DEVNULL, check=True)

    def stream():
        with open(path, "rb") as r, open("/dev/null", "wb") as w:
            Anonymizer().anonymize_stream(r, w)

    def text():
        a = Anonymizer()
        for p in parts:
            a.anonymize_text(p)

    def arrow():
        a = Anonymizer()
        for b in arrays:
            a.anonymize_arrow(b)

    def per_line():
        a = Anonymizer()
        for b in batches:
            a.anonymize_lines(b)

    def floor():
        for b in batches:
            [x[1:] for x in b]

    routes = [
        ("`loganon anonymize -j 1`", cli),
        ("`anonymize_stream`, file to /dev/null, reads of 4 MiB", stream),
        ("`anonymize_text`, parts of 4 MiB", text),
        ("`anonymize_arrow`, arrays of 10,000 lines", arrow),
        ("`anonymize_lines`, lists of 10,000 lines", per_line),
        ("floor of a list per line: a new `bytes` per line, no work", floor),
    ]
    if arrays is None:
        routes = [r for r in routes if r[1] is not arrow]
    best = {name: float("inf") for name, _ in routes}
    for _ in range(rounds):
        for name, f in routes:
            t = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t)
    base = best[routes[0][0]]
    print("| route | seconds | MB/s | time / CLI |")
    print("|---|---|---|---|")
    for name, _ in routes:
        print(f"| {name} | {best[name]:.2f} | {mb / best[name]:.0f} | {best[name] / base:.2f}x |")
    print(f"({len(lines)} lines, {mb:.0f} MB, best of {rounds} interleaved rounds)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
