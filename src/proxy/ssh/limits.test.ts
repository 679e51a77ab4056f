// connection_limits on the proxy's SSH listener: a connection past max_connections from one
// address is refused before login, with the reason in the banner OpenSSH prints (at LogLevel INFO,
// its default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../api/clock.js';
import { ConnectionLimiter } from '../../limiter/index.js';
import { silentLogger } from '../../log/index.js';
import { formatCertificate, generateKeyPair } from '../../sshca/index.js';
import { connectSSH, type SSHClient } from '../../sshutils/index.js';
import { makeCA, sshFiles } from '../../sshutils/testing/fixtures.js';
import { ProxySSHServer } from './server.js';
import { memoryAccess, runOpenSSH, writeSSHConfig } from './testing/fixtures.js';

const hostCA = makeCA();
const userCA = makeCA();
const alice = generateKeyPair();
const aliceCert = userCA.sign(alice.publicKey, 'user', ['alice']);
let files: Awaited<ReturnType<typeof sshFiles>>;
let cfg: string;
let proxy: ProxySSHServer;
let port: number;

beforeAll(async () => {
  files = await sshFiles();
  cfg = await writeSSHConfig(files.path('ssh_config'), await files.identity('alice', alice.privateKey, aliceCert), await files.knownHostsCA(hostCA.blob, '*'));
  const key = generateKeyPair();
  const hostCert = formatCertificate(hostCA.sign(key.publicKey, 'host', ['127.0.0.1', 'localhost']));
  const limiter = new ConnectionLimiter({ limits: { maxConnections: 1, maxUsers: 0, rates: [] } });
  const { access } = memoryAccess('example.com', [userCA.blob]);
  proxy = new ProxySSHServer({ host: '127.0.0.1', port: 0, hostKey: key.privateKey, hostCert, access, clock: new FakeClock(Date.now()), logger: silentLogger, limiter });
  port = (await proxy.start()).port;
});

afterAll(async () => {
  await proxy?.close();
  await files?.cleanup();
});

describe('proxy ssh connection limits', () => {
  it('refuses the connection past max_connections from 127.0.0.1 and admits again once one closes', async () => {
    const held: SSHClient = await connectSSH({ host: '127.0.0.1', port, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: () => true });
    const refused = await runOpenSSH(['-F', cfg, '-o', 'LogLevel=INFO', '-p', String(port), '-s', 'alice@127.0.0.1', 'proxy:node1:3022@example.com']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('too many connections from 127.0.0.1: 1, max is 1');
    await expect(connectSSH({ host: '127.0.0.1', port, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: () => true })).rejects.toThrow();
    held.close();
    await expect
      .poll(async () => {
        const c = await connectSSH({ host: '127.0.0.1', port, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: () => true }).catch(() => undefined);
        c?.close();
        return c !== undefined;
      })
      .toBe(true);
  });
});
