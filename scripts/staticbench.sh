#!/usr/bin/env bash
# Static files and a cached API answer from `mtasts serve`, beside nginx (Debian's) serving the
# same bytes on this machine: wrk with the same threads, connections and duration, in
# alternating rounds, keep-alive connections. Prints requests/s and p99 per round, the medians,
# and the ratio with issue 14's goal beside it (>= 0.5x nginx). Never asserted anywhere.
# Called by scripts/bench.sh (after the app and the release binary are built).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"
if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt)" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq wrk >&2
fi
bin=${MTASTS_BIN:-target/release/mtasts}
rounds=${ROUNDS:-3}
secs=${SECS:-5}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# mtasts serve (it writes the .br/.gz siblings of dist/ when it starts).
mp=$(free_port)
RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$mp" --dist dist --rate-limit 100000000 \
  >"$tmp/mtasts.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$mp/" >/dev/null && break; sleep 0.1; done
wasm=$(cd dist && ls mtasts-web-*_bg.wasm | head -1)
for _ in $(seq 100); do [ -f "dist/$wasm.br" ] && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$mp/api/v1/config" >"$tmp/config.json"

# nginx with the same bytes: the brotli wasm and page as the server above sends them, and the
# configuration answer as a file.
mkdir -p "$tmp/root"
cp "dist/$wasm.br" "$tmp/root/app.wasm"
cp dist/index.html.br "$tmp/root/index.html"
cp "$tmp/config.json" "$tmp/root/config.json"
# nginx's workers run as www-data: they must be able to read what they serve (with mktemp's
# 0700 directory every answer was a 403, and earlier figures compared against those).
chmod 755 "$tmp" "$tmp/root"
chmod 644 "$tmp/root/"*
np=$(free_port)
cat >"$tmp/nginx.conf" <<EOF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy; fastcgi_temp_path $tmp/fcgi;
  uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
  server {
    listen 127.0.0.1:$np;
    root $tmp/root;
    location = /app.wasm { types { } default_type application/wasm; add_header Content-Encoding br; }
    location = /index.html { types { } default_type text/html; add_header Content-Encoding br; }
    location = /config.json { types { } default_type application/json; }
  }
}
EOF
nginx -c "$tmp/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$np/index.html" >/dev/null && break; sleep 0.1; done

# Both servers must answer 200 with the same bytes, or the comparison means nothing.
same() {
  local a b
  a=$(curl -s -H 'Accept-Encoding: br, gzip' -w '%{http_code}' -o "$tmp/a" "$1")
  b=$(curl -s -H 'Accept-Encoding: br, gzip' -w '%{http_code}' -o "$tmp/b" "$2")
  if [ "$a" != 200 ] || [ "$b" != 200 ] || ! cmp -s "$tmp/a" "$tmp/b"; then
    echo "staticbench: $1 ($a) and $2 ($b) do not answer 200 with the same bytes" >&2
    exit 1
  fi
}

# One wrk run: "requests/s p99_ms".
run() {
  local out rps p99
  out=$(wrk -t2 -c16 -d"${secs}s" --latency -H 'Accept-Encoding: br, gzip' "$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $p99"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-34s %-8s %12s %10s\n' "what" "server" "requests/s" "p99"
for what in "wasm (brotli, $(stat -c %s "dist/$wasm.br") B)|/$wasm|/app.wasm" \
            "index.html|/|/index.html" \
            "/api/v1/config (cached answer)|/api/v1/config|/config.json"; do
  IFS='|' read -r label mpath npath <<<"$what"
  : >"$tmp/m" ; : >"$tmp/n"
  same "http://127.0.0.1:$mp$mpath" "http://127.0.0.1:$np$npath"
  for r in $(seq "$rounds"); do
    read -r rps p99 <<<"$(run "http://127.0.0.1:$mp$mpath")"
    printf '%-34s %-8s %12s %10s\n' "$label (round $r)" mtasts "$rps" "$p99"
    echo "$rps" >>"$tmp/m"
    read -r rps p99 <<<"$(run "http://127.0.0.1:$np$npath")"
    printf '%-34s %-8s %12s %10s\n' "$label (round $r)" nginx "$rps" "$p99"
    echo "$rps" >>"$tmp/n"
  done
  m=$(median <"$tmp/m"); n=$(median <"$tmp/n")
  printf '%-34s median %s vs %s req/s: %sx nginx   goal >= 0.5x\n' "$label" "$m" "$n" \
    "$(awk -v a="$m" -v b="$n" 'BEGIN {printf "%.2f", a / b}')"
done
