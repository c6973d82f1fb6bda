#!/usr/bin/env bash
# Throughput of `loganon anonymize`, next to the floors measured in the same run.
#
#   benches/throughput.sh [LINES]     (default 1000000 lines, ~238 MB combined)
#
# Inputs come from the project's own generator (benches/genlog.rs) into
# bench-data/ (ignored by git): combined, JSON lines and W3C, and a `gzip -6`
# copy of the combined log. MB/s are of uncompressed bytes. Each figure is the
# best of 3 runs; peak RSS is that run's maximum resident set. The gzip floor
# needs pigz (apt-get install pigz); its rows are skipped without it.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
cargo build --release --quiet
cargo build --release --quiet --example genlog
B=${CARGO_TARGET_DIR:-target}/release/loganon
G=${CARGO_TARGET_DIR:-target}/release/examples/genlog
mkdir -p bench-data
for kind in combined json w3c; do
  f=bench-data/$kind-$LINES.log
  [ -s "$f" ] || "$G" "$LINES" 11400714819323198485 "$kind" > "$f"
done
C=bench-data/combined-$LINES.log
[ -s "$C.gz" ] || gzip -6 -c "$C" > "$C.gz"
KEY=bench-data/bench.key
[ -s "$KEY" ] || { rm -f "$KEY"; "$B" keygen "$KEY" 2>/dev/null; }

. benches/common.sh

size() { stat -c %s "$1"; }
SC=$(size "$C")
echo "$(nproc) cores; $LINES lines; combined $SC bytes, json $(size bench-data/json-$LINES.log), w3c $(size bench-data/w3c-$LINES.log)"
echo
echo "| command | seconds | MB/s | peak RSS MiB |"
echo "|---|---|---|---|"
row "floor: cat combined \| wc -l" "$SC" "cat $C | wc -l"
row "combined, file -> file, -j 1" "$SC" "$B anonymize -j 1 $C"
row "combined, file -> file, -j 2" "$SC" "$B anonymize -j 2 $C"
row "combined, cat \| loganon (pipe), -j 2" "$SC" "cat $C | $B anonymize -j 2"
row "json lines, -j 2" "$(size bench-data/json-$LINES.log)" "$B anonymize -j 2 bench-data/json-$LINES.log"
row "w3c, -j 2" "$(size bench-data/w3c-$LINES.log)" "$B anonymize -j 2 bench-data/w3c-$LINES.log"
row "combined, --ip-mode hash, -j 2" "$SC" "$B anonymize -j 2 --ip-mode hash --key-file $KEY $C"
row "combined, --ip-mode cryptopan, -j 2" "$SC" "$B anonymize -j 2 --ip-mode cryptopan --key-file $KEY $C"
row "combined, gz -> plain, -j 1" "$SC" "$B anonymize -j 1 $C.gz"
row "combined, gz -> plain, -j 2" "$SC" "$B anonymize -j 2 $C.gz"
OUT=bench-data/out
rm -rf "$OUT"; mkdir -p "$OUT"
row "combined, gz -> gz level 6, -j 1" "$SC" "rm -f $OUT/*; $B anonymize -j 1 --out-dir $OUT $C.gz"
row "combined, gz -> gz level 6, -j 2" "$SC" "rm -f $OUT/*; $B anonymize -j 2 --out-dir $OUT $C.gz"
if command -v pigz >/dev/null; then
  row "floor: pigz -dc F.gz \| pigz -6 > /dev/null" "$SC" "pigz -dc $C.gz | pigz -6 > /dev/null"
  row "floor: pigz -dc F.gz > /dev/null" "$SC" "pigz -dc $C.gz"
fi
rm -rf "$OUT"
