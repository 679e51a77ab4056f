/**
 * Who may use the proxy's SSH listener: holders of a user certificate from the cluster's user CA,
 * valid now, naming the requested login, used from an allowed address, with a good signature.
 */
import type { AuditEventInput } from '../../api/audit-wire.js';
import type { Clock } from '../../api/clock.js';
import { DEFAULT_NAMESPACE, auditEvent } from '../../events/index.js';
import type { AuthContext, AuthResult } from '../../sshutils/index.js';
import { verifyCertificate } from '../../sshca/index.js';

/** The identity a proxy connection carries (from its certificate), for logs and routing. */
export interface ProxyIdentity {
  /** The Teleport user (the certificate's key id, as Teleport sets it). */
  user: string;
  /** The SSH login the client asked for (a principal of the certificate). */
  login: string;
  /** The certificate's serial, for telling certificates apart in logs. */
  serial: string;
}

/** Where the trusted user CA keys come from, and the time to check validity against. */
export interface ProxyAuthDeps {
  userCAKeys(): Promise<Buffer[]>;
  clock: Clock;
}

/**
 * Decide a publickey login: only a certificate passes, and only when `verifyCertificate` accepts it
 * as a user certificate for `ctx.username` from the client's address. Never throws.
 */
export async function authenticateProxyUser(ctx: AuthContext, deps: ProxyAuthDeps): Promise<AuthResult> {
  if (!ctx.signatureOk) return { allow: false, reason: 'the signature over the session does not verify' };
  if (!ctx.cert) return { allow: false, reason: 'a user certificate is required (plain keys are not accepted)' };
  try {
    verifyCertificate(ctx.cert, {
      trustedCAs: await deps.userCAKeys(),
      now: deps.clock.now(),
      type: 'user',
      principal: ctx.username,
      sourceAddress: ctx.remoteAddress,
    });
  } catch (err) {
    return { allow: false, reason: (err as Error).message };
  }
  const identity: ProxyIdentity = { user: ctx.cert.keyId, login: ctx.username, serial: String(ctx.cert.serial) };
  return { allow: true, identity };
}

/** Who the proxy is, for its audit events. */
export interface ProxyServerMetadata {
  clusterName: string;
  serverId: string;
  hostname: string;
}

/**
 * The `auth` (T3007W) event of a refused certificate login at the proxy, or undefined for attempts
 * without a certificate (plain keys an agent offers along the way are not worth recording).
 */
export function proxyAuthFailure(ctx: AuthContext, reason: string, server: ProxyServerMetadata): AuditEventInput | undefined {
  if (!ctx.cert) return undefined;
  const host = ctx.remoteAddress.startsWith('::ffff:') && ctx.remoteAddress.includes('.') ? ctx.remoteAddress.slice(7) : ctx.remoteAddress;
  return auditEvent('auth', 'T3007W', {
    user: ctx.cert.keyId,
    login: ctx.username,
    success: false,
    error: reason,
    'addr.remote': host.includes(':') ? `[${host}]:${ctx.remotePort}` : `${host}:${ctx.remotePort}`,
    cluster_name: server.clusterName,
    namespace: DEFAULT_NAMESPACE,
    server_id: server.serverId,
    server_hostname: server.hostname,
  });
}
