// Our client against our server over real sockets: certificates both ways, exec streams and exit
// status, host verification, and the refusals a node makes with what `authenticate` is handed.
import { connect, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AccessDeniedError } from '../api/errors.js';
import { CERT_SUFFIX, generateKeyPair, keyObjectType, publicKeyToBlob, verifyCertificate } from '../sshca/index.js';
import type { KeyAlgorithm, SSHCertificate } from '../sshca/index.js';
import { connectSSH } from './client.js';
import type { HostKeyInfo, SSHClient } from './client.js';
import type { SSHServer } from './server.js';
import type { AuthContext } from './server-options.js';
import { toSSH2Key } from './ssh2-key.js';
import { certAuthenticator, makeCA, testServer } from './testing/fixtures.js';

const hostCA = makeCA();
const userCA = makeCA();
const servers: SSHServer[] = [];
const clients: SSHClient[] = [];
afterAll(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(servers.map((s) => s.close()));
});

/** A host verifier as tsh does it: a host certificate from our host CA naming the host. */
function trustHostCA(seen: HostKeyInfo[] = []): (k: HostKeyInfo) => boolean {
  return (k) => {
    seen.push(k);
    if (!k.cert) return false;
    try {
      verifyCertificate(k.cert, { trustedCAs: [hostCA.blob], now: Date.now(), type: 'host', principal: '127.0.0.1' });
      return true;
    } catch {
      return false;
    }
  };
}

async function startServer(alg: KeyAlgorithm = 'ed25519', seen: AuthContext[] = []): Promise<SSHServer> {
  const host = generateKeyPair(alg);
  const s = await testServer({
    hostKey: host.privateKey,
    hostCert: hostCA.sign(host.publicKey, 'host', ['127.0.0.1']).blob,
    authenticate: certAuthenticator(userCA.blob, seen),
  });
  servers.push(s);
  return s;
}

async function login(server: SSHServer, privateKey: KeyObject, cert: SSHCertificate | undefined, username = 'alice') {
  const c = await connectSSH({
    host: '127.0.0.1',
    port: server.address.port,
    username,
    privateKey,
    cert: cert?.blob,
    verifyHostKey: trustHostCA(),
  });
  clients.push(c);
  return c;
}

async function run(c: SSHClient, cmd: string, input?: string) {
  const p = await c.exec(cmd);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  p.stdin.end(input);
  return { ...(await p.exit), stdout, stderr };
}

describe('our client with our server', () => {
  it.each([
    ['ed25519', 'ed25519'],
    ['ecdsa-p256', 'ecdsa-p256'],
    ['rsa2048', 'rsa2048'],
  ] as const)('user %s certificate, host %s certificate (patches: client cert signature, RSA SHA-2 certs, client host certs)', async (userAlg, hostAlg) => {
    const seen: AuthContext[] = [];
    const server = await startServer(hostAlg, seen);
    const user = generateKeyPair(userAlg);
    const c = await login(server, user.privateKey, userCA.sign(user.publicKey, 'user', ['alice']));
    const r = await run(c, 'cat; echo err >&2; exit 3', 'piped input\n');
    expect(r).toMatchObject({ code: 3, stdout: 'piped input\n', stderr: 'err\n' });
    const ctx = seen.find((x) => x.cert)!;
    expect(ctx.signatureOk).toBe(true);
    expect(ctx.keyAlgo).toBe(userAlg === 'rsa2048' ? `rsa-sha2-512${CERT_SUFFIX}` : keyObjectType(user.privateKey) + CERT_SUFFIX);
  });

  it('hands the host certificate to verifyHostKey and refuses an untrusted host', async () => {
    const server = await startServer();
    const user = generateKeyPair();
    const cert = userCA.sign(user.publicKey, 'user', ['alice']);
    const seen: HostKeyInfo[] = [];
    const c = await connectSSH({ host: '127.0.0.1', port: server.address.port, username: 'alice', privateKey: user.privateKey, cert: cert.blob, verifyHostKey: trustHostCA(seen) });
    c.close();
    expect(seen[0].cert?.type).toBe('host');
    expect(seen[0].blob.equals(seen[0].cert!.publicKey)).toBe(true);
    await expect(
      connectSSH({ host: '127.0.0.1', port: server.address.port, username: 'alice', privateKey: user.privateKey, cert: cert.blob, verifyHostKey: () => false }),
    ).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('reports an exit signal', async () => {
    const server = await startServer();
    const user = generateKeyPair();
    const c = await login(server, user.privateKey, userCA.sign(user.publicKey, 'user', ['alice']));
    expect(await run(c, 'sig-test')).toMatchObject({ signal: 'TERM' });
  });

  it('turns Nagle off on both ends of a TCP connection (an SFTP request waited 40 ms per round trip for a delayed ACK)', async () => {
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    try {
      const server = await startServer();
      const port = server.address.port;
      const user = generateKeyPair();
      const c = await login(server, user.privateKey, userCA.sign(user.publicKey, 'user', ['alice']));
      expect(await run(c, 'echo fast')).toMatchObject({ code: 0, stdout: 'fast\n' });
      const on = noDelay.mock.contexts.filter((_, i) => noDelay.mock.calls[i][0] === true) as Socket[];
      expect(on.some((s) => s.remotePort === port)).toBe(true);
      expect(on.some((s) => s.localPort === port)).toBe(true);
    } finally {
      noDelay.mockRestore();
    }
  });
});

describe('channel packets (patch: 255 KiB channel packets announced and accepted)', () => {
  it('moves a 200 KB write as one packet each way instead of seven of 32 KiB', async () => {
    const host = generateKeyPair();
    const upChunks: number[] = [];
    const server = await testServer({
      hostKey: host.privateKey,
      hostCert: hostCA.sign(host.publicKey, 'host', ['127.0.0.1']).blob,
      authenticate: certAuthenticator(userCA.blob),
      onSession: (session) =>
        void (async () => {
          for await (const req of session.requests) {
            if (req.type !== 'exec') continue;
            const ch = req.accept();
            ch.stream.on('data', (d: Buffer) => upChunks.push(d.length));
            ch.stream.once('end', () => {
              ch.stream.write(Buffer.alloc(200_000, 7));
              ch.exit({ code: 0 });
            });
          }
        })(),
    });
    servers.push(server);
    const user = generateKeyPair();
    const c = await login(server, user.privateKey, userCA.sign(user.publicKey, 'user', ['alice']));
    const p = await c.exec('bulk');
    const downChunks: number[] = [];
    p.stdout.on('data', (d: Buffer) => downChunks.push(d.length));
    p.stdin.end(Buffer.alloc(200_000, 9));
    await p.exit;
    expect(upChunks).toEqual([200_000]);
    expect(downChunks).toEqual([200_000]);
  });
});

describe('refusals (decided by authenticate, with what the adapter hands it)', () => {
  const HOUR = 3600_000;
  const cases: { name: string; make(key: KeyObject): SSHCertificate; reason: RegExp }[] = [
    { name: 'a user certificate from a foreign CA', make: (k) => makeCA().sign(k, 'user', ['alice']), reason: /untrusted authority/ },
    {
      name: 'an expired certificate',
      make: (k) => userCA.sign(k, 'user', ['alice'], { validAfter: new Date(Date.now() - 2 * HOUR), validBefore: new Date(Date.now() - HOUR) }),
      reason: /expired/,
    },
    { name: 'a host certificate offered as a user certificate', make: (k) => userCA.sign(k, 'host', ['alice']), reason: /host certificate/ },
    { name: 'a principal not in the certificate', make: (k) => userCA.sign(k, 'user', ['bob']), reason: /principal "alice"/ },
  ];
  it.each(cases)('refuses $name', async ({ make, reason }) => {
    const seen: AuthContext[] = [];
    const server = await startServer('ed25519', seen);
    const user = generateKeyPair();
    const cert = make(user.publicKey);
    await expect(login(server, user.privateKey, cert)).rejects.toBeInstanceOf(AccessDeniedError);
    const ctx = seen.find((x) => x.cert)!;
    expect(ctx).toMatchObject({ username: 'alice', signatureOk: true, remoteAddress: '127.0.0.1' });
    expect(ctx.cert!.blob.equals(cert.blob)).toBe(true);
    expect(() => verifyCertificate(ctx.cert!, { trustedCAs: [userCA.blob], now: Date.now(), type: 'user', principal: 'alice' })).toThrow(reason);
  });

  it('reports signatureOk=false for a stolen certificate signed with another key', async () => {
    const seen: AuthContext[] = [];
    const server = await startServer('ed25519', seen);
    const victim = generateKeyPair();
    const stolen = userCA.sign(victim.publicKey, 'user', ['alice']);
    const attacker = generateKeyPair();
    // Present the victim's certificate while signing with the attacker's key.
    const { key } = toSSH2Key(attacker.privateKey);
    const forged = Object.create(key, {
      type: { value: `ssh-ed25519${CERT_SUFFIX}` },
      getPublicSSH: { value: () => stolen.blob },
    }) as ParsedKey;
    const c = new (await import('ssh2')).default.Client();
    const err = await new Promise<Error>((resolve) => {
      c.on('error', resolve);
      c.on('ready', () => resolve(new Error('logged in')));
      c.connect({ host: '127.0.0.1', port: server.address.port, username: 'alice', authHandler: [{ type: 'publickey', username: 'alice', key: forged as never }] as never });
    });
    c.end();
    expect(err.message).toMatch(/authentication methods failed/);
    const ctx = seen.find((x) => x.cert)!;
    expect(ctx.signatureOk).toBe(false);
    expect(ctx.cert!.publicKey.equals(publicKeyToBlob(victim.publicKey))).toBe(true);
  });
});

describe('hostile traffic', () => {
  it('keeps serving after 500 garbage and half-open connections', async () => {
    const server = await startServer();
    const port = server.address.port;
    const junk = (i: number): Buffer =>
      i % 3 === 0
        ? randomBytes(1 + (i % 700))
        : i % 3 === 1
          ? Buffer.concat([Buffer.from('SSH-2.0-fuzz\r\n'), randomBytes(i % 2000)])
          : Buffer.from('SSH-2.0-fuzz\r\n');
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => {
          const i = batch * 50 + j;
          return new Promise<void>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write(junk(i));
              // Some hang up at once, the rest after the server had a moment to choke.
              if (i % 2 === 0) s.destroy();
              else setTimeout(() => s.destroy(), 20);
            });
            s.on('error', () => {});
            s.on('close', () => resolve());
          });
        }),
      );
    }
    const user = generateKeyPair();
    const c = await login(server, user.privateKey, userCA.sign(user.publicKey, 'user', ['alice']));
    expect(await run(c, 'echo alive')).toMatchObject({ code: 0, stdout: 'alive\n' });
  });
});
