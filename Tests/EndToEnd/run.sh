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
repo="$(cd "$here/../.." && pwd)"

bin="${1:-.build/debug/ingest}"
if [ $# -gt 0 ]; then shift; fi
case "$bin" in
  /*) ;;
  *) bin="$repo/$bin" ;;
esac
if [ ! -x "$bin" ]; then
  echo "run.sh: ingest binary not found or not executable: $bin" >&2
  exit 2
fi

venv="${E2E_VENV:-$repo/.build/e2e-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "run.sh: creating virtualenv in $venv" >&2
  "$python" -m venv "$venv"
fi

# Install only what is missing (pyodk pinned to the version the gateway targets).
if ! "$venv/bin/python" - <<'EOF' >/dev/null 2>&1
import importlib.metadata as md, sys
ok = md.version("pyodk") == "1.3.0"
md.version("pytest"); md.version("requests"); md.version("selenium"); md.version("openpyxl")
sys.exit(0 if ok else 1)
EOF
then
  echo "run.sh: installing pyodk==1.3.0 pytest requests selenium openpyxl" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pyodk==1.3.0" pytest requests "selenium>=4.20,<5" openpyxl
fi

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
