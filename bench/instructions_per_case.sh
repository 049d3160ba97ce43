#!/usr/bin/env bash
# Instructions per whole-knowledge-base evaluation (clinical::Evaluate), counted by callgrind over
# the BM_EvaluateCase benchmark (the 15 demo cases in turn, steady state). Steadier than timings
# on a shared machine. Usage: bench/instructions_per_case.sh [BUILD_DIR]   (needs valgrind)
set -euo pipefail
build=${1:-build}
out=$(mktemp /tmp/zebra-callgrind.XXXXXX)
trap 'rm -f "$out"' EXIT
cmake --build "$build" --target zebra_bench >/dev/null  # not part of `make` (EXCLUDE_FROM_ALL)
valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='zebra::clinical::Evaluate(*EvaluateOptions const&)' \
  "$build/zebra_bench" --benchmark_filter='BM_EvaluateCase$' --benchmark_min_time=1 >/dev/null 2>&1
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
# Evaluations: the calls from clinical::Evaluate to PrepareAnswer (once per evaluation, in another
# file, so never inlined). Only the overload with options is toggled: the overloads nest, and
# nested toggles would cancel.
calls=$(callgrind_annotate --tree=caller "$out" 2>/dev/null | grep -B1 '\*  ???:zebra::clinical::internal::PrepareAnswer' |
  grep '< ???:zebra::clinical::Evaluate' | grep -o '([0-9,]*x)' | head -1 | tr -d '(),x')
echo "$calls evaluations, $((total / calls)) instructions per case"
