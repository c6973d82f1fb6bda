#!/usr/bin/env bash
# Whether two loganon builds write the same bytes: the outputs of
# `anonymize` (truncate, hash and cryptopan modes, at -j 1 and -j 2) and the
# reports of `check`, over the bench logs and every file of ../shared/corpus.
# A refactoring must leave them all identical (or each difference explained).
#
#   benches/identical.sh BASE_BINARY [NEW_BINARY] [LINES]
#
# NEW_BINARY defaults to this tree's release build (built first). Inputs: the
# four bench logs of benches/compare.sh (LINES lines each, default 1000000,
# made by benches/genlog.rs when missing), the corpus Apache log, and every
# file under ../shared/corpus. Each output is reduced to its sha256 and exit
# status; the two manifests are compared and the rows that differ printed
# (a binary's manifest is kept in bench-data/identical/ for the next run).
# Exit status 1 when any differs. Keyed modes use a fixed key and --now.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: benches/identical.sh BASE_BINARY [NEW_BINARY] [LINES]}
NEW=${2:-}
LINES=${3:-1000000}
if [ -z "$NEW" ]; then
  cargo build --release --quiet
  NEW=${CARGO_TARGET_DIR:-target}/release/loganon
fi
cargo build --release --quiet --example genlog
G=${CARGO_TARGET_DIR:-target}/release/examples/genlog
mkdir -p bench-data
for kind in combined json w3c encoded; do
  f=bench-data/$kind-$LINES.log
  [ -s "$f" ] || "$G" "$LINES" 11400714819323198485 "$kind" > "$f"
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
KEY=$TMP/key
printf '%064x' 7 > "$KEY"
chmod 600 "$KEY"
NOW=2026-12-01T12:00:00Z

inputs() {
  for kind in combined json w3c encoded; do echo "bench-data/$kind-$LINES.log"; done
  if [ -d ../shared/corpus ]; then
    find ../shared/corpus -type f ! -name '*.md' ! -name '*.tsv' | LC_ALL=C sort
  fi
}

# one manifest row per (input, run): the run, its exit status, sha256 of stdout and of stderr
manifest() {
  local bin=$1 f h st
  while read -r f; do
    for mode in truncate hash cryptopan; do
      for j in 1 2; do
        case $mode in
          truncate) args=() ;;
          *) args=(--ip-mode "$mode" --identifiers hash --key-file "$KEY") ;;
        esac
        st=0
        "$bin" anonymize -j "$j" --now "$NOW" "${args[@]}" "$f" > "$TMP/out" 2> "$TMP/err" || st=$?
        h=$(sha256sum < "$TMP/out" | cut -c1-16)
        e=$(sha256sum < "$TMP/err" | cut -c1-16)
        echo "$f anonymize-$mode-j$j $st $h $e"
      done
    done
    st=0
    "$bin" check "$f" > "$TMP/out" 2> "$TMP/err" || st=$?
    echo "$f check $st $(sha256sum < "$TMP/out" | cut -c1-16) $(sha256sum < "$TMP/err" | cut -c1-16)"
  done < <(inputs)
}

# a binary's manifest is kept (bench-data/identical/, by the binary's
# sha256 and LINES): a base measured once is not run again
cached() {
  local id m
  id=$(sha256sum < "$1" | cut -c1-16)
  m=bench-data/identical/$id-$LINES.txt
  mkdir -p bench-data/identical
  [ -s "$m" ] || { manifest "$1" > "$m.tmp" && mv "$m.tmp" "$m"; }
  cp "$m" "$2"
}
cached "$BASE" "$TMP/base"
cached "$NEW" "$TMP/new"
n=$(wc -l < "$TMP/new")
if diff "$TMP/base" "$TMP/new" > "$TMP/diff"; then
  echo "identical: $n runs over $(inputs | wc -l) inputs"
else
  echo "differ (< base, > new):"
  cat "$TMP/diff"
  exit 1
fi
