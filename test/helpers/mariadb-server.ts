/**
 * A private MariaDB server for tests: mariadb-install-db in a temp directory, then mariadbd with
 * no option files read, on a free port and its own socket, with TLS from the files
 * `tctl auth sign --format=db` wrote (ssl-ca = server.cas, which holds the db CA that signs the
 * agent's client certificates). The test's own setup runs as root over the socket.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running private server. */
export interface TestMariadb {
  port: number;
  dir: string;
  /** Runs SQL as root over the Unix socket; the tab-separated rows without headers. */
  sql(statement: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts MariaDB on `port` with `<certPrefix>.crt/.key/.cas` as its TLS files. */
export async function startMariadb(o: { port: number; certPrefix: string }): Promise<TestMariadb> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = userInfo().username;
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${o.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--user=${user}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      `--ssl-ca=${o.certPrefix}.cas`,
      `--ssl-cert=${o.certPrefix}.crt`,
      `--ssl-key=${o.certPrefix}.key`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const sql = async (statement: string) => (await run('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-N', '-B', '-e', statement])).stdout;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await sql('select 1');
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mariadbd did not start: ${log || (err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port: o.port,
    dir,
    sql,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
