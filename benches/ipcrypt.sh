#!/usr/bin/env bash
# The address modes side by side: truncation, the keyed modes and the four
# ipcrypt variants, on the same generated combined log, in one run.
#
#   benches/ipcrypt.sh [LINES] [JOBS]   (default 1000000 lines, ~238 MB; -j 1)
#   MODES="truncate ipcrypt-pfx" benches/ipcrypt.sh   (some modes only; truncate first)
#
# Each figure is the best of 5 runs, the modes interleaved run by run (so a
# slow spell of the machine touches them all). MB/s are of input bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
JOBS=${2:-1}
cargo build --release --quiet
cargo build --release --quiet --example genlog
B=${CARGO_TARGET_DIR:-target}/release/loganon
G=${CARGO_TARGET_DIR:-target}/release/examples/genlog
mkdir -p bench-data
C=bench-data/combined-$LINES.log
[ -s "$C" ] || "$G" "$LINES" 11400714819323198485 combined > "$C"
KEY=bench-data/bench.key
[ -s "$KEY" ] || { rm -f "$KEY"; "$B" keygen "$KEY" 2>/dev/null; }
SIZE=$(stat -c %s "$C")
MODES=${MODES:-truncate hash cryptopan ipcrypt-pfx ipcrypt-deterministic ipcrypt-nd ipcrypt-ndx}
declare -A BEST
for m in $MODES; do BEST[$m]=999999; done
T=$(mktemp)
trap 'rm -f "$T"' EXIT
for _ in 1 2 3 4 5; do
  for m in $MODES; do
    k=""
    [ "$m" = truncate ] || k="--key-file $KEY"
    /usr/bin/time -f "%e" -o "$T" "$B" anonymize -j "$JOBS" --ip-mode "$m" $k "$C" > /dev/null
    t=$(tail -n 1 "$T")
    if awk "BEGIN{exit !($t < ${BEST[$m]})}"; then BEST[$m]=$t; fi
  done
done
echo "$(nproc) cores; $LINES lines, $SIZE bytes; -j $JOBS; best of 5, interleaved"
echo
echo "| --ip-mode | seconds | MB/s | time / truncate |"
echo "|---|---|---|---|"
for m in $MODES; do
  awk -v m="$m" -v t="${BEST[$m]}" -v s="$SIZE" -v b="${BEST[truncate]}" \
    'BEGIN{ printf "| `%s` | %.2f | %.0f | %.2fx |\n", m, t, s/1e6/t, t/b }'
done
