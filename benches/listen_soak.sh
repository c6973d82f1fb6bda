#!/usr/bin/env bash
# Soak benchmark of `loganon listen` (not run by cargo test): RATE lines a
# second for SECONDS, half over TCP and half over UDP, with SLOW slow clients
# beside them (trickling or holding unfinished frames, or sending whole lines
# a few bytes at a time), a probe line on a new connection every 5 s, and a
# logrotate-style rename of the output plus SIGHUP every ROTATE seconds.
# At the end it checks that no TCP line was lost or doubled across all the
# rotated files, that the UDP lines missing are those the listener counts as
# dropped (queue full or the kernel's socket buffer; reported, not a
# failure), that no unfinished frame was written and that every probe was
# in the file within a second, and it prints the listener's RSS over time
# (sampled every 5 s; a growth past 16 MiB and 25% fails).
#
#   benches/listen_soak.sh [SECONDS] [RATE]   (default 600 s, 20000 lines/s)
#   ROTATE=60 SLOW=300 benches/listen_soak.sh ...
#   NO_BUILD=1: use target/release/loganon as it is
#
# Exit 0 when every check passed. Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-600}
RATE=${2:-20000}
ROTATE=${ROTATE:-60}
SLOW=${SLOW:-300}
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet
B=${CARGO_TARGET_DIR:-target}/release/loganon
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# the slow clients and the listener's connections
ulimit -n 4096 2>/dev/null || true
echo "$(nproc) cores; $B"
python3 benches/listen_soak.py --bin "$B" --seconds "$SECS" --rate "$RATE" --rotate "$ROTATE" \
  --slow "$SLOW" --dir "$W"
