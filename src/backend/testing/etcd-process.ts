/**
 * For tests: a throwaway single-member etcd (Debian's `etcd-server`, /usr/bin/etcd) on free loopback
 * ports with its data in a temp dir, optionally serving TLS with client certificates required.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync as readFile, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

/** The etcd binary the project's scripts install. */
export const ETCD_BINARY = process.env.ETCD_BINARY ?? '/usr/bin/etcd';

/** True when the etcd binary is installed. */
export function etcdAvailable(): boolean {
  return existsSync(ETCD_BINARY);
}

/** Server TLS files; with them etcd serves https and requires client certificates signed by `caFile`. */
export interface EtcdTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Client certificate and key for the readiness probe. */
  clientCertFile: string;
  clientKeyFile: string;
}

/** A running etcd; `restart()` keeps its ports and data, `stop()` removes the data dir. */
export interface EtcdProcess {
  url: string;
  restart(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts etcd and waits until it serves requests (at most `timeoutMs`). */
export async function startEtcd(opts: { tls?: EtcdTls; timeoutMs?: number } = {}): Promise<EtcdProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-test-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const scheme = opts.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=test',
    `--data-dir=${join(dir, 'data')}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=test=${peer}`,
    '--logger=zap',
    '--log-level=error',
    ...(opts.tls
      ? [`--cert-file=${opts.tls.certFile}`, `--key-file=${opts.tls.keyFile}`, `--trusted-ca-file=${opts.tls.caFile}`, '--client-cert-auth']
      : []),
  ];
  let child: ChildProcess | undefined;
  let stderr = '';
  const exited = (): Promise<void> =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  // A test process that ends without stop() (a timeout, a crash) must not leave etcd behind.
  const reap = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', reap);
  const launch = async (): Promise<void> => {
    stderr = '';
    child = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const probe = new Etcd3({
      hosts: url,
      ...(opts.tls
        ? {
            credentials: {
              rootCertificate: readFile(opts.tls.caFile),
              certChain: readFile(opts.tls.clientCertFile),
              privateKey: readFile(opts.tls.clientKeyFile),
            },
          }
        : {}),
      defaultCallOptions: () => ({ deadline: Date.now() + 1000 }),
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${stderr}`);
        try {
          await probe.get('probe');
          return;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`etcd did not start: ${(err as Error).message}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      probe.close();
    }
  };
  const kill = async (): Promise<void> => {
    child?.kill('SIGKILL');
    await exited();
  };
  try {
    await launch();
  } catch (err) {
    await kill();
    process.removeListener('exit', reap);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    restart: async () => {
      await kill();
      await launch();
    },
    kill,
    stop: async () => {
      await kill();
      process.removeListener('exit', reap);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
