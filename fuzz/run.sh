#!/usr/bin/env bash
# Runs the fuzz targets for a given time each, one after the other, with one
# worker, and prints executions per second and what was found.
#
#   fuzz/run.sh SECONDS [TARGET...]     (targets: engine recognise check)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# The corpus grows in fuzz/corpus/TARGET (seeded from fuzz/seeds), crashes
# land in fuzz/artifacts/TARGET, logs in fuzz/logs; all are git-ignored.
# A crash stops a target's run; KEEP_GOING=1 runs one forked job that goes
# on after crashes. FUZZ_TARGET_DIR sets cargo's target directory (default
# fuzz/target). Exit status 1 when anything was found. Not part of CI.
set -euo pipefail

secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(engine recognise check)
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
tdir=(--target-dir "${FUZZ_TARGET_DIR:-$here/target}")
keep=()
[ "${KEEP_GOING:-0}" = 1 ] && keep=(-fork=1 -ignore_crashes=1)
mkdir -p logs
cargo +nightly fuzz build "${tdir[@]}"
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    cp -n seeds/* "corpus/$t/"
    before=$(ls "artifacts/$t" | wc -l)
    log="logs/$t.log"
    # reproduce a crash: cargo +nightly fuzz run TARGET artifacts/TARGET/FILE
    cargo +nightly fuzz run "${tdir[@]}" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -max_len=1024 -timeout=10 -rss_limit_mb=2048 \
        -dict=log.dict -print_final_stats=1 "${keep[@]}" >"$log" 2>&1 || true
    found=$(($(ls "artifacts/$t" | wc -l) - before))
    # executions: the final stats, or the last status line of a forked run
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' ||
        grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
    printf '%-10s %ss: %s runs, %s exec/s, coverage %s, corpus %s, new artifacts %s\n' \
        "$t" "$secs" "${runs:-?}" "$(( ${runs:-0} / secs ))" "$cov" "$(ls "corpus/$t" | wc -l)" "$found"
    [ "$found" -eq 0 ] || { status=1; ls "artifacts/$t" | tail -n "$found" | sed "s|^|  artifacts/$t/|"; }
done
exit $status
