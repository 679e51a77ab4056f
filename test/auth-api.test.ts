// The auth API over real mutual TLS against an in-process cluster: status, tokens, joining with CA
// pins, and the refusals (wrong pin, bad tokens, foreign or missing client certificates, garbage).
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, pinOf } from '../src/api/client/index.js';
import { AccessDeniedError } from '../src/api/errors.js';
import { identityFromCertificate } from '../src/tlsca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const pubPem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const joinReq = (token: string) => ({ token, host_id: 'host-1', node_name: 'node-1', role: 'node', public_key: pubPem() });

describe('auth API', () => {
  let a: TestCluster;
  let b: TestCluster;
  let admin: AuthClient;
  let pin: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startCluster({ clusterName: 'alpha.test' }), startCluster({ clusterName: 'beta.test' })]);
    admin = await a.admin();
    pin = pinOf((await admin.ping()).host_ca_certs[0]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('reports status with four CAs and the host CA pin', async () => {
    const s = await admin.status();
    expect(s.cluster_name).toBe('alpha.test');
    expect(s.cas.map((c) => c.type)).toEqual(['host', 'user', 'db', 'jwt']);
    expect(s.cas.every((c) => c.rotation === 'never updated')).toBe(true);
    expect(s.cas[0].pins).toEqual([pin]);
    expect(pin).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('creates preset roles once and keeps them', async () => {
    const names = (await admin.listResources<{ metadata: { name: string } }>('roles')).map((r) => r.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['access', 'editor', 'auditor']));
  });

  it('joins a host with a token and a matching CA pin', async () => {
    const t = await admin.generateToken({ roles: ['node'] });
    expect(t.token).toMatch(/^[0-9a-f]{32}$/);
    const res = await AuthClient.join({ addr: a.authAddr, caPins: [pin] }, joinReq(t.token));
    const id = identityFromCertificate(res.tls);
    expect(id.username).toBe('host-1.alpha.test');
    expect(id.groups).toEqual(['Node']);
    expect(res.ssh).toMatch(/^ecdsa-sha2-nistp256-cert-v01@openssh\.com /);
  });

  it('refuses a CA pin that does not match, naming both pins', async () => {
    const t = await admin.generateToken({ roles: ['node'] });
    const wrong = 'sha256:' + '0'.repeat(64);
    const err = await AuthClient.join({ addr: a.authAddr, caPins: [wrong] }, joinReq(t.token)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toContain(wrong);
    expect((err as Error).message).toContain(pin);
  });

  it('refuses unknown, expired and wrong-role tokens', async () => {
    await expect(AuthClient.join({ addr: a.authAddr, caPins: [pin] }, joinReq('f'.repeat(32)))).rejects.toThrow(/does not exist or has expired/);
    const short = await admin.generateToken({ roles: ['node'], ttl_ms: 1 });
    await new Promise((r) => setTimeout(r, 20));
    await expect(AuthClient.join({ addr: a.authAddr, caPins: [pin] }, joinReq(short.token))).rejects.toThrow(AccessDeniedError);
    const proxyOnly = await admin.generateToken({ roles: ['proxy'] });
    await expect(AuthClient.join({ addr: a.authAddr, caPins: [pin] }, joinReq(proxyOnly.token))).rejects.toThrow(/does not allow joining as "Node"/);
  });

  it('binds a dynamic token to the first host that joins with it; static tokens stay shared', async () => {
    const t = await admin.generateToken({ roles: ['node', 'proxy'] });
    await AuthClient.join({ addr: a.authAddr, caPins: [pin] }, joinReq(t.token));
    // The same host again (a retry, or its other role) is fine.
    await AuthClient.join({ addr: a.authAddr, caPins: [pin] }, { ...joinReq(t.token), role: 'proxy' });
    const other = { ...joinReq(t.token), host_id: 'host-2', node_name: 'node-2' };
    await expect(AuthClient.join({ addr: a.authAddr, caPins: [pin] }, other)).rejects.toThrow(/already been used by another host/);
  });

  it('refuses a client certificate issued by another cluster', async () => {
    const foreign = await b.adminCredentials();
    const caPems = (await admin.ping()).host_ca_certs;
    const impostor = new AuthClient({ addr: a.authAddr, clusterName: 'alpha.test', credentials: { ...foreign, caPems } });
    await expect(impostor.status()).rejects.toThrow(/certificate authority/);
  });

  it('refuses authenticated calls without a client certificate', async () => {
    const { request } = await import('node:https');
    const caPems = (await admin.ping()).host_ca_certs;
    const body = await new Promise<string>((resolve, reject) => {
      const [host, port] = a.authAddr.split(':');
      const req = request({ host, port: Number(port), path: '/v1/status', ca: caPems, servername: 'teleport.cluster.local' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toMatch(/^403 .*needs a client certificate/);
  });

  it('keeps serving after garbage bytes on the auth port', async () => {
    const port = Number(a.authAddr.split(':')[1]);
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.end(Buffer.from('GARBAGE\x00\x01\x02\r\n\r\n')));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect((await admin.status()).cluster_name).toBe('alpha.test');
  });
});
