/**
 * `teleport.storage`: the embedded SQLite store (`sqlite`, `dir`) or a shared one for several auth
 * servers (`postgresql`, `etcd`, `dynamodb`), each with Teleport's keys and checks. A key that
 * belongs to another storage type is an error naming that type.
 */
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import { join } from 'node:path';
import { auditEventsUri, auditSessionsUri, bool, duration, fields, int, oneOf, oneOrMany, str, type Fields, type Reader } from './read.js';
import { LATER_STORAGE_TYPES } from './defaults.js';
import type { DynamoStorageConfig, EtcdStorageConfig, GlobalConfig, PostgresStorageConfig, SqliteStorageConfig, StorageType } from './types.js';

const COMMON = ['type', 'audit_events_uri', 'audit_sessions_uri'];

/** The keys each storage type reads. */
export const STORAGE_KEYS: Record<'sqlite' | 'postgresql' | 'etcd' | 'dynamodb', readonly string[]> = {
  sqlite: [...COMMON, 'path', 'sync', 'journal', 'poll_stream_period', 'buffer_size', 'retention_period'],
  postgresql: [
    ...COMMON,
    'conn_string',
    'auth_mode',
    'azure_client_id',
    'gcp_connection_name',
    'gcp_ip_type',
    'change_feed_conn_string',
    'change_feed_poll_interval',
    'change_feed_batch_size',
    'disable_expiry',
    'expiry_interval',
    'expiry_batch_size',
  ],
  etcd: [
    ...COMMON,
    'peers',
    'prefix',
    'tls_cert_file',
    'tls_key_file',
    'tls_ca_file',
    'insecure',
    'buffer_size',
    'dial_timeout',
    'username',
    'password_file',
    'etcd_max_client_msg_size_bytes',
    'client_pool_size',
  ],
  dynamodb: [
    ...COMMON,
    'region',
    'table_name',
    'access_key',
    'secret_key',
    'endpoint',
    'billing_mode',
    'read_capacity_units',
    'write_capacity_units',
    'poll_stream_period',
    'retry_period',
    'buffer_size',
    'continuous_backups',
    'auto_scaling',
    'read_min_capacity',
    'read_max_capacity',
    'read_target_value',
    'write_min_capacity',
    'write_max_capacity',
    'write_target_value',
  ],
};

const TYPES = ['sqlite', 'dir', 'postgresql', 'postgres', 'etcd', 'dynamodb', ...LATER_STORAGE_TYPES] as const;
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Reads `teleport.storage`; an absent section is SQLite under `<data_dir>/backend`. */
export function readStorage(f: Fields, dataDir: string): GlobalConfig['storage'] {
  const node = f.has('storage') ? f.nodeOf('storage') : null;
  const path = f.child('storage');
  // The type first, so a key of another type is explained by the type it belongs to.
  const typeOnly = fields(node, path, f.ctx, null);
  const written = typeOnly.get('type', oneOf(TYPES));
  if (written && (LATER_STORAGE_TYPES as readonly string[]).includes(written)) {
    typeOnly.fail('type', `storage type "${written}" is not available in this release yet; use sqlite, postgresql, etcd or dynamodb`);
  }
  const type: StorageType = written === 'postgres' ? 'postgresql' : ((written ?? 'sqlite') as StorageType);
  const family = type === 'dir' ? 'sqlite' : (type as keyof typeof STORAGE_KEYS);
  checkKeysBelong(node, path, f, family);
  const s = fields(node, path, f.ctx, STORAGE_KEYS[family]);
  const out: GlobalConfig['storage'] = {
    type,
    path: (family === 'sqlite' && s.get('path', str)) || join(dataDir, 'backend'),
    auditEventsUri: (s.get('audit_events_uri', oneOrMany(auditEventsUri)) ?? []).filter((u) => u !== ''),
    auditSessionsUri: s.get('audit_sessions_uri', auditSessionsUri) || undefined,
  };
  refuseInert(s, family);
  if (family === 'sqlite') out.sqlite = readSqlite(s);
  if (family === 'postgresql') out.postgresql = readPostgres(s);
  if (family === 'etcd') out.etcd = readEtcd(s);
  if (family === 'dynamodb') out.dynamodb = readDynamo(s);
  return out;
}

/** Fails on a key that belongs to another storage type, naming that type. */
function checkKeysBelong(node: Node | null, path: string, f: Fields, family: keyof typeof STORAGE_KEYS): void {
  if (!node || !isMap(node)) return;
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (STORAGE_KEYS[family].includes(key)) continue;
    const owners = (Object.keys(STORAGE_KEYS) as (keyof typeof STORAGE_KEYS)[]).filter((t) => STORAGE_KEYS[t].includes(key));
    if (owners.length > 0) {
      f.ctx.fail(pair.key, `${path}.${key}`, `"${key}" is a setting of storage type ${owners.join(' or ')}; this storage is type ${family}`);
    }
  }
}

/** `PRAGMA synchronous` values, as Teleport's sqlite backend passes `sync` to SQLite. */
const SYNC_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
/** `PRAGMA journal_mode` values, as Teleport's sqlite backend passes `journal` to SQLite. */
const JOURNAL_MODES = ['DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'WAL', 'OFF'] as const;

/**
 * Why a key Teleport reads has no meaning in this release's backend, by storage family: such a key
 * is refused at load with its line and this reason, not kept and ignored.
 */
export const STORAGE_REFUSALS: Record<string, Record<string, string>> = {
  sqlite: {
    poll_stream_period:
      'poll_stream_period has no effect on this SQLite store: watchers get each write as it commits, with no events table to poll; remove it',
    retention_period:
      'retention_period has no effect on this SQLite store: it keeps no events table whose rows expire; remove it',
  },
  postgresql: {
    change_feed_batch_size:
      'change_feed_batch_size has no effect in this release: the change feed reads every pending event at once; remove it',
    expiry_batch_size: 'expiry_batch_size has no effect in this release: each expiry pass deletes every expired item at once; remove it',
  },
  etcd: {
    client_pool_size:
      'client_pool_size has no effect in this release: the backend uses one etcd client whose connections carry requests in parallel; remove it',
  },
  dynamodb: {
    retry_period:
      'retry_period has no effect in this release: a failed poll of the change log is retried every poll_stream_period; set that instead',
  },
};

function refuseInert(s: Fields, family: keyof typeof STORAGE_KEYS): void {
  for (const [key, why] of Object.entries(STORAGE_REFUSALS[family] ?? {})) {
    if (s.has(key)) s.fail(key, why);
  }
}

function readSqlite(s: Fields): SqliteStorageConfig {
  return {
    sync: s.get('sync', oneOf(SYNC_MODES, true)),
    journal: s.get('journal', oneOf(JOURNAL_MODES, true)),
    bufferSize: s.get('buffer_size', int(1)),
  };
}

/** A PostgreSQL URL; libpq's key=value form is refused with the URL spelling to use. */
const connString: Reader<string> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    return ctx.fail(node, path, 'not a URL; write it as postgresql://user@host:5432/database?sslmode=verify-full', err);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return ctx.fail(node, path, `must start with postgresql:// or postgres://, not ${url.protocol}//`);
  }
  const mode = url.searchParams.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) {
    return ctx.fail(node, path, `sslmode "${mode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  return text;
};

function readPostgres(s: Fields): PostgresStorageConfig {
  const conn = s.get('conn_string', connString);
  if (!conn) s.ctx.fail(s.node, s.child('conn_string'), 'storage type postgresql needs conn_string, as in postgresql://teleport@db.example.com:5432/teleport_backend');
  const authMode = s.get('auth_mode', str);
  if (authMode && authMode !== 'static') {
    s.fail('auth_mode', `auth_mode "${authMode}" is not available in this release; authenticate with conn_string (password or sslcert/sslkey)`);
  }
  if (s.has('azure_client_id')) s.fail('azure_client_id', 'azure_client_id needs auth_mode azure, which is not available in this release');
  for (const key of ['gcp_connection_name', 'gcp_ip_type']) {
    if (s.has(key)) s.fail(key, `${key} needs auth_mode gcp-cloudsql, which is not available in this release`);
  }
  return {
    connString: conn!,
    changeFeedConnString: s.get('change_feed_conn_string', connString),
    changeFeedPollInterval: s.get('change_feed_poll_interval', duration) || undefined,
    disableExpiry: s.get('disable_expiry', bool) ?? false,
    expiryInterval: s.get('expiry_interval', duration) || undefined,
  };
}

/** An etcd client URL. */
const peerUrl: Reader<string> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  if (!/^https?:\/\/[^/\s]+\/?$/.test(text)) return ctx.fail(node, path, `"${text}" is not a client URL such as https://10.0.0.1:2379`);
  return text;
};

function readEtcd(s: Fields): EtcdStorageConfig {
  const peers = s.get('peers', oneOrMany(peerUrl)) ?? [];
  if (peers.length === 0) s.ctx.fail(s.node, s.child('peers'), 'etcd: missing "peers" parameter: the client URLs of the etcd cluster');
  const prefix = s.get('prefix', str);
  if (!prefix) s.ctx.fail(s.node, s.child('prefix'), 'etcd: missing "prefix" parameter, as in /teleport');
  const insecure = s.get('insecure', bool) ?? false;
  const tlsCaFile = s.get('tls_ca_file', str) || undefined;
  if (!insecure && !tlsCaFile) {
    s.ctx.fail(s.node, s.child('tls_ca_file'), 'etcd: missing "tls_ca_file" parameter; set it, or insecure: true for an etcd without TLS');
  }
  const tlsCertFile = s.get('tls_cert_file', str) || undefined;
  const tlsKeyFile = s.get('tls_key_file', str) || undefined;
  if (tlsCertFile && !tlsKeyFile) s.fail('tls_cert_file', 'tls_cert_file needs tls_key_file (the client certificate\'s private key)');
  if (tlsKeyFile && !tlsCertFile) s.fail('tls_key_file', 'tls_key_file needs tls_cert_file (the client certificate)');
  const passwordFile = s.get('password_file', str) || undefined;
  const username = s.get('username', str) || undefined;
  if (passwordFile && !username) s.fail('password_file', 'password_file needs username');
  return {
    peers,
    prefix: prefix!.startsWith('/') ? prefix! : `/${prefix}`,
    tlsCertFile,
    tlsKeyFile,
    tlsCaFile,
    insecure,
    username,
    passwordFile,
    dialTimeout: s.get('dial_timeout', duration) || undefined,
    bufferSize: s.get('buffer_size', int(1)),
    maxClientMsgSizeBytes: s.get('etcd_max_client_msg_size_bytes', int(1)),
  };
}

/** A number in (0, 100]: an auto scaling target utilisation. */
const percent: Reader<number> = (node, path, ctx) => {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !(v > 0 && v <= 100)) return ctx.fail(node, path, 'expected a percentage above 0 and at most 100');
  return v;
};

const endpointUrl: Reader<string> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  if (!/^https?:\/\/[^\s]+$/.test(text)) return ctx.fail(node, path, `"${text}" is not a URL such as https://dynamodb.us-east-1.amazonaws.com`);
  return text;
};

/** DynamoDB keys that only shape auto scaling. */
const AUTO_SCALING_KEYS = ['read_min_capacity', 'read_max_capacity', 'read_target_value', 'write_min_capacity', 'write_max_capacity', 'write_target_value'];

function readDynamo(s: Fields): DynamoStorageConfig {
  const tableName = s.get('table_name', str);
  if (!tableName) s.ctx.fail(s.node, s.child('table_name'), 'DynamoDB: table_name is not specified');
  const billingMode = s.get('billing_mode', oneOf(['pay_per_request', 'provisioned'] as const)) ?? 'pay_per_request';
  const autoScaling = s.get('auto_scaling', bool) ?? false;
  // As in Teleport, on-demand tables ignore auto_scaling; provisioned ones would need AWS Application Auto Scaling.
  if (autoScaling && billingMode === 'provisioned') {
    s.fail('auto_scaling', 'auto_scaling is not available in this release; use billing_mode: pay_per_request, or set scaling policies in AWS');
  }
  // Their only meaning is a provisioned table's Application Auto Scaling policy (refused above); an
  // on-demand table scales itself, and Teleport accepts them there without effect, as this does.
  if (billingMode === 'provisioned') {
    for (const key of AUTO_SCALING_KEYS) {
      if (s.has(key)) s.fail(key, `${key} sets an auto scaling policy, which is not available in this release; remove it, or use billing_mode: pay_per_request`);
    }
  }
  const accessKey = s.get('access_key', str) || undefined;
  const secretKey = s.get('secret_key', str) || undefined;
  if (Boolean(accessKey) !== Boolean(secretKey)) s.fail(accessKey ? 'access_key' : 'secret_key', 'access_key and secret_key go together');
  return {
    region: s.get('region', str) || undefined,
    tableName: tableName!,
    accessKey,
    secretKey,
    endpoint: s.get('endpoint', endpointUrl),
    billingMode,
    readCapacityUnits: s.get('read_capacity_units', int(1)),
    writeCapacityUnits: s.get('write_capacity_units', int(1)),
    pollStreamPeriod: s.get('poll_stream_period', duration) || undefined,
    bufferSize: s.get('buffer_size', int(1)),
    continuousBackups: s.get('continuous_backups', bool) ?? false,
    autoScaling,
    readMinCapacity: s.get('read_min_capacity', int(1)),
    readMaxCapacity: s.get('read_max_capacity', int(1)),
    readTargetValue: s.get('read_target_value', percent),
    writeMinCapacity: s.get('write_min_capacity', int(1)),
    writeMaxCapacity: s.get('write_max_capacity', int(1)),
    writeTargetValue: s.get('write_target_value', percent),
  };
}
