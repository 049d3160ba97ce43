#!/usr/bin/env bash
# zebra user add|list|disable|enable|role|passwd and zebra audit verify|export|prune: exit codes,
# messages, the password policy, and tamper detection on a SQLite store (issue 13).
set -uo pipefail
zebra=${1:?usage: store_cli_test.sh ZEBRA}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="sqlite:$dir/z.db"
fails=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC [OUTPUT PATTERN]
  if [[ $2 != "$3" ]]; then echo "FAIL $1: exit $3, expected $2"; fails=$((fails + 1)); return; fi
  if [[ $# -ge 5 ]] && ! grep -qE -- "$5" <<<"$4"; then
    echo "FAIL $1: output does not match /$5/: $4"; fails=$((fails + 1)); return
  fi
  echo "ok   $1"
}

out=$("$zebra" audit verify --db "$db" 2>&1); check "verify missing db" 2 $? "$out" "no such database"
out=$(ZEBRA_PASSWORD=correct-horse "$zebra" user add alice --role clinician --db "$db" 2>&1)
check "user add (env)" 0 $? "$out" "created user 'alice' \(clinician\)"
out=$(echo "battery-staple" | env -u ZEBRA_PASSWORD "$zebra" user add bob --role viewer --db "$db" 2>&1)
check "user add (stdin)" 0 $? "$out" "created user 'bob' \(viewer\)"
out=$(ZEBRA_PASSWORD=correct-horse "$zebra" user add alice --role viewer --db "$db" 2>&1)
check "duplicate user" 2 $? "$out" "already exists"
out=$(ZEBRA_PASSWORD=correct-horse "$zebra" user add carol --role admin --db "$db" 2>&1); check "bad role" 2 $?
out=$(ZEBRA_PASSWORD=short "$zebra" user add carol --role viewer --db "$db" 2>&1); check "short password" 2 $? "$out" "12 characters"
out=$(ZEBRA_PASSWORD=eleven-char "$zebra" user add carol --role viewer --db "$db" 2>&1); check "11 characters" 2 $? "$out" "12 characters"
out=$(ZEBRA_PASSWORD=Password1234 "$zebra" user add carol --role viewer --db "$db" 2>&1); check "common password" 2 $? "$out" "common passwords"
out=$(echo "qwerty123456" | env -u ZEBRA_PASSWORD "$zebra" user add carol --role viewer --db "$db" 2>&1); check "common password (stdin)" 2 $? "$out" "common passwords"
out=$(ZEBRA_PASSWORD=correct-horse "$zebra" user add 'no spaces' --role viewer --db "$db" 2>&1); check "bad username" 2 $?
out=$("$zebra" user add --help 2>&1); check "user add --help" 0 $? "$out" "--role"
out=$("$zebra" audit verify --help 2>&1); check "audit verify --help" 0 $? "$out" "--db"
out=$("$zebra" audit 2>&1); check "audit without subcommand" 2 $?
out=$("$zebra" audit verify --db mysql://x 2>&1); check "unsupported url" 2 $?

out=$("$zebra" audit verify --db "$db" 2>&1); check "verify intact" 0 $? "$out" "^audit chain intact: 2 entries$"
# Only hashes are stored: the password itself is nowhere in the file.
if grep -q correct-horse "$dir/z.db" "$dir"/z.db-wal 2>/dev/null; then echo "FAIL password stored"; fails=$((fails + 1)); fi
if command -v sqlite3 >/dev/null; then
  sqlite3 "$dir/z.db" "UPDATE audit_log SET actor = 'x' WHERE seq = 1" 2>/dev/null && { echo "FAIL trigger"; fails=$((fails + 1)); }
  sqlite3 "$dir/z.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'user 1 role viewer' WHERE seq = 1"
  out=$("$zebra" audit verify --db "$db" 2>&1); check "verify tampered" 1 $? "$out" "seq 1"
fi

# ---- accounts (a fresh store: the one above was tampered with) ---------------------------------
db="sqlite:$dir/accounts.db"
ZEBRA_PASSWORD=correct-horse "$zebra" user add alice --role clinician --db "$db" >/dev/null 2>&1
ZEBRA_PASSWORD=battery-staple "$zebra" user add bob --role viewer --db "$db" >/dev/null 2>&1
out=$("$zebra" user list --db "$db" 2>&1); check "user list" 0 $? "$out" "^alice +clinician +enabled"
out=$("$zebra" user disable bob --db "$db" 2>&1); check "user disable" 0 $? "$out" "disabled user 'bob'"
out=$("$zebra" user list --db "$db" 2>&1); check "user list shows disabled" 0 $? "$out" "^bob +viewer +disabled"
out=$("$zebra" user enable bob --db "$db" 2>&1); check "user enable" 0 $? "$out" "enabled user 'bob'"
out=$("$zebra" user role bob coordinator --db "$db" 2>&1); check "user role" 0 $? "$out" "'bob' is now coordinator"
out=$("$zebra" user role bob admin --db "$db" 2>&1); check "user role: unknown role" 2 $?
out=$(ZEBRA_PASSWORD=letmein12345 "$zebra" user passwd alice --db "$db" 2>&1); check "passwd: common" 2 $? "$out" "common"
out=$(echo "a-much-better-passphrase" | env -u ZEBRA_PASSWORD "$zebra" user passwd alice --db "$db" 2>&1)
check "passwd (stdin)" 0 $? "$out" "password changed for 'alice'"
out=$(ZEBRA_PASSWORD=a-much-better-passphrase "$zebra" user passwd nobody --db "$db" 2>&1); check "passwd: unknown user" 2 $? "$out" "no user 'nobody'"
out=$("$zebra" user disable nobody --db "$db" 2>&1); check "disable: unknown user" 2 $? "$out" "no user 'nobody'"
out=$("$zebra" user list --db "sqlite:$dir/missing.db" 2>&1); check "user list: missing db" 2 $? "$out" "no such database"
out=$("$zebra" user --help 2>&1); check "user --help" 0 $? "$out" "passwd"
out=$("$zebra" audit export --db "$db" 2>&1)
check "account changes are audited" 0 $? "$out" '"actor":"cli:[^"]*","action":"user.disable"'
grep -q '"action":"user.passwd"' <<<"$out" && grep -q '"action":"user.role"' <<<"$out" && grep -q '"action":"user.enable"' <<<"$out" \
  && grep -q '"action":"user.list"' <<<"$out" \
  || { echo "FAIL audit lacks user.passwd/role/enable/list"; fails=$((fails + 1)); }
if grep -q a-much-better-passphrase "$dir/accounts.db" "$dir"/accounts.db-wal 2>/dev/null; then echo "FAIL new password stored"; fails=$((fails + 1)); fi
out=$("$zebra" audit verify --db "$db" 2>&1); check "verify after account changes" 0 $? "$out" "^audit chain intact: 9 entries$"

# ---- a store with clinical history: zebra serve --demo seeds cases and their evaluations -------
demo="$dir/demo.db"
"$zebra" serve --demo --port 0 --db "sqlite:$demo" >"$dir/serve.out" 2>"$dir/serve.err" &
serve_pid=$!
for _ in $(seq 1 600); do grep -q "running on port" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid"
out=$("$zebra" audit verify --db "sqlite:$demo" 2>&1); check "demo store verifies" 0 $? "$out" "^audit chain intact: [0-9]+ entries$"
entries=$(sed -E 's/.*intact: ([0-9]+) entries/\1/' <<<"$out")

out=$("$zebra" audit export --db "sqlite:$demo" 2>&1); check "audit export" 0 $?
lines=$(grep -c '"seq"' <<<"$out")
[[ $lines == "$entries" ]] || { echo "FAIL export: $lines lines for $entries entries"; fails=$((fails + 1)); }
grep -q '"action":"case.create".*"content_ref":"case_revisions/c_[0-9a-f]*/1","content_hash":"[0-9a-f]\{64\}"' <<<"$out" \
  || { echo "FAIL export: case.create without a content hash"; fails=$((fails + 1)); }
case_id=$(grep -o '"case_id":"c_[0-9a-f]*"' <<<"$out" | head -1 | cut -d'"' -f4)
out=$("$zebra" audit export --case "$case_id" --db "sqlite:$demo" 2>&1); check "audit export --case" 0 $? "$out" "$case_id"
if grep -v "\"case_id\":\"$case_id\"" <<<"$out" | grep -q .; then echo "FAIL export --case: other cases"; fails=$((fails + 1)); fi
out=$("$zebra" audit export --since 9999-01-01 --db "sqlite:$demo" 2>&1); check "audit export --since (future)" 0 $?
[[ -z $out ]] || { echo "FAIL export --since: $out"; fails=$((fails + 1)); }
out=$("$zebra" audit export --since yesterday --db "sqlite:$demo" 2>&1); check "audit export: bad date" 2 $? "$out" "YYYY-MM-DD"

if command -v sqlite3 >/dev/null; then
  tamper() {  # tamper NAME SQL... : $dir/NAME.db, a copy of the demo store with the SQL applied
    local name=$1
    shift
    sqlite3 "$demo" ".backup $dir/$name.db"
    for sql in "$@"; do sqlite3 "$dir/$name.db" "$sql" 2>/dev/null; done
  }
  # Plain UPDATE and DELETE are refused by the triggers.
  sqlite3 "$demo" ".backup $dir/plain.db"
  for sql in "UPDATE case_revisions SET case_json = '{}'" "DELETE FROM case_revisions" "DELETE FROM evaluations" \
             "UPDATE evaluations SET output_json = '{}'" "DELETE FROM audit_log" \
             "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)" "UPDATE audit_anchor SET head_seq = 1"; do
    sqlite3 "$dir/plain.db" "$sql" 2>/dev/null && { echo "FAIL trigger allowed: $sql"; fails=$((fails + 1)); }
  done
  out=$("$zebra" audit verify --db "sqlite:$dir/plain.db" 2>&1); check "refused changes leave the chain intact" 0 $? "$out" "intact"
  # 1. A case revision's JSON changed (its trigger dropped first).
  tamper revision "DROP TRIGGER case_revisions_no_update" \
    "UPDATE case_revisions SET case_json = '{\"id\":\"forged\"}' WHERE case_id = '$case_id' AND revision = 1"
  out=$("$zebra" audit verify --db "sqlite:$dir/revision.db" 2>&1)
  check "verify: changed case revision" 1 $? "$out" "audit chain broken at seq [0-9]+: case_revisions/$case_id/1 does not match"
  # 2. An evaluation deleted.
  tamper evaluation "DROP TRIGGER evaluations_no_delete" "DELETE FROM evaluations WHERE id = 1"
  out=$("$zebra" audit verify --db "sqlite:$dir/evaluation.db" 2>&1)
  check "verify: deleted evaluation" 1 $? "$out" "evaluations/1 is missing"
  # 3. The last three audit entries deleted.
  tamper tail "DROP TRIGGER audit_log_no_delete" \
    "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)"
  out=$("$zebra" audit verify --db "sqlite:$dir/tail.db" 2>&1)
  check "verify: truncated tail" 1 $? "$out" "removed from the tail"
  # 4. An audit row edited.
  tamper edited "DROP TRIGGER audit_log_no_update" "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"
  out=$("$zebra" audit verify --db "sqlite:$dir/edited.db" 2>&1)
  check "verify: edited audit row" 1 $? "$out" "audit chain broken at seq 2"
  # Prune refuses a chain that does not verify.
  out=$("$zebra" audit prune --before 9999-01-01 --out "$dir/bad.jsonl" --db "sqlite:$dir/edited.db" 2>&1)
  check "prune refuses a broken chain" 1 $? "$out" "does not verify"
  [[ ! -e $dir/bad.jsonl ]] || { echo "FAIL prune wrote an archive of a broken chain"; fails=$((fails + 1)); }
fi

# ---- prune: archive, anchor, and the rest still verifies ---------------------------------------
out=$("$zebra" audit prune --before 2000-01-01 --out "$dir/none.jsonl" --db "sqlite:$demo" 2>&1)
check "prune: nothing that old" 0 $? "$out" "nothing to prune"
before=$("$zebra" audit verify --db "sqlite:$demo" | sed -E 's/.*intact: ([0-9]+) entries/\1/')
out=$("$zebra" audit prune --before 9999-01-01 --out "$dir/pruned.jsonl" --db "sqlite:$demo" 2>&1)
check "prune" 0 $? "$out" "^pruned $before entries \(seq 1 to $before\) to .*pruned.jsonl; anchor seq $before hash [0-9a-f]{64}$"
[[ $(grep -c '"seq"' "$dir/pruned.jsonl") == "$before" ]] || { echo "FAIL prune archive line count"; fails=$((fails + 1)); }
out=$("$zebra" audit verify --db "sqlite:$demo" 2>&1); check "verify after prune" 0 $? "$out" "^audit chain intact: 1 entries$"
out=$("$zebra" audit export --db "sqlite:$demo" 2>&1)
check "the prune is audited" 0 $? "$out" "\"seq\":$((before + 1)),.*\"action\":\"audit.prune\".*\"content_ref\":\"audit_log/$before\""
last_hash=$(tail -1 "$dir/pruned.jsonl" | grep -o '"hash":"[0-9a-f]*"' | tail -1 | cut -d'"' -f4)
grep -q "\"prev_hash\":\"$last_hash\"" <<<"$out" || { echo "FAIL the archive does not link to the remaining chain"; fails=$((fails + 1)); }
out=$("$zebra" audit prune --before 9999-01-01 --out "$dir/pruned.jsonl" --db "sqlite:$demo" 2>&1)
check "prune: never overwrites" 2 $? "$out" "exists"
out=$("$zebra" audit prune --out "$dir/x.jsonl" --db "sqlite:$demo" 2>&1); check "prune: --before required" 2 $?
out=$("$zebra" audit prune --before soon --out "$dir/x.jsonl" --db "sqlite:$demo" 2>&1); check "prune: bad date" 2 $? "$out" "YYYY-MM-DD"
if command -v sqlite3 >/dev/null; then
  sqlite3 "$demo" "DELETE FROM audit_log" 2>/dev/null && { echo "FAIL remaining entries deletable after prune"; fails=$((fails + 1)); }
fi
out=$("$zebra" audit verify --db "sqlite:$demo" 2>&1); check "verify at the end" 0 $? "$out" "intact"
exit $((fails > 0))
