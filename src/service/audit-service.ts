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
 * none is given). Throws BadParameterError/NotImplementedError for URIs this build cannot serve.
 */
export function openAuditLog(config: TeleportConfig, clock: Clock, logger: Logger): AuditLog {
  const sinks = openEventSinks(config.teleport.storage.auditEventsUri, { storageDir: config.teleport.storage.path, clock });
  const log = new AuditLog({ sinks, clock, logger: logger.child({ component: 'audit' }) });
  logger.info({ component: 'audit', sinks: log.uris.join(',') }, 'audit log opened');
  return log;
}

/** The emitter of a host whose auth server is elsewhere: events go out over `client` in the background. */
export function remoteAuditEmitter(client: AuthClient, clock: Clock, logger: Logger): RemoteEmitter {
  return new RemoteEmitter({ sender: client, clock, logger: logger.child({ component: 'audit' }) });
}
