// Install anywhere (issue 16): `npm run release` makes a self-contained release, the proxy serves it,
// and `curl https://<proxy>/scripts/<token>/install-node.sh | bash` inside a bare Debian root (no
// Node.js, no compiler; chroot) installs it, writes the config with `teleport node configure`
// and starts the node, which joins through the proxy and is then reached with `tsh ssh`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/api/version.js';
import { releaseName } from '../src/proxy/web/scripts.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { freshDebianRoot, inRoot } from './helpers/debian-root.js';
import { loginUser, type TshUser } from './helpers/tsh-user.js';
import { WebAgent } from './helpers/web-http.js';

const run = promisify(execFile);
let c: TestCluster;
let root: { dir: string; remove(): Promise<void> };
let alice: TshUser;

beforeAll(async () => {
  // The release and the Debian root are made in turn: both are heavy on these two cores.
  await run(process.execPath, ['scripts/release.mjs'], { maxBuffer: 16 << 20 });
  root = await freshDebianRoot();
  c = await startCluster({ clusterName: 'install.example.com' });
  alice = await loginUser(c, 'alice', ['access'], ['root']);
}, 900_000);

afterAll(async () => {
  const pid = Number((await readFile(join(root?.dir ?? '/nonexistent', 'run', 'teleport.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 1) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await alice?.cleanup();
  await c?.close();
  await root?.remove();
});

describe('install from the proxy onto a bare Debian host', () => {
  it("serves its own version's release, and scripts that check its sha256", async () => {
    const a = new WebAgent(c);
    const tarball = await a.call('GET', '/scripts/teleport-ts.tar.gz');
    expect(tarball.status).toBe(200);
    const file = await readFile(join('release', releaseName()));
    const sha = createHash('sha256').update(file).digest('hex');
    const plain = await a.call('GET', '/scripts/install.sh');
    expect(plain.text).toContain(`SHA256='${sha}'`);
    expect(plain.text).toContain(`VERSION='${VERSION}'`);
    const token = (await (await c.admin()).generateToken({ roles: ['node'] })).token;
    const node = await a.call('GET', `/scripts/${token}/install-node.sh?labels=env=bare`);
    expect(node.text).toContain(`--token='${token}'`);
    expect(node.text).toMatch(/--ca-pin='sha256:[0-9a-f]{64}'/);
    expect(node.text).toContain("--labels='env=bare'");
  });

  it('installs with curl | bash where there is no node and no compiler, and the node joins through the proxy', { timeout: 300_000 }, async () => {
    const bare = await inRoot(root.dir, 'command -v node || command -v gcc || command -v cc || echo bare');
    expect(bare.out.trim()).toBe('bare');
    const token = (await (await c.admin()).generateToken({ roles: ['node'] })).token;
    const r = await inRoot(root.dir, `curl -fsSk https://${c.webAddr}/scripts/${token}/install-node.sh?labels=env=bare | bash`);
    expect(r.out).toContain('install: done');
    expect(r.code).toBe(0);
    const config = await readFile(join(root.dir, 'etc', 'teleport.yaml'), 'utf8');
    expect(config).toContain('version: v3');
    expect(config).toContain(`proxy_server: ${c.webAddr}`);
    expect(config).toMatch(/join_params:\n\s+token_name: \S+\n\s+method: token/);

    const admin = await c.admin();
    let joined;
    for (let i = 0; i < 600 && !joined; i++) {
      joined = (await admin.listNodes<{ metadata: { name: string; labels?: Record<string, string> }; spec: { hostname: string } }>()).find((n) => n.metadata.labels?.env === 'bare');
      if (!joined) await new Promise((res) => setTimeout(res, 200));
    }
    if (!joined) throw new Error(`the node did not join; its log:\n${await readFile(join(root.dir, 'var', 'log', 'teleport.log'), 'utf8').catch(() => '(none)')}`);
    // tsh reaches it: the shell runs inside the Debian root, where no Node.js is installed.
    const ssh = await alice.tsh(['ssh', `root@${joined.spec.hostname}`, 'cat /etc/debian_version; command -v node || echo no-node; /usr/local/bin/teleport version'], {});
    expect(ssh.out, ssh.err).toMatch(/^12\.\d+\nno-node\nTeleport v/);
    expect(ssh.code).toBe(0);
  });
});
