#!/usr/bin/env bash
# The one command that runs every test (README: "Run the tests"). It installs what it needs
# (scripts/setup.sh: wasm target, wasm-bindgen-cli, Trunk, wasm-opt, Chromium + chromedriver)
# and skips what is already present, then runs: formatting and clippy checks (native and
# wasm32), every native test in the workspace, the wasm32 build of the core with a check that it
# depends on nothing that does I/O, the web app's Trunk build, and the browser tests in real
# Chromium against `mtasts serve --demo`.
# CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# Two cores on these machines: keep parallelism sane.
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

step "toolchain"
# A clean build takes a few GiB under target/: say so up front rather than fail mid-compile.
free_kib=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${free_kib:-0}" -lt $((6 * 1024 * 1024)) ]; then
  echo "warning: only $((free_kib / 1024)) MiB free on $(df -P . | awk 'NR==2 {print $6}');" \
    "a clean build needs about 6 GiB (free some, or 'cargo clean')" >&2
fi
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
eval "$(scripts/setup.sh)"
cargo --version; trunk --version; wasm-bindgen --version; wasm-opt --version; chromium --version 2>/dev/null | tail -1

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p mtasts-web --target wasm32-unknown-unknown --locked -- -D warnings
# and as the checker's page is built (without the findings' explanations: Cargo.toml).
cargo clippy -p mtasts-web --target wasm32-unknown-unknown --locked --no-default-features --bins -- -D warnings

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked 2>&1 | tee "$log"

step "core for wasm32-unknown-unknown"
cargo build -p mtasts-core --target wasm32-unknown-unknown --locked
# The core does no I/O: its normal dependencies are exactly these (anything new must be
# reviewed and added here on purpose).
allowed="mtasts-core base64 serde serde_core serde_derive serde_json itoa memchr zmij flate2 miniz_oxide adler2 simd-adler32 crc32fast cfg-if proc-macro2 quote syn unicode-ident sha2 digest block-buffer crypto-common generic-array typenum"
deps=$(cargo tree -p mtasts-core -e normal --target wasm32-unknown-unknown --prefix none --format '{p}' --locked | awk '{print $1}' | sort -u)
bad=""
for d in $deps; do
  case " $allowed " in *" $d "*) ;; *) bad="$bad $d" ;; esac
done
if [ -n "$bad" ]; then
  echo "mtasts-core gained dependencies that are not on the reviewed list:$bad" >&2
  exit 1
fi
echo "core dependencies: $(echo $deps | tr '\n' ' ')"

# Trunk builds the page from the workspace root, which selects every default member: the native
# members' dependencies must not add features to the browser's crates (they are declared for
# non-wasm targets only; serde_json's raw_value from axum and sqlx once cost the page 4.7 KB).
features() {
  cargo tree --locked --target wasm32-unknown-unknown -e normal -f '{p} [{f}]' --prefix none "$@" \
    | grep -v -e '^mtasts' -e '^$' | sort -u
}
if ! diff <(features -p mtasts-web) <(features); then
  echo "the page's crates get features from the native workspace members (lines with > above):" \
    "declare those members' dependencies under [target.'cfg(not(target_arch = \"wasm32\"))'.dependencies]" >&2
  exit 1
fi

step "web app (Trunk, release, size profile)"
scripts/build-web.sh
ls -l dist

step "browser tests (real Chromium)"
cargo build -p mtasts --locked
cargo test -p mtasts-e2e --locked --no-fail-fast -- --test-threads=1 2>&1 | tee -a "$log"
echo "screenshots: test-artifacts/screenshots/"

# One plain closing line with the totals over every test binary.
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
echo
echo "target/ uses $(du -sh target 2>/dev/null | cut -f1)"
echo "${passed} passed, ${failed} failed"
