/**
 * What a host and auth agree on for the secretless join methods. The IAM method's challenge: the
 * host puts it in the signed `X-Teleport-Challenge` header of its `sts:GetCallerIdentity` request.
 * Teleport has auth send a random challenge over a stream first; here it is bound to the public key
 * being certified instead (no round trip, no state shared between auth servers), so a replayed
 * request can only ever certify the key of the host that signed it, and auth takes each signed
 * request once.
 */
import { createHash, createPublicKey } from 'node:crypto';

/** The signed header that carries the challenge (lowercase, as SigV4 lists signed headers). */
export const IAM_CHALLENGE_HEADER = 'x-teleport-challenge';

/** The only request body auth accepts for the IAM method. */
export const STS_IDENTITY_REQUEST_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** The IAM challenge for a host's PEM public key: base64 (no padding) of the SHA-256 of its SPKI. */
export function iamChallenge(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64').replace(/=+$/, '');
}

/** The host ID a host joining with the EC2 method must have (Teleport's `<account>-<instance id>`). */
export function ec2HostId(accountId: string, instanceId: string): string {
  return `${accountId}-${instanceId}`;
}
