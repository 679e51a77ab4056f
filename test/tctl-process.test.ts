/** The built `./bin/tctl` as a real child process against an in-process cluster (global setup builds dist/). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinOf } from '../src/api/client/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'tctl');
let c: TestCluster;

function tctl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

beforeAll(async () => {
  c = await startCluster();
});
afterAll(async () => c?.close());

describe('tctl as a process', () => {
  it('prints status and exits 0', async () => {
    const r = await tctl(['-c', c.configPath, 'status']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const pin = pinOf((await (await c.admin()).ping()).host_ca_certs[0]);
    expect(r.out).toMatch(/^Cluster +test\.example\.com +\n/);
    expect(r.out).toContain(`CA pin   ${pin} \n`);
  });

  it('creates a join token with the teleport start line', async () => {
    const r = await tctl(['-c', c.configPath, 'tokens', 'add', '--type=node', '--ttl=5m']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^The invite token: [0-9a-f]{32}\nThis token will expire in 5 minutes\.\n/);
    expect(r.out).toContain(`   --auth-server=${c.authAddr}\n`);
  });

  it('exits 1 with ERROR: on a missing config file', async () => {
    const r = await tctl(['-c', '/nonexistent/teleport.yaml', 'status']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe("ERROR: config file /nonexistent/teleport.yaml does not exist; pass the auth server's teleport.yaml with -c <path>\n");
  });
});
