import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.js';
import { silentLogger } from '../../log/index.js';
import { TeleportProcess } from '../../service/index.js';
import { captureIO } from '../framework/index.js';
import { runTeleport } from './run.js';

const tmp = mkdtempSync(join(tmpdir(), 'teleport-start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function configFile(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const LOOPBACK = [
  'auth_service:',
  '  listen_addr: 127.0.0.1:0',
  'ssh_service:',
  '  listen_addr: 127.0.0.1:0',
  'proxy_service:',
  '  listen_addr: 127.0.0.1:0',
  '  tunnel_listen_addr: 127.0.0.1:0',
];

async function start(path: string): Promise<{ code: number; err: string }> {
  const c = captureIO();
  const code = await runTeleport(['start', '-c', path], c.io, new EventEmitter());
  return { code, err: c.err() };
}

// Each of these refusals used to be a hang at full CPU or a raw system error (issue 17, item 6).
describe('teleport start refuses a config this host cannot run, naming the key and line', () => {
  it('data_dir under /proc: refused at once instead of spinning in mkdir', { timeout: 10_000 }, async () => {
    const path = configFile('proc.yaml', ['teleport:', '  data_dir: /proc/nope/data', ...LOOPBACK, '  web_listen_addr: 127.0.0.1:0']);
    const { code, err } = await start(path);
    expect(code).toBe(1);
    expect(err).toContain(`ERROR: ${path}:2: teleport.data_dir: cannot use data_dir "/proc/nope/data": cannot create /proc/nope: /proc does not accept new entries`);
    expect(err).not.toMatch(/ENOENT:|--debug/);
  });

  it('web_listen_addr: yes is refused as an address that does not resolve, not getaddrinfo', { timeout: 10_000 }, async () => {
    const path = configFile('yes.yaml', ['teleport:', `  data_dir: ${join(tmp, 'data')}`, ...LOOPBACK, '  web_listen_addr: yes']);
    const { code, err } = await start(path);
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`^ERROR: ${path}:10: proxy_service\\.web_listen_addr: cannot listen on yes:3080: the host name "yes" does not resolve`, 'm'));
    expect(err).not.toContain('--debug');
  });

  it('a data_dir that is a file is refused with the key, not ENOTDIR', { timeout: 10_000 }, async () => {
    const file = configFile('plain-file', ['x']);
    const path = configFile('file.yaml', ['teleport:', `  data_dir: ${file}/data`, ...LOOPBACK, '  web_listen_addr: 127.0.0.1:0']);
    const { code, err } = await start(path);
    expect(code).toBe(1);
    expect(err).toContain(`ERROR: ${path}:2: teleport.data_dir: cannot use data_dir "${file}/data": ${file} is not a directory`);
  });

  it('a web port another program holds is named by its key', { timeout: 30_000 }, async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const path = configFile('busy.yaml', ['teleport:', `  data_dir: ${join(tmp, 'busy')}`, '  log: {severity: ERROR}', ...LOOPBACK, `  web_listen_addr: 127.0.0.1:${port}`]);
      const { code, err } = await start(path);
      expect(code).toBe(1);
      expect(err).toContain(`ERROR: ${path}:11: proxy_service.web_listen_addr: cannot listen on 127.0.0.1:${port}: the port is already in use by another program`);
    } finally {
      holder.close();
    }
  });

  it('TeleportProcess itself ends with an error on a /proc data_dir instead of spinning', { timeout: 10_000 }, async () => {
    const cfg = parseConfig(['teleport:', '  data_dir: /proc/nope/data', ...LOOPBACK, '  web_listen_addr: 127.0.0.1:0'].join('\n'), { hostname: 'h' });
    await expect(new TeleportProcess({ config: cfg, logger: silentLogger }).start()).rejects.toMatchObject({ code: 'ENOENT', path: '/proc/nope' });
  });
});
