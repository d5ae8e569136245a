#!/usr/bin/env bash
# Installs what building and testing the web app needs, skipping what is present:
# the wasm32 target, wasm-bindgen-cli 0.2.130 (must match the crate pin), Trunk 0.21.14
# (0.22 needs rustc 1.96), wasm-opt 132 from npm (Debian's binaryen is too old), and
# Debian packages: chromium + chromium-driver for the browser tests, libssl-dev for the
# checker's OpenSSL client, and the interop world's servers (Exim unpacked beside Postfix).
# Cold: ~15 min on 2 cores.
# Prints the PATH addition for wasm-opt; callers `source` it or use `eval "$(scripts/setup.sh)"`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'setup: %s\n' "$*" >&2; }
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

rustup target list --installed | grep -qx wasm32-unknown-unknown || { log "adding wasm32 target"; rustup target add wasm32-unknown-unknown >&2; }
# The browser's wasm is built by the nightly toolchain with its std rebuilt (scripts/build-web.sh
# says why): the nightly these machines have for `cargo fuzz`, plus its standard library's source.
rustup toolchain list | grep -q '^nightly' || { log "installing the nightly toolchain"; rustup toolchain install nightly --profile minimal >&2; }
rustup component list --toolchain nightly --installed 2>/dev/null | grep -qx rust-src \
  || { log "adding rust-src to nightly"; rustup component add rust-src --toolchain nightly >&2; }

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
# terser, which minifies the wasm-bindgen JS glue (Trunk 0.21's minifier stops at its
# `export { … as default }` and leaves the glue as written; scripts/build-web.sh).
if [ "$("$bin/terser" --version 2>/dev/null)" != "terser 5.51.4" ]; then
  log "installing terser 5.51.4 (npm)"
  npm install --silent --prefix "$PWD/.tools/node" terser@5.51.4 >&2
fi
# axe-core, the accessibility audit the browser tests run inside each page (tests/a11y.rs).
if [ ! -f "$PWD/.tools/node/node_modules/axe-core/axe.min.js" ] \
   || [ "$(node -p 'require("'"$PWD"'/.tools/node/node_modules/axe-core/package.json").version' 2>/dev/null)" != "4.14.1" ]; then
  log "installing axe-core 4.14.1 (npm)"
  npm install --silent --prefix "$PWD/.tools/node" axe-core@4.14.1 >&2
fi
# Debian packages: a command each needs -> the package that has it. Chromium for the browser
# tests; OpenSSL's headers for the checker's second TLS client (crates/server/src/tls.rs); the
# interop world's real servers (crates/interop): Knot, Unbound, dnsdist, nginx, Apache, Postfix,
# and Debian's MTA-STS resolver as the reference policy client.
need=""
for pair in chromium:chromium chromedriver:chromium-driver pkg-config:pkg-config \
            knotd:knot keymgr:knot unbound:unbound dnsdist:dnsdist nginx:nginx-light \
            apache2:apache2 postfix:postfix posttls-finger:postfix openssl:openssl \
            mta-sts-query:postfix-mta-sts-resolver unshare:util-linux; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null || need="$need $pkg"
done
[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
# PostgreSQL for the store's tests (a throwaway server in a temp dir: crates/interop/src/postgres.rs).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need="$need postgresql"
# Dovecot for `mtasts reports fetch --imap` (a throwaway IMAP server: crates/interop/src/dovecot.rs).
[ -x /usr/sbin/dovecot ] || need="$need dovecot-imapd"
# Exim (the interop world's second MX server) conflicts with Postfix as a package: it is
# unpacked with `dpkg -x` into .tools/exim (below), and only the libraries it links are installed.
exim="$PWD/.tools/exim"
for lib in libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0 libcrypt1; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q 'ok installed' || need="$need $lib"
done
if [ -n "$need" ] || [ ! -x "$exim/usr/sbin/exim4" ]; then
  # Wait for another apt run (unattended upgrades, a parallel job) instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
fi
if [ -n "$need" ]; then
  need=$(echo $need | tr ' ' '\n' | sort -u | tr '\n' ' ')
  log "installing Debian packages (apt, ~1-2 min):$need"
  export DEBIAN_FRONTEND=noninteractive
  # Installing a server must not start it on this machine's ports: the tests start their own
  # on loopback. policy-rc.d (Debian's hook for that) is removed again unless it was there.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq $need >&2
  # Nor start at the next boot, on all addresses (only the services installed just now).
  for pair in knot:knot unbound:unbound dnsdist:dnsdist nginx:nginx-light apache2:apache2 postfix:postfix \
              postfix-mta-sts-resolver:postfix-mta-sts-resolver postgresql:postgresql \
              dovecot:dovecot-imapd; do
    svc=${pair%%:*}; pkg=${pair#*:}
    case " $need " in *" $pkg "*) ;; *) continue ;; esac
    { systemctl disable "$svc" || update-rc.d "$svc" disable; } >/dev/null 2>&1 || true
  done
fi
# The second reference MTA-STS resolver: PyPI's release in a venv on this machine's python3
# (pyenv's, built with Python's own default cipher suites; Debian's python3 is the first).
pyres="$PWD/.tools/pyresolver"
if python3 -c 'import ssl, sys; sys.exit("ECDHE-ECDSA-AES128-SHA" not in [c["name"] for c in ssl.create_default_context().get_ciphers()])' 2>/dev/null; then
  log "WARNING: $(command -v python3) uses OpenSSL's cipher list (as Debian's python3 does); the"
  log "interop suite's second reference resolver needs a Python built with its own default list"
  log "(a source build, such as pyenv's) and will say so when it runs"
fi
if ! cmp -s crates/interop/reference-resolver.txt "$pyres/installed.txt" 2>/dev/null; then
  log "installing the reference MTA-STS resolver from PyPI into .tools/pyresolver"
  rm -rf "$pyres"
  python3 -m venv "$pyres" >&2
  "$pyres/bin/pip" install -q --disable-pip-version-check -r crates/interop/reference-resolver.txt >&2
  cp crates/interop/reference-resolver.txt "$pyres/installed.txt"
fi
if [ ! -x "$exim/usr/sbin/exim4" ]; then
  log "unpacking Exim 4 (exim4-base, exim4-daemon-light) into .tools/exim"
  debs=$(mktemp -d)
  chmod 1777 "$debs"   # apt's download user writes there
  (cd "$debs" && apt-get -o DPkg::Lock::Timeout=600 download -qq exim4-base exim4-daemon-light) >&2
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$exim"; done
  rm -rf "$debs"
fi
echo "export PATH=\"$bin:\$PATH\""
