#!/usr/bin/env bash
# Central's own entity test suites, ported: each scenario against a fresh `ingest serve` over HTTP.
#
#   Tests/CentralParity/run.sh [PATH_TO_INGEST_BINARY] [extra pytest args...]
#
# Uses the end-to-end virtualenv (Tests/EndToEnd/run.sh creates it; pytest and requests are all it needs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-.build/debug/ingest}"
if [ $# -gt 0 ]; then shift; fi
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
venv="${E2E_VENV:-$repo/.build/e2e-venv}"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -c "import pytest, requests" 2>/dev/null || "$venv/bin/python" -m pip install --quiet pytest requests
export INGEST_E2E_BIN="$bin" INGEST_E2E_REPO="$repo" PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -rx "$here" "$@"
