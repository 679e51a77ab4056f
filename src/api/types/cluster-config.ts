/**
 * Cluster configuration singletons: `cluster_name` (v2) and `cluster_auth_preference` (v2, named
 * `cluster-auth-preference`, `tctl edit cap`).
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { boolSchema, checkHeader, durationSchema, headerShape, parseWith } from './metadata.js';

/** The cluster_name spec. */
export interface ClusterNameSpec {
  cluster_name: string;
  cluster_id?: string;
}

/** The cluster's name (a singleton named `cluster-name`). */
export type ClusterName = Resource<'cluster_name', ClusterNameSpec>;

/** The cluster_auth_preference spec (facts §3.9). Durations are Go strings. */
export interface AuthPreferenceSpec {
  type: 'local' | 'github' | 'oidc' | 'saml';
  second_factor?: string;
  second_factors?: string[];
  connector_name?: string;
  webauthn?: { rp_id?: string; attestation_allowed_cas?: string[]; attestation_denied_cas?: string[] };
  allow_local_auth?: boolean;
  allow_passwordless?: boolean;
  allow_headless?: boolean;
  require_session_mfa?: boolean | string;
  disconnect_expired_cert?: boolean;
  locking_mode?: 'best_effort' | 'strict';
  message_of_the_day?: string;
  device_trust?: Record<string, unknown>;
  default_session_ttl?: string;
  signature_algorithm_suite?: string | number;
  [other: string]: unknown;
}

/** The cluster's authentication preference. */
export type AuthPreference = Resource<'cluster_auth_preference', AuthPreferenceSpec>;

/** Fixed resource names of the singletons. */
export const CLUSTER_NAME_NAME = 'cluster-name';
export const AUTH_PREFERENCE_NAME = 'cluster-auth-preference';

/** zod schema of a cluster_name document. */
export const clusterNameSchema = z.strictObject({
  ...headerShape('cluster_name', ['v2']),
  spec: z.strictObject({
    cluster_name: z.string().min(1, 'cluster_name is required'),
    cluster_id: z.string().optional(),
  }),
});

/** zod schema of a cluster_auth_preference document. */
export const authPreferenceSchema = z.strictObject({
  ...headerShape('cluster_auth_preference', ['v2']),
  spec: z
    .looseObject({
      type: z.enum(['local', 'github', 'oidc', 'saml']).optional(),
      second_factor: z.enum(['off', 'otp', 'webauthn', 'on', 'optional', 'u2f']).optional(),
      second_factors: z.array(z.enum(['otp', 'webauthn', 'sso'])).optional(),
      connector_name: z.string().optional(),
      webauthn: z
        .strictObject({
          rp_id: z.string().optional(),
          attestation_allowed_cas: z.array(z.string()).optional(),
          attestation_denied_cas: z.array(z.string()).optional(),
        })
        .optional(),
      allow_local_auth: boolSchema.optional(),
      allow_passwordless: boolSchema.optional(),
      allow_headless: boolSchema.optional(),
      require_session_mfa: z.union([z.boolean(), z.string()]).optional(),
      disconnect_expired_cert: boolSchema.optional(),
      locking_mode: z.enum(['best_effort', 'strict']).optional(),
      message_of_the_day: z.string().optional(),
      device_trust: z.looseObject({}).optional(),
      default_session_ttl: durationSchema.optional(),
    })
    .optional(),
});

/** Validate a cluster_name document (the name defaults to `cluster-name`). Throws BadParameterError. */
export function validateClusterName(input: unknown): ClusterName {
  checkHeader(input, 'cluster_name', ['v2']);
  const obj = structuredClone(input) as Record<string, unknown>;
  obj.metadata ??= { name: CLUSTER_NAME_NAME };
  return parseWith<ClusterName>(clusterNameSchema, obj, 'cluster_name');
}

/**
 * Validate a cluster_auth_preference document: name must be `cluster-auth-preference` (defaulted),
 * `type` defaults to `local`, `second_factor` to `otp`, `allow_local_auth` to true, `locking_mode` to
 * `best_effort`. Throws BadParameterError.
 */
export function validateAuthPreference(input: unknown): AuthPreference {
  checkHeader(input, 'cluster_auth_preference', ['v2']);
  const obj = structuredClone(input) as Record<string, unknown>;
  obj.metadata ??= { name: AUTH_PREFERENCE_NAME };
  const cap = parseWith<Resource<'cluster_auth_preference', Partial<AuthPreferenceSpec>>>(
    authPreferenceSchema,
    obj,
    'cluster_auth_preference',
  );
  for (const key of ['attestation_allowed_cas', 'attestation_denied_cas'] as const) {
    if ((cap.spec?.webauthn?.[key]?.length ?? 0) > 0) {
      throw new BadParameterError(`spec.webauthn.${key}: security keys are registered without checking their attestation certificates in this release; remove it`);
    }
  }
  if (cap.metadata.name !== AUTH_PREFERENCE_NAME) {
    throw new BadParameterError(`metadata.name: must be "${AUTH_PREFERENCE_NAME}", got "${cap.metadata.name}"`);
  }
  const spec: AuthPreferenceSpec = { ...cap.spec, type: cap.spec?.type ?? 'local' };
  if (!spec.second_factors) spec.second_factor ??= 'otp';
  spec.allow_local_auth ??= true;
  spec.locking_mode ??= 'best_effort';
  return { ...cap, spec };
}
