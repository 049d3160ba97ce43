#!/usr/bin/env bash
# DMN TCK conformance gate: run_tck.sh ZEBRA_BINARY SOURCE_DIR
# Runs `zebra tck` on SOURCE_DIR/../shared/dmn-tck/TestCases. Fails when any compliance-level-2
# case fails, or when a level-3 case fails that tests/tck_known_failures.txt does not list.
# The list may only shrink: cases on it that now pass are reported so they can be removed.
set -uo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 ZEBRA_BINARY SOURCE_DIR" >&2
  exit 2
fi
zebra=$1
source_dir=$2
tck_dir="$source_dir/../shared/dmn-tck/TestCases"
known_file="$source_dir/tests/tck_known_failures.txt"

if [[ ! -d "$tck_dir" ]]; then
  echo "run_tck: TCK not found at $tck_dir" >&2
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$zebra" tck "$tck_dir" >"$out"
rc=$?
if [[ $rc -ne 0 ]]; then
  cat "$out"
  echo "run_tck: zebra tck exited with $rc" >&2
  exit 1
fi

# Failing ids per level, from lines "FAIL folder/id [level]".
failing_level() { sed -n "s/^FAIL \(.*\) \[$1\]\$/\1/p" "$out" | sort -u; }
level2=$(failing_level compliance-level-2)
level3=$(failing_level compliance-level-3)
known=$(grep -v '^\s*#' "$known_file" 2>/dev/null | sed 's/\s*$//' | grep -v '^$' | sort -u)

# Prints the report block of each failing id read from stdin: its FAIL line and indented details.
print_blocks() {
  while IFS= read -r id; do
    awk -v head="FAIL $id [$1]" '$0 == head {p = 1; print; next} /^[^ ]/ {p = 0} p' "$out"
  done
}

status=0
if [[ -n "$level2" ]]; then
  echo "run_tck: compliance-level-2 failures (all level-2 cases must pass):"
  print_blocks compliance-level-2 <<<"$level2"
  status=1
fi
unexpected=$(comm -23 <(printf '%s\n' "$level3" | grep -v '^$') <(printf '%s\n' "$known" | grep -v '^$'))
if [[ -n "$unexpected" ]]; then
  echo "run_tck: compliance-level-3 failures not in tests/tck_known_failures.txt:"
  print_blocks compliance-level-3 <<<"$unexpected"
  status=1
fi
fixed=$(comm -13 <(printf '%s\n' "$level3" | grep -v '^$') <(printf '%s\n' "$known" | grep -v '^$'))
if [[ -n "$fixed" ]]; then
  echo "run_tck: these known failures now pass; remove them from tests/tck_known_failures.txt:"
  sed 's/^/  /' <<<"$fixed"
fi

summary=$(grep -E '^([A-Za-z0-9-]+: )?[0-9]+ passed, [0-9]+ failed$' "$out")
if [[ -z "$summary" ]]; then
  cat "$out"
  echo "run_tck: zebra tck printed no summary" >&2
  exit 1
fi
echo "$summary"
exit $status
