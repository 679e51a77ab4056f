// Small proofs, on the consumer, for keys no other test shows acting (named by key-proofs.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeAdvertiseAddr, sshAlgorithms } from '../service/ssh-services.js';
import { readTokenFlag } from './flags.js';
import { parseConfig } from './parse.js';

const opts = { hostname: 'h' };

describe('keys shown on their consumer', () => {
  it('kex_algorithms and mac_algorithms are read as kex_algos and mac_algos', () => {
    const cfg = parseConfig('teleport:\n  kex_algorithms: [curve25519-sha256]\n  mac_algorithms: [hmac-sha2-256-etm@openssh.com]\n', opts);
    expect(sshAlgorithms(cfg)).toEqual({ kex: ['curve25519-sha256'], macs: ['hmac-sha2-256-etm@openssh.com'] });
  });

  it('ssh_service.public_addr is the address the proxy dials and the node announces', () => {
    const cfg = parseConfig('ssh_service:\n  public_addr: node.example.com\n', opts);
    expect(nodeAdvertiseAddr(cfg, { address: '0.0.0.0', port: 40000, family: 'IPv4' })).toBe('node.example.com:3022');
  });

  it('the legacy proxy_service.kubernetes section opens the Kubernetes listener', () => {
    const on = parseConfig('proxy_service:\n  kubernetes:\n    enabled: yes\n    listen_addr: 127.0.0.1:3099\n', opts);
    expect(on.proxy.kubeListenAddr).toEqual({ host: '127.0.0.1', port: 3099 });
    const off = parseConfig('proxy_service:\n  kubernetes:\n    enabled: no\n    listen_addr: 127.0.0.1:3099\n', opts);
    expect(off.proxy.kubeListenAddr).toBeUndefined();
  });
});

describe('--token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-flag-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an absolute path is the file holding the token, as Teleport reads it; other values are the token', async () => {
    writeFileSync(join(dir, 'token'), '  abc123\n');
    expect(await readTokenFlag(join(dir, 'token'))).toBe('abc123');
    expect(await readTokenFlag('abc123')).toBe('abc123');
    writeFileSync(join(dir, 'empty'), '\n');
    await expect(readTokenFlag(join(dir, 'empty'))).rejects.toThrow(`--token: the token file ${join(dir, 'empty')} is empty`);
    await expect(readTokenFlag(join(dir, 'missing'))).rejects.toThrow(/--token: cannot read the token file .*missing: ENOENT/);
  });
});
