#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with AddressSanitizer and LeakSanitizer in .build-fuzz, replays the
# pinned crash inputs in Fuzz/Regressions, then fuzzes each target and prints one line per target.
#
#   scripts/fuzz.sh [seconds]            each target for this long (default 60)
#   scripts/fuzz.sh --runs N             each parser target for N executions (the engine for [seconds])
#   scripts/fuzz.sh --json FILE          also write the figures as JSON
#   scripts/fuzz.sh --targets "FuzzXForm FuzzSubmission"
#
# A crash, a leak, an input over the time limit or over the memory limit fails the run; libFuzzer writes
# the input to .build-fuzz/artifacts/. Copy it into Fuzz/Regressions/<target>/ once it is fixed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
runs=""
json=""
targets="FuzzSubmission FuzzXForm FuzzMultipart FuzzODataFilter FuzzEntityEngine"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    *) seconds="$1"; shift ;;
  esac
done

bash scripts/system-packages.sh
flags=(-c release --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
for target in $targets; do
  swift build "${flags[@]}" --product "$target" 2>&1 | grep -E "error|warning: .*Fuzz|Build of" || true
  [ -x ".build-fuzz/release/$target" ] || { echo "fuzz: $target did not build" >&2; exit 1; }
done

# Seeds: the sample forms and submissions, Central's test fixtures, and the hand-written seeds.
seeds=.build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{FuzzSubmission,FuzzXForm,FuzzMultipart,FuzzODataFilter,FuzzEntityEngine}
cp SampleForms/xforms/*.xml "$seeds/FuzzXForm/"
find SampleForms/submissions -name '*.xml' -exec cp {} "$seeds/FuzzSubmission/" \;
cp Fuzz/Seeds/multipart/* "$seeds/FuzzMultipart/"
cp Fuzz/Seeds/odata-filter/* "$seeds/FuzzODataFilter/"
python3 - "$seeds" <<'EOF'
import json, sys
fixtures = json.load(open("Tests/CentralParity/central_xml.json"))
for name, xml in fixtures["forms"].items():
    open(f"{sys.argv[1]}/FuzzXForm/central-{name}.xml", "w").write(xml)
for form, instances in fixtures["instances"].items():
    for name, xml in instances.items():
        open(f"{sys.argv[1]}/FuzzSubmission/central-{form}-{name}.xml", "w").write(xml)
EOF

dictionary() {
  case "$1" in
    FuzzSubmission|FuzzXForm) echo "-dict=Fuzz/Dictionaries/xml.dict" ;;
    FuzzMultipart) echo "-dict=Fuzz/Dictionaries/multipart.dict" ;;
    FuzzODataFilter) echo "-dict=Fuzz/Dictionaries/odata.dict" ;;
  esac
}

mkdir -p .build-fuzz/artifacts .build-fuzz/logs
results=()
failed=0
for target in $targets; do
  binary=".build-fuzz/release/$target"
  log=".build-fuzz/logs/$target.log"
  if [ -d "Fuzz/Regressions/$target" ] && [ -n "$(ls -A "Fuzz/Regressions/$target")" ]; then
    "$binary" -runs=1 Fuzz/Regressions/"$target"/* >"$log.regressions" 2>&1 \
      || { echo "fuzz: $target fails on a pinned input (see $log.regressions)" >&2; failed=1; continue; }
  fi
  corpus=".build-fuzz/corpus/$target"
  mkdir -p "$corpus"
  limit=(-max_total_time="$seconds")
  if [ -n "$runs" ] && [ "$target" != FuzzEntityEngine ]; then limit=(-runs="$runs"); fi
  status=0
  # shellcheck disable=SC2046
  "$binary" "${limit[@]}" $(dictionary "$target") -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=".build-fuzz/artifacts/$target-" "$corpus" "$seeds/$target" >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  crashes=0
  if [ "$status" -ne 0 ]; then
    crashes=1
    failed=1
    echo "fuzz: $target failed (exit $status); the input is in .build-fuzz/artifacts/, the report in $log:" >&2
    grep -m5 -E "ERROR|SUMMARY|Fatal error|deadly signal|leak" "$log" >&2 || tail -20 "$log" >&2
  fi
  printf 'fuzz: %-18s %12s executions %8s/s  peak %5s MB  corpus %5s  crashes %s\n' "$target" "${executions:-0}" \
    "${speed:-0}" "${rss:-0}" "$(ls "$corpus" | wc -l)" "$crashes"
  results+=("{\"target\": \"$target\", \"executions\": ${executions:-0}, \"execPerSecond\": ${speed:-0}, \"peakRSSMB\": ${rss:-0}, \"corpus\": $(ls "$corpus" | wc -l), \"crashes\": $crashes}")
done

if [ -n "$json" ]; then
  (IFS=,; printf '{"date": "%s", "seconds": %s, "runs": "%s", "targets": [%s]}\n' "$(date -u +%F)" "$seconds" "$runs" "${results[*]}") >"$json"
fi
exit "$failed"
