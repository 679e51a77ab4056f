/**
 * The check an SSH client makes of a node it reached through the proxy: a host certificate from
 * the cluster's host CA, valid now, naming the node that was resolved by its host UUID (`<uuid>` or
 * `<uuid>.<cluster>`). Names (hostnames, addresses) are not enough: a node record's address can be
 * changed, and only the UUID principal ties the certificate to the record the client chose. Shared
 * by tsh (src/client/known-hosts.ts re-exports it) and the proxy's own SSH dials (the web terminal),
 * which may not import client code.
 */
import { AccessDeniedError } from '../api/errors.js';
import { parseCertificate, type SSHCertificate } from './cert.js';
import { verifyCertificate } from './cert-verify.js';

/** What a node's host certificate is checked against. */
export interface NodeHostCheck {
  /** Plain public key blobs of the cluster's host CAs. */
  trustedCAs: Buffer[];
  /** Epoch milliseconds or a Date. */
  now: number | Date;
  /** The UUID of the node that was resolved (its record's `metadata.name`). */
  hostId: string;
  /** The node's cluster: `<uuid>.<cluster>` names it too. */
  clusterName: string;
}

/**
 * Throws AccessDeniedError (with the reason) unless `cert` is a valid host certificate of the
 * cluster naming node `hostId`: its principals must hold `<hostId>` or `<hostId>.<cluster>`.
 */
export function checkNodeHostCertificate(cert: SSHCertificate, check: NodeHostCheck): void {
  if (check.hostId === '') throw new AccessDeniedError('no node was resolved to check the host certificate against');
  verifyCertificate(cert, { trustedCAs: check.trustedCAs, now: check.now, type: 'host' });
  // verifyCertificate checked a fresh parse of the blob: read the principals from the same bytes.
  const principals = parseCertificate(cert.blob).principals;
  const names = [check.hostId, `${check.hostId}.${check.clusterName}`];
  if (!names.some((n) => principals.includes(n))) {
    const shown = principals.slice(0, 8).join(', ') + (principals.length > 8 ? ', ...' : '');
    throw new AccessDeniedError(
      `host certificate "${cert.keyId}" does not belong to node ${check.hostId}: none of its principals (${shown}) is that node's UUID; the node record may point at another host`,
    );
  }
}

/**
 * What a host must prove. `{ hostId, clusterName }`: the node resolved (its UUID must be among the
 * certificate's principals as `<uuid>` or `<uuid>.<cluster>`; an empty hostId trusts no node).
 * `{ name }`: a host the client could not resolve to a node record it may see (its roles hide the
 * node, which then refuses the login anyway): the certificate must name it. `'proxy'`: any host
 * certificate of the cluster (the proxy is reached by any name).
 */
export interface HostCheck {
  trustedCAs: Buffer[];
  host: { hostId: string; clusterName: string } | { name: string } | 'proxy';
  now: () => number;
}

/** The host key an SSH client was shown (sshutils' HostKeyInfo): the plain key, and the certificate if any. */
export interface PresentedHostKey {
  blob: Buffer;
  cert?: SSHCertificate;
}

/**
 * A `verifyHostKey` for an SSH client's connection (tsh's, the proxy's web terminal) that records
 * why it refused: `refusal()` returns an AccessDeniedError explaining the last refusal (for a
 * message better than "host key not trusted").
 */
export function hostVerifier(check: HostCheck, hostDescription: string): { verify(key: PresentedHostKey): boolean; refusal(): AccessDeniedError | undefined } {
  let refused: AccessDeniedError | undefined;
  return {
    verify(key) {
      if (!key.cert) {
        refused = new AccessDeniedError(`${hostDescription} presented a plain host key, not a host certificate from the cluster's host CA`);
        return false;
      }
      try {
        const h = check.host;
        if (h === 'proxy') verifyCertificate(key.cert, { trustedCAs: check.trustedCAs, now: check.now(), type: 'host' });
        else if ('name' in h) verifyCertificate(key.cert, { trustedCAs: check.trustedCAs, now: check.now(), type: 'host', principal: h.name });
        else checkNodeHostCertificate(key.cert, { trustedCAs: check.trustedCAs, now: check.now(), ...h });
        return true;
      } catch (err) {
        refused = new AccessDeniedError(`${hostDescription} is not trusted: ${(err as Error).message}`, { cause: err });
        return false;
      }
    },
    refusal: () => refused,
  };
}
