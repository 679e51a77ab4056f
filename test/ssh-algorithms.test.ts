// teleport.yaml `ciphers`, `kex_algos` and `mac_algos` applied to the SSH listeners of a whole
// cluster (proxy and node), tsh still getting through, and a name we cannot offer refused at start.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;

/** The kex, cipher (server to client) and MAC (server to client) lists of the KEXINIT at `addr`. */
function serverOffer(addr: string): Promise<{ kex: string[]; ciphers: string[]; macs: string[] }> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const sock = connect(port, host, () => sock.write('SSH-2.0-probe\r\n'));
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      const packet = eol < 0 ? undefined : buf.subarray(eol + 2);
      if (!packet || packet.length < 4 || packet.length < 4 + packet.readUInt32BE(0)) return;
      const lists: string[][] = [];
      for (let off = 22, i = 0; i < 8; i++) {
        const len = packet.readUInt32BE(off);
        lists.push(packet.subarray(off + 4, off + 4 + len).toString().split(','));
        off += 4 + len;
      }
      sock.destroy();
      resolve({ kex: lists[0].filter((k) => !k.includes('@openssh.com') && !k.startsWith('ext-info')), ciphers: lists[3], macs: lists[5] });
    });
  });
}

describe('teleport.ciphers, kex_algos and mac_algos', () => {
  let c: TestCluster;
  let alice: TshUser;

  beforeAll(async () => {
    c = await startCluster({
      clusterName: 'algos.test',
      nodename: 'node-1',
      ssh: '',
      teleportExtra: 'ciphers: [aes256-ctr, chacha20-poly1305@openssh.com]\nkex_algos: [ecdh-sha2-nistp256]\nmac_algos: [hmac-sha2-512]',
    });
    await waitForNodes(c, ['node-1']);
    alice = await loginUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await c?.close();
  });

  it('are all the proxy and the node offer', async () => {
    for (const addr of [c.proxySSHAddr, c.nodeAddr!]) {
      expect(await serverOffer(addr)).toEqual({ kex: ['ecdh-sha2-nistp256'], ciphers: ['aes256-ctr', 'chacha20-poly1305@openssh.com'], macs: ['hmac-sha2-512'] });
    }
    const r = await alice.tsh(['ssh', '-l', me, 'node-1', 'echo through']);
    expect(r).toMatchObject({ code: 0, out: 'through\n' });
  });

  it('refuse to start with a cipher that cannot be offered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'algos-bad-'));
    try {
      const configPath = join(dir, 'teleport.yaml');
      await writeFile(
        configPath,
        [
          'version: v3',
          'teleport:',
          `  data_dir: ${join(dir, 'data')}`,
          '  log: {output: stderr, severity: ERROR}',
          '  ciphers: [aes128-gcm@openssh.com, arcfour]',
          'auth_service: {enabled: yes, listen_addr: 127.0.0.1:0, cluster_name: bad.test}',
          'proxy_service: {enabled: yes, web_listen_addr: 127.0.0.1:0, listen_addr: 127.0.0.1:0, tunnel_listen_addr: 127.0.0.1:0}',
          'ssh_service: {enabled: no}',
          '',
        ].join('\n'),
      );
      const p = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
      await expect(p.start()).rejects.toMatchObject({ code: 'bad_parameter', message: expect.stringMatching(/^cipher algorithm "arcfour" is not supported; supported algorithms: \[/) });
      await p.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
