// Hostile input against a real cluster's auth API and web listener (issue 17 items 2, 3, 5, 7): bodies
// refused before they are read or parsed, bounded by route, large role YAML parsed off the event loop,
// malformed paths answered 400 instead of 500 (or a crashed process), TLS limited to Teleport's
// suites, HSTS on TLS responses, and login endpoints rate limited per client IP.
import { generateKeyPairSync } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request, type RequestOptions } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient } from '../src/api/client/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const PASSWORD = 'correct horse battery';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error?: { code?: string; message?: string } } & Record<string, unknown>;
}

/**
 * One HTTPS request. `declared` sets content-length; only `sent` bytes of the body are written before
 * the answer is awaited (the rest never comes), so an answer proves the body was not waited for.
 */
function raw(addr: string, opts: RequestOptions & { body?: string; declared?: number; sent?: string }): Promise<RawResponse> {
  const [host, port] = addr.split(':');
  const { body, declared, sent, ...rest } = opts;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(rest.headers as Record<string, string>) };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    if (declared !== undefined) headers['content-length'] = declared;
    const req = request({ host, port: Number(port), rejectUnauthorized: false, agent: false, ...rest, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let json = {};
        try {
          json = JSON.parse(text) as object;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        if (!rest.agent) req.destroy();
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else if (sent !== undefined) req.write(sent);
    else req.end();
  });
}

/** Completes a TLS handshake offering only `ciphers` up to `maxVersion`; resolves with the suite or the error. */
function handshake(addr: string, ciphers: string, maxVersion: 'TLSv1.2' | 'TLSv1.1' = 'TLSv1.2'): Promise<string> {
  const [host, port] = addr.split(':');
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port: Number(port), rejectUnauthorized: false, ciphers, maxVersion, minVersion: maxVersion === 'TLSv1.1' ? 'TLSv1.1' : 'TLSv1.2' }, () => {
      resolve(s.getCipher().standardName);
      s.destroy();
    });
    s.on('error', (err) => resolve(`refused: ${err.message}`));
  });
}

describe('hostile input', () => {
  let c: TestCluster;
  let admin: AuthClient;
  let mallory: WebAgent;
  let editor: WebAgent;

  beforeAll(async () => {
    c = await startCluster();
    admin = await c.admin();
    mallory = new WebAgent(c);
    await inviteUser(c, 'mallory', ['access'], ['mallory'], PASSWORD, { agent: mallory, browser: true });
    editor = new WebAgent(c);
    await inviteUser(c, 'ed', ['editor'], ['ed'], PASSWORD, { agent: editor, browser: true });
  });
  afterAll(async () => c?.close());

  describe('auth API', () => {
    it('answers a malformed percent-encoding in the path with 400 naming it', async () => {
      const r = await raw(c.authAddr, { path: '/v1/usertokens/%E0%A4%A' });
      expect(r.status).toBe(400);
      expect(r.json.error).toEqual({ code: 'bad_parameter', message: 'malformed percent-encoding in the path segment "%E0%A4%A"' });
    });

    it('refuses a caller without a certificate before reading its body', async () => {
      const r = await raw(c.authAddr, { method: 'POST', path: '/v1/resources', declared: 1024 * 1024, sent: '{"kind":"role",' });
      expect(r.status).toBe(403);
      expect(r.json.error?.code).toBe('access_denied');
    });

    it('refuses a user whose roles create nothing before reading a resource body', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const certs = await admin.generateUserCerts({ username: 'mallory', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ttl_ms: 600_000 });
      const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const r = await raw(c.authAddr, { method: 'POST', path: '/v1/resources', key, cert: certs.tls, declared: 4 * 1024 * 1024, sent: '{"kind":"role",' });
      expect(r.status).toBe(403);
      expect(r.json.error).toEqual({ code: 'access_denied', message: 'access denied: the roles of user "mallory" allow creating no kind of resource' });
    });

    it('refuses a body past the route limit with 413 naming the limit, before reading it', async () => {
      const r = await raw(c.authAddr, { method: 'POST', path: '/v1/login/ssh', declared: 100 * 1024, sent: '{"user":"' });
      expect(r.status).toBe(413);
      expect(r.json.error).toEqual({ code: 'limit_exceeded', message: 'request body is larger than the limit of 64 KiB for POST /v1/login/ssh' });
    });

    it('refuses JSON nested past the structure bounds', async () => {
      const r = await raw(c.authAddr, { method: 'POST', path: '/v1/login/ssh', body: `{"user":${'['.repeat(40)}${']'.repeat(40)}}` });
      expect(r.status).toBe(400);
      expect(r.json.error?.message).toMatch(/^request body: user(\[0\])+ nests deeper than 32 levels$/);
    });
  });

  describe('TLS', () => {
    it('refuses CBC suites and TLS 1.1 on the web and auth ports, and speaks ECDHE with AES-GCM', async () => {
      for (const addr of [c.webAddr, c.authAddr]) {
        expect(await handshake(addr, 'ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA384')).toMatch(/^refused: /);
        expect(await handshake(addr, 'AES128-GCM-SHA256:AES256-SHA256')).toMatch(/^refused: /);
        expect(await handshake(addr, 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256', 'TLSv1.1')).toMatch(/^refused: /);
        expect(await handshake(addr, 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256')).toMatch(/^TLS_ECDHE_(RSA|ECDSA)_WITH_AES_128_GCM_SHA256$/);
      }
    });

    it('sends Strict-Transport-Security on the web UI and web API', async () => {
      for (const path of ['/web', '/web/login', '/webapi/ping']) {
        const r = await raw(c.webAddr, { path });
        expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      }
    });
  });

  describe('web API', () => {
    it('answers a malformed percent-encoding in the token path with 400', async () => {
      for (const path of ['/webapi/users/password/token/%E0%A4%A', '/v1/webapi/mfa/token/%ZZ/registerchallenge']) {
        const r = await raw(c.webAddr, { path, method: path.includes('mfa') ? 'POST' : 'GET' });
        expect(r.status).toBe(400);
        expect(r.json.error?.message).toMatch(/^malformed percent-encoding in the path segment "%(E0%A4%A|ZZ)"$/);
      }
    });

    it('answers malformed upgrade requests with 400 and keeps serving', async () => {
      for (const target of ['//[', '/v1/webapi/sites/%E0%A4%A/connect/ws']) {
        const answer = await new Promise<string>((resolve, reject) => {
          const [host, port] = c.webAddr.split(':');
          const s = tlsConnect({ host, port: Number(port), rejectUnauthorized: false }, () => {
            s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
          });
          let text = '';
          s.on('data', (d: Buffer) => (text += d.toString()));
          s.on('end', () => resolve(text));
          s.on('error', reject);
        });
        expect(answer).toMatch(/^HTTP\/1\.1 400 /);
        expect(answer).toMatch(/malformed/);
      }
      expect((await raw(c.webAddr, { path: '/webapi/ping' })).status).toBe(200);
    });

    it('refuses an access user posting a role before reading the body', async () => {
      const cookie = [...mallory.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const r = await raw(c.webAddr, {
        method: 'POST',
        path: '/webapi/roles',
        headers: { cookie, authorization: `Bearer ${mallory.bearer}`, 'content-type': 'application/json' },
        declared: 1024 * 1024 - 1,
        sent: '{"content":"kind: role\\n',
      });
      expect(r.status).toBe(403);
      expect(r.json.error?.message).toBe('access denied to perform action "create" on "role"');
    });

    it('refuses a body past 1 MiB with 413 and an alias bomb with 400', async () => {
      const cookie = [...editor.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const headers = { cookie, authorization: `Bearer ${editor.bearer}`, 'content-type': 'application/json' };
      const big = await raw(c.webAddr, { method: 'POST', path: '/webapi/roles', headers, declared: 2 * 1024 * 1024, sent: '{' });
      expect(big.status).toBe(413);
      expect(big.json.error?.message).toBe('request body is larger than the limit of 1 MiB for POST /webapi/roles');
      const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'kind: role'].join('\n');
      const r = await editor.call('POST', '/webapi/roles', { content: bomb });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ message: 'document 1: the document expands too many aliases (at most 100 alias expansions are allowed)' });
    });

    it('answers other requests while a megabyte of role YAML is parsed, then refuses it naming the field', async () => {
      const labels = Array.from({ length: 55_000 }, (_, i) => `      l${i}: v`).join('\n');
      const content = `kind: role\nversion: v7\nmetadata:\n  name: big\nspec:\n  allow:\n    node_labels:\n${labels}\n`;
      expect(content.length).toBeGreaterThan(800_000);
      // Pings on one kept-alive connection, opened before: no handshakes while the role is parsed.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      expect((await raw(c.webAddr, { path: '/webapi/ping', agent })).status).toBe(200);
      let hostileDone = false;
      const hostile = editor.call('POST', '/webapi/roles', { content }).finally(() => (hostileDone = true));
      // Give the body time to arrive; before the fix the parse then held the event loop for seconds.
      await new Promise((r) => setTimeout(r, 200));
      const answeredWhileParsing: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        const ping = await raw(c.webAddr, { path: '/webapi/ping', agent });
        expect(ping.status).toBe(200);
        answeredWhileParsing.push(!hostileDone);
      }
      agent.destroy();
      const r = await hostile;
      expect(answeredWhileParsing).toEqual([true, true, true]);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ message: 'document 1: spec.allow.node_labels has 55000 entries, more than the limit of 10000 (at line 8, column 7)' });
    });
  });

  describe('audit and rate limits', () => {
    it('stores a bounded user name for a failed login with a huge one', async () => {
      const user = `x${'u'.repeat(60_000)}`;
      const r = await new WebAgent(c).login(user, 'wrong password!!', '');
      expect(r.status).toBe(403);
      const events = await admin.searchEvents({ types: ['user.login'], limit: 100 });
      const mine = events.events.find((e) => typeof e.user === 'string' && e.user.startsWith('xuuu'));
      expect(mine?.user).toBe(`x${'u'.repeat(4095)}…[truncated ${60_001 - 4096} characters]`);
    });

    it('rate limits token lookups per client IP on the auth API and the web listener (20 a minute, bursts of 40)', async () => {
      for (const addr of [c.authAddr, c.webAddr]) {
        const path = addr === c.authAddr ? '/v1/usertokens/0123456789abcdef' : '/webapi/users/password/token/0123456789abcdef';
        const statuses: number[] = [];
        for (let i = 0; i < 45 && !statuses.includes(429); i++) statuses.push((await raw(addr, { path })).status);
        expect(statuses.at(-1)).toBe(429);
        // Earlier tests spent a few of each listener's 40 tokens.
        expect(statuses.length).toBeGreaterThan(30);
        expect(statuses.length).toBeLessThanOrEqual(41);
        const last = await raw(addr, { path });
        expect(last.json.error?.message).toMatch(/^too many requests from 127\.0\.0\.1: login, registration and invite endpoints take at most 20 requests per 60 s \(bursts of 40\); try again later$/);
      }
      // Host joins through the proxy pay for refusals: an address out of tokens is refused too.
      const join = await raw(c.webAddr, { method: 'POST', path: '/webapi/host/credentials', body: JSON.stringify({ token: 'guess', host_id: 'h', node_name: 'n', role: 'Node', public_key: 'x' }) });
      expect(join.status).toBe(429);
      // A cluster member's own calls are not limited.
      expect((await admin.ping()).cluster_name).toBe(c.clusterName);
    });
  });
});
