#!/usr/bin/env bash
# Builds the release server and runs it on an SQLite file.
#   INGEST_DB (default ./gateway.sqlite), INGEST_HOST, INGEST_PORT and the other INGEST_* settings apply.
#   With INGEST_ADMIN_EMAIL and INGEST_ADMIN_PASSWORD set, that administrator is created first if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/system-packages.sh
swift build -c release --product ingest
export INGEST_DB="${INGEST_DB:-$PWD/gateway.sqlite}"
# XLSForm uploads are converted by pyxform, as in Central.
export INGEST_XLSFORM_CONVERTER="${INGEST_XLSFORM_CONVERTER:-$(bash scripts/pyxform.sh)}"
if [ -n "${INGEST_ADMIN_EMAIL:-}" ] && [ -n "${INGEST_ADMIN_PASSWORD:-}" ]; then
  INGEST_PASSWORD="$INGEST_ADMIN_PASSWORD" .build/release/ingest user-create --email "$INGEST_ADMIN_EMAIL" --admin \
    || echo "(administrator $INGEST_ADMIN_EMAIL already exists)"
fi
exec .build/release/ingest serve "$@"
