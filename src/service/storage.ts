/**
 * From teleport.yaml's `storage` section to the cluster state backend the auth service opens:
 * SQLite under `path` (the default), or the shared PostgreSQL, etcd or DynamoDB store that several
 * auth servers use together.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { openBackend, type Backend, type BackendSpec } from '../backend/index.js';
import { makeDirAll, type GlobalConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';

/**
 * The backend spec for a storage section. Reads etcd's `password_file` (trimmed, as Teleport does);
 * throws BadParameterError when it cannot.
 */
export async function backendSpec(storage: GlobalConfig['storage'], logger?: Logger): Promise<BackendSpec> {
  const { postgresql: pg, etcd, dynamodb: ddb } = storage;
  if (storage.type === 'postgresql' && pg) {
    return {
      type: 'postgresql',
      connString: pg.connString,
      changeFeedConnString: pg.changeFeedConnString,
      changeFeedPollIntervalMs: pg.changeFeedPollInterval,
      sweepIntervalMs: pg.expiryInterval,
      disableExpiry: pg.disableExpiry,
      logger,
    };
  }
  if (storage.type === 'etcd' && etcd) {
    let password: string | undefined;
    if (etcd.passwordFile) {
      try {
        password = (await readFile(etcd.passwordFile, 'utf8')).trim();
      } catch (err) {
        throw new BadParameterError(`etcd: cannot read password_file ${etcd.passwordFile}: ${(err as Error).message}`, { cause: err });
      }
    }
    return {
      type: 'etcd',
      peers: etcd.peers,
      prefix: etcd.prefix,
      tlsCertFile: etcd.tlsCertFile,
      tlsKeyFile: etcd.tlsKeyFile,
      tlsCaFile: etcd.tlsCaFile,
      insecure: etcd.insecure,
      username: etcd.username,
      password,
      dialTimeoutMs: etcd.dialTimeout,
      maxClientMsgSizeBytes: etcd.maxClientMsgSizeBytes,
      watchBufferLimit: etcd.bufferSize,
      logger,
    };
  }
  if (storage.type === 'dynamodb' && ddb) {
    return {
      type: 'dynamodb',
      tableName: ddb.tableName,
      region: ddb.region,
      endpoint: ddb.endpoint,
      accessKey: ddb.accessKey,
      secretKey: ddb.secretKey,
      billingMode: ddb.billingMode,
      readCapacityUnits: ddb.readCapacityUnits,
      writeCapacityUnits: ddb.writeCapacityUnits,
      continuousBackups: ddb.continuousBackups,
      pollStreamPeriodMs: ddb.pollStreamPeriod,
      watchBufferLimit: ddb.bufferSize,
      logger,
    };
  }
  const lite = storage.sqlite ?? {};
  return {
    type: 'sqlite',
    path: join(storage.path, 'sqlite.db'),
    ...(lite.sync && { sync: lite.sync }),
    ...(lite.journal && { journal: lite.journal }),
    ...(lite.bufferSize && { watchBufferLimit: lite.bufferSize }),
  };
}

/** Opens the cluster state backend the storage section names, expiry following `clock`. */
export async function openStorage(storage: GlobalConfig['storage'], clock: Clock, logger?: Logger): Promise<Backend> {
  // SQLite would make its directory with Node's recursive mkdir, which spins on paths under /proc.
  if (storage.type === 'sqlite' || storage.type === 'dir') await makeDirAll(storage.path, 0o700);
  return openBackend(await backendSpec(storage, logger), clock);
}
