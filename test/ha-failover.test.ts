// Auth failover, as in the HA tutorials: two auth servers on one PostgreSQL database, two proxy-only
// processes listing both, and a node listing both, each a real `bin/teleport start` child process.
// After `kill -9` of the first auth server, an SSH session opened before keeps working, and a
// password+TOTP login through a proxy, `tctl nodes ls` with both --auth-server addresses and a new
// `tsh ssh` through the proxy still work.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { parseIdentityFile } from '../src/api/identity-file.js';
import type { Node } from '../src/api/types/node.js';
import { ADMIN_IDENTITY_FILE } from '../src/auth/index.js';
import { totpCode } from '../src/auth/totp.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { spawnInPty } from './helpers/identity-user.js';
import { PASSWORD, runTshIn } from './helpers/tsh-user.js';

const me = userInfo().username;
const TELEPORT = resolve('bin/teleport');
const TSH = resolve('bin/tsh');
const CONN = process.env.TEST_PG_CONN ?? 'postgresql://postgres@127.0.0.1:5432/test';
const DB = `ha_${process.pid}_${randomBytes(3).toString('hex')}`;
const TOKEN = randomBytes(16).toString('hex');
const CLUSTER = 'ha.test';

/** A `bin/teleport start -c <config>` child and the addresses its banner printed. */
interface Child {
  proc: ChildProcess;
  out(): string;
  addr(label: RegExp): Promise<string>;
}

async function sql(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: CONN });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

describe.skipIf(!existsSync(TELEPORT))('two auth servers on PostgreSQL, a proxy-only process, kill -9 of one auth server', () => {
  let dir: string;
  const children: Child[] = [];
  let auth1: Child;
  let authAddrs: string[] = [];
  const proxyWeb: string[] = [];
  let adminIdentity = '';

  function start(name: string, yaml: string[]): Promise<Child> {
    return (async () => {
      const d = join(dir, name);
      await mkdir(d, { recursive: true });
      const configPath = join(d, 'teleport.yaml');
      await writeFile(configPath, ['version: v2', 'teleport:', `  nodename: ${name}`, `  data_dir: ${join(d, 'data')}`, '  log: {output: stderr, severity: ERROR}', ...yaml, ''].join('\n'));
      const proc = spawn(process.execPath, [TELEPORT, 'start', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      const child: Child = {
        proc,
        out: () => out,
        async addr(label) {
          const deadline = Date.now() + 30_000;
          for (;;) {
            const m = new RegExp(`${label.source}.* on (\\S+?)\\.?\\n`).exec(out);
            if (m) return m[1];
            if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start: ${out}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        },
      };
      children.push(child);
      return child;
    })();
  }

  const storage = () => ['  storage:', '    type: postgresql', `    conn_string: ${CONN.replace(/\/[^/]*$/, `/${DB}`)}`];
  const authYaml = () => [
    ...storage(),
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
    dir = await mkdtemp(join(tmpdir(), 'tp-ha-'));
    await sql(`CREATE DATABASE ${DB}`);
    // The second auth server starts once the first has initialised the cluster in the shared database.
    auth1 = await start('auth1', authYaml());
    authAddrs.push(await auth1.addr(/\[AUTH\]/));
    const auth2 = await start('auth2', authYaml());
    authAddrs.push(await auth2.addr(/\[AUTH\]/));
    authAddrs = authAddrs.map((a) => a.replace(/^0\.0\.0\.0:/, '127.0.0.1:'));
    adminIdentity = join(dir, 'auth2', 'data', ADMIN_IDENTITY_FILE);
    const list = `[${authAddrs.join(', ')}]`;
    for (const name of ['ha-proxy1', 'ha-proxy2']) {
      const proxy = await start(name, [
        `  auth_token: ${TOKEN}`,
        `  auth_servers: ${list}`,
        'auth_service: {enabled: no}',
        'proxy_service:',
        '  enabled: yes',
        '  web_listen_addr: 127.0.0.1:0',
        '  listen_addr: 127.0.0.1:0',
        '  tunnel_listen_addr: 127.0.0.1:0',
        'ssh_service: {enabled: no}',
      ]);
      proxyWeb.push(await proxy.addr(/\[PROXY\]\s+Web proxy/));
    }
    const node = await start('ha-node', [
      `  auth_token: ${TOKEN}`,
      `  auth_servers: ${list}`,
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service:',
      '  enabled: yes',
      '  listen_addr: 127.0.0.1:0',
    ]);
    await node.addr(/\[NODE\]/);
  }, 90_000);

  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.proc.exitCode === null && c.proc.signalCode === null ? new Promise((r) => c.proc.once('exit', r)) : undefined)));
    await sql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('both auth servers serve one cluster: a user created through one is read through the other', async () => {
    const a1 = await admin(authAddrs[0]);
    await a1.createResource({ kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['access'], traits: { logins: [me] } } });
    const a2 = await admin(authAddrs[1]);
    expect(((await a2.getResource('user', 'alice')) as { metadata: { name: string } }).metadata.name).toBe('alice');
    expect((await a1.ping()).cluster_name).toBe(CLUSTER);
  });

  it('after kill -9 of the first auth server: an open session, login through a proxy, tctl nodes ls and tsh ssh still work', async () => {
    const a2 = await admin(authAddrs[1]);
    const invite = await a2.createUserToken('alice', { type: 'invite' });
    const anon = new AuthClient({ addr: authAddrs[1], clusterName: CLUSTER, caPems: (await a2.ping()).host_ca_certs });
    const secret = (await anon.totpRegistration(invite.token)).secret;
    await anon.completeUserToken({ token: invite.token, password: PASSWORD, otp_code: totpCode(secret, Date.now()) });
    // The node registered through whichever auth server answered.
    const deadline = Date.now() + 20_000;
    while (!(await a2.listNodes<Node>()).some((n) => n.spec.hostname === 'ha-node')) {
      if (Date.now() > deadline) throw new Error('ha-node did not register');
      await new Promise((r) => setTimeout(r, 100));
    }

    const home = await mkdtemp(join(tmpdir(), 'tsh-ha-'));
    const identity = join(home, 'alice.pem');
    const signed = captureIO({ env: {}, cwd: dir });
    const signCode = await runTctl(['auth', 'sign', '--user=alice', `--out=${identity}`, '-i', adminIdentity, `--auth-server=${authAddrs[1]}`], signed.io);
    expect(signed.err()).toBe('');
    expect(signCode).toBe(0);
    // A session through the first proxy, open across the kill.
    const open = spawnInPty(process.execPath, [TSH, '-i', identity, `--proxy=${proxyWeb[0]}`, '--insecure', 'ssh', `${me}@ha-node`], {
      cols: 100,
      rows: 30,
      env: { ...process.env, TELEPORT_HOME: home, TERM: 'xterm-256color', PS1: 'ha$ ' } as Record<string, string>,
    });
    open.p.write('echo before-$((20+3))\r');
    await open.until(/before-23/, 20_000);

    auth1.proc.kill('SIGKILL');
    await new Promise((r) => auth1.proc.once('exit', r));

    try {
      // Right after the kill, before the proxy's cache refresh notices: tsh reaches auth through the proxy.
      const ls = await runTshIn(home, ['-i', identity, `--proxy=${proxyWeb[0]}`, '--insecure', 'ls']);
      expect(ls.err).toBe('');
      expect(ls.out).toContain('ha-node');
      open.p.write('echo after-$((40+2))\r');
      await open.until(/after-42/, 10_000);
      open.p.write('exit\r');
      expect(await open.exited).toBe(0);

      // The next TOTP period's code: the invite's may not be used twice.
      const login = await runTshIn(home, ['login', `--proxy=${proxyWeb[1]}`, '--user=alice', '--insecure'], {
        stdin: `${PASSWORD}\n${totpCode(secret, Date.now() + 30_000)}\n`,
      });
      expect(login.err).not.toMatch(/error|cannot|refused/i);
      expect(login.code).toBe(0);

      const t = captureIO({ env: {}, cwd: dir });
      const code = await runTctl(['nodes', 'ls', '-i', adminIdentity, ...authAddrs.map((a) => `--auth-server=${a}`)], t.io);
      expect(t.err()).toBe('');
      expect(code).toBe(0);
      expect(t.out()).toContain('ha-node');

      const ssh = await runTshIn(home, ['ssh', `${me}@ha-node`, 'echo', 'still-here']);
      expect(ssh.err).toBe('');
      expect(ssh.out).toBe('still-here\n');
      expect(ssh.code).toBe(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
