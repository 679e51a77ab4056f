#!/usr/bin/env bash
# Installs what is missing, and nothing else: npm packages when package-lock.json changed since the
# last install, and the Debian packages the tests need (OpenSSH tools, openssl, database clients).
# Safe to run on every `npm start` / `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.install-stamp
lock_sum=$(sha256sum package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "ensure: installing npm packages (better-sqlite3 compiles from source: about a minute)" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
  echo "$lock_sum" > "$stamp"
fi

# Debian packages: only the test suite needs them (the daemon itself needs none).
if [ "${ENSURE_APT:-auto}" != "no" ]; then
  need=()
  command -v ssh-keygen >/dev/null || need+=(openssh-client)
  command -v openssl >/dev/null || need+=(openssl)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "ensure: apt-get install ${need[*]}" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
    else
      echo "ensure: missing ${need[*]}; install them with apt-get (tests that need them will fail)" >&2
    fi
  fi
fi
