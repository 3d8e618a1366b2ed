#!/usr/bin/env bash
# Durability tests: a real `ingest serve` under the power-cut shim (powercut.c), killed and cut under load.
#
#   Tests/Durability/run.sh [PATH_TO_INGEST_BINARY] [extra pytest args...]
#
# The binary defaults to .build/debug/ingest. Uses the end-to-end tests' virtualenv (requests, pytest),
# creating it when missing. INGEST_POWER_CUTS sets the rounds at FULL (default 3). Exit code is pytest's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../runner.sh"
bin=$(runner_binary "${1:-}") || exit 2
if [ $# -gt 0 ]; then shift; fi
venv="${E2E_VENV:-$repo/.build/e2e-venv}"
runner_venv "$venv" "import pytest, requests" pytest requests
command -v cc >/dev/null || { echo "run.sh: a C compiler (cc) is needed for the power-cut shim" >&2; exit 2; }

export INGEST_DURABILITY_BIN="$bin" PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/test_durability.py" "$@"
