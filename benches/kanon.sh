#!/usr/bin/env bash
# k-anonymous truncation (issue 17): the cost of `--min-k 5` next to the
# default, in the same run, and peak RSS for a large log with many distinct
# addresses.
#
#   benches/kanon.sh [LINES [BIG_LINES [POOL]]]
#     LINES      lines of the throughput log (default 1000000, ~238 MB)
#     BIG_LINES  lines of the memory log (default 4400000, ~1 GB)
#     POOL       its distinct client addresses (default 1000000)
#
# Inputs come from benches/genlog.rs into bench-data/ (ignored by git). The
# throughput log's clients are genlog's usual ones (almost every line a /24
# or /48 of its own: the worst case, nearly every network is widened); the
# memory log's are drawn from POOL addresses, 16 to a /24. Each throughput
# figure is the best of 3 runs; RSS is /usr/bin/time's maximum resident set.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
BIG=${2:-4400000}
POOL=${3:-1000000}
cargo build --release --quiet
cargo build --release --quiet --example genlog
T=${CARGO_TARGET_DIR:-target}
B=$T/release/loganon
G=$T/release/examples/genlog
mkdir -p bench-data
C=bench-data/combined-$LINES.log
[ -s "$C" ] || "$G" "$LINES" 11400714819323198485 combined > "$C"
[ -s "$C.gz" ] || gzip -6 -c "$C" > "$C.gz"
TIMES=$(mktemp)
OUT=bench-data/kanon-out.log
trap 'rm -f "$TIMES" "$OUT"' EXIT

best() {
  local best_t=999999 best_m=0 t m
  for _ in 1 2 3; do
    rm -f "$OUT"
    /usr/bin/time -f "%e %M" -o "$TIMES" sh -c "$1" >/dev/null 2>&1 || true
    read -r t m < "$TIMES"
    if awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; best_m=$m; fi
  done
  echo "$best_t $best_m"
}

row() {
  local name=$1 size=$2 cmd=$3 t m
  read -r t m < <(best "$cmd")
  awk -v n="$name" -v t="$t" -v m="$m" -v s="$size" \
    'BEGIN{ printf "| %-46s | %7.2f | %6.0f | %7.1f |\n", n, t, (t>0? s/1e6/t : 0), m/1024 }'
}

SC=$(stat -c %s "$C")
echo "$(nproc) cores; $LINES lines, $SC bytes"
echo
echo "| command | seconds | MB/s | peak RSS MiB |"
echo "|---|---|---|---|"
for j in 1 2; do
  row "file -> file, -j $j" "$SC" "$B anonymize -j $j $C -o $OUT"
  row "file -> file, -j $j, --min-k 5" "$SC" "$B anonymize -j $j --min-k 5 $C -o $OUT"
done
row "file -> file, -j 2, --stats (the report)" "$SC" "$B anonymize -j 2 --stats $C -o $OUT"
row "gz -> plain, -j 2" "$SC" "$B anonymize -j 2 $C.gz -o $OUT"
row "gz -> plain, -j 2, --min-k 5" "$SC" "$B anonymize -j 2 --min-k 5 $C.gz -o $OUT"
row "stdin -> stdout, -j 2" "$SC" "cat $C | $B anonymize -j 2"
row "stdin -> stdout, -j 2, --min-k 5 (spooled)" "$SC" "cat $C | $B anonymize -j 2 --min-k 5"
row "check --k-report" "$SC" "$B check --k-report $C"

BIGF=bench-data/pool-$BIG-$POOL.log
[ -s "$BIGF" ] || "$G" "$BIG" 11400714819323198485 combined "$POOL" > "$BIGF"
SB=$(stat -c %s "$BIGF")
echo
echo "memory: $BIG lines, $SB bytes, clients from $POOL distinct addresses"
echo "(distinct: $(cut -d' ' -f1 "$BIGF" | sort -u -S 1G | wc -l))"
echo
echo "| command | seconds | MB/s | peak RSS MiB |"
echo "|---|---|---|---|"
one() {
  rm -f "$OUT"
  /usr/bin/time -f "%e %M" -o "$TIMES" sh -c "$2" >/dev/null 2>&1 || true
  read -r t m < "$TIMES"
  awk -v n="$1" -v t="$t" -v m="$m" -v s="$SB" \
    'BEGIN{ printf "| %-46s | %7.2f | %6.0f | %7.1f |\n", n, t, (t>0? s/1e6/t : 0), m/1024 }'
}
one "file -> file, -j 2" "$B anonymize -j 2 $BIGF -o $OUT"
one "file -> file, -j 2, --min-k 5" "$B anonymize -j 2 --min-k 5 $BIGF -o $OUT"
one "stdin -> stdout, -j 2, --min-k 5 (spooled)" "cat $BIGF | $B anonymize -j 2 --min-k 5"
one "check --k-report" "$B check --k-report $BIGF"
