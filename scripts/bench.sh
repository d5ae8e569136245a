#!/usr/bin/env bash
# Prints the project's performance figures (never asserted by tests):
#  - the core's parse-and-validate timings per policy, TXT set and report;
#  - the proxy's /api/v1/policy load bench against the test world (req/s, p50/p99, peak RSS);
#  - bulk checks: domains per second of `mtasts check --batch` against the test world, beside
#    posttls-finger on the same MX hosts;
#  - the web app's first visit: raw/gzip/brotli size of every file downloaded, and the time
#    from navigation to an interactive form in headless Chromium (needs scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
echo "== core"
cargo run --release -q -p mtasts-core --example bench
echo
echo "== proxy load"
cargo build --release -q -p mtasts --bins --examples
target/release/examples/loadbench
echo
echo "== bulk checks"
target/release/examples/bulkbench
echo
echo "== web app first visit"
eval "$(scripts/setup.sh)"
scripts/build-web.sh >/dev/null
cargo run --release -q -p mtasts-e2e --example webbench
