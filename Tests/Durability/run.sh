#!/usr/bin/env bash
# Durability tests: a real `ingest serve` under the power-cut shim (powercut.c), killed and cut under load.
#
#   Tests/Durability/run.sh [PATH_TO_INGEST_BINARY] [extra pytest args...]
#
# The binary defaults to .build/debug/ingest. Uses the end-to-end tests' virtualenv (requests, pytest),
# creating it when missing. INGEST_POWER_CUTS sets the rounds at FULL (default 3). Exit code is pytest's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-.build/debug/ingest}"
if [ $# -gt 0 ]; then shift; fi
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
[ -x "$bin" ] || { echo "run.sh: ingest binary not found or not executable: $bin" >&2; exit 2; }

venv="${E2E_VENV:-$repo/.build/e2e-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import pytest, requests' 2>/dev/null \
  || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest requests
command -v cc >/dev/null || { echo "run.sh: a C compiler (cc) is needed for the power-cut shim" >&2; exit 2; }

export INGEST_DURABILITY_BIN="$bin" PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/test_durability.py" "$@"
