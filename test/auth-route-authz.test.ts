// Every route of the auth API against every kind of caller, over real mutual TLS: a table of
// routes x identities generated from ROUTES (src/auth/routes.ts), so a route added without an
// expectation here fails this test. Each case lists who may call; everyone else must get 403
// access_denied, and those listed must not (they may still get 400/404 for the sample input).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthClient, ClientCredentials } from '../src/api/client/index.js';
import { ROUTES } from '../src/auth/routes.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

/** The callers: no certificate, the local admin, two nodes, a proxy, users with preset roles and with none. */
const WHO = ['none', 'admin', 'nodeSelf', 'nodeOther', 'proxy', 'access', 'editor', 'auditor', 'noRoles'] as const;
type Who = (typeof WHO)[number];
const AUTHENTICATED = WHO.filter((w) => w !== 'none');

const NODE_A = randomUUID();
const NODE_B = randomUUID();
const PROXY = randomUUID();
const SID = randomUUID();
const OTHER_SID = randomUUID();
const CLUSTER = 'authz.test';

/** One request to a route and who may make it. `allow: 'public'` for routes that need no certificate. */
interface Case {
  path: string;
  body?: unknown;
  raw?: Buffer;
  allow: readonly Who[] | 'public';
  /** A long-lived stream: only the status is read. */
  stream?: boolean;
  /** The refusal an allowed caller gets for the sample input itself (an unknown link), not for who it is. */
  inputRefusal?: RegExp;
}

const pubPem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const nodeRecord = (name: string, hostname: string, addr = '127.0.0.1:1') => ({ kind: 'node', version: 'v2', metadata: { name }, spec: { hostname, addr } });
const proxyRecord = { kind: 'proxy', version: 'v2', metadata: { name: PROXY }, spec: { hostname: 'proxy-p' } };
const tracker = (id: string, hostId: string) => ({
  kind: 'session_tracker',
  version: 'v1',
  metadata: { name: id },
  spec: { session_id: id, kind: 'ssh', state: 'running', host_id: hostId, hostname: 'node-a', login: 'root', participants: [{ user: 'alice', mode: 'peer' }] },
});
const summary = {
  sid: SID, proto: 'ssh', participants: ['access-user'], user: 'access-user', login: 'root', cluster_name: CLUSTER, server_id: NODE_A,
  server_hostname: 'node-a', session_start: new Date().toISOString(), session_stop: new Date().toISOString(), interactive: false,
};

/**
 * The expectations, by `METHOD path` exactly as in ROUTES. The generic resource routes carry a case
 * per kind that matters (secrets, join tokens, another host's record).
 */
function table(): Record<string, Case[]> {
  const hosts: Who[] = ['admin', 'nodeSelf', 'nodeOther', 'proxy'];
  return {
    'GET /v1/ping': [{ path: '/v1/ping', allow: 'public' }],
    'POST /v1/register': [{ path: '/v1/register', body: {}, allow: 'public' }],
    'GET /v1/usertokens/:token': [{ path: '/v1/usertokens/nope', allow: 'public' }],
    'POST /v1/usertokens/:token/totp': [{ path: '/v1/usertokens/nope/totp', allow: 'public' }],
    'POST /v1/usertokens/:token/complete': [{ path: '/v1/usertokens/nope/complete', body: {}, allow: 'public' }],
    'POST /v1/login/ssh': [{ path: '/v1/login/ssh', body: {}, allow: 'public' }],
    'GET /v1/whoami': [{ path: '/v1/whoami', allow: AUTHENTICATED }],
    'GET /v1/status': [{ path: '/v1/status', allow: AUTHENTICATED }],
    'GET /v1/resources/:kind': [
      { path: '/v1/resources/token', allow: ['admin', 'proxy', 'editor'] },
      { path: '/v1/resources/cert_authority?with_secrets=1', allow: ['admin', 'editor'] },
      { path: '/v1/resources/cert_authority', allow: AUTHENTICATED },
      { path: '/v1/resources/user', allow: ['admin', 'nodeSelf', 'nodeOther', 'proxy', 'editor'] },
    ],
    'GET /v1/resources/:kind/:name*': [
      { path: '/v1/resources/token/scratch-token', allow: ['admin', 'proxy', 'editor'] },
      { path: '/v1/resources/cert_authority/host?with_secrets=1', allow: ['admin', 'editor'] },
      { path: '/v1/resources/cluster_auth_preference/cluster-auth-preference', allow: AUTHENTICATED },
      // A user reads the roles they hold (the access user its role "access"), not others.
      { path: '/v1/resources/role/access', allow: ['admin', 'nodeSelf', 'nodeOther', 'proxy', 'editor', 'access'] },
      { path: '/v1/resources/role/editor', allow: ['admin', 'nodeSelf', 'nodeOther', 'proxy', 'editor'] },
    ],
    'POST /v1/resources': [
      // Node A's own record: node A itself; never node B or the proxy.
      { path: '/v1/resources?force=1', body: nodeRecord(NODE_A, 'node-a'), allow: ['admin', 'nodeSelf', 'editor'] },
      { path: '/v1/resources', body: nodeRecord(randomUUID(), 'ghost'), allow: ['admin', 'editor'] },
      { path: '/v1/resources?force=1', body: { kind: 'role', version: 'v7', metadata: { name: 'scratch' }, spec: { allow: {} } }, allow: ['admin', 'editor'] },
      { path: '/v1/resources?force=1', body: { kind: 'token', version: 'v2', metadata: { name: 'scratch-token' }, spec: { roles: ['Node'] } }, allow: ['admin', 'editor'] },
    ],
    'DELETE /v1/resources/:kind/:name*': [
      { path: `/v1/resources/node/${NODE_B}`, allow: ['admin', 'editor'] },
      { path: '/v1/resources/role/scratch', allow: ['admin', 'editor'] },
    ],
    'GET /v1/tokens': [{ path: '/v1/tokens', allow: ['admin', 'proxy', 'editor'] }],
    'POST /v1/tokens': [{ path: '/v1/tokens', body: { roles: ['node'] }, allow: ['admin', 'editor'] }],
    'DELETE /v1/tokens/:token': [{ path: '/v1/tokens/scratch-token', allow: ['admin', 'editor'] }],
    'GET /v1/nodes': [
      { path: '/v1/nodes', allow: AUTHENTICATED },
      { path: '/v1/nodes?host=node-a', allow: AUTHENTICATED },
    ],
    'PUT /v1/nodes/heartbeat': [{ path: '/v1/nodes/heartbeat', body: { node: nodeRecord(NODE_A, 'node-a') }, allow: ['admin', 'nodeSelf', 'editor'] }],
    // Every user's implicit role lists app, database and Kubernetes servers, as nodes.
    'GET /v1/servers/:kind': [{ path: '/v1/servers/app_server', allow: AUTHENTICATED }],
    // An app heartbeat of node A's agent: node A; editor manages app_server too.
    'PUT /v1/servers/:kind/heartbeat': [
      {
        path: '/v1/servers/app_server/heartbeat',
        body: { server: { kind: 'app_server', version: 'v3', metadata: { name: 'grafana' }, spec: { host_id: NODE_A, hostname: 'node-a' } } },
        allow: ['admin', 'nodeSelf', 'editor'],
      },
    ],
    'PUT /v1/proxies/heartbeat': [{ path: '/v1/proxies/heartbeat', body: { proxy: proxyRecord }, allow: ['admin', 'proxy'] }],
    'GET /v1/proxies': [{ path: '/v1/proxies', allow: AUTHENTICATED }],
    'DELETE /v1/proxies/:name': [{ path: `/v1/proxies/${PROXY}`, allow: ['admin', 'proxy'] }],
    'GET /v1/sessions/trackers': [{ path: '/v1/sessions/trackers', allow: AUTHENTICATED }],
    'PUT /v1/sessions/trackers': [{ path: '/v1/sessions/trackers', body: { tracker: tracker(SID, NODE_A) }, allow: ['admin', 'nodeSelf'] }],
    'DELETE /v1/sessions/trackers/:id': [{ path: `/v1/sessions/trackers/${SID}`, allow: ['admin', 'nodeSelf'] }],
    // max_connections leases: nodes for themselves (and the admin); a lease not held is 404.
    'POST /v1/semaphores/acquire': [{ path: '/v1/semaphores/acquire', body: { semaphore_kind: 'connection', semaphore_name: 'alice', max_leases: 5, holder: NODE_A, expires_ms: 60_000 }, allow: ['admin', 'nodeSelf'] }],
    'POST /v1/semaphores/renew': [{ path: '/v1/semaphores/renew', body: { semaphore_kind: 'connection', semaphore_name: 'alice', lease_id: 'none', expires_ms: 60_000 }, allow: ['admin', 'nodeSelf', 'nodeOther'] }],
    'POST /v1/semaphores/cancel': [{ path: '/v1/semaphores/cancel', body: { semaphore_kind: 'connection', semaphore_name: 'alice', lease_id: 'none' }, allow: ['admin', 'nodeSelf', 'nodeOther'] }],
    'POST /v1/certs/user': [{ path: '/v1/certs/user', body: { username: 'access-user', public_key: pubPem() }, allow: ['admin', 'access', 'editor'] }],
    'POST /v1/certs/host': [
      { path: '/v1/certs/host', body: { host_id: NODE_A, node_name: 'node-a', role: 'Node', public_key: pubPem() }, allow: ['admin', 'nodeSelf'] },
      // Node A asking for node B's name and UUID: only the administrator may issue that.
      { path: '/v1/certs/host', body: { host_id: NODE_A, node_name: 'node-b', additional_principals: [NODE_B], role: 'Node', public_key: pubPem() }, allow: ['admin'] },
      { path: '/v1/certs/host', body: { host_id: PROXY, node_name: 'proxy-p', role: 'Proxy', public_key: pubPem() }, allow: ['admin', 'proxy'] },
    ],
    // Database certificates: the admin (tctl auth sign --format=db), editors, and hosts for their database service's client certificates.
    'POST /v1/certs/db': [
      { path: '/v1/certs/db', body: { public_key: pubPem(), common_name: 'alice', ttl_ms: 60_000 }, allow: ['admin', 'nodeSelf', 'editor'] },
    ],
    'POST /v1/users/:name/token': [{ path: '/v1/users/noroles-user/token', body: { type: 'reset' }, allow: ['admin', 'editor'] }],
    'POST /v1/events': [
      { path: '/v1/events', body: { events: [{ event: 'session.start', code: 'T2000I', server_id: NODE_A }] }, allow: ['admin', 'nodeSelf'] },
      { path: '/v1/events', body: { events: [{ event: 'session.start', code: 'T2000I' }] }, allow: hosts },
    ],
    'GET /v1/events/search': [{ path: '/v1/events/search', allow: ['admin', 'proxy', 'access', 'auditor'] }],
    'GET /v1/recordings/config': [{ path: '/v1/recordings/config', allow: AUTHENTICATED }],
    'GET /v1/recordings': [{ path: '/v1/recordings', allow: AUTHENTICATED }],
    'PUT /v1/recordings/:sid/parts/:part': [{ path: `/v1/recordings/${randomUUID()}/parts/1`, raw: Buffer.from('x'), allow: ['admin', 'nodeSelf', 'nodeOther'] }],
    // Completing the recording of a session node A served: node A (nothing was uploaded: 400 for it).
    'POST /v1/recordings/:sid/complete': [{ path: `/v1/recordings/${OTHER_SID}/complete`, body: { parts: 1, summary: { ...summary, sid: OTHER_SID } }, allow: ['admin', 'nodeSelf'] }],
    // The recording of a session access-user took part in (made in beforeAll).
    'GET /v1/recordings/:sid/events': [{ path: `/v1/recordings/${SID}/events`, allow: ['admin', 'proxy', 'access', 'auditor'], stream: true }],
    'GET /v1/watch': [
      { path: '/v1/watch?kinds=node', allow: AUTHENTICATED, stream: true },
      { path: '/v1/watch?kinds=role', allow: ['admin', 'nodeSelf', 'nodeOther', 'proxy', 'editor'], stream: true },
    ],
    'POST /v1/websessions': [{ path: '/v1/websessions', body: {}, allow: ['admin', 'proxy'] }],
    'POST /v1/websessions/invite': [{ path: '/v1/websessions/invite', body: { token: 'nope' }, allow: ['admin', 'proxy'], inputRefusal: /^the link is invalid/ }],
    'GET /v1/websessions/:id': [{ path: '/v1/websessions/nope?user=access-user', allow: ['admin', 'proxy'], inputRefusal: /^your web session has expired/ }],
    'POST /v1/websessions/:id/renew': [{ path: '/v1/websessions/nope/renew', body: {}, allow: ['admin', 'proxy'] }],
    'DELETE /v1/websessions/:id': [{ path: '/v1/websessions/nope', allow: ['admin', 'proxy'] }],
    // App sessions (src/auth/app-sessions.ts): users create and end their own (an unknown app or session is 404/ok);
    // proxies read and end any; nodes neither. JWTs for apps: application agents (Node, App) and the admin.
    'POST /v1/appsessions': [{ path: '/v1/appsessions', body: { app_name: 'no-such-app' }, allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    // Every live app session: the proxies' watch-fed cache (and the admin).
    'GET /v1/appsessions': [{ path: '/v1/appsessions', allow: ['admin', 'proxy'] }],
    'GET /v1/appsessions/:id': [{ path: `/v1/appsessions/${'a'.repeat(64)}`, allow: ['admin', 'proxy', 'access', 'editor', 'auditor', 'noRoles'] }],
    'DELETE /v1/appsessions/:id': [{ path: `/v1/appsessions/${'a'.repeat(64)}`, allow: ['admin', 'proxy', 'access', 'editor', 'auditor', 'noRoles'] }],
    'POST /v1/apptokens': [{ path: '/v1/apptokens', body: {}, allow: ['admin', 'nodeSelf', 'nodeOther'] }],
    // SSO (src/auth/sso/routes.ts): the connector list is public; starting and completing logins is the proxy's (editors hold *_request rules too).
    'GET /v1/sso/connectors': [{ path: '/v1/sso/connectors', allow: 'public' }],
    'POST /v1/sso/:kind/requests': [{ path: '/v1/sso/github/requests', body: {}, allow: ['admin', 'proxy', 'editor'] }],
    'POST /v1/sso/:kind/callback': [{ path: '/v1/sso/github/callback', body: { params: { state: 'nope' } }, allow: ['admin', 'proxy'], inputRefusal: /state mismatch/ }],
    // MFA (src/auth/mfa-routes.ts): logins and links are public; a user's own devices are theirs alone (hosts have none).
    'POST /v1/usertokens/:token/webauthn': [{ path: '/v1/usertokens/nope/webauthn', body: {}, allow: 'public' }],
    'POST /v1/mfa/login/begin': [{ path: '/v1/mfa/login/begin', body: {}, allow: 'public' }],
    'POST /v1/mfa/login/finish': [{ path: '/v1/mfa/login/finish', body: {}, allow: 'public' }],
    'POST /v1/websessions/mfa': [{ path: '/v1/websessions/mfa', body: {}, allow: ['admin', 'proxy'] }],
    'GET /v1/mfa/devices': [{ path: '/v1/mfa/devices', allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    'POST /v1/mfa/devices/register': [{ path: '/v1/mfa/devices/register', body: { type: 'totp' }, allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    'POST /v1/mfa/devices': [{ path: '/v1/mfa/devices', body: {}, allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    'DELETE /v1/mfa/devices/:name': [{ path: '/v1/mfa/devices/nope', allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    'POST /v1/mfa/challenge': [{ path: '/v1/mfa/challenge', allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    'GET /v1/mfa/session-required': [{ path: '/v1/mfa/session-required', allow: ['access', 'editor', 'auditor', 'noRoles'] }],
    'POST /v1/certs/user/mfa': [{ path: '/v1/certs/user/mfa', body: { node: 'n', public_key: pubPem(), totp_code: '000000' }, allow: ['access', 'editor', 'auditor', 'noRoles'], inputRefusal: /^the TOTP code is not valid/ }],
  };
}

interface Answer {
  status: number;
  code?: string;
  message?: string;
}

describe('auth API: every route x every identity', () => {
  let c: TestCluster;
  let admin: AuthClient;
  const creds = new Map<Who, ClientCredentials | undefined>();

  /** One request as `who`; a stream is abandoned once its status arrived. */
  function call(who: Who, method: string, k: Case): Promise<Answer> {
    const cred = creds.get(who);
    const [host, port] = c.authAddr.split(':');
    const payload = k.raw ?? (k.body === undefined ? undefined : Buffer.from(JSON.stringify(k.body)));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host,
          port: Number(port),
          method,
          path: k.path,
          ca: (creds.get('admin') as ClientCredentials).caPems,
          ...(cred && { key: cred.keyPem, cert: cred.certPem }),
          checkServerIdentity: () => undefined,
          headers: { 'content-type': k.raw ? 'application/octet-stream' : 'application/json', ...(payload && { 'content-length': payload.length }) },
          agent: false,
        },
        (res) => {
          if (k.stream && res.statusCode === 200) {
            res.destroy();
            resolve({ status: 200 });
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let err: { code?: string; message?: string } | undefined;
            try {
              err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
            } catch {
              err = undefined;
            }
            resolve({ status: res.statusCode ?? 0, ...(err && { code: err.code, message: err.message }) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function hostCreds(hostId: string, nodeName: string, role: string): Promise<ClientCredentials> {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const public_key = k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const certs = await admin.generateHostCerts({ host_id: hostId, node_name: nodeName, role, public_key });
    return { keyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: certs.tls, caPems: certs.tls_ca_certs };
  }

  async function userCreds(name: string, roles: string[]): Promise<ClientCredentials> {
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits: { logins: ['root'] } } });
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const public_key = k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const certs = await admin.generateUserCerts({ username: name, public_key });
    return { keyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: certs.tls, caPems: certs.tls_ca_certs };
  }

  beforeAll(async () => {
    c = await startCluster({ clusterName: CLUSTER });
    admin = await c.admin();
    creds.set('none', undefined);
    creds.set('admin', await c.adminCredentials());
    creds.set('nodeSelf', await hostCreds(NODE_A, 'node-a', 'Node'));
    creds.set('nodeOther', await hostCreds(NODE_B, 'node-b', 'Node'));
    creds.set('proxy', await hostCreds(PROXY, 'proxy-p', 'Proxy'));
    creds.set('access', await userCreds('access-user', ['access']));
    creds.set('editor', await userCreds('editor-user', ['editor']));
    creds.set('auditor', await userCreds('auditor-user', ['auditor']));
    // A certificate names at least one role: this one grants nothing beyond the implicit role.
    await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'nothing' }, spec: { allow: {} } });
    creds.set('noRoles', await userCreds('noroles-user', ['nothing']));
    // Both nodes are registered, as in a running cluster.
    await admin.createResource(nodeRecord(NODE_A, 'node-a'), { force: true });
    await admin.createResource(nodeRecord(NODE_B, 'node-b'), { force: true });
    // Node A runs a database service (node B does not): only it may ask for database certificates.
    await admin.heartbeatAgentServer('db_server', { kind: 'db_server', version: 'v3', metadata: { name: 'pg' }, spec: { host_id: NODE_A, hostname: 'node-a' } }, 3_600_000);
    // A recording access-user took part in, for the playback route.
    await admin.uploadRecordingPart(SID, 1, Buffer.from('{}\n'));
    await admin.completeRecording(SID, { parts: 1, summary });
  }, 120_000);
  afterAll(async () => {
    await c?.close();
  });

  const expectations = table();

  it('has an expectation for every route, and none for a route that does not exist', () => {
    const routes = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => !expectations[r]), 'routes without an expectation in this table').toEqual([]);
    expect(Object.keys(expectations).filter((k) => !routes.includes(k)), 'expectations for routes that do not exist').toEqual([]);
  });

  for (const route of ROUTES) {
    const key = `${route.method} ${route.path}`;
    it(key, async () => {
      const cases = expectations[key];
      expect(cases, `${key} has no expectation: add it to the table in this file`).toBeDefined();
      for (const k of cases) {
        if (k.allow === 'public') {
          expect(route.public, `${key} is expected to be public`).toBe(true);
          const a = await call('none', route.method, k);
          expect(a.message ?? '', `${key} without a certificate`).not.toMatch(/client certificate/);
          continue;
        }
        expect(route.public ?? false, `${key} must not be public`).toBe(false);
        const allowed = new Set(k.allow);
        // Refusals first: an allowed call may change state (delete a record) that a refused one would otherwise not find.
        for (const who of [...WHO.filter((w) => !allowed.has(w)), ...WHO.filter((w) => allowed.has(w))]) {
          const a = await call(who, route.method, k);
          const what = `${route.method} ${k.path} as ${who}: HTTP ${a.status} ${a.code ?? ''} ${a.message ?? ''}`;
          if (allowed.has(who)) expect((a.status === 403 || a.status === 401) && !k.inputRefusal?.test(a.message ?? ''), what).toBe(false);
          else expect([a.status, a.code], what).toEqual([403, 'access_denied']);
        }
      }
    });
  }
});
