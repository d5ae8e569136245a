#!/usr/bin/env bash
# Prints the project's performance figures (never asserted by tests):
#  - the core's parse-and-validate timings per policy, TXT set and report;
#  - the proxy's /api/v1/policy load bench against the test world (req/s, p50/p99, peak RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
echo "== core"
cargo run --release -q -p mtasts-core --example bench
echo
echo "== proxy load"
cargo build --release -q -p mtasts --bins --examples
target/release/examples/loadbench
