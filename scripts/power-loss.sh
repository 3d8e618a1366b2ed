#!/usr/bin/env bash
# Power cuts under load: builds the release server, then runs ROUNDS cuts at the default durability
# (synchronous=full) and a control at normal that must show losses. Prints one line a cut and the totals.
#   scripts/power-loss.sh [--rounds 20] [--control-rounds 10] [--seed 1] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/system-packages.sh
swift build -c release --product ingest
venv="${E2E_VENV:-$PWD/.build/e2e-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import requests' 2>/dev/null || "$venv/bin/python" -m pip install --quiet requests
cd Tests/Durability
exec "$venv/bin/python" power_loss.py "$OLDPWD/.build/release/ingest" "$@"
