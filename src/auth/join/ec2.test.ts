import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterRequest } from '../../api/auth-wire.js';
import { FakeClock } from '../../api/clock.js';
import { validateToken } from '../../api/types/index.js';
import { MemoryBackend } from '../../backend/memory/memory.js';
import { createServices, type Services } from '../../services/index.js';
import { AWSAPIStandIn } from '../../../test/aws-standin/aws-api.js';
import { IIDSigner } from '../../../test/aws-standin/iid-signer.js';
import { checkEC2Join } from './ec2.js';

const ACCOUNT = '210987654321';
const KEY = { accessKeyId: 'AKIAUNITAUTH00000001', secretAccessKey: 'unit-secret' };
const started = Date.parse('2026-12-07T12:00:00Z');
const signer = new IIDSigner();
const aws = new AWSAPIStandIn();
const clock = new FakeClock(started);
let services: Services;

const token = validateToken({ kind: 'token', version: 'v2', metadata: { name: 'ec2' }, spec: { roles: ['Node'], join_method: 'ec2', aws_iid_ttl: '10m', allow: [{ aws_account: ACCOUNT }] } });
const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const request = (instanceId: string): RegisterRequest => ({
  token: 'ec2', join_method: 'ec2', host_id: `${ACCOUNT}-${instanceId}`, node_name: 'n', role: 'Node', public_key: publicKey,
  ec2_identity_document: signer.sign(IIDSigner.text({ accountId: ACCOUNT, instanceId, region: 'us-east-2', pendingTime: new Date(started).toISOString() })),
});
const check = (req: RegisterRequest) => checkEC2Join(token, req, { clock, services, options: { iidCertificates: [signer.certPem], ec2Endpoint: aws.url, credentials: KEY } });

beforeAll(async () => {
  aws.keys.set(KEY.accessKeyId, { secret: KEY.secretAccessKey, account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/auth` });
  await aws.start();
  services = createServices(new MemoryBackend({ clock }));
});
afterAll(async () => {
  await aws.close();
  signer.close();
});

describe('EC2 join checks with the injected clock', () => {
  it('accepts a document up to aws_iid_ttl after the instance started, and refuses it a second later', async () => {
    aws.instances.set('i-0aaaa00000000001', { account: ACCOUNT, state: 'running' });
    aws.instances.set('i-0aaaa00000000002', { account: ACCOUNT, state: 'running' });
    clock.set(started + 10 * 60_000);
    await expect(check(request('i-0aaaa00000000001'))).resolves.toMatchObject({ accountId: ACCOUNT, region: 'us-east-2' });
    clock.set(started + 10 * 60_000 + 1000);
    await expect(check(request('i-0aaaa00000000002'))).rejects.toThrow('more than aws_iid_ttl (10m0s) ago');
  });

  it('refuses a host ID other than <account>-<instance>, and an instance EC2 does not know', async () => {
    clock.set(started + 60_000);
    await expect(check({ ...request('i-0aaaa00000000003'), host_id: 'random-uuid' })).rejects.toThrow(`must have host ID "${ACCOUNT}-i-0aaaa00000000003"`);
    await expect(check(request('i-0aaaa00000000003'))).rejects.toThrow('is not running (its state is unknown: EC2 does not know it)');
  });

  it('the same instance joins a role once', async () => {
    clock.set(started + 60_000);
    aws.instances.set('i-0aaaa00000000004', { account: ACCOUNT, state: 'running' });
    await check(request('i-0aaaa00000000004'));
    await expect(check(request('i-0aaaa00000000004'))).rejects.toThrow('has already joined the cluster as Node');
  });
});
