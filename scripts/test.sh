#!/usr/bin/env bash
# Runs every test: the Swift suites (Swift Testing and XCTest), then the pyodk end-to-end test, Central's
# entity suites, the durability tests (power cuts under load), the crash test (SIGKILL under load) and
# schemathesis against the freshly built server, and a short run of every fuzz target. Each runner prints
# its own summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/system-packages.sh
# python3-venv for the test virtualenvs; Chromium and its driver for the browser tests (dashboard, stored XSS).
missing=()
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# unzip: the ZIP tests read archives back with it as a second reader beside Python.
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
swift build --build-tests
swift test --skip-build
bash Tests/EndToEnd/run.sh .build/debug/ingest
bash Tests/CentralParity/run.sh .build/debug/ingest
bash Tests/Durability/run.sh .build/debug/ingest
bash Tests/Crash/run.sh .build/debug/ingest
bash Tests/Schemathesis/run.sh .build/debug/ingest
bash scripts/fuzz.sh 15
