/**
 * `tctl tokens add --type=db` against a real cluster: Teleport's database agent instructions (token,
 * CA pin, the proxy's address to join through, --db-* values or their placeholders), and the token
 * it names is stored with the Db role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinOf } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let c: TestCluster;
let pin: string;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH } });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  c = await startCluster();
  pin = pinOf((await (await c.admin()).ping()).host_ca_certs[0]);
});
afterAll(async () => c?.close());

describe('tctl tokens add --type=db', () => {
  it('prints the database agent command filled from --db-name/--db-protocol/--db-uri', async () => {
    const r = await tctl('tokens', 'add', '--type=db', '--value=dbtok1', '--ttl=15m', '--db-name=pg-main', '--db-protocol=postgres', '--db-uri=10.0.0.5:5432');
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.out.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'The invite token: dbtok1.',
      'This token will expire in 15 minutes.',
      '',
      'Fill out and run this command on a node to start proxying the database:',
      '',
      '> teleport start \\',
      '   --roles=db \\',
    ]);
    expect(r.out).toContain(`   --token=dbtok1 \\\n   --ca-pin=${pin} \\\n   --auth-server=`);
    expect(r.out).toContain('   --db-name=pg-main \\\n   --db-protocol=postgres \\\n   --db-uri=10.0.0.5:5432\n');
    expect(r.out).toContain('  - Database address 10.0.0.5:5432 must be reachable from the new database\n    service.');
    expect(r.out).toContain('tctl auth sign --format=db');
    expect(r.out).not.toContain('Run this on the new node');
    // The agent joins through a proxy's public address (the tunnel) when a proxy is heartbeating.
    const server = /--auth-server=(\S+) \\/.exec(r.out)?.[1];
    expect(server).toMatch(/:\d+$/);
    const tokens = await tctl('tokens', 'ls');
    expect(tokens.out).toMatch(/dbtok1 +Db /);
  });

  it('leaves Teleport placeholders for the database fields not given', async () => {
    const r = await tctl('tokens', 'add', '--type=db', '--value=dbtok2');
    expect(r.code).toBe(0);
    expect(r.out).toContain('   --db-name=[db-name] \\\n   --db-protocol=[db-protocol] \\\n   --db-uri=[db-uri]\n');
    expect(r.out).toContain('This token will expire in 30 minutes.');
  });

  it('keeps the node text for node tokens', async () => {
    const r = await tctl('tokens', 'add', '--type=node', '--value=nodetok1');
    expect(r.out).toContain('Run this on the new node to join the cluster:');
    expect(r.out).not.toContain('--db-name');
  });
});
