/**
 * The IAM join method end to end: `tctl create` of a `join_method: iam` token with `aws_account` and
 * a wildcard `aws_arn`, a v3 node (`join_params: {token_name, method: iam}`, `proxy_server`) whose
 * AWS SDK signs `sts:GetCallerIdentity` with its credentials, and auth forwarding it to STS. STS is a
 * stand-in (test/aws-standin/aws-api.ts, checking SigV4) that auth reaches only because its own
 * configuration maps the genuine host name `sts.us-west-2.amazonaws.com` there. Refusals: another
 * account or role, a request for another host or action, a challenge for another key, a replay, a
 * bad signature; each audited, nothing joined.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterRequest } from '../src/api/auth-wire.js';
import { joinViaProxy } from '../src/api/client/index.js';
import { iamChallenge } from '../src/api/join-proof.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess, identityPath } from '../src/service/index.js';
import { signedIdentityRequest } from '../src/service/join-iam.js';
import { AWSAPIStandIn } from './aws-standin/aws-api.js';
import { joinEvents, methodNode, tctlCreate, waitForNode } from './aws-standin/join-node.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

const ACCOUNT = '111122223333';
const NODE_KEY = { accessKeyId: 'AKIANODEROLE00000001', secretAccessKey: 'node-secret' };
const DEV_KEY = { accessKeyId: 'AKIADEVUSER000000002', secretAccessKey: 'dev-secret' };
const OTHER_KEY = { accessKeyId: 'AKIAOTHERACCOUNT0003', secretAccessKey: 'other-secret' };
const STS_HOST = 'sts.us-west-2.amazonaws.com';

let c: TestCluster;
const aws = new AWSAPIStandIn();
const closers: (() => Promise<void>)[] = [];

/** Starts a node with `key` as its AWS credentials; '' once joined, else the refusal. */
async function joinWithKey(key: { accessKeyId: string; secretAccessKey: string }, nodename = `iam-${Math.random().toString(36).slice(2, 8)}`): Promise<{ error: string; dataDir: string; nodename: string }> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_REGION: 'us-west-2' });
  const node = await methodNode(c, { nodename, token: 'iam-token', method: 'iam' });
  try {
    await node.process.start();
    closers.push(() => node.process.close());
    return { error: '', dataDir: node.dataDir, nodename };
  } catch (err) {
    return { error: (err as Error).message, dataDir: node.dataDir, nodename };
  }
}

/** A join request through the proxy with a hand-made signed request (what a hostile host could send). */
async function register(stsRequest: string, publicKeyPem: string, nodename: string): Promise<string> {
  const req: RegisterRequest = { token: 'iam-token', join_method: 'iam', sts_identity_request: stsRequest, host_id: randomUUID(), node_name: nodename, role: 'Node', public_key: publicKeyPem };
  try {
    await joinViaProxy({ addr: c.webAddr, caPins: [] }, req);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const wire = (b64: string) => Buffer.from(b64, 'base64').toString('latin1');
const rewire = (text: string) => Buffer.from(text, 'latin1').toString('base64');

beforeAll(async () => {
  aws.keys.set(NODE_KEY.accessKeyId, { secret: NODE_KEY.secretAccessKey, account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/teleport-node/i-0123` });
  aws.keys.set(DEV_KEY.accessKeyId, { secret: DEV_KEY.secretAccessKey, account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/dev` });
  aws.keys.set(OTHER_KEY.accessKeyId, { secret: OTHER_KEY.secretAccessKey, account: '444455556666', arn: 'arn:aws:sts::444455556666:assumed-role/teleport-node/i-0456' });
  await aws.start();
  c = await startCluster({ clusterName: 'iam-join.test', joinMethods: { iam: { stsEndpoints: { [STS_HOST]: aws.url } } } });
  const created = await tctlCreate(c, 'iam-token', [
    'kind: token', 'version: v2', 'metadata: {name: iam-token}', 'spec:', '  roles: [Node]', '  join_method: iam', '  allow:',
    `  - aws_account: "${ACCOUNT}"`, `    aws_arn: "arn:aws:sts::${ACCOUNT}:assumed-role/teleport-*/i-*"`, '',
  ].join('\n'));
  expect(created.err).toBe('');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await c?.close();
  await aws.close();
});

describe('IAM join', () => {
  it('a node whose AWS role matches aws_account and the aws_arn wildcard joins with no secret', async () => {
    const r = await joinWithKey(NODE_KEY, 'iam-node');
    expect(r.error).toBe('');
    await waitForNode(c, 'iam-node');
    expect(aws.calls).toContain('sts:GetCallerIdentity');
    const ok = (await joinEvents(c)).find((e) => e.code === 'TJ002I' && e.node_name === 'iam-node');
    expect(ok).toMatchObject({ method: 'iam', token_name: 'iam-token', attributes: { aws_account: ACCOUNT, aws_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/teleport-node/i-0123` } });
  });

  it.each([
    ['an identity of another account', OTHER_KEY, 'the AWS identity arn:aws:sts::444455556666:assumed-role/teleport-node/i-0456 (account 444455556666) matches no allow rule of token "iam-token"'],
    ['an identity of the account that the ARN pattern does not match', DEV_KEY, `the AWS identity arn:aws:iam::${ACCOUNT}:user/dev (account ${ACCOUNT}) matches no allow rule`],
  ])('refuses %s, audited, nothing joined', async (_what, key, says) => {
    const r = await joinWithKey(key);
    expect(r.error).toContain(says);
    expect(existsSync(identityPath(r.dataDir, 'Node'))).toBe(false);
    const failed = (await joinEvents(c)).filter((e) => e.node_name === r.nodename);
    expect(failed.map((e) => e.code)).toEqual(['TJ002E']);
    expect(failed[0]).toMatchObject({ method: 'iam' });
    expect(String(failed[0].error)).toContain(says);
  });
});

describe('IAM join of a proxy, straight to auth', () => {
  it('a proxy-only process with join_params method iam and auth_server joins as Proxy', async () => {
    const created = await tctlCreate(c, 'iam-proxy-token', [
      'kind: token', 'version: v2', 'metadata: {name: iam-proxy-token}', 'spec:', '  roles: [Proxy]', '  join_method: iam', `  allow: [{aws_account: "${ACCOUNT}"}]`, '',
    ].join('\n'));
    expect(created.err).toBe('');
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: NODE_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: NODE_KEY.secretAccessKey, AWS_REGION: 'us-west-2' });
    const dir = await mkdtemp(join(c.dir, 'iam-proxy-'));
    const configPath = join(dir, 'teleport.yaml');
    await writeFile(configPath, [
      'version: v3', 'teleport:', '  nodename: iam-proxy', `  data_dir: ${join(dir, 'data')}`, '  join_params: {token_name: iam-proxy-token, method: iam}', `  auth_server: ${c.authAddr}`,
      '  log: {output: stderr, severity: ERROR}', 'auth_service: {enabled: no}', 'ssh_service: {enabled: no}',
      'proxy_service: {enabled: yes, web_listen_addr: 127.0.0.1:0, listen_addr: 127.0.0.1:0, tunnel_listen_addr: 127.0.0.1:0}', '',
    ].join('\n'));
    const proxy = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
    closers.push(() => proxy.close());
    await proxy.start();
    expect(existsSync(identityPath(join(dir, 'data'), 'Proxy'))).toBe(true);
    const ok = (await joinEvents(c)).find((e) => e.code === 'TJ002I' && e.node_name === 'iam-proxy');
    expect(ok).toMatchObject({ method: 'iam', role: 'Proxy', token_name: 'iam-proxy-token' });
  });
});

describe('IAM join: the signed request is checked before auth sends it anywhere', () => {
  const signed = async (pem: string) => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: NODE_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: NODE_KEY.secretAccessKey, AWS_REGION: 'us-west-2' });
    return signedIdentityRequest(iamChallenge(pem));
  };

  it('the SDK-signed request names the regional STS host, POST /, GetCallerIdentity and signs the challenge', async () => {
    const text = wire(await signed(newKey()));
    expect(text).toMatch(/^POST \/ HTTP\/1\.1\r\n/);
    expect(text).toContain(`host: ${STS_HOST}`);
    expect(text).toMatch(/authorization: AWS4-HMAC-SHA256 Credential=AKIANODEROLE00000001\/\d{8}\/us-west-2\/sts\/aws4_request, SignedHeaders=[^,]*x-teleport-challenge/);
    expect(text.endsWith('\r\n\r\nAction=GetCallerIdentity&Version=2011-06-15')).toBe(true);
  });

  it('refuses a request pointed at another host, and never calls it', async () => {
    const pem = newKey();
    const before = aws.calls.length;
    const forged = rewire(wire(await signed(pem)).replace(`host: ${STS_HOST}`, `host: 127.0.0.1:${new URL(aws.url).port}`));
    expect(await register(forged, pem, 'iam-host')).toContain(`the IAM join request is addressed to "127.0.0.1:${new URL(aws.url).port}", which is not an AWS STS endpoint`);
    const lookalike = rewire(wire(await signed(pem)).replace(`host: ${STS_HOST}`, 'host: sts.us-west-2.amazonaws.com.evil.example'));
    expect(await register(lookalike, pem, 'iam-host2')).toContain('is not an AWS STS endpoint');
    expect(aws.calls.length).toBe(before);
  });

  it('refuses another action', async () => {
    const pem = newKey();
    const other = wire(await signed(pem)).replace('Action=GetCallerIdentity&Version=2011-06-15', 'Action=AssumeRole&Version=2011-06-15&RoleArn=x');
    expect(await register(rewire(other), pem, 'iam-action')).toContain('the IAM join request asks STS for action "AssumeRole"');
  });

  it('refuses a request signed for another key (a stolen request) and a replayed one', async () => {
    const pem = newKey();
    const req = await signed(pem);
    expect(await register(req, newKey(), 'iam-stolen')).toContain("x-teleport-challenge does not match the key being joined");
    expect(await register(req, pem, 'iam-once')).toBe('');
    expect(await register(req, pem, 'iam-twice')).toContain('this signed STS request was already used to join');
  });

  it('a request whose signature STS rejects is refused with STS\'s code', async () => {
    const pem = newKey();
    const tampered = wire(await signed(pem)).replace(/Signature=([0-9a-f])/, (_m, d: string) => `Signature=${d === '0' ? '1' : '0'}`);
    expect(await register(rewire(tampered), pem, 'iam-badsig')).toContain('STS refused the signed GetCallerIdentity request: 403 SignatureDoesNotMatch');
    const failed = (await joinEvents(c)).filter((e) => e.node_name === 'iam-badsig');
    expect(failed.map((e) => e.code)).toEqual(['TJ002E']);
  });
});
