#!/usr/bin/env bash
# Installs the Debian 12 packages the build needs. Idempotent: does nothing when all are present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang-14 lld-14
  libpugixml-dev nlohmann-json3-dev libre2-dev libabsl-dev libexpected-dev
  libfmt-dev libcli11-dev libboost-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev ccache
  libssl-dev libsqlite3-dev sqlite3 libpqxx-dev libargon2-dev libcpp-httplib-dev libmimalloc-dev
  postgresql nginx wrk nodejs chromium curl fonts-noto-core systemd
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # PostgreSQL and nginx are installed for the tests, which start their own throwaway instances:
  # the system services Debian enables on install are not needed, so they are not left running.
  if [[ -d /run/systemd/system ]]; then
    for service in postgresql nginx; do
      if [[ " ${missing[*]} " == *" $service "* ]]; then
        $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
      fi
    done
  fi
fi
