/**
 * A database registered dynamically (`kind: db`, `version: v3`, Teleport's types.DatabaseV3): created
 * with `tctl create`, stored by auth, and served by the database agents whose `db_service.resources`
 * selectors match its labels. The spec keys this release acts on, as the static `db_service.databases`
 * entries: `aws.region` (RDS/Aurora IAM auth) and `mysql.server_version`; Teleport's other cloud keys
 * (`aws.rds`, `gcp`, `azure`, `ad`, `admin_user`, `dynamic_labels`, ...) are refused by name rather
 * than stored and ignored.
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
  /** An RDS/Aurora database: the agent logs in with IAM auth tokens for this region. */
  aws?: { region: string };
  /** MySQL: what the proxy greets clients with until the agent learns the real version. */
  mysql?: { server_version?: string };
}

/** A validated `db` resource. */
export type Database = Resource<'db', DatabaseSpec>;

/** Teleport's database names: lower-case DNS-1035 labels (they become SNI and certificate names). */
const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Spec keys Teleport documents that this release does not act on. */
const LATER_SPEC_KEYS = ['gcp', 'azure', 'ad', 'admin_user', 'dynamic_labels', 'oracle', 'mongo', 'ca_cert'];
/** Teleport's `spec.aws` keys besides `region` (RDS Proxy, Redshift, ElastiCache, assumed roles, ...). */
const LATER_AWS_KEYS = ['rds', 'redshift', 'redshift_serverless', 'elasticache', 'memorydb', 'secret_store', 'account_id', 'assume_role_arn', 'external_id', 'rdsproxy', 'iam_policy_status', 'session_tags', 'docdb', 'opensearch'];
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

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
    aws: z.strictObject({ region: z.string({ error: 'aws.region is required: the AWS region of the RDS/Aurora database, e.g. us-east-1' }) }).optional(),
    mysql: z.strictObject({ server_version: z.string().optional() }).optional(),
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
    const aws = (spec as { aws?: unknown }).aws;
    if (typeof aws === 'object' && aws !== null) {
      for (const key of LATER_AWS_KEYS) {
        if (key in aws) throw new BadParameterError(`spec.aws.${key}: aws.${key} is not supported by this release yet; remove it (aws.region alone: RDS/Aurora IAM auth)`);
      }
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
  if (db.spec.aws && !REGION.test(db.spec.aws.region)) throw new BadParameterError(`spec.aws.region: "${db.spec.aws.region}" is not an AWS region such as us-east-1`);
  const version = db.spec.mysql?.server_version;
  if (version !== undefined && db.spec.protocol !== 'mysql') throw new BadParameterError(`spec.mysql.server_version: mysql.server_version is for MySQL databases; "${name}" is ${db.spec.protocol}`);
  if (version !== undefined && /[\0\r\n]/.test(version)) throw new BadParameterError('spec.mysql.server_version: must be one line without NUL bytes');
  return db;
}
