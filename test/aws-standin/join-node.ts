/**
 * What the join-method tests share: a node that joins `cluster` through its proxy with a v3
 * teleport.yaml (`join_params: {token_name, method}`, `proxy_server`, no secret), `tctl` run
 * in-process, and the `instance.join` events auth recorded.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent } from '../../src/api/audit-wire.js';
import type { Node } from '../../src/api/types/index.js';
import { captureIO } from '../../src/cli/framework/index.js';
import { runTctl } from '../../src/cli/tctl/run.js';
import { applyStartFlags, loadConfigFile, type StartFlags } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { TeleportProcess } from '../../src/service/index.js';
import type { TestCluster } from '../helpers/cluster.js';

/** `tctl -c <cluster config> ...args` in-process. */
export async function tctl(c: TestCluster, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

/** `tctl create` of a YAML document written to the cluster's directory. */
export async function tctlCreate(c: TestCluster, name: string, yaml: string): Promise<{ code: number; out: string; err: string }> {
  const path = join(c.dir, `${name}.yaml`);
  await writeFile(path, yaml);
  return tctl(c, 'create', '-f', path);
}

/** A node process joining with a secretless method; `start()` rejects when the join is refused. */
export async function methodNode(c: TestCluster, o: { nodename: string; token: string; method: string; proxy?: string; flags?: StartFlags }): Promise<{ process: TeleportProcess; dataDir: string }> {
  const dir = await mkdtemp(join(c.dir, `node-${o.nodename}-`));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      `  nodename: ${o.nodename}`,
      `  data_dir: ${dataDir}`,
      '  join_params:',
      `    token_name: ${o.token}`,
      `    method: ${o.method}`,
      `  proxy_server: ${o.proxy ?? c.webAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service: {enabled: yes, labels: {joined: by-method}}',
      '',
    ].join('\n'),
  );
  const config = applyStartFlags(await loadConfigFile(configPath), o.flags ?? {});
  return { process: new TeleportProcess({ config, logger: silentLogger }), dataDir };
}

/** Waits for a node named `hostname` in the cluster's inventory. */
export async function waitForNode(c: TestCluster, hostname: string, timeoutMs = 20_000): Promise<Node> {
  const admin = await c.admin();
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const found = (await admin.listNodes<Node>()).find((n) => n.spec.hostname === hostname);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`node ${hostname} did not register`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The `instance.join` events so far, oldest first. */
export async function joinEvents(c: TestCluster): Promise<AuditEvent[]> {
  const admin = await c.admin();
  const res = await admin.searchEvents({ types: ['instance.join'], from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), limit: 1000 });
  return res.events;
}
