/**
 * `tsh proxy db --tunnel <db> [--port N]`: an authenticated local tunnel to a database the profile
 * is logged into (`tsh db login`). Clients connect to 127.0.0.1:N in plain text without any
 * certificate (`psql "host=127.0.0.1 port=N sslmode=disable"`, `mysql -h 127.0.0.1 -P N`, GUI
 * clients, JDBC); each connection is carried to the proxy's web port over TLS with the database
 * certificate and ALPN `teleport-postgres` / `teleport-mysql`, as Teleport's local proxy does. The
 * proxy's database front then reads the route from the certificate as for a direct client.
 */
import { readFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { splitHostPort } from '../../api/client/index.js';
import { BadParameterError } from '../../api/errors.js';
import { dialProxyTLS, startLocalForward, type DatabaseLogin } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { dbLogins, dbProfile, mysqlClient, pickLogin } from './db-logins.js';
import { dbMFACertSource } from './db-mfa.js';
import { aborted, type TshCtx } from './tsh-context.js';

/** Teleport's ALPN names of the database fronts (lib/srv/alpnproxy/common). */
const ALPN_OF = { postgres: 'teleport-postgres', mysql: 'teleport-mysql' } as const;
const PROTOCOL_NAME = { postgres: 'PostgreSQL', mysql: 'MySQL' } as const;

/** `--port`: empty or 0 for a random port, else 1..65535. */
function localPort(raw: unknown): number {
  if (raw === undefined || raw === '' || raw === 0) return 0;
  const s = String(raw);
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw new BadParameterError(`--port must be a port number from 1 to 65535, got "${s}"`);
  return Number(s);
}

/** What one tunnelled connection needs. */
export interface DbTunnelDial {
  proxyHost: string;
  proxyPort: number;
  protocol: keyof typeof ALPN_OF;
  certPem: string;
  keyPem: string;
  caPems: string[];
  insecure: boolean;
  timeoutMs?: number;
}

/** A TLS connection to the proxy's database front for `protocol`, presenting the database certificate. */
export function dialDatabaseTunnel(o: DbTunnelDial): Promise<TLSSocket> {
  return dialProxyTLS({ ...o, serverName: o.proxyHost, alpn: ALPN_OF[o.protocol], requireAlpn: true, what: `the proxy's ${PROTOCOL_NAME[o.protocol]} front` });
}

/** The command Teleport suggests for the tunnel's address. */
async function connectCommand(l: DatabaseLogin, port: number, env: Record<string, string | undefined>): Promise<string> {
  const r = l.route;
  if (r.protocol === 'mysql') {
    const who = [...(r.username ? ['--user', r.username] : []), ...(r.database ? ['--database', r.database] : [])];
    return [await mysqlClient(env), ...who, '--port', String(port), '--host', '127.0.0.1', '--protocol', 'TCP'].join(' ');
  }
  return `psql "postgres://${r.username ? `${encodeURIComponent(r.username)}@` : ''}localhost:${port}/${r.database ? encodeURIComponent(r.database) : ''}"`;
}

/** The command spec. */
export const proxyDbCommand: CommandSpec<TshCtx> = {
  name: 'proxy db',
  help: 'Start local TLS proxy for database connections when using Teleport in single-port mode.',
  args: [{ name: 'db', help: 'The name of the database to start local proxy for (the only one logged into when omitted).' }],
  flags: [
    { name: 'port', short: 'p', type: 'string', help: 'Specifies the source port used by proxy db listener' },
    { name: 'tunnel', type: 'bool', help: 'Open authenticated tunnel using database\'s client certificate so clients don\'t need to authenticate' },
  ],
  async run(inv, ctx) {
    if (inv.flags.tunnel !== true) {
      throw new BadParameterError('this release runs only authenticated tunnels: add --tunnel (clients then connect to 127.0.0.1 without certificates), or connect to the proxy directly with the settings "tsh db config" prints');
    }
    const port = localPort(inv.flags.port);
    const id = await dbProfile(inv, ctx);
    const login = pickLogin(await dbLogins(id), inv.args.db as string | undefined);
    const name = login.route.serviceName;
    const protocol = login.route.protocol;
    if (protocol !== 'postgres' && protocol !== 'mysql') throw new BadParameterError(`database "${name}" speaks ${protocol}, which tsh proxy db does not tunnel in this release`);
    if (login.expires.getTime() <= (ctx.sys.now ?? Date.now)()) {
      throw new BadParameterError(`the certificate of database "${name}" has expired: run "tsh db login ${name}" again`);
    }
    const [certPem, keyPem] = await Promise.all([readFile(login.certPath, 'utf8'), readFile(login.keyPath, 'utf8')]);
    const web = splitHostPort(id.webProxyAddr);
    const insecure = id.insecure === true || inv.flags.insecure === true;
    // Per-session MFA: the check is made now, and again for a connection after its certificate lapsed.
    const mfa = await dbMFACertSource(inv, ctx, login.route, { certPem, keyPem, expires: login.expires.getTime() });
    const dial = async () => {
      const cert = mfa ? await mfa() : { certPem, keyPem };
      return dialDatabaseTunnel({ proxyHost: web.host, proxyPort: web.port, protocol, certPem: cert.certPem, keyPem: cert.keyPem, caPems: id.tlsCAs, insecure });
    };
    const listener = await startLocalForward({ bindHost: '127.0.0.1', bindPort: port, destHost: web.host, destPort: web.port }, dial, (err) =>
      inv.io.stderr.write(`ERROR: ${(err as Error).message}\n`),
    );
    const bound = listener.address.port;
    const out = inv.io.stdout;
    out.write(`Started authenticated tunnel for the ${PROTOCOL_NAME[protocol]} database "${name}" in cluster "${id.cluster}" on 127.0.0.1:${bound}.\n`);
    if (port === 0) out.write('To avoid port randomization, you can choose the listening port using the --port flag.\n');
    out.write(`\nUse the following command to connect to the database or to the address above using other database GUI client:\n  $ ${await connectCommand(login, bound, inv.io.env)}\n`);
    await aborted(ctx.sys.signal);
    await listener.close();
    return 0;
  },
};
