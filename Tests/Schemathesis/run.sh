#!/usr/bin/env bash
# Schemathesis against a real `ingest serve`: every operation of the served OpenAPI document, with
# generated requests, checking for server errors and for answers that the document does not describe.
#
#   Tests/Schemathesis/run.sh [PATH_TO_INGEST_BINARY] [extra schemathesis run args...]
#
# The binary defaults to .build/debug/ingest. The virtualenv is ${SCHEMATHESIS_VENV:-<repo>/.build/schemathesis-venv}
# and is reused. Exits non-zero on any failure; the last line is the summary.
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

venv="${SCHEMATHESIS_VENV:-$repo/.build/schemathesis-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  echo "run.sh: creating virtualenv in $venv" >&2
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" - <<'PY' >/dev/null 2>&1
import importlib.metadata as md, sys
sys.exit(0 if md.version("schemathesis") == "4.32.5" and md.version("openapi-spec-validator") == "0.9.0" else 1)
PY
then
  echo "run.sh: installing schemathesis==4.32.5 openapi-spec-validator==0.9.0" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"
fi

export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" "$here/run.py" "$bin" "$@"
