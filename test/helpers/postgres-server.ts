/**
 * A private PostgreSQL 15 server for tests: initdb in a temp directory, TLS from the files
 * `tctl auth sign --format=db` wrote, `hostssl all all all cert` (client certificates only over
 * TCP) and trust on its Unix socket for the test's own setup, on a free port. Run as the
 * `postgres` account when the tests run as root (PostgreSQL refuses root).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, copyFile, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A running private server. */
export interface TestPostgres {
  port: number;
  dir: string;
  /** Runs SQL as the superuser over the Unix socket. */
  sql(statement: string): Promise<string>;
  close(): Promise<void>;
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts PostgreSQL on `port` with `<certPrefix>.crt/.key/.cas` as its TLS files. */
export async function startPostgres(o: { port: number; certPrefix: string }): Promise<TestPostgres> {
  const asRoot = userInfo().uid === 0;
  const dir = await mkdtemp(join(tmpdir(), 'tp-pg-'));
  const data = join(dir, 'data');
  const owner = async (p: string) => {
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const uid = Number(stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      await chown(p, uid, gid);
    }
  };
  const as = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  await owner(dir);
  await run(...as(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']));
  for (const ext of ['crt', 'key', 'cas']) {
    await copyFile(`${o.certPrefix}.${ext}`, join(data, `server.${ext}`));
    await owner(join(data, `server.${ext}`));
  }
  await appendFile(
    join(data, 'postgresql.conf'),
    [
      `port = ${o.port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'ssl = on',
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "ssl_ca_file = 'server.cas'",
      'fsync = off',
      '',
    ].join('\n'),
  );
  await writeFile(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all all cert\n');
  await owner(join(data, 'pg_hba.conf'));
  const [cmd, args] = as(`${PG_BIN}/postgres`, ['-D', data]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const sql = async (statement: string) => (await run('psql', ['-h', dir, '-p', String(o.port), '-U', 'postgres', '-d', 'postgres', '-Atc', statement])).stdout;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await sql('select 1');
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`postgres did not start: ${log || (err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port: o.port,
    dir,
    sql,
    async close() {
      // Through pg_ctl: runuser does not pass a signal on to the server it started.
      await run(...as(`${PG_BIN}/pg_ctl`, ['stop', '-D', data, '-m', 'fast', '-w'])).catch(() => child.kill('SIGKILL'));
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
