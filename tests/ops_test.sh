#!/usr/bin/env bash
# The first hour of a hospital's IT (docs/operations.md), scripted: a configuration file from
# `zebra config example`, the store URL from a file (not in the process arguments), JSON logs,
# `zebra migrate` and `serve --no-migrate`, and a backup taken while serving, the store destroyed,
# restored into a new store: the audit chain verifies and the cases are the same. With
# ZEBRA_TEST_PG_URL (tests/with_postgres.sh) the documented pg_dump / pg_restore path too.
#   ops_test.sh ZEBRA
set -u
zebra=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
tmp=$(mktemp -d)
pid=
stop_server() { [[ -n $pid ]] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; pid=; }
trap 'stop_server; rm -rf "$tmp"' EXIT
unset ZEBRA_DB

# start_server LOGFILE ARGS...: starts zebra serve, sets $pid and $port.
start_server() {
  local log=$1
  shift
  "$zebra" serve --port 0 "$@" >"$tmp/serve.out" 2>"$log" &
  pid=$!
  port=
  for _ in $(seq 1 300); do
    port=$(grep -o 'running on port [0-9]*' "$tmp/serve.out" 2>/dev/null | grep -o '[0-9]*$')
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# ---- configuration file and secrets -----------------------------------------------------------
"$zebra" config example >"$tmp/example.toml" && ok "zebra config example" || bad "zebra config example"
grep -q '^# port=8080' "$tmp/example.toml" && grep -q '^# db-file=' "$tmp/example.toml" &&
  ok "the example names every setting with its default (port=8080, db-file, ...)" || bad "example: $(head -c 300 "$tmp/example.toml")"
echo "sqlite:$tmp/secret-store.db" >"$tmp/db-url"
chmod 600 "$tmp/db-url"
# The example, uncommented where we change it, is a valid configuration.
sed -e 's/^# port=8080$/port=0/' -e "s|^# db-file=\"\"$|db-file=\"$tmp/db-url\"|" -e 's/^# log-format="text"$/log-format="json"/' \
  -e 's/^# demo=false$/demo=true/' "$tmp/example.toml" >"$tmp/zebra.toml"
if start_server "$tmp/config.log" --config "$tmp/zebra.toml"; then
  ok "serve --config FILE starts"
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ $args != *secret-store* ]] && ok "the store URL is not in the process arguments ($args)" || bad "URL in ps: $args"
  [[ -f $tmp/secret-store.db ]] && ok "the store named in db-file is used" || bad "db-file not used"
  curl -s "http://127.0.0.1:$port/v1/health" >/dev/null
  sleep 0.3
  if python3 - "$tmp/config.log" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
objs = [json.loads(l) for l in lines]  # every line is JSON
assert any(o.get("event") == "request" and o.get("route") == "/v1/health" and o.get("status") == 200 for o in objs), objs
assert all("time" in o and "level" in o for o in objs)
PY
  then ok "--log-format json: every log line is a JSON object, requests as events"; else bad "JSON logs: $(head -3 "$tmp/config.log")"; fi
  stop_server
else
  bad "serve --config did not start: $(tail -3 "$tmp/config.log")"
fi

# ---- migrations are never silent ----------------------------------------------------------------
"$zebra" migrate --check --db "sqlite:$tmp/new.db" >"$tmp/check.out" 2>&1
[[ $? -eq 1 ]] && grep -q "older than" "$tmp/check.out" && ok "migrate --check on a new store: pending, exit 1" || bad "migrate --check: $(cat "$tmp/check.out")"
if start_server "$tmp/nomigrate.log" --db "sqlite:$tmp/new.db" --no-migrate; then bad "serve --no-migrate served a store needing migrations"; stop_server; else
  grep -q "zebra migrate" "$tmp/nomigrate.log" && ok "serve --no-migrate refuses a store that needs migrations, naming zebra migrate" || bad "no-migrate: $(cat "$tmp/nomigrate.log")"; fi
ZEBRA_DB="sqlite:$tmp/new.db" "$zebra" migrate >"$tmp/migrate.out" 2>&1 && grep -q "applied" "$tmp/migrate.out" &&
  ok "zebra migrate (store from \$ZEBRA_DB) says which migrations ran: $(head -1 "$tmp/migrate.out")" || bad "migrate: $(cat "$tmp/migrate.out")"
"$zebra" migrate --db "sqlite:$tmp/new.db" | grep -q "up to date" && ok "a second zebra migrate: up to date" || bad "second migrate"
if start_server "$tmp/nomigrate2.log" --db "sqlite:$tmp/new.db" --no-migrate; then ok "serve --no-migrate on a migrated store"; stop_server; else bad "serve --no-migrate on a migrated store"; fi

# ---- backup while serving, destroy, restore ---------------------------------------------------
db="$tmp/live.db"
if start_server "$tmp/live.log" --db "sqlite:$db" --demo; then
  "$zebra" backup --db "sqlite:$db" --out "$tmp/backup.db" >"$tmp/backup.out" 2>&1 && ok "zebra backup while the store serves" || bad "backup: $(cat "$tmp/backup.out")"
  "$zebra" backup --db "sqlite:$db" --out "$tmp/backup.db" >/dev/null 2>&1
  [[ $? -eq 2 ]] && ok "a backup never overwrites a file (exit 2)" || bad "backup overwrote"
  stop_server
  cases_before=$(sqlite3 "$db" "SELECT COUNT(*) FROM case_revisions; SELECT group_concat(case_id) FROM (SELECT DISTINCT case_id FROM case_revisions ORDER BY case_id);")
  rm -f "$db" "$db-wal" "$db-shm"
  "$zebra" restore "$tmp/backup.db" --db "sqlite:$tmp/restored.db" >"$tmp/restore.out" 2>&1 && grep -q "audit chain intact" "$tmp/restore.out" &&
    ok "zebra restore into a new store: $(cat "$tmp/restore.out")" || bad "restore: $(cat "$tmp/restore.out")"
  "$zebra" audit verify --db "sqlite:$tmp/restored.db" >/dev/null 2>&1 && ok "audit verify on the restored store" || bad "restored audit does not verify"
  cases_after=$(sqlite3 "$tmp/restored.db" "SELECT COUNT(*) FROM case_revisions; SELECT group_concat(case_id) FROM (SELECT DISTINCT case_id FROM case_revisions ORDER BY case_id);")
  [[ -n $cases_before && $cases_before == "$cases_after" ]] && ok "the same cases and revisions after the restore" || bad "cases differ: $cases_before / $cases_after"
  "$zebra" restore "$tmp/backup.db" --db "sqlite:$tmp/restored.db" >/dev/null 2>&1
  [[ $? -eq 2 ]] && ok "restore refuses a store that is not empty (exit 2)" || bad "restore into a non-empty store"
  if start_server "$tmp/restored.log" --db "sqlite:$tmp/restored.db" --demo; then ok "the restored store serves"; stop_server; else bad "restored store does not serve"; fi
else
  bad "serve for the backup test did not start"
fi

# ---- the audit log over HTTP for an auditor account (section 5) --------------------------------
if ZEBRA_PASSWORD="auditor-pass-2026" "$zebra" user add audrey --role auditor --db "sqlite:$tmp/restored.db" >/dev/null 2>&1 &&
   start_server "$tmp/audit.log" --db "sqlite:$tmp/restored.db" --demo; then
  curl -s -c "$tmp/jar" -H 'Content-Type: application/json' -d '{"username":"audrey","password":"auditor-pass-2026"}' \
    "http://127.0.0.1:$port/v1/session" >/dev/null
  code=$(curl -s -b "$tmp/jar" -o "$tmp/audit.jsonl" -w '%{http_code}' "http://127.0.0.1:$port/v1/audit?since=2000-01-01")
  cases_code=$(curl -s -b "$tmp/jar" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/cases")
  stop_server
  "$zebra" audit export --since 2000-01-01 --db "sqlite:$tmp/restored.db" >"$tmp/export.jsonl"
  lines=$(wc -l <"$tmp/audit.jsonl")
  [[ $code == 200 && $lines -gt 0 ]] && cmp -s "$tmp/audit.jsonl" <(head -n "$lines" "$tmp/export.jsonl") &&
    ok "GET /v1/audit as an auditor: the lines zebra audit export writes ($lines)" || bad "GET /v1/audit: $code, $lines lines"
  [[ $cases_code == 403 ]] && ok "the auditor reads no cases (403)" || bad "auditor GET /v1/cases: $cases_code"
  grep -q '"actor":"audrey","action":"audit.export"' "$tmp/export.jsonl" && ok "the auditor's read is in the audit log" ||
    bad "the HTTP read is not audited"
else
  bad "auditor account or server: $(tail -3 "$tmp/audit.log" 2>/dev/null)"
fi

# ---- roll back: an older zebra refuses a store with a newer schema (section 6) -----------------
cp "$tmp/restored.db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from a newer zebra', 'x')"
"$zebra" migrate --check --db "sqlite:$tmp/newer.db" >"$tmp/newer.out" 2>&1
rc=$?
[[ $rc -ne 0 ]] && grep -q "newer than this zebra" "$tmp/newer.out" && ok "migrate --check: a newer schema is refused (exit $rc)" ||
  bad "newer schema: exit $rc, $(cat "$tmp/newer.out")"
if start_server "$tmp/newer.log" --db "sqlite:$tmp/newer.db" --demo; then bad "serve started on a newer schema"; stop_server; else
  grep -q "newer than this zebra" "$tmp/newer.log" && ok "serve refuses a newer schema: restore the backup instead" || bad "newer: $(cat "$tmp/newer.log")"; fi

# ---- rotate the store secret (section 7): a new URL in db-file, restart ------------------------
echo "sqlite:$tmp/restored.db" >"$tmp/db-url"
if start_server "$tmp/rotated.log" --config "$tmp/zebra.toml"; then
  ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "restored.db" && ok "after a restart the service uses the URL now in db-file" ||
    bad "db-file change not used"
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") != *restored* ]] && ok "the new URL is not in the process arguments either" || bad "URL in ps"
  stop_server
else
  bad "restart with a new db-file: $(tail -3 "$tmp/rotated.log")"
fi

# ---- the systemd unit (section 4) --------------------------------------------------------------
src=$(cd "$(dirname "$0")/.." && pwd)
unit=$src/deploy/systemd/zebra.service
grep -qx 'ExecStart=/usr/bin/zebra serve --config /etc/zebra/zebra.toml' "$unit" && grep -qx 'User=zebra' "$unit" &&
  ok "the unit runs zebra serve --config /etc/zebra/zebra.toml as user zebra" || bad "unit ExecStart/User"
if analyze=$(command -v systemd-analyze); then
  # Verified with this build's binary in ExecStart (verify checks that it is executable).
  sed "s#^ExecStart=/usr/bin/zebra #ExecStart=$zebra #" "$unit" >"$tmp/zebra.service"
  out=$("$analyze" verify "$tmp/zebra.service" 2>&1)
  rc=$?
  [[ $rc -eq 0 && -z $out ]] && ok "systemd-analyze verify: the unit and every hardening key parse" || bad "verify (exit $rc): $out"
  exposure=$("$analyze" security --offline=true "$tmp/zebra.service" 2>&1 | grep -o 'exposure level for zebra.service: [0-9.]*' | grep -o '[0-9.]*$')
  [[ -n $exposure ]] && awk "BEGIN { exit !($exposure <= 2.0) }" && ok "systemd-analyze security: exposure $exposure (at most 2.0)" ||
    bad "exposure: ${exposure:-none}"
else
  bad "systemd-analyze is missing (scripts/setup.sh installs systemd)"
fi

# ---- PostgreSQL: the documented pg_dump / pg_restore path --------------------------------------
if [[ -n ${ZEBRA_TEST_PG_URL:-} ]]; then
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_dump | tail -1)")
  base=${ZEBRA_TEST_PG_URL%/*}
  "$zebra" backup --db "$ZEBRA_TEST_PG_URL" --out "$tmp/x" 2>"$tmp/pgb.err"
  [[ $? -eq 2 ]] && grep -q pg_dump "$tmp/pgb.err" && ok "zebra backup on PostgreSQL points to pg_dump" || bad "pg backup message"
  "$pg_bin/psql" -q "$base/postgres" -c "CREATE DATABASE zebra_ops" >/dev/null
  if start_server "$tmp/pg.log" --db "$base/zebra_ops" --demo; then
    stop_server
    "$pg_bin/pg_dump" --format=custom --file "$tmp/pg.dump" "$base/zebra_ops" && ok "pg_dump --format=custom" || bad "pg_dump"
    count_before=$("$pg_bin/psql" -tA "$base/zebra_ops" -c "SELECT COUNT(*) FROM case_revisions")
    "$pg_bin/psql" -q "$base/postgres" -c "DROP DATABASE zebra_ops" -c "CREATE DATABASE zebra_ops" >/dev/null
    "$pg_bin/pg_restore" --exit-on-error --dbname "$base/zebra_ops" "$tmp/pg.dump" && ok "pg_restore into an empty database" || bad "pg_restore"
    count_after=$("$pg_bin/psql" -tA "$base/zebra_ops" -c "SELECT COUNT(*) FROM case_revisions")
    [[ $count_before -gt 0 && $count_before == "$count_after" ]] && ok "same case revisions after pg_restore ($count_after)" || bad "pg counts $count_before/$count_after"
    "$zebra" audit verify --db "$base/zebra_ops" >"$tmp/pgv.out" 2>&1 && ok "audit verify after pg_restore: $(cat "$tmp/pgv.out")" || bad "pg verify: $(cat "$tmp/pgv.out")"
  else
    bad "serve on PostgreSQL did not start: $(tail -3 "$tmp/pg.log")"
  fi
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
