#!/usr/bin/env bash
# zebra user add / zebra audit verify: exit codes, messages, and tamper detection on a SQLite store.
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
out=$(ZEBRA_PASSWORD=short "$zebra" user add carol --role viewer --db "$db" 2>&1); check "short password" 2 $? "$out" "8 characters"
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
exit $((fails > 0))
