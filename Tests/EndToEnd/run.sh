#!/usr/bin/env bash
# End-to-end test: drives a real `ingest serve` with pyodk and plain OpenRosa HTTP.
#
#   Tests/EndToEnd/run.sh [PATH_TO_INGEST_BINARY] [extra pytest args...]
#
# The binary defaults to .build/debug/ingest (relative to the repo root).
# The virtualenv lives in ${E2E_VENV:-<repo>/.build/e2e-venv} and is reused;
# packages are installed only when missing. Exit code is pytest's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../runner.sh"
bin=$(runner_binary "${1:-}") || exit 2
if [ $# -gt 0 ]; then shift; fi
venv="${E2E_VENV:-$repo/.build/e2e-venv}"
# pyodk pinned to the version the gateway targets.
runner_venv "$venv" '
import importlib.metadata as md, sys
md.version("pytest"); md.version("requests"); md.version("selenium"); md.version("openpyxl")
sys.exit(0 if md.version("pyodk") == "1.3.0" else 1)' "pyodk==1.3.0" pytest requests "selenium>=4.20,<5" openpyxl

export INGEST_E2E_BIN="$bin"
export INGEST_E2E_XLS2XFORM="$(bash "$repo/scripts/pyxform.sh")"
export PYTHONDONTWRITEBYTECODE=1
export INGEST_E2E_REPO="$repo"
cd "$here"
set +e
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/test_pyodk.py" "$here/test_security.py" "$@"
rc=$?
set -e
exit $rc
