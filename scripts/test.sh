#!/usr/bin/env bash
# Runs every test: the Swift suites (Swift Testing and XCTest), then the pyodk end-to-end test and the
# durability tests (power cuts under load) against the freshly built server. Each runner prints its own summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/system-packages.sh
if ! python3 -m venv --help >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-venv
fi
swift build --build-tests
swift test --skip-build
bash Tests/EndToEnd/run.sh .build/debug/ingest
bash Tests/Durability/run.sh .build/debug/ingest
