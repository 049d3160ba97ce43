#!/usr/bin/env bash
# with_postgres.sh CMD [ARGS...]: runs CMD with ZEBRA_TEST_PG_URL pointing at a throwaway
# PostgreSQL server (own temp dir, free port, 127.0.0.1 only), then stops and removes it.
set -euo pipefail
if (($# == 0)); then
  echo "usage: with_postgres.sh CMD [ARGS...]" >&2
  exit 2
fi
pg_bin=${PG_BIN:-}
if [[ -z $pg_bin ]]; then
  for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && pg_bin=$d; done
fi
if [[ -z $pg_bin || ! -x $pg_bin/initdb ]]; then
  echo "with_postgres.sh: PostgreSQL server binaries not found (set PG_BIN)" >&2
  exit 2
fi

dir=$(mktemp -d /tmp/zebra-pg.XXXXXX)
# PostgreSQL refuses to run as root: run it as the postgres OS user.
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# A port nobody answers on (bash's /dev/tcp connect fails when it is free). Tests running in
# parallel take ephemeral ports too, so a port free when probed can be gone when the server binds:
# start again on another port when that happens.
# fsync stays on; synchronous_commit=off only shortens commit latency on a busy test machine
# (nothing here crashes the server).
port=
for attempt in $(seq 10); do
  p=$((20000 + RANDOM % 30000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
  log=$dir/server-$attempt.log
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $p -k $dir -c max_connections=100 -c synchronous_commit=off" start >/dev/null; then
    port=$p
    break
  fi
  grep -q "could not bind\|could not create any TCP/IP sockets" "$log" || { cat "$log" >&2; exit 1; }
done
[[ -n $port ]] || { echo "with_postgres.sh: no free port after $attempt attempts" >&2; cat "$log" >&2; exit 1; }
"${as_pg[@]}" "$pg_bin/createdb" -h "$dir" -p "$port" -U postgres zebra_test

export ZEBRA_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/zebra_test"
status=0
"$@" || status=$?
exit $status
