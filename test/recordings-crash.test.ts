// kill -9 of a node during a session: the node is a real `bin/teleport start` child process that
// joined an in-process cluster; a user's interactive session prints output, the node is killed
// with SIGKILL mid-session, then started again on the same data dir. Its upload completer must
// deliver a playable recording holding everything the session printed before the kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../src/api/recording-wire.js';
import type { Node } from '../src/api/types/node.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { identityUser, type IdentityUser } from './helpers/identity-user.js';
import { waitForRecording } from './helpers/recordings.js';

const me = userInfo().username;
const TELEPORT = resolve('bin/teleport');

describe.skipIf(!existsSync(TELEPORT))('a node killed with SIGKILL mid-session', () => {
  let c: TestCluster;
  let alice: IdentityUser;
  let dir: string;
  let configPath: string;
  let dataDir: string;
  const children: ChildProcess[] = [];
  let stderr = '';

  /** `bin/teleport start -c <config>` as a child process. */
  function startNodeProcess(): ChildProcess {
    const child = spawn(process.execPath, [TELEPORT, 'start', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    children.push(child);
    return child;
  }

  /** Waits until the cluster lists crash-node with an address other than `not`. */
  async function nodeAddr(not?: string): Promise<string> {
    const admin = await c.admin();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const n = (await admin.listNodes<Node>()).find((x) => x.spec.hostname === 'crash-node');
      if (n?.spec.addr && n.spec.addr !== not) return n.spec.addr;
      if (Date.now() > deadline) throw new Error(`crash-node did not register; its stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'crash.test' });
    alice = await identityUser(c, 'alice', ['access'], [me]);
    const admin = await c.admin();
    const token = (await admin.generateToken({ roles: ['node'] })).token;
    const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
    dir = await mkdtemp(join(tmpdir(), 'tp-crash-node-'));
    dataDir = join(dir, 'data');
    configPath = join(dir, 'teleport.yaml');
    await writeFile(
      configPath,
      [
        'version: v3',
        'teleport:',
        '  nodename: crash-node',
        `  data_dir: ${dataDir}`,
        `  auth_token: ${token}`,
        `  ca_pin: ${pin}`,
        `  auth_server: ${c.authAddr}`,
        '  log: {output: stderr, severity: WARN}',
        'auth_service: {enabled: no}',
        'proxy_service: {enabled: no}',
        'ssh_service:',
        '  enabled: yes',
        '  listen_addr: 127.0.0.1:0',
        '',
      ].join('\n'),
    );
  }, 120_000);
  afterAll(async () => {
    for (const ch of children) if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
    await alice?.cleanup();
    await c?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('yields a complete, playable recording of everything printed before the kill once the node restarts', async () => {
    const node = startNodeProcess();
    const firstAddr = await nodeAddr();

    const t = alice.spawn(['ssh', '-l', me, 'crash-node']);
    t.p.write('echo "sid=$SSH_SESSION_ID"\r');
    const sid = (await t.until(/sid=([0-9a-f-]{36})/))[1];
    t.p.write('for i in $(seq 1 2000); do echo "line-$i of the session"; done\r');
    await t.until(/line-2000 of the session\r/);
    t.p.write('echo last-words-$((20*21))\r');
    await t.until(/[\r\n]last-words-420\r/);
    // The spool has each chunk within an event-loop turn of the node producing it; the client's
    // copy crossed the proxy after that. A short pause leaves no doubt about what "before" means.
    await new Promise((r) => setTimeout(r, 200));

    node.kill('SIGKILL');
    await new Promise((r) => node.once('exit', r));
    await t.exited;
    // Nothing reached the auth server yet (parts go at 5 MiB or at the session's end): the spool has it.
    expect(await readdir(join(dataDir, 'log', 'upload', 'streaming', 'default'))).toEqual([sid]);
    expect((JSON.parse((await alice.tsh(['recordings', 'ls', '-f', 'json'])).out) as { sid: string }[]).map((e) => e.sid)).not.toContain(sid);

    // Restart on the same data dir: the upload completer finishes the spool at start.
    startNodeProcess();
    await nodeAddr(firstAddr);
    const listed = await waitForRecording(alice, sid, 30_000);
    expect(listed).toMatchObject({ participants: ['alice'], server_hostname: 'crash-node' });

    const text = await alice.tsh(['play', '--format=text', sid]);
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    for (let i = 1; i <= 2000; i++) expect(lines).toContain(`line-${i} of the session`);
    expect(lines).toContain('last-words-420');

    const events = JSON.parse((await alice.tsh(['play', '-f', 'json', sid])).out) as RecordingEvent[];
    expect(events[0]).toMatchObject({ event: 'session.start', sid });
    // The process died: there is no session.end, and nothing after the kill.
    expect(events.some((e) => e.event === 'session.end')).toBe(false);
    expect(await readdir(join(dataDir, 'log', 'upload', 'streaming', 'default'))).toEqual([]);
  }, 90_000);
});
