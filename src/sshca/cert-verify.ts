/**
 * Certificate verification as an SSH server (user certs) or client (host certs) must do it:
 * trusted CA, signature, type, validity window, principals and critical options.
 */
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { certificateSignedBytes, parseCertificate, type SSHCertificate } from './cert.js';
import { fingerprint, isCertType, sshKeyType } from './keys.js';
import { verifySSH } from './signature.js';
import { matchSourceAddress } from './source-address.js';

/** What a certificate is checked against. `now` is a Date or epoch milliseconds (from a Clock). */
export interface VerifyCertificateOptions {
  /** Plain public key blobs of the CAs trusted for this certificate type. */
  trustedCAs: Buffer[];
  now: Date | number;
  type: 'user' | 'host';
  /**
   * The login (user certs) or host name (host certs) that must be among the principals. When
   * omitted only a non-empty list is required: callers authorizing a login must pass it.
   */
  principal?: string;
  /** The peer's IP; required when the certificate carries a source-address option. */
  sourceAddress?: string;
  /** Critical options the caller enforces itself, beyond force-command and source-address. */
  knownCriticalOptions?: string[];
}

/** Critical options this module understands; force-command is returned to the caller to enforce. */
const BUILTIN_CRITICAL = ['force-command', 'source-address'];

/**
 * Throw AccessDeniedError (with the reason) unless `cert` is valid for `opts`. Checks run on a
 * fresh parse of `cert.blob`, so edited fields of the object cannot bypass the signature.
 */
export function verifyCertificate(cert: SSHCertificate, opts: VerifyCertificateOptions): void {
  let c: SSHCertificate;
  try {
    c = parseCertificate(cert.blob);
  } catch (cause) {
    throw new AccessDeniedError('certificate is malformed', { cause });
  }
  const deny = (reason: string): never => {
    throw new AccessDeniedError(`certificate "${c.keyId}" (serial ${c.serial}) rejected: ${reason}`);
  };

  let caType: string;
  try {
    caType = sshKeyType(c.signatureKey);
  } catch {
    return deny('signing key is malformed');
  }
  if (isCertType(caType)) deny('signing key is itself a certificate');
  if (!opts.trustedCAs.some((ca) => ca.equals(c.signatureKey))) {
    deny(`signed by untrusted authority ${fingerprint(c.signatureKey)}`);
  }
  let signed = false;
  try {
    signed = verifySSH(c.signatureKey, certificateSignedBytes(c), c.signature);
  } catch (err) {
    if (!(err instanceof BadParameterError)) throw err;
  }
  if (!signed) deny('signature does not verify');

  if (c.type !== opts.type) deny(`is a ${c.type} certificate, expected a ${opts.type} certificate`);

  const nowMs = opts.now instanceof Date ? opts.now.getTime() : opts.now;
  if (!Number.isFinite(nowMs)) throw new BadParameterError('verifyCertificate: now is not a valid time');
  const now = BigInt(Math.floor(nowMs / 1000));
  if (now < c.validAfter) deny(`not valid until ${isoSeconds(c.validAfter)}`);
  if (now >= c.validBefore) deny(`expired at ${isoSeconds(c.validBefore)}`);

  if (c.principals.length === 0) deny('has no principals (an empty list is not a wildcard here)');
  if (opts.principal !== undefined && !c.principals.includes(opts.principal)) {
    deny(`principal "${opts.principal}" is not in the certificate's principals`);
  }

  const known = new Set([...BUILTIN_CRITICAL, ...(opts.knownCriticalOptions ?? [])]);
  for (const [name, value] of Object.entries(c.criticalOptions)) {
    if (!known.has(name)) deny(`unsupported critical option "${name}"`);
    if (name !== 'source-address') continue;
    if (opts.sourceAddress === undefined) deny('has a source-address restriction but no client address was given');
    let ok = false;
    try {
      ok = matchSourceAddress(value, opts.sourceAddress!);
    } catch {
      deny(`has an invalid source-address list "${value.slice(0, 64)}"`);
    }
    if (!ok) deny(`source address ${opts.sourceAddress} is not allowed by source-address "${value.slice(0, 128)}"`);
  }
}

function isoSeconds(s: bigint): string {
  const ms = Number(s) * 1000;
  return ms <= 8.64e15 ? new Date(ms).toISOString() : `${s}s`;
}
