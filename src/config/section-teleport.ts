/** The `teleport:` section: identity, joining, logging, limits, cache and storage. */
import { isMap, isSeq, type Node } from 'yaml';
import { TELEPORT_CIPHER_SUITES } from '../api/tls-cipher-suites.js';
import { parseAddr, type NetAddr } from './address.js';
import {
  addr,
  bool,
  duration,
  fields,
  int,
  list,
  oneOf,
  oneOrMany,
  str,
  type Fields,
  type Reader,
  type SourceContext,
} from './read.js';
import {
  CACHE_MAX_BACKOFF,
  DEFAULT_DATA_DIR,
  JOIN_METHODS,
  MAX_CONNECTIONS,
  MAX_USERS,
  PORTS,
} from './defaults.js';
import { readStorage } from './section-storage.js';
import type { ConfigVersion, ConnectionRate, GlobalConfig, LogSeverity } from './types.js';

const KEYS = [
  'nodename',
  'data_dir',
  'pid_file',
  'auth_token',
  'auth_servers',
  'auth_server',
  'proxy_server',
  'join_params',
  'ca_pin',
  'advertise_ip',
  'diag_addr',
  'cache',
  'connection_limits',
  'log',
  'storage',
  'shutdown_delay',
  'ciphers',
  'kex_algos',
  'mac_algos',
  'kex_algorithms',
  'mac_algorithms',
  'ciphersuites',
  'ca_signature_algo',
] as const;

/** Read `teleport:`; `hostname` is the nodename default. Version decides auth_server(s)/proxy_server. */
export function readGlobal(
  node: Node | null,
  ctx: SourceContext,
  version: ConfigVersion,
  hostname: string,
): GlobalConfig {
  const f = fields(node, 'teleport', ctx, KEYS);
  const dataDir = f.get('data_dir', str) || DEFAULT_DATA_DIR;
  const joinParams = readJoinParams(f);
  const authToken = f.get('auth_token', str) || undefined;
  if (authToken && joinParams) f.fail('join_params', 'set either auth_token or join_params, not both');
  if (f.has('ca_signature_algo')) {
    f.fail('ca_signature_algo', 'ca_signature_algo has no effect in this release: certificate authorities sign with the algorithm of their key (rsa-sha2-512 for RSA); remove it');
  }
  const kex = f.get('kex_algos', list(str)) ?? f.get('kex_algorithms', list(str));
  const mac = f.get('mac_algos', list(str)) ?? f.get('mac_algorithms', list(str));
  return {
    nodename: f.get('nodename', str) || hostname,
    dataDir,
    pidFile: f.get('pid_file', str) || undefined,
    // v3's join_params with the token method is the same join as auth_token.
    authToken: authToken ?? (joinParams?.method === 'token' ? joinParams.tokenName : undefined),
    ...readServers(f, version),
    joinParams,
    caPins: (f.get('ca_pin', oneOrMany(str)) ?? []).filter((p) => p !== ''),
    advertiseIp: f.get('advertise_ip', advertiseIp),
    diagAddr: f.get('diag_addr', optionalAddr()),
    cache: readCache(f),
    connectionLimits: readLimits(f),
    log: readLog(f),
    storage: readStorage(f, dataDir),
    shutdownDelay: f.get('shutdown_delay', duration),
    ciphers: f.get('ciphers', list(str)),
    kexAlgorithms: kex,
    macAlgorithms: mac,
    cipherSuites: f.get('ciphersuites', list(oneOf(Object.keys(TELEPORT_CIPHER_SUITES), true))),
  };
}

/** An address where an empty string means "not set" (Teleport checks `!= ""`). */
function optionalAddr(defaultPort?: number): Reader<NetAddr | undefined> {
  return (node, path, ctx) => (str(node, path, ctx) === '' ? undefined : addr(defaultPort)(node, path, ctx));
}

const advertiseIp: Reader<string | undefined> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  if (text === '') return undefined;
  try {
    parseAddr(text, 0);
  } catch (err) {
    ctx.fail(node, path, `"${text}" is not an IP address or host name`, err);
  }
  return text;
};

function readServers(f: Fields, version: ConfigVersion): Pick<GlobalConfig, 'authServers' | 'proxyServer'> {
  const authServers = f.get('auth_servers', oneOrMany(addr(PORTS.auth)));
  const authServer = f.get('auth_server', optionalAddr(PORTS.auth));
  const proxyServer = f.get('proxy_server', optionalAddr(PORTS.proxyWeb));
  if (version !== 'v3') {
    const hint = 'add "version: v3" at the top of the file';
    if (authServer) f.fail('auth_server', `auth_server is supported from config version v3 onwards; use auth_servers or ${hint}`);
    if (proxyServer) f.fail('proxy_server', `proxy_server is supported from config version v3 onwards; ${hint}`);
    return { authServers: authServers ?? [] };
  }
  if (authServers && authServers.length > 0) {
    f.fail('auth_servers', 'config v3 has replaced auth_servers with either auth_server or proxy_server');
  }
  if (authServer && proxyServer) {
    f.fail('proxy_server', 'only one of auth_server or proxy_server may be set');
  }
  return { authServers: authServer ? [authServer] : [], proxyServer };
}

function readJoinParams(f: Fields): GlobalConfig['joinParams'] {
  if (!f.has('join_params')) return undefined;
  const j = f.section('join_params', ['token_name', 'method']);
  const tokenName = j.get('token_name', str) ?? '';
  const method = j.get('method', oneOf(JOIN_METHODS)) ?? 'token';
  // Other methods load (tutorial files name them) and are refused by the host check at start.
  if (tokenName === '' && method === 'token') j.fail('token_name', 'token_name is required for the token join method');
  return { tokenName, method };
}

function readCache(f: Fields): GlobalConfig['cache'] {
  const c = f.section('cache', [
    'enabled',
    'type',
    'ttl',
    'max_backoff',
  ]);
  return {
    enabled: c.get('enabled', bool) ?? true,
    type: c.get('type', oneOf(['in-memory', 'sqlite'] as const)) ?? 'in-memory',
    ttl: c.get('ttl', duration),
    maxBackoff: c.get('max_backoff', duration) || CACHE_MAX_BACKOFF,
  };
}

const rate: Reader<ConnectionRate> = (node, path, ctx) => {
  const r: Fields = fields(node, path, ctx, ['period', 'average', 'burst']);
  const period = r.get('period', duration);
  if (!period) r.fail('period', 'period is required and must be above zero, as in 1m');
  return { period, average: r.get('average', int(1)) ?? 1, burst: r.get('burst', int(1)) ?? 1 };
};

function readLimits(f: Fields): GlobalConfig['connectionLimits'] {
  const l = f.section('connection_limits', [
    'max_connections',
    'max_users',
    'rates',
  ]);
  return {
    maxConnections: l.get('max_connections', int()) || MAX_CONNECTIONS,
    maxUsers: l.get('max_users', int()) || MAX_USERS,
    rates: l.get('rates', list(rate)) ?? [],
  };
}

const SEVERITY: Record<string, LogSeverity> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  warning: 'WARN',
  err: 'ERROR',
  error: 'ERROR',
};

const severity: Reader<LogSeverity> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  const s = SEVERITY[text.toLowerCase()];
  if (!s) ctx.fail(node, path, `unsupported logger severity "${text}"; expected one of: DEBUG, INFO, WARN, ERROR`);
  return s;
};

function readLog(f: Fields): GlobalConfig['log'] {
  const l = f.section('log', ['output', 'severity', 'format']);
  const rawOutput = l.get('output', str) ?? '';
  const output = ['', 'stderr', 'error', '2'].includes(rawOutput)
    ? 'stderr'
    : ['stdout', 'out', '1'].includes(rawOutput)
      ? 'stdout'
      : rawOutput;
  let format: GlobalConfig['log']['format'] = { output: 'text', extraFields: [] };
  const fmtNode = l.has('format') ? l.nodeOf('format') : null;
  if (fmtNode && isSeq(fmtNode)) {
    // Older files list the extra fields directly under `format`.
    format.extraFields = list(str)(fmtNode, l.child('format'), f.ctx);
  } else if (fmtNode) {
    if (!isMap(fmtNode)) f.ctx.fail(fmtNode, l.child('format'), 'expected a mapping with output and extra_fields');
    const ff = fields(fmtNode, l.child('format'), f.ctx, ['output', 'extra_fields']);
    format = {
      output: ff.get('output', oneOf(['text', 'json'] as const, true)) ?? 'text',
      extraFields: ff.get('extra_fields', list(str)) ?? [],
    };
  }
  return { output, severity: l.get('severity', severity) ?? 'INFO', format };
}
