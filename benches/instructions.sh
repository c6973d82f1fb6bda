#!/usr/bin/env bash
# Instructions per 20,000 lines (callgrind), before/after: a measure that
# does not drift with the machine's speed, next to benches/compare.sh.
#
#   benches/instructions.sh BASE_BINARY [LINES]
#
# Uses the first 20,000 lines of bench-data/KIND-LINES.log (made by
# benches/compare.sh) and `anonymize -j 1`. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: benches/instructions.sh BASE_BINARY [LINES]}
LINES=${2:-1000000}
cargo build --release --quiet
NEW=${CARGO_TARGET_DIR:-target}/release/loganon
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" anonymize -j 1 "$2" 2>&1 >/dev/null |
    awk '/Collected/ {print $4}'
}
echo "| input (20,000 lines) | base instructions | new instructions | new/base |"
echo "|---|---|---|---|"
for kind in combined json w3c encoded; do
  f=bench-data/$kind-$LINES.log
  [ -s "$f" ] || { echo "missing $f: run benches/compare.sh first" >&2; exit 1; }
  head -n 20000 "$f" > "$TMP/$kind.log"
  b=$(count "$BASE" "$TMP/$kind.log")
  n=$(count "$NEW" "$TMP/$kind.log")
  awk -v k="$kind" -v b="$b" -v n="$n" 'BEGIN{ printf "| %s | %.1fM | %.1fM | %.3f |\n", k, b/1e6, n/1e6, n/b }'
done
