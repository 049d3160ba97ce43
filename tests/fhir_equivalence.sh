#!/usr/bin/env bash
# For every tests/fhir/NAME.bundle.json, `zebra evaluate --fhir NAME.bundle.json` and
# `zebra evaluate NAME.case.json` (the hand-written case) must give the same classification, stage,
# options, alerts and not_recommended. case_id and trace fields are dropped before comparing.
# Usage: fhir_equivalence.sh ZEBRA ROOT
set -u
ZEBRA=${1:?usage: fhir_equivalence.sh ZEBRA ROOT}
ROOT=${2:?usage: fhir_equivalence.sh ZEBRA ROOT}
cd "$ROOT" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0 fail=0
shopt -s nullglob
bundles=(tests/fhir/*.bundle.json)
if (( ${#bundles[@]} == 0 )); then
  echo "no bundles in $ROOT/tests/fhir"
  echo "0 passed, 1 failed"
  exit 1
fi
for bundle in "${bundles[@]}"; do
  name=$(basename "$bundle" .bundle.json)
  case_file=tests/fhir/$name.case.json
  if [[ ! -f $case_file ]]; then
    echo "FAIL $name: no $case_file"; fail=$((fail + 1)); continue
  fi
  if ! "$ZEBRA" evaluate --knowledge knowledge --fhir "$bundle" > "$tmp/fhir.json" 2> "$tmp/fhir.err"; then
    echo "FAIL $name: evaluate --fhir failed: $(head -c 500 "$tmp/fhir.err")"; fail=$((fail + 1)); continue
  fi
  if ! "$ZEBRA" evaluate --knowledge knowledge "$case_file" > "$tmp/case.json" 2> "$tmp/case.err"; then
    echo "FAIL $name: evaluate of the case failed: $(head -c 500 "$tmp/case.err")"; fail=$((fail + 1)); continue
  fi
  if python3 - "$tmp/fhir.json" "$tmp/case.json" <<'EOF'
import json, sys

KEYS = ("classification", "stage", "options", "alerts", "not_recommended")

def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("case_id", "trace")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x

a, b = (json.load(open(p)) for p in sys.argv[1:3])
bad = [k for k in KEYS if k not in a or k not in b or strip(a[k]) != strip(b[k])]
for k in bad:
    print(f"  {k} differs:\n    fhir: {json.dumps(strip(a.get(k)))[:400]}\n    case: {json.dumps(strip(b.get(k)))[:400]}")
sys.exit(1 if bad else 0)
EOF
  then
    pass=$((pass + 1))
  else
    echo "FAIL $name"; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
(( fail == 0 ))
