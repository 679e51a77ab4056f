/**
 * Nodes joining a real cluster as separate teleport processes: token + CA pin, identity kept in
 * the data dir (restart without a token), heartbeats with static and command labels as `tctl nodes
 * ls` shows them, and the refusals (a token another host already used, a wrong CA pin, no token).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, startNode, type TestCluster, type TestNode } from './helpers/cluster.js';

let c: TestCluster;
const nodes: TestNode[] = [];

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH } });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

async function listed(): Promise<Node[]> {
  return (await c.admin()).listNodes<Node>();
}

beforeAll(async () => {
  c = await startCluster({ clusterName: 'join.test' });
});
afterAll(async () => {
  for (const n of nodes) await n.close();
  await c?.close();
});

describe('joining', () => {
  let first: TestNode;

  it('joins with a token and the CA pin, stores its identity, and is listed with its labels', async () => {
    first = await startNode(c, {
      nodename: 'node-1',
      ssh: "labels: {env: test, team: core}\ncommands:\n- name: arch\n  command: [echo, x86_64]\n  period: 1m0s",
    });
    nodes.push(first);
    const id = await stat(join(first.dataDir, 'identity', 'node.pem'));
    expect(id.mode & 0o777).toBe(0o600);
    const hostId = (await readFile(join(first.dataDir, 'host_uuid'), 'utf8')).trim();
    const all = await listed();
    const me = all.find((n) => n.metadata.name === hostId);
    expect(me?.spec.hostname).toBe('node-1');
    expect(me?.spec.addr).toBe(first.addr);
    expect(me?.metadata.labels).toEqual({ env: 'test', team: 'core' });

    const r = await tctl('nodes', 'ls');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Host +UUID +Public Address +Labels +Version *$/);
    const row = lines.find((l) => l.startsWith('node-1 '));
    expect(row).toContain(hostId);
    expect(row).toContain(first.addr);
    expect(row).toContain('arch=x86_64,env=test,team=core');

    const json = JSON.parse((await tctl('nodes', 'ls', '--format=json')).out) as Node[];
    expect(json.find((n) => n.metadata.name === hostId)?.spec.cmd_labels?.arch?.result).toBe('x86_64');
    expect((await tctl('nodes', 'ls', 'env=prod')).out).not.toContain('node-1');
  });

  it('restarts from its data dir without a token', async () => {
    await first.process.close();
    const again = await startNode(c, { nodename: 'node-1', dataDir: first.dataDir, ssh: 'labels: {env: test}' });
    nodes.push(again);
    const hostId = (await readFile(join(first.dataDir, 'host_uuid'), 'utf8')).trim();
    expect((await listed()).find((n) => n.metadata.name === hostId)?.spec.addr).toBe(again.addr);
  });

  it('refuses a token another host already joined with', async () => {
    const token = (await (await c.admin()).generateToken({ roles: ['node'] })).token;
    nodes.push(await startNode(c, { nodename: 'node-2', token }));
    await expect(startNode(c, { nodename: 'node-3', token })).rejects.toThrow(/already been used by another host/);
  });

  it('refuses an unknown token, and a host that has no token', async () => {
    await expect(startNode(c, { nodename: 'node-4', token: 'f'.repeat(32) })).rejects.toThrow(/does not exist or has expired/);
    await expect(startNode(c, { nodename: 'node-5', token: '' })).rejects.toThrow(/has not joined the cluster yet: start it with --token/);
  });

  it('refuses to join an auth server that does not match the CA pin', async () => {
    const token = (await (await c.admin()).generateToken({ roles: ['node'] })).token;
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(startNode(c, { nodename: 'node-6', token, caPin: wrong })).rejects.toThrow(wrong);
  });
});
