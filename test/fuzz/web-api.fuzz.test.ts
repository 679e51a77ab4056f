/**
 * Fuzzing the web API's request decoding on a real proxy web port (a test cluster on port 0): the
 * routes the web UI and `curl | bash` installers call, as a logged-in editor (cookie, bearer token
 * and CSRF pair, each sometimes missing) and as a stranger, with hostile path segments, query
 * strings and JSON bodies. Each is answered before a deadline, never with a 5xx, an error answer is
 * JSON with a message for a person, and a refused write leaves the cluster state as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from 'node:https';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { WebAgent, inviteUser } from '../helpers/web-http.js';
import { caseCount, fuzz, report, TEST_TIMEOUT_MS, type Rand } from './harness.js';
import { SEGMENTS, StateSnapshot, agentFor, judgeExchange, newCounts, mutateBody, query, send, type Exchange, type KnownFinding } from './http-fuzz.js';

let c: TestCluster;
let http: Agent;
let state: StateSnapshot;
let cookie = '';
let bearer = '';
const CSRF = 'c'.repeat(64);

beforeAll(async () => {
  c = await startCluster({ clusterName: 'webfuzz.test' });
  const browser = new WebAgent(c);
  await inviteUser(c, 'fuzzer', ['editor', 'access'], ['root'], 'correct horse battery', { agent: browser, browser: true });
  cookie = [...browser.cookies].filter(([k]) => k !== '__Host-grv_csrf').map(([k, v]) => `${k}=${v}`).join('; ');
  bearer = browser.bearer ?? '';
  http = agentFor();
  state = new StateSnapshot(c.dataDir, ['/web/users/', '/web/sessions/', '/usertokens/', '/locks/', '/tokenbindings/']);
}, 60_000);

afterAll(async () => {
  http?.destroy();
  state?.close();
  await c?.close();
});

/** Routes with the body each starts from (undefined: no body). `:x` segments are fuzzed. */
const ROUTES: [string, string, unknown?][] = [
  ['GET', '/webapi/ping'],
  ['GET', '/webapi/sites'],
  ['GET', '/webapi/sites/:site/context'],
  ['GET', '/webapi/sites/:site/nodes'],
  ['GET', '/webapi/sites/:site/resources'],
  ['GET', '/webapi/sites/:site/sessions'],
  ['GET', '/webapi/sites/:site/events/search'],
  ['GET', '/webapi/sites/:site/events/search/sessions'],
  ['GET', '/webapi/sites/:site/sessions/:sid/events'],
  ['GET', '/webapi/users'],
  ['POST', '/webapi/users', { name: 'bob', roles: ['access'], traits: { logins: ['bob'] } }],
  ['PUT', '/webapi/users', { name: 'bob', roles: ['access'] }],
  ['DELETE', '/webapi/users/:name'],
  ['POST', '/webapi/users/password/token', { name: 'bob', type: 'invite' }],
  ['PUT', '/webapi/users/password/token', { token: 'abc', password: 'cGFzcw==', second_factor_token: '123456' }],
  ['GET', '/webapi/roles'],
  ['POST', '/webapi/roles', { content: 'kind: role\nversion: v7\nmetadata:\n  name: fuzz\nspec:\n  allow:\n    logins: [root]\n' }],
  ['PUT', '/webapi/roles/:name', { content: 'kind: role\nversion: v7\nmetadata:\n  name: fuzz\nspec: {}\n' }],
  ['DELETE', '/webapi/roles/:name'],
  ['GET', '/webapi/tokens'],
  ['POST', '/webapi/token', { roles: ['Node'] }],
  ['DELETE', '/webapi/tokens'],
  ['POST', '/webapi/sessions/web', { user: 'alice', pass: 'wrong', second_factor_token: '123456' }],
  ['POST', '/webapi/mfa/token/:token/registerchallenge', { deviceType: 'totp' }],
  ['GET', '/scripts/install.sh'],
  ['GET', '/scripts/:token/install-node.sh'],
  ['GET', '/web/:page'],
  ['GET', '/:page'],
];
const FIELDS = ['name', 'roles', 'traits', 'content', 'token', 'password', 'user', 'pass', 'second_factor_token', 'type', 'deviceType', '__proto__', 'x'];

/** Our own user and the roles it stands on: deleting them ends the session the cases use, not a finding. */
const PROTECTED = /\/(fuzzer|editor|access)(\?|$)/;

/**
 * Findings in rooms other than this test's (see the fuzz section of the README); each is counted,
 * not failed, until fixed where it lives. Remove an entry once its fix lands.
 */
// Found here and since fixed where they live (c9fe2e9): a non-string role or MFA deviceType named
// "[object Object]", and a 500 for POST /v1/tokens with ttl_ms 1e308.
const KNOWN: KnownFinding[] = [];

interface Case {
  ex: Exchange;
  write: boolean;
}

function gen(rnd: Rand): Case {
  const [method, template, body] = rnd.pick(ROUTES);
  const prefix = template.startsWith('/webapi') && rnd.chance(0.2) ? '/v1' : '';
  const path = prefix + template.replace(/:([a-z]+)/g, (_m, name: string) => (name === 'site' && rnd.chance(0.6) ? 'webfuzz.test' : rnd.pick(SEGMENTS)));
  const headers: Record<string, string> = {};
  if (rnd.chance(0.85)) headers.cookie = `${cookie}; __Host-grv_csrf=${CSRF}`;
  if (rnd.chance(0.85)) headers.authorization = `Bearer ${rnd.chance(0.95) ? bearer : rnd.pick(['', 'x', bearer.slice(1)])}`;
  if (rnd.chance(0.9)) headers['x-csrf-token'] = CSRF;
  let payload: Buffer | string | undefined;
  if (body !== undefined) {
    payload = mutateBody(body, rnd, FIELDS);
    headers['content-type'] = rnd.chance(0.9) ? 'application/json' : rnd.pick(['text/plain', 'multipart/form-data', '']);
  }
  return { ex: { method, path: path + query(rnd), headers, ...(payload !== undefined && { body: payload }) }, write: method !== 'GET' };
}

describe('web API request fuzz', () => {
  it('answers every request in time, never with a 5xx, and a refused write changes nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
    const counts = newCounts();
    await fuzz<Case>({
      name: 'web-api',
      cases: 500,
      deadlineMs: 5000,
      gen,
      run: async (k) => {
        const { ex } = k;
        if (k.write && PROTECTED.test(ex.path.split('?')[0] + (ex.path.includes('?') ? '?' : ''))) return;
        const before = k.write ? state.take() : undefined;
        const answer = await send(http, c.webAddr, ex);
        judgeExchange(ex, answer, KNOWN, state, before, counts);
      },
      show: (k) => `${k.ex.method} ${k.ex.path} ${JSON.stringify(k.ex.headers)} ${k.ex.body === undefined ? '' : JSON.stringify(String(k.ex.body).slice(0, 1500))}`,
    });
    report('web-api', counts);
    expect(counts.ok).toBeGreaterThan(caseCount(20));
    expect(counts.writesApplied).toBeGreaterThan(caseCount(2));
    expect(counts.writesRefused).toBeGreaterThan(caseCount(50));
  });
});

