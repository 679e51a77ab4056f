/**
 * `tsh db env [db]`, `tsh db config [db] [--format=text|cmd|json]` and `tsh db connect [db]
 * [--db-user --db-name]`: how a database login connects, for the shell, for GUI clients, and by
 * running psql with the login's `<cluster>-<db>` service (MySQL: mariadb or mysql with the
 * `[client_<cluster>-<db>]` option group, at the proxy's mysql_listen_addr).
 */
import { spawn } from 'node:child_process';
import { pgServiceFile, type ClientIdentity, type DatabaseLogin } from '../../client/index.js';
import { releaseInput, type CommandSpec } from '../framework/index.js';
import { BadParameterError } from '../../api/errors.js';
import { dbConnectMFATunnel, tunnelClientArgs } from './db-connect-mfa.js';
import { dbLogins, dbProfile, mysqlClient, mysqlHostPort, pickLogin, proxyHostPort, serviceName } from './db-logins.js';
import type { TshCtx } from './tsh-context.js';

/** The libpq settings of a login, in the order tsh prints them. */
function pgEnv(id: ClientIdentity, l: DatabaseLogin): [string, string][] {
  const { host, port } = proxyHostPort(id);
  return [
    ['PGHOST', host],
    ['PGPORT', String(port)],
    ['PGSSLMODE', 'verify-full'],
    ['PGSSLROOTCERT', l.caPath],
    ['PGSSLCERT', l.certPath],
    ['PGSSLKEY', l.keyPath],
    ...(l.route.username ? [['PGUSER', l.route.username] as [string, string]] : []),
    ...(l.route.database ? [['PGDATABASE', l.route.database] as [string, string]] : []),
  ];
}

const dbArg = { name: 'db', help: 'Database to print information for (the only one logged into when omitted).' };

/** `tsh db env`. */
export const dbEnvCommand: CommandSpec<TshCtx> = {
  name: 'db env',
  help: 'Print environment variables for the configured database.',
  args: [dbArg],
  async run(inv, ctx) {
    const id = await dbProfile(inv, ctx);
    const l = pickLogin(await dbLogins(id), inv.args.db as string | undefined);
    if (l.route.protocol === 'mysql') {
      // MySQL clients take no certificate from the environment: the option group carries them.
      throw new BadParameterError(`tsh db env prints libpq settings; MySQL clients read the [client_${serviceName(id.cluster, l.route.serviceName)}] group of ~/.my.cnf: mysql --defaults-group-suffix=_${serviceName(id.cluster, l.route.serviceName)}`);
    }
    inv.io.stdout.write(pgEnv(id, l).map(([k, v]) => `export ${k}=${v}\n`).join(''));
  },
};

/** `tsh db config`. */
export const dbConfigCommand: CommandSpec<TshCtx> = {
  name: 'db config',
  help: 'Print database connection information. Useful when configuring GUI clients.',
  args: [dbArg],
  flags: [{ name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'cmd', 'json'], help: 'Print format: "text" to print configuration in text format, "cmd" to print the command to connect, "json" for JSON.' }],
  async run(inv, ctx) {
    const id = await dbProfile(inv, ctx);
    const l = pickLogin(await dbLogins(id), inv.args.db as string | undefined);
    const r = l.route;
    const mysql = r.protocol === 'mysql';
    const { host, port } = mysql ? await mysqlHostPort(id) : proxyHostPort(id);
    switch (inv.flags.format) {
      case 'cmd': {
        if (mysql) {
          const who = [...(r.username ? [`--user=${r.username}`] : []), ...(r.database ? [`--database=${r.database}`] : [])];
          inv.io.stdout.write(`${[await mysqlClient(inv.io.env), `--defaults-group-suffix=_${serviceName(id.cluster, r.serviceName)}`, ...who].join(' ')}\n`);
          return;
        }
        const q = `sslrootcert=${l.caPath}&sslcert=${l.certPath}&sslkey=${l.keyPath}&sslmode=verify-full`;
        inv.io.stdout.write(`psql "postgres://${r.username ? `${encodeURIComponent(r.username)}@` : ''}${host}:${port}${r.database ? `/${encodeURIComponent(r.database)}` : ''}?${q}"\n`);
        return;
      }
      case 'json':
        inv.io.stdout.write(JSON.stringify({ name: r.serviceName, host, port, ca: l.caPath, cert: l.certPath, key: l.keyPath, ...(r.username && { user: r.username }), ...(r.database && { database: r.database }) }, null, 2) + '\n');
        return;
      default: {
        const rows: [string, string][] = [
          ['Name', r.serviceName],
          ['Host', host],
          ['Port', String(port)],
          ['User', r.username ?? ''],
          ['Database', r.database ?? ''],
          ['CA', l.caPath],
          ['Cert', l.certPath],
          ['Key', l.keyPath],
        ];
        inv.io.stdout.write(rows.map(([k, v]) => `${`${k}:`.padEnd(10)} ${v}\n`).join('') + '\n');
      }
    }
  },
};

/** `tsh db connect`: psql with the login's service; its exit code is tsh's. */
export const dbConnectCommand: CommandSpec<TshCtx> = {
  name: 'db connect',
  help: 'Connect to a database.',
  args: [dbArg],
  flags: [
    { name: 'db-user', type: 'string', help: 'Optional database user to log in as.' },
    { name: 'db-name', type: 'string', help: 'Optional database name to log in to.' },
  ],
  async run(inv, ctx) {
    const id = await dbProfile(inv, ctx);
    const l = pickLogin(await dbLogins(id), inv.args.db as string | undefined);
    const user = (inv.flags['db-user'] as string | undefined) || l.route.username;
    const name = (inv.flags['db-name'] as string | undefined) || l.route.database;
    const tunnel = await dbConnectMFATunnel(inv, ctx, id, l, user, name);
    if (tunnel) {
      const client = l.route.protocol === 'mysql' ? await mysqlClient(inv.io.env) : 'psql';
      try {
        return await runClient(client, tunnelClientArgs(l.route.protocol, tunnel.port, user, name), { ...inv.io.env } as NodeJS.ProcessEnv, inv, ctx, 'install the database client');
      } finally {
        await tunnel.close();
      }
    }
    if (l.route.protocol === 'mysql') {
      const client = await mysqlClient(inv.io.env);
      const args = [`--defaults-group-suffix=_${serviceName(id.cluster, l.route.serviceName)}`, ...(user ? [`--user=${user}`] : []), ...(name ? [`--database=${name}`] : [])];
      // The client reads ~/.my.cnf from $HOME.
      return runClient(client, args, { ...inv.io.env, HOME: inv.io.homeDir } as NodeJS.ProcessEnv, inv, ctx, 'install the MariaDB or MySQL client');
    }
    const conn = [`service=${serviceName(id.cluster, l.route.serviceName)}`, ...(user ? [`user=${user}`] : []), ...(name ? [`dbname=${name}`] : [])].join(' ');
    const env = { ...inv.io.env, PGSERVICEFILE: pgServiceFile(inv.io.env, inv.io.homeDir) } as NodeJS.ProcessEnv;
    return runClient('psql', [conn], env, inv, ctx, 'install the PostgreSQL client');
  },
};

/** Runs a database client on the terminal (or tsh's streams); its exit code is tsh's. */
function runClient(cmd: string, args: string[], env: NodeJS.ProcessEnv, inv: Parameters<CommandSpec<TshCtx>['run']>[0], ctx: TshCtx, install: string): Promise<number> {
  const interactive = ctx.sys.terminal !== undefined;
  const child = spawn(cmd, args, { env, cwd: inv.io.cwd, stdio: interactive ? 'inherit' : 'pipe' });
  if (!interactive) {
    // What an MFA prompt read past its line is the client's input.
    const rest = releaseInput(inv.io.stdin);
    if (rest.text !== '') child.stdin!.write(rest.text);
    if (rest.ended) child.stdin!.end();
    else inv.io.stdin.pipe(child.stdin!);
    child.stdout!.on('data', (b: Buffer) => (ctx.sys.stdout ? ctx.sys.stdout.write(b) : inv.io.stdout.write(b.toString())));
    child.stderr!.on('data', (b: Buffer) => (ctx.sys.stderr ? ctx.sys.stderr.write(b) : inv.io.stderr.write(b.toString())));
  }
  return new Promise<number>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message} (${install})`)));
    child.once('close', (code) => resolve(code ?? 1));
  });
}
