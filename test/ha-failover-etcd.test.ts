// Auth failover on etcd, as in the HA tutorials: two auth servers with `storage: {type: etcd}` on one
// etcd (Debian's etcd-server on loopback), a proxy-only process and a node listing both, each a real
// `bin/teleport start` child. After `kill -9` of the first auth server, an SSH session opened before
// keeps working, and a password+TOTP login through the proxy, `tctl nodes ls` and a new `tsh ssh`
// still work through the second. Kept to one proxy and one node: the PostgreSQL variant
// (ha-failover.test.ts) covers two proxies.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { parseIdentityFile } from '../src/api/identity-file.js';
import type { Node } from '../src/api/types/node.js';
import { ADMIN_IDENTITY_FILE } from '../src/auth/index.js';
import { totpCode } from '../src/auth/totp.js';
import { etcdAvailable, startEtcd, type EtcdProcess } from '../src/backend/testing/etcd-process.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { spawnInPty } from './helpers/identity-user.js';
import { TELEPORT_BIN, startTeleportChild, type TeleportChild } from './helpers/teleport-child.js';
import { PASSWORD, runTshIn } from './helpers/tsh-user.js';

const me = userInfo().username;
const TSH = resolve('bin/tsh');
const TOKEN = randomBytes(16).toString('hex');
const CLUSTER = 'etcd-ha.test';

describe.skipIf(!existsSync(TELEPORT_BIN) || !etcdAvailable())('two auth servers on etcd, kill -9 of one', () => {
  let dir: string;
  let etcd: EtcdProcess | undefined;
  const children: TeleportChild[] = [];
  let auth1: TeleportChild;
  const authAddrs: string[] = [];
  let proxyWeb = '';
  let adminIdentity = '';

  const start = async (name: string, yaml: string[]) => {
    const c = await startTeleportChild(dir, name, yaml);
    children.push(c);
    return c;
  };
  const authYaml = (url: string) => [
    '  storage:',
    '    type: etcd',
    `    peers: [${url}]`,
    '    prefix: /teleport',
    '    insecure: true',
    'auth_service:',
    '  enabled: yes',
    `  cluster_name: ${CLUSTER}`,
    '  listen_addr: 127.0.0.1:0',
    `  tokens: ["proxy,node:${TOKEN}"]`,
    'proxy_service: {enabled: no}',
    'ssh_service: {enabled: no}',
  ];

  async function admin(addr: string): Promise<AuthClient> {
    const id = parseIdentityFile(await readFile(adminIdentity, 'utf8'));
    return new AuthClient({ addr, clusterName: CLUSTER, credentials: { keyPem: id.keyPem, certPem: id.tlsCert!, caPems: id.tlsCAs } });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tp-ha-etcd-'));
    etcd = await startEtcd();
    // The second auth server starts once the first has initialised the cluster in etcd.
    auth1 = await start('auth1', authYaml(etcd.url));
    authAddrs.push(await auth1.addr(/\[AUTH\]/));
    const auth2 = await start('auth2', authYaml(etcd.url));
    authAddrs.push(await auth2.addr(/\[AUTH\]/));
    adminIdentity = join(dir, 'auth2', 'data', ADMIN_IDENTITY_FILE);
    const joinYaml = [`  auth_token: ${TOKEN}`, `  auth_servers: [${authAddrs.join(', ')}]`, 'auth_service: {enabled: no}'];
    const proxy = await start('etcd-proxy', [
      ...joinYaml,
      'proxy_service:',
      '  enabled: yes',
      '  web_listen_addr: 127.0.0.1:0',
      '  listen_addr: 127.0.0.1:0',
      '  tunnel_listen_addr: 127.0.0.1:0',
      'ssh_service: {enabled: no}',
    ]);
    const node = await start('etcd-node', [...joinYaml, 'proxy_service: {enabled: no}', 'ssh_service:', '  enabled: yes', '  listen_addr: 127.0.0.1:0']);
    proxyWeb = await proxy.addr(/\[PROXY\]\s+Web proxy/);
    await node.addr(/\[NODE\]/);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
    await etcd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('after kill -9 of the first auth server: an open session, login through the proxy, tctl nodes ls and tsh ssh still work', async () => {
    // Both auth servers serve one cluster: a user created through the first is read through the second.
    const a1 = await admin(authAddrs[0]);
    await a1.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['access'], traits: { logins: [me] } } });
    const a2 = await admin(authAddrs[1]);
    const invite = await a2.createUserToken('alice', { type: 'invite' });
    const anon = new AuthClient({ addr: authAddrs[1], clusterName: CLUSTER, caPems: (await a2.ping()).host_ca_certs });
    const secret = (await anon.totpRegistration(invite.token)).secret;
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
    const deadline = Date.now() + 20_000;
    while (!(await a2.listNodes<Node>()).some((n) => n.spec.hostname === 'etcd-node')) {
      if (Date.now() > deadline) throw new Error('etcd-node did not register');
      await new Promise((r) => setTimeout(r, 100));
    }

    const home = await mkdtemp(join(tmpdir(), 'tsh-ha-etcd-'));
    try {
      const identity = join(home, 'alice.pem');
      const signed = captureIO({ env: {}, cwd: dir });
      expect(await runTctl(['auth', 'sign', '--user=alice', `--out=${identity}`, '-i', adminIdentity, `--auth-server=${authAddrs[1]}`], signed.io)).toBe(0);
      const open = spawnInPty(process.execPath, [TSH, '-i', identity, `--proxy=${proxyWeb}`, '--insecure', 'ssh', `${me}@etcd-node`], {
        cols: 100,
        rows: 30,
        env: { ...process.env, TELEPORT_HOME: home, TERM: 'xterm-256color', PS1: 'ha$ ' } as Record<string, string>,
      });
      open.p.write('echo before-$((20+3))\r');
      await open.until(/before-23/, 20_000);

      await auth1.kill9();

      open.p.write('echo after-$((40+2))\r');
      await open.until(/after-42/, 10_000);
      open.p.write('exit\r');
      expect(await open.exited).toBe(0);

      // The next TOTP period's code: the invite's may not be used twice.
      const login = await runTshIn(home, ['login', `--proxy=${proxyWeb}`, '--user=alice', '--insecure'], {
        stdin: `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`,
      });
      expect(login.err).not.toMatch(/error|cannot|refused/i);
      expect(login.code).toBe(0);

      const t = captureIO({ env: {}, cwd: dir });
      const code = await runTctl(['nodes', 'ls', '-i', adminIdentity, ...authAddrs.map((a) => `--auth-server=${a}`)], t.io);
      expect(t.err()).toBe('');
      expect(code).toBe(0);
      expect(t.out()).toContain('etcd-node');

      const ssh = await runTshIn(home, ['ssh', `${me}@etcd-node`, 'echo', 'still-here']);
      expect(ssh.err).toBe('');
      expect(ssh.out).toBe('still-here\n');
      expect(ssh.code).toBe(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
