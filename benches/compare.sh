#!/usr/bin/env bash
# Before/after throughput of loganon builds, measured in the same run,
# interleaved so that a drift of the machine's speed hits them alike, next
# to the floor `cat FILE | wc -l`.
#
#   benches/compare.sh BASE_BINARY [LINES] [ROUNDS]
#
# BASE_BINARY is an older build (for example from a `git worktree` of the
# commit before a change, built with `cargo build --release`); the other is
# this tree's target/release/loganon (under $CARGO_TARGET_DIR when set), or
# $NEW when set. More builds to compare: $OTHERS (paths, space-separated).
#
# Inputs ($INPUTS, default all): the generated logs of benches/genlog.rs in
# bench-data/ (LINES lines each, default 1000000): `combined`, `json`,
# `w3c`, `encoded` (a value behind an encoding in 20% of the lines) and
# `planted` (personal data in every line); and `apache`, the corpus's real
# Apache log (../shared/corpus/elastic-examples/apache_logs) repeated to
# 200+ MB (skipped, with a line saying so, when the corpus is absent).
# Each is run with `anonymize -j N FILE > /dev/null` for N in $JOBS
# (default "1 2"); each figure is the best of ROUNDS (default 5) runs.
# MB/s are of input bytes per wall second; "CPU s/GB" is user + system
# seconds per GB of input (the cost per core, whatever the parallelism).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: benches/compare.sh BASE_BINARY [LINES] [ROUNDS]}
LINES=${2:-1000000}
ROUNDS=${3:-5}
JOBS=${JOBS:-1 2}
INPUTS=${INPUTS:-combined json w3c encoded planted apache}
if [ -z "${NEW:-}" ]; then
  cargo build --release --quiet
  NEW=${CARGO_TARGET_DIR:-target}/release/loganon
fi
cargo build --release --quiet --example genlog
G=${CARGO_TARGET_DIR:-target}/release/examples/genlog
mkdir -p bench-data
APACHE=../shared/corpus/elastic-examples/apache_logs

# the file of an input (made when missing); empty when it cannot be made
input_file() {
  local f
  case $1 in
    apache)
      f=bench-data/apache-repeated.log
      if [ ! -s "$f" ]; then
        [ -s "$APACHE" ] || return 0
        : > "$f.tmp"
        while [ "$(stat -c %s "$f.tmp")" -lt 200000000 ]; do cat "$APACHE" >> "$f.tmp"; done
        mv "$f.tmp" "$f"
      fi
      ;;
    *)
      f=bench-data/$1-$LINES.log
      [ -s "$f" ] || "$G" "$LINES" 11400714819323198485 "$1" > "$f"
      ;;
  esac
  echo "$f"
}

TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT
# "wall cpu" seconds of one run (output discarded, exit status ignored)
run() {
  /usr/bin/time -f "%e %U %S" -o "$TIMES" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$TIMES" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}

BINS=("$BASE" "$NEW" ${OTHERS:-})
echo "$(nproc) cores; $LINES lines; best of $ROUNDS, interleaved"
for k in "${!BINS[@]}"; do echo "- build $k: ${BINS[$k]}"; done
echo
head="| input | MB | -j | floor MB/s |"
rule="|---|---|---|---|"
for k in "${!BINS[@]}"; do
  head="$head build $k MB/s | build $k CPU s/GB |"
  rule="$rule---|---|"
done
echo "$head speed $((${#BINS[@]} - 1))/0 |"
echo "$rule---|"
for name in $INPUTS; do
  f=$(input_file "$name")
  if [ -z "$f" ]; then
    echo "| $name | skipped: $APACHE is missing |"
    continue
  fi
  size=$(stat -c %s "$f")
  floor=999999
  for _ in $(seq "$ROUNDS"); do
    read -r w _ < <(run sh -c "cat '$f' | wc -l")
    awk "BEGIN{exit !($w < $floor)}" && floor=$w
  done
  for j in $JOBS; do
    wall=() cpu=()
    for k in "${!BINS[@]}"; do wall[$k]=999999; cpu[$k]=999999; done
    for _ in $(seq "$ROUNDS"); do
      for k in "${!BINS[@]}"; do
        read -r w c < <(run "${BINS[$k]}" anonymize -j "$j" "$f")
        awk "BEGIN{exit !($w < ${wall[$k]})}" && wall[$k]=$w
        awk "BEGIN{exit !($c < ${cpu[$k]})}" && cpu[$k]=$c
      done
    done
    row=$(awk -v s="$size" -v w="$floor" 'BEGIN{ printf "%.0f | %.0f", s/1e6, s/1e6/w }')
    row="| $name | ${row% | *} | $j | ${row#* | } |"
    for k in "${!BINS[@]}"; do
      row="$row $(awk -v s="$size" -v w="${wall[$k]}" -v c="${cpu[$k]}" \
        'BEGIN{ printf "%.0f | %.2f", s/1e6/w, c/(s/1e9) }') |"
    done
    last=$((${#BINS[@]} - 1))
    row="$row $(awk -v a="${wall[0]}" -v b="${wall[$last]}" 'BEGIN{ printf "%.2f", a/b }') |"
    echo "$row"
  done
done
