/**
 * tctl in-process against a real cluster: status, tokens, nodes add, users, resource CRUD and
 * `auth export`, asserting the text a person reads. `auth sign` is in tctl-auth-sign.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinOf } from '../src/api/client/index.js';
import type { User } from '../src/api/types/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let c: TestCluster;
let pin: string;

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH } });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  c = await startCluster();
  const ping = await (await c.admin()).ping();
  pin = pinOf(ping.host_ca_certs[0]);
});
afterAll(async () => c?.close());

describe('tctl status and version', () => {
  it('prints the headless table with the cluster, version, CA rows and the CA pin', async () => {
    const r = await tctl('status');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^Cluster +test\.example\.com +$/);
    expect(lines[1]).toMatch(/^Version +\d+\.\d+\.\d+ +$/);
    for (const t of ['host', 'user', 'db', 'jwt']) expect(r.out).toMatch(new RegExp(`^${t} CA +never updated +$`, 'm'));
    expect(lines[lines.length - 1]).toBe(`CA pin   ${pin} `);
    // Every row is padded to the same first-column width, as Go's tabwriter does.
    expect(new Set(lines.map((l) => l.indexOf(l.trim().split(/ {2,}/)[1] ?? '')))).toHaveProperty('size', 1);
  });

  it('prints the version without touching the cluster', async () => {
    const cap = captureIO();
    expect(await runTctl(['-c', '/nonexistent/teleport.yaml', 'version'], cap.io)).toBe(0);
    expect(cap.out()).toMatch(/^Teleport v\d+\.\d+\.\d+ /);
  });
});

describe('tctl tokens and nodes add', () => {
  it('says there are no tokens on a fresh cluster', async () => {
    const r = await tctl('tokens', 'ls');
    expect(r).toMatchObject({ code: 0, out: 'No active tokens found.\n' });
  });

  it('prints the teleport start line with the role, token, CA pin and auth server', async () => {
    const r = await tctl('tokens', 'add', '--type=node', '--ttl=5m');
    expect(r.code).toBe(0);
    const token = /^The invite token: ([0-9a-f]{32})$/m.exec(r.out)![1];
    expect(r.out).toBe(
      [
        `The invite token: ${token}`,
        'This token will expire in 5 minutes.',
        '',
        'Run this on the new node to join the cluster:',
        '',
        '> teleport start \\',
        '   --roles=node \\',
        `   --token=${token} \\`,
        `   --ca-pin=${pin} \\`,
        `   --auth-server=${c.authAddr}`,
        '',
        'Please note:',
        '',
        '  - This invitation token will expire in 5 minutes',
        `  - ${c.authAddr} must be reachable from the new node`,
        '',
      ].join('\n'),
    );
  });

  it('takes --value, --labels and --format', async () => {
    expect(await tctl('tokens', 'add', '--type=node,proxy', '--value=mytoken1', '--labels=env=prod', '--format=text')).toMatchObject({ code: 0, out: 'mytoken1\n' });
    const j = await tctl('tokens', 'add', '--type=db', '--value=mytoken2', '--format=json');
    expect(JSON.parse(j.out)).toMatchObject({ token: 'mytoken2', roles: ['Db'] });
    const dup = await tctl('tokens', 'add', '--type=node', '--value=mytoken1');
    expect(dup.code).toBe(1);
    expect(dup.err).toBe('ERROR: failed to create token ("mytoken1" already exists), please use another name\n');
  });

  it('lists tokens in the Token | Type | Labels | Expiry Time (UTC) table and removes them', async () => {
    const ls = await tctl('tokens', 'ls');
    expect(ls.code).toBe(0);
    const lines = ls.out.split('\n');
    expect(lines[0]).toMatch(/^Token +Type +Labels +Expiry Time \(UTC\) +$/);
    expect(lines[1]).toMatch(/^-+ -+ -+ -+ +$/);
    expect(ls.out).toMatch(/^mytoken1 +Node,Proxy +env=prod +\d\d [A-Z][a-z]{2} \d\d \d\d:\d\d UTC \((29m5\ds|30m0s)\) *$/m);
    const rm = await tctl('tokens', 'rm', 'mytoken1');
    expect(rm).toMatchObject({ code: 0, out: 'Token mytoken1 has been deleted\n' });
    expect((await tctl('tokens', 'ls')).out).not.toContain('mytoken1');
    expect((await tctl('tokens', 'rm', 'mytoken1')).code).toBe(1);
  });

  it('accepts the older nodes add spelling', async () => {
    const r = await tctl('nodes', 'add', '--roles=proxy', '--ttl=5m');
    expect(r.code).toBe(0);
    expect(r.out).toContain('   --roles=proxy \\\n');
    expect(r.out).toContain(`   --ca-pin=${pin} \\\n   --auth-server=${c.authAddr}\n`);
    const j = await tctl('nodes', 'add', '--format=json');
    expect(JSON.parse(j.out)).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
  });
});

describe('tctl users', () => {
  it('adds a user and prints the invite URL on the proxy address', async () => {
    const r = await tctl('users', 'add', 'alice', '--roles=access,editor', '--logins=ubuntu,root');
    expect(r.code).toBe(0);
    const url = new RegExp(`^https://${c.webAddr.replace(/\./g, '\\.')}/web/invite/[0-9a-f]{32}$`, 'm');
    expect(r.out).toMatch(url);
    const link = url.exec(r.out)![0];
    expect(r.out).toBe(
      'User "alice" has been created but requires a password. Share this URL with the user to complete user setup, link is valid for 1h:\n' +
        `${link}\n\nNOTE: Make sure ${c.webAddr} points at a Teleport proxy which users can access.\n`,
    );
    const u = await (await c.admin()).getResource<User>('user', 'alice');
    expect(u.spec.roles).toEqual(['access', 'editor']);
    expect(u.spec.traits.logins).toEqual(['ubuntu', 'root']);
  });

  it('refuses an existing user with the update hint, and a TTL over 48h', async () => {
    const r = await tctl('users', 'add', 'alice', '--roles=access');
    expect(r.code).toBe(1);
    expect(r.err).toContain('user "alice" already exists');
    expect(r.err).toContain('> tctl users update alice --set-roles access # replace roles');
    expect((await tctl('users', 'add', 'bob', '--roles=access', '--ttl=49h')).code).toBe(1);
    await expect((await c.admin()).getResource('user', 'bob')).rejects.toThrow();
  });

  it('supports the legacy positional logins form with the admin role', async () => {
    const r = await tctl('users', 'add', 'hoge', 'ubuntu,hoge');
    expect(r.code).toBe(0);
    expect(r.out).toContain('NOTE: Teleport 6.0 added RBAC in Open Source edition.');
    expect(r.out).toContain('Meanwhile we are going to assign user "hoge" to role "admin" created during migration.');
    expect(r.out).toMatch(/web\/invite\/[0-9a-f]{32}\n/);
    const u = await (await c.admin()).getResource<User>('user', 'hoge');
    expect(u.spec.roles).toEqual(['admin']);
    expect(u.spec.traits.logins).toEqual(['ubuntu', 'hoge']);
  });

  it('lists, updates, resets and removes users', async () => {
    const ls = await tctl('users', 'ls');
    expect(ls.out).toMatch(/^User +Roles +\n-+ -+ +\n/);
    expect(ls.out).toMatch(/^alice +access,editor +$/m);
    expect(ls.out).toMatch(/^hoge +admin +$/m);
    const up = await tctl('users', 'update', 'hoge', '--set-roles=access,auditor', '--set-logins=ec2-user');
    expect(up).toMatchObject({ code: 0, out: 'User hoge has been updated:\n\tNew roles: access,auditor\n\tNew logins: ec2-user\n' });
    const u = await (await c.admin()).getResource<User>('user', 'hoge');
    expect(u.spec.roles).toEqual(['access', 'auditor']);
    expect(u.spec.traits.logins).toEqual(['ec2-user']);
    const reset = await tctl('users', 'reset', 'alice', '--ttl=2h');
    expect(reset.out).toMatch(/^User "alice" has been reset\. Share this URL with the user to complete password reset, link is valid for 2h:\nhttps:\/\/.+\/web\/reset\/[0-9a-f]{32}\n/);
    const rm = await tctl('users', 'rm', 'alice,hoge');
    expect(rm).toMatchObject({ code: 0, out: 'User "alice" has been deleted\nUser "hoge" has been deleted\n' });
    expect(await tctl('users', 'ls')).toMatchObject({ out: 'No users found\n' });
  });
});

describe('tctl auth export', () => {
  it('prints CA keys as authorized_keys and known_hosts lines, and TLS CAs as PEM', async () => {
    const host = await tctl('auth', 'export', '--type=host');
    expect(host.out).toMatch(/^@cert-authority \*\.test\.example\.com ssh-ed25519 [A-Za-z0-9+/=]+ type=host\n$/);
    const user = await tctl('auth', 'export', '--type=user');
    expect(user.out).toMatch(/^cert-authority ssh-ed25519 [A-Za-z0-9+/=]+ clustername=test\.example\.com&type=user\n$/);
    expect((await tctl('auth', 'export')).out).toBe(host.out + user.out);
    const ping = await (await c.admin()).ping();
    expect((await tctl('auth', 'export', '--type=tls-host')).out.trim()).toBe(ping.host_ca_certs[0].trim());
    expect((await tctl('auth', 'export', '--type=tls')).out.trim()).toBe(ping.host_ca_certs[0].trim());
    for (const t of ['tls-user', 'db']) {
      const r = await tctl('auth', 'export', `--type=${t}`);
      expect(r.out).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
      expect(r.out.trim()).not.toBe(ping.host_ca_certs[0].trim());
    }
  });
});
