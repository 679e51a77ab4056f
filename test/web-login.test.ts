// The proxy's web API over real HTTPS: ping/find, an invite completed through
// /webapi/users/password/token, and `POST /webapi/ssh/certs` (what tsh login calls) in Teleport's
// JSON shapes, with base64 []byte fields.
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/auth/totp.js';
import { formatAuthorizedKey, parseCertificate } from '../src/sshca/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

function web(c: TestCluster, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const [host, port] = c.webAddr.split(':');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    // The proxy presents a certificate from the cluster's host CA, which the system does not trust.
    const req = request({ host, port: Number(port), method, path, rejectUnauthorized: false, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

describe('proxy web API', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startCluster({ clusterName: 'web.test' });
    const admin = await c.admin();
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'carol' }, spec: { roles: ['access'], traits: { logins: ['carol'] } } });
  });
  afterAll(async () => c?.close());

  it('answers ping and find, also under /v1', async () => {
    const ping = await web(c, 'GET', '/webapi/ping');
    expect(ping.status).toBe(200);
    expect(ping.json).toMatchObject({ cluster_name: 'web.test', auth: { type: 'local', second_factor: 'otp' } });
    const find = await web(c, 'GET', '/v1/webapi/find');
    expect(find.json).toMatchObject({ cluster_name: 'web.test' });
    expect((await web(c, 'GET', '/webapi/nope')).status).toBe(404);
  });

  it('completes an invite and logs in for certificates', async () => {
    const invite = await (await c.admin()).createUserToken('carol', { type: 'invite' });
    const info = await web(c, 'GET', `/webapi/users/password/token/${invite.token}`);
    expect(info.json).toMatchObject({ user: 'carol', tokenId: invite.token });
    const reg = await web(c, 'POST', `/webapi/mfa/token/${invite.token}/registerchallenge`, { deviceType: 'totp' });
    const secret = (reg.json.totp as { secret: string }).secret;
    const password = Buffer.from('a long enough password').toString('base64');
    const done = await web(c, 'PUT', '/webapi/users/password/token', { token: invite.token, password, second_factor_token: totpCode(secret, Date.now()) });
    expect(done).toEqual({ status: 200, json: { user: 'carol' } });

    const { publicKey } = generateKeyPairSync('ed25519');
    const login = await web(c, 'POST', '/v1/webapi/ssh/certs', {
      user: 'carol',
      password: 'a long enough password',
      otp_token: totpCode(secret, Date.now() + 30_000),
      ssh_pub_key: formatAuthorizedKey(publicKey),
      tls_pub_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      ttl: 3_600 * 1e9,
    });
    expect(login.status).toBe(200);
    const cert = parseCertificate(Buffer.from(login.json.cert as string, 'base64').toString('utf8'));
    expect(cert.keyId).toBe('carol');
    expect(cert.principals).toContain('carol');
    const signers = login.json.host_signers as { domain_name: string; tls_certs: string[] }[];
    expect(signers[0].domain_name).toBe('web.test');
    expect(Buffer.from(signers[0].tls_certs[0], 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('refuses a bad password with a JSON error and 403', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const r = await web(c, 'POST', '/webapi/ssh/certs', { user: 'carol', password: 'nope nope nope', ssh_pub_key: formatAuthorizedKey(publicKey) });
    expect(r.status).toBe(403);
    expect((r.json.error as { message: string }).message).toMatch(/invalid username, password or second factor/);
    const bad = await web(c, 'POST', '/webapi/ssh/certs', { user: 'carol', password: 'x' });
    expect(bad.status).toBe(400);
  });
});
