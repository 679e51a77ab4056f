/**
 * Host trust as tsh keeps it: `@cert-authority` lines in `~/.tsh/known_hosts` (or an identity
 * file) name the host CA of each cluster; a host is trusted when it presents a host certificate
 * from that CA, valid now, naming the host it was asked for.
 */
import { AccessDeniedError } from '../api/errors.js';
import type { HostKeyInfo } from '../sshutils/index.js';
import { parseAuthorizedKey, sshKeyType, verifyCertificate } from '../sshca/index.js';

/** One `@cert-authority <patterns> <key>` line. */
export interface HostCAEntry {
  patterns: string[];
  /** The CA's plain public key blob. */
  key: Buffer;
  /** Its key type (`ssh-ed25519`, `ssh-rsa`...). */
  keyType: string;
}

/** The `@cert-authority` lines of a known_hosts text; other and malformed lines are skipped. */
export function parseHostCAs(lines: string | string[]): HostCAEntry[] {
  const out: HostCAEntry[] = [];
  for (const raw of Array.isArray(lines) ? lines : lines.split('\n')) {
    const m = /^@cert-authority\s+(\S+)\s+(.+)$/.exec(raw.trim());
    if (!m) continue;
    try {
      const key = parseAuthorizedKey(m[2]).blob;
      out.push({ patterns: m[1].split(','), key, keyType: sshKeyType(key) });
    } catch {
      // A damaged line trusts nothing.
    }
  }
  return out;
}

/** The CA entries whose patterns name `cluster` (`cluster` itself or `*.cluster`). */
export function hostCAsForCluster(entries: HostCAEntry[], cluster: string): HostCAEntry[] {
  return entries.filter((e) => e.patterns.includes(cluster) || e.patterns.includes(`*.${cluster}`));
}

/** What a host must prove. `principal` undefined: any principal (the proxy, reached by any name). */
export interface HostCheck {
  trustedCAs: Buffer[];
  principal?: string;
  now: () => number;
}

/**
 * A `verifyHostKey` for connectSSH that records why it refused: `refusal()` returns an
 * AccessDeniedError explaining the last refusal (for a message better than "host key not trusted").
 */
export function hostVerifier(check: HostCheck, hostDescription: string): { verify(key: HostKeyInfo): boolean; refusal(): AccessDeniedError | undefined } {
  let refused: AccessDeniedError | undefined;
  return {
    verify(key) {
      if (!key.cert) {
        refused = new AccessDeniedError(`${hostDescription} presented a plain host key, not a host certificate from the cluster's host CA`);
        return false;
      }
      try {
        verifyCertificate(key.cert, { trustedCAs: check.trustedCAs, now: check.now(), type: 'host', ...(check.principal !== undefined && { principal: check.principal }) });
        return true;
      } catch (err) {
        refused = new AccessDeniedError(`${hostDescription} is not trusted: ${(err as Error).message}`, { cause: err });
        return false;
      }
    },
    refusal: () => refused,
  };
}
