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
trunk build --offline --release --cargo-profile web
cargo build --locked --target wasm32-unknown-unknown --profile web -p mtasts-web \
  --bin mtasts-embed --bin mtasts-tools --bin mtasts-console
for m in embed tools console; do
  rm -rf "dist/$m"
  wasm-bindgen --target web --no-typescript --out-dir "dist/$m" --out-name "mtasts-$m" \
    "target/wasm32-unknown-unknown/web/mtasts-$m.wasm"
  wasm-opt -Oz "dist/$m/mtasts-${m}_bg.wasm" -o "dist/$m/mtasts-${m}_bg.wasm"
done
# The console's page and loader (its module is dist/console/ from the loop above).
cp www/console.html dist/console/index.html
cp www/console.js dist/console/console.js
