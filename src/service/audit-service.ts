/**
 * The audit log of a process: the auth server's AuditLog over the sinks `audit_events_uri` names
 * (the cluster database when it is empty), and the emitter of a node or proxy running without an
 * auth server, which sends its events through the auth API.
 */
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import type { TeleportConfig } from '../config/index.js';
import { AuditLog, RemoteEmitter, openEventSinks } from '../events/index.js';
import type { Logger } from '../log/index.js';

/**
 * Opens every sink of `teleport.storage.audit_events_uri` (`events.db` beside the cluster state when
 * none is given); a dynamodb:// sink takes the region, credentials and billing of a storage section
 * of type dynamodb. Throws BadParameterError/NotImplementedError for URIs this build cannot serve,
 * ConnectionProblemError when a PostgreSQL or DynamoDB store cannot be reached.
 */
export async function openAuditLog(config: TeleportConfig, clock: Clock, logger: Logger): Promise<AuditLog> {
  const { storage } = config.teleport;
  const ddb = storage.dynamodb;
  const sinks = await openEventSinks(storage.auditEventsUri, {
    storageDir: storage.path,
    clock,
    logger,
    ...(ddb && {
      aws: {
        region: ddb.region,
        accessKey: ddb.accessKey,
        secretKey: ddb.secretKey,
        billingMode: ddb.billingMode,
        readCapacityUnits: ddb.readCapacityUnits,
        writeCapacityUnits: ddb.writeCapacityUnits,
        continuousBackups: ddb.continuousBackups,
      },
    }),
  });
  const log = new AuditLog({ sinks, clock, logger: logger.child({ component: 'audit' }) });
  logger.info({ component: 'audit', sinks: log.uris.join(',') }, 'audit log opened');
  return log;
}

/** The emitter of a host whose auth server is elsewhere: events go out over `client` in the background. */
export function remoteAuditEmitter(client: AuthClient, clock: Clock, logger: Logger): RemoteEmitter {
  return new RemoteEmitter({ sender: client, clock, logger: logger.child({ component: 'audit' }) });
}
