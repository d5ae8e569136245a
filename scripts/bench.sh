#!/usr/bin/env bash
# Prints the project's performance figures (never asserted by tests):
#  - the core's parse-and-validate timings per policy, TXT set and report;
#  - the proxy's /api/v1/policy load bench against the test world (req/s, p50/p99, peak RSS);
#  - static files and a cached API answer from `mtasts serve` beside nginx serving the same
#    bytes (scripts/staticbench.sh, wrk, alternating rounds);
#  - bulk checks: domains per second of `mtasts check --batch` against the test world, beside
#    posttls-finger on the same MX hosts;
#  - TLS-RPT reports: reports per second received over HTTP (SQLite, and PostgreSQL when
#    Debian's is installed), `mtasts reports import` of a Maildir, and the daily summary over a
#    year of reports for 1,000 domains (about 4 minutes; MTASTS_BENCH_DOMAINS=100 for less);
#  - the web app's first visit: raw/gzip/brotli size of every file downloaded, what loads in
#    the background after it, the embed's cost, the time from a click to the verdict per demo
#    domain at 40 and 150 ms RTT, and the time from navigation to an interactive form in
#    headless Chromium (needs scripts/setup.sh).
# Each figure that issue 14 set a goal for is printed with the goal beside it.
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
echo "== static files and a cached answer beside nginx (wrk)"
scripts/staticbench.sh
echo
echo "== bulk checks"
target/release/examples/bulkbench
echo
echo "== TLS-RPT reports"
target/release/examples/reportbench
echo
echo "== web app first visit"
eval "$(scripts/setup.sh)"
scripts/build-web.sh >/dev/null
cargo run --release -q -p mtasts-e2e --example webbench
