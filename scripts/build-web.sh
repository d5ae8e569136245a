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
# The wasm-bindgen JS glue minified (terser from scripts/setup.sh): Trunk 0.21's minifier stops
# at the glue's `export { … as default }` and leaves it as written (its log says "Failed to
# minify JS"). The page's glue is part of its first visit (49.6 -> 22.3 KB, 7.2 -> 5.6 KB
# brotli). The glue's exported names and the import object's keys, which the wasm links
# against, are properties and are kept as they are.
for js in dist/mtasts-web-*.js dist/{embed,tools,console}/mtasts-*.js; do
  terser "$js" --module --compress --mangle --output "$js.min"
  mv "$js.min" "$js"
done
# index.html's subresource-integrity hashes written again from the files as they now are (a
# stale one would make the browser refuse the preload and fetch the file a second time, which no
# test of the page would notice). The CSS, the JS glue and the wasm each have one.
python3 - <<'PY'
import base64, hashlib, re, sys
path = "dist/index.html"
page = open(path).read()
count = 0
def rehash(tag):
    global count
    href = re.search(r"href=\"?/?([^\" >]+)", tag.group(0))
    if not href or "integrity=" not in tag.group(0):
        return tag.group(0)
    digest = base64.b64encode(hashlib.sha384(open("dist/" + href.group(1), "rb").read()).digest()).decode()
    count += 1
    return re.sub(r"integrity=\"?sha384-[^\" >]+\"?", "integrity=sha384-" + digest, tag.group(0))
page = re.sub(r"<link[^>]*>", rehash, page)
if count < 3:
    sys.exit(f"build-web.sh: expected integrity hashes for the CSS, JS glue and wasm in {path}, found {count}")
open(path, "w").write(page)
PY
