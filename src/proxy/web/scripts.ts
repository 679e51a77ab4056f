/**
 * Install scripts served by the proxy, as Teleport's `/scripts/install.sh` and
 * `/scripts/<token>/install-node.sh`, and the package they install: `/scripts/teleport-ts.tar.gz`,
 * this proxy's own build (package.json, lockfile, bin/, dist/, patches/). What they can do, plainly:
 * the target needs Node.js >= 20.19 with npm, a C/C++ toolchain (native modules build there) and
 * access to the npm registry; the node joins the auth server directly (auth_server, port 3025),
 * not through the proxy.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadParameterError } from '../../api/errors.js';
import type { WebUIAuth } from './ui-auth.js';
import type { Logger } from '../../log/index.js';
import { caPin } from '../../tlsca/index.js';

/** Where scripts point: the proxy users reach and the auth server nodes join. */
export interface ScriptAddrs {
  proxy: string;
  auth: string;
}

const ADDR_RE = /^[A-Za-z0-9.\-_:[\]]+$/;
const LABEL_KEY_RE = /^[A-Za-z0-9_./-]{1,63}$/;
const LABEL_VALUE_RE = /^[A-Za-z0-9_./:-]{0,63}$/;

/**
 * `k=v,k2=v2` node labels for the install script. Keys and values are limited to characters that
 * are inert in shell and YAML; BadParameterError names the bad one.
 */
export function parseScriptLabels(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').filter((p) => p !== '')) {
    const i = part.indexOf('=');
    const [k, v] = i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    if (!LABEL_KEY_RE.test(k) || !LABEL_VALUE_RE.test(v)) {
      throw new BadParameterError(`label "${part}": use letters, digits and . _ / - (values may also hold :), up to 63 characters`);
    }
    out[k] = v;
  }
  return out;
}
const TOKEN_RE = /^[A-Za-z0-9_.-]{1,256}$/;

/** The project root this process runs from (holding package.json `teleport-ts`). */
export function findInstallRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'teleport-ts') return dir;
    } catch {
      // not here
    }
    dir = dirname(dir);
  }
  return undefined;
}

function checkAddrs(a: ScriptAddrs): void {
  if (!ADDR_RE.test(a.proxy) || !ADDR_RE.test(a.auth)) throw new BadParameterError('the proxy or auth address is not a plain host:port');
}

function installSteps(a: ScriptAddrs): string {
  return `
PROXY='${a.proxy}'
PREFIX="\${TELEPORT_PREFIX:-/opt/teleport-ts}"
# Extra curl options, e.g. TELEPORT_CURL_OPTS="--cacert /path/ca.pem" when the proxy's certificate
# is signed by the cluster's own CA (the default without https_keypairs).
read -r -a CURL_EXTRA <<< "\${TELEPORT_CURL_OPTS:-}"

fail() { echo "install: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (sudo)"
command -v curl >/dev/null || fail "curl is required"
command -v tar >/dev/null || fail "tar is required"
command -v node >/dev/null || fail "Node.js >= 20.19 is required (https://nodejs.org, or your distribution's nodejs 20+)"
command -v npm >/dev/null || fail "npm is required"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \\
  || fail "Node.js >= 20.19 is required, found $(node --version)"
for t in make g++ python3; do command -v "$t" >/dev/null || echo "install: warning: $t not found; native modules (ssh2, node-pty, better-sqlite3) need a C/C++ toolchain" >&2; done

echo "install: downloading teleport-ts from $PROXY" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "\${CURL_EXTRA[@]}" "https://$PROXY/scripts/teleport-ts.tar.gz" -o "$tmp/teleport-ts.tar.gz"
mkdir -p "$PREFIX"
tar -xzf "$tmp/teleport-ts.tar.gz" -C "$PREFIX"
echo "install: installing npm packages in $PREFIX (needs the npm registry; native modules compile)" >&2
(cd "$PREFIX" && npm ci --no-audit --no-fund --loglevel=error)
for b in teleport tctl tsh; do ln -sf "$PREFIX/bin/$b" "/usr/local/bin/$b"; done
echo "install: teleport, tctl and tsh are in /usr/local/bin" >&2
`;
}

/** `GET /scripts/install.sh`: installs teleport, tctl and tsh from this proxy. */
export function installScript(a: ScriptAddrs): string {
  checkAddrs(a);
  return `#!/usr/bin/env bash
# Installs teleport-ts (teleport, tctl, tsh) from the proxy at ${a.proxy}.
set -euo pipefail
${installSteps(a)}`;
}

/**
 * What `/scripts/<token>/install-node.sh` serves for a token it refuses, as Teleport does (its
 * ErrorBashScript, HTTP 200): a script that says why and exits 1, so `bash -c "$(curl -fsSL ...)"`
 * stops with the reason instead of installing a node that cannot join (a 4xx would make curl -f
 * print a bare HTTP error and bash run an empty script that succeeds). The token itself is never
 * echoed back: it is attacker-controlled text.
 */
export function refusedScript(reason: string): string {
  return `#!/bin/sh
echo "install: ${reason}; create a new join token (Add Server in the web UI, or tctl tokens add --type=node) and use the command shown with it" >&2
exit 1
`;
}

/**
 * `GET /scripts/<token>/install-node.sh`: installs, writes /etc/teleport.yaml joining with `token`,
 * starts the node. A token that is malformed, unknown, expired or not for nodes gets `refusedScript`.
 */
export async function installNodeScript(auth: Pick<WebUIAuth, 'clusterName' | 'hostCATLSCerts' | 'joinTokenRoles'>, a: ScriptAddrs, token: string, labels: Record<string, string> = {}): Promise<string> {
  checkAddrs(a);
  // Checked with the auth server before anything is built from it, as Teleport's getJoinScript does.
  const roles = TOKEN_RE.test(token) ? await auth.joinTokenRoles(token) : undefined;
  if (!roles) return refusedScript('the join token is not valid: it does not exist or has expired');
  if (!roles.some((r) => r.toLowerCase() === 'node')) return refusedScript(`the join token does not allow joining as a node (it allows: ${roles.join(', ')})`);
  const labelLines = Object.entries(labels).map(([k, v]) => `    ${k}: '${v}'`);
  const pins = (await auth.hostCATLSCerts()).map(caPin);
  return `#!/usr/bin/env bash
# Installs teleport-ts from the proxy at ${a.proxy} and starts an SSH node that joins cluster
# "${auth.clusterName}" with a join token (valid until it expires; ask for a new one in the web UI).
set -euo pipefail
${installSteps(a)}
CONFIG=/etc/teleport.yaml
if [ -e "$CONFIG" ]; then cp "$CONFIG" "$CONFIG.bak.$(date +%s)"; echo "install: kept the old $CONFIG as a .bak file" >&2; fi
cat > "$CONFIG" <<EOF
version: v3
teleport:
  nodename: $(hostname)
  data_dir: /var/lib/teleport
  auth_token: ${token}
  ca_pin: [${pins.join(', ')}]
  auth_server: ${a.auth}
  log: {output: stderr, severity: INFO}
auth_service: {enabled: no}
proxy_service: {enabled: no}
ssh_service:
  enabled: yes
  listen_addr: 0.0.0.0:3022
${labelLines.length > 0 ? `  labels:\n${labelLines.join('\n')}\n` : ''}EOF
chmod 600 "$CONFIG"
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  cat > /etc/systemd/system/teleport.service <<EOF
[Unit]
Description=Teleport SSH node (teleport-ts)
After=network-online.target

[Service]
ExecStart=/usr/local/bin/teleport start -c $CONFIG
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable --now teleport.service
  echo "install: the node runs as systemd unit teleport.service" >&2
else
  nohup /usr/local/bin/teleport start -c "$CONFIG" >> /var/log/teleport.log 2>&1 &
  echo "install: the node runs in the background (no systemd); log: /var/log/teleport.log" >&2
fi
echo "install: done. The server appears in the web UI's server list once it has joined." >&2
`;
}

/** Streams `/scripts/teleport-ts.tar.gz`: this proxy's build. Answers 503 when there is none to ship. */
export function sendBundle(res: ServerResponse, logger: Logger, root = findInstallRoot()): void {
  const dist = root ? join(root, 'dist') : '';
  const built = root && existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith('.mjs')) : [];
  if (!root || built.length === 0) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('this proxy has no built package to ship (run npm run build on it)\n');
    return;
  }
  const files = ['package.json', 'package-lock.json', 'bin', 'patches', 'web/package.json', ...built.map((f) => `dist/${f}`)].filter((f) => existsSync(join(root, f)));
  const tar = spawn('tar', ['-czf', '-', '-C', root, ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-disposition': 'attachment; filename="teleport-ts.tar.gz"', 'cache-control': 'no-store' });
  tar.stdout.pipe(res);
  let err = '';
  tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
  tar.on('error', (e) => {
    logger.error({ err: e }, 'bundle: tar failed to start');
    res.destroy();
  });
  tar.on('close', (code) => {
    if (code !== 0) {
      logger.error({ code, stderr: err.trim() }, 'bundle: tar failed');
      res.destroy();
    }
  });
  res.on('close', () => tar.kill());
}
