// Refused logins at the proxy's SSH listener are recorded as `auth` (T3007W) with the certificate's
// user, the login asked for, the reason and the client's address; accepted logins and plain keys
// (which agents offer on the way to the certificate) are not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../api/clock.js';
import { AccessDeniedError } from '../../api/errors.js';
import { AuditLog, MemoryEventStore, parseQuery } from '../../events/index.js';
import { silentLogger } from '../../log/index.js';
import { formatCertificate, generateKeyPair, verifyCertificate } from '../../sshca/index.js';
import { connectSSH } from '../../sshutils/index.js';
import { makeCA } from '../../sshutils/testing/fixtures.js';
import { ProxySSHServer } from './server.js';
import { memoryAccess } from './testing/fixtures.js';

const hostCA = makeCA();
const userCA = makeCA();
const store = new MemoryEventStore();
const log = new AuditLog({ sinks: [store], clock: systemClock, logger: silentLogger });
let proxy: ProxySSHServer;
let port: number;

beforeAll(async () => {
  const key = generateKeyPair();
  proxy = new ProxySSHServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: key.privateKey,
    hostCert: formatCertificate(hostCA.sign(key.publicKey, 'host', ['127.0.0.1'])),
    access: memoryAccess('example.com', [userCA.blob]).access,
    clock: systemClock,
    logger: silentLogger,
    audit: { emitter: log, serverId: 'proxy-uuid', hostname: 'proxy-1' },
  });
  port = (await proxy.start()).port;
});
afterAll(async () => {
  await proxy?.close();
  await log.close();
});

async function login(cert: ReturnType<typeof userCA.sign> | undefined, key = generateKeyPair()) {
  const c = await connectSSH({
    host: '127.0.0.1',
    port,
    username: 'alice',
    privateKey: key.privateKey,
    cert: cert?.blob,
    verifyHostKey: (k) => {
      verifyCertificate(k.cert!, { trustedCAs: [hostCA.blob], now: Date.now(), type: 'host', principal: '127.0.0.1' });
      return true;
    },
  });
  c.close();
}

describe('proxy audit events', () => {
  it('records a certificate from a foreign CA, and nothing for a good login or a plain key', async () => {
    const key = generateKeyPair();
    await login(userCA.sign(key.publicKey, 'user', ['alice']), key);
    await expect(login(undefined)).rejects.toThrow(AccessDeniedError);
    expect(store.size).toBe(0);
    const other = generateKeyPair();
    await expect(login(makeCA().sign(other.publicKey, 'user', ['alice']), other)).rejects.toThrow(AccessDeniedError);
    const [e] = (await store.search(parseQuery({}))).events;
    expect(e).toMatchObject({
      event: 'auth',
      code: 'T3007W',
      user: 'user-alice',
      login: 'alice',
      success: false,
      cluster_name: 'example.com',
      server_id: 'proxy-uuid',
      server_hostname: 'proxy-1',
    });
    expect(String(e.error)).toMatch(/certificate/i);
    expect(e['addr.remote']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(store.size).toBe(1);
  });
});
