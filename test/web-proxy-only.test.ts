// The web UI on a proxy without an auth server in its process: a second teleport process running
// only the proxy joins the cluster, and a browser's calls to it (invite sign-up, login with TOTP,
// the user's context, nodes, admin pages, audit log, a terminal on the node, a recording, logout)
// go to auth over the auth API: web sessions with the proxy's host identity, everything else with
// the user's own certificate. Web sessions live in the cluster's backend, so both proxies accept
// them. Users and nodes may not touch web sessions through the auth API.
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { AuthClient } from '../src/api/client/index.js';
import { AccessDeniedError } from '../src/api/errors.js';
import { ENVELOPE, decodeEnvelope, encodeEnvelope } from '../src/api/web-terminal.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, startProxy, type TestCluster, type TestProxy } from './helpers/cluster.js';
import { WebAgent, inviteUser, waitForNode } from './helpers/web-http.js';

const PASSWORD = 'correct horse battery';
const me = userInfo().username;

/** Collects a terminal socket's output and text frames. */
function terminal(ws: WebSocket) {
  const texts: string[] = [];
  let out = '';
  let closed = false;
  let sid = '';
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return void texts.push(data.toString());
    const e = decodeEnvelope(new Uint8Array(data));
    if (e.type === ENVELOPE.raw) out += Buffer.from(e.payload).toString('utf8');
    if (e.type === ENVELOPE.session) sid = (JSON.parse(Buffer.from(e.payload).toString('utf8')) as { session: { id: string } }).session.id;
  });
  ws.on('close', () => (closed = true));
  const until = async (what: string, check: () => boolean) => {
    const end = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output ${JSON.stringify(out)}, texts ${JSON.stringify(texts)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { until, output: () => out, sid: () => sid, closed: () => closed, type: (s: string) => ws.send(encodeEnvelope(ENVELOPE.raw, s)) };
}

describe('the web UI on a proxy-only process', () => {
  let c: TestCluster;
  let proxy: TestProxy;
  let secret: string;
  /** A browser talking to the proxy-only process. */
  const browser = () => new WebAgent({ ...c, webAddr: proxy.webAddr });
  let alice: WebAgent;
  let bob: WebAgent;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'split.test', nodename: 'split-node', ssh: 'labels: {env: split}' });
    await waitForNode(c, 'split-node');
    proxy = await startProxy(c, { nodename: 'lonely-proxy' });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await c?.close();
  });

  it('signs up from an invite link and lands logged in', async () => {
    alice = browser();
    secret = await inviteUser(c, 'alice', ['access', 'editor'], [me], PASSWORD, { agent: alice, browser: true });
    const ctx = await alice.call('GET', '/webapi/sites/split.test/context');
    expect(ctx.status).toBe(200);
    expect(ctx.json).toMatchObject({ userName: 'alice', logins: [me], userAcl: { roles: { create: true }, events: { list: true } } });
  });

  it('logs in with password and TOTP; a wrong code is refused with the reason', async () => {
    const bad = await browser().login('alice', PASSWORD, '000000');
    expect(bad.status).toBe(403);
    expect(bad.json).toEqual({ error: { message: 'invalid username, password or second factor' } });
    const a = browser();
    const ok = await a.login('alice', PASSWORD, totpCode(secret, Date.now() + 30_000));
    expect(ok.status).toBe(200);
    // The session is the cluster's: the other proxy accepts its cookie and bearer token too.
    const other = new WebAgent(c);
    for (const [k, v] of a.cookies) other.cookies.set(k, v);
    other.bearer = a.bearer;
    expect((await other.call('GET', '/webapi/sites/split.test/context')).json).toMatchObject({ userName: 'alice' });
  });

  it('lists nodes with the logins the roles allow, and answers admin pages as the user', async () => {
    const nodes = await alice.call('GET', '/webapi/sites/split.test/resources?kinds=node');
    expect(nodes.json.items).toEqual([expect.objectContaining({ hostname: 'split-node', tags: [{ name: 'env', value: 'split' }], sshLogins: [me] })]);
    // Every kind: the databases come from auth's db_server listing, asked with the user's certificate (none here).
    expect((await alice.call('GET', '/webapi/sites/split.test/resources')).json).toMatchObject({ totalCount: 1, items: [expect.objectContaining({ kind: 'node' })] });
    const users = await alice.call('GET', '/webapi/users');
    expect((users.json as unknown as { name: string }[]).map((u) => u.name)).toContain('alice');
    const role = await alice.call('POST', '/webapi/roles', { content: 'kind: role\nversion: v7\nmetadata:\n  name: ops\nspec:\n  allow:\n    logins: 5\n' });
    expect(role.status).toBe(400);
    expect(role.json).toMatchObject({ error: { field: 'spec.allow.logins', line: 7 } });
    const token = await alice.call('POST', '/webapi/token', { roles: ['Node'] });
    expect(token.json).toMatchObject({ roles: ['Node'], command: expect.stringContaining(`https://${proxy.webAddr}/scripts/`) });
    const script = await alice.call('GET', `/scripts/${String(token.json.id)}/install-node.sh`);
    // Accepted by auth (what the script then installs is tested in test/install-release.test.ts).
    expect(script.text).toMatch(/^#!/);
    expect(script.text).not.toContain('the join token is not valid');
    // The proxy asks auth (with its host identity) whether the token exists before serving a script.
    const unknown = await alice.call('GET', '/scripts/0123456789abcdef0123456789abcdef/install-node.sh');
    expect(unknown.text).toContain('the join token is not valid');
    expect(unknown.text).not.toContain('auth_token');
  });

  it("refuses what the user's roles do not allow: auth decides, with the user's certificate", async () => {
    bob = browser();
    await inviteUser(c, 'bob', ['access'], [me], PASSWORD, { agent: bob, browser: true });
    expect((await bob.call('GET', '/webapi/sites/split.test/context')).json).toMatchObject({ userName: 'bob', userAcl: { roles: { create: false } } });
    const roles = await bob.call('POST', '/webapi/roles', { content: 'kind: role\nversion: v7\nmetadata:\n  name: mine\nspec: {}\n' });
    expect(roles.status).toBe(403);
    const users = await bob.call('GET', '/webapi/users');
    expect(users.status).toBe(403);
    expect(users.json).toEqual({ error: { message: expect.stringMatching(/access denied/) } });
  });

  it('opens a terminal on the node, then replays its recording and finds its audit events', async () => {
    const t = terminal(alice.openTerminal('split.test', { server_id: 'split-node', login: me, term: { w: 80, h: 24 } }));
    await t.until('the session', () => t.sid() !== '');
    t.type('echo split-$((6*7))\n');
    await t.until('the echo', () => t.output().includes('split-42'));
    t.type('exit\n');
    await t.until('the end', () => t.closed());
    const sid = t.sid();

    let listed = false;
    for (let i = 0; i < 200 && !listed; i++) {
      const r = await alice.call('GET', '/webapi/sites/split.test/events/search/sessions');
      listed = (r.json.events as { sid: string }[]).some((e) => e.sid === sid);
      if (!listed) await new Promise((res) => setTimeout(res, 100));
    }
    expect(listed).toBe(true);
    const rec = await alice.call('GET', `/webapi/sites/split.test/sessions/${sid}/events`);
    expect(rec.status).toBe(200);
    expect(rec.headers['content-type']).toBe('application/x-ndjson');
    const events = rec.text.trim().split('\n').map((l) => JSON.parse(l) as { event: string; data?: string });
    expect(events[0].event).toBe('session.start');
    const printed = events.filter((e) => e.event === 'print').map((e) => Buffer.from(e.data!, 'base64').toString('utf8'));
    expect(printed.join('')).toContain('split-42');
    expect((await alice.call('GET', `/webapi/sites/split.test/sessions/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/events`)).status).toBe(404);

    const audit = await alice.call('GET', `/webapi/sites/split.test/events/search?include=session.start&limit=50`);
    expect((audit.json.events as { sid: string }[]).some((e) => e.sid === sid)).toBe(true);
  });

  it('logs out everywhere', async () => {
    const other = new WebAgent(c);
    for (const [k, v] of alice.cookies) other.cookies.set(k, v);
    other.bearer = alice.bearer;
    expect((await alice.call('DELETE', '/webapi/sessions/web')).status).toBe(200);
    expect((await alice.call('GET', '/webapi/sites/split.test/context')).status).toBe(401);
    expect((await other.call('GET', '/webapi/sites/split.test/context')).status).toBe(401);
  });

  it('keeps web sessions from users and nodes on the auth API', async () => {
    const admin = await c.admin();
    const cookie = JSON.parse(Buffer.from(bob.cookies.get('__Host-session')!, 'hex').toString()) as { user: string; sid: string };
    // Alice's own certificate, as `tsh` would hold it.
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateUserCerts({ username: 'alice', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const asAlice = new AuthClient({
      addr: c.authAddr,
      clusterName: 'split.test',
      credentials: { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: certs.tls, caPems: certs.tls_ca_certs },
    });
    await expect(asAlice.getWebSession('bob', cookie.sid)).rejects.toThrow(AccessDeniedError);
    await expect(asAlice.getWebSession('bob', cookie.sid)).rejects.toThrow('only proxies may create or read web sessions');
    await expect(asAlice.webSessionLogin({ user: 'alice', password: PASSWORD })).rejects.toThrow(AccessDeniedError);
    // Bad requests from a proxy are refused with what is missing, and change nothing.
    await expect(admin.webSessionLogin({ user: 'alice', password: '' })).rejects.toThrow('missing password');
    await expect(admin.getWebSession('alice', 'not-a-session')).rejects.toThrow(AccessDeniedError);
    await expect(admin.getWebSession('alice', cookie.sid)).rejects.toThrow(AccessDeniedError);
    expect((await admin.getWebSession('bob', cookie.sid)).user).toBe('bob');
  });
});
