/**
 * A host's side of the EC2 join method: its instance identity document and PKCS#7 signature, read
 * from the instance metadata service with IMDSv2 (a session token from `PUT /latest/api/token`,
 * then GETs carrying it), and the host ID Teleport gives an EC2 host, `<account>-<instance id>`.
 * The metadata address is AWS's link-local one, or `AWS_EC2_METADATA_SERVICE_ENDPOINT` (the AWS
 * SDKs' override, which tests point at a stand-in).
 */
import { ConnectionProblemError } from '../api/errors.js';
import { ec2HostId } from '../api/join-proof.js';

/** AWS's instance metadata address. */
export const IMDS_ENDPOINT = 'http://169.254.169.254';

/** The metadata service this host asks. */
export function imdsEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || IMDS_ENDPOINT).replace(/\/+$/, '');
}

/** What IMDS says about this instance. */
export interface IMDSIdentity {
  /** The JSON document. */
  document: string;
  /** Its PKCS#7 signature (base64 DER, the document inside). */
  pkcs7: string;
  accountId: string;
  instanceId: string;
  region: string;
}

async function imdsCall(url: string, init: RequestInit, what: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new ConnectionProblemError(`cannot reach the EC2 instance metadata service at ${new URL(url).origin} for ${what} (is this an EC2 instance with IMDS enabled?): ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new ConnectionProblemError(`the EC2 instance metadata service answered ${res.status} for ${what}`);
  return res.text();
}

/** Reads the identity document and its signature over IMDSv2. ConnectionProblemError off EC2. */
export async function readInstanceIdentity(endpoint = imdsEndpoint()): Promise<IMDSIdentity> {
  const token = await imdsCall(`${endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' } }, 'a session token');
  const get = (path: string) => imdsCall(`${endpoint}/latest/dynamic/instance-identity/${path}`, { headers: { 'x-aws-ec2-metadata-token': token } }, `the instance identity ${path}`);
  const [document, pkcs7] = await Promise.all([get('document'), get('pkcs7')]);
  let doc: { accountId?: unknown; instanceId?: unknown; region?: unknown };
  try {
    doc = JSON.parse(document) as typeof doc;
  } catch {
    throw new ConnectionProblemError('the EC2 instance metadata service answered a document that is not JSON');
  }
  if (typeof doc.accountId !== 'string' || typeof doc.instanceId !== 'string' || typeof doc.region !== 'string') {
    throw new ConnectionProblemError('the EC2 instance identity document lacks accountId, instanceId or region');
  }
  return { document, pkcs7: pkcs7.replace(/\s/g, ''), accountId: doc.accountId, instanceId: doc.instanceId, region: doc.region };
}

/** `<account>-<instance id>`: the host ID of an EC2 host joining with the EC2 method. */
export async function ec2HostIdFromIMDS(endpoint = imdsEndpoint()): Promise<string> {
  const id = await readInstanceIdentity(endpoint);
  return ec2HostId(id.accountId, id.instanceId);
}
