/** `teleport start` flags applied over a parsed config, with the precedence Teleport gives them. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDuration } from '../api/duration.js';
import { BadParameterError } from '../api/errors.js';
import { parseAddr, type NetAddr } from './address.js';
import { PORTS } from './defaults.js';
import { DB_PROTOCOLS } from './section-db.js';
import type { CommandLabel, DatabaseConfig, EnabledServices, TeleportConfig } from './types.js';

/** The `teleport start` flags that change configuration (all optional; absent means "keep the file's"). */
export interface StartFlags {
  /** `--roles=node,proxy,auth,app,db,kube,windowsdesktop,discovery`: exactly these services run. */
  roles?: string;
  token?: string;
  caPin?: string[];
  authServer?: string[];
  nodename?: string;
  /** `--labels=env=prod,team=a`; a value `[1m:uname -r]` makes a command label. */
  labels?: string;
  dataDir?: string;
  pidFile?: string;
  diagAddr?: string;
  advertiseIp?: string;
  insecureNoTls?: boolean;
  /** `--insecure`: join through a proxy without verifying its web certificate (Teleport's flag, for tutorials' self-signed proxies). */
  insecure?: boolean;
  /** `--listen-ip`: host for every default listener, ports kept. */
  listenIp?: string;
  /**
   * `--db-name`, `--db-protocol`, `--db-uri`, `--db-description` (Teleport's `teleport start
   * --roles=db` flags, which `tctl tokens add --type=db` prints): one more database to serve.
   */
  db?: { name?: string; protocol?: string; uri?: string; description?: string };
}

const ROLE_SERVICES: Record<string, keyof EnabledServices> = {
  node: 'ssh',
  proxy: 'proxy',
  auth: 'auth',
  app: 'app',
  db: 'db',
  kube: 'kube',
  windowsdesktop: 'windowsDesktop',
  discovery: 'discovery',
};

/**
 * Return a copy of `cfg` with `flags` applied (the input is not changed). Throws BadParameterError
 * naming the flag for an unknown role, a malformed label spec or a bad address.
 */
export function applyStartFlags(cfg: TeleportConfig, flags: StartFlags): TeleportConfig {
  const out = structuredClone(cfg);
  const g = out.teleport;
  const origins = (out.origins ??= {});
  if (flags.roles !== undefined && flags.roles.trim() !== '') out.services = parseRoles(flags.roles);
  if (flags.dataDir) {
    // A storage path that was only the default follows the data dir.
    if (g.storage.path === join(g.dataDir, 'backend')) g.storage.path = join(flags.dataDir, 'backend');
    g.dataDir = flags.dataDir;
    origins['teleport.data_dir'] = '--data-dir';
  }
  if (flags.nodename) g.nodename = flags.nodename;
  if (flags.pidFile) {
    g.pidFile = flags.pidFile;
    origins['teleport.pid_file'] = '--pid-file';
  }
  if (flags.token) {
    g.authToken = flags.token;
    g.joinParams = { tokenName: flags.token, method: g.joinParams?.method ?? 'token' };
  }
  if (flags.caPin && flags.caPin.length > 0) g.caPins = flags.caPin.flatMap(splitList);
  if (flags.authServer && flags.authServer.length > 0) {
    const addrs = flags.authServer.flatMap(splitList).map((a) => flagAddr('--auth-server', a, PORTS.auth));
    if (out.version === 'v3' && addrs.length > 1) {
      throw new BadParameterError('--auth-server: config version v3 takes one auth server or proxy address');
    }
    g.authServers = addrs;
    g.proxyServer = undefined;
  }
  if (flags.diagAddr) {
    g.diagAddr = flagAddr('--diag-addr', flags.diagAddr);
    origins['teleport.diag_addr'] = '--diag-addr';
  }
  if (flags.advertiseIp) {
    flagAddr('--advertise-ip', flags.advertiseIp, 0);
    g.advertiseIp = flags.advertiseIp;
  }
  if (flags.insecureNoTls) out.proxy.disableTls = true;
  if (flags.insecure) g.insecure = true;
  if (flags.listenIp) {
    applyListenIp(out, flags.listenIp);
    for (const key of LISTEN_IP_KEYS) origins[key] = '--listen-ip';
  }
  if (flags.labels !== undefined && flags.labels.trim() !== '') {
    const { labels, commands } = parseLabelSpec(flags.labels);
    out.ssh.labels = labels;
    out.ssh.commands = commands;
  }
  if (flags.db && Object.values(flags.db).some((v) => v !== undefined)) out.db.databases.push(flagDatabase(out, flags.db));
  return out;
}

/** The database `--db-*` describe. Throws BadParameterError naming the flag that is missing or wrong. */
function flagDatabase(cfg: TeleportConfig, f: NonNullable<StartFlags['db']>): DatabaseConfig {
  if (!cfg.services.db) throw new BadParameterError('--db-name, --db-protocol and --db-uri start a database agent: add --roles=db (or enable db_service in the config)');
  const missing = (['name', 'protocol', 'uri'] as const).filter((k) => !f[k]);
  if (missing.length > 0) throw new BadParameterError(`${missing.map((k) => `--db-${k}`).join(', ')}: required with the other --db-* flags`);
  const protocol = f.protocol as string;
  if (!(DB_PROTOCOLS as readonly string[]).includes(protocol)) throw new BadParameterError(`--db-protocol: "${protocol}" is not one of ${DB_PROTOCOLS.join(', ')}`);
  if (cfg.db.databases.some((d) => d.name === f.name)) throw new BadParameterError(`--db-name: database "${f.name}" is already in db_service.databases`);
  const uriText = f.uri as string;
  return {
    name: f.name as string,
    description: f.description ?? '',
    protocol: protocol as DatabaseConfig['protocol'],
    uri: flagAddr('--db-uri', uriText, protocol === 'mysql' ? 3306 : 5432),
    uriText,
    staticLabels: {},
    tls: { mode: 'verify-full' },
  };
}

/**
 * `--token` as Teleport reads it: an absolute path names a file holding the token (trimmed), any
 * other value is the token. Throws BadParameterError naming the flag for an unreadable or empty file.
 */
export async function readTokenFlag(value: string | undefined): Promise<string | undefined> {
  if (value === undefined || !value.startsWith('/')) return value;
  let text: string;
  try {
    text = (await readFile(value, 'utf8')).trim();
  } catch (err) {
    throw new BadParameterError(`--token: cannot read the token file ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  if (text === '') throw new BadParameterError(`--token: the token file ${value} is empty`);
  return text;
}

function parseRoles(text: string): EnabledServices {
  const services: EnabledServices = {
    auth: false,
    ssh: false,
    proxy: false,
    db: false,
    kube: false,
    app: false,
    windowsDesktop: false,
    discovery: false,
  };
  for (const role of splitList(text)) {
    const service = ROLE_SERVICES[role.toLowerCase()];
    if (!service) {
      const known = Object.keys(ROLE_SERVICES).join(', ');
      throw new BadParameterError(`--roles: unknown role "${role}"; expected some of: ${known}`);
    }
    services[service] = true;
  }
  return services;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function flagAddr(flag: string, text: string, defaultPort?: number): NetAddr {
  try {
    return parseAddr(text, defaultPort);
  } catch (err) {
    throw new BadParameterError(`${flag}: ${(err as Error).message}`, { cause: err });
  }
}

/** The listeners `--listen-ip` moves, by key path. */
const LISTEN_IP_KEYS = [
  'auth_service.listen_addr',
  'ssh_service.listen_addr',
  'proxy_service.listen_addr',
  'proxy_service.web_listen_addr',
  'proxy_service.tunnel_listen_addr',
];

function applyListenIp(cfg: TeleportConfig, text: string): void {
  const host = flagAddr('--listen-ip', text, 0).host;
  const { auth, ssh, proxy } = cfg;
  for (const a of [auth.listenAddr, ssh.listenAddr, proxy.listenAddr, proxy.webListenAddr, proxy.tunnelListenAddr]) {
    if (a) a.host = host;
  }
}

/**
 * Parse a `--labels` spec: `k=v` pairs separated by commas; a value `[period:command args]`
 * is a command label, as Teleport's ParseLabelSpec reads it. Throws BadParameterError.
 */
export function parseLabelSpec(spec: string): { labels: Record<string, string>; commands: CommandLabel[] } {
  const labels: Record<string, string> = {};
  const commands: CommandLabel[] = [];
  // Commas inside [...] belong to the command, so split only outside brackets.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of spec) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts.map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = raw.indexOf('=');
    const key = eq > 0 ? raw.slice(0, eq).trim() : '';
    if (!/^[A-Za-z0-9_./:*-]+$/.test(key)) {
      throw new BadParameterError(`--labels: invalid label "${raw}"; expected key=value pairs, as in env=prod,team=a`);
    }
    const value = raw.slice(eq + 1).trim();
    const cmd = /^\[([^:\]]+):(.+)\]$/.exec(value);
    if (cmd) {
      let period: number;
      try {
        period = parseDuration(cmd[1]);
      } catch (err) {
        throw new BadParameterError(`--labels: label "${key}": ${(err as Error).message}`, { cause: err });
      }
      if (period <= 0) throw new BadParameterError(`--labels: label "${key}": the period must be above zero`);
      commands.push({ name: key, command: cmd[2].trim().split(/\s+/), period });
    } else {
      labels[key] = value;
    }
  }
  return { labels, commands };
}
