import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.js';
import { captureIO } from '../framework/index.js';
import { runTeleport } from './run.js';

const tmp = mkdtempSync(join(tmpdir(), 'teleport-install-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function teleport(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIO({ cwd: tmp });
  const code = await runTeleport(argv, c.io, new EventEmitter());
  return { code, out: c.out(), err: c.err() };
}

describe('teleport install systemd', () => {
  it("prints Teleport's unit: simple service, reload by SIGHUP to the main PID, the PID file and fd limit", async () => {
    const r = await teleport(['install', 'systemd']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    for (const want of [
      'Type=simple',
      'EnvironmentFile=-/etc/default/teleport',
      'ExecStart=/usr/local/bin/teleport start --config /etc/teleport.yaml --pid-file=/run/teleport.pid',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'PIDFile=/run/teleport.pid',
      'LimitNOFILE=524288',
      'WantedBy=multi-user.target',
    ]) {
      expect(lines).toContain(want);
    }
  });

  it('takes the paths and limit from flags and writes the file with --output', async () => {
    const path = join(tmp, 'teleport.service');
    const r = await teleport(['install', 'systemd', '--env-file=/opt/env', '--pid-file=/var/run/tp.pid', '--fd-limit=16384', '--install-path=/opt/tp/bin', `--output=file://${path}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(path);
    const unit = readFileSync(path, 'utf8');
    expect(unit).toContain('ExecStart=/opt/tp/bin/teleport start --config /etc/teleport.yaml --pid-file=/var/run/tp.pid\n');
    expect(unit).toContain('EnvironmentFile=-/opt/env\n');
    expect(unit).toContain('LimitNOFILE=16384\n');
    // A second write refuses instead of replacing a unit someone may have edited.
    const again = await teleport(['install', 'systemd', `--output=${path}`]);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('already exists');
  });

  it.each([
    [['--pid-file=run/tp.pid'], '--pid-file'],
    [['--install-path=/opt/my bin'], '--install-path'],
    [['--fd-limit=lots'], '--fd-limit'],
    [['--fd-limit=10'], '--fd-limit'],
  ])('refuses %s naming the flag', async (flags, name) => {
    const r = await teleport(['install', 'systemd', ...flags]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(name);
    expect(r.out).toBe('');
  });
});

describe('teleport node configure', () => {
  it('writes a v3 config that parses: join_params, proxy_server, CA pin, labels, SSH only', async () => {
    const path = join(tmp, 'node.yaml');
    const r = await teleport([
      'node', 'configure', `--output=file://${path}`, '--proxy=https://proxy.example.com:443/', '--token=abc123',
      '--ca-pin=sha256:aaaa', '--node-name=web-1', '--data-dir=/var/lib/tp', '--labels=env=dev,arch=[1h:uname -m]',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('teleport start --config=');
    const config = parseConfig(readFileSync(path, 'utf8'), { path });
    expect(config.teleport.nodename).toBe('web-1');
    expect(config.teleport.dataDir).toBe('/var/lib/tp');
    expect(config.teleport.joinParams).toEqual({ tokenName: 'abc123', method: 'token' });
    expect(config.teleport.authToken).toBe('abc123');
    expect(config.teleport.proxyServer).toMatchObject({ host: 'proxy.example.com', port: 443 });
    expect(config.teleport.caPins).toEqual(['sha256:aaaa']);
    expect(config.services).toMatchObject({ auth: false, proxy: false, ssh: true });
    expect(config.ssh.labels).toEqual({ env: 'dev' });
    expect(config.ssh.commands.map((c) => [c.name, c.command, c.period])).toEqual([
      ['hostname', ['hostname'], 60_000],
      ['arch', ['uname', '-m'], 3_600_000],
    ]);
  });

  it('names the secretless method and the auth server when asked', async () => {
    const r = await teleport(['node', 'configure', '--auth-server=10.0.0.5', '--token=ec2-token', '--join-method=ec2']);
    expect(r.code).toBe(0);
    const config = parseConfig(r.out, { path: 'stdout' });
    expect(config.teleport.joinParams).toEqual({ tokenName: 'ec2-token', method: 'ec2' });
    expect(config.teleport.authServers[0]).toMatchObject({ host: '10.0.0.5', port: 3025 });
  });

  it.each([
    [['--token=x'], '--proxy'],
    [['--proxy=p:443', '--auth-server=a:3025', '--token=x'], '--proxy'],
    [['--proxy=p:443'], '--token'],
    [['--proxy=p:443', '--token=x', '--join-method=github'], '--join-method'],
    [['--proxy=p:notaport', '--token=x'], '--proxy'],
  ])('refuses %s naming %s', async (flags, name) => {
    const r = await teleport(['node', 'configure', ...flags]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(name);
  });
});
