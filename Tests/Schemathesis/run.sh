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
source "$here/../runner.sh"
bin=$(runner_binary "${1:-}") || exit 2
if [ $# -gt 0 ]; then shift; fi
venv="${SCHEMATHESIS_VENV:-$repo/.build/schemathesis-venv}"
runner_venv "$venv" '
import importlib.metadata as md, sys
sys.exit(0 if md.version("schemathesis") == "4.32.5" and md.version("openapi-spec-validator") == "0.9.0" else 1)' \
  "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"

export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" "$here/run.py" "$bin" "$@"
