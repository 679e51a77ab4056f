import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { applyStartFlags } from './flags.js';
import { checkConfigOnHost, explainListenError, makeDirAll } from './host-check.js';
import { parseConfig } from './parse.js';

const tmp = mkdtempSync(join(tmpdir(), 'host-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A config whose listeners are on loopback port 0, so only the lines under test can fail. */
function config(extra: string, opts: { dataDir?: string } = {}): string {
  return [
    'teleport:',
    `  data_dir: ${opts.dataDir ?? join(tmp, 'data')}`,
    'auth_service:',
    '  listen_addr: 127.0.0.1:0',
    'ssh_service:',
    '  listen_addr: 127.0.0.1:0',
    'proxy_service:',
    '  web_listen_addr: 127.0.0.1:0',
    '  listen_addr: 127.0.0.1:0',
    '  tunnel_listen_addr: 127.0.0.1:0',
    extra,
  ].join('\n');
}

async function refusal(text: string): Promise<string> {
  const cfg = parseConfig(text, { path: '/etc/teleport.yaml', hostname: 'h' });
  const err = await checkConfigOnHost(cfg, { lookupTimeoutMs: 3000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadParameterError);
  return (err as Error).message;
}

describe('makeDirAll', () => {
  it('creates missing parents and accepts an existing directory', async () => {
    const dir = join(tmp, 'a', 'b', 'c');
    await makeDirAll(dir);
    await makeDirAll(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('ends with ENOENT under /proc, where Node\'s recursive mkdir spins forever', async () => {
    await expect(makeDirAll('/proc/nope/data')).rejects.toMatchObject({ code: 'ENOENT', path: '/proc/nope' });
  });

  it('names a symbolic link to nothing on the way', async () => {
    symlinkSync(join(tmp, 'missing-target'), join(tmp, 'dangling'));
    await expect(makeDirAll(join(tmp, 'dangling', 'data'))).rejects.toMatchObject({ code: 'EDANGLING', path: join(tmp, 'dangling') });
    const msg = await refusal(config('', { dataDir: join(tmp, 'dangling', 'data') }));
    expect(msg).toContain(`${join(tmp, 'dangling')} is a symbolic link to something that does not exist`);
  });

  it('ends with ENOTDIR under a file', async () => {
    writeFileSync(join(tmp, 'file'), 'x');
    await expect(makeDirAll(join(tmp, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('checkConfigOnHost', () => {
  it('accepts a usable config and creates its data_dir', async () => {
    const cfg = parseConfig(config(''), { hostname: 'h' });
    await checkConfigOnHost(cfg);
    expect(statSync(join(tmp, 'data')).isDirectory()).toBe(true);
  });

  it('refuses a data_dir under /proc, naming the key and the line', async () => {
    const msg = await refusal(config('', { dataDir: '/proc/nope/data' }));
    expect(msg).toMatch(/^\/etc\/teleport\.yaml:2: teleport\.data_dir: cannot use data_dir "\/proc\/nope\/data": cannot create \/proc\/nope/);
  });

  it('refuses a data_dir under a file', async () => {
    const msg = await refusal(config('', { dataDir: join(tmp, 'file', 'data') }));
    expect(msg).toContain('teleport.yaml:2: teleport.data_dir:');
    expect(msg).toContain(`${join(tmp, 'file')} is not a directory`);
  });

  it('names the --data-dir flag when the flag set it', async () => {
    const cfg = applyStartFlags(parseConfig(config(''), { hostname: 'h' }), { dataDir: '/proc/nope/flag' });
    await expect(checkConfigOnHost(cfg)).rejects.toThrow(/^--data-dir: cannot use data_dir "\/proc\/nope\/flag"/);
  });

  it('refuses a storage path, pid file and log file that cannot be written', async () => {
    const storage = config('').replace('teleport:\n', 'teleport:\n  storage:\n    path: /proc/nope/backend\n');
    expect(await refusal(storage)).toMatch(/teleport\.yaml:3: teleport\.storage\.path: cannot use storage path/);
    const pid = config('').replace('teleport:\n', 'teleport:\n  pid_file: /proc/nope/teleport.pid\n');
    expect(await refusal(pid)).toMatch(/teleport\.yaml:2: teleport\.pid_file: cannot use the directory "\/proc\/nope"/);
    const log = config('').replace('teleport:\n', `teleport:\n  log:\n    output: ${tmp}\n`);
    expect(await refusal(log)).toMatch(/teleport\.yaml:3: teleport\.log\.output: cannot write ".*": it is a directory/);
  });

  it('refuses a file:// audit directory that cannot be made, naming the list item', async () => {
    const text = config('').replace('teleport:\n', 'teleport:\n  storage:\n    audit_events_uri: [stdout://, file:///proc/nope/log]\n');
    expect(await refusal(text)).toMatch(/teleport\.yaml:3: teleport\.storage\.audit_events_uri\[1\]: cannot use the audit log directory/);
  });

  it('refuses TLS keypair files that do not exist', async () => {
    const text = config(`  https_keypairs:\n  - key_file: ${join(tmp, 'key.pem')}\n    cert_file: ${join(tmp, 'cert.pem')}`);
    expect(await refusal(text)).toMatch(/teleport\.yaml:12: proxy_service\.https_keypairs\[0\]\.key_file: cannot read ".*key\.pem": the file does not exist/);
  });

  it('refuses TLS keypair files that do not hold a key and a certificate', async () => {
    writeFileSync(join(tmp, 'junk.pem'), 'not a pem\n');
    const text = config(`  https_keypairs:\n  - key_file: ${join(tmp, 'junk.pem')}\n    cert_file: ${join(tmp, 'junk.pem')}`);
    expect(await refusal(text)).toMatch(/teleport\.yaml:12: proxy_service\.https_keypairs\[0\]\.key_file: ".*junk\.pem" does not hold a PEM private key/);
  });

  it("refuses a database's ca_cert_file that does not exist or holds no certificate", async () => {
    const db = (file: string) =>
      config('') + `\ndb_service:\n  enabled: yes\n  databases:\n  - name: pg\n    protocol: postgres\n    uri: localhost:5432\n    tls:\n      ca_cert_file: ${file}\n`;
    expect(await refusal(db(join(tmp, 'none.pem')))).toMatch(/teleport\.yaml:19: db_service\.databases\[0\]\.tls\.ca_cert_file: cannot read ".*none\.pem": the file does not exist/);
    writeFileSync(join(tmp, 'junk-ca.pem'), 'junk\n');
    expect(await refusal(db(join(tmp, 'junk-ca.pem')))).toMatch(/db_service\.databases\[0\]\.tls\.ca_cert_file: ".*junk-ca\.pem" does not hold a PEM certificate/);
  });

  it('refuses a listen address whose host does not resolve (web_listen_addr: yes)', async () => {
    const msg = await refusal(config('').replace('web_listen_addr: 127.0.0.1:0', 'web_listen_addr: yes'));
    expect(msg).toMatch(/^\/etc\/teleport\.yaml:8: proxy_service\.web_listen_addr: cannot listen on yes:3080: the host name "yes" does not resolve \(E[A-Z_]+\)/);
  });

  it('refuses a listen address that is not an address of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a host; only a bind is tried, nothing is sent.
    const msg = await refusal(config('').replace('  listen_addr: 127.0.0.1:0\nssh', '  listen_addr: 192.0.2.1:3025\nssh'));
    expect(msg).toMatch(/teleport\.yaml:4: auth_service\.listen_addr: cannot listen on 192\.0\.2\.1:3025: 192\.0\.2\.1 is not an address of this machine/);
  });

  it('refuses two listeners on one port, naming both keys', async () => {
    const text = config('')
      .replace('web_listen_addr: 127.0.0.1:0', 'web_listen_addr: 0.0.0.0:3080')
      .replace('  listen_addr: 127.0.0.1:0\n  tunnel', '  listen_addr: 127.0.0.1:3080\n  tunnel');
    expect(await refusal(text)).toMatch(
      /teleport\.yaml:9: proxy_service\.listen_addr: 127\.0\.0\.1:3080 is also where \/etc\/teleport\.yaml:8: proxy_service\.web_listen_addr listens/,
    );
  });
});

describe('explainListenError', () => {
  it('names the key of a listener whose port is taken', () => {
    const cfg = parseConfig(config('').replace('web_listen_addr: 127.0.0.1:0', 'web_listen_addr: 127.0.0.1:3080'), { path: 't.yaml', hostname: 'h' });
    const err = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 3080, address: '127.0.0.1' });
    const out = explainListenError(cfg, err) as Error;
    expect(out).toBeInstanceOf(BadParameterError);
    expect(out.message).toBe('t.yaml:8: proxy_service.web_listen_addr: cannot listen on 127.0.0.1:3080: the port is already in use by another program');
    const wrapped = new BadParameterError('proxy_service.web_listen_addr: cannot listen on 127.0.0.1:3080: EADDRINUSE', { cause: err });
    expect((explainListenError(cfg, wrapped) as Error).message).toBe(out.message);
    const other = new Error('boom');
    expect(explainListenError(cfg, other)).toBe(other);
  });
});

// EROFS, as on a read-only root or a read-only bind mount: a tmpfs mounted read-only for the test
// (needs root, as CI has; skipped where mount is refused).
describe('on a read-only file system', () => {
  const ro = join(tmp, 'ro');
  let mounted = false;
  beforeAll(() => {
    mkdirSync(ro);
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]).status === 0;
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [ro]);
  });

  it('refuses a data_dir there, saying the file system is read-only', async (ctx) => {
    if (!mounted) ctx.skip();
    const msg = await refusal(config('', { dataDir: join(ro, 'data') }));
    expect(msg).toBe(`/etc/teleport.yaml:2: teleport.data_dir: cannot use data_dir "${join(ro, 'data')}": the file system is read-only (${join(ro, 'data')}); choose a directory this user can create and write`);
  });
});
