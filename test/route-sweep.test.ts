// Every auth API route that reads a body, called by the cluster admin, and every web API route that
// reads one, called by an editor, with hostile bodies: each answer is a typed error or a success,
// never a 500 (issue 17 item 7's sweep).
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientCredentials } from '../src/api/client/index.js';
import { ROUTES } from '../src/auth/routes.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const BODIES = ['null', '[]', '1', '"text"', 'true', '{}', '{"a":{"b":[null]}}', '{', '{"token":null,"node":null,"tracker":[],"events":"x","user":{},"public_key":7}'];

function call(addr: string, creds: ClientCredentials, method: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: Number(port), method, path, key: creds.keyPem, cert: creds.certPem, rejectUnauthorized: false, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A web API request with `agent`'s cookies and bearer token and a raw body. */
function webCall(addr: string, agent: WebAgent, method: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const [host, port] = addr.split(':');
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const headers = { cookie, authorization: `Bearer ${agent.bearer}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host, port: Number(port), method, path, rejectUnauthorized: false, agent: false, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('auth API routes with hostile bodies', () => {
  let c: TestCluster;
  let creds: ClientCredentials;
  let editor: WebAgent;
  beforeAll(async () => {
    c = await startCluster();
    creds = await c.adminCredentials();
    editor = new WebAgent(c);
    await inviteUser(c, 'ed', ['editor'], ['ed'], 'correct horse battery', { agent: editor, browser: true });
  });
  afterAll(async () => c?.close());

  it('auth API routes answer a typed error, never 500', async () => {
    const failures: string[] = [];
    for (const route of ROUTES.filter((r) => r.body || r.rawBody)) {
      const path = route.path.replace(/:(\w+)\*?/g, 'sweep-x');
      for (const body of BODIES) {
        const r = await call(c.authAddr, creds, route.method, path, body);
        if (r.status >= 500) failures.push(`${route.method} ${route.path} ${body}: ${r.status} ${r.text}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('auth API routes without a body answer hostile paths and queries with a typed error, never 500', async () => {
    const failures: string[] = [];
    const queries = ['', '?limit=-1&startKey=%25ZZ&from=yesterday&to=&event=&order=sideways', '?kinds=,,,&with_secrets=maybe&force=2', '?limit=99999999999999999999&startKey=' + 'A'.repeat(5000)];
    for (const route of ROUTES.filter((r) => !r.body && !r.rawBody && !r.path.includes('watch'))) {
      for (const segment of ['sweep-x', '%00', '..', 'a%2Fb', 'x'.repeat(3000)]) {
        const path = route.path.replace(/:(\w+)\*?/g, segment);
        for (const q of queries) {
          const r = await call(c.authAddr, creds, route.method, path + q, '');
          if (r.status >= 500) failures.push(`${route.method} ${path.slice(0, 80)}${q.slice(0, 60)}: ${r.status} ${r.text}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('web API routes answer a typed error, never 500', async () => {
    // Routes without a session are rate limited (40 a burst): they get fewer bodies.
    const routes: Array<[string, string, boolean]> = [
      ['POST', '/webapi/users', false],
      ['PUT', '/webapi/users', false],
      ['POST', '/webapi/users/password/token', false],
      ['POST', '/webapi/roles', false],
      ['PUT', '/webapi/roles/sweep-x', false],
      ['POST', '/webapi/token', false],
      ['POST', '/webapi/host/credentials', false],
      ['PUT', '/webapi/users/password/token', true],
      ['POST', '/webapi/ssh/certs', true],
      ['POST', '/webapi/mfa/token/sweep-x/registerchallenge', true],
    ];
    const failures: string[] = [];
    for (const [method, path, limited] of routes) {
      for (const body of limited ? ['null', '[]', '"text"', '{"user":{},"pass":[],"token":7}'] : BODIES) {
        const r = await webCall(c.webAddr, editor, method, path, body);
        if (r.status >= 500) failures.push(`${method} ${path} ${body}: ${r.status} ${r.text}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
