/**
 * The certificate authority resource (`kind: cert_authority`, `version: v2`). Key material is base64 in
 * JSON and YAML, as Go marshals []byte; it stays base64 here (decode with caKeyBytes()).
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, durationSchema, headerShape, parseWith, timestampSchema } from './metadata.js';

/** An SSH key pair (`private_key` absent when secrets are withheld). */
export interface SSHKeyPair {
  public_key: string;
  private_key?: string;
  private_key_type?: string;
}

/** A TLS certificate and its key (PEM, base64-encoded). */
export interface TLSKeyPair {
  cert: string;
  key?: string;
  key_type?: string;
}

/** A JWT signing key pair. */
export interface JWTKeyPair {
  public_key: string;
  private_key?: string;
  private_key_type?: string;
}

/** A CA's key set. */
export interface CAKeySet {
  ssh?: SSHKeyPair[];
  tls?: TLSKeyPair[];
  jwt?: JWTKeyPair[];
}

/** Rotation state (facts §2.5); `grace_period` is a Go duration string. */
export interface Rotation {
  state?: 'standby' | 'in_progress' | '';
  phase?: string;
  mode?: string;
  current_id?: string;
  started?: string;
  grace_period?: string;
  last_rotated?: string;
  schedule?: { update_clients?: string; update_servers?: string; standby?: string };
}

/** The CA spec. */
export interface CertAuthoritySpec {
  cluster_name: string;
  type: string;
  active_keys: CAKeySet;
  additional_trusted_keys?: CAKeySet;
  rotation?: Rotation;
  signing_alg?: number | string;
}

/** A validated certificate authority. */
export type CertAuthority = Resource<'cert_authority', CertAuthoritySpec>;

/** CA versions we accept. */
export const CA_VERSIONS = ['v2'] as const;
/** CA types (facts §2.1). */
export const CA_TYPES: readonly string[] = [
  'host', 'user', 'db', 'db_client', 'openssh', 'jwt', 'saml_idp', 'oidc_idp', 'spiffe', 'okta', 'awsra',
];
/** Rotation phases. */
export const ROTATION_PHASES: readonly string[] = ['standby', 'init', 'update_clients', 'update_servers', 'rollback'];

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const sshPair = z.strictObject({ public_key: b64, private_key: b64.optional(), private_key_type: z.string().optional() });
const tlsPair = z.strictObject({ cert: b64, key: b64.optional(), key_type: z.string().optional() });
const keySet = z.strictObject({
  ssh: z.array(sshPair).optional(),
  tls: z.array(tlsPair).optional(),
  jwt: z.array(sshPair).optional(),
});

/** zod schema of a cert_authority document. */
export const certAuthoritySchema = z.strictObject({
  ...headerShape('cert_authority', CA_VERSIONS),
  spec: z.looseObject({
    cluster_name: z.string().min(1, 'cluster_name is required'),
    type: z.enum(CA_TYPES as [string, ...string[]]),
    active_keys: keySet.optional(),
    additional_trusted_keys: keySet.optional(),
    rotation: z
      .strictObject({
        state: z.enum(['standby', 'in_progress', '']).optional(),
        phase: z.enum(['', ...ROTATION_PHASES] as [string, ...string[]]).optional(),
        mode: z.enum(['manual', 'auto', '']).optional(),
        current_id: z.string().optional(),
        started: timestampSchema.optional(),
        grace_period: durationSchema.optional(),
        last_rotated: timestampSchema.optional(),
        schedule: z
          .strictObject({
            update_clients: timestampSchema.optional(),
            update_servers: timestampSchema.optional(),
            standby: timestampSchema.optional(),
          })
          .optional(),
      })
      .optional(),
    signing_alg: z.union([z.number(), z.string()]).optional(),
  }),
});

/** Validate a cert_authority document (sub_kind defaults to the CA type). Throws BadParameterError. */
export function validateCertAuthority(input: unknown): CertAuthority {
  checkHeader(input, 'cert_authority', CA_VERSIONS);
  const ca = parseWith<CertAuthority>(certAuthoritySchema, structuredClone(input), 'cert_authority');
  ca.spec.active_keys ??= {};
  ca.sub_kind ??= ca.spec.type;
  if (ca.sub_kind !== ca.spec.type) {
    throw new BadParameterError(`sub_kind: "${ca.sub_kind}" does not match spec.type "${ca.spec.type}"`);
  }
  return ca;
}

/** Decode a base64 key field to bytes (works in Node and browsers). */
export function caKeyBytes(value: string): Uint8Array {
  const bin = atob(value);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Encode bytes as the base64 form key fields hold. */
export function caKeyString(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
