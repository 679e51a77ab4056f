/**
 * `tsh db login <db> [--db-user --db-name]`: a certificate routed to the database (the profile's
 * key, Teleport's route encoding), saved beside the profile, and the `<cluster>-<db>` section of
 * ~/.pg_service.conf written (MySQL: the `[client_<cluster>-<db>]` group of ~/.my.cnf);
 * `tsh db logout [db]`: removes them.
 */
import { createPublicKey } from 'node:crypto';
import { NotFoundError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';
import { myCnfFile, myCnfGroup, mysqlOptions, pgServiceFile, removeDatabaseLogin, saveDatabaseLogin, updatePgService } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { dbLogins, dbProfile, mysqlClient, mysqlHostPort, pickLogin, proxyHostPort, serviceName } from './db-logins.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** Teleport's message after `tsh db login`. */
export function dbLoginText(name: string): string {
  return `
Connection information for database "${name}" has been saved.

You can now connect to it using the following command:

  tsh db connect ${name}

Or view the connect command for the native database CLI client:

  tsh db config --format=cmd ${name}

`;
}

/** The login command. */
export const dbLoginCommand: CommandSpec<TshCtx> = {
  name: 'db login',
  help: 'Retrieve credentials for a database.',
  args: [{ name: 'db', help: 'Database to retrieve credentials for. Can be obtained from \'tsh db ls\' output.', required: true }],
  flags: [
    { name: 'db-user', type: 'string', help: 'Optional database user to configure as default.' },
    { name: 'db-name', type: 'string', help: 'Optional database name to configure as default.' },
  ],
  async run(inv, ctx) {
    const { identityFromCertificate } = await import('../../tlsca/index.js');
    const name = inv.args.db as string;
    const dbUser = typeof inv.flags['db-user'] === 'string' && inv.flags['db-user'] !== '' ? inv.flags['db-user'] : undefined;
    const dbName = typeof inv.flags['db-name'] === 'string' && inv.flags['db-name'] !== '' ? inv.flags['db-name'] : undefined;
    const id = await dbProfile(inv, ctx);
    const proxy = await connectProxy(inv, ctx);
    let tls: string;
    let protocol: string;
    try {
      const client = proxy.authClient();
      const server = (await client.listAgentServers<AgentServer>('db_server')).find((s) => s.metadata.name === name);
      if (!server) throw new NotFoundError(`database "${name}" not found, use "tsh db ls" to see registered databases`);
      protocol = String((server.spec.database as { spec?: { protocol?: string } } | undefined)?.spec?.protocol ?? 'postgres');
      // The database certificate lives as long as the login it comes from.
      const ttl = Math.max(60_000, identityFromCertificate(id.tlsCertPem).expires.getTime() - (ctx.sys.now ?? Date.now)());
      const certs = await client.generateUserCerts({
        username: id.username,
        public_key: createPublicKey(id.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
        ttl_ms: ttl,
        route_to_database: { service_name: name, protocol, ...(dbUser && { username: dbUser }), ...(dbName && { database: dbName }) },
      });
      tls = certs.tls;
    } finally {
      proxy.close();
    }
    const login = await saveDatabaseLogin({ paths: id.paths, user: id.username, cluster: id.cluster, route: { serviceName: name, protocol }, certPem: tls, key: id.privateKey });
    if (protocol === 'mysql') {
      const { host, port } = await mysqlHostPort(id);
      const mariadb = (await mysqlClient(inv.io.env)) === 'mariadb';
      await updatePgService(myCnfFile(inv.io.homeDir), myCnfGroup(serviceName(id.cluster, name)), mysqlOptions({ host, port, login, user: dbUser, database: dbName, mariadb }));
      inv.io.stdout.write(dbLoginText(name));
      return;
    }
    const { host, port } = proxyHostPort(id);
    await updatePgService(pgServiceFile(inv.io.env, inv.io.homeDir), serviceName(id.cluster, name), {
      host,
      port: String(port),
      sslmode: 'verify-full',
      sslrootcert: login.caPath,
      sslcert: login.certPath,
      sslkey: login.keyPath,
      ...(dbUser && { user: dbUser }),
      ...(dbName && { dbname: dbName }),
    });
    inv.io.stdout.write(dbLoginText(name));
  },
};

/** The logout command. */
export const dbLogoutCommand: CommandSpec<TshCtx> = {
  name: 'db logout',
  help: 'Remove database credentials.',
  args: [{ name: 'db', help: 'Database to remove credentials for (all when omitted).' }],
  async run(inv, ctx) {
    const id = await dbProfile(inv, ctx);
    const logins = await dbLogins(id);
    const name = inv.args.db as string | undefined;
    const chosen = name ? [pickLogin(logins, name)] : logins;
    for (const l of chosen) {
      await removeDatabaseLogin(l);
      if (l.route.protocol === 'mysql') await updatePgService(myCnfFile(inv.io.homeDir), myCnfGroup(serviceName(id.cluster, l.route.serviceName)));
      else await updatePgService(pgServiceFile(inv.io.env, inv.io.homeDir), serviceName(id.cluster, l.route.serviceName));
    }
    if (chosen.length === 1) inv.io.stdout.write(`Logged out of database ${chosen[0].route.serviceName}\n`);
    else inv.io.stdout.write('Logged out of all databases\n');
  },
};
