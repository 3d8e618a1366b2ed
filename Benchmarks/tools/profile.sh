#!/usr/bin/env bash
# Runs one benchmark scenario with perf sampling the server for a few seconds in the middle of it,
# then prints where the server's time went (demangled).
#   Benchmarks/tools/profile.sh [scenario] [seconds] [ingest-bench options...]
# Needs perf (linux-perf) and the release builds that scripts/bench.sh makes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scenario=${1:-in-order}; seconds=${2:-6}; shift $(( $# > 2 ? 2 : $# ))
out=$(mktemp -d)
Benchmarks/.build/release/ingest-bench --server .build/release/ingest --repository . --scenarios "$scenario" --scale 4 \
  --out "$out/results.json" "$@" > "$out/bench.log" 2>&1 &
bench=$!
sleep 7
server=$(pgrep -f "ingest serve --db .*ingest-bench" | head -1)
perf record -F 999 -g -p "$server" -o "$out/perf.data" -- sleep "$seconds" > /dev/null 2>&1
wait "$bench"
grep "^| $scenario" "$out/bench.log" || true
perf script -i "$out/perf.data" 2> /dev/null | python3 Benchmarks/tools/perf-own-frames.py 30 | swift demangle --simplified | cut -c1-200
