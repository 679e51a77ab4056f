/**
 * `tsh db connect` under per-session MFA: after the MFA check, a local tunnel on 127.0.0.1 that
 * carries the client's connections to the proxy with the one-minute MFA-verified certificate (as
 * Teleport's tsh runs psql through its local proxy then); the client connects to it in plain text.
 */
import { splitHostPort } from '../../api/client/index.js';
import { startLocalForward, type ClientIdentity, type DatabaseLogin } from '../../client/index.js';
import type { Invocation } from '../framework/index.js';
import { dbSessionMFACert } from './db-mfa.js';
import { dialDatabaseTunnel } from './proxy-db.js';
import type { TshCtx } from './tsh-context.js';

/** A running tunnel for one client run. */
export interface DbConnectTunnel {
  port: number;
  close(): Promise<void>;
}

/**
 * The tunnel for a session as `dbUser` to `dbName` of `login`'s database, or undefined when the
 * cluster requires no MFA check (the client then uses the `tsh db login` certificate directly).
 */
export async function dbConnectMFATunnel(inv: Invocation, ctx: TshCtx, id: ClientIdentity, login: DatabaseLogin, dbUser?: string, dbName?: string): Promise<DbConnectTunnel | undefined> {
  const protocol = login.route.protocol;
  if (protocol !== 'postgres' && protocol !== 'mysql') return undefined;
  const cert = await dbSessionMFACert(inv, ctx, { ...login.route, ...(dbUser && { username: dbUser }), ...(dbName && { database: dbName }) });
  if (!cert) return undefined;
  const web = splitHostPort(id.webProxyAddr);
  const insecure = id.insecure === true || inv.flags.insecure === true;
  const dial = () => dialDatabaseTunnel({ proxyHost: web.host, proxyPort: web.port, protocol, certPem: cert.certPem, keyPem: cert.keyPem, caPems: id.tlsCAs, insecure });
  const listener = await startLocalForward({ bindHost: '127.0.0.1', bindPort: 0, destHost: web.host, destPort: web.port }, dial, (err) => inv.io.stderr.write(`ERROR: ${(err as Error).message}\n`));
  return { port: listener.address.port, close: () => listener.close() };
}

/** The client's arguments for the tunnel: libpq's connection string, or the MySQL client's options. */
export function tunnelClientArgs(protocol: string, port: number, dbUser?: string, dbName?: string): string[] {
  if (protocol === 'mysql') return ['--host=127.0.0.1', `--port=${port}`, '--protocol=TCP', ...(dbUser ? [`--user=${dbUser}`] : []), ...(dbName ? [`--database=${dbName}`] : [])];
  return [['host=127.0.0.1', `port=${port}`, 'sslmode=disable', ...(dbUser ? [`user=${dbUser}`] : []), ...(dbName ? [`dbname=${dbName}`] : [])].join(' ')];
}
