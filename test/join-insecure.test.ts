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
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { captureIO } from '../src/cli/framework/index.js';
import { runTeleport } from '../src/cli/teleport/run.js';
import { INSECURE_WARNING } from '../src/cli/teleport/start.js';
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

it('teleport start --insecure warns loudly before anything else', async () => {
  const cfg = join(dir, 'node.yaml');
  await writeFile(cfg, ['version: v3', 'teleport:', `  data_dir: ${join(dir, 'warned')}`, '  join_params: {token_name: not-a-token, method: token}', `  proxy_server: ${c.webAddr}`, '  log: {output: stderr, severity: ERROR}', 'auth_service: {enabled: no}', 'proxy_service: {enabled: no}', 'ssh_service: {enabled: yes, listen_addr: 127.0.0.1:0}', ''].join('\n'));
  const cap = captureIO({ env: { PATH: process.env.PATH } });
  const code = await runTeleport(['start', '--insecure', '-c', cfg], cap.io, new EventEmitter());
  expect(code).not.toBe(0);
  expect(cap.err()).toContain(INSECURE_WARNING);
  expect(cap.err().indexOf('WARNING: running in --insecure mode')).toBe(0);
  expect(cap.err()).toContain('the join token is not valid');
});
