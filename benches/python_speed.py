"""The Python package against the binary on the same lines, one core:
`anonymize_lines` in batches of 10,000 lines, time of the calls only (the
file read and split before), next to `loganon anonymize -j 1` on the file.

    python benches/python_speed.py bench-data/combined-1000000.log target/release/loganon
"""

import subprocess
import sys
import time

from loganon import Anonymizer


def main(path, binary, runs=3):
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    batches = [lines[i : i + 10_000] for i in range(0, len(lines), 10_000)]
    best_py = best_cli = float("inf")
    for _ in range(runs):
        a = Anonymizer()
        t = time.perf_counter()
        for b in batches:
            a.anonymize_lines(b)
        best_py = min(best_py, time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([binary, "anonymize", "-j", "1", path], stdout=subprocess.DEVNULL, check=True)
        best_cli = min(best_cli, time.perf_counter() - t)
    mb = len(data) / 1e6
    print(f"| route | seconds | MB/s |")
    print(f"|---|---|---|")
    print(f"| `loganon anonymize -j 1` | {best_cli:.2f} | {mb / best_cli:.0f} |")
    print(f"| `Anonymizer.anonymize_lines`, batches of 10,000 | {best_py:.2f} | {mb / best_py:.0f} |")
    print(f"python / CLI time: {best_py / best_cli:.2f}x ({len(lines)} lines, {mb:.0f} MB, best of {runs})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
