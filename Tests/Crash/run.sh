#!/usr/bin/env bash
# Crash tests: a real `ingest serve` killed with SIGKILL under mixed OpenRosa and API load, restarted on
# the same database, and checked for everything it acknowledged (crash.py), plus the controls that show
# the checks can fail.
#
#   Tests/Crash/run.sh [PATH_TO_INGEST_BINARY] [extra pytest args...]
#
# The binary defaults to .build/debug/ingest. Uses its own virtualenv (.build/crash-venv: requests, pytest),
# creating it when missing. INGEST_CRASH_ROUNDS sets the kills (default 4). Exit code is pytest's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../runner.sh"
bin=$(runner_binary "${1:-}") || exit 2
if [ $# -gt 0 ]; then shift; fi
venv="${CRASH_VENV:-$repo/.build/crash-venv}"
runner_venv "$venv" "import pytest, requests" pytest requests

export INGEST_CRASH_BIN="$bin" PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/test_crash.py" "$@"
