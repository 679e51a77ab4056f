/**
 * The EC2 join method end to end, as the EC2-join tutorial runs it: `/v1/webapi/find` for the
 * version, `tctl create token.yaml` with `join_method: ec2`, then a v3 node with `join_params:
 * {token_name, method: ec2}` and `proxy_server` that joins with no secret. AWS is a stand-in
 * (test/aws-standin): IMDSv2 serving documents signed by a test CA that auth is told to trust, and
 * EC2/STS APIs checking SigV4. Refusals: a forged or expired document, another account or region,
 * a stopped instance, the same document from a second host; each audited, nothing joined.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/api/version.js';
import { identityPath } from '../src/service/index.js';
import { AWSAPIStandIn } from './aws-standin/aws-api.js';
import { IIDSigner } from './aws-standin/iid-signer.js';
import { IMDSStandIn } from './aws-standin/imds.js';
import { joinEvents, methodNode, tctl, tctlCreate, waitForNode } from './aws-standin/join-node.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { loginUser } from './helpers/tsh-user.js';
import { WebAgent } from './helpers/web-http.js';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const ROLE_ACCOUNT = '777788889999';
const AUTH_KEY = { accessKeyId: 'AKIAAUTHSERVER000001', secretAccessKey: 'auth-server-secret' };

let c: TestCluster;
const signer = new IIDSigner();
const forger = new IIDSigner('Not AWS');
const aws = new AWSAPIStandIn();
const imds = new IMDSStandIn({ document: '', pkcs7: '' });
const closers: (() => Promise<void>)[] = [];

/** Puts an instance's identity in the IMDS stand-in (signed by `by`) and registers it with EC2. */
function instance(id: string, o: { account?: string; region?: string; startedAgoMs?: number; state?: string; by?: IIDSigner } = {}): void {
  const account = o.account ?? ACCOUNT;
  const text = IIDSigner.text({ accountId: account, instanceId: id, region: o.region ?? 'us-west-2', pendingTime: new Date(Date.now() - (o.startedAgoMs ?? 30_000)).toISOString().replace(/\.\d+Z$/, 'Z') });
  imds.identity = { document: text, pkcs7: (o.by ?? signer).sign(text) };
  aws.instances.set(id, { account, state: o.state ?? 'running' });
}

/** Starts a node joining with the ec2 token; resolves with the refusal message, or '' once it joined. */
async function joinAs(nodename: string): Promise<{ error: string; dataDir: string }> {
  const node = await methodNode(c, { nodename, token: 'ec2-token', method: 'ec2' });
  try {
    await node.process.start();
    closers.push(() => node.process.close());
    return { error: '', dataDir: node.dataDir };
  } catch (err) {
    return { error: (err as Error).message, dataDir: node.dataDir };
  }
}

beforeAll(async () => {
  aws.keys.set(AUTH_KEY.accessKeyId, { secret: AUTH_KEY.secretAccessKey, account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/teleport-auth` });
  aws.assumable.set(`arn:aws:iam::${ROLE_ACCOUNT}:role/teleport-describe`, [AUTH_KEY.accessKeyId]);
  await aws.start();
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = await imds.start();
  c = await startCluster({
    clusterName: 'ec2-join.test',
    joinMethods: { ec2: { iidCertificates: [signer.certPem], ec2Endpoint: aws.url, stsEndpoint: aws.url, credentials: AUTH_KEY } },
  });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await c?.close();
  await imds.close();
  await aws.close();
  signer.close();
  forger.close();
});

describe('EC2 join (seed tutorial steps)', () => {
  it('/v1/webapi/find and /webapi/find answer the server version and proxy settings without a login', async () => {
    const web = new WebAgent(c);
    for (const path of ['/v1/webapi/find', '/webapi/find']) {
      const res = await web.call('GET', path);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as { server_version: string; proxy: { ssh: { public_addr: string } }; cluster_name: string };
      expect(body.server_version).toBe(VERSION);
      expect(body.cluster_name).toBe('ec2-join.test');
      expect(body.proxy.ssh.public_addr).toBeTruthy();
    }
  });

  it('tctl create token.yaml with join_method: ec2, then a v3 node joins with join_params and no secret as <account>-<instance>', async () => {
    const created = await tctlCreate(
      c,
      'token',
      [
        'kind: token',
        'version: v2',
        'metadata:',
        '  name: ec2-token',
        'spec:',
        '  roles: [Node]',
        '  join_method: ec2',
        '  aws_iid_ttl: 5m',
        '  allow:',
        `  - aws_account: "${ACCOUNT}"`,
        '    aws_regions: [us-west-2, us-east-1]',
        `  - aws_account: "${ROLE_ACCOUNT}"`,
        `    aws_role: "arn:aws:iam::${ROLE_ACCOUNT}:role/teleport-describe"`,
        '',
      ].join('\n'),
    );
    expect(created.err).toBe('');
    expect(created.out).toContain('token "ec2-token" has been created');
    const audited = (await (await c.admin()).searchEvents({ types: ['join_token.create'], from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() })).events;
    expect(audited.at(-1)).toMatchObject({ code: 'TJT00I', name: 'ec2-token', join_method: 'ec2', roles: ['Node'] });
    instance('i-0aaaaaaaaaaaaaaa1');
    expect((await joinAs('ec2-node')).error).toBe('');
    const node = await waitForNode(c, 'ec2-node');
    expect(node.metadata.name).toBe(`${ACCOUNT}-i-0aaaaaaaaaaaaaaa1`);
    expect(aws.calls).toContain('ec2:DescribeInstances');
    const ls = await tctl(c, 'nodes', 'ls');
    expect(ls.out).toContain('ec2-node');
    // Reachable as any node: tsh ssh through the proxy and the node's reverse tunnel.
    const alice = await loginUser(c, 'alice', ['access'], [userInfo().username]);
    const ran = await alice.tsh(['ssh', `${userInfo().username}@ec2-node`, 'echo', 'joined-by-ec2']);
    await alice.cleanup();
    expect(ran.err).toBe('');
    expect(ran.out.trim()).toBe('joined-by-ec2');
    const ok = (await joinEvents(c)).find((e) => e.code === 'TJ002I' && e.host_id === node.metadata.name);
    expect(ok).toMatchObject({ method: 'ec2', token_name: 'ec2-token', role: 'Node', attributes: { aws_account: ACCOUNT, aws_region: 'us-west-2', aws_instance_id: 'i-0aaaaaaaaaaaaaaa1' } });
  });

  it('an instance of another account joins as the rule\'s aws_role (ec2:DescribeInstances after sts:AssumeRole)', async () => {
    instance('i-0bbbbbbbbbbbbbbb2', { account: ROLE_ACCOUNT, region: 'eu-central-1' });
    const before = aws.calls.filter((x) => x === 'sts:AssumeRole').length;
    expect((await joinAs('ec2-role-node')).error).toBe('');
    expect(aws.calls.filter((x) => x === 'sts:AssumeRole').length).toBe(before + 1);
    expect((await waitForNode(c, 'ec2-role-node')).metadata.name).toBe(`${ROLE_ACCOUNT}-i-0bbbbbbbbbbbbbbb2`);
  });
});

describe('EC2 join refusals: a clear message, audited, nothing joined', () => {
  const cases: [string, () => void, string][] = [
    ['a document not signed by AWS (forged)', () => instance('i-0ccccccccccccccc3', { by: forger }), 'the EC2 instance identity document is not valid: it is not signed by AWS'],
    ['a document older than aws_iid_ttl', () => instance('i-0ddddddddddddddd4', { startedAgoMs: 10 * 60_000 }), 'is too old: the instance started at'],
    ['another account', () => instance('i-0eeeeeeeeeeeeeee5', { account: OTHER_ACCOUNT }), `EC2 instance i-0eeeeeeeeeeeeeee5 of account ${OTHER_ACCOUNT} in region us-west-2 matches no allow rule of token "ec2-token"`],
    ['a region the rule does not list', () => instance('i-0fffffffffffffff6', { region: 'ap-south-1' }), 'in region ap-south-1 matches no allow rule'],
    ['a stopped instance', () => instance('i-0123456789abcdef7', { state: 'stopped' }), 'EC2 instance i-0123456789abcdef7 is not running (its state is stopped)'],
  ];
  it.each(cases)('%s', async (_what, setup, says) => {
    setup();
    const host = `refused-${Math.random().toString(36).slice(2, 8)}`;
    const { error, dataDir } = await joinAs(host);
    expect(error).toContain(says);
    expect(existsSync(identityPath(dataDir, 'Node'))).toBe(false);
    const failed = (await joinEvents(c)).filter((e) => e.code === 'TJ002E' && e.node_name === host);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ method: 'ec2', success: false });
    expect(String(failed[0].error)).toContain(says);
  });

  it('a second host presenting the document of an instance that joined is refused', async () => {
    instance('i-0aaaaaaaaaaaaaaa1');
    const { error, dataDir } = await joinAs('ec2-replay');
    expect(error).toContain('EC2 instance i-0aaaaaaaaaaaaaaa1 has already joined the cluster as Node');
    expect(existsSync(identityPath(dataDir, 'Node'))).toBe(false);
    // Same host ID as the real instance (the document names it), but no certificates were issued for it.
    expect((await readFile(join(dataDir, 'host_uuid'), 'utf8')).trim()).toBe(`${ACCOUNT}-i-0aaaaaaaaaaaaaaa1`);
  });

  it('the ec2 token is no secret: joining with its name as a plain token is refused', async () => {
    const node = await methodNode(c, { nodename: 'ec2-as-token', token: 'ec2-token', method: 'token' });
    await expect(node.process.start()).rejects.toThrow('the join token "ec2-token" is for the ec2 join method, not a secret token');
  });
});
