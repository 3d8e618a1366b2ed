#!/usr/bin/env bash
# Central's own entity test suites, ported: each scenario against a fresh `ingest serve` over HTTP.
#
#   Tests/CentralParity/run.sh [PATH_TO_INGEST_BINARY] [extra pytest args...]
#
# Uses the end-to-end virtualenv (Tests/EndToEnd/run.sh creates it; pytest and requests are all it needs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../runner.sh"
bin=$(runner_binary "${1:-}") || exit 2
if [ $# -gt 0 ]; then shift; fi
venv="${E2E_VENV:-$repo/.build/e2e-venv}"
runner_venv "$venv" "import pytest, requests" pytest requests
export INGEST_E2E_BIN="$bin" INGEST_E2E_REPO="$repo" PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -rx "$here" "$@"
