/**
 * `teleport start --insecure` (Teleport's flag for tutorials whose proxy has a self-signed
 * certificate): a host joining through `proxy_server` whose web certificate is neither from the
 * cluster's host CA nor trusted by the system is refused without it, and joins with it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyStartFlags, defaultConfig } from '../src/config/index.js';
import { methodNode, waitForNode } from './aws-standin/join-node.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

let c: TestCluster;
let dir: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-insecure-'));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=self-signed.proxy.test',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  c = await startCluster({ clusterName: 'insecure.test', proxyExtra: `https_keypairs: [{key_file: ${join(dir, 'key.pem')}, cert_file: ${join(dir, 'cert.pem')}}]` });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await c?.close();
  await rm(dir, { recursive: true, force: true });
});

it('--insecure sets the config that joins through an untrusted proxy certificate', () => {
  expect(applyStartFlags(defaultConfig(), { insecure: true }).teleport.insecure).toBe(true);
  expect(applyStartFlags(defaultConfig(), {}).teleport.insecure).toBeUndefined();
});

it('a node joining through a proxy with a self-signed certificate is refused without --insecure and joins with it', async () => {
  const { token } = await (await c.admin()).generateToken({ roles: ['node'] });
  const strict = await methodNode(c, { nodename: 'strict-node', token, method: 'token' });
  await expect(strict.process.start()).rejects.toThrow('presented a certificate neither signed by the cluster\'s host CA nor trusted by this system');
  const loose = await methodNode(c, { nodename: 'insecure-node', token, method: 'token', flags: { insecure: true } });
  await loose.process.start();
  closers.push(() => loose.process.close());
  await waitForNode(c, 'insecure-node');
});
