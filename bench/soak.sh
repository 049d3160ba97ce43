#!/usr/bin/env bash
# Soak test of `zebra serve` (make soak; minutes, not part of make test): wrk at high concurrency
# against POST /v1/evaluate with a demo case on loopback for a bounded time, while the server's
# resident memory is sampled every second from /proc/PID/status.
#
#   bench/soak.sh [ZEBRA_BINARY] [CASE.json]
# Environment: CONNECTIONS (default 256), DURATION seconds (default 60), THREADS (wrk threads,
# default 2), SERVE_ARGS (extra zebra serve flags), WRK_TIMEOUT (default 10s).
#
# Fails when any answer is not 2xx, when wrk reports a socket error (connect, read, write,
# timeout), when the server dies, or when memory keeps growing: RSS at the end of the load must
# be within 25% (+16 MiB) of RSS a quarter of the way in, when the server is warm.
set -euo pipefail
cd "$(dirname "$0")/.."
zebra=${1:-build/zebra}
case_file=${2:-examples/cases/pnet_metastatic_progressive_after_ssa.json}
connections=${CONNECTIONS:-256}
duration=${DURATION:-60}
threads=${THREADS:-2}
wrk_timeout=${WRK_TIMEOUT:-10s}
command -v wrk >/dev/null || { echo "soak: wrk is not installed (scripts/setup.sh installs it)"; exit 1; }
[[ -x $zebra ]] || { echo "soak: $zebra not found (make build)"; exit 1; }

tmp=$(mktemp -d /tmp/zebra-soak.XXXXXX)
pid= sampler=
cleanup() {
  [[ -n $sampler ]] && kill "$sampler" 2>/dev/null || true
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
"$zebra" serve --demo --port 0 --db "sqlite:$tmp/soak.db" ${SERVE_ARGS:-} >"$tmp/serve.out" 2>"$tmp/serve.log" &
pid=$!
port=
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*running on port \([0-9]*\).*/\1/p' "$tmp/serve.out")
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "soak: zebra serve exited:"; cat "$tmp/serve.log"; exit 1; }
  sleep 0.1
done
[[ -n $port ]] || { echo "soak: zebra serve did not start"; exit 1; }
url="http://127.0.0.1:$port/v1/evaluate"
code=$(curl -s -o "$tmp/one.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$case_file" "$url")
[[ $code == 200 ]] || { echo "soak: POST /v1/evaluate answered $code"; head -c 500 "$tmp/one.json"; exit 1; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
threads_now() { awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
( while kill -0 "$pid" 2>/dev/null; do echo "$(date +%s) $(rss_kib) $(threads_now)"; sleep 1; done ) >"$tmp/rss.txt" &
sampler=$!
sleep 1

cat >"$tmp/post.lua" <<'EOF'
local f = assert(io.open(os.getenv("ZEBRA_CASE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
EOF
echo "soak: POST /v1/evaluate, $(basename "$case_file"), $connections connections, $threads wrk threads, ${duration} s, zebra serve pid $pid"
ZEBRA_CASE="$PWD/$case_file" wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout "$wrk_timeout" --latency \
  -s "$tmp/post.lua" "$url" | tee "$tmp/wrk.txt"
sleep 2
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=

status=0
alive=yes
kill -0 "$pid" 2>/dev/null || { alive=no; status=1; }
if grep -q "Non-2xx" "$tmp/wrk.txt"; then echo "FAIL: some answers were not 2xx"; status=1; fi
if grep -q "Socket errors" "$tmp/wrk.txt"; then echo "FAIL: socket errors (see above)"; status=1; fi
requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
[[ ${requests:-0} -gt 0 ]] || { echo "FAIL: no requests completed"; status=1; }

awk 'NR == 1 { t0 = $1; last = -1; printf "RSS about every 10 s:" }
     { t = $1 - t0; b = int(t / 10); if (b != last) { printf " t=%ds %.1f MiB;", t, $2 / 1024; last = b } }
     END { print "" }' "$tmp/rss.txt"
# RSS: before the load, a quarter of the way in (warm), peak, at the end of the load.
awk -v d="$duration" '
  NR == 1 { t0 = $1; start = $2 }
  { t = $1 - t0; if ($2 > peak) peak = $2; if ($3 > maxthreads) maxthreads = $3
    if (t <= 1 + d / 4) warm = $2
    if (t <= 1 + d) end = $2; last = $2 }
  END {
    printf "RSS (MiB): start %.1f, warm (t=%ds) %.1f, peak %.1f, end of load %.1f, after load %.1f; threads max %d\n",
      start / 1024, 1 + d / 4, warm / 1024, peak / 1024, end / 1024, last / 1024, maxthreads
    if (end > warm * 1.25 + 16384) { print "FAIL: memory grew during the soak"; exit 1 }
  }' "$tmp/rss.txt" || status=1
echo "zebra serve alive after the soak: $alive"
grep -c ' status=5' "$tmp/serve.log" | xargs -I{} echo "server 5xx log lines: {}"
exit $status
