#!/usr/bin/env bash
# End-to-end checks of the zebra commands: outputs, exit codes and error messages (spec §6).
set -u
ZEBRA=$1
ROOT=$2
cd "$ROOT"
pass=0
fail=0
check() {  # check NAME EXPECTED_RC COMMAND... ; stdout in $out, stderr in $err
  local name=$1 expected=$2
  shift 2
  out=$("$@" 2>/tmp/zebra_cli_err.$$)
  rc=$?
  err=$(cat /tmp/zebra_cli_err.$$)
  if [[ $rc -eq $expected ]]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $rc, expected $expected"; echo "$err" | head -5; fi
}
expect_out() {  # expect_out NAME TEXT: $out must equal TEXT
  if [[ "$out" == "$2" ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: got '$out', expected '$2'"; fi
}
expect_contains() {  # expect_contains NAME HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: '$3' not in output"; fi
}

# zebra feel: FEEL literal output (spec §6), decimal semantics (DMN 1.5 §10.3.2.3.1).
check feel-add 0 "$ZEBRA" feel '0.1 + 0.2 = 0.3'; expect_out feel-add true
check feel-context 0 "$ZEBRA" feel 'Monthly Salary * 12' --context '{"Monthly Salary": 1000}'; expect_out feel-context 12000
check feel-string 0 "$ZEBRA" feel 'upper case("zebra")'; expect_out feel-string '"ZEBRA"'
check feel-date 0 "$ZEBRA" feel 'date("2026-01-31") + duration("P1M")'; expect_out feel-date 'date("2026-02-28")'
check feel-leading-minus 0 "$ZEBRA" feel -- '-(3)'; expect_out feel-leading-minus -3
check feel-range-eq 0 "$ZEBRA" feel '(= 10) = (= 10)'; expect_out feel-range-eq true
check feel-syntax 2 "$ZEBRA" feel '[1, 2'; expect_contains feel-syntax-msg "$err" "1:6"
check feel-bad-context 2 "$ZEBRA" feel '1' --context '[1]'
check unknown-command 2 "$ZEBRA" nosuchcommand
check help 0 "$ZEBRA" --help

# zebra evaluate: a demo case gives a recommendation naming the knowledge version.
case_file=examples/cases/pnet_small_nonfunctioning.json
check evaluate 0 "$ZEBRA" evaluate "$case_file"
expect_contains evaluate-schema "$out" '"schema": "zebra.recommendation/v1"'
expect_contains evaluate-version "$out" '"knowledge_version": "1.3.0"'
expect_contains evaluate-notice "$out" 'does not replace clinical judgement'

# Issue 17: ranked options; --set re-evaluates with a field changed (validated like any field);
# --what-if adds the what-if table; without it the output has none.
wi_case=/tmp/zebra_cli_whatif.$$.json
cat > "$wi_case" <<'JSON'
{"schema": "zebra.case/v1", "id": "whatif-pnet-ki67-9", "patient": {"age_years": 60, "sex": "female", "ecog": 0, "egfr_ml_min": 90, "diabetes": "none", "pregnant": false, "hereditary_syndrome": "none"}, "tumor": {"primary_site": "pancreas", "size_cm": 3.5, "morphology": "well_differentiated", "ki67_percent": 9, "mitoses_per_2mm2": 2, "functional_syndrome": "none", "sstr_imaging": {"modality": "ga68_dotatate", "result": "positive", "uptake_vs_liver": "above"}, "metastases": {"liver": true, "liver_burden_percent": 20, "liver_resectable": false}, "growth": "stable", "tumor_burden": "low"}, "history": {"setting": "new_diagnosis"}}
JSON
expect_contains evaluate-rank "$out" '"rank": 1,'
check evaluate-no-what-if 0 "$ZEBRA" evaluate "$wi_case"
[[ "$out" != *'"what_if"'* ]] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL evaluate without --what-if has what_if"; }
check evaluate-what-if 0 "$ZEBRA" evaluate "$wi_case" --what-if
expect_contains evaluate-what-if-entry "$out" '"field": "tumor.ki67_percent"'
expect_contains evaluate-what-if-first "$out" '"first_choice": "prrt.lu177_dotatate"'
check evaluate-set 0 "$ZEBRA" evaluate "$wi_case" --set tumor.ki67_percent=12 --format text
expect_contains evaluate-set-first "$out" '1. PRRT'
expect_contains evaluate-set-plan "$out" 'RANKED PLAN'
check evaluate-set-string 0 "$ZEBRA" evaluate "$case_file" --set tumor.functional_syndrome=insulinoma
expect_contains evaluate-set-string-first "$out" '"rank": 1,'
check evaluate-set-invalid 2 "$ZEBRA" evaluate "$case_file" --set tumor.ki67_percent=-3
expect_contains evaluate-set-invalid-path "$err" 'tumor.ki67_percent'
check evaluate-set-unknown 2 "$ZEBRA" evaluate "$case_file" --set tumor.nosuchfield=1
check evaluate-set-syntax 2 "$ZEBRA" evaluate "$case_file" --set novalue
rm -f "$wi_case"
check evaluate-text 0 "$ZEBRA" evaluate "$case_file" --format text; expect_contains evaluate-text-options "$out" "OPTIONS"
check evaluate-html 0 "$ZEBRA" evaluate "$case_file" --format html; expect_contains evaluate-html-doc "$out" "<!doctype html>"
# The patient summary in Arabic (issue 19): lang, the option grid, right-to-left page with the font.
check evaluate-ar 0 "$ZEBRA" evaluate "$case_file" --lang ar
expect_contains evaluate-ar-lang "$out" '"lang": "ar"'
expect_contains evaluate-ar-grid "$out" '"option_grid": ['
expect_contains evaluate-ar-text "$out" 'لديك ورم صغير في البنكرياس'
check evaluate-en-grid 0 "$ZEBRA" evaluate "$case_file"; expect_contains evaluate-en-watch "$out" '"name": "Watch and wait"'
check evaluate-ar-html 0 "$ZEBRA" evaluate "$case_file" --lang ar --format html
expect_contains evaluate-ar-html-dir "$out" '<html lang="ar" dir="rtl">'
expect_contains evaluate-ar-html-font "$out" "@font-face{font-family:'Noto Naskh Arabic';src:url(data:font/ttf;base64,"
check evaluate-bad-lang 2 "$ZEBRA" evaluate "$case_file" --lang fr
# Determinism: same case, same bytes (spec §4).
a=$("$ZEBRA" evaluate "$case_file"); b=$("$ZEBRA" evaluate "$case_file")
if [[ "$a" == "$b" ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL evaluate is not deterministic"; fi
# Bad input: exit 2 with the JSON path (spec §3).
tmp=$(mktemp -d)
echo '{"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas","ki67_percent":-3,"colour":"red"}}' > "$tmp/bad.json"
check evaluate-bad 2 "$ZEBRA" evaluate "$tmp/bad.json"
expect_contains evaluate-bad-path "$err" "tumor.ki67_percent: -3 is below 0"
expect_contains evaluate-bad-unknown "$err" "tumor.colour"
echo 'not json' > "$tmp/garbage.json"
check evaluate-garbage 2 "$ZEBRA" evaluate "$tmp/garbage.json"
python3 -c "print('[' * 100000)" > "$tmp/deep.json"
check evaluate-deep 2 "$ZEBRA" evaluate "$tmp/deep.json"
check evaluate-stdin 0 sh -c "\"$ZEBRA\" evaluate - < $case_file"
# Strict JSON (issue 13): a repeated key and invalid UTF-8 are located errors, exit 2.
echo '{"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas","ki67_percent":2,"ki67_percent":25}}' > "$tmp/repeated.json"
check evaluate-repeated-key 2 "$ZEBRA" evaluate "$tmp/repeated.json"
expect_contains evaluate-repeated-key-path "$err" "tumor.ki67_percent: repeated key"
printf '{"schema":"zebra.case/v1","id":"bad-\xff","tumor":{"primary_site":"pancreas"}}' > "$tmp/utf8.json"
check evaluate-invalid-utf8 2 "$ZEBRA" evaluate "$tmp/utf8.json"
expect_contains evaluate-invalid-utf8-msg "$err" "invalid UTF-8"
check batch-repeated-key 2 "$ZEBRA" batch "$tmp/repeated.json" -o "$tmp/repeated.out"
expect_contains batch-repeated-key-record "$(cat "$tmp/repeated.out")" "repeated key"
check dmn-repeated-key 2 "$ZEBRA" feel 'a' --context '{"a": 1, "a": 2}'
expect_contains dmn-repeated-key-msg "$err" "repeated key"
# A prior therapy must be an option id of the catalogue (a typo would drop a line of therapy).
echo '{"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas"},"history":{"prior_therapies":[{"option":"targeted.everolimu"}]}}' > "$tmp/prior.json"
check evaluate-prior-typo 2 "$ZEBRA" evaluate "$tmp/prior.json"
expect_contains evaluate-prior-typo-path "$err" "history.prior_therapies[0].option"
# --format text never passes terminal escape codes from the case through.
python3 - "$case_file" "$tmp/esc.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["id"] = "esc-\u001b]0;owned\u0007-\u001b[2J"
json.dump(c, open(sys.argv[2], "w"))
PY
check evaluate-text-escapes 0 "$ZEBRA" evaluate "$tmp/esc.json" --format text
if [[ "$out" != *$'\e'* && "$out" != *$'\a'* && "$out" == *"esc-"* ]]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL evaluate-text-escapes: an escape character reached the terminal output"; fi

# FHIR: the shared mCODE example maps and evaluates.
# (../shared is part of the test set-up: a missing example fails, it is not skipped.)
bundle=../shared/examples/fhir/mcode-pnet-g2-bundle.json
if [[ ! -f $bundle ]]; then fail=$((fail + 1)); echo "FAIL $bundle is missing: ../shared must sit beside the project"; fi
check fhir-map 0 "$ZEBRA" fhir map "$bundle"; expect_contains fhir-map-site "$out" '"primary_site": "pancreas"'
check evaluate-fhir 0 "$ZEBRA" evaluate --fhir "$bundle"; expect_contains evaluate-fhir-out "$out" '"case_id"'
# `zebra fhir map` output pipes into `zebra evaluate -`, and a bundle is recognised without --fhir.
check fhir-map-pipe 0 sh -c "\"$ZEBRA\" fhir map \"$bundle\" | \"$ZEBRA\" evaluate -"
expect_contains fhir-map-pipe-out "$out" '"schema": "zebra.recommendation/v1"'
a=$("$ZEBRA" evaluate --fhir "$bundle"); b=$("$ZEBRA" evaluate "$bundle")
if [[ -n "$a" && "$a" == "$b" ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL evaluate BUNDLE without --fhir differs"; fi
# Grade (NCIt C18000, G2) and stage group (SNOMED stage II) are read and compared, not unused.
check fhir-map-report 0 "$ZEBRA" fhir map "$bundle"
expect_contains fhir-map-unused-empty "$out" '"unused": []'
expect_contains fhir-map-stage-agrees "$out" 'stage group II reported (Observation/pnet-1-stage-group valueCodeableConcept) agrees with the group derived from T, N and M (II)'
expect_contains fhir-map-grade-agrees "$out" 'histologic grade G2 reported (Observation/pnet-1-grade) agrees with Ki-67 8 % (G2)'
# pT3 pN1 cM0 of a pancreatic NET is AJCC stage III; the bundle reports stage II: a note, not a replacement.
check fhir-map-stage-differs 0 "$ZEBRA" fhir map tests/fhir/pancreas-stage-group-differs.bundle.json
expect_contains fhir-map-stage-differs-note "$out" 'stage group differs: II reported (Observation/sgd-1-stage-group valueCodeableConcept), III derived from T, N and M'
echo '{"resourceType":"Patient"}' > "$tmp/notbundle.json"
check fhir-bad 2 "$ZEBRA" fhir map "$tmp/notbundle.json"; expect_contains fhir-bad-path "$err" "resourceType"
# A tumour size whose longest dimension is not a number: exit 2 with the JSON path, nothing guessed.
python3 - "$tmp/badsize.json" <<'EOF'
import json, sys
b = {"resourceType": "Bundle", "type": "collection", "timestamp": "2025-01-01", "entry": [{"resource": {
  "resourceType": "Observation", "id": "s", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "21889-1"}]},
  "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "33728-7"}]}, "valueQuantity": {"value": "2 cm", "code": "cm"}}]}}]}
json.dump(b, open(sys.argv[1], "w"))
EOF
check fhir-bad-size 2 "$ZEBRA" fhir map "$tmp/badsize.json"
expect_contains fhir-bad-size-path "$err" "entry[0].resource.component[0].valueQuantity.value"
check evaluate-fhir-bad-size 2 "$ZEBRA" evaluate --fhir "$tmp/badsize.json"

# kb: the shipped knowledge base checks clean; diff of a base with itself has no changes.
check kb-check 0 "$ZEBRA" kb check
expect_contains kb-check-fields "$out" "patient.heart_failure: read by"
expect_contains kb-check-informational "$out" "patient.preferences.notes: informational:"
expect_contains kb-check-groups "$out" "generated cases checked"
expect_contains kb-check-trials "$out" "trials: "
# A case field no rule reads and the manifest does not mark informational fails the check.
cp -r knowledge "$tmp/kb_unread" && mkdir -p "$tmp/schema" && cp schema/case.schema.json "$tmp/schema/"
python3 -c "import json,sys;p=sys.argv[1];m=json.load(open(p));del m['informational_fields']['patient.preferences.notes'];json.dump(m,open(p,'w'))" "$tmp/kb_unread/manifest.json"
# The same copy carries a trial criterion that would guess (true on an empty case) and one naming
# no case field: kb check covers knowledge/trials too.
python3 -c "import json,sys;p=sys.argv[1];c=json.load(open(p));c['trials']['NCT04919226']['criteria']+=[{'id':'guess','text':'not pregnant','test':'patient.pregnant != true'},{'id':'nofield','text':'x','test':'tumor.ki67 > 1'}];json.dump(c,open(p,'w'))" "$tmp/kb_unread/trials/criteria.json"
check kb-check-unread 2 "$ZEBRA" kb check "$tmp/kb_unread"
expect_contains kb-check-unread-msg "$err" "case field patient.preferences.notes is read by no rule"
expect_contains kb-check-trial-guess "$err" "trials.NCT04919226 criterion guess: decides without case data"
expect_contains kb-check-trial-field "$err" "'tumor.ki67' is not a case field"
# Two options of one exclusive group both preferred in a generated case fails the check.
cp -r knowledge "$tmp/kb_excl"
python3 -c "import json,sys;p=sys.argv[1];m=json.load(open(p));m['exclusive_option_groups'].append({'id':'t','options':['surgery.liver_metastasectomy','surgery.radical_resection'],'reason':'test'});json.dump(m,open(p,'w'))" "$tmp/kb_excl/manifest.json"
check kb-check-exclusive 2 "$ZEBRA" kb check "$tmp/kb_excl"
expect_contains kb-check-exclusive-msg "$err" "exclusive group t has 2 preferred options"
check kb-list 0 "$ZEBRA" kb list; expect_contains kb-list-version "$out" "knowledge 1.3.0"
check kb-diff 0 "$ZEBRA" kb diff knowledge knowledge; expect_contains kb-diff-none "$out" "0 change(s)"

# batch: order kept, bad line reported with its number, exit 2, summary written.
for f in examples/cases/*.json; do python3 -c "import json;print(json.dumps(json.load(open('$f'))))"; done > "$tmp/in.ndjson"
echo '{"schema":"zebra.case/v1","id":"bad","tumor":{"primary_site":"moon"}}' >> "$tmp/in.ndjson"
n=$(wc -l < "$tmp/in.ndjson")
check batch 2 "$ZEBRA" batch "$tmp/in.ndjson" -o "$tmp/out.ndjson" --threads 2 --summary "$tmp/sum.csv"
check batch-summary-stdout 2 "$ZEBRA" batch "$tmp/in.ndjson" -o "$tmp/out2.ndjson" --summary -
expect_contains batch-summary-stdout-csv "$out" "kind,id,count"
if [[ ! -e ./- ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL --summary - wrote a file named -"; rm -f ./-; fi
expect_contains batch-line "$err" "line $n: tumor.primary_site"
if [[ $(wc -l < "$tmp/out.ndjson") -eq $n ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL batch output line count"; fi
first_in=$(head -1 "$tmp/in.ndjson" | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
first_out=$(head -1 "$tmp/out.ndjson" | python3 -c "import json,sys;print(json.load(sys.stdin)['case_id'])")
if [[ "$first_in" == "$first_out" ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL batch order"; fi
expect_contains batch-summary "$(cat "$tmp/sum.csv")" "cases,invalid,1"
# The summary counts what the output lists (scenario.id, options[].id, alerts[].id), counted here
# from the output lines themselves.
if python3 - "$tmp/out.ndjson" "$tmp/sum.csv" <<'EOF'
import collections, csv, json, sys
want = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("schema") != "zebra.recommendation/v1":
        continue
    if isinstance(r.get("scenario", {}).get("id"), str):
        want["scenario", r["scenario"]["id"]] += 1
    for kind in ("option", "alert"):
        for o in r.get(kind + "s", []):
            want[kind, o["id"]] += 1
got = collections.Counter()
for row in csv.DictReader(open(sys.argv[2])):
    if row["kind"] in ("scenario", "option", "alert"):
        got[row["kind"], row["id"]] = int(row["count"])
assert len(want) > 10 and any(k[0] == "alert" for k in want), want
sys.exit(0 if got == want else 1)
EOF
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL batch summary counts differ from the output's ids"; fi
# batch --fhir: one bundle per line, mapped then evaluated; a non-bundle line is reported.
for b in tests/fhir/*.bundle.json; do python3 -c "import json;print(json.dumps(json.load(open('$b'))))"; done > "$tmp/bundles.ndjson"
echo '{"resourceType":"Patient"}' >> "$tmp/bundles.ndjson"
nb=$(wc -l < "$tmp/bundles.ndjson")
check batch-fhir 2 "$ZEBRA" batch "$tmp/bundles.ndjson" -o "$tmp/fout.ndjson" --fhir --threads 2
expect_contains batch-fhir-line "$err" "line $nb: resourceType"
if [[ $(grep -c '"schema":"zebra.recommendation/v1"' "$tmp/fout.ndjson") -eq $((nb - 1)) ]]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL batch --fhir: not every bundle evaluated"; fi
# batch input edges: 4,000 lines (chunks of 512 are recycled), an evaluated case every 100th line
# and quick invalid ones between, a blank line, a CRLF line, invalid UTF-8 (reported, no crash), a
# last line without '\n'. Output line k must answer input line k.
python3 - "$tmp/in.ndjson" "$tmp/edge.ndjson" <<'EOF'
import sys
case = open(sys.argv[1], 'rb').readline().rstrip(b'\n')
with open(sys.argv[2], 'wb') as f:
    for i in range(1, 4001):
        f.write(case.replace(b'"id": "', b'"id": "edge-%d-' % i) + b'\n' if i % 100 == 0 else b'{}\n')
    f.write(b'\n' + case.replace(b'"id": "', b'"id": "crlf-') + b'\r\n')
    f.write(b'{"schema":"zebra.case/v1","id":"\xff","tumor":{}}\n' + case.replace(b'"id": "', b'"id": "last-'))
EOF
check batch-edges 2 "$ZEBRA" batch "$tmp/edge.ndjson" -o "$tmp/eout.ndjson" --threads 2 --summary "$tmp/esum.csv"
expect_contains batch-edges-utf8 "$err" "line 4003: "
expect_contains batch-edges-summary "$(cat "$tmp/esum.csv")" "cases,all,4003"
if python3 - "$tmp/eout.ndjson" <<'EOF'
import json, sys
out = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
ok = len(out) == 4003
for k, r in enumerate(out[:4000], 1):
    ok = ok and (r.get('case_id', '').startswith('edge-%d-' % k) if k % 100 == 0 else r.get('line') == k)
ok = ok and out[4000]['case_id'].startswith('crlf-') and out[4001]['line'] == 4003 and out[4002]['case_id'].startswith('last-')
sys.exit(0 if ok else 1)
EOF
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL batch edges: output lines do not answer input lines in order"; fi
# zebra trials (issue 23): the local registry snapshot; import into a copy of the knowledge base,
# malformed exports refused with located errors and the registry left as it was.
check trials-list 0 "$ZEBRA" trials list --today 2026-12-06
expect_contains trials-list-compose "$out" "NCT04919226"
expect_contains trials-list-encoded "$out" "criteria encoded"
expect_contains trials-list-unencoded "$out" "criteria not yet encoded"
cp -r knowledge "$tmp/kb"
before=$(sha256sum "$tmp/kb/trials/registry.json")
check trials-import-bad 2 "$ZEBRA" trials import tests/trials/fixtures/api_v2_bad_fields.json --knowledge "$tmp/kb"
expect_contains trials-import-bad-path "$err" "studies[1].protocolSection.identificationModule.nctId"
check trials-import-syntax 2 "$ZEBRA" trials import tests/trials/fixtures/api_v2_syntax.json --knowledge "$tmp/kb"
out=$(sha256sum "$tmp/kb/trials/registry.json"); expect_out trials-import-untouched "$before"
check trials-import 0 "$ZEBRA" trials import tests/trials/fixtures/api_v2_ok.json --knowledge "$tmp/kb" --snapshot-date 2026-12-01
expect_contains trials-import-report "$out" "kept 3 neuroendocrine (2 new, 1 updated), skipped 1"
check trials-list-imported 0 "$ZEBRA" trials list --knowledge "$tmp/kb" --format json
expect_contains trials-list-json "$out" '"nct_id": "NCT99999001"'
check trials-evaluate 0 "$ZEBRA" evaluate "$case_file" --format text --trials all --today 2026-12-06
expect_contains trials-evaluate-text "$out" "CLINICAL TRIALS (local registry"
expect_contains trials-evaluate-excluded "$out" "ruled out:"
check trials-evaluate-json 0 "$ZEBRA" evaluate "$case_file" --today 2026-12-06
expect_contains trials-evaluate-field "$out" '"trials_registry"'
# The stale flag follows --today: a registry whose oldest snapshot is 2026-12-01 is fresh for 180
# days (to 2027-05-30) and stale from the 181st.
cp -r knowledge "$tmp/kb_fresh"
python3 - "$tmp/kb_fresh/trials" <<'PY'
import json, sys
d = sys.argv[1]
reg = json.load(open(d + '/registry.json'))
reg['studies'] = [dict(s, snapshot_date='2026-12-01') for s in reg['studies'] if s['nct_id'] == 'NCT04919226']
json.dump(reg, open(d + '/registry.json', 'w'))
crit = json.load(open(d + '/criteria.json'))
crit['trials'] = {k: v for k, v in crit['trials'].items() if k == 'NCT04919226'}
json.dump(crit, open(d + '/criteria.json', 'w'))
PY
check trials-fresh 0 "$ZEBRA" evaluate "$case_file" --knowledge "$tmp/kb_fresh" --today 2027-05-30
expect_contains trials-fresh-flag "$out" '"stale": false'
check trials-stale 0 "$ZEBRA" evaluate "$case_file" --knowledge "$tmp/kb_fresh" --today 2027-05-31
expect_contains trials-stale-flag "$out" '"stale": true'
check trials-list-stale 0 "$ZEBRA" trials list --knowledge "$tmp/kb_fresh" --today 2027-05-31
expect_contains trials-list-stale-word "$out" "STALE"
check trials-list-fresh 0 "$ZEBRA" trials list --knowledge "$tmp/kb_fresh" --today 2027-05-30
[[ "$out" != *STALE* ]] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL trials-list-fresh: STALE before 180 days"; }
# The Arabic summary carries the trial sentence in Arabic, and the handout reads right to left.
python3 -c "import json,sys;json.dump(json.load(open(sys.argv[1]))['case'],open(sys.argv[2],'w'))" tests/trials/vignettes/nec_after_platinum.json "$tmp/nec.json"
check trials-arabic 0 "$ZEBRA" evaluate "$tmp/nec.json" --lang ar --format html --today 2026-12-06
handout=${out#*<section class=\"handout\" lang=\"ar\" dir=\"rtl\"}
[[ "$handout" != "$out" ]] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL trials-arabic-rtl: no right-to-left Arabic handout"; }
expect_contains trials-arabic-sentence "$handout" "يستطيع فريق رعايتك أن يراجع معك"
[[ "$out" != *"Your care team can check"* ]] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL trials-arabic-english: English trial sentence in the Arabic summary"; }
rm -rf "$tmp" /tmp/zebra_cli_err.$$

echo "cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
