/**
 * Fuzzing the auth API's request decoding on a real auth server (port 0, SQLite in a temp dir):
 * requests to every route of its route table, as the cluster's admin identity and without a client
 * certificate, with hostile path segments, query strings and JSON bodies. Each is answered before a
 * deadline, never with a 5xx, an error answer is typed JSON for a person, and a refused write
 * leaves the cluster state as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from 'node:https';
import { ROUTES } from '../../src/auth/routes.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { caseCount, fuzz, report, TEST_TIMEOUT_MS, type Rand } from './harness.js';
import { HOSTILE_JSON, SEGMENTS, StateSnapshot, agentFor, judgeExchange, newCounts, mutateBody, query, send, type Exchange, type KnownFinding } from './http-fuzz.js';

let c: TestCluster;
let admin: Agent;
let anonymous: Agent;
let state: StateSnapshot;

beforeAll(async () => {
  c = await startCluster({ clusterName: 'fuzz.test' });
  const creds = await c.adminCredentials();
  admin = agentFor({ key: creds.keyPem, cert: creds.certPem, ca: creds.caPems });
  anonymous = agentFor({ ca: creds.caPems });
  // A failed login or invite may count attempts; nothing else may change on a refusal.
  state = new StateSnapshot(c.dataDir, ['/web/users/', '/usertokens/', '/locks/', '/tokenbindings/']);
}, 60_000);

afterAll(async () => {
  admin?.destroy();
  anonymous?.destroy();
  state?.close();
  await c?.close();
});

/** Valid-looking bodies per route, the start of each mutated body. */
const BODIES: Record<string, unknown> = {
  'POST /v1/resources': { kind: 'role', version: 'v7', metadata: { name: 'fuzz' }, spec: { allow: { logins: ['root'], node_labels: { '*': '*' } } } },
  'POST /v1/tokens': { roles: ['node'], ttl_ms: 60_000 },
  'PUT /v1/nodes/heartbeat': { node: { kind: 'node', version: 'v2', metadata: { name: 'n1' }, spec: { hostname: 'h', addr: '127.0.0.1:3022' } }, ttl_ms: 60_000 },
  'PUT /v1/proxies/heartbeat': { proxy: { kind: 'proxy', version: 'v2', metadata: { name: 'p1' }, spec: { hostname: 'p' } }, ttl_ms: 60_000 },
  'PUT /v1/sessions/trackers': { tracker: { kind: 'session_tracker', version: 'v1', metadata: { name: 's1' }, spec: { session_id: 's1', kind: 'ssh' } }, ttl_ms: 60_000 },
  'POST /v1/certs/user': { public_key: 'ssh-ed25519 AAAA', username: 'alice', ttl_ms: 60_000 },
  'POST /v1/certs/host': { public_key: 'ssh-ed25519 AAAA', host_id: 'h', node_name: 'n', role: 'Node' },
  'POST /v1/users/:name/token': { type: 'invite', ttl_ms: 60_000 },
  'POST /v1/events': { events: [{ event: 'session.start', code: 'T2000I', time: '2030-01-01T00:00:00Z' }] },
  'POST /v1/register': { token: 'abc', host_id: 'h', node_name: 'n', role: 'Node', public_ssh_key: 'ssh-ed25519 AAAA' },
  'POST /v1/login/ssh': { user: 'alice', password: 'wrong', pub_key: 'ssh-ed25519 AAAA', ttl_ms: 60_000 },
  'POST /v1/usertokens/:token/complete': { password: 'abc', otp: '123456' },
  'POST /v1/websessions': { user: 'alice', password: 'wrong' },
};
const FIELDS = ['kind', 'version', 'metadata', 'name', 'spec', 'roles', 'ttl_ms', 'token', 'user', 'password', 'public_key', 'host_id', 'role', 'node', 'events', '__proto__', 'x'];

/** Kinds a fuzzed write must not replace or delete: losing the CA or cluster name ends the test cluster, not a finding. */
const PROTECTED = /cert_authority|cluster_name|%63|ca\b/i;

/**
 * Findings in rooms other than this test's (see the fuzz section of the README); each is counted,
 * not failed, until fixed where it lives. Remove an entry once its fix lands.
 */
// Found here and since fixed where they live (c9fe2e9): a non-string role or MFA deviceType named
// "[object Object]", and a 500 for POST /v1/tokens with ttl_ms 1e308.
const KNOWN: KnownFinding[] = [];

const routes = ROUTES.filter((r) => !r.path.startsWith('/v1/watch'));

interface Case {
  ex: Exchange;
  as: 'admin' | 'anonymous';
  write: boolean;
}

function gen(rnd: Rand): Case {
  const route = rnd.pick(routes);
  const path = route.path.replace(/:([a-z_]+)\*?/gi, () => rnd.pick(SEGMENTS));
  const key = `${route.method} ${route.path}`;
  const headers: Record<string, string> = {};
  let body: Buffer | string | undefined;
  if (route.method !== 'GET' && route.method !== 'DELETE') {
    body = mutateBody(BODIES[key] ?? { x: rnd.pick(HOSTILE_JSON) }, rnd, FIELDS);
    headers['content-type'] = rnd.chance(0.9) ? 'application/json' : rnd.pick(['text/plain', 'application/x-www-form-urlencoded', '']);
  }
  return {
    ex: { method: route.method, path: path + query(rnd), headers, ...(body !== undefined && { body }) },
    as: rnd.chance(0.85) ? 'admin' : 'anonymous',
    write: route.method !== 'GET',
  };
}

describe('auth API request fuzz', () => {
  it('answers every request in time, never with a 5xx, and a refused write changes nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
    const counts = newCounts();
    await fuzz<Case>({
      name: 'auth-api',
      cases: 600,
      deadlineMs: 5000,
      gen,
      run: async (k) => {
        const { ex } = k;
        if (k.write && PROTECTED.test(`${ex.path} ${String(ex.body ?? '')}`)) return;
        const before = k.write ? state.take() : undefined;
        const answer = await send(k.as === 'admin' ? admin : anonymous, c.authAddr, ex);
        judgeExchange(ex, answer, KNOWN, state, before, counts);
      },
      show: (k) => `${k.as}: ${k.ex.method} ${k.ex.path} ${k.ex.body === undefined ? '' : JSON.stringify(String(k.ex.body).slice(0, 1500))}`,
    });
    report('auth-api', counts);
    expect(counts.ok).toBeGreaterThan(caseCount(20));
    expect(counts.writesApplied).toBeGreaterThan(caseCount(2));
    expect(counts.writesRefused).toBeGreaterThan(caseCount(100));
  });
});
