/**
 * The audit events of a database session, with Teleport's names, codes and fields
 * (`db.session.start` TDB00I/TDB00W, `db.session.query` TDB02I, `db.session.end` TDB01I).
 */
import type { Clock } from '../api/clock.js';
import type { DatabaseHello } from '../api/db-wire.js';
import type { DatabaseConfig } from '../config/index.js';
import { auditEvent, type AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { SessionAudit } from './engine.js';

/** Longest statement text kept in an event (the event store's bound is 64 KiB for the whole event). */
const MAX_QUERY_CHARS = 16 * 1024;

function bound(query: string): string {
  return query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}... (${query.length} characters)` : query;
}

/** The audit of one session. Emit failures are logged, never thrown into the relay. */
export function sessionAudit(o: {
  emitter: AuditEmitter;
  sessionId: string;
  database: DatabaseConfig;
  hello: DatabaseHello;
  serverId: string;
  hostname: string;
  logger: Logger;
  clock: Clock;
}): SessionAudit {
  let dbUser = '';
  let dbName = '';
  let started = false;
  let ended = false;
  let startedAt = '';
  // The event index within the session: playback orders the session's events by it.
  let ei = 0;
  const common = () => ({
    sid: o.sessionId,
    ei: ei++,
    user: o.hello.user,
    server_id: o.serverId,
    server_hostname: o.hostname,
    'addr.remote': o.hello.client_addr,
    db_service: o.database.name,
    db_protocol: o.database.protocol,
    db_uri: o.database.uriText,
    db_user: dbUser,
    db_name: dbName,
  });
  const emit = async (ev: ReturnType<typeof auditEvent>) => {
    try {
      await o.emitter.emit(ev);
    } catch (err) {
      o.logger.warn({ err: (err as Error).message, event: ev.event }, 'could not record a database audit event');
    }
  };
  return {
    async start(user, name, err) {
      dbUser = user;
      dbName = name;
      if (err) return emit(auditEvent('db.session.start', 'TDB00W', { ...common(), success: false, error: err.message, message: err.message }));
      started = true;
      startedAt = new Date(o.clock.now()).toISOString();
      return emit(auditEvent('db.session.start', 'TDB00I', { ...common(), success: true }));
    },
    async query(query, parameters) {
      const text = bound(query);
      const params = parameters?.map((p) => (p !== null && p.length > 1024 ? `${p.slice(0, 1024)}...` : p));
      return emit(auditEvent('db.session.query', 'TDB02I', { ...common(), success: true, db_query: text, ...(params && params.length > 0 && { db_query_parameters: params }) }));
    },
    async queryFailed(err) {
      return emit(auditEvent('db.session.query.failed', 'TDB02W', { ...common(), success: false, error: err.message, message: err.message }));
    },
    async mysql(e) {
      switch (e.kind) {
        case 'prepare':
          return emit(auditEvent('db.session.mysql.statements.prepare', 'TMY00I', { ...common(), db_query: bound(e.query) }));
        case 'execute':
          return emit(auditEvent('db.session.mysql.statements.execute', 'TMY01I', { ...common(), statement_id: e.statementId }));
        case 'close':
          return emit(auditEvent('db.session.mysql.statements.close', 'TMY03I', { ...common(), statement_id: e.statementId }));
        case 'init_db':
          dbName = e.schema;
          return emit(auditEvent('db.session.mysql.init_db', 'TMY07I', { ...common(), schema_name: e.schema }));
      }
    },
    async end() {
      if (!started || ended) return;
      ended = true;
      // Teleport's db.session.end carries the session's times (its recordings list shows them).
      return emit(auditEvent('db.session.end', 'TDB01I', { ...common(), session_start: startedAt, session_stop: new Date(o.clock.now()).toISOString() }));
    },
  };
}
