#!/usr/bin/env bash
# Installs what is missing, and nothing else: npm packages when package-lock.json changed since the
# last install, and the Debian packages the tests need (OpenSSH tools, openssl, database clients,
# Chromium for the web UI tests).
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

# Debian packages: the test suite and the benchmarks need them. The daemon needs only sftp-server
# (the node's sftp subsystem runs /usr/lib/openssh/sftp-server); bench/ssh.mjs runs sshd as baseline.
if [ "${ENSURE_APT:-auto}" != "no" ]; then
  need=()
  command -v ssh-keygen >/dev/null || need+=(openssh-client)
  command -v openssl >/dev/null || need+=(openssl)
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  [ -x /usr/lib/openssh/sftp-server ] || need+=(openssh-sftp-server)
  # The web UI's browser tests drive Debian's Chromium with playwright-core.
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # etcd backend tests start their own etcd (temp dir, loopback, random ports).
  [ -x /usr/bin/etcd ] || need+=(etcd-server)
  # The install test builds a bare Debian root (test/helpers/debian-root.ts).
  command -v debootstrap >/dev/null || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "ensure: apt-get install ${need[*]}" >&2
      if [[ " ${need[*]} " == *" openssh-server "* ]]; then
        # We only run our own sshd instances (temp configs, loopback, random ports). Keep the
        # package's system sshd from starting now (policy-rc.d) or ever (Debian's init script and
        # systemd unit both honour sshd_not_to_be_run).
        mkdir -p /etc/ssh && touch /etc/ssh/sshd_not_to_be_run
        if [ ! -e /usr/sbin/policy-rc.d ]; then
          printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
          trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
      fi
      if [[ " ${need[*]} " == *" etcd-server "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
        # Keep the package's system etcd (port 2379, /var/lib/etcd) from starting on install.
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
      fi
      # Another apt run (a parallel ensure.sh) holds the lock for a while: wait for it.
      wait_lock=(-o DPkg::Lock::Timeout=300)
      apt-get "${wait_lock[@]}" update -qq >&2
      # No recommends: openssh-sftp-server would otherwise pull in openssh-server unguarded.
      DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends \
        "${need[@]}" >&2
      if [[ " ${need[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null; then
        for unit in ssh.service ssh.socket; do
          systemctl disable "$unit" >/dev/null 2>&1 || true
          systemctl stop "$unit" >/dev/null 2>&1 || true
        done
      fi
      if [[ " ${need[*]} " == *" etcd-server "* ]]; then
        # ...nor ever after (systemd), and stop one a policy-less install started anyway.
        if command -v systemctl >/dev/null; then
          systemctl disable etcd.service >/dev/null 2>&1 || true
          systemctl stop etcd.service >/dev/null 2>&1 || true
        fi
        if [ -x /etc/init.d/etcd ]; then /etc/init.d/etcd stop >/dev/null 2>&1 || true; fi
      fi
    else
      echo "ensure: missing ${need[*]}; install them with apt-get (tests that need them will fail)" >&2
    fi
  fi
fi
