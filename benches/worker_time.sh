#!/usr/bin/env bash
# The CPU time of the worker thread of `anonymize -j 1`, per build, where
# the pipeline's bottleneck is: `perf record -e cpu-clock` (a software
# clock, which works where the machine lends no hardware counters, as on
# this project's VM) samples every thread at 20 kHz, and the busiest
# thread's samples are counted. Less drift than wall time: the reader and
# the writer threads, and the machine's other load, are left out.
#
#   benches/worker_time.sh FILE BINARY...
#
# Prints, per binary, the least of 3 runs in samples (20,000 a second) and
# in seconds; with one perf report per binary of the last run's worker, by
# function, in $OUT (when set) for a closer look. Needs `perf` (Debian:
# linux-perf); says so and exits 2 without it.
set -euo pipefail
FILE=${1:?usage: benches/worker_time.sh FILE BINARY...}
shift
[ $# -gt 0 ] || { echo "usage: benches/worker_time.sh FILE BINARY..." >&2; exit 2; }
command -v perf > /dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# the samples of the busiest thread of one run, and its thread id
worker() {
  perf record -q -e cpu-clock -F 20000 -o "$TMP/data" "$1" anonymize -j 1 "$FILE" > /dev/null 2> "$TMP/err" ||
    { echo "perf record failed: $(head -n 3 "$TMP/err")" >&2; exit 2; }
  perf script -i "$TMP/data" -F tid 2> /dev/null | sort | uniq -c | sort -rn | head -n 1
}
echo "| build | worker samples (20 kHz) | worker CPU s |"
echo "|---|---|---|"
for b in "$@"; do
  best=
  for _ in 1 2 3; do
    read -r n tid < <(worker "$b")
    if [ -z "$best" ] || [ "$n" -lt "$best" ]; then best=$n; fi
  done
  if [ -n "${OUT:-}" ]; then
    perf report -i "$TMP/data" -n --no-children --tid "$tid" --sort symbol -g none -q 2> /dev/null |
      grep -v '^$' | head -n 40 > "$OUT/worker-$(basename "$b").txt"
  fi
  awk -v b="$b" -v n="$best" 'BEGIN { printf "| %s | %d | %.2f |\n", b, n, n / 20000 }'
done
