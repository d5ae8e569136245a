#!/usr/bin/env bash
# The one command that runs the product (README: "Run it"): installs the build tools when
# missing (scripts/setup.sh), builds the web app and the release binary, and serves the proxy
# and the web app on http://127.0.0.1:8080/ (change with --listen ADDR).
#   scripts/run.sh            # check real domains (needs DNS and outbound 443/25)
#   scripts/run.sh --demo     # a simulated world of test domains, no internet needed
# Any other option is passed to `mtasts serve` (see `target/release/mtasts serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
eval "$(scripts/setup.sh)"
echo "building the web app and mtasts (release; the first build takes a few minutes)…" >&2
scripts/build-web.sh
cargo build --release --locked -p mtasts
exec target/release/mtasts serve --dist dist "$@"
