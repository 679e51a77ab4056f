import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeClusterName, generateCA, hostIdentitySANs, identityFromCertificate, issueCertificate,
  type CAKeyPair, type Identity,
} from './index.js';

interface Creds { key: string; cert: string }

function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

async function creds(ca: CAKeyPair, identity: Identity, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}): Promise<Creds> {
  const { privateKey, publicKey } = keyPair();
  const cert = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey, identity, ...extra });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert };
}

const hour = () => new Date(Date.now() + 3_600_000);
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

describe('mutual TLS with issued certificates (node:tls)', () => {
  let hostCA: CAKeyPair;
  let userCA: CAKeyPair;
  let server: Creds;

  beforeAll(async () => {
    hostCA = await generateCA({ clusterName: 'main', type: 'host' });
    userCA = await generateCA({ clusterName: 'main', type: 'user' });
    const sans = hostIdentitySANs({ hostId: 'auth-uuid', nodeName: 'auth', clusterName: 'main' });
    server = await creds(hostCA, { username: 'auth-uuid.main', groups: ['Auth'], expires: hour() }, { ...sans, keyUsage: 'server' });
  });

  /** Start a server demanding client certs from the user CA; resolves with its port and seen identities. */
  async function startServer(): Promise<{ port: number; identities: Identity[] }> {
    const identities: Identity[] = [];
    const srv = createServer({ ...server, ca: userCA.certPem, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
      const peer = socket.getPeerX509Certificate();
      if (peer) identities.push(identityFromCertificate(peer));
      socket.end('hello\n');
    });
    srv.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    closers.push(() => srv.close());
    return { port: (srv.address() as AddressInfo).port, identities };
  }

  /** Connect with client creds, trusting the host CA; resolves with what the server sent. */
  function dial(port: number, client: Creds): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername: encodeClusterName('main'), ca: hostCA.certPem, ...client });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => { data += chunk; });
      socket.on('end', () => (data ? resolve(data) : reject(new Error('closed without data'))));
      socket.on('error', reject);
    });
  }

  it('succeeds and the server reads the client identity', async () => {
    const { port, identities } = await startServer();
    const alice: Identity = { username: 'alice', groups: ['access'], principals: ['root'], traits: { logins: ['root'] }, expires: hour() };
    const client = await creds(userCA, alice, { keyUsage: 'client' });
    expect(await dial(port, client)).toBe('hello\n');
    expect(identities).toHaveLength(1);
    expect(identities[0]).toEqual({ ...alice, expires: new Date(Math.floor(alice.expires.getTime() / 1000) * 1000) });
  });

  it('refuses a client certificate from a foreign CA', async () => {
    const { port, identities } = await startServer();
    const foreignCA = await generateCA({ clusterName: 'main', type: 'user' });
    const mallory = await creds(foreignCA, { username: 'alice', groups: ['editor'], expires: hour() }, { keyUsage: 'client' });
    await expect(dial(port, mallory)).rejects.toThrow();
    expect(identities).toHaveLength(0);
  });

  it('the client refuses a server certificate from a foreign host CA', async () => {
    const foreignHostCA = await generateCA({ clusterName: 'main', type: 'host' });
    const sans = hostIdentitySANs({ hostId: 'auth-uuid', nodeName: 'auth', clusterName: 'main' });
    const impostor = await creds(foreignHostCA, { username: 'auth-uuid.main', groups: ['Auth'], expires: hour() }, sans);
    const srv = createServer({ ...impostor, ca: userCA.certPem, requestCert: true, rejectUnauthorized: true }, (s) => s.end('hi\n'));
    srv.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    closers.push(() => srv.close());
    const client = await creds(userCA, { username: 'alice', groups: ['access'], expires: hour() });
    await expect(dial((srv.address() as AddressInfo).port, client)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});
