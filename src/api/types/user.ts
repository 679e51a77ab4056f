/**
 * The user resource (`kind: user`, `version: v2`): roles, traits (map of string lists), status, created_by,
 * expires and SSO identities. Spec keys are checked strictly.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { boolSchema, checkHeader, headerShape, parseWith, stringListSchema, timestampSchema } from './metadata.js';

/** A link to an SSO identity (`github_identities`, `oidc_identities`, `saml_identities`). */
export interface ExternalIdentity {
  connector_id: string;
  username: string;
  user_id?: string;
  saml_single_logout_url?: string;
}

/** Lock status of a user. */
export interface UserStatus {
  is_locked?: boolean;
  locked_message?: string;
  locked_time?: string;
  lock_expires?: string;
  recovery_attempt_lock_expires?: string;
}

/** Who created the user and when. */
export interface CreatedBy {
  time?: string;
  user?: { name: string };
  connector?: { type?: string; id?: string; identity?: string };
}

/** The user spec. `traits` maps a trait name to its values (Go map[string][]string). */
export interface UserSpec {
  roles: string[];
  traits: Record<string, string[]>;
  status?: UserStatus;
  created_by?: CreatedBy;
  expires?: string;
  github_identities?: ExternalIdentity[];
  oidc_identities?: ExternalIdentity[];
  saml_identities?: ExternalIdentity[];
  local_auth?: Record<string, unknown>;
  trusted_device_ids?: string[];
  user_type?: string;
}

/** A validated user. */
export type User = Resource<'user', UserSpec>;

/** User versions we accept. */
export const USER_VERSIONS = ['v2'] as const;

const identity = z.looseObject({ connector_id: z.string(), username: z.string() });

/** zod schema of a user document. */
export const userSchema = z.strictObject({
  ...headerShape('user', USER_VERSIONS),
  spec: z
    .strictObject({
      roles: z.array(z.string()).optional(),
      traits: z.record(z.string(), z.union([stringListSchema, z.null()])).optional(),
      status: z
        .strictObject({
          is_locked: boolSchema.optional(),
          locked_message: z.string().optional(),
          locked_time: timestampSchema.optional(),
          lock_expires: timestampSchema.optional(),
          recovery_attempt_lock_expires: timestampSchema.optional(),
        })
        .optional(),
      created_by: z
        .strictObject({
          time: timestampSchema.optional(),
          user: z.looseObject({ name: z.string() }).optional(),
          connector: z.looseObject({}).optional(),
        })
        .optional(),
      expires: timestampSchema.optional(),
      github_identities: z.array(identity).optional(),
      oidc_identities: z.array(identity).optional(),
      saml_identities: z.array(identity).optional(),
      local_auth: z.looseObject({}).optional(),
      trusted_device_ids: z.array(z.string()).optional(),
      user_type: z.enum(['local', 'sso']).optional(),
    })
    .optional(),
});

/** Check a user name: non-empty, no whitespace or control characters, no "/" (it breaks `user/<name>` refs). */
export function checkUserName(name: string): void {
  if (!name || name.length > 512 || /[\s/\x00-\x1f\x7f]/.test(name)) {
    throw new BadParameterError(`metadata.name: invalid user name ${JSON.stringify(name)}`);
  }
}

/** Validate a user document; defaults `roles: []`, `traits: {}`. Throws BadParameterError naming the field. */
export function validateUser(input: unknown): User {
  checkHeader(input, 'user', USER_VERSIONS);
  const u = parseWith<Resource<'user', Partial<UserSpec> & { traits?: Record<string, string[] | null> }>>(
    userSchema,
    structuredClone(input),
    'user',
  );
  checkUserName(u.metadata.name);
  const traits: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(u.spec?.traits ?? {})) traits[k] = v ?? [];
  const spec: UserSpec = { ...u.spec, roles: u.spec?.roles ?? [], traits };
  return { ...u, spec };
}
