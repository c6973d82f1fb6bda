#!/usr/bin/env bash
# Whether the cost of a line is proportional to its length, whatever it
# holds: for each shape, the CPU seconds (user + system) of `anonymize -j 1`
# and of `check` on ONE line of N bytes of its tokens, next to the same
# tokens one per line, and the ratio line/split. A ratio near 1 at every N is
# linear time; a ratio that doubles with N is a cost that grows with the
# square of the line (a denial of service for a piped logger).
#
#   benches/long_lines.sh [BINARY] [SIZES_MB]      (SHAPES="emails json" for some)
#
# BINARY defaults to this tree's target/release/loganon (built first; under
# $CARGO_TARGET_DIR when set); SIZES_MB to "0.5 1 2 4 8". The inputs are made
# here by awk into a temporary folder: space-separated emails, IPv4 and IPv6
# addresses, name=value pairs with deny-listed names, percent-encoded values,
# runs of 16 digits (card numbers among them), MACs, one JSON object (one
# object per line when split), and a line that mixes them all with cards,
# bearer tokens and requests; then four shapes whose tokens are glued
# together, which made recognisers read the same bytes again from every
# trigger: values holding `=` (`a=a=a=...`), values run on over spaces
# between digits (`a=1 2=a=1 2=...`), numbers between dashes in one host
# label (`a-1-2-3-4a-1-2-3-4...`) and `Basic` inside a token
# (`Basic+Basic+...`); and `user NAME` and ModSecurity's `found within
# ARGS:NAME: VALUE` over and over, whose names and values the messages'
# rules look for to the line's end. Lines are anonymized whole up to 16 MiB;
# `check` reads a line over 4 MiB in overlapping pieces. Each figure is the
# least of 3 runs. Needs python3 (to read the CPU time of each run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${1:-}" ]; then
  B=$1
else
  cargo build --release --quiet
  B=${CARGO_TARGET_DIR:-target}/release/loganon
fi
SIZES=${2:-0.5 1 2 4 8}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# gen SHAPE MODE BYTES: the tokens of SHAPE up to BYTES, on one line
# (MODE line) or one a line (MODE split)
gen() {
  awk -v shape="$1" -v mode="$2" -v n="$3" '
    function tok(i,   k) {
      if (shape == "emails") return sprintf("user%d.name@mail%d.example.com", i, i % 97)
      if (shape == "addresses") return (i % 3) ? sprintf("192.0.%d.%d", i % 256, (i * 7) % 256) : sprintf("2001:db8:%x::%x", i % 65536, i % 9999 + 1)
      if (shape == "params") { split("token email password session sid", nm, " "); return sprintf("%s=v%dx%d", nm[i % 5 + 1], i, i * 13) }
      if (shape == "percent") return sprintf("q=caf%%C3%%A9%%20n%%C2%%B0%d%%2Fa%%40b", i)
      if (shape == "digits") return sprintf("4%015d", i * 7919)
      if (shape == "macs") return sprintf("00:1a:%02x:%02x:%02x:%02x", i % 256, int(i / 256) % 256, (i * 3) % 256, (i * 7) % 256)
      if (shape == "json") return sprintf("\"k%d\":\"v%d a%d@ex.com 10.1.%d.%d\"", i, i, i, i % 256, (i * 3) % 256)
      if (shape == "eqs") return "a="
      if (shape == "spaced") return "a=1 2="
      if (shape == "dashes") return "a-1-2-3-4"
      if (shape == "basic") return "Basic+"
      if (shape == "users") return sprintf("user u%d", i)
      if (shape == "within") return sprintf("found within ARGS:a%d: v%d", i, i)
      k = i % 8
      if (k == 0) return sprintf("a%d@b.example.org", i)
      if (k == 1) return sprintf("10.%d.%d.%d", i % 256, int(i / 256) % 256, i % 7)
      if (k == 2) return sprintf("token=x%d", i)
      if (k == 3) return sprintf("p=%%41%%40%%42.com%d", i)
      if (k == 4) return sprintf("4%015d", i * 7919)
      if (k == 5) return sprintf("00:1a:2b:3c:%02x:%02x", i % 256, int(i / 256) % 256)
      if (k == 6) return sprintf("Bearer abc%ddef", i)
      return sprintf("GET /x?y=%d HTTP/1.1", i)
    }
    BEGIN {
      total = 0
      sep = (shape == "json") ? "," : (shape ~ /^(eqs|spaced|dashes|basic)$/) ? "" : " "
      if (shape == "json" && mode == "line") { printf "{"; total = 1 }
      for (i = 0; total < n; i++) {
        t = tok(i)
        if (shape == "json" && mode == "split") t = "{" t "}"
        if (i > 0) printf "%s", (mode == "line" ? sep : "\n")
        printf "%s", t
        total += length(t) + length(sep)
      }
      if (shape == "json" && mode == "line") printf "}"
      printf "\n"
    }'
}

# cpu COMMAND...: its user + system seconds, the least of 3 runs (read from
# wait4's resource usage, to the microsecond: GNU time prints hundredths)
cpu() {
  python3 -c '
import os, sys
best = None
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.execv(sys.argv[1], sys.argv[1:])
    _, _, ru = os.wait4(pid, 0)
    t = ru.ru_utime + ru.ru_stime
    best = t if best is None else min(best, t)
print("%.3f" % best)' "$@"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.001) }'; }

echo "$(nproc) cores; $B; CPU seconds (user + system, least of 3), one line of N MB vs the same tokens one per line"
echo
echo "| shape | N MB | anonymize: line | split | ratio | check: line | split | ratio |"
echo "|---|---|---|---|---|---|---|---|"
SHAPES=${SHAPES:-emails addresses params percent digits macs json mixed eqs spaced dashes basic users within}
for shape in $SHAPES; do
  for mb in $SIZES; do
    n=$(awk -v m="$mb" 'BEGIN { printf "%d", m * 1000000 }')
    gen "$shape" line "$n" > "$TMP/line.log"
    gen "$shape" split "$n" > "$TMP/split.log"
    al=$(cpu "$B" anonymize -j 1 "$TMP/line.log")
    as=$(cpu "$B" anonymize -j 1 "$TMP/split.log")
    cl=$(cpu "$B" check "$TMP/line.log")
    cs=$(cpu "$B" check "$TMP/split.log")
    echo "| $shape | $mb | $al | $as | $(ratio "$al" "$as") | $cl | $cs | $(ratio "$cl" "$cs") |"
  done
done
