/** teleport.yaml text → TeleportConfig: YAML with positions, then each section's reader. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { LineCounter, isMap, parseDocument, type Node } from 'yaml';
import { AccessDeniedError, BadParameterError, NotFoundError } from '../api/errors.js';
import { fields, oneOf, SourceContext } from './read.js';
import { readGlobal } from './section-teleport.js';
import { readAuth } from './section-auth.js';
import { readSSH } from './section-ssh.js';
import { readProxy } from './section-proxy.js';
import { LATER_SECTIONS, readLater, type LaterSection } from './section-later.js';
import { readDB } from './section-db.js';
import { readKube } from './section-kube.js';
import { readApp } from './section-app.js';
import type { TeleportConfig } from './types.js';

/** Options for parseConfig. */
export interface ParseOptions {
  /** File the text came from; errors name it (default `teleport.yaml`). */
  path?: string;
  /** Default nodename (default: this machine's host name). */
  hostname?: string;
  /** Called with the keys each mapping accepts, by path, as it is read (tests take a census of keys with it). */
  onKeys?: (path: string, keys: readonly string[]) => void;
}

const TOP_KEYS = ['version', 'teleport', 'auth_service', 'ssh_service', 'proxy_service', 'kubernetes_service', 'app_service', ...Object.keys(LATER_SECTIONS)];

/**
 * Parse and validate teleport.yaml text, applying Teleport's defaults. Throws BadParameterError
 * `file:line: key.path: problem` for malformed YAML, unknown keys, wrong types or bad values.
 */
export function parseConfig(text: string, opts: ParseOptions = {}): TeleportConfig {
  const file = opts.path ?? 'teleport.yaml';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
    throw new BadParameterError(`${file}:${line}: malformed YAML: ${e.message.split('\n')[0]}`, { cause: e });
  }
  const ctx = new SourceContext(file, lines, opts.onKeys);
  const root = doc.contents as Node | null;
  if (root && !isMap(root) && !(isScalarNull(root))) {
    ctx.fail(root, '', 'expected a mapping with sections such as teleport:, auth_service:, ssh_service:');
  }
  const top = fields(root, '', ctx, TOP_KEYS);
  const version = top.get('version', oneOf(['v1', 'v2', 'v3'] as const)) ?? 'v1';
  const section = (key: string): Node | null => (top.has(key) ? top.nodeOf(key) : null);

  const teleport = readGlobal(section('teleport'), ctx, version, opts.hostname ?? osHostname());
  const auth = readAuth(section('auth_service'), ctx);
  const ssh = readSSH(section('ssh_service'), ctx);
  const proxy = readProxy(section('proxy_service'), ctx, version);
  const later = (name: LaterSection) => readLater(name, section(name), ctx);
  const db = readDB(section('db_service'), ctx);
  const kube = readKube(section('kubernetes_service'), ctx);
  const app = readApp(section('app_service'), ctx);
  const windowsDesktop = later('windows_desktop_service');
  const discovery = later('discovery_service');
  const sideServices = (['metrics_service', 'tracing_service', 'debug_service'] as const).filter((side) => later(side).enabled === true);

  // Older guides put the audit URIs under auth_service; storage: wins when both are written.
  if (teleport.storage.auditEventsUri.length === 0 && auth.auditEventsUri) {
    teleport.storage.auditEventsUri = auth.auditEventsUri.filter((u) => u !== '');
  }
  teleport.storage.auditSessionsUri ??= auth.auditSessionsUri;

  const services = {
    auth: auth.enabled ?? true,
    ssh: ssh.enabled ?? true,
    proxy: proxy.enabled ?? true,
    db: db.enabled ?? false,
    // The 2019 form: a proxy holding a kubeconfig runs the Kubernetes agent in its own process.
    kube: (kube.enabled ?? false) || ((proxy.enabled ?? true) && proxy.config.kubernetes.kubeconfigFile !== undefined),
    app: app.enabled ?? false,
    windowsDesktop: windowsDesktop.enabled ?? false,
    discovery: discovery.enabled ?? false,
  };
  if (teleport.proxyServer && services.proxy) {
    const g = fields(section('teleport'), 'teleport', ctx, null);
    g.fail('proxy_server', 'proxy_server can not be set when the proxy service is enabled (add proxy_service: {enabled: false})');
  }
  return {
    version,
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    origins: ctx.origins,
    teleport,
    auth: auth.config,
    ssh: ssh.config,
    proxy: proxy.config,
    db: db.config,
    kube: kube.config,
    app: app.config,
    windowsDesktop: windowsDesktop.config,
    discovery: discovery.config,
    services,
    sideServices,
  };
}

function isScalarNull(node: Node): boolean {
  return 'value' in node && (node as { value: unknown }).value === null;
}

/**
 * Read and parse a config file. Throws NotFoundError when it does not exist, AccessDeniedError
 * when it cannot be read, BadParameterError (naming the file and line) when it is invalid.
 */
export async function loadConfigFile(path: string, opts: Omit<ParseOptions, 'path'> = {}): Promise<TeleportConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`config file ${path} does not exist`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') {
      throw new AccessDeniedError(`cannot read config file ${path}: permission denied; run as a user who can read it`, {
        cause: err,
      });
    }
    if (code === 'EISDIR') throw new BadParameterError(`config file ${path} is a directory`, { cause: err });
    throw err;
  }
  return parseConfig(text, { ...opts, path });
}

/** The config `teleport start` uses without a file: auth, proxy and SSH in one process. */
export function defaultConfig(opts: { dataDir?: string; nodename?: string } = {}): TeleportConfig {
  const cfg = parseConfig('', { hostname: opts.nodename });
  if (opts.dataDir) {
    cfg.teleport.dataDir = opts.dataDir;
    cfg.teleport.storage.path = join(opts.dataDir, 'backend');
  }
  return cfg;
}
