/**
 * Host trust as tsh keeps it: `@cert-authority` lines in `~/.tsh/known_hosts` (or an identity
 * file) name the host CA of each cluster; a node is trusted when it presents a host certificate
 * from that CA, valid now, naming the node that was resolved by its host UUID (sshca/host-check.ts).
 */
import { parseAuthorizedKey, sshKeyType } from '../sshca/index.js';

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

/** The host certificate check (sshca/host-check.ts), shared with the proxy's own SSH dials. */
export { hostVerifier, type HostCheck } from '../sshca/index.js';
