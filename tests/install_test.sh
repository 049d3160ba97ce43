#!/usr/bin/env bash
# A relocatable install: `cmake --install` into a temporary prefix, the prefix moved elsewhere,
# then the installed binary (run from /, no environment hints) finds its knowledge, schema,
# OpenAPI description, demo cases and web app beside itself, evaluates a case to the same bytes
# as the build tree, and serves. Then `cpack -G DEB` packs the same tree under /usr.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
unset ZEBRA_KNOWLEDGE

if cmake --install "$build" --prefix "$tmp/first" >"$tmp/install.log" 2>&1; then ok "cmake --install"; else bad "cmake --install"; cat "$tmp/install.log"; fi
mv "$tmp/first" "$tmp/moved"
z="$tmp/moved/bin/zebra"
case_file="$src/examples/cases/pnet_small_nonfunctioning.json"
cd /

version=$("$z" --version)
[[ $version == *"data $tmp/moved/share/zebra (installed)"* ]] && ok "--version names the moved install's data directory" || bad "--version: $version"
[[ $version == *"from $tmp/moved/share/zebra/knowledge"* ]] && ok "knowledge found beside the binary" || bad "knowledge: $version"
[[ $version == *"(commit "* ]] && ok "--version names the commit" || bad "no commit in --version"

if cmp -s <("$z" evaluate "$case_file") <("$build/zebra" evaluate "$case_file"); then ok "installed evaluate gives the build tree's bytes"; else bad "installed evaluate differs"; fi
"$z" kb check >"$tmp/kb.out" 2>&1 && ok "installed kb check" || { bad "installed kb check"; cat "$tmp/kb.out"; }

"$z" serve --port 0 --db "sqlite:$tmp/z.db" --demo >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(grep -o 'running on port [0-9]*' "$tmp/serve.out" 2>/dev/null | grep -o '[0-9]*$')
  [[ -n $port ]] && break
  sleep 0.05
done
if [[ -n $port ]]; then
  ok "installed serve starts"
  status=$(curl -s -o "$tmp/openapi.json" -w '%{http_code}' "http://127.0.0.1:$port/v1/openapi.json")
  # The installed description, with the installed case schema embedded as components/schemas/Case.
  [[ $status == 200 ]] && python3 - "$tmp/openapi.json" "$tmp/moved/share/zebra/openapi.json" "$tmp/moved/share/zebra/schema/case.schema.json" <<'PY' &&
import json, sys
served, installed, schema = (json.load(open(p)) for p in sys.argv[1:])
case = served["components"]["schemas"].pop("Case")
installed["components"]["schemas"].pop("Case")
schema.pop("$schema"); schema.pop("$id")
assert served == installed and case == schema
PY
    ok "serves the installed OpenAPI description with the installed case schema" || bad "openapi: $status"
  curl -s "http://127.0.0.1:$port/" >"$tmp/index.html"
  if [[ -f "$tmp/moved/share/zebra/web/index.html" ]]; then
    cmp -s "$tmp/index.html" "$tmp/moved/share/zebra/web/index.html" && ok "serves the installed web app" || bad "web app page differs"
  else
    grep -q "web/dist is missing" "$tmp/index.html" && ok "no web build: the placeholder page" || bad "no web page"
  fi
  curl -s -H 'Content-Type: application/json' --data-binary "@$case_file" "http://127.0.0.1:$port/v1/evaluate" >"$tmp/rest.json"
  cmp -s "$tmp/rest.json" <("$build/zebra" evaluate "$case_file") && ok "installed POST /v1/evaluate gives the same bytes" || bad "REST evaluation differs"
  cases=$(curl -s "http://127.0.0.1:$port/v1/demo-cases" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [[ ${cases:-0} -gt 0 ]] && ok "demo cases from the installed examples ($cases)" || bad "no demo cases"
else
  bad "installed serve did not start"; cat "$tmp/serve.err"
fi
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=

# The Debian package holds the same tree under /usr.
if (cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1); then
  deb=$(ls "$tmp"/pkg/*.deb 2>/dev/null | head -1)
  listing=$(dpkg-deb -c "$deb")
  for f in ./usr/bin/zebra ./usr/libexec/zebra-service ./usr/share/zebra/knowledge/manifest.json ./usr/share/zebra/schema/case.schema.json ./usr/share/zebra/openapi.json ./usr/lib/systemd/system/zebra.service ./usr/share/zebra/docs/operations.md; do
    [[ $listing == *" $f"* ]] && ok "package holds $f" || bad "package lacks $f"
  done
  mkdir -p "$tmp/control" && dpkg-deb -e "$deb" "$tmp/control"
  [[ -x $tmp/control/postinst ]] && grep -q "adduser --system" "$tmp/control/postinst" && ok "package creates the zebra system user (postinst)" || bad "no postinst"
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ $depends == *libsqlite3* ]] && ok "package depends on its shared libraries ($depends)" || bad "Depends: $depends"
else
  bad "cpack -G DEB"; tail -20 "$tmp/cpack.log"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
