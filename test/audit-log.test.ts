// The audit log of a real cluster (auth + proxy + node in one process, a second node joined with a
// token, audit_events_uri = the cluster database and a file:// directory): logins that fail and
// succeed, tctl create role, a join, an exec through the proxy with `tsh -i` on the joined node,
// each with Teleport's codes and fields, searchable over the API by those allowed to (auditor) and
// not by others (editor); a node claiming another server_id is refused.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, SearchEventsQuery } from '../src/api/audit-wire.js';
import { AuthClient } from '../src/api/client/index.js';
import { AccessDeniedError, BadParameterError } from '../src/api/errors.js';
import { parseIdentityFile } from '../src/api/identity-file.js';
import type { Node } from '../src/api/types/node.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { auditEvent } from '../src/events/index.js';
import { identityPath } from '../src/service/index.js';
import { startCluster, startNode, type TestCluster, type TestNode } from './helpers/cluster.js';
import { loginUser, runTshIn, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;

describe('audit log of a cluster', () => {
  let c: TestCluster;
  let node2: TestNode;
  let node2Id: string;
  let admin: AuthClient;
  let alice: TshUser;
  let dir: string;
  let fileLog: string;
  const started = new Date(Date.now() - 1000).toISOString();

  /** Events matching `q` (admin), polling until `pred` finds one: node events arrive in the background. */
  async function find(q: SearchEventsQuery, pred: (e: AuditEvent) => boolean = () => true): Promise<AuditEvent> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const hit = (await admin.searchEvents({ from: started, limit: 1000, ...q })).events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no audit event matching ${JSON.stringify(q)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A client with `user`'s certificates (issued by the admin), for API calls as that user. */
  async function clientAs(user: string): Promise<AuthClient> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateUserCerts({ username: user, public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    return new AuthClient({
      addr: c.authAddr,
      clusterName: c.clusterName,
      credentials: { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: certs.tls, caPems: certs.tls_ca_certs },
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-cluster-'));
    fileLog = join(dir, 'audit');
    c = await startCluster({ clusterName: 'audit.test', nodename: 'node-1', ssh: '', authExtra: `audit_events_uri: ['sqlite://', 'file://${fileLog}']` });
    node2 = await startNode(c, { nodename: 'node-2' });
    node2Id = (await waitForNodes(c, ['node-1', 'node-2'])).find((n: Node) => n.spec.hostname === 'node-2')!.metadata.name;
    admin = await c.admin();
    alice = await loginUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await node2?.close();
    await c?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records a join: the token created for it and the node using it', async () => {
    const token = await find({ types: ['join_token.create'] });
    expect(token).toMatchObject({ code: 'TJT00I', roles: ['Node'], join_method: 'token', cluster_name: 'audit.test' });
    expect(token.name).toMatch(/^\*{24}[0-9a-f]{8}$/);
    const join = await find({ types: ['instance.join'] }, (e) => e.host_id === node2Id);
    expect(join).toMatchObject({ code: 'TJ002I', node_name: 'node-2', role: 'Node', method: 'token', success: true });
    expect(join['addr.remote']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('records a failed and a successful tsh login with user.login and the certificate issued', async () => {
    const failed = await runTshIn(alice.home, ['login', `--proxy=${c.webAddr}`, '--user=alice', '--insecure'], { stdin: 'not the password\n123456\n' });
    expect(failed.code).not.toBe(0);
    const bad = await find({ types: ['user.login'], user: 'alice' }, (e) => e.code === 'T1000W');
    expect(bad).toMatchObject({ event: 'user.login', method: 'local', success: false, error: 'invalid username, password or second factor' });
    const good = await find({ types: ['user.login'], user: 'alice' }, (e) => e.code === 'T1000I');
    expect(good).toMatchObject({ method: 'local', success: true, cluster_name: 'audit.test' });
    // tsh logs in through the proxy's web API: the event names the client's address.
    expect(bad?.['addr.remote']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(good?.['addr.remote']).toMatch(/^127\.0\.0\.1:\d+$/);
    const cert = await find({ types: ['cert.create'], user: 'alice' });
    expect(cert).toMatchObject({ code: 'TC000I', cert_type: 'user', identity: { user: 'alice', roles: ['access'], logins: [me], teleport_cluster: 'audit.test' } });
    // What the invite flow recorded on the way.
    await find({ types: ['user.create'] }, (e) => e.name === 'alice' && e.code === 'T1002I');
    await find({ types: ['reset_password_token.create'] }, (e) => e.name === 'alice' && e.ttl === '1h0m0s');
    await find({ types: ['mfa.add'], user: 'alice' }, (e) => e.mfa_device_type === 'TOTP');
  });

  it('records tctl create role as role.created, and its removal', async () => {
    const file = join(dir, 'role.yaml');
    await writeFile(file, 'kind: role\nversion: v7\nmetadata:\n  name: audited\nspec:\n  allow:\n    logins: [nobody]\n');
    const io = captureIO({ env: {}, cwd: dir });
    expect(await runTctl(['-c', c.configPath, 'create', file], io.io), io.err()).toBe(0);
    const created = await find({ types: ['role.created'] }, (e) => e.name === 'audited');
    expect(created).toMatchObject({ code: 'T9000I', cluster_name: 'audit.test' });
    expect(created.user).toMatch(/\.audit\.test$/);
    expect(await runTctl(['-c', c.configPath, 'rm', 'role/audited'], captureIO({ env: {}, cwd: dir }).io)).toBe(0);
    await find({ types: ['role.deleted'] }, (e) => e.name === 'audited' && e.code === 'T9001I');
  });

  it('records an exec through the proxy on a joined node: session.start, exec, session.end', async () => {
    const out = join(dir, 'alice.pem');
    const io = captureIO({ env: {}, cwd: dir });
    expect(await runTctl(['auth', 'sign', '--user=alice', `--out=${out}`, '-c', c.configPath], io.io), io.err()).toBe(0);
    const home = await mkdtemp(join(dir, 'tsh-'));
    const r = await runTshIn(home, ['-i', out, `--proxy=${c.webAddr}`, '--insecure', 'ssh', '-l', me, 'node-2', 'echo audited-exec']);
    expect(r).toMatchObject({ code: 0, out: 'audited-exec\n' });
    const exec = await find({ types: ['exec'], user: 'alice' }, (e) => e.command === 'echo audited-exec');
    expect(exec).toMatchObject({ code: 'T3002I', login: me, exitCode: '0', server_id: node2Id, server_hostname: 'node-2', cluster_name: 'audit.test', namespace: 'default' });
    expect(exec.sid).toMatch(/^[0-9a-f-]{36}$/);
    const end = await find({ sid: exec.sid }, (e) => e.event === 'session.end');
    // The recording's session.upload follows once the node's upload completes: it may be in already.
    const session = (await admin.searchEvents({ sid: exec.sid })).events.filter((e) => e.event !== 'session.upload');
    expect(session.map((e) => `${e.event} ${e.code}`)).toEqual(['session.start T2000I', 'exec T3002I', 'session.end T2004I']);
    expect(session.every((e) => e.server_id === node2Id && e.user === 'alice')).toBe(true);
    expect(end).toMatchObject({ participants: ['alice'], interactive: false });
    // `tctl auth sign` itself issued a certificate for alice, asked for by the admin.
    await find({ types: ['cert.create'] }, (e) => (e.identity as { user?: string })?.user === 'alice' && e.user !== 'alice');
    // Every configured sink got the events: the file log holds the exec too.
    const files = await readdir(fileLog);
    const lines = (await Promise.all(files.map((f) => readFile(join(fileLog, f), 'utf8')))).join('').split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as AuditEvent).uid)).toContain(exec.uid);
  });

  it('pages through results newest first', async () => {
    const first = await admin.searchEvents({ from: started, limit: 3, order: 'desc' });
    expect(first.events).toHaveLength(3);
    expect(first.startKey).not.toBe('');
    const second = await admin.searchEvents({ from: started, limit: 3, order: 'desc', startKey: first.startKey });
    const times = [...first.events, ...second.events].map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set([...first.events, ...second.events].map((e) => e.uid)).size).toBe(6);
  });

  it('lets an auditor search and refuses a user whose roles do not grant event read', async () => {
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'audrey' }, spec: { roles: ['auditor'] } });
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'eddie' }, spec: { roles: ['editor'] } });
    const auditor = await clientAs('audrey');
    const page = await auditor.searchEvents({ types: ['role.created'] });
    expect(page.events.some((e) => e.name === 'audited')).toBe(true);
    const editor = await clientAs('eddie');
    await expect(editor.searchEvents({})).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(editor.searchEvents({})).rejects.toThrow(/access denied to perform action "list" on "event"/);
    // Users may not record events at all.
    await expect(auditor.emitAuditEvents([auditEvent('exec', 'T3002I', { command: 'forged' })])).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("accepts a node's own events, stamped, and refuses one claiming another server_id", async () => {
    const id = parseIdentityFile(await readFile(identityPath(node2.dataDir, 'Node'), 'utf8'));
    const asNode = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, credentials: { keyPem: id.keyPem, certPem: id.tlsCert!, caPems: id.tlsCAs } });
    await expect(
      asNode.emitAuditEvents([auditEvent('exec', 'T3002I', { command: 'forged', server_id: 'some-other-node', cluster_name: 'elsewhere' })]),
    ).rejects.toThrow(AccessDeniedError);
    await expect(asNode.emitAuditEvents([{ event: 'exec', code: 'T9999I' }])).rejects.toBeInstanceOf(BadParameterError);
    await asNode.emitAuditEvents([auditEvent('exec', 'T3002I', { command: 'own-event', user: 'alice', cluster_name: 'elsewhere' })]);
    const own = await find({ types: ['exec'] }, (e) => e.command === 'own-event');
    expect(own).toMatchObject({ server_id: node2Id, cluster_name: 'audit.test' });
    expect((await admin.searchEvents({ types: ['exec'] })).events.some((e) => e.command === 'forged')).toBe(false);
  });
});
