/**
 * Per-session MFA, one check for every kind of session (SSH, database, Kubernetes): whether the
 * cluster's auth preference or one of the user's roles sets `require_session_mfa`, and whether the
 * certificate a session arrives with comes from an MFA check. The services call it with the roles
 * of the certificate (traits applied); binding the certificate to the target is each service's
 * route (the node extension, the database route, the Kubernetes cluster).
 */
import { AccessDeniedError } from '../api/errors.js';
import { sessionMFARequired } from '../api/mfa-wire.js';
import type { Role } from '../api/types/index.js';

/** Teleport's refusal (services.ErrSessionMFARequired). */
export const SESSION_MFA_REQUIRED_MESSAGE = 'access to resource requires MFA';

/** True when the cluster's `require_session_mfa` (`capValue`) or any role's asks for an MFA check per session. */
export function isSessionMFARequired(capValue: unknown, roles: readonly Role[]): boolean {
  return sessionMFARequired([capValue, ...roles.map((r) => r.spec.options?.require_session_mfa)]);
}

/** What the check reads. */
export interface SessionMFAInput {
  /** The cluster auth preference's `require_session_mfa`. */
  capValue: unknown;
  roles: readonly Role[];
  /** The MFA device the certificate was issued after (its `mfa-verified` field), or undefined. */
  mfaVerified: string | undefined;
  /** How the user gets such a certificate, appended to the refusal. */
  hint?: string;
}

/** Throws AccessDeniedError (Teleport's text, then the hint) when MFA is required and the certificate lacks it. */
export function checkSessionMFA(i: SessionMFAInput): void {
  if (!isSessionMFARequired(i.capValue, i.roles)) return;
  if (typeof i.mfaVerified === 'string' && i.mfaVerified !== '') return;
  throw new AccessDeniedError(i.hint ? `${SESSION_MFA_REQUIRED_MESSAGE}: ${i.hint}` : SESSION_MFA_REQUIRED_MESSAGE);
}
