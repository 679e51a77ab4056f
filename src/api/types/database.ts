/**
 * A database registered dynamically (`kind: db`, `version: v3`, Teleport's types.DatabaseV3): created
 * with `tctl create`, stored by auth, and served by the database agents whose `db_service.resources`
 * selectors match its labels. The spec keys this release acts on; Teleport's cloud keys (`aws`, `gcp`,
 * `azure`, `ad`, `admin_user`, `dynamic_labels`, ...) are refused by name rather than stored and ignored.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, headerShape, parseWith } from './metadata.js';

/** Database protocols an agent of this release runs an engine for. */
export const DATABASE_PROTOCOLS = ['postgres', 'mysql'] as const;
/** How the agent verifies the database's certificate. */
export const DATABASE_TLS_MODES = ['verify-full', 'verify-ca', 'insecure'] as const;

/** The spec of a `db` resource. */
export interface DatabaseSpec {
  protocol: (typeof DATABASE_PROTOCOLS)[number];
  uri: string;
  /** `ca_cert`: PEM of the CA that signed the database's certificate (the static form's ca_cert_file, inline). */
  tls?: { mode?: (typeof DATABASE_TLS_MODES)[number]; ca_cert?: string; server_name?: string };
}

/** A validated `db` resource. */
export type Database = Resource<'db', DatabaseSpec>;

/** Teleport's database names: lower-case DNS-1035 labels (they become SNI and certificate names). */
const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Spec keys Teleport documents that this release does not act on. */
const LATER_SPEC_KEYS = ['aws', 'gcp', 'azure', 'ad', 'admin_user', 'dynamic_labels', 'mysql', 'oracle', 'mongo', 'ca_cert'];

const databaseSchema = z.strictObject({
  ...headerShape('db', ['v3']),
  spec: z.strictObject({
    protocol: z.enum(DATABASE_PROTOCOLS, { error: (i) => `protocol ${JSON.stringify(i.input)} is not supported (supported: ${DATABASE_PROTOCOLS.join(', ')})` }),
    uri: z.string({ error: 'uri is required: the database address as host:port' }).min(1, 'uri is required: the database address as host:port'),
    tls: z
      .strictObject({
        mode: z.enum(DATABASE_TLS_MODES, { error: (i) => `tls mode ${JSON.stringify(i.input)} is not one of ${DATABASE_TLS_MODES.join(', ')}` }).optional(),
        ca_cert: z.string().optional(),
        server_name: z.string().optional(),
      })
      .optional(),
  }),
});

/** Validate a `db` document; throws BadParameterError naming the field. */
export function validateDatabase(input: unknown): Database {
  const obj = checkHeader(input, 'db', ['v3']);
  const spec = obj.spec;
  if (typeof spec === 'object' && spec !== null) {
    for (const key of LATER_SPEC_KEYS) {
      if (key in spec) throw new BadParameterError(`spec.${key}: ${key} is not supported by this release yet; remove it${key === 'ca_cert' ? ' (give spec.tls.ca_cert)' : ''}`);
    }
    const tls = (spec as { tls?: unknown }).tls;
    if (typeof tls === 'object' && tls !== null && 'trust_system_cert_pool' in tls) {
      throw new BadParameterError('spec.tls.trust_system_cert_pool: trust_system_cert_pool is not supported by this release yet; give spec.tls.ca_cert');
    }
  }
  const db = parseWith<Database>(databaseSchema, structuredClone(input), 'db');
  const name = db.metadata.name;
  if (!NAME.test(name) || name.length > 63) {
    throw new BadParameterError(`metadata.name: invalid database name "${name}": lower-case letters, digits and dashes, starting with a letter (as Teleport requires)`);
  }
  if (/\s/.test(db.spec.uri) || db.spec.uri.includes('://')) throw new BadParameterError(`spec.uri: "${db.spec.uri}" is not a host:port address`);
  return db;
}
