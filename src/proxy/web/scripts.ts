/**
 * Install scripts served by the proxy, as Teleport's `/scripts/install.sh` and
 * `/scripts/<token>/install-node.sh`, and the release they install: `/scripts/teleport-ts.tar.gz`,
 * the self-contained release of this proxy's own version (`npm run release`: its own Node.js
 * runtime and native modules, so the target needs no Node.js, no compiler and no network but the
 * proxy). The scripts check the release's sha256 and version, install it with its `install`
 * script, and for a node write the config with `teleport node configure` (joining through the
 * proxy with the token and the cluster's CA pins) and the unit with `teleport install systemd`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { arch, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import { VERSION } from '../../api/version.js';
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

/** Teleport's name for the release archive of this version on this machine's architecture. */
export function releaseName(version = VERSION): string {
  const a = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch()] ?? arch();
  return `teleport-v${version}-linux-${a}-bin.tar.gz`;
}

/** The release archive this proxy ships and its sha256. */
export interface Release {
  path: string;
  sha256: string;
}

const releases = new Map<string, Promise<Release>>();

/**
 * Finds the release of this version: `release/<name>` beside a source checkout (`npm run
 * release`), or, when this proxy itself runs from an installed release, that release packed once
 * into the temp directory. NotFoundError says how to make one.
 */
export function findRelease(root = findInstallRoot()): Promise<Release> {
  // A release built (again) while this proxy runs is picked up: the key holds the archive's mtime.
  const built = root ? join(root, 'release', releaseName()) : '';
  const key = `${root ?? ''}\0${built && existsSync(built) ? statSync(built).mtimeMs : ''}`;
  let found = releases.get(key);
  if (!found) {
    found = locateRelease(root);
    releases.set(key, found);
    found.catch(() => releases.delete(key));
  }
  return found;
}

async function locateRelease(root: string | undefined): Promise<Release> {
  if (!root) throw new NotFoundError('this proxy cannot find its own files to ship');
  const built = join(root, 'release', releaseName());
  if (existsSync(built)) return { path: built, sha256: await sha256File(built) };
  // An installed release: <dest>/lib is the root, <dest>/bin/node its runtime.
  const dest = dirname(root);
  if (existsSync(join(dest, 'bin', 'node')) && existsSync(join(dest, 'VERSION'))) {
    const out = join(tmpdir(), `teleport-ts-${process.pid}-${releaseName()}`);
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-czf', `${out}.part`, '-C', dirname(dest), `--transform=s,^${basename(dest)},teleport,`, basename(dest)], { stdio: 'ignore' });
      tar.on('error', reject);
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`))));
    });
    await rename(`${out}.part`, out);
    return { path: out, sha256: await sha256File(out) };
  }
  throw new NotFoundError(`this proxy has no release of version ${VERSION} to ship: run "npm run release" on it (it writes release/${releaseName()})`);
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function installSteps(a: ScriptAddrs, release: Release): string {
  return `
PROXY='${a.proxy}'
VERSION='${VERSION}'
SHA256='${release.sha256}'
# Extra curl options for the download (the archive's sha256 above is checked either way).
read -r -a CURL_EXTRA <<< "\${TELEPORT_CURL_OPTS:-}"

fail() { echo "install: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (sudo)"
for t in curl tar sha256sum; do command -v "$t" >/dev/null || fail "$t is required"; done
[ "$(uname -s)" = Linux ] || fail "this release runs on Linux"
case "$(uname -m)" in x86_64) m=amd64 ;; aarch64) m=arm64 ;; *) m=$(uname -m) ;; esac
[ "$m" = '${releaseName().replace(/^.*-linux-|-bin\.tar\.gz$/g, '')}' ] || fail "this proxy ships a release for ${releaseName().replace(/^.*-linux-|-bin\.tar\.gz$/g, '')}, not $m"

echo "install: downloading teleport-ts $VERSION from $PROXY" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --insecure "\${CURL_EXTRA[@]}" "https://$PROXY/scripts/teleport-ts.tar.gz" -o "$tmp/teleport.tar.gz" \
  || fail "could not download the release from $PROXY"
echo "$SHA256  $tmp/teleport.tar.gz" | sha256sum -c --status || fail "the downloaded release does not match this script's sha256; try again"
tar -xzf "$tmp/teleport.tar.gz" -C "$tmp"
[ "$(cat "$tmp/teleport/VERSION")" = "$VERSION" ] || fail "the proxy served release $(cat "$tmp/teleport/VERSION"), not $VERSION"
"$tmp/teleport/install" >&2
`;
}

/** `GET /scripts/install.sh`: installs teleport, tctl and tsh from this proxy. */
export async function installScript(a: ScriptAddrs, release: Release | Promise<Release> = findRelease()): Promise<string> {
  checkAddrs(a);
  let r: Release;
  try {
    r = await release;
  } catch (err) {
    return refusalScript(`the proxy cannot serve a release: ${(err as Error).message}`);
  }
  return `#!/usr/bin/env bash
# Installs teleport-ts ${VERSION} (teleport, tctl, tsh) from the proxy at ${a.proxy}.
set -euo pipefail
${installSteps(a, r)}`;
}

/** A script that prints `reason` and exits 1 (HTTP 200, so that `curl | bash` shows the reason). */
function refusalScript(reason: string): string {
  return `#!/bin/sh
echo "install: ${reason.replace(/["$`\\]/g, '')}" >&2
exit 1
`;
}

/**
 * What `/scripts/<token>/install-node.sh` serves for a token it refuses, as Teleport does (its
 * ErrorBashScript, HTTP 200): a script that says why and exits 1, so `bash -c "$(curl -fsSL ...)"`
 * stops with the reason instead of installing a node that cannot join (a 4xx would make curl -f
 * print a bare HTTP error and bash run an empty script that succeeds). The token itself is never
 * echoed back: it is attacker-controlled text.
 */
export function refusedScript(reason: string): string {
  return refusalScript(`${reason}; create a new join token (Add Server in the web UI, or tctl tokens add --type=node) and use the command shown with it`);
}

/**
 * `GET /scripts/<token>/install-node.sh`: installs the release, writes /etc/teleport.yaml joining
 * through this proxy with `token`, installs the systemd unit and starts the node (in the
 * background where systemd does not run). A token that is malformed, unknown, expired or not for
 * nodes gets `refusedScript`.
 */
export async function installNodeScript(
  auth: Pick<WebUIAuth, 'clusterName' | 'hostCATLSCerts' | 'joinTokenRoles'>,
  a: ScriptAddrs,
  token: string,
  labels: Record<string, string> = {},
  release: Release | Promise<Release> = findRelease(),
): Promise<string> {
  checkAddrs(a);
  // Checked with the auth server before anything is built from it, as Teleport's getJoinScript does.
  const roles = TOKEN_RE.test(token) ? await auth.joinTokenRoles(token) : undefined;
  if (!roles) return refusedScript('the join token is not valid: it does not exist or has expired');
  if (!roles.some((r) => r.toLowerCase() === 'node')) return refusedScript(`the join token does not allow joining as a node (it allows: ${roles.join(', ')})`);
  let r: Release;
  try {
    r = await release;
  } catch (err) {
    return refusalScript(`the proxy cannot serve a release: ${(err as Error).message}`);
  }
  const pins = (await auth.hostCATLSCerts()).map(caPin);
  const labelFlag = Object.keys(labels).length > 0 ? ` --labels='${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}'` : '';
  return `#!/usr/bin/env bash
# Installs teleport-ts ${VERSION} from the proxy at ${a.proxy} and starts an SSH node that joins
# cluster "${auth.clusterName}" through it with a join token (valid until it expires; ask for a new
# one in the web UI).
set -euo pipefail
${installSteps(a, r)}
CONFIG=/etc/teleport.yaml
if [ -e "$CONFIG" ]; then mv "$CONFIG" "$CONFIG.bak.$(date +%s)"; echo "install: kept the old $CONFIG as a .bak file" >&2; fi
/usr/local/bin/teleport node configure --output="file://$CONFIG" --proxy="$PROXY" --token='${token}' --ca-pin='${pins.join(',')}'${labelFlag} >&2
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  rm -f /etc/systemd/system/teleport.service
  /usr/local/bin/teleport install systemd --output=file:///etc/systemd/system/teleport.service >&2
  systemctl daemon-reload
  systemctl enable --now teleport.service
  echo "install: the node runs as systemd unit teleport.service" >&2
else
  nohup /usr/local/bin/teleport start -c "$CONFIG" --pid-file=/run/teleport.pid >> /var/log/teleport.log 2>&1 < /dev/null &
  echo "install: the node runs in the background (no systemd here); log: /var/log/teleport.log" >&2
fi
echo "install: done. The server appears in the web UI's server list (and tsh ls) once it has joined." >&2
`;
}

/** Streams `/scripts/teleport-ts.tar.gz`: the release of this version, or 404 saying how to make one. */
export async function sendBundle(res: ServerResponse, logger: Logger, release: Promise<Release> = findRelease()): Promise<void> {
  let r: Release;
  try {
    r = await release;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'install: no release to ship');
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${(err as Error).message}\n`);
    return;
  }
  const size = (await stat(r.path)).size;
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': size, 'content-disposition': `attachment; filename="${releaseName()}"`, 'cache-control': 'no-store' });
  const file = createReadStream(r.path);
  file.on('error', (e) => {
    logger.error({ err: e }, 'install: reading the release failed');
    res.destroy();
  });
  file.pipe(res);
  res.on('close', () => file.destroy());
}
