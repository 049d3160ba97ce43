#!/usr/bin/env bash
# Process start (issue 21): `zebra` runs the evaluation commands without the server, store and
# auth stack (no OpenSSL, libpq, SQLite, cpp-httplib, GnuTLS or argon2 in the process) and hands
# the service commands over to zebra-service with exec: same process, same arguments, and a
# clear error with exit code 1 when zebra-service is missing.
#   lean_start_test.sh ZEBRA SOURCE_DIR LEAN   (LEAN=ON: also no shared C++ library at all)
set -u
z=$1
src=$(cd "$2" && pwd)
lean=$3
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
for tool in readelf ldd python3 curl; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is missing (binutils, libc-bin, python3, curl)"; exit 1; }
done
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$src"

# What the loader maps for zebra: none of the service stack, and with LEAN no shared C++ library
# (a second libstdc++ beside the static one would be a defect, not only slow).
loaded=$(ldd "$z")
heavy=$(grep -oE 'lib(ssl|crypto|pq|pqxx[^ ]*|sqlite3|cpp-httplib|gnutls|argon2|krb5|ldap[^ ]*)\.so[^ ]*' <<<"$loaded" | tr '\n' ' ')
[[ -z $heavy ]] && ok "zebra loads no server, store or auth library" || bad "zebra loads $heavy"
if [[ $lean == ON ]]; then
  needed=$(readelf -d "$z" | grep -o 'Shared library: \[[^]]*\]' | sed 's/.*\[\(.*\)\]/\1/' | sort | tr '\n' ' ')
  [[ $needed == "ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libmimalloc.so.2 " ]] \
    && ok "zebra needs only mimalloc, libm and libc" || bad "zebra needs: $needed"
  grep -q 'libstdc++' <<<"$loaded" && bad "zebra loads a shared libstdc++" || ok "no shared libstdc++ beside the static one"
fi

# Every service command reaches zebra-service through zebra (its own --help answers).
for c in serve config audit user migrate backup restore; do
  out=$("$z" "$c" --help 2>&1)
  rc=$?
  [[ $rc -eq 0 && $out == *"zebra $c"* ]] && ok "zebra $c --help is answered by zebra-service" || bad "zebra $c --help: rc $rc: $out"
done
"$z" config example >"$tmp/config.toml" && grep -q '^# port=8080' "$tmp/config.toml" \
  && ok "zebra config example prints the serve settings" || bad "config example: $(head -3 "$tmp/config.toml")"
service_dir=$(dirname "$z")
"$service_dir/zebra-service" evaluate x >/dev/null 2>"$tmp/err"
rc=$?
[[ $rc -eq 2 ]] && grep -q "unknown command 'evaluate'" "$tmp/err" && ok "zebra-service runs only the service commands (rc 2)" \
  || bad "zebra-service evaluate: rc $rc: $(cat "$tmp/err")"

# `zebra serve` becomes zebra-service in the same process: the pid the caller holds is the server's.
"$z" serve --port 0 --db "sqlite:$tmp/z.db" >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(grep -o 'running on port [0-9]*' "$tmp/serve.out" 2>/dev/null | grep -o '[0-9]*$')
  [[ -n $port ]] && break
  sleep 0.05
done
exe=$(readlink "/proc/$pid/exe")
[[ $exe == */zebra-service ]] && ok "zebra serve runs as zebra-service under the same pid" || bad "pid $pid runs $exe"
health=$(curl -s "http://127.0.0.1:${port:-1}/v1/health")
[[ $health == *'"status":"ok"'* ]] && ok "the handed-over server answers /v1/health" || bad "health: $health $(cat "$tmp/serve.err")"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=

# Without zebra-service beside it (or in ../libexec), a service command fails with a message.
mkdir -p "$tmp/lone/bin"
cp "$z" "$tmp/lone/bin/zebra"
"$tmp/lone/bin/zebra" serve --port 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
[[ $rc -eq 1 ]] && grep -q "zebra-service, which cannot be started (No such file or directory" "$tmp/err" \
  && ok "missing zebra-service: exit code 1 and a message" || bad "missing zebra-service: rc $rc: $(cat "$tmp/err")"
mkdir -p "$tmp/lone/libexec"
printf '#!/bin/sh\nexit 0\n' >"$tmp/lone/libexec/zebra-service"
chmod 0644 "$tmp/lone/libexec/zebra-service"
"$tmp/lone/bin/zebra" user list >"$tmp/out" 2>"$tmp/err"
rc=$?
[[ $rc -eq 1 ]] && grep -q "Permission denied" "$tmp/err" \
  && ok "a zebra-service that is not executable: exit code 1, 'Permission denied'" || bad "not executable: rc $rc: $(cat "$tmp/err")"
chmod 0755 "$tmp/lone/libexec/zebra-service"
printf '#!/bin/sh\necho "handed over: $*"\n' >"$tmp/lone/libexec/zebra-service"
out=$("$tmp/lone/bin/zebra" audit verify --db sqlite:x.db 2>&1)
[[ $out == "handed over: audit verify --db sqlite:x.db" ]] && ok "zebra finds PREFIX/libexec/zebra-service with the arguments unchanged" \
  || bad "libexec hand-over: $out"

# --version names the knowledge version from the manifest, and says so when there is none.
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["knowledge_version"])' "$src/knowledge/manifest.json")
out=$("$z" --version)
[[ $out == *"knowledge $want ("* ]] && ok "--version names knowledge $want" || bad "--version: $out"
mkdir -p "$tmp/empty"
out=$(ZEBRA_KNOWLEDGE="$tmp/empty" "$z" --version)
rc=$?
[[ $rc -eq 0 && $out == *"knowledge: no readable manifest.json in $tmp/empty"* ]] \
  && ok "--version without a manifest says so" || bad "--version without manifest: rc $rc: $out"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
