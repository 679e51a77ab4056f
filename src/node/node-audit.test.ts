// The node's audit events, driven with the OpenSSH client against a node that records into a
// memory store: a refused certificate (`auth` T3007W), an exec (session.start, exec, session.end
// sharing one sid), a failing exec (T3002E), an scp upload (T3005I), a -L forward (port.local start
// and stop), a refused one (port T3003E) and an idle client disconnected (client.disconnect T3006I);
// plus the scp command parsing.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../api/audit-wire.js';
import { systemClock } from '../api/clock.js';
import { AuditLog, MemoryEventStore, parseQuery } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { encodeOpenSSHPrivateKey, formatCertificate, formatKnownHostsCA, generateKeyPair, signCertificate } from '../sshca/index.js';
import { scpTransfer } from './file-copy.js';
import { NodeService } from './node-service.js';
import { MemoryAccessPoint, TEST_LOGIN, accessRole, ensureTestUser, makeCA, runSSH, runTool, sshConfig, userCert, waitFor, type CertOptions } from './testing/fixtures.js';

const skip = ensureTestUser();
const HOUR = 3600_000;

describe('scp commands', () => {
  it('tell uploads from downloads and name the path', () => {
    expect(scpTransfer('scp -t /tmp/dest')).toEqual({ action: 'upload', path: '/tmp/dest' });
    expect(scpTransfer('/usr/bin/scp -r -f -- ~/a dir')).toEqual({ action: 'download', path: '~/a dir' });
    expect(scpTransfer('scp -v -p -t .')).toEqual({ action: 'upload', path: '.' });
    expect(scpTransfer('scp')).toBeUndefined();
    expect(scpTransfer('ls -t')).toBeUndefined();
  });
});

describe.skipIf(skip)('node audit events', () => {
  const store = new MemoryEventStore();
  const log = new AuditLog({ sinks: [store], clock: systemClock, logger: silentLogger });
  const userCA = makeCA();
  let node: NodeService;
  let port: number;
  let dir: string;
  let knownHosts: string;
  let echo: Server;
  let n = 0;

  const events = async (q: Parameters<typeof parseQuery>[0] = {}): Promise<AuditEvent[]> => (await store.search(parseQuery(q))).events;
  const waitForEvent = async (pred: (e: AuditEvent) => boolean): Promise<AuditEvent> => {
    let found: AuditEvent | undefined;
    await waitFor(async () => Boolean((found = (await events()).find(pred))), 10_000);
    return found!;
  };

  async function identity(o: CertOptions = {}): Promise<string> {
    const key = generateKeyPair('ed25519');
    const path = join(dir, `id-${n++}`);
    await writeFile(path, encodeOpenSSHPrivateKey(key.privateKey), { mode: 0o600 });
    await writeFile(`${path}-cert.pub`, formatCertificate(userCert(o.ca ?? userCA, key.publicKey, o)) + '\n', { mode: 0o600 });
    return path;
  }
  const opts = (id: string) => [
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-i', id,
    '-o', `CertificateFile=${id}-cert.pub`,
  ];
  /** ssh with `flags` before the destination and `command` after it. */
  const ssh = (id: string, flags: string[], command?: string) =>
    runSSH([...opts(id), '-p', String(port), ...flags, `${TEST_LOGIN}@127.0.0.1`, ...(command !== undefined ? [command] : [])]);

  beforeAll(async () => {
    const hostCA = makeCA();
    const access = new MemoryAccessPoint([userCA.blob]);
    access.addRole(accessRole());
    access.addRole(accessRole('no-forward', { options: { port_forwarding: false } }));
    access.addRole(accessRole('idle', { options: { client_idle_timeout: '1s' } }));
    const host = generateKeyPair('ed25519');
    const hostCert = signCertificate({
      type: 'host',
      publicKey: host.publicKey,
      keyId: 'node-uuid',
      principals: ['node-uuid', '127.0.0.1'],
      validAfter: new Date(Date.now() - HOUR),
      validBefore: new Date(Date.now() + HOUR),
      extensions: { 'x-teleport-role': 'Node', 'x-teleport-authority': 'test.cluster' },
      caPrivateKey: hostCA.privateKey,
    });
    node = new NodeService({
      host: '127.0.0.1',
      port: 0,
      hostId: 'node-uuid',
      nodeName: 'node1',
      hostKey: host.privateKey,
      hostCert: formatCertificate(hostCert),
      config: sshConfig({ labels: { env: 'test' } }),
      access,
      clock: systemClock,
      logger: silentLogger,
      tickMs: 50,
      audit: log,
    });
    port = (await node.start()).port;
    dir = await mkdtemp(join(tmpdir(), 'node-audit-'));
    await chmod(dir, 0o755);
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, formatKnownHostsCA(hostCA.blob, ['127.0.0.1', '[127.0.0.1]:*']) + '\n');
    echo = createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
  });
  afterAll(async () => {
    await node?.close();
    echo?.close();
    await log.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records a refused certificate as auth T3007W with the user, login, error and addresses', async () => {
    const stranger = await identity({ ca: makeCA() });
    expect((await ssh(stranger, [], 'true')).code).toBe(255);
    const e = await waitForEvent((x) => x.event === 'auth');
    expect(e).toMatchObject({
      code: 'T3007W',
      user: 'alice',
      login: TEST_LOGIN,
      success: false,
      cluster_name: 'test.cluster',
      server_id: 'node-uuid',
      server_hostname: 'node1',
      namespace: 'default',
    });
    expect(String(e.error)).toMatch(/certificate/);
    expect(e['addr.remote']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('records an exec as session.start, exec and session.end of one session', async () => {
    const id = await identity();
    expect(await ssh(id, [], 'echo audited')).toMatchObject({ code: 0, stdout: 'audited\n' });
    const exec = await waitForEvent((x) => x.event === 'exec' && x.command === 'echo audited');
    const end = await waitForEvent((x) => x.event === 'session.end' && x.sid === exec.sid);
    const session = await events({ sid: exec.sid });
    expect(session.map((e) => `${e.event} ${e.code} ${e.ei}`)).toEqual(['session.start T2000I 0', 'exec T3002I 1', 'session.end T2004I 2']);
    expect(exec).toMatchObject({ user: 'alice', login: TEST_LOGIN, exitCode: '0', server_id: 'node-uuid', server_labels: { env: 'test' }, proto: 'ssh' });
    expect(exec['addr.local']).toBe(`127.0.0.1:${port}`);
    expect(session[0]).toMatchObject({ initial_command: ['echo audited'], session_recording: 'node' });
    expect(end).toMatchObject({ participants: ['alice'], interactive: false });
    expect(Date.parse(String(end.session_stop))).toBeGreaterThanOrEqual(Date.parse(String(end.session_start)));
  });

  it('records a failing exec with T3002E and its exit status', async () => {
    const id = await identity();
    expect((await ssh(id, [], 'exit 3')).code).toBe(3);
    const e = await waitForEvent((x) => x.event === 'exec' && x.command === 'exit 3');
    expect(e).toMatchObject({ code: 'T3002E', exitCode: '3', exitError: 'exit status 3' });
  });

  it('records an scp upload as scp T3005I with its path', async () => {
    const id = await identity();
    const src = join(dir, 'payload.txt');
    await writeFile(src, 'data\n');
    const target = `/tmp/node-audit-${process.pid}.txt`;
    const r = await runTool('scp', [...opts(id), '-O', '-P', String(port), src, `${TEST_LOGIN}@127.0.0.1:${target}`]);
    expect(r.code, r.stderr).toBe(0);
    const e = await waitForEvent((x) => x.event === 'scp');
    expect(e).toMatchObject({ code: 'T3005I', action: 'upload', path: target, exitCode: '0', user: 'alice' });
    await rm(target, { force: true });
  });

  it('records a -L forward as port.local start and stop, and a refused one as port T3003E', async () => {
    const id = await identity();
    const dest = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const r = await ssh(id, ['-W', dest]);
    expect(r.code).toBe(0);
    const start = await waitForEvent((x) => x.event === 'port.local' && x.code === 'T3003I');
    expect(start).toMatchObject({ addr: dest, user: 'alice', login: TEST_LOGIN, success: true, server_id: 'node-uuid' });
    await waitForEvent((x) => x.event === 'port.local' && x.code === 'T3003S');
    const denied = await identity({ roles: ['no-forward'] });
    expect((await ssh(denied, ['-W', dest])).code).not.toBe(0);
    const refused = await waitForEvent((x) => x.event === 'port' && x.code === 'T3003E');
    expect(refused).toMatchObject({ addr: dest, success: false });
    expect(String(refused.error)).toMatch(/port forwarding not allowed/);
  });

  it('records the disconnection of an idle client as client.disconnect with the reason', async () => {
    const id = await identity({ roles: ['idle'] });
    const r = await ssh(id, [], 'sleep 5');
    expect(r.stderr).toContain('Client exceeded idle timeout of 1s');
    const e = await waitForEvent((x) => x.event === 'client.disconnect');
    expect(e).toMatchObject({ code: 'T3006I', reason: 'Client exceeded idle timeout of 1s', user: 'alice', login: TEST_LOGIN, server_id: 'node-uuid' });
  });
});
