#!/usr/bin/env bash
# Load benchmark of `loganon listen` over loopback: the lines per second it
# sustains over TCP (octet-counted, one connection, backpressure: zero loss
# required) and over UDP (unpaced, then paced at RATE lines/s; losses
# reported: queue full + socket buffer), with the peak RSS of each run.
#
#   benches/listen_load.sh [SECONDS] [RATE]     (default 10 s per run, 100000/s)
#
# Each run: start `loganon listen -o FILE --stats json` under /usr/bin/time,
# send for SECONDS with benches/syslog_send.rs, SIGTERM, and read the counters.
# Lines/s = lines written / (first send .. exit after the drain).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
RATE=${2:-100000}
cargo build --release --quiet
cargo build --release --quiet --example syslog_send
B=${CARGO_TARGET_DIR:-target}/release/loganon
S=${CARGO_TARGET_DIR:-target}/release/examples/syslog_send
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# run PROTO [RATE]: prints one table row
run() {
  local proto=$1 rate=${2:-} out="$W/out.log" err="$W/err" tm="$W/time"
  rm -f "$out" "$err" "$tm"
  /usr/bin/time -f %M -o "$tm" "$B" listen "--$proto" 127.0.0.1:0 -o "$out" --stats json 2>"$err" &
  local tpid=$! pid="" addr="" i
  for i in $(seq 500); do
    addr=$(sed -n "s/^loganon: listening on $proto //p" "$err")
    [ -n "$addr" ] && break
    sleep 0.01
  done
  [ -n "$addr" ] || { echo "listen did not start"; cat "$err"; exit 1; }
  pid=$(pgrep -P "$tpid")
  local t0 t1 sent
  t0=$(date +%s.%N)
  sent=$("$S" "$proto" "$addr" "$SECS" $rate | awk '{print $2}')
  kill -TERM "$pid"
  wait "$tpid"
  t1=$(date +%s.%N)
  local j written dropped kernel rss
  j=$(grep '^{' "$err" | tail -1)
  written=$(echo "$j" | sed 's/.*"written":\([0-9]*\).*/\1/')
  dropped=$(echo "$j" | sed 's/.*"udp_dropped":\([0-9]*\).*/\1/')
  kernel=$(echo "$j" | sed 's/.*"udp_dropped_kernel":\([0-9]*\).*/\1/')
  rss=$(tail -1 "$tm")
  local lines
  lines=$(wc -l < "$out")
  [ "$lines" = "$written" ] || echo "warning: file has $lines lines, stats say $written"
  if [ "$proto" = tcp ] && [ "$written" != "$sent" ]; then
    echo "TCP LOST LINES: sent $sent, written $written"; exit 1
  fi
  awk -v p="$proto${rate:+ at $rate/s}" -v s="$sent" -v w="$written" -v d="$dropped" -v k="$kernel" \
      -v t0="$t0" -v t1="$t1" -v m="$rss" -v sz="$(stat -c %s "$out")" \
    'BEGIN{ printf "| %-16s | %10d | %10d | %9.0f | %8d | %8d | %6.2f%% | %7.1f |\n",
            p, s, w, w/(t1-t0), d, k, (s>0? 100*(s-w)/s : 0), m/1024 }'
}

echo "$(nproc) cores, $SECS s per run; nginx combined lines of ~208 bytes in RFC 3164 frames of ~241 bytes"
echo "| run | sent | written | lines/s | dropped (queue) | dropped (socket) | loss | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
run tcp
run udp
run udp "$RATE"
