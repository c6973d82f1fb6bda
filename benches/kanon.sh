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
. benches/common.sh
OUT=bench-data/kanon-out.log
trap 'rm -f "$BENCH_TIMES" "$OUT"' EXIT

SC=$(stat -c %s "$C")
echo "$(nproc) cores; $LINES lines, $SC bytes"
echo
echo "| command | seconds | MB/s | peak RSS MiB |"
echo "|---|---|---|---|"
for j in 1 2; do
  row "file -> file, -j $j" "$SC" "$B anonymize -j $j $C -o $OUT; rm -f $OUT"
  row "file -> file, -j $j, --min-k 5" "$SC" "$B anonymize -j $j --min-k 5 $C -o $OUT; rm -f $OUT"
done
row "file -> file, -j 2, --stats (the report)" "$SC" "$B anonymize -j 2 --stats $C -o $OUT; rm -f $OUT"
row "gz -> plain, -j 2" "$SC" "$B anonymize -j 2 $C.gz -o $OUT; rm -f $OUT"
row "gz -> plain, -j 2, --min-k 5" "$SC" "$B anonymize -j 2 --min-k 5 $C.gz -o $OUT; rm -f $OUT"
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
once "file -> file, -j 2" "$SB" "$B anonymize -j 2 $BIGF -o $OUT; rm -f $OUT"
once "file -> file, -j 2, --min-k 5" "$SB" "$B anonymize -j 2 --min-k 5 $BIGF -o $OUT; rm -f $OUT"
once "stdin -> stdout, -j 2, --min-k 5 (spooled)" "$SB" "cat $BIGF | $B anonymize -j 2 --min-k 5"
once "check --k-report" "$SB" "$B check --k-report $BIGF"
