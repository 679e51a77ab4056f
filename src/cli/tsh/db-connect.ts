/**
 * `tsh db env [db]`, `tsh db config [db] [--format=text|cmd|json]` and `tsh db connect [db]
 * [--db-user --db-name]`: how a database login connects, for the shell, for GUI clients, and by
 * running psql with the login's `<cluster>-<db>` service.
 */
import { spawn } from 'node:child_process';
import { pgServiceFile, type ClientIdentity, type DatabaseLogin } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { dbLogins, dbProfile, pickLogin, proxyHostPort, serviceName } from './db-logins.js';
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
    const { host, port } = proxyHostPort(id);
    const r = l.route;
    switch (inv.flags.format) {
      case 'cmd': {
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
    const conn = [`service=${serviceName(id.cluster, l.route.serviceName)}`, ...(user ? [`user=${user}`] : []), ...(name ? [`dbname=${name}`] : [])].join(' ');
    const env = { ...inv.io.env, PGSERVICEFILE: pgServiceFile(inv.io.env, inv.io.homeDir) } as NodeJS.ProcessEnv;
    const interactive = ctx.sys.terminal !== undefined;
    const child = spawn('psql', [conn], { env, cwd: inv.io.cwd, stdio: interactive ? 'inherit' : 'pipe' });
    if (!interactive) {
      inv.io.stdin.pipe(child.stdin!);
      child.stdout!.on('data', (b: Buffer) => (ctx.sys.stdout ? ctx.sys.stdout.write(b) : inv.io.stdout.write(b.toString())));
      child.stderr!.on('data', (b: Buffer) => (ctx.sys.stderr ? ctx.sys.stderr.write(b) : inv.io.stderr.write(b.toString())));
    }
    return new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`cannot run psql: ${err.message} (install the PostgreSQL client)`)));
      child.once('close', (code) => resolve(code ?? 1));
    });
  },
};
