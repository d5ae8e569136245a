#!/usr/bin/env bash
# Installs what building and testing the web app needs, skipping what is present:
# the wasm32 target, wasm-bindgen-cli 0.2.130 (must match the crate pin), Trunk 0.21.14
# (0.22 needs rustc 1.96), wasm-opt 132 from npm (Debian's binaryen is too old), and
# Debian's chromium + chromium-driver for the browser tests. Cold: ~15 min on 2 cores.
# Prints the PATH addition for wasm-opt; callers `source` it or use `eval "$(scripts/setup.sh)"`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'setup: %s\n' "$*" >&2; }
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

rustup target list --installed | grep -qx wasm32-unknown-unknown || { log "adding wasm32 target"; rustup target add wasm32-unknown-unknown >&2; }

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]; then
  log "installing wasm-bindgen-cli 0.2.130 (~4 min)"
  cargo install wasm-bindgen-cli@0.2.130 >&2
fi
if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
  log "installing trunk 0.21.14 (~10-14 min)"
  cargo install --locked trunk@0.21.14 >&2
fi
bin="$PWD/.tools/node/node_modules/.bin"
if [ "$("$bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "132" ]; then
  log "installing wasm-opt 132 (npm binaryen@132)"
  npm install --silent --prefix "$PWD/.tools/node" binaryen@132 >&2
fi
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt run (unattended upgrades, a parallel job) instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium chromium-driver >&2
fi
echo "export PATH=\"$bin:\$PATH\""
