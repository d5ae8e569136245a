#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS (default 60) each, seeded from the fixture corpus,
# and prints how many executions each ran. Needs the nightly toolchain (present on these
# machines) and cargo-fuzz (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
fx=crates/core/tests/fixtures
mkdir -p fuzz/corpus/{policy,sts_txt,tlsrpt_txt,report_json,domain}
cp -n "$fx"/policy/*.txt fuzz/corpus/policy/ 2>/dev/null || true
cp -n "$fx"/tlsrpt-report/*.json "$fx"/tlsrpt-report/*.json.gz fuzz/corpus/report_json/ 2>/dev/null || true
cp -n "$fx"/domain/*.txt fuzz/corpus/domain/ 2>/dev/null || true
for f in "$fx"/sts-txt/*.json; do python3 -c 'import json,sys; print("\0".join("\x01".join(r) if isinstance(r,list) else r for r in json.load(open(sys.argv[1]))), end="")' "$f" > "fuzz/corpus/sts_txt/$(basename "$f" .json)"; done
for f in "$fx"/tlsrpt-txt/*.json; do python3 -c 'import json,sys; print("\0".join("\x01".join(r) if isinstance(r,list) else r for r in json.load(open(sys.argv[1]))), end="")' "$f" > "fuzz/corpus/tlsrpt_txt/$(basename "$f" .json)"; done
cd fuzz
for t in policy sts_txt tlsrpt_txt report_json domain; do
  log=$(mktemp)
  if cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -max_len=70000 >"$log" 2>&1; then status=ok; else status=CRASH; fi
  runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo "?")
  printf '%-12s %-6s %s executions in %ss\n' "$t" "$status" "$runs" "$secs"
  [ "$status" = ok ] || { tail -40 "$log"; exit 1; }
done
