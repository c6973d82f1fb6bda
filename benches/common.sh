# Shared by the benchmark scripts (sourced): `row NAME BYTES COMMAND` prints
# a table row with the best wall time of 3 runs of COMMAND (a shell command
# line, its output discarded, its exit status ignored), the MB/s of BYTES in
# that time, and that run's peak RSS; `once NAME BYTES COMMAND` the same
# for one run. Needs GNU time (/usr/bin/time).
BENCH_TIMES=$(mktemp)
trap 'rm -f "$BENCH_TIMES"' EXIT

# wall time (s) and peak RSS (KiB) of the best of RUNS runs of a command
best() {
  local runs=$1 best_t=999999 best_m=0 t m
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$BENCH_TIMES" sh -c "$2" >/dev/null 2>&1 || true
    # (GNU time writes "Command exited with non-zero status N" first)
    read -r t m < <(tail -n 1 "$BENCH_TIMES")
    if awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; best_m=$m; fi
  done
  echo "$best_t $best_m"
}

print_row() {
  awk -v n="$1" -v s="$2" -v t="$3" -v m="$4" \
    'BEGIN{ printf "| %-52s | %7.2f | %6.0f | %7.1f |\n", n, t, (t>0? s/1e6/t : 0), m/1024 }'
}

row() {
  local t m
  read -r t m < <(best 3 "$3")
  print_row "$1" "$2" "$t" "$m"
}

once() {
  local t m
  read -r t m < <(best 1 "$3")
  print_row "$1" "$2" "$t" "$m"
}
