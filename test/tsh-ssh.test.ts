// tsh against a real cluster (auth + proxy + node in one process, two more nodes joined with
// tokens): tsh ls in every format and filtered by roles and labels, tsh ssh commands with their
// exit codes, label fan-out, identity files (-i), and the refusals users meet.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../src/api/types/node.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, startNode, type TestCluster, type TestNode } from './helpers/cluster.js';
import { loginUser, runTshIn, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;

describe('tsh ls and tsh ssh', () => {
  let c: TestCluster;
  const nodes: TestNode[] = [];
  let alice: TshUser;
  let bob: TshUser;
  let listed: Node[];
  const dirs: string[] = [];

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'tsh.test', nodename: 'node-1', ssh: 'labels: {env: prod, team: core}' });
    nodes.push(await startNode(c, { nodename: 'node-2', ssh: 'labels: {env: prod, team: web}' }));
    nodes.push(await startNode(c, { nodename: 'node-3', ssh: 'labels: {env: dev}\ncommands: [{name: kernel, command: [uname, -s], period: 1m}]' }));
    listed = await waitForNodes(c, ['node-1', 'node-2', 'node-3']);
    const admin = await c.admin();
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'dev-only' },
      spec: { allow: { logins: [me], node_labels: { env: ['dev'] } } },
    });
    alice = await loginUser(c, 'alice', ['access'], [me]);
    bob = await loginUser(c, 'bob', ['dev-only'], []);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await bob?.cleanup();
    for (const n of nodes) await n.close();
    await c?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const uuid = (hostname: string) => listed.find((n) => n.spec.hostname === hostname)!.metadata.name;

  describe('tsh ls', () => {
    it("lists the nodes in Teleport's table", async () => {
      const r = await alice.tsh(['ls']);
      expect(r.code).toBe(0);
      const lines = r.out.split('\n');
      expect(lines[0]).toMatch(/^Node Name +Address +Labels +$/);
      expect(lines[1]).toMatch(/^-{9} +-+ +-+ *$/);
      expect(lines.slice(2, 5).map((l) => l.split(/ +/)[0])).toEqual(['node-1', 'node-2', 'node-3']);
      expect(r.out).toMatch(/^node-1 +127\.0\.0\.1:\d+ +env=prod,team=core *$/m);
      expect(r.out).toMatch(/^node-3 +127\.0\.0\.1:\d+ +env=dev,kernel=Linux *$/m);
      expect(r.out.endsWith('\n\n')).toBe(true);
    });

    it('shows node IDs with -v and filters by labels', async () => {
      const v = await alice.tsh(['ls', '-v']);
      expect(v.out.split('\n')[0]).toMatch(/^Node Name +Node ID +Address +Labels +$/);
      expect(v.out).toContain(uuid('node-2'));
      const f = await alice.tsh(['ls', 'env=prod,team=web']);
      expect(f.out).toMatch(/^node-2 /m);
      expect(f.out).not.toMatch(/^node-1 /m);
      const two = await alice.tsh(['ls', 'env=prod', 'team=core']);
      expect(two.out).toMatch(/^node-1 /m);
      expect(two.out).not.toMatch(/^node-2 /m);
    });

    it('prints json, yaml and names', async () => {
      const j = await alice.tsh(['ls', '--format=json']);
      const parsed = JSON.parse(j.out) as Node[];
      expect(parsed.map((n) => n.spec.hostname)).toEqual(['node-1', 'node-2', 'node-3']);
      expect(parsed[0]).toMatchObject({ kind: 'node', version: 'v2', metadata: { labels: { env: 'prod' } } });
      expect(j.out).toMatch(/^\[\n {2}\{\n {4}"kind": "node"/);
      const y = await alice.tsh(['ls', '-f', 'yaml']);
      expect(y.out).toMatch(/^- kind: node\n/m);
      expect(y.out).toContain('hostname: node-3');
      expect((await alice.tsh(['ls', '--format=names'])).out).toBe('node-1\nnode-2\nnode-3\n');
    });

    it("shows only what the user's roles allow", async () => {
      const r = await bob.tsh(['ls', '--format=names']);
      expect(r.out).toBe('node-3\n');
      const none = await bob.tsh(['ls', 'env=prod']);
      expect(none.code).toBe(0);
      expect(none.out).toMatch(/^Node Name +Address +Labels/);
      expect(none.err).toMatch(/No nodes to show/);
    });
  });

  describe('tsh ssh', () => {
    it('runs a command and exits with its exit code', async () => {
      const ok = await alice.tsh(['ssh', `${me}@node-1`, 'echo', 'hello', 'from', '$(hostname)-ish']);
      expect(ok).toMatchObject({ code: 0 });
      expect(ok.out).toMatch(/^hello from .+-ish\n$/);
      const fail = await alice.tsh(['ssh', '-l', me, 'node-2', 'echo oops >&2; exit 3']);
      expect(fail).toMatchObject({ code: 3, out: '', err: 'oops\n' });
    });

    it('reaches nodes by UUID, <uuid>.<cluster> and address, and passes stdin', async () => {
      const byId = await alice.tsh(['ssh', '-l', me, uuid('node-2'), 'cat'], { stdin: 'piped input\n' });
      expect(byId).toMatchObject({ code: 0, out: 'piped input\n' });
      expect((await alice.tsh(['ssh', '-l', me, `${uuid('node-3')}.tsh.test`, 'true'])).code).toBe(0);
      const addr = listed.find((n) => n.spec.hostname === 'node-2')!.spec.addr!;
      const [host, port] = addr.split(':');
      const byAddr = await alice.tsh(['ssh', '-l', me, '-p', port, host, 'echo by-address']);
      expect(byAddr).toMatchObject({ code: 0, out: 'by-address\n' });
    });

    it('uses TELEPORT_LOGIN, and the user@ form over it only when -l is absent', async () => {
      const r = await alice.tsh(['ssh', 'node-1', 'id -un'], { env: { TELEPORT_LOGIN: me } });
      expect(r).toMatchObject({ code: 0, out: `${me}\n` });
    });

    it('reports a command killed by a signal as 255', async () => {
      expect((await alice.tsh(['ssh', '-l', me, 'node-1', 'kill -KILL $$'])).code).toBe(255);
    });

    it('runs a command on every node matching labels, lines prefixed with the hostname', async () => {
      const r = await alice.tsh(['ssh', '-l', me, 'env=prod', 'echo line1; echo line2; test "$(hostname)" != nothing-matches']);
      expect(r.code).toBe(0);
      for (const h of ['node-1', 'node-2']) {
        expect(r.out).toContain(`Running command on ${h}:\n`);
        expect(r.out).toContain(`[${h}] line1\n[${h}] line2\n`);
        expect(r.out).toContain(`[${h}] success\n`);
      }
      expect(r.out).not.toContain('node-3');
      expect(r.out).toMatch(/\n2 host\(s\) succeeded; 0 host\(s\) failed\n$/);
    });

    it('reports failing nodes of a fan-out and exits with their code', async () => {
      const r = await alice.tsh(['ssh', '-l', me, 'env=prod', 'exit 4']);
      expect(r.code).toBe(4);
      expect(r.out).toContain('[node-1] failed with exit code 4\n');
      expect(r.out).toMatch(/0 host\(s\) succeeded; 2 host\(s\) failed/);
    });

    it('runs on the single node a selector matches, unprefixed', async () => {
      const r = await alice.tsh(['ssh', '-l', me, 'team=web', 'echo only']);
      expect(r).toMatchObject({ code: 0, out: 'only\n' });
    });

    it('uses an identity file from tctl auth sign with -i and --proxy', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsh-identity-'));
      dirs.push(dir);
      const out = join(dir, 'alice.pem');
      const t = captureIO({ env: {}, cwd: dir });
      expect(await runTctl(['auth', 'sign', '--user=alice', `--out=${out}`, '-c', c.configPath], t.io)).toBe(0);
      // An empty TELEPORT_HOME: nothing but the identity file.
      const home = await mkdtemp(join(tmpdir(), 'tsh-empty-'));
      dirs.push(home);
      const ls = await runTshIn(home, ['-i', out, `--proxy=${c.webAddr}`, '--insecure', 'ls', '--format=names']);
      expect(ls).toMatchObject({ code: 0, out: 'node-1\nnode-2\nnode-3\n' });
      const ssh = await runTshIn(home, ['-i', 'alice.pem', `--proxy=${c.webAddr}`, '--insecure', 'ssh', '-l', me, 'node-3', 'echo via-identity'], { cwd: dir });
      expect(ssh).toMatchObject({ code: 0, out: 'via-identity\n' });
      const noProxy = await runTshIn(home, ['-i', out, 'ls']);
      expect(noProxy.code).toBe(1);
      expect(noProxy.err).toMatch(/needs the proxy's address: add --proxy/);
    });
  });

  describe('refusals', () => {
    it('not logged in', async () => {
      const home = await mkdtemp(join(tmpdir(), 'tsh-nobody-'));
      dirs.push(home);
      for (const argv of [['ls'], ['ssh', 'node-1', 'true'], ['scp', 'a', 'node-1:b'], ['config']]) {
        const r = await runTshIn(home, argv);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^ERROR: not logged in: run "tsh login --proxy=<host:port>"\n$/);
      }
    });

    it('an unknown node, with the proxy\'s words', async () => {
      const r = await alice.tsh(['ssh', '-l', me, 'no-such-node', 'true']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^ERROR: node "no-such-node" not found/);
      const labels = await alice.tsh(['ssh', '-l', me, 'env=nowhere', 'true']);
      expect(labels.code).toBe(1);
      expect(labels.err).toMatch(/no nodes match the labels env=nowhere/);
    });

    it('a login the roles do not allow, and a node they do not allow', async () => {
      const r = await alice.tsh(['ssh', '-l', 'nosuchlogin', 'node-1', 'true']);
      expect(r.code).toBe(1);
      expect(r.err).toBe('ERROR: access denied to nosuchlogin connecting to node-1\n');
      const other = await bob.tsh(['ssh', '-l', me, 'node-1', 'true']);
      expect(other.code).toBe(1);
      expect(other.err).toMatch(/^ERROR: (access denied to .* connecting to node-1|node "node-1" not found.*)\n$/);
    });

    it('bad arguments', async () => {
      expect((await alice.tsh(['ssh', '-L', 'nonsense', 'node-1'])).err).toMatch(/invalid port forwarding spec "nonsense"/);
      expect((await alice.tsh(['ssh', '-l', me, 'env=prod'])).err).toMatch(/2 nodes match env=prod: give a command/);
      expect((await alice.tsh(['ls', 'justakey'])).err).toMatch(/invalid label selector/);
    });
  });
});
