/**
 * A parsed config checked against this host before anything starts: every directory the process
 * writes (data_dir, storage.path, the pid file's and log file's directories, file:// audit and
 * recording directories) is created when missing and must be writable, every file it reads (TLS
 * keypairs, etcd credentials) must be a readable file, and every listen address must be an address
 * of this machine. Each refusal is a BadParameterError naming the key and where it was set
 * (`teleport.yaml:3: teleport.data_dir: ...`, or `--data-dir: ...` for a flag).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { lookup } from 'node:dns/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadParameterError } from '../api/errors.js';
import { formatAddr, type NetAddr } from './address.js';
import type { TeleportConfig } from './types.js';

/** Options for checkConfigOnHost. */
export interface HostCheckOptions {
  /** How long a listen address's host name may take to resolve (default 5 s). */
  lookupTimeoutMs?: number;
}

/** Where a key's value came from, for the front of an error: `teleport.yaml:3: teleport.data_dir`, `--data-dir`, or the bare key (a default). */
export function whereSet(cfg: TeleportConfig, key: string): string {
  const origin = cfg.origins?.[key];
  if (origin === undefined) return key;
  return origin.startsWith('--') ? origin : `${origin}: ${key}`;
}

/** A BadParameterError `<where key was set>: message`. */
export function configKeyError(cfg: TeleportConfig, key: string, message: string, cause?: unknown): BadParameterError {
  return new BadParameterError(`${whereSet(cfg, key)}: ${message}`, cause === undefined ? undefined : { cause });
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function fsError(code: string, message: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, '${path}'`), { code, path });
}

/**
 * Creates `path` and its missing parents one level at a time (mode `mode`), as `mkdir -p` does.
 * Unlike Node's recursive mkdir, it ends on a parent that refuses new entries (`/proc/x/y` fails
 * with ENOENT instead of retrying forever). Throws the system error, with `path` the directory
 * that could not be made; ENOTDIR when something on the way is not a directory, EDANGLING (ours)
 * for a symbolic link to nothing.
 */
export async function makeDirAll(path: string, mode = 0o700): Promise<void> {
  const missing: string[] = [];
  let dir = resolve(path);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = (await stat(dir)).isDirectory();
    } catch (err) {
      // ENOTDIR: something above is a file; walking up finds it and names it.
      if (errnoOf(err) !== 'ENOENT' && errnoOf(err) !== 'ENOTDIR') throw err;
      missing.push(dir);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
      continue;
    }
    if (!isDir) throw fsError('ENOTDIR', 'not a directory', dir);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d, { mode });
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
      // It exists yet stat said it did not: a symbolic link to nothing.
      const isDir = await stat(d).then(
        (st) => st.isDirectory(),
        () => {
          throw fsError('EDANGLING', 'a symbolic link to nothing', d);
        },
      );
      if (!isDir) throw fsError('ENOTDIR', 'not a directory', d);
    }
  }
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
  EISDIR: 'it is a directory',
  EIO: 'an I/O error',
};

/** A system error as a sentence about the path it concerns. */
function explain(err: unknown): string {
  const code = errnoOf(err);
  const at = (err as NodeJS.ErrnoException | undefined)?.path;
  if (code === 'ENOTDIR') return `${at ?? 'a part of the path'} is not a directory`;
  if (code === 'EDANGLING') return `${at} is a symbolic link to something that does not exist`;
  if (code === 'ENOENT' && at) return `cannot create ${at}: ${dirname(at)} does not accept new entries`;
  if (code === 'ENOENT') return 'it does not exist';
  const text = code ? ERRNO_TEXT[code] : undefined;
  const where = at ? ` (${at})` : '';
  return text ? `${text}${where}` : `${(err as Error).message}`;
}

/** A directory the process creates and writes. */
async function checkWritableDir(cfg: TeleportConfig, key: string, path: string, what: string): Promise<void> {
  try {
    await makeDirAll(path);
    await access(path, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw configKeyError(cfg, key, `cannot use ${what} "${path}": ${explain(err)}; choose a directory this user can create and write`, err);
  }
}

/** A file the process writes (a pid file, a log file): its directory must be usable, the file must not be a directory. */
async function checkWritableFile(cfg: TeleportConfig, key: string, path: string): Promise<void> {
  await checkWritableDir(cfg, key, dirname(resolve(path)), 'the directory');
  try {
    if ((await stat(path)).isDirectory()) throw fsError('EISDIR', 'is a directory', path);
    await access(path, constants.W_OK);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw configKeyError(cfg, key, `cannot write "${path}": ${explain(err)}`, err);
  }
}

/** A file the process reads. */
async function checkReadableFile(cfg: TeleportConfig, key: string, path: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw fsError('EISDIR', 'is not a regular file', path);
    await access(path, constants.R_OK);
  } catch (err) {
    const why = errnoOf(err) === 'ENOENT' ? 'the file does not exist' : explain(err);
    throw configKeyError(cfg, key, `cannot read "${path}": ${why}`, err);
  }
}

/** A file that must hold `what` (TLS files: OpenSSL's own error would not say which key is wrong). */
async function checkPem(cfg: TeleportConfig, key: string, path: string, what: string, parse: (text: string) => unknown): Promise<void> {
  try {
    parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw configKeyError(cfg, key, `"${path}" does not hold ${what}`, err);
  }
}

/** The key of a list value: `key[i]` when the file wrote a list, else `key`. */
function listKey(cfg: TeleportConfig, keys: string[], i: number): string {
  for (const k of keys) {
    if (cfg.origins?.[`${k}[${i}]`] !== undefined) return `${k}[${i}]`;
    if (cfg.origins?.[k] !== undefined) return k;
  }
  return keys[0];
}

/** The directory of a `file://` URI (or a plain absolute path), or undefined for other schemes. */
function fileURIDir(uri: string): string | undefined {
  if (/^file:\/\//i.test(uri)) {
    try {
      return fileURLToPath(uri.replace(/[?#].*$/, ''));
    } catch {
      return undefined;
    }
  }
  return uri.startsWith('/') ? uri : undefined;
}

async function checkPaths(cfg: TeleportConfig): Promise<void> {
  const t = cfg.teleport;
  await checkWritableDir(cfg, 'teleport.data_dir', t.dataDir, 'data_dir');
  if (t.pidFile) await checkWritableFile(cfg, 'teleport.pid_file', t.pidFile);
  if (!['stderr', 'stdout', 'syslog'].includes(t.log.output)) await checkWritableFile(cfg, 'teleport.log.output', t.log.output);
  if (cfg.services.auth) {
    const s = t.storage;
    if (s.type === 'sqlite' || s.type === 'dir') await checkWritableDir(cfg, 'teleport.storage.path', s.path, 'storage path');
    for (const [i, uri] of s.auditEventsUri.entries()) {
      const dir = /^file:\/\//i.test(uri) ? fileURIDir(uri) : undefined;
      const key = listKey(cfg, ['teleport.storage.audit_events_uri', 'auth_service.audit_events_uri'], i);
      if (dir) await checkWritableDir(cfg, key, dir, 'the audit log directory');
    }
    const sessions = s.auditSessionsUri ? fileURIDir(s.auditSessionsUri) : undefined;
    if (sessions) {
      const key = cfg.origins?.['teleport.storage.audit_sessions_uri'] ? 'teleport.storage.audit_sessions_uri' : 'auth_service.audit_sessions_uri';
      await checkWritableDir(cfg, key, sessions, 'the session recordings directory');
    }
    const e = s.etcd;
    if (e) {
      const files: [string, string | undefined][] = [
        ['tls_ca_file', e.tlsCaFile],
        ['tls_cert_file', e.tlsCertFile],
        ['tls_key_file', e.tlsKeyFile],
        ['password_file', e.passwordFile],
      ];
      for (const [k, path] of files) if (path) await checkReadableFile(cfg, `teleport.storage.${k}`, path);
    }
  }
  if (cfg.services.db) {
    for (const [i, db] of (cfg.db.databases ?? []).entries()) {
      if (!db.tls.caCertFile) continue;
      const base = `db_service.databases[${i}]`;
      const key = cfg.origins?.[`${base}.tls.ca_cert_file`] !== undefined || cfg.origins?.[`${base}.ca_cert_file`] === undefined ? `${base}.tls.ca_cert_file` : `${base}.ca_cert_file`;
      await checkReadableFile(cfg, key, db.tls.caCertFile);
      await checkPem(cfg, key, db.tls.caCertFile, 'a PEM certificate', (text) => new X509Certificate(text));
    }
  }
  if (cfg.services.proxy) {
    for (const [i, kp] of cfg.proxy.httpsKeypairs.entries()) {
      const legacy = cfg.origins?.[`proxy_service.https_keypairs[${i}]`] === undefined && cfg.origins?.['proxy_service.https_key_file'] !== undefined;
      const keyKey = legacy ? 'proxy_service.https_key_file' : `proxy_service.https_keypairs[${i}].key_file`;
      const certKey = legacy ? 'proxy_service.https_cert_file' : `proxy_service.https_keypairs[${i}].cert_file`;
      await checkReadableFile(cfg, keyKey, kp.keyFile);
      await checkReadableFile(cfg, certKey, kp.certFile);
      await checkPem(cfg, keyKey, kp.keyFile, 'a PEM private key', (text) => createPrivateKey(text));
      await checkPem(cfg, certKey, kp.certFile, 'a PEM certificate', (text) => new X509Certificate(text));
    }
  }
}

/** The addresses this config listens on, by key. */
function listeners(cfg: TeleportConfig): [string, NetAddr][] {
  const out: [string, NetAddr][] = [];
  const { services } = cfg;
  if (cfg.teleport.diagAddr) out.push(['teleport.diag_addr', cfg.teleport.diagAddr]);
  if (services.auth) out.push(['auth_service.listen_addr', cfg.auth.listenAddr]);
  if (services.proxy) {
    out.push(['proxy_service.web_listen_addr', cfg.proxy.webListenAddr]);
    out.push(['proxy_service.listen_addr', cfg.proxy.listenAddr]);
    const p = cfg.proxy;
    const separate: [string, NetAddr | undefined][] = [
      ['proxy_service.tunnel_listen_addr', p.tunnelListenAddr],
      ['proxy_service.kube_listen_addr', p.kubeListenAddr],
      ['proxy_service.mysql_listen_addr', p.mysqlListenAddr],
      ['proxy_service.postgres_listen_addr', p.postgresListenAddr],
    ];
    for (const [key, a] of separate) if (a) out.push([key, a]);
  }
  // A node that joins through a proxy (and has no auth here) serves through reverse tunnels only.
  const tunnelled = !services.auth && cfg.teleport.proxyServer !== undefined;
  if (services.ssh && !tunnelled) out.push(['ssh_service.listen_addr', cfg.ssh.listenAddr]);
  return out;
}

const ANY = new Set(['', '0.0.0.0', '::']);

/** Two listeners on one port whose hosts overlap (the same host, or either on all interfaces). */
function checkDistinct(cfg: TeleportConfig, list: [string, NetAddr][]): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [ka, a] = list[i];
      const [kb, b] = list[j];
      if (a.port === 0 || a.port !== b.port) continue;
      if (a.host === b.host || ANY.has(a.host) || ANY.has(b.host)) {
        throw configKeyError(cfg, kb, `${formatAddr(b)} is also where ${whereSet(cfg, ka)} listens; give each listener a port of its own`);
      }
    }
  }
}

async function resolveHost(host: string, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })), timeoutMs);
  });
  try {
    return (await Promise.race([lookup(host), timeout])).address;
  } finally {
    clearTimeout(timer);
  }
}

/** Binds a throwaway listener on `host` (port 0): proves the address belongs to this machine without taking the real port. */
function probeBind(host: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => server.close(() => resolvePromise()));
  });
}

async function checkListener(cfg: TeleportConfig, key: string, addr: NetAddr, timeoutMs: number): Promise<void> {
  if (ANY.has(addr.host)) return;
  let ip: string;
  try {
    ip = await resolveHost(addr.host, timeoutMs);
  } catch (err) {
    const code = errnoOf(err) ?? 'error';
    throw configKeyError(
      cfg,
      key,
      `cannot listen on ${formatAddr(addr)}: the host name "${addr.host}" does not resolve (${code}); use an IP address of this machine, as in 0.0.0.0:${addr.port}`,
      err,
    );
  }
  try {
    await probeBind(ip);
  } catch (err) {
    const code = errnoOf(err);
    const why = code === 'EADDRNOTAVAIL' ? `${ip} is not an address of this machine` : explain(err);
    throw configKeyError(cfg, key, `cannot listen on ${formatAddr(addr)}: ${why}; use an IP address of this machine, as in 0.0.0.0:${addr.port}`, err);
  }
}

/**
 * Checks `cfg` against this host (see the file comment), creating missing directories. Throws
 * BadParameterError naming the first key that cannot work here and where it was set.
 */
export async function checkConfigOnHost(cfg: TeleportConfig, opts: HostCheckOptions = {}): Promise<void> {
  refuseUnavailable(cfg);
  await checkPaths(cfg);
  const list = listeners(cfg);
  checkDistinct(cfg, list);
  for (const [key, addr] of list) await checkListener(cfg, key, addr, opts.lookupTimeoutMs ?? 5000);
}

/**
 * Refuses, naming the key and its line, what a file may say (tutorial files do, so it loads for
 * tctl) but this release cannot do: a join method other than token, and features of a service that
 * runs here, switched on, that do not exist in this release.
 */
function refuseUnavailable(cfg: TeleportConfig): void {
  const method = cfg.teleport.joinParams?.method;
  if (method && !['token', 'ec2', 'iam', 'kubernetes'].includes(method)) {
    throw configKeyError(cfg, 'teleport.join_params.method', `join method "${method}" is not available in this release; join with method token, ec2, iam or kubernetes`);
  }
  if (method && cfg.teleport.joinParams?.tokenName === '') {
    throw configKeyError(cfg, 'teleport.join_params.token_name', `the ${method} join method needs token_name: the name of the token created with "tctl create" (kind: token, join_method: ${method})`);
  }
  const features: [boolean, string, string][] = [
    [cfg.services.ssh && cfg.ssh.pam.enabled, 'ssh_service.pam.enabled', 'PAM is not available in this release; set enabled: no'],
    [cfg.services.ssh && cfg.ssh.x11.enabled, 'ssh_service.x11.enabled', 'X11 forwarding is not available in this release; set enabled: no'],
    [cfg.services.ssh && cfg.ssh.enhancedRecording.enabled, 'ssh_service.enhanced_recording.enabled', 'enhanced session recording (BPF) is not available in this release; set enabled: no'],
    [cfg.services.proxy && cfg.proxy.acme.enabled, 'proxy_service.acme.enabled', 'ACME (Let\'s Encrypt) certificates are not available in this release; set enabled: no and give https_keypairs'],
  ];
  for (const [on, key, why] of features) if (on) throw configKeyError(cfg, key, why);
  for (const side of cfg.sideServices) {
    throw configKeyError(cfg, `${side}.enabled`, `${side} is not available in this release; set enabled: no${side === 'metrics_service' ? ' (teleport.diag_addr serves /metrics)' : ''}`);
  }
}

/**
 * A listener that failed to start (EADDRINUSE, EACCES on a low port, EADDRNOTAVAIL) as a config
 * error naming the key whose address it was; other errors come back unchanged.
 */
export function explainListenError(cfg: TeleportConfig, err: unknown): unknown {
  // The system error may be the cause of a listener's own error (the web port's says which listener).
  let e = err as (NodeJS.ErrnoException & { port?: number; address?: string }) | undefined;
  for (let depth = 0; e && depth < 5 && !(typeof e.port === 'number' && typeof e.code === 'string'); depth++) e = e.cause as typeof e;
  if (!e || !['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(e.code ?? '') || typeof e.port !== 'number') return err;
  const match = listeners(cfg).find(([, a]) => a.port === e.port);
  if (!match) return err;
  const [key, addr] = match;
  const why =
    e.code === 'EADDRINUSE'
      ? 'the port is already in use by another program'
      : e.code === 'EACCES'
        ? `ports below 1024 need root (or CAP_NET_BIND_SERVICE)`
        : `${e.address ?? addr.host} is not an address of this machine`;
  return configKeyError(cfg, key, `cannot listen on ${formatAddr(addr)}: ${why}`, err);
}
