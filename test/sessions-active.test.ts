// Active sessions against a real cluster: while `tsh ssh node 'sleep 3'` runs, `tsh sessions ls`
// and the proxy's `GET /webapi/sites/:site/sessions` list it for its owner and for an auditor
// (session_tracker list/read), not for another user; once the session ends it is gone.
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionTracker } from '../src/api/types/index.js';
import type { WebActiveSession } from '../src/api/web-wire.js';
import { totpCode } from '../src/auth/totp.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { PASSWORD, loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const me = userInfo().username;

async function listed(u: TshUser): Promise<SessionTracker[]> {
  const r = await u.tsh(['sessions', 'ls', '--format=json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as SessionTracker[];
}

describe('tsh sessions ls', () => {
  let c: TestCluster;
  let alice: TshUser;
  let bob: TshUser;
  let carol: TshUser;
  let web: WebAgent;
  const webSessions = async (agent: WebAgent): Promise<WebActiveSession[]> => {
    const r = await agent.call('GET', '/v1/webapi/sites/sessions.test/sessions');
    expect(r.status).toBe(200);
    return (r.json as unknown as { sessions: WebActiveSession[] }).sessions;
  };

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'sessions.test', nodename: 'node-1', ssh: 'labels: {env: test}' });
    await waitForNodes(c, ['node-1']);
    alice = await loginUser(c, 'alice', ['access'], [me]);
    bob = await loginUser(c, 'bob', ['access'], [me]);
    carol = await loginUser(c, 'carol', ['auditor'], []);
    const secret = await inviteUser(c, 'dave', ['auditor'], [], PASSWORD);
    web = new WebAgent(c);
    expect((await web.login('dave', PASSWORD, totpCode(secret, Date.now()))).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await bob?.cleanup();
    await carol?.cleanup();
    await c?.close();
  });

  it('lists a running session to its owner and an auditor, not to others, and drops it at the end', async () => {
    const ssh = alice.tsh(['ssh', `${me}@node-1`, 'sleep 3']);
    let mine: SessionTracker[] = [];
    for (let i = 0; i < 50 && mine.length === 0; i++) {
      mine = await listed(alice);
      if (mine.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(mine).toHaveLength(1);
    const t = mine[0];
    expect(t.kind).toBe('session_tracker');
    expect(t.metadata.name).toBe(t.spec.session_id);
    expect(t.spec).toMatchObject({ kind: 'ssh', state: 'running', hostname: 'node-1', login: me, cluster_name: 'sessions.test', command: 'sleep 3' });
    expect(t.spec.participants.map((p) => p.user)).toEqual(['alice']);
    expect((await listed(carol)).map((x) => x.spec.session_id)).toEqual([t.spec.session_id]);
    expect(await listed(bob)).toEqual([]);
    const onWeb = await webSessions(web);
    expect(onWeb).toEqual([
      expect.objectContaining({ id: t.spec.session_id, kind: 'ssh', login: me, server_hostname: 'node-1', server_id: t.spec.host_id, cluster_name: 'sessions.test', command: 'sleep 3' }),
    ]);
    expect(onWeb[0].parties.map((p) => p.user)).toEqual(['alice']);
    expect((await new WebAgent(c).call('GET', '/v1/webapi/sites/sessions.test/sessions')).status).toBe(401);

    const table = await alice.tsh(['sessions', 'ls']);
    expect(table.out.split('\n')[0]).toMatch(/^ID +Kind +Created +Hostname +Address +Login +Reason +Command *$/);
    expect(table.out).toContain(t.spec.session_id);

    expect((await ssh).code).toBe(0);
    let after = await listed(carol);
    for (let i = 0; i < 50 && after.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await listed(carol);
    }
    expect(after).toEqual([]);
    expect(await webSessions(web)).toEqual([]);
  }, 30_000);
});
