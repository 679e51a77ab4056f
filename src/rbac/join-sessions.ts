/**
 * Who may join a live session, and in which participant modes (Teleport's moderated sessions, RFD 43:
 * `SessionAccessEvaluator.CanJoin`). A joiner's roles grant modes through `allow.join_sessions`
 * policies `{name, roles, kinds, modes}`: a policy applies when `kinds` holds the session's kind (or
 * `*`) and one of its `roles` globs names one of the session owner's roles. The owner may always join
 * their own session in any mode; a joiner whose roles are all older than v5 gets the pre-RFD modes
 * (`peer` for SSH). Teleport reads no `deny.join_sessions`, and neither do we.
 */
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { IMPLICIT_ROLE_NAME } from './implicit-role.js';

/** A participant mode, as Teleport names them. */
export type ParticipantMode = 'observer' | 'moderator' | 'peer';

/** Every participant mode. */
export const PARTICIPANT_MODES: readonly ParticipantMode[] = ['observer', 'moderator', 'peer'];

/** The principal every user may log in as to join a session (Teleport's SSHSessionJoinPrincipal). */
export const SESSION_JOIN_PRINCIPAL = '-teleport-internal-join';

/** `value` as a mode; empty means `peer` (Teleport's default). Throws BadParameterError otherwise. */
export function parseParticipantMode(value: string | undefined): ParticipantMode {
  if (value === undefined || value === '') return 'peer';
  if ((PARTICIPANT_MODES as readonly string[]).includes(value)) return value as ParticipantMode;
  throw new BadParameterError(`Unrecognized session participant mode: ${value} (expected observer, moderator or peer)`);
}

/** The session being joined, as the node (or auth, from its tracker) knows it. */
export interface JoinTarget {
  sessionId: string;
  /** Teleport session kind: `ssh`, `k8s`. */
  kind: string;
  /** The Teleport user who started the session. */
  owner: string;
  /** The names of the owner's roles (the tracker's host policies). */
  ownerRoles: readonly string[];
}

/** Someone asking to join. */
export interface Joiner {
  user: string;
  /** The joiner's roles, traits applied (the implicit role may be among them; it grants nothing). */
  roles: readonly Role[];
}

/** Whether a role version has moderated-session controls (v5 and later). */
export function supportsModeratedSessions(roles: readonly Role[]): boolean {
  return roles.some((r) => r.metadata.name !== IMPLICIT_ROLE_NAME && /^v(\d+)$/.test(r.version) && Number(r.version.slice(1)) >= 5);
}

/** The modes `joiner` may join `target` with, in PARTICIPANT_MODES order; empty when none. */
export function joinModes(joiner: Joiner, target: JoinTarget): ParticipantMode[] {
  if (!supportsModeratedSessions(joiner.roles)) return target.kind === 'ssh' ? ['peer'] : [];
  if (joiner.user === target.owner) return [...PARTICIPANT_MODES];
  const granted = new Set<ParticipantMode>();
  for (const policy of joinPolicies(joiner.roles)) {
    if (!policyApplies(policy, target)) continue;
    for (const m of policy.modes) if ((PARTICIPANT_MODES as readonly string[]).includes(m)) granted.add(m as ParticipantMode);
  }
  return PARTICIPANT_MODES.filter((m) => granted.has(m));
}

/**
 * Throws AccessDeniedError unless `joiner` may join `target` as `mode`. The message starts with
 * Teleport's words and says what would have allowed it.
 */
export function checkJoin(joiner: Joiner, target: JoinTarget, mode: ParticipantMode): void {
  const modes = joinModes(joiner, target);
  if (modes.includes(mode)) return;
  const base = `insufficient permissions to join session ${target.sessionId}`;
  const owned = target.ownerRoles.length > 0 ? target.ownerRoles.join(', ') : 'none';
  if (modes.length > 0) {
    throw new AccessDeniedError(`${base}: your roles allow joining it only as ${modes.join(' or ')}, not as ${mode}`);
  }
  if (!supportsModeratedSessions(joiner.roles)) {
    throw new AccessDeniedError(`${base}: none of your roles is v5 or later, so no join_sessions rule applies`);
  }
  throw new AccessDeniedError(
    `${base}: no allow.join_sessions rule of your roles covers ${target.kind} sessions of users with the roles ${owned} in mode ${mode}`,
  );
}

interface JoinPolicy {
  roles: string[];
  kinds: string[];
  modes: string[];
}

function joinPolicies(roles: readonly Role[]): JoinPolicy[] {
  const out: JoinPolicy[] = [];
  for (const role of roles) {
    for (const raw of role.spec.allow.join_sessions ?? []) {
      out.push({ roles: strings(raw.roles), kinds: strings(raw.kinds), modes: strings(raw.modes) });
    }
  }
  return out;
}

function policyApplies(policy: JoinPolicy, target: JoinTarget): boolean {
  if (!policy.kinds.includes(target.kind) && !policy.kinds.includes('*')) return false;
  return policy.roles.some((pattern) => {
    const re = globRegExp(pattern);
    return target.ownerRoles.some((name) => re.test(name));
  });
}

/** Teleport's GlobToRegexp: `*` matches anything, everything else literally, anchored. */
function globRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
