/**
 * Trust lines for OpenSSH files: `@cert-authority` in known_hosts (trust host certs) and
 * `cert-authority` in authorized_keys (trust user certs).
 */
import { BadParameterError } from '../api/errors.js';
import { blobToPublicKey, formatAuthorizedKey } from './keys.js';

/**
 * A known_hosts line trusting `caBlob` for hosts matching `hostPattern` (e.g. `*.example.com`, or
 * several patterns comma-joined). BadParameterError on an empty pattern or one with whitespace.
 */
export function formatKnownHostsCA(caBlob: Buffer, hostPattern: string | string[], comment?: string): string {
  const patterns = Array.isArray(hostPattern) ? hostPattern.join(',') : hostPattern;
  if (patterns === '' || /\s/.test(patterns) || patterns.split(',').some((p) => p === '')) {
    throw new BadParameterError(`invalid known_hosts host pattern "${patterns}"`);
  }
  blobToPublicKey(caBlob);
  return `@cert-authority ${patterns} ${formatAuthorizedKey(caBlob, comment)}`;
}

/** An authorized_keys line trusting user certificates signed by `caBlob`. */
export function formatAuthorizedKeysCA(caBlob: Buffer): string {
  blobToPublicKey(caBlob);
  return `cert-authority ${formatAuthorizedKey(caBlob)}`;
}
