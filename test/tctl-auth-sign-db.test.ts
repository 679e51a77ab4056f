/**
 * `tctl auth sign --format=db` against a real cluster: the three files Teleport writes, its
 * printed configuration, a certificate the `db` CA (and only it) verifies with the host names
 * asked for, and refusals (no --host, existing files).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertAuthority } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let c: TestCluster;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  c = await startCluster();
}, 60_000);
afterAll(async () => c?.close());

describe('tctl auth sign --format=db', () => {
  it('writes server.key, server.crt and server.cas and prints the database configuration', async () => {
    const r = await tctl('auth', 'sign', '--format=db', '--host=db.example.com,127.0.0.1', '--out=server', '--ttl=2190h');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Database credentials have been written to server.key, server.crt, server.cas.');
    expect(r.out).toContain("ssl_ca_file = '/path/to/server.cas'");
    expect(r.out).toContain('require_secure_transport=ON');
    const cert = new X509Certificate(await readFile(`${c.dir}/server.crt`));
    const key = createPrivateKey(await readFile(`${c.dir}/server.key`, 'utf8'));
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.subject).toContain('CN=db.example.com');
    expect(cert.subjectAltName).toContain('DNS:db.example.com');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(90);
    expect(days).toBeLessThan(92);
    expect((await stat(`${c.dir}/server.key`)).mode & 0o077).toBe(0);
    // Signed by the db CA, whose certificate is server.cas; not by the user or host CA.
    const cas = new X509Certificate(await readFile(`${c.dir}/server.cas`));
    expect(cert.verify(cas.publicKey)).toBe(true);
    const admin = await c.admin();
    const dbCA = await admin.getResource<CertAuthority>('cert_authority', `db/${c.clusterName}`);
    expect(cas.raw.equals(new X509Certificate(Buffer.from(dbCA.spec.active_keys.tls![0].cert, 'base64').toString()).raw)).toBe(true);
    const userCA = await admin.getResource<CertAuthority>('cert_authority', `user/${c.clusterName}`);
    expect(cert.verify(new X509Certificate(Buffer.from(userCA.spec.active_keys.tls![0].cert, 'base64').toString()).publicKey)).toBe(false);
  });

  it('refuses to overwrite without --overwrite, and a missing --host', async () => {
    const again = await tctl('auth', 'sign', '--format=db', '--host=db.example.com', '--out=server');
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('server.key exists; pass --overwrite to replace it');
    const noHost = await tctl('auth', 'sign', '--format=db', '--out=other');
    expect(noHost.code).not.toBe(0);
    expect(noHost.err).toContain('--format=db needs --host');
    const ok = await tctl('auth', 'sign', '--format=db', '--host=db2', '--out=server', '--overwrite');
    expect(ok.code).toBe(0);
    expect(new X509Certificate(await readFile(`${c.dir}/server.crt`)).subject).toContain('CN=db2');
  });
});
