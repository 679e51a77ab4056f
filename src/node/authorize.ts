/**
 * Who may log in to this node as whom: the user certificate checked completely (trusted user CA,
 * user type, validity on the injected clock, the login among the principals, critical options,
 * the client's signature), then the certificate's Teleport roles, with its traits applied, asked
 * whether they allow this login on a node with these labels. Every refusal is an AccessDeniedError.
 */
import type { Clock } from '../api/clock.js';
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { networkingSettings } from '../api/types/index.js';
import { RoleSet, SESSION_JOIN_PRINCIPAL, applyRoleTraits, isSessionMFARequired, supportsModeratedSessions } from '../rbac/index.js';
import type { Traits } from '../rbac/index.js';
import { CERT_FOREVER, verifyCertificate } from '../sshca/index.js';
import type { SSHCertificate } from '../sshca/index.js';
import type { AuthContext } from '../sshutils/index.js';
import type { NodeAccessPoint } from './access-point.js';
import type { ConnectionLease } from './connection-lease.js';
import { EXT_MFA_NODE, EXT_MFA_VERIFIED } from '../api/mfa-wire.js';

/** Certificate extensions Teleport puts in user certificates (facts §2.2). */
export const EXT_PERMIT_PTY = 'permit-pty';
export const EXT_PERMIT_PORT_FORWARDING = 'permit-port-forwarding';
export const EXT_PERMIT_AGENT_FORWARDING = 'permit-agent-forwarding';
export const EXT_TELEPORT_ROLES = 'teleport-roles';
export const EXT_TELEPORT_TRAITS = 'teleport-traits';

/** An authorized login: the identity every session, channel and request of a connection carries. */
export interface NodeIdentity {
  /** The Teleport user (the certificate's key ID). */
  teleportUser: string;
  /** The OS login requested. */
  login: string;
  roles: RoleSet;
  traits: Traits;
  cert: SSHCertificate;
  permitPty: boolean;
  permitPortForwarding: boolean;
  permitAgentForwarding: boolean;
  /** When the certificate expires (epoch ms), undefined for a certificate without expiry. */
  certExpiresAt?: number;
  /** Close the connection at certExpiresAt (role option or cluster auth preference). */
  disconnectExpiredCert: boolean;
  /** Close the connection after this much inactivity; 0 = never (the smallest of the roles' and the cluster's). */
  idleTimeoutMs: number;
  /** What the client is told when it is closed for idling (cluster_networking_config); empty: the reason. */
  idleTimeoutMessage: string;
  /** Send the client a keep-alive after this much silence; 0 = never (cluster_networking_config). */
  keepAliveIntervalMs: number;
  /** Keep-alives the client may leave unanswered in a row before it is disconnected. */
  keepAliveCountMax: number;
  /** How long a max_connections lease lasts unless renewed (session_control_timeout). */
  sessionControlTimeoutMs: number;
  /** The max_connections lease this connection holds (set by the node after authorization). */
  connectionLease?: ConnectionLease;
  /**
   * Logged in as the join principal (`-teleport-internal-join`): the connection may only join live
   * sessions, never start one or forward ports.
   */
  joinOnly: boolean;
}

/** What authorization reads besides the login attempt. */
export interface AuthorizeDeps {
  access: NodeAccessPoint;
  clock: Clock;
  /** The node's labels now: static plus command label values. */
  labels(): Record<string, string>;
  /** This node's names: a per-session MFA certificate must be bound to one of them. */
  node?: { hostId: string; hostname: string };
}

/** Teleport's refusal of a session without the MFA check `require_session_mfa` asks for. */
export const SESSION_MFA_REFUSAL = 'access to this node requires an MFA check for each session (require_session_mfa): connect with tsh ssh, which asks for it';

/**
 * Per-session MFA: when the cluster or a role requires it, the certificate must come from an MFA
 * check (`mfa-verified`) and be bound to this node. Join-only logins are not sessions of their own.
 */
function checkSessionMFA(cert: SSHCertificate, roles: RoleSet, capValue: unknown, node: AuthorizeDeps['node']): void {
  if (!isSessionMFARequired(capValue, roles.all())) return;
  if (!cert.extensions[EXT_MFA_VERIFIED]) throw new AccessDeniedError(SESSION_MFA_REFUSAL);
  const bound = cert.extensions[EXT_MFA_NODE];
  if (node && bound !== node.hostId && bound !== node.hostname) {
    throw new AccessDeniedError(`this MFA-verified certificate was issued for node "${bound ?? ''}", not for this one (${node.hostname})`);
  }
}

/** Decide a signed publickey login. Throws AccessDeniedError with the reason (for the log). */
export async function authorizeLogin(ctx: AuthContext, deps: AuthorizeDeps): Promise<NodeIdentity> {
  if (!ctx.signatureOk) throw new AccessDeniedError('the client signature does not verify');
  const cert = ctx.cert;
  if (!cert) throw new AccessDeniedError('a Teleport user certificate is required, plain keys are not accepted');
  // Teleport puts the join principal in every user certificate; we hold every user certificate to
  // carry it implicitly (ours are not issued with it), and check everything else as for any login.
  const joinOnly = ctx.username === SESSION_JOIN_PRINCIPAL;
  verifyCertificate(cert, {
    trustedCAs: await deps.access.userCAKeys(),
    now: deps.clock.now(),
    type: 'user',
    ...(!joinOnly && { principal: ctx.username }),
    sourceAddress: plainIP(ctx.remoteAddress),
  });
  const roleNames = certRoles(cert);
  const traits = certTraits(cert);
  const defs = await deps.access.roles(roleNames);
  if (defs.length === 0) throw new AccessDeniedError(`none of the certificate's roles (${roleNames.join(', ')}) exist`);
  const roles = new RoleSet(defs.map((r: Role) => applyRoleTraits(r, { traits })));
  // As Teleport: a join-only login needs no access to the node itself when the roles know moderated
  // sessions (v5+); who may join which session is decided per session (checkJoin).
  if (!joinOnly || !supportsModeratedSessions(roles.all())) roles.checkAccessToNode({ labels: deps.labels() }, ctx.username);

  const pref = await deps.access.authPreference();
  const net = networkingSettings(await deps.access.networkingConfig());
  if (!joinOnly) checkSessionMFA(cert, roles, pref.spec.require_session_mfa, deps.node);
  const ext = cert.extensions;
  return {
    teleportUser: cert.keyId,
    login: ctx.username,
    roles,
    traits,
    cert,
    permitPty: EXT_PERMIT_PTY in ext,
    permitPortForwarding: EXT_PERMIT_PORT_FORWARDING in ext,
    permitAgentForwarding: EXT_PERMIT_AGENT_FORWARDING in ext,
    certExpiresAt: cert.validBefore === CERT_FOREVER ? undefined : Number(cert.validBefore) * 1000,
    disconnectExpiredCert: roles.disconnectExpiredCert(pref.spec.disconnect_expired_cert === true),
    idleTimeoutMs: smallestNonZero(roles.clientIdleTimeoutMs(), net.clientIdleTimeoutMs),
    idleTimeoutMessage: net.idleTimeoutMessage,
    keepAliveIntervalMs: net.keepAliveIntervalMs,
    keepAliveCountMax: net.keepAliveCountMax,
    sessionControlTimeoutMs: net.sessionControlTimeoutMs,
    joinOnly,
  };
}

/** Role names from the `teleport-roles` extension (`{"version":"v1","roles":[...]}`). */
export function certRoles(cert: SSHCertificate): string[] {
  const raw = cert.extensions[EXT_TELEPORT_ROLES];
  if (raw === undefined) throw new AccessDeniedError('the certificate has no teleport-roles extension');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AccessDeniedError('the certificate teleport-roles extension is not JSON');
  }
  const roles = (parsed as { roles?: unknown } | null)?.roles;
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => typeof r === 'string' && r !== '')) {
    throw new AccessDeniedError('the certificate teleport-roles extension lists no roles');
  }
  return roles as string[];
}

/** Traits from the `teleport-traits` extension; none when absent. */
export function certTraits(cert: SSHCertificate): Traits {
  const raw = cert.extensions[EXT_TELEPORT_TRAITS];
  if (raw === undefined || raw === '' || raw === 'null') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AccessDeniedError('the certificate teleport-traits extension is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AccessDeniedError('the certificate teleport-traits extension is not an object');
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new AccessDeniedError(`the certificate trait "${k}" is not a list of strings`);
    }
    out[k] = v as string[];
  }
  return out;
}

/** `::ffff:10.0.0.1` (a v4 peer on a dual-stack listener) as `10.0.0.1`. */
function plainIP(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** The smaller of two limits where 0 means none. */
function smallestNonZero(a: number, b: number): number {
  return a === 0 ? b : b === 0 ? a : Math.min(a, b);
}
