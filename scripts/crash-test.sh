#!/usr/bin/env bash
# The crash test: builds the release server, then kills it with SIGKILL ROUNDS times under mixed OpenRosa
# and API load, restarting it on the same database each time, and checks everything it acknowledged.
# Prints one line a round on stderr and the JSON summary, which it also writes to Benchmarks/crash-DATE.json.
#   scripts/crash-test.sh [--rounds 20] [--seed 1] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=20 seed=1 out="Benchmarks/crash-$(date -u +%F).json"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "crash-test.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/system-packages.sh
swift build -c release --product ingest
venv="${CRASH_VENV:-$PWD/.build/crash-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import requests' 2>/dev/null \
  || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check requests
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
exec "$venv/bin/python" Tests/Crash/crash.py "$PWD/.build/release/ingest" --rounds "$rounds" --seed "$seed" --out "$out"
