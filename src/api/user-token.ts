/**
 * The `user_token` resource: an invite (set a first password) or a reset link for a local user.
 * The resource name is the secret token itself; it expires with `metadata.expires`.
 */
import { BadParameterError } from './errors.js';

/** Kinds of user token, with Teleport's sub_kind names. */
export type UserTokenType = 'invite' | 'reset';

/** Stored under `/usertoken/<token>/params`. */
export interface UserToken {
  kind: 'user_token';
  version: 'v3';
  sub_kind: UserTokenType;
  metadata: { name: string; expires: string; revision?: string };
  spec: { user: string; url: string; created: string };
}

/** Checks the shape of a user token read from storage or the wire. Throws BadParameterError. */
export function validateUserToken(v: unknown): UserToken {
  const t = v as UserToken;
  const ok =
    t !== null &&
    typeof t === 'object' &&
    t.kind === 'user_token' &&
    (t.sub_kind === 'invite' || t.sub_kind === 'reset') &&
    typeof t.metadata?.name === 'string' &&
    /^[0-9a-f]{32}$/.test(t.metadata.name) &&
    typeof t.metadata.expires === 'string' &&
    typeof t.spec?.user === 'string' &&
    typeof t.spec.url === 'string';
  if (!ok) throw new BadParameterError('malformed user token');
  return { ...t, version: 'v3' };
}
