/**
 * The Kubernetes join method end to end: `tctl create` of `join_method: kubernetes` tokens, and v3
 * nodes (`join_params: {token_name, method: kubernetes}`, `proxy_server`) joining with the service
 * account token at KUBERNETES_TOKEN_PATH. `static_jwks`: the token is a JWT checked against the
 * token's JWKS; `in_cluster`: auth asks a TokenReview stand-in (test/kube-standin: no Kubernetes
 * API server runs here). Refusals: a JWT signed by another key, for another service account or
 * audience, a legacy or unknown token; each audited, nothing joined.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityPath } from '../src/service/index.js';
import { joinEvents, methodNode, tctlCreate, waitForNode } from './aws-standin/join-node.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { TokenReviewStandIn } from './kube-standin/token-review.js';

const CLUSTER = 'kube-join.test';
let c: TestCluster;
let issuer: CryptoKey;
let stranger: CryptoKey;
const review = new TokenReviewStandIn('auth-reviewer-token');
const closers: (() => Promise<void>)[] = [];

/** A projected service account token as the kubelet writes it. */
async function saToken(o: { key?: CryptoKey; sa?: string; aud?: string; ttlS?: number; pod?: boolean } = {}): Promise<string> {
  const [ns, name] = (o.sa ?? 'teleport:agent').split(':');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ 'kubernetes.io': { namespace: ns, serviceaccount: { name, uid: 'a1b2' }, ...(o.pod !== false && { pod: { name: `${name}-7d9f`, uid: 'c3d4' } }) } })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer('https://kubernetes.default.svc')
    .setSubject(`system:serviceaccount:${ns}:${name}`)
    .setAudience(o.aud ?? CLUSTER)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.ttlS ?? 600))
    .sign(o.key ?? issuer);
}

/** Writes `token` where the node reads it and starts a node with `tokenName`; '' once joined, else the refusal. */
async function joinWith(tokenName: string, token: string, nodename = `k-${Math.random().toString(36).slice(2, 8)}`): Promise<{ error: string; dataDir: string; nodename: string }> {
  const path = join(c.dir, `${nodename}.jwt`);
  await writeFile(path, token + '\n');
  process.env.KUBERNETES_TOKEN_PATH = path;
  const node = await methodNode(c, { nodename, token: tokenName, method: 'kubernetes' });
  try {
    await node.process.start();
    closers.push(() => node.process.close());
    return { error: '', dataDir: node.dataDir, nodename };
  } catch (err) {
    return { error: (err as Error).message, dataDir: node.dataDir, nodename };
  }
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  issuer = pair.privateKey;
  ({ privateKey: stranger } = await generateKeyPair('RS256'));
  const url = await review.start();
  c = await startCluster({ clusterName: CLUSTER, joinMethods: { kubernetes: { apiServer: async () => ({ url, token: 'auth-reviewer-token' }) } } });
  const { publicKey } = await generateKeyPair('RS256'); // a second, unrelated key in the set
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' }, { ...(await exportJWK(publicKey)), kid: 'k2', use: 'sig', alg: 'RS256' }] });
  const created = await tctlCreate(c, 'kube-jwks', [
    'kind: token', 'version: v2', 'metadata: {name: kube-jwks}', 'spec:', '  roles: [Node]', '  join_method: kubernetes', '  kubernetes:', '    type: static_jwks',
    `    static_jwks: {jwks: '${jwks}'}`, '    allow: [{service_account: "teleport:agent"}]', '',
  ].join('\n'));
  expect(created.err).toBe('');
  const inCluster = await tctlCreate(c, 'kube-in-cluster', [
    'kind: token', 'version: v2', 'metadata: {name: kube-in-cluster}', 'spec:', '  roles: [Node]', '  join_method: kubernetes', '  kubernetes:', '    type: in_cluster', '    allow: [{service_account: "teleport:agent"}]', '',
  ].join('\n'));
  expect(inCluster.err).toBe('');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await c?.close();
  await review.close();
});

describe('Kubernetes join, static_jwks', () => {
  it('a node with the pod\'s projected service account token joins with no secret', async () => {
    const r = await joinWith('kube-jwks', await saToken(), 'kube-static-node');
    expect(r.error).toBe('');
    await waitForNode(c, 'kube-static-node');
    const ok = (await joinEvents(c)).find((e) => e.code === 'TJ002I' && e.node_name === 'kube-static-node');
    expect(ok).toMatchObject({ method: 'kubernetes', token_name: 'kube-jwks', attributes: { username: 'system:serviceaccount:teleport:agent' } });
  });

  const refusals: [string, () => Promise<string>, string][] = [
    ['a JWT signed by another key', () => saToken({ key: stranger }), 'is not signed by a key of the token\'s static_jwks'],
    ['a JWT of another service account', () => saToken({ sa: 'default:intruder' }), 'the Kubernetes service account "default:intruder" matches no allow rule of token "kube-jwks"'],
    ['a JWT for another audience', () => saToken({ aud: 'other-cluster' }), 'is not valid for this cluster: unexpected "aud" claim value'],
    ['a token living longer than 30 minutes', () => saToken({ ttlS: 3600 }), 'lives at most 30 minutes'],
    ['a token not bound to a pod', () => saToken({ pod: false }), 'needs a projected service account token bound to a pod'],
  ];
  it.each(refusals)('refuses %s, audited, nothing joined', async (_what, make, says) => {
    const r = await joinWith('kube-jwks', await make());
    expect(r.error).toContain(says);
    expect(existsSync(identityPath(r.dataDir, 'Node'))).toBe(false);
    const failed = (await joinEvents(c)).filter((e) => e.node_name === r.nodename);
    expect(failed.map((e) => e.code)).toEqual(['TJ002E']);
    expect(String(failed[0].error)).toContain(says);
  });
});

describe('Kubernetes join, in_cluster (TokenReview)', () => {
  it('a token the API server reviews as the allowed service account joins', async () => {
    review.tokens.set('projected-token-1', { namespace: 'teleport', serviceAccount: 'agent', pod: 'agent-0' });
    const r = await joinWith('kube-in-cluster', 'projected-token-1', 'kube-review-node');
    expect(r.error).toBe('');
    await waitForNode(c, 'kube-review-node');
    expect(review.reviewed).toContain('projected-token-1');
  });

  it('refuses a token the API server does not know, a legacy token and another service account', async () => {
    expect((await joinWith('kube-in-cluster', 'forged-token')).error).toContain('Kubernetes did not accept the service account token: [invalid bearer token, token lookup failed]');
    review.tokens.set('legacy-token', { namespace: 'teleport', serviceAccount: 'agent' });
    expect((await joinWith('kube-in-cluster', 'legacy-token')).error).toContain('is a legacy service account token not bound to a pod');
    review.tokens.set('other-sa', { namespace: 'kube-system', serviceAccount: 'default', pod: 'x-0' });
    expect((await joinWith('kube-in-cluster', 'other-sa')).error).toContain('the Kubernetes service account "kube-system:default" matches no allow rule');
  });

  it('an API server that refuses auth\'s own credentials fails the join with its answer, not as an unreachable auth server', async () => {
    const reviewer = review.reviewerToken;
    review.reviewerToken = 'rotated';
    try {
      const r = await joinWith('kube-in-cluster', 'projected-token-1');
      expect(r.error).toContain('the auth server could not check this kubernetes join: the Kubernetes TokenReview failed: 401');
      expect(r.error).not.toContain('could not reach any auth server');
    } finally {
      review.reviewerToken = reviewer;
    }
  });

  it('a token of the kubernetes method used by a host joining with iam is refused, naming both', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAUNUSED0000000001', AWS_SECRET_ACCESS_KEY: 'unused', AWS_REGION: 'us-east-1' });
    const node = await methodNode(c, { nodename: 'wrong-method', token: 'kube-in-cluster', method: 'iam' });
    await expect(node.process.start()).rejects.toThrow('the join token "kube-in-cluster" is for the kubernetes join method, but the host joined with iam; set teleport.join_params.method: kubernetes');
  });
});
