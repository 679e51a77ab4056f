// The web UI's API without a browser, against a real cluster with an in-process node: login with
// CSRF and TOTP, the session cookie and bearer token, lockout, renew and logout; the terminal
// websocket (Teleport's envelope protocol) running a command and following a resize; role
// validation errors with their line; install scripts; the static app and its redirects.
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ENVELOPE, decodeEnvelope, encodeEnvelope, resizePayload } from '../src/api/web-terminal.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser, waitForNode } from './helpers/web-http.js';

const PASSWORD = 'correct horse battery';
const me = userInfo().username;

/** Collects a terminal socket's frames: text status frames and decoded envelopes. */
function watch(ws: WebSocket) {
  const texts: string[] = [];
  const envs: { type: string; payload: string }[] = [];
  let closed = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) texts.push(data.toString());
    else {
      const e = decodeEnvelope(new Uint8Array(data));
      envs.push({ type: e.type, payload: Buffer.from(e.payload).toString('utf8') });
    }
  });
  ws.on('close', () => (closed = true));
  const output = () => envs.filter((e) => e.type === ENVELOPE.raw).map((e) => e.payload).join('');
  const until = async (what: string, check: () => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output so far: ${JSON.stringify(output())}, texts ${JSON.stringify(texts)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { texts, envs, output, until, closed: () => closed, send: (type: string, payload: string) => ws.send(encodeEnvelope(type, payload)) };
}

describe('web sessions and the web terminal', () => {
  let c: TestCluster;
  let secret: string;
  const alice = () => new WebAgent(c);
  let agent: WebAgent;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'web.test', nodename: 'web-node', ssh: 'labels: {env: test}' });
    await waitForNode(c, 'web-node');
    secret = await inviteUser(c, 'alice', ['access', 'editor'], [me], PASSWORD);
    await inviteUser(c, 'bob', ['access'], [me], PASSWORD);
  }, 60_000);
  afterAll(async () => c?.close());

  it('refuses a login without the CSRF token pair', async () => {
    const r = await alice().call('POST', '/webapi/sessions/web', { user: 'alice', pass: PASSWORD, second_factor_token: '000000' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: { message: expect.stringMatching(/CSRF/) } });
  });

  it('logs in with password and TOTP: bearer token plus an HttpOnly Secure cookie', async () => {
    agent = alice();
    const r = await agent.login('alice', PASSWORD, totpCode(secret, Date.now() + 30_000));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ type: 'Bearer', token: expect.stringMatching(/^[0-9a-f]{64}$/), sessionInactiveTimeout: 0 });
    expect(r.json.expires_in).toBeGreaterThan(500);
    const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((l) => l.startsWith('__Host-session='))!;
    expect(cookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(JSON.parse(Buffer.from(cookie.split(/[=;]/)[1], 'hex').toString())).toEqual({ user: 'alice', sid: expect.any(String) });
  });

  it('needs both the cookie and the bearer token', async () => {
    const ok = await agent.call('GET', '/webapi/sites/web.test/context');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ userName: 'alice', logins: [me], userAcl: { roles: { create: true }, users: { list: true } } });
    expect((await agent.call('GET', '/webapi/sites/web.test/context', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    const noCookie = new WebAgent(c);
    noCookie.bearer = agent.bearer;
    expect((await noCookie.call('GET', '/webapi/sites/web.test/context')).status).toBe(401);
    expect((await agent.call('GET', '/webapi/sites/other.cluster/context')).status).toBe(404);
  });

  it("lists nodes in Teleport's shape with the user's logins", async () => {
    const r = await agent.call('GET', '/webapi/sites/web.test/resources?kinds=node&search=env:+test');
    expect(r.status).toBe(200);
    const items = r.json.items as Record<string, unknown>[];
    expect(items).toEqual([
      expect.objectContaining({ kind: 'node', hostname: 'web-node', siteId: 'web.test', tags: [{ name: 'env', value: 'test' }], sshLogins: [me] }),
    ]);
    expect((await agent.call('GET', '/v1/webapi/sites/-current-/nodes?search=nothing-like-this')).json).toMatchObject({ items: [], totalCount: 0 });
  });

  it('runs a shell on the node over the terminal websocket and follows resizes', async () => {
    const ws = agent.openTerminal('web.test', { server_id: 'web-node', login: me, term: { w: 80, h: 24 } });
    const t = watch(ws);
    await t.until('the session', () => t.envs.some((e) => e.type === ENVELOPE.session));
    expect(JSON.parse(t.texts[0])).toEqual({ type: 'create_session_response', status: 'ok' });
    const meta = JSON.parse(t.envs.find((e) => e.type === ENVELOPE.session)!.payload);
    expect(meta.session).toMatchObject({ login: me, server_hostname: 'web-node', cluster_name: 'web.test' });
    t.send(ENVELOPE.raw, 'echo web-$((6*7))\n');
    await t.until('the echo', () => t.output().includes('web-42'));
    // The node adopted the session ID the proxy showed the browser (TELEPORT_SESSION): the
    // recording and the audit events carry it too.
    t.send(ENVELOPE.raw, 'echo "sid=$SSH_SESSION_ID."\n');
    await t.until('the session ID', () => t.output().includes(`sid=${meta.session.id}.`));
    t.send(ENVELOPE.resize, resizePayload(101, 33));
    // The node applies window-change asynchronously to the data that follows it (a known ordering gap,
    // see the issue notes): ask again until the new size shows, within the same time limit.
    t.send(ENVELOPE.raw, 'stty size\n');
    const asking = setInterval(() => t.send(ENVELOPE.raw, 'stty size\n'), 500);
    try {
      await t.until('the new size', () => t.output().includes('33 101'));
    } finally {
      clearInterval(asking);
    }
    t.send(ENVELOPE.raw, 'exit\n');
    await t.until('the end', () => t.closed());
    expect(t.envs.at(-1)?.type).toBe(ENVELOPE.close);
  });

  it('accepts the legacy access_token form and refuses a bad token', async () => {
    const legacy = watch(agent.openTerminal('web.test', { server_id: 'web-node', login: me, term: { w: 80, h: 24 } }, { legacy: true }));
    await legacy.until('the session', () => legacy.envs.some((e) => e.type === ENVELOPE.session));
    legacy.send(ENVELOPE.raw, 'exit\n');
    await legacy.until('the end', () => legacy.closed());

    const bad = watch(agent.openTerminal('web.test', { server_id: 'web-node', login: me, term: { w: 80, h: 24 } }, { token: 'f'.repeat(64) }));
    await bad.until('the refusal', () => bad.closed());
    expect(JSON.parse(bad.texts[0])).toEqual({ type: 'create_session_response', status: 'error', message: 'invalid token' });

    const q = new URLSearchParams({ params: JSON.stringify({ server_id: 'web-node', login: me, term: { w: 80, h: 24 } }) });
    const foreign = new WebSocket(`wss://${c.webAddr}/webapi/sites/web.test/connect/ws?${q}`, {
      rejectUnauthorized: false,
      origin: 'https://evil.example',
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const status = await new Promise<number>((resolve) => foreign.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);

    const denied = watch(agent.openTerminal('web.test', { server_id: 'web-node', login: 'no-such-login', term: { w: 80, h: 24 } }));
    await denied.until('the refusal', () => denied.closed());
    expect(denied.envs).toEqual([{ type: ENVELOPE.error, payload: `access denied to no-such-login connecting to web-node` }]);
  });

  it('shows which field of a role is wrong, with its line', async () => {
    const content = 'kind: role\nversion: v7\nmetadata:\n  name: broken\nspec:\n  allow:\n    logins: 5\n';
    const r = await agent.call('POST', '/webapi/roles', { content });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { message: expect.stringMatching(/^document 1 \(kind: role\): spec\.allow\.logins: /), field: 'spec.allow.logins', line: 7 } });
    const good = await agent.call('POST', '/webapi/roles', { content: content.replace('logins: 5', 'logins: [ops]') });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ id: 'role:broken', name: 'broken', content: expect.stringContaining('- ops') });
  });

  it('renews the session and logs out', async () => {
    const before = agent.bearer;
    const r = await agent.formPost('POST', '/webapi/sessions/web/renew', {});
    expect(r.status).toBe(200);
    agent.bearer = String(r.json.token);
    expect(agent.bearer).not.toBe(before);
    expect((await agent.call('GET', '/webapi/sites/web.test/context')).status).toBe(200);
    expect((await agent.call('DELETE', '/webapi/sessions/web')).status).toBe(200);
    expect(agent.cookies.has('__Host-session')).toBe(false);
    expect((await agent.call('GET', '/webapi/sites/web.test/context')).status).toBe(401);
  });

  it('ends the web sessions of a deleted user', async () => {
    const carolSecret = await inviteUser(c, 'carol', ['access'], [me], PASSWORD);
    const carol = new WebAgent(c);
    expect((await carol.login('carol', PASSWORD, totpCode(carolSecret, Date.now() + 30_000))).status).toBe(200);
    expect((await carol.call('GET', '/webapi/sites/web.test/context')).status).toBe(200);
    await (await c.admin()).deleteResource('user', 'carol');
    expect((await carol.call('GET', '/webapi/sites/web.test/context')).status).toBe(401);
  });

  it('explains the lockout after 5 failed logins', async () => {
    const bob = new WebAgent(c);
    const messages: string[] = [];
    for (let i = 0; i < 6; i++) messages.push(String(((await bob.login('bob', 'wrong password!', '123456')).json.error as { message: string }).message));
    expect(messages[0]).toBe('invalid username, password or second factor');
    expect(messages[4]).toMatch(/^bob has exceeded a maximum number of failed login attempts and is locked until /);
    expect(messages[5]).toMatch(/locked until/);
  });

  it('serves install scripts that are valid bash', async () => {
    const a = new WebAgent(c);
    const token = (await (await c.admin()).generateToken({ roles: ['node'] })).token;
    const plain = await a.call('GET', '/scripts/install.sh');
    const node = await a.call('GET', `/scripts/${token}/install-node.sh`);
    expect(plain.status).toBe(200);
    expect(node.status).toBe(200);
    // What they install (the release, its sha256, the token and CA pins) is tested with a real
    // release in test/install-release.test.ts; here only that both are scripts bash accepts.
    for (const s of [plain.text, node.text]) expect(spawnSync('bash', ['-n'], { input: s }).status).toBe(0);
  });

  // Issue 17 item 6: a token that does not exist used to get a real install script (HTTP 200) that
  // installed a node unable to join. As Teleport does, the answer is a script that says why and exits 1.
  it('answers install-node.sh for an unknown, malformed or non-node token with a script that refuses', async () => {
    const a = new WebAgent(c);
    const proxyOnly = (await (await c.admin()).generateToken({ roles: ['proxy'] })).token;
    const cases: [string, RegExp][] = [
      ['0123456789abcdef0123456789abcdef', /the join token is not valid: it does not exist or has expired/],
      ['bad;token', /the join token is not valid/],
      [proxyOnly, /the join token does not allow joining as a node \(it allows: Proxy\)/],
    ];
    for (const [token, reason] of cases) {
      const res = await a.call('GET', `/scripts/${encodeURIComponent(token)}/install-node.sh`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('auth_token');
      expect(res.text).not.toContain(token);
      const run = spawnSync('bash', [], { input: res.text, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(reason);
    }
  });

  it('redirects / to /web and serves the app with a CSRF token', async () => {
    const a = new WebAgent(c);
    const root = await a.call('GET', '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/web');
    const page = await a.call('GET', '/web/cluster/web.test/nodes');
    expect(page.status).toBe(200);
    const csrf = a.cookies.get('__Host-grv_csrf')!;
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
    expect(page.text).toContain(`<meta name="grv_csrf_token" content="${csrf}"`);
    expect(page.headers['cache-control']).toBe('no-store');
    const asset = /src="\/web\/(app\/[^"]+\.js)"/.exec(page.text)![1];
    const js = await a.call('GET', `/web/${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await a.call('GET', '/web/app/missing-0000.js')).status).toBe(404);
  });
});
