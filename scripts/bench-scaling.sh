#!/usr/bin/env bash
# Whole-process scaling of `airace run` with the firm count (issue 8).
#
# For each firm count and thread count, runs the release binary on the
# baseline twice under /usr/bin/time -v: with the full run.ticks (40) and with
# a single tick. The difference divided by the extra ticks is the per-tick
# time with set-up and output taken out; the 40-tick run also gives peak RSS.
# Appends one row per process to docs/perf/scaling.csv (recreated each run),
# with the 1-minute load average at start so noisy rows can be spotted, then
# draws docs/perf/scaling.png with examples/perf_chart.rs.
#
# Usage: scripts/bench-scaling.sh [SIZES] [THREADS] [REPEATS]
#   defaults: "10000 100000 1000000 4000000" "1 2" 3 (the best of REPEATS is kept by the chart)
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES=${1:-"10000 100000 1000000 4000000"}
THREADS=${2:-"1 2"}
REPEATS=${3:-3}
TICKS=40
CSV=docs/perf/scaling.csv
BIN=target/release/airace

if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time not found (apt-get install time)" >&2
    exit 2
fi
cargo build --release --quiet
mkdir -p docs/perf
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "firms,threads,ticks,repeat,wall_s,user_s,sys_s,max_rss_kib,load1" > "$CSV"

# One timed process; prints a CSV row.
measure() {
    local firms=$1 threads=$2 ticks=$3 rep=$4
    local load log
    load=$(cut -d' ' -f1 /proc/loadavg)
    log="$OUT/time.log"
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$log" "$BIN" run configs/baseline.toml \
        --set "firms.count=$firms" --set "run.ticks=$ticks" \
        --threads "$threads" --quiet --force --out "$OUT/run" >/dev/null
    t1=$(date +%s%N)
    awk -v w="$(( (t1 - t0) / 1000 ))e-6" -v f="$firms" -v t="$threads" -v k="$ticks" -v r="$rep" -v l="$load" '
        /User time/ { u = $NF }
        /System time/ { s = $NF }
        /Maximum resident set size/ { m = $NF }
        END { printf "%s,%s,%s,%s,%.4f,%s,%s,%s,%s\n", f, t, k, r, w + 0, u, s, m, l }
    ' "$log"
}

for rep in $(seq 1 "$REPEATS"); do
    for firms in $SIZES; do
        for threads in $THREADS; do
            for ticks in 1 "$TICKS"; do
                row=$(measure "$firms" "$threads" "$ticks" "$rep")
                echo "$row" >> "$CSV"
                echo "$row"
            done
        done
    done
done

cargo run --release --quiet --example perf_chart -- "$CSV" docs/perf/scaling.png
