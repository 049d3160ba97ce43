#!/usr/bin/env bash
# `make bench`: every performance measurement of issue #8, in order, with a summary at the end.
#   1. Google Benchmark (FEEL, decision tables of 10/100/1,000 rules, whole knowledge base);
#   2. Zebra against feelin on the same generated decision tables and cases (identical outputs
#      required; throughput ratio printed);
#   3. `zebra batch` on BATCH_CASES generated cases (default 1,000,000), 1 and 2 threads: cases/s
#      and peak RSS; the two outputs must be identical;
#   4. server latency with wrk (bench/serve_bench.sh);
#   5. the peers model (bench/peers_gen.mjs: three decisions, a 44-rule COLLECT table) over
#      PEERS_CASES generated cases (default 100,000) as one whole `zebra dmn eval --inputs` process,
#      side by side with feelin on every case (bench/peers_compare.mjs; identical outputs
#      required; cases per CPU-second of each and the ratio printed; feelin takes minutes).
# Environment: BUILD_DIR (default build), BATCH_CASES, DT_CASES (cases generated for the table
# comparison, default 200000), FEELIN_BUDGET_MS (time feelin gets per table, default 4000),
# SKIP (space-separated steps to skip: gbench dt batch serve peers), BENCH_TMP (scratch directory).
# Exit status is non-zero when a check fails (different outputs, invalid cases, a failed run);
# missing a performance target is reported, not failed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
zebra=$build/zebra
batch_cases=${BATCH_CASES:-1000000}
skip=" ${SKIP:-} "
tmp=${BENCH_TMP:-$(mktemp -d /tmp/zebra-bench.XXXXXX)}
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
summary=()

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $skip != *" gbench "* ]]; then
  echo; echo "=== 1. Google Benchmark ($build/zebra_bench)"
  "$build/zebra_bench" --benchmark_counters_tabular=true
fi

if [[ $skip != *" dt "* ]]; then
  echo; echo "=== 2. Decision tables: Zebra against feelin $(node -p "require('./bench/node_modules/feelin/package.json').version")"
  node bench/dt_gen.mjs "$tmp/dt" --cases "${DT_CASES:-200000}"
  node bench/dt_compare.mjs --zebra "$zebra" --dir "$tmp/dt" --budget-ms "${FEELIN_BUDGET_MS:-4000}" \
    --json "$tmp/dt/results.json" | tee "$tmp/dt.txt"
  summary+=("decision tables vs feelin: $(tail -n1 "$tmp/dt.txt")")
fi

if [[ $skip != *" batch "* ]]; then
  echo; echo "=== 3. zebra batch, $batch_cases generated cases"
  node bench/batch_gen.mjs "$tmp/cases.ndjson" --cases "$batch_cases"
  echo "input: $(du -h "$tmp/cases.ndjson" | cut -f1)"
  sums=()
  for threads in 1 2; do
    rc=0
    /usr/bin/time -v -o "$tmp/time.txt" "$zebra" batch "$tmp/cases.ndjson" -o "$tmp/out.ndjson" \
      --threads "$threads" --summary "$tmp/summary.csv" 2>"$tmp/batch.err" || rc=$?
    if [ "$rc" != 0 ]; then echo "zebra batch exited $rc:"; head -n 20 "$tmp/batch.err"; exit 1; fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tmp/time.txt")
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$tmp/time.txt")
    lines=$(wc -l <"$tmp/out.ndjson")
    if [ "$lines" != "$batch_cases" ]; then echo "FAIL: $lines output lines for $batch_cases cases"; exit 1; fi
    rate=$(awk -v n="$batch_cases" -v s="$wall" 'BEGIN {printf "%.0f", n / s}')
    per_cpu=$(awk -v n="$batch_cases" -v s="$cpu" 'BEGIN {printf "%.0f", n / s}')
    line="batch, $threads thread(s): $batch_cases cases in ${wall}s = $rate cases/s, peak RSS $((rss_kb / 1024)) MB, CPU ${cpu}s ($per_cpu cases per CPU-second), output $(du -h "$tmp/out.ndjson" | cut -f1)"
    echo "$line"
    summary+=("$line")
    sums+=("$(cksum <"$tmp/out.ndjson")")
    rm -f "$tmp/out.ndjson"
  done
  if [ "${sums[0]}" != "${sums[1]}" ]; then echo "FAIL: 1-thread and 2-thread outputs differ"; exit 1; fi
  echo "1-thread and 2-thread outputs are identical"
  rate2=$(echo "${summary[-1]}" | sed -E 's/.*= ([0-9]+) cases.*/\1/')
  rss2=$(echo "${summary[-1]}" | sed -E 's/.*peak RSS ([0-9]+) MB.*/\1/')
  summary+=("target batch ≥ 100,000 cases/s on 2 threads: $([ "$rate2" -ge 100000 ] && echo met || echo MISSED) ($rate2/s)")
  summary+=("target batch peak RSS < 100 MB: $([ "$rss2" -lt 100 ] && echo met || echo MISSED) (${rss2} MB)")
fi

if [[ $skip != *" serve "* ]]; then
  echo; echo "=== 4. Server latency"
  bash bench/serve_bench.sh "$zebra" | tee "$tmp/serve.txt"
  summary+=("server: $(grep -m1 -E 'SKIPPED|FAIL' "$tmp/serve.txt" || echo "measured (see above)")")
fi

if [[ $skip != *" peers "* ]]; then
  peers_cases=${PEERS_CASES:-100000}
  echo; echo "=== 5. Peers model, $peers_cases cases, whole process (NDJSON in and out)"
  node bench/peers_gen.mjs "$tmp/peers" --cases "$peers_cases"
  /usr/bin/time -v -o "$tmp/peers_time.txt" "$zebra" dmn eval "$tmp/peers/peers.dmn" \
    --inputs "$tmp/peers/peers.ndjson" >"$tmp/peers/out.ndjson"
  lines=$(wc -l <"$tmp/peers/out.ndjson")
  if [ "$lines" != "$peers_cases" ]; then echo "FAIL: $lines output lines for $peers_cases cases"; exit 1; fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tmp/peers_time.txt")
  echo "zebra wall clock: $peers_cases cases in ${wall}s = $(awk -v n="$peers_cases" -v s="$wall" 'BEGIN {printf "%.0f", n / (s > 0 ? s : 0.001)}') cases/s"
  # Side by side with feelin on every case: identical outputs required (exit 1 otherwise).
  node bench/peers_compare.mjs --zebra "$zebra" --dir "$tmp/peers" --json "$tmp/peers/results.json" | tee "$tmp/peers.txt"
  line="peers model: $(grep -m1 'Zebra' "$tmp/peers.txt" | tr -s ' ' | sed 's/^ //'); $(grep -m1 'feelin' "$tmp/peers.txt" | tr -s ' ' | sed 's/^ //'); $(grep -m1 'ratio' "$tmp/peers.txt" | sed 's/^ *//')"
  echo "$line"
  summary+=("$line")
fi

echo; echo "=== Summary"
printf '%s\n' "${summary[@]}"
