/**
 * loadClient: how tctl finds the auth server and its credentials. With an identity file (`-i`) the
 * address must come from `--auth-server`; otherwise teleport.yaml names the data_dir, where the auth
 * service left the local admin identity and the address it is bound to.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { AuthClient, pinOf } from '../api/client/index.js';
import { call } from '../api/client/transport.js';
import type { PingResponse } from '../api/auth-wire.js';
import { AccessDeniedError, BadParameterError, NotFoundError, isCode } from '../api/errors.js';
import type { IdentityBundle } from '../api/identity-file.js';
import { parseIdentityFile } from '../api/identity-file.js';
import { DEFAULT_CONFIG_PATH, formatAddr, loadConfigFile } from '../config/index.js';
import { ADMIN_IDENTITY_FILE, AUTH_ADDR_FILE } from './files.js';
import { checkIdentityIntegrity } from './identity-check.js';

/** Where to look for credentials and the server. */
export interface LoadClientOptions {
  /** teleport.yaml; DEFAULT_CONFIG_PATH (/etc/teleport.yaml) when absent. */
  configPath?: string;
  /** An identity file (`tctl auth sign --format=file`); needs `authServers`. */
  identityFile?: string;
  /** `--auth-server` values: the first one is used, the others when it cannot be reached. */
  authServers?: string[];
  /** Relative paths are resolved against this directory. */
  cwd?: string;
  timeoutMs?: number;
}

/** A ready client and what was learnt on the way. */
export interface LoadedClient {
  client: AuthClient;
  clusterName: string;
  /** The auth API address the client talks to (`host:port`). */
  authAddr: string;
  identity: IdentityBundle;
}

async function readText(path: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${what} ${path} does not exist; ${hint}`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') {
      throw new AccessDeniedError(`cannot read ${what} ${path}: permission denied; ${hint}`, { cause: err });
    }
    throw new BadParameterError(`cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The cluster a TLS CA certificate belongs to: its subject O (Teleport's CAs use O=CN=<cluster>). */
export function clusterOfCA(caPem: string): string {
  const subject = new X509Certificate(caPem).subject.split('\n');
  const o = subject.find((l) => l.startsWith('O='));
  const cn = subject.find((l) => l.startsWith('CN='));
  const name = (o ?? cn)?.replace(/^(O|CN)=/, '');
  if (!name) throw new BadParameterError('the certificate authority in the identity has no cluster name in its subject');
  return name;
}

function addrFromFlag(value: string): string {
  const v = value.trim().replace(/^(https?|tcp):\/\//, '').replace(/\/$/, '');
  if (v === '') throw new BadParameterError('--auth-server is empty');
  return /:\d+$/.test(v) ? v : `${v}:3025`;
}

/**
 * Refuse an identity whose CAs do not include the server's host CA, with a message an operator can act
 * on (a TLS handshake error says much less). Skipped silently when the server cannot be pinged.
 */
async function checkSameCluster(addr: string, id: IdentityBundle, source: string, timeoutMs?: number): Promise<void> {
  let ping: PingResponse;
  try {
    ping = (await call<PingResponse>({ addr, serverName: 'teleport.cluster.local', insecure: true, ...(timeoutMs && { timeoutMs }) }, 'GET', '/v1/ping')).body;
  } catch {
    return;
  }
  const trusted = new Set(id.tlsCAs.map(pinOf));
  const offered = (ping.host_ca_certs ?? []).map(pinOf);
  if (offered.length > 0 && !offered.some((p) => trusted.has(p))) {
    const ours = id.tlsCAs[0] ? clusterOfCA(id.tlsCAs[0]) : 'unknown';
    throw new AccessDeniedError(
      `${source} was issued by the certificate authority of cluster "${ours}", but the auth server at ${addr} belongs to cluster "${ping.cluster_name}" ` +
        `(host CA ${offered.join(', ')}); use an identity file signed by that cluster's certificate authority`,
    );
  }
}

/**
 * Build an admin client. Throws NotFoundError/AccessDeniedError naming the file that is missing or
 * unreadable and what to do, BadParameterError for a malformed identity or missing `--auth-server`.
 */
export async function loadClient(opts: LoadClientOptions): Promise<LoadedClient> {
  const cwd = opts.cwd ?? process.cwd();
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  let identity: IdentityBundle;
  let authAddr: string;
  if (opts.identityFile) {
    const path = abs(opts.identityFile);
    if (!opts.authServers || opts.authServers.length === 0) {
      throw new BadParameterError(`an identity file (-i ${opts.identityFile}) needs the address of the auth server: add --auth-server=<host:port>`);
    }
    identity = parseIdentityFile(await readText(path, 'identity file', 'check the path given to -i/--identity'), `identity file ${path}`);
    checkIdentityIntegrity(identity, `identity file ${path}`, 'get a new one with "tctl auth sign --user=<user> --out=<file>"');
    authAddr = addrFromFlag(opts.authServers[0]);
    if (!identity.tlsCert) throw new BadParameterError(`identity file ${path} has no TLS certificate`);
    if (identity.tlsCAs.length === 0) throw new BadParameterError(`identity file ${path} has no certificate authority certificates`);
    await checkSameCluster(authAddr, identity, `identity file ${path}`, opts.timeoutMs);
  } else {
    const explicit = opts.configPath !== undefined && opts.configPath !== '';
    const configPath = abs(explicit ? opts.configPath! : DEFAULT_CONFIG_PATH);
    let cfg;
    try {
      cfg = await loadConfigFile(configPath);
    } catch (err) {
      if (isCode(err, 'not_found')) {
        throw new NotFoundError(
          explicit
            ? `config file ${configPath} does not exist; pass the auth server's teleport.yaml with -c <path>`
            : `config file ${configPath} does not exist: run tctl on the auth server's host, pass its teleport.yaml with -c <path>, or use an identity file with -i <file> --auth-server=<host:port>`,
          { cause: err },
        );
      }
      throw err;
    }
    const dataDir = cfg.teleport.dataDir;
    const hint = "is this the auth server's host? run tctl as the user that runs teleport, or use -i <identity file> --auth-server=<host:port>";
    const idPath = join(dataDir, ADMIN_IDENTITY_FILE);
    identity = parseIdentityFile(await readText(idPath, 'admin identity file', hint), `admin identity file ${idPath}`);
    checkIdentityIntegrity(identity, `admin identity file ${idPath}`, 'restart the auth service, which writes it anew at every start');
    if (opts.authServers && opts.authServers.length > 0) {
      authAddr = addrFromFlag(opts.authServers[0]);
    } else {
      authAddr = await readBoundAddr(join(dataDir, AUTH_ADDR_FILE), () => {
        const la = cfg.auth.listenAddr;
        const host = la.host === '' || la.host === '0.0.0.0' ? '127.0.0.1' : la.host === '::' ? '::1' : la.host;
        return formatAddr({ host, port: la.port });
      });
    }
  }
  if (!identity.tlsCert) throw new BadParameterError('the identity has no TLS certificate');
  const clusterName = clusterOfCA(identity.tlsCAs[0]);
  // Further --auth-server values are tried in order when the current one cannot be reached.
  const fallbackAddrs = (opts.authServers ?? []).slice(1).map(addrFromFlag);
  const client = new AuthClient({
    addr: authAddr,
    ...(fallbackAddrs.length > 0 && { fallbackAddrs }),
    clusterName,
    credentials: { keyPem: identity.keyPem, certPem: identity.tlsCert, caPems: identity.tlsCAs },
    ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
  });
  return { client, clusterName, authAddr, identity };
}

async function readBoundAddr(path: string, fallback: () => string): Promise<string> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text !== '') return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AccessDeniedError(`cannot read ${path}: ${(err as Error).message}; run tctl as the user that runs teleport`, { cause: err });
    }
  }
  return fallback();
}
