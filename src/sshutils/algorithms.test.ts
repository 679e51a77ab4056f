// Pinned ciphers, key exchanges and MACs (teleport.yaml `ciphers`, `kex_algos`, `mac_algos`): what
// our server offers in its KEXINIT, what the OpenSSH client and our client can then negotiate, and
// the refusal of names ssh2 does not implement.
import type { KeyObject } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../sshca/index.js';
import { ssh2Algorithms } from './algorithms.js';
import { connectSSH } from './client.js';
import type { SSHServer } from './server.js';
import { certAuthenticator, makeCA, runSSH, sshArgs, sshFiles, testServer } from './testing/fixtures.js';

/** The name-lists of a server's KEXINIT (sent in the clear): kex, host keys, ciphers and MACs server -> client. */
function serverOffer(port: number): Promise<{ kex: string[]; ciphers: string[]; macs: string[] }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write('SSH-2.0-probe\r\n'));
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      const packet = eol < 0 ? undefined : buf.subarray(eol + 2);
      if (!packet || packet.length < 4 || packet.length < 4 + packet.readUInt32BE(0)) return;
      const lists: string[][] = [];
      // uint32 length, byte padding length, byte 20 (KEXINIT), 16 bytes of cookie, then name-lists.
      for (let off = 22, i = 0; i < 8; i++) {
        const len = packet.readUInt32BE(off);
        lists.push(packet.subarray(off + 4, off + 4 + len).toString().split(','));
        off += 4 + len;
      }
      sock.destroy();
      // kex, host key, cipher c2s, cipher s2c, mac c2s, mac s2c, ...
      resolve({ kex: lists[0], ciphers: lists[3], macs: lists[5] });
    });
  });
}

describe('pinned SSH algorithms', () => {
  const hostCA = makeCA();
  const userCA = makeCA();
  let files: Awaited<ReturnType<typeof sshFiles>>;
  let knownHosts: string;
  let identity: string;
  let user: { privateKey: KeyObject; cert: Buffer };
  let pinned: SSHServer;
  const servers: SSHServer[] = [];

  beforeAll(async () => {
    files = await sshFiles();
    knownHosts = await files.knownHostsCA(hostCA.blob);
    const key = generateKeyPair('ed25519');
    const cert = userCA.sign(key.publicKey, 'user', ['alice']);
    identity = await files.identity('id', key.privateKey, cert);
    user = { privateKey: key.privateKey, cert: cert.blob };
    const host = generateKeyPair('ed25519');
    pinned = await testServer({
      hostKey: host.privateKey,
      hostCert: hostCA.sign(host.publicKey, 'host', ['127.0.0.1']).blob,
      authenticate: certAuthenticator(userCA.blob),
      algorithms: { ciphers: ['chacha20-poly1305@openssh.com', 'aes256-ctr'], kex: ['ecdh-sha2-nistp256'], macs: ['hmac-sha2-512'] },
    });
    servers.push(pinned);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await files.cleanup();
  });

  it('offers only the pinned lists, in their order', async () => {
    const offer = await serverOffer(pinned.address.port);
    expect(offer.ciphers).toEqual(['chacha20-poly1305@openssh.com', 'aes256-ctr']);
    expect(offer.macs).toEqual(['hmac-sha2-512']);
    // ssh2 appends its protocol markers (ext-info, strict kex) to the key exchange list.
    expect(offer.kex.filter((k) => !k.includes('@openssh.com') && !k.startsWith('ext-info'))).toEqual(['ecdh-sha2-nistp256']);
  });

  it('lets OpenSSH in with a pinned cipher and key exchange, and not with others', async () => {
    const ok = await runSSH(['-o', 'Ciphers=aes256-ctr', '-o', 'MACs=hmac-sha2-512', '-o', 'KexAlgorithms=ecdh-sha2-nistp256', ...sshArgs(pinned, knownHosts, identity), 'echo in']);
    expect(ok.stdout).toBe('in\n');
    expect(ok.code).toBe(0);
    const cipher = await runSSH(['-o', 'Ciphers=aes128-gcm@openssh.com', ...sshArgs(pinned, knownHosts, identity), 'true']);
    expect(cipher.code).toBe(255);
    expect(cipher.stderr).toMatch(/no matching cipher/);
    const kex = await runSSH(['-o', 'KexAlgorithms=curve25519-sha256', ...sshArgs(pinned, knownHosts, identity), 'true']);
    expect(kex.code).toBe(255);
    expect(kex.stderr).toMatch(/no matching key exchange/);
  });

  it('has our client offer only its pinned lists', async () => {
    const base = { host: '127.0.0.1', port: pinned.address.port, username: 'alice', privateKey: user.privateKey, cert: user.cert, verifyHostKey: () => true };
    const c = await connectSSH({ ...base, algorithms: { ciphers: ['chacha20-poly1305@openssh.com'], kex: ['ecdh-sha2-nistp256'] } });
    c.close();
    await expect(connectSSH({ ...base, algorithms: { ciphers: ['aes128-gcm@openssh.com'] } })).rejects.toMatchObject({ code: 'connection_problem' });
  });

  it('keeps the defaults for absent or empty lists and refuses names ssh2 does not implement', () => {
    expect(ssh2Algorithms(undefined)).toEqual({});
    expect(ssh2Algorithms({ ciphers: [], kex: ['curve25519-sha256'] })).toEqual({ kex: ['curve25519-sha256'] });
    expect(() => ssh2Algorithms({ ciphers: ['aes128-gcm@openssh.com', 'rot13'] })).toThrow(/^cipher algorithm "rot13" is not supported; supported algorithms: \["aes128-gcm@openssh.com" /);
    expect(() => ssh2Algorithms({ kex: ['sntrup761x25519-sha512@openssh.com'] })).toThrow(/^KEX algorithm "sntrup761x25519-sha512@openssh.com" is not supported/);
    expect(() => ssh2Algorithms({ macs: ['umac-64@openssh.com'] })).toThrow(/^MAC algorithm "umac-64@openssh.com" is not supported/);
  });
});
