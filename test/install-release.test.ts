// Install anywhere (issue 16): `npm run release` makes a self-contained release, the proxy serves it,
// and `curl https://<proxy>/scripts/<token>/install-node.sh | bash` inside a bare Debian root (no
// Node.js, no compiler; chroot) installs it, writes the config with `teleport node configure`
// and starts the node, which joins through the proxy and is then reached with `tsh ssh`. Then seed
// 004 (the EC2-join tutorial) into a second bare root: /v1/webapi/find, `tctl create` of a token
// with join_method: ec2, install.sh, a v3 config with join_params {method: ec2} and proxy_server,
// and the node joins with no secret at all. AWS is a stand-in (test/aws-standin: IMDSv2 serving a
// document signed by a test CA that auth trusts, EC2 DescribeInstances checking SigV4).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/api/version.js';
import { releaseName } from '../src/proxy/web/scripts.js';
import { caPin } from '../src/tlsca/index.js';
import { AWSAPIStandIn } from './aws-standin/aws-api.js';
import { IIDSigner } from './aws-standin/iid-signer.js';
import { IMDSStandIn } from './aws-standin/imds.js';
import { tctlCreate, waitForNode } from './aws-standin/join-node.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { freshDebianRoot, inRoot } from './helpers/debian-root.js';
import { loginUser, type TshUser } from './helpers/tsh-user.js';
import { WebAgent } from './helpers/web-http.js';

const run = promisify(execFile);
let c: TestCluster;
let root: { dir: string; remove(): Promise<void> };
let alice: TshUser;
const ACCOUNT = '111122223333';
const AUTH_KEY = { accessKeyId: 'AKIAAUTHSERVER000001', secretAccessKey: 'auth-server-secret' };
const signer = new IIDSigner();
const aws = new AWSAPIStandIn();
const imds = new IMDSStandIn({ document: '', pkcs7: '' });
let imdsURL = '';
const roots: { dir: string; remove(): Promise<void> }[] = [];

beforeAll(async () => {
  // The release and the Debian root are made in turn: both are heavy on these two cores.
  await run(process.execPath, ['scripts/release.mjs'], { maxBuffer: 16 << 20 });
  root = await freshDebianRoot();
  roots.push(root);
  aws.keys.set(AUTH_KEY.accessKeyId, { secret: AUTH_KEY.secretAccessKey, account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/teleport-auth` });
  await aws.start();
  imdsURL = await imds.start();
  c = await startCluster({
    clusterName: 'install.example.com',
    joinMethods: { ec2: { iidCertificates: [signer.certPem], ec2Endpoint: aws.url, stsEndpoint: aws.url, credentials: AUTH_KEY } },
  });
  alice = await loginUser(c, 'alice', ['access'], ['root']);
}, 900_000);

/** Ends the teleport a bare root's install started (its pid file), if any. */
async function stopRootNode(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, 'run', 'teleport.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 1) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Its listener (0.0.0.0:3022) must be free for the next root's node.
  for (let i = 0; i < 50 && pid > 1; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      break;
    }
  }
}

afterAll(async () => {
  for (const r of roots) await stopRootNode(r.dir);
  await alice?.cleanup();
  await c?.close();
  await imds.close();
  await aws.close();
  signer.close();
  for (const r of roots) await r.remove();
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
    await stopRootNode(root.dir);
  });

  it('seed 004: find, an ec2 token, install.sh into a bare root, a v3 config with join_params and no secret', { timeout: 300_000 }, async () => {
    const second = await freshDebianRoot();
    roots.push(second);
    const found = await inRoot(second.dir, `curl -fsSk https://${c.webAddr}/v1/webapi/find | grep -o '"server_version":"[^"]*"'`);
    expect(found.out.trim()).toBe(`"server_version":"${VERSION}"`);
    const created = await tctlCreate(
      c,
      'token',
      ['kind: token', 'version: v2', 'metadata:', '  name: ec2-token', 'spec:', '  roles: [Node]', '  join_method: ec2', '  aws_iid_ttl: 5m', '  allow:', `  - aws_account: "${ACCOUNT}"`, '    aws_regions: [us-west-2]', ''].join('\n'),
    );
    expect(created.out).toContain('token "ec2-token" has been created');
    const text = IIDSigner.text({ accountId: ACCOUNT, instanceId: 'i-0bbbbbbbbbbbbbbb1', region: 'us-west-2', pendingTime: new Date(Date.now() - 30_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    imds.identity = { document: text, pkcs7: signer.sign(text) };
    aws.instances.set('i-0bbbbbbbbbbbbbbb1', { account: ACCOUNT, state: 'running' });
    const pins = ((await (await c.admin()).ping()).host_ca_certs ?? []).map(caPin).join(',');
    const r = await inRoot(
      second.dir,
      [
        'set -eo pipefail',
        `curl -fsSk https://${c.webAddr}/scripts/install.sh | bash`,
        `teleport node configure --output=file:///etc/teleport.yaml --proxy=${c.webAddr} --token=ec2-token --join-method=ec2 --node-name=ec2-bare --ca-pin=${pins} --labels=env=ec2`,
        `AWS_EC2_METADATA_SERVICE_ENDPOINT=${imdsURL} nohup teleport start -c /etc/teleport.yaml --pid-file=/run/teleport.pid >> /var/log/teleport.log 2>&1 < /dev/null &`,
        'echo started',
      ].join('\n'),
    );
    expect(r.out).toContain('started');
    expect(r.code, r.out).toBe(0);
    const config = await readFile(join(second.dir, 'etc', 'teleport.yaml'), 'utf8');
    expect(config).toMatch(/join_params:\n\s+token_name: ec2-token\n\s+method: ec2/);
    const node = await waitForNode(c, 'ec2-bare', 120_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; the node's log:\n${await readFile(join(second.dir, 'var', 'log', 'teleport.log'), 'utf8').catch(() => '(none)')}`);
    });
    expect(node.metadata.name).toBe(`${ACCOUNT}-i-0bbbbbbbbbbbbbbb1`);
    const ssh = await alice.tsh(['ssh', 'root@ec2-bare', 'cat /etc/debian_version']);
    expect(ssh.out, ssh.err).toMatch(/^12\.\d+\n$/);
  });
});
