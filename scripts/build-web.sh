#!/usr/bin/env bash
# Builds everything the browser downloads into dist/:
#  - the standalone app (Trunk: index.html, hashed JS/wasm/CSS; www/ pages and embed.js copied);
#  - the embed's wasm module (dist/embed/: wasm-bindgen --target web, then wasm-opt -Oz), which
#    embed.js imports when the first <mta-sts-check> becomes visible;
#  - the offline tools' module (dist/tools/, built the same way), which the page and the embed
#    import when the Tools tab opens or the page is idle;
#  - the operator console's module and page (dist/console/), which only /console/ loads.
# Needs the tools from scripts/setup.sh on PATH (eval "$(scripts/setup.sh)").
set -euo pipefail
cd "$(dirname "$0")/.."
# The wasm is built by the nightly toolchain (scripts/setup.sh adds its rust-src) with the
# standard library rebuilt for it and panics compiled to a bare trap (-Cpanic=immediate-abort).
# A panic in the browser already aborts (profile `web`: panic = "abort"); what this leaves out
# is std's panic and formatting machinery behind it: 18.6 KB brotli of the checker's first
# visit (285,672 -> 267,190 B, measured on the same source). Everything native (the server, the
# CLI, the tests, clippy) stays on stable.
export RUSTUP_TOOLCHAIN=nightly
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
# First the other modules, without --offline: on a new machine the rebuilt std's own
# dependencies come from the registry once. Then Trunk (offline) builds the page's module, without
# the findings' explanations (index.html: data-cargo-no-default-features; Cargo.toml says why).
cargo build --locked --target wasm32-unknown-unknown --profile web -p mtasts-web \
  --bin mtasts-embed --bin mtasts-tools --bin mtasts-console
trunk build --offline --release --cargo-profile web
for m in embed tools console; do
  rm -rf "dist/$m"
  wasm-bindgen --target web --no-typescript --out-dir "dist/$m" --out-name "mtasts-$m" \
    "target/wasm32-unknown-unknown/web/mtasts-$m.wasm"
  wasm-opt -Oz "dist/$m/mtasts-${m}_bg.wasm" -o "dist/$m/mtasts-${m}_bg.wasm"
done
# The console's page and loader (its module is dist/console/ from the loop above).
cp www/console.html dist/console/index.html
cp www/console.js dist/console/console.js
