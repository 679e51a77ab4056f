/**
 * The `db_service:` section (Teleport's keys): the databases this agent proxies, each with its
 * protocol, address, labels and how the agent verifies the database's TLS, and the label selectors
 * (`resources`) of the `db` resources it serves besides them; a database's `mysql.server_version`
 * and `aws.region` (RDS/Aurora IAM auth). Keys Teleport documents that this release
 * does not act on yet (the section's `aws`, a database's `gcp`, `admin_user`, `aws.rds`, ...) are
 * refused with their name, never read and ignored.
 */
import type { Node } from 'yaml';
import { addr, bool, fields, list, loose, oneOf, str, strMap, type Fields, type Reader, type SourceContext } from './read.js';
import type { DatabaseConfig, DatabaseServiceConfig, DatabaseTLSMode } from './types.js';
import { resourceSelector } from './resource-selector.js';

/** Section keys Teleport documents that this release refuses. */
const LATER_SECTION_KEYS = ['aws', 'azure', 'gcp'] as const;
/** Database keys Teleport documents that this release refuses. */
const LATER_DB_KEYS = ['gcp', 'azure', 'ad', 'admin_user', 'dynamic_labels', 'oracle', 'mongo'] as const;
/** Database protocols this release runs an engine for. */
export const DB_PROTOCOLS = ['postgres', 'mysql'] as const;
/** Protocols Teleport knows that have no engine here yet. */
const LATER_PROTOCOLS = ['mongodb', 'redis', 'sqlserver', 'snowflake', 'cassandra', 'elasticsearch', 'oracle', 'cockroachdb', 'opensearch', 'clickhouse', 'dynamodb', 'spanner'];
const TLS_MODES: readonly DatabaseTLSMode[] = ['verify-full', 'verify-ca', 'insecure'];
/** Teleport's database names: lower-case DNS-1035 labels (they become SNI and certificate names). */
const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function refuseLater(f: Fields, keys: readonly string[]): void {
  for (const key of keys) {
    if (f.has(key)) f.fail(key, `${key} is not supported by this release yet; remove it (self-hosted databases with certificates from tctl auth sign --format=db work)`);
  }
}

const database: Reader<DatabaseConfig> = (node, path, ctx) => {
  const f: Fields = fields(node, path, ctx, ['name', 'description', 'protocol', 'uri', 'static_labels', 'labels', 'tls', 'ca_cert_file', 'mysql', 'aws', ...LATER_DB_KEYS]);
  refuseLater(f, LATER_DB_KEYS);
  const name = f.get('name', str);
  if (!name) f.fail('name', 'name is required');
  if (!NAME.test(name) || name.length > 63) f.fail('name', `invalid database name "${name}": lower-case letters, digits and dashes, starting with a letter (as Teleport requires)`);
  const protocolText = f.get('protocol', str);
  if (!protocolText) f.fail('protocol', `protocol is required (${DB_PROTOCOLS.join(', ')})`);
  if (LATER_PROTOCOLS.includes(protocolText)) f.fail('protocol', `protocol "${protocolText}" is not supported by this release yet (supported: ${DB_PROTOCOLS.join(', ')})`);
  const protocol = f.get('protocol', oneOf(DB_PROTOCOLS))!;
  const uriText = f.get('uri', str);
  if (!uriText) f.fail('uri', 'uri is required: the database address as host:port');
  // The protocol's usual port when the uri leaves it off.
  const uri = f.get('uri', addr(protocol === 'mysql' ? 3306 : 5432))!;
  const tls: Fields = f.section('tls', ['mode', 'ca_cert_file', 'server_name', 'trust_system_cert_pool']);
  if (tls.has('trust_system_cert_pool')) tls.fail('trust_system_cert_pool', 'trust_system_cert_pool is not supported by this release yet; give ca_cert_file');
  const mode = tls.get('mode', oneOf(TLS_MODES)) ?? 'verify-full';
  // The database-level ca_cert_file is Teleport's older spelling of tls.ca_cert_file.
  const caCertFile = tls.get('ca_cert_file', str) ?? f.get('ca_cert_file', str);
  const serverName = tls.get('server_name', str);
  const mysql: Fields = f.section('mysql', ['server_version']);
  const serverVersion = mysql.get('server_version', str);
  if (serverVersion && protocol !== 'mysql') mysql.fail('server_version', `mysql.server_version is for MySQL databases; "${name}" is ${protocol}`);
  if (serverVersion && /[\0\r\n]/.test(serverVersion)) mysql.fail('server_version', 'mysql.server_version must be one line without NUL bytes');
  const aws: Fields = f.section('aws', ['region', 'redshift', 'rds', 'elasticache', 'memorydb', 'secret_store', 'account_id', 'assume_role_arn', 'external_id']);
  for (const k of ['redshift', 'rds', 'elasticache', 'memorydb', 'secret_store', 'account_id', 'assume_role_arn', 'external_id']) {
    if (aws.has(k)) aws.fail(k, `aws.${k} is not supported by this release yet; remove it (aws.region alone: RDS/Aurora IAM auth)`);
  }
  const region = aws.get('region', str);
  if (f.has('aws') && !region) f.fail('aws', 'aws.region is required: the AWS region of the RDS/Aurora database, e.g. us-east-1');
  return {
    name,
    description: f.get('description', str) ?? '',
    protocol,
    uri,
    uriText,
    staticLabels: { ...f.get('labels', strMap), ...f.get('static_labels', strMap) },
    tls: { mode, ...(caCertFile && { caCertFile }), ...(serverName && { serverName }) },
    ...(serverVersion && { mysql: { serverVersion } }),
    ...(region && { aws: { region } }),
  };
};

const resourceSelectorOf = resourceSelector('db');

/** Read `db_service:` (absent: no databases); `enabled` is undefined when not written. */
export function readDB(node: Node | null, ctx: SourceContext): { config: DatabaseServiceConfig; enabled?: boolean } {
  const f = fields(node, 'db_service', ctx, ['enabled', 'databases', 'resources', ...LATER_SECTION_KEYS]);
  const enabled = f.get('enabled', bool);
  // Dynamic registration and cloud discovery are later work: refused only when the service runs.
  if (enabled) refuseLater(f, LATER_SECTION_KEYS);
  const databases = f.get('databases', list(database)) ?? [];
  const seen = new Set<string>();
  databases.forEach((d, i) => {
    if (seen.has(d.name)) ctx.fail(f.nodeOf('databases'), `db_service.databases[${i}].name`, `database "${d.name}" is listed twice`);
    seen.add(d.name);
  });
  const settings: Record<string, unknown> = {};
  for (const key of LATER_SECTION_KEYS) {
    const v = f.get(key, loose);
    if (v !== undefined) settings[key] = v;
  }
  const resources = f.get('resources', list(resourceSelectorOf)) ?? [];
  return { enabled, config: { databases, resources, settings } };
}
