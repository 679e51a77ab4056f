// `teleport` as a real process: start with a tutorial config, diag endpoints, pid file, SIGHUP
// reload (a bad config is refused and the old one keeps running), SIGTERM graceful stop, and a
// malformed config refused at start with the key and line named.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';

const BIN = join(process.cwd(), 'bin', 'teleport');

function configText(dir: string): string {
  return [
    'teleport:',
    '  nodename: auth-1',
    `  pid_file: ${dir}/teleport.pid`,
    `  data_dir: ${dir}/data`,
    '  log: {output: stderr, severity: INFO}',
    'auth_service:',
    '  enabled: "yes"',
    '  cluster_name: "main"',
    '  authentication: {type: local, second_factor: otp}',
    '  listen_addr: 127.0.0.1:0',
    '  session_recording: "node"',
    '  public_addr: [ "127.0.0.1:3025" ]',
    'ssh_service: {enabled: "no"}',
    'proxy_service: {enabled: "no"}',
    '',
  ].join('\n');
}

/** Waits until `pattern` shows in the accumulated output. */
function waitFor(get: () => string, pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const m = get().match(pattern);
      if (m) return resolve(m);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${pattern}; output so far:\n${get()}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('teleport start as a process', () => {
  let dir: string;
  let child: ChildProcess;
  let out = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tp-proc-'));
    await writeFile(join(dir, 'teleport.yaml'), configText(dir));
    child = spawn(process.execPath, [BIN, 'start', '-c', join(dir, 'teleport.yaml'), '--diag-addr=127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out, /Cluster "main" is running/);
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    const pid = Number((await readFile(join(dir, 'teleport.pid'), 'utf8').catch(() => '')).trim());
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('serves /healthz, /readyz and /metrics on the diag address', async () => {
    const port = (await waitFor(() => out, /Diagnostics service is listening on 127\.0\.0\.1:(\d+)/))[1];
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^# HELP teleport_process_cpu/m);
  });

  it('writes the pid file and the admin identity', async () => {
    expect((await readFile(join(dir, 'teleport.pid'), 'utf8')).trim()).toBe(String(child.pid));
    expect(existsSync(join(dir, 'data', 'admin-identity.pem'))).toBe(true);
  });

  it('refuses a bad config on SIGHUP and keeps running', async () => {
    await writeFile(join(dir, 'teleport.yaml'), configText(dir).replace('cluster_name: "main"', 'cluster_name: "main"\n  listen_adr: 1'));
    child.kill('SIGHUP');
    await waitFor(() => out, /reload refused.*auth_service\.listen_adr/);
    expect(child.exitCode).toBeNull();
  });

  let successor = 0;
  it('reloads a good config on SIGHUP by handing over to a new process, which writes the pid file', async () => {
    await writeFile(join(dir, 'teleport.yaml'), configText(dir));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGHUP');
    await waitFor(() => out, /reloading configuration[\s\S]*auth service is listening[\s\S]*the new process serves/);
    // With no connection of its own left, the old process exits at once.
    expect(await exited).toBe(0);
    successor = Number((await readFile(join(dir, 'teleport.pid'), 'utf8')).trim());
    expect(successor).not.toBe(child.pid);
    expect(() => process.kill(successor, 0)).not.toThrow();
  });

  it('stops gracefully on SIGTERM and removes the pid file', async () => {
    process.kill(successor, 'SIGTERM');
    await waitFor(() => out, /shutting down/);
    for (let i = 0; i < 100 && existsSync(join(dir, 'teleport.pid')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(dir, 'teleport.pid'))).toBe(false);
  });
});

describe('teleport CLI', () => {
  it('refuses to start on a malformed config, naming the key and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tp-bad-'));
    try {
      await writeFile(join(dir, 'teleport.yaml'), `teleport:\n  data_dir: ${dir}/data\nauth_service:\n  enabled: yes\n  listen_addr: 127.0.0.1:0\n  second_factor_typo: otp\n`);
      const r = spawnSync(process.execPath, [BIN, 'start', '-c', join(dir, 'teleport.yaml')], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/teleport\.yaml:6: auth_service\.second_factor_typo/);
      expect(existsSync(join(dir, 'data', 'host_uuid'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('configure prints a sample that loads, and version prints the version', () => {
    const conf = spawnSync(process.execPath, [BIN, 'configure', '--cluster-name=example.com', '--public-addr=proxy.example.com:443'], { encoding: 'utf8' });
    expect(conf.status).toBe(0);
    const cfg = parseConfig(conf.stdout);
    expect(cfg.auth.clusterName).toBe('example.com');
    const v = spawnSync(process.execPath, [BIN, 'version'], { encoding: 'utf8' });
    expect(v.stdout).toMatch(/^Teleport v\d+\.\d+\.\d+/);
  });
});
