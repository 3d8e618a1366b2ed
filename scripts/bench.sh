#!/usr/bin/env bash
# Builds the release server and the benchmark, then runs the benchmark's scenarios against it.
#   scripts/bench.sh [ingest-bench options]   e.g. --scenarios in-order,backwards --scale 0.5
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/system-packages.sh
swift build -c release --product ingest
swift build -c release --package-path Benchmarks
exec Benchmarks/.build/release/ingest-bench --server .build/release/ingest --repository . "$@"
