/**
 * The EC2 join method (Teleport's `join_method: ec2`): the host sends the PKCS#7-signed instance
 * identity document it read from IMDS; auth checks AWS's signature, that the account and region
 * match an allow rule, that the instance started less than `aws_iid_ttl` ago, that the host ID is
 * `<account>-<instance id>` and the instance has not joined yet, and that EC2 says it is running
 * (`ec2:DescribeInstances`, as the rule's `aws_role` when it names one).
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Clock } from '../../api/clock.js';
import { formatDuration, parseDuration } from '../../api/duration.js';
import { AccessDeniedError, BadParameterError, isCode } from '../../api/errors.js';
import { ec2HostId } from '../../api/join-proof.js';
import type { RegisterRequest } from '../../api/auth-wire.js';
import type { ProvisionToken, TokenRule } from '../../api/types/index.js';
import type { Services } from '../../services/index.js';
import { AWS_IID_CERTIFICATES } from './aws-certificates.js';
import { verifyInstanceIdentity, type InstanceIdentity } from './iid.js';

/** Where auth checks EC2 joins; every field defaults to the real AWS. */
export interface EC2JoinOptions {
  /** PEM certificates trusted to sign instance identity documents (default AWS's, aws-certificates.ts). */
  iidCertificates?: readonly string[];
  /** The EC2 API endpoint (default: the region's), e.g. a stand-in's URL. */
  ec2Endpoint?: string;
  /** The STS endpoint `aws_role` is assumed through (default: the region's). */
  stsEndpoint?: string;
  /** Auth's own AWS credentials (default: the SDK's chain: environment, shared files, instance role). */
  credentials?: AwsCredentialIdentity;
}

/** The default `aws_iid_ttl` (Teleport's 5 minutes). */
export const DEFAULT_IID_TTL = '5m0s';

/** What an EC2 join proved, for the audit event's attributes. */
export type EC2JoinAttributes = Pick<InstanceIdentity, 'accountId' | 'instanceId' | 'region' | 'pendingTime'>;

/**
 * Checks an EC2 join of `req` with `token`. Throws AccessDeniedError saying which check failed.
 * `record` is called last, to claim the instance (it throws when the instance already joined).
 */
export async function checkEC2Join(
  token: ProvisionToken,
  req: RegisterRequest,
  o: { clock: Clock; services: Services; options: EC2JoinOptions },
): Promise<EC2JoinAttributes> {
  if (!req.ec2_identity_document) throw new BadParameterError('the EC2 join method needs the instance identity document (ec2_identity_document)');
  const doc = await verifyInstanceIdentity(req.ec2_identity_document, o.options.iidCertificates ?? AWS_IID_CERTIFICATES);
  const rule = (token.spec.allow ?? []).find((r) => r.aws_account === doc.accountId && (!r.aws_regions?.length || r.aws_regions.includes(doc.region)));
  if (!rule) {
    throw new AccessDeniedError(`EC2 instance ${doc.instanceId} of account ${doc.accountId} in region ${doc.region} matches no allow rule of token "${token.metadata.name}"`);
  }
  const ttlText = typeof token.spec.aws_iid_ttl === 'string' ? token.spec.aws_iid_ttl : DEFAULT_IID_TTL;
  const ttl = parseDuration(ttlText);
  const started = Date.parse(doc.pendingTime);
  if (o.clock.now() > started + ttl) {
    throw new AccessDeniedError(
      `the instance identity document of ${doc.instanceId} is too old: the instance started at ${doc.pendingTime}, more than aws_iid_ttl (${formatDuration(ttl)}) ago; stop and start the instance for a new one, or raise aws_iid_ttl`,
    );
  }
  const hostId = ec2HostId(doc.accountId, doc.instanceId);
  if (req.host_id !== hostId) {
    throw new AccessDeniedError(`a host joining with the EC2 method must have host ID "${hostId}" (its account and instance), not "${req.host_id}"; remove data_dir/host_uuid`);
  }
  await refuseJoined(o.services, hostId, req.role, doc.instanceId);
  const state = await instanceState(doc, rule, o.options);
  if (state !== 'running') throw new AccessDeniedError(`EC2 instance ${doc.instanceId} is not running (its state is ${state ?? 'unknown: EC2 does not know it'})`);
  await claimInstance(o.services, hostId, req.role, started + ttl, doc.instanceId);
  return { accountId: doc.accountId, instanceId: doc.instanceId, region: doc.region, pendingTime: doc.pendingTime };
}

const claimKey = (hostId: string, role: string) => `/ec2joins/${hostId}/${role.toLowerCase()}`;
const alreadyJoined = (instanceId: string, role: string) =>
  new AccessDeniedError(`EC2 instance ${instanceId} has already joined the cluster as ${role}: its identity document may not be used again (a second host presenting it is refused)`);

/** A node of this instance that heartbeats, or an earlier join of it in the document's lifetime, means it joined. */
async function refuseJoined(services: Services, hostId: string, role: string, instanceId: string): Promise<void> {
  const claimed = await services.backend.get(claimKey(hostId, role)).catch((err: unknown) => (isCode(err, 'not_found') ? undefined : Promise.reject(err)));
  if (claimed) throw alreadyJoined(instanceId, role);
  if (role.toLowerCase() === 'node') {
    const node = await services.nodes.get(hostId).catch((err: unknown) => (isCode(err, 'not_found') ? undefined : Promise.reject(err)));
    if (node) throw alreadyJoined(instanceId, role);
  }
}

/** Claims the instance for `role` until its document expires (create fails when another join won the race). */
async function claimInstance(services: Services, hostId: string, role: string, until: number, instanceId: string): Promise<void> {
  try {
    await services.backend.create({ key: claimKey(hostId, role), value: JSON.stringify({ role }), expires: Math.max(until, services.clock.now() + 60_000) });
  } catch (err) {
    if (isCode(err, 'already_exists')) throw alreadyJoined(instanceId, role);
    throw err;
  }
}

/** The instance's state name from `ec2:DescribeInstances`, as the rule's `aws_role` when set. */
async function instanceState(doc: InstanceIdentity, rule: TokenRule, options: EC2JoinOptions): Promise<string | undefined> {
  let credentials = options.credentials;
  try {
    // The AWS SDK is loaded on first use (the EC2 client alone is megabytes of code every start would parse).
    const [{ DescribeInstancesCommand, EC2Client }, { AssumeRoleCommand, STSClient }] = await Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-sts')]);
    if (rule.aws_role) {
      const sts = new STSClient({ region: doc.region, maxAttempts: 2, ...(options.stsEndpoint && { endpoint: options.stsEndpoint }), ...(credentials && { credentials }) });
      const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: rule.aws_role, RoleSessionName: 'teleport-ec2-join' }));
      const c = assumed.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`assuming ${rule.aws_role} returned no credentials`);
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken && { sessionToken: c.SessionToken }) };
    }
    const ec2 = new EC2Client({ region: doc.region, maxAttempts: 2, ...(options.ec2Endpoint && { endpoint: options.ec2Endpoint }), ...(credentials && { credentials }) });
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [doc.instanceId] }));
    const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === doc.instanceId);
    return found?.State?.Name;
  } catch (err) {
    const e = err as Error & { name?: string };
    if (e.name === 'InvalidInstanceID.NotFound') return undefined;
    throw new AccessDeniedError(`cannot check that EC2 instance ${doc.instanceId} is running: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}${rule.aws_role ? ` (as ${rule.aws_role})` : ''}; the auth server needs ec2:DescribeInstances${rule.aws_role ? ' and sts:AssumeRole on aws_role' : ''}`, { cause: err });
  }
}
