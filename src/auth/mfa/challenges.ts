/**
 * Outstanding WebAuthn challenges: stored in the backend with a TTL under
 * `/webauthn/challenges/<challenge>` (so any auth server of the cluster can finish a ceremony another
 * began), each used at most once: taking one deletes it by revision, so a replayed assertion finds
 * nothing.
 */
import { AccessDeniedError, isCode } from '../../api/errors.js';
import { MINUTE } from '../../api/duration.js';
import type { Services } from '../../services/index.js';

/** How long a ceremony may take (Teleport allows 5 minutes). */
export const CHALLENGE_TTL = 5 * MINUTE;

/** What a challenge was issued for. */
export type ChallengePurpose = 'register' | 'login' | 'passwordless' | 'session' | 'invite';

/** A stored challenge. */
export interface StoredChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  /** The user it was issued to; absent for passwordless logins. */
  user?: string;
  /** Registration: a resident key for passwordless logins was asked for. */
  passwordless?: boolean;
  /** Invite: the link it belongs to. */
  token?: string;
}

const key = (challenge: string) => `/webauthn/challenges/${challenge}`;

/** Stores a challenge for CHALLENGE_TTL. */
export async function saveChallenge(services: Services, c: StoredChallenge): Promise<void> {
  await services.backend.put({ key: key(c.challenge), value: JSON.stringify(c), expires: services.clock.now() + CHALLENGE_TTL });
}

/**
 * Takes (and deletes) the challenge a response answers. AccessDeniedError when it is unknown,
 * expired, already used, or was issued for another purpose or user.
 */
export async function takeChallenge(services: Services, challenge: string, purposes: ChallengePurpose[], user?: string): Promise<StoredChallenge> {
  const refused = new AccessDeniedError('the MFA challenge is unknown, expired or already used: start again');
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(challenge)) throw refused;
  let item;
  try {
    item = await services.backend.get(key(challenge));
  } catch (err) {
    if (isCode(err, 'not_found')) throw refused;
    throw err;
  }
  try {
    await services.backend.conditionalDelete(key(challenge), item.revision);
  } catch (err) {
    if (isCode(err, 'not_found') || isCode(err, 'compare_failed')) throw refused;
    throw err;
  }
  const c = JSON.parse(item.value) as StoredChallenge;
  if (!purposes.includes(c.purpose) || (user !== undefined && c.user !== undefined && c.user !== user)) throw refused;
  return c;
}
