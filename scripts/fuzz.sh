#!/usr/bin/env bash
# Runs cargo-fuzz targets for SECONDS (default 60) each, seeded from the fixture corpus, with
# memory limits so that unbounded growth counts as a crash (-rss_limit_mb, -malloc_limit_mb),
# and prints how many executions each ran. Needs the nightly toolchain (present on these
# machines) and cargo-fuzz (installed here when missing).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: every target
#   SANITIZER=none scripts/fuzz.sh ...         # without AddressSanitizer: ~5x the executions
#
# The code under test is safe Rust, so AddressSanitizer finds little that the Rust checks do
# not; long campaigns run with SANITIZER=none. The memory limit still holds then
# (-rss_limit_mb is enforced by libFuzzer itself); -malloc_limit_mb needs the sanitizer's
# allocation hooks, so it only applies with the default SANITIZER=address.
#
# Targets: the core's text parsers (policy, sts_txt, tlsrpt_txt, report_json, domain), what
# report ingestion does with a report's bytes (ingest) and with a message or mbox (mail), the
# server's readers of remote bytes (smtp_reply, dns_answer, policy_response), the mx matcher
# against a restatement of RFC 8461 §4.1 (mx_match), and the check model (check).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(policy sts_txt tlsrpt_txt report_json ingest mail domain smtp_reply dns_answer policy_response mx_match check)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
fx=crates/core/tests/fixtures
c=fuzz/corpus
mkdir -p $c/{policy,sts_txt,tlsrpt_txt,report_json,ingest,mail,domain,smtp_reply,dns_answer,policy_response,mx_match,check}
cp -n "$fx"/policy/*.txt $c/policy/ 2>/dev/null || true
cp -n "$fx"/tlsrpt-report/*.json "$fx"/tlsrpt-report/*.json.gz $c/report_json/ 2>/dev/null || true
cp -n "$fx"/tlsrpt-report/*.json "$fx"/tlsrpt-report/*.json.gz $c/ingest/ 2>/dev/null || true
# A report message (multipart/report with a JSON part) and an mbox of two messages.
printf 'From: r@s.example\r\nSubject: Report Domain: example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; boundary="b"\r\n\r\n--b\r\nContent-Type: application/tlsrpt+json\r\n\r\n%s\r\n--b--\r\n' "$(cat "$fx"/tlsrpt-report/rfc-example.json)" > $c/mail/message.eml
{ printf 'From a@b Mon Nov  2 00:00:00 2026\n'; cat $c/mail/message.eml; printf '\nFrom c@d Mon Nov  2 00:00:01 2026\nSubject: hi\n\nhello\n'; } > $c/mail/box.mbox
cp -n "$fx"/domain/*.txt $c/domain/ 2>/dev/null || true
for f in "$fx"/sts-txt/*.json; do python3 -c 'import json,sys; print("\0".join("\x01".join(r) if isinstance(r,list) else r for r in json.load(open(sys.argv[1]))), end="")' "$f" > "$c/sts_txt/$(basename "$f" .json)"; done
for f in "$fx"/tlsrpt-txt/*.json; do python3 -c 'import json,sys; print("\0".join("\x01".join(r) if isinstance(r,list) else r for r in json.load(open(sys.argv[1]))), end="")' "$f" > "$c/tlsrpt_txt/$(basename "$f" .json)"; done
# A piece-size byte, then what an MX sends.
printf '\x07220 mx.example.com ESMTP\r\n' > $c/smtp_reply/banner
printf '\x03250-mx.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n' > $c/smtp_reply/ehlo
# A media-type/coding byte, then a policy body.
for f in "$fx"/policy/*.txt; do { printf '\x00'; cat "$f"; } > "$c/policy_response/$(basename "$f")"; done
printf 'mx1.example.com\n*.example.com' > $c/mx_match/wildcard
printf 'example.com.\nexample.com' > $c/mx_match/exact
# DNS answers: a TXT and an MX response for example.com (built here, wire format RFC 1035 §4).
python3 - "$c/dns_answer" <<'PY'
import struct, sys
def name(n): return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"
def msg(qtype, rdatas):
    head = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, len(rdatas), 0, 0)
    q = name("example.com") + struct.pack(">HH", qtype, 1)
    ans = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 300, len(r)) + r for r in rdatas)
    return head + q + ans
txt = lambda s: bytes([len(s)]) + s
open(sys.argv[1] + "/txt", "wb").write(msg(16, [txt(b"v=STSv1; id=20260101")]))
open(sys.argv[1] + "/mx", "wb").write(msg(15, [struct.pack(">H", 10) + name("mx1.example.com")]))
PY
cd fuzz
for t in "${targets[@]}"; do
  log=$(mktemp)
  # Inputs past a few KiB only slow the search down; the 64 KiB policy limit and the
  # decompression caps are covered by unit tests.
  case "$t" in report_json) max=16384 ;; *) max=4096 ;; esac
  if cargo +nightly fuzz run -O -s "${SANITIZER:-address}" "$t" -- -max_total_time="$secs" -max_len="$max" \
       -rss_limit_mb=1024 -malloc_limit_mb=512 >"$log" 2>&1; then status=ok; else status=CRASH; fi
  runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo "?")
  printf '%-16s %-6s %s executions in %ss\n' "$t" "$status" "$runs" "$secs"
  [ "$status" = ok ] || { tail -40 "$log"; rm -f "$log"; exit 1; }
  rm -f "$log"
done
