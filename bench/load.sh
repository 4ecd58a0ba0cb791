#!/usr/bin/env bash
# Load proof for BENCHMARKS.md, against the release server on the bundled models:
#   1. examples/loadgen.rs (tonic client, HDR latency) — 1 KB / 8 KB × concurrency 1/16/64/256;
#   2. h2load (Debian's nghttp2-client) raw rate on the same gRPC requests, with the server's
#      own per-code counters from /metrics as the error check (h2load only sees HTTP status);
#   3. a soak at 1 KB × 64 with the server's RSS sampled every 15 s.
# Usage: bench/load.sh [SECONDS_PER_ROW=5] [SOAK_SECONDS=300]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
SOAK=${2:-300}
PORT=50077
METRICS=9177
command -v h2load >/dev/null || { echo "h2load not found: apt-get install nghttp2-client" >&2; exit 2; }

cargo build --release --quiet --bin notice-svc --example loadgen
LOADGEN=target/release/examples/loadgen
log=$(mktemp)
target/release/notice-svc serve --addr 127.0.0.1:$PORT --models models --max-concurrent 4096 \
  --metrics-addr 127.0.0.1:$METRICS >"$log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -f "$log"' EXIT
until grep -q "listening on" "$log"; do sleep 0.2; done

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$PID/status; }
codes() {
  curl -s 127.0.0.1:$METRICS/metrics | awk -F'[{}]' '/^notice_requests_total/ {
    split($2, kv, ","); code = ""; for (i in kv) if (kv[i] ~ /^code=/) code = kv[i];
    n[code] += $3 } END { for (c in n) printf "%s=%d ", c, n[c] }'
}

echo "== loadgen (tonic client), $SECS s per row; RSS at start $(rss_mb) MB"
$LOADGEN 127.0.0.1:$PORT "$SECS"
echo "RSS after loadgen: $(rss_mb) MB; server counters: $(codes)"

echo
echo "== h2load, $SECS s per row"
bodies=$(mktemp -d)
$LOADGEN --write-bodies "$bodies"
echo "| doc size | connections × streams | requests/s | mean | max | non-OK |"
echo "|---|---|---|---|---|---|"
for size in 1k 8k; do
  for c in 1 16 64 256; do
    before=$(curl -s 127.0.0.1:$METRICS/metrics | awk '/^notice_requests_total/ && !/code="OK"/ {s += $NF} END {print s + 0}')
    out=$(h2load -D "$SECS" -c "$c" -m 1 -t 1 -d "$bodies/classify-$size.bin" \
      -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$PORT/notice.v1.NoticeService/Classify" 2>&1)
    after=$(curl -s 127.0.0.1:$METRICS/metrics | awk '/^notice_requests_total/ && !/code="OK"/ {s += $NF} END {print s + 0}')
    rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
    lat=$(awk '/^time for request:/ {print $6, $5}' <<<"$out")
    read -r mean max <<<"$lat"
    echo "| $size | $c × 1 | $rps | $mean | $max | $((after - before)) |"
  done
done
rm -rf "$bodies"
echo "RSS after h2load: $(rss_mb) MB; server counters: $(codes)"

echo
echo "== soak: 1 KB × 64 for $SOAK s, RSS every 15 s"
$LOADGEN 127.0.0.1:$PORT "$SOAK" --only 1024:64 >"$log.soak" &
GEN=$!
echo "| t (s) | RSS MB |"
echo "|---|---|"
t=0
while kill -0 $GEN 2>/dev/null; do
  echo "| $t | $(rss_mb) |"
  sleep 15
  t=$((t + 15))
done
cat "$log.soak"
rm -f "$log.soak"
echo "RSS after soak: $(rss_mb) MB; server counters: $(codes)"
