#!/usr/bin/env bash
# Before/after throughput of two loganon binaries, measured in the same run,
# interleaved so that a drift of the machine's speed hits both alike.
#
#   benches/compare.sh BASE_BINARY [LINES] [ROUNDS]
#
# BASE_BINARY is an older build (for example from a `git worktree` of the
# commit before a change, built with `cargo build --release`); the other is
# this tree's target/release/loganon (under $CARGO_TARGET_DIR when set). Inputs come from benches/genlog.rs into
# bench-data/: combined, JSON lines, W3C, and `encoded` (combined with a value
# behind an encoding in 20% of the lines). Each figure is the best of ROUNDS
# (default 5) runs of `anonymize -j 2 FILE > /dev/null`; MB/s are of input
# bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: benches/compare.sh BASE_BINARY [LINES] [ROUNDS]}
LINES=${2:-1000000}
ROUNDS=${3:-5}
cargo build --release --quiet
cargo build --release --quiet --example genlog
NEW=${CARGO_TARGET_DIR:-target}/release/loganon
G=${CARGO_TARGET_DIR:-target}/release/examples/genlog
mkdir -p bench-data
for kind in combined json w3c encoded; do
  f=bench-data/$kind-$LINES.log
  [ -s "$f" ] || "$G" "$LINES" 11400714819323198485 "$kind" > "$f"
done
TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT

secs() {
  /usr/bin/time -f "%e" -o "$TIMES" "$@" >/dev/null 2>&1 || true
  cat "$TIMES"
}

echo "$(nproc) cores; $LINES lines; best of $ROUNDS; base: $BASE"
echo
echo "| input | MB | base MB/s | new MB/s | new/base |"
echo "|---|---|---|---|---|"
for kind in combined json w3c encoded; do
  f=bench-data/$kind-$LINES.log
  size=$(stat -c %s "$f")
  bb=999999 bn=999999
  for _ in $(seq "$ROUNDS"); do
    t=$(secs "$BASE" anonymize -j 2 "$f"); awk "BEGIN{exit !($t < $bb)}" && bb=$t
    t=$(secs "$NEW" anonymize -j 2 "$f"); awk "BEGIN{exit !($t < $bn)}" && bn=$t
  done
  awk -v k="$kind" -v s="$size" -v b="$bb" -v n="$bn" \
    'BEGIN{ printf "| %s | %.0f | %.0f | %.0f | %.2f |\n", k, s/1e6, s/1e6/b, s/1e6/n, b/n }'
done
