#!/usr/bin/env bash
# Builds everything the browser downloads into dist/:
#  - the standalone app (Trunk: index.html, hashed JS/wasm/CSS; www/ pages and embed.js copied);
#  - the embed's wasm module (dist/embed/: wasm-bindgen --target web, then wasm-opt -Oz), which
#    embed.js imports when the first <mta-sts-check> becomes visible.
# Needs the tools from scripts/setup.sh on PATH (eval "$(scripts/setup.sh)").
set -euo pipefail
cd "$(dirname "$0")/.."
trunk build --offline --release --cargo-profile web
cargo build --locked --target wasm32-unknown-unknown --profile web -p mtasts-web --bin mtasts-embed
rm -rf dist/embed
wasm-bindgen --target web --no-typescript --out-dir dist/embed --out-name mtasts-embed \
  target/wasm32-unknown-unknown/web/mtasts-embed.wasm
wasm-opt -Oz dist/embed/mtasts-embed_bg.wasm -o dist/embed/mtasts-embed_bg.wasm
