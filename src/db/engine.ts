/**
 * The one shape of every database protocol the database service speaks (Teleport's
 * lib/srv/db/common Engine): an engine takes one client stream the proxy opened, reads the
 * protocol's hello (PostgreSQL's StartupMessage), has the session authorized, logs in to the
 * database with the agent's certificate for the database user, relays, and audits. PostgreSQL is
 * src/db/postgres; MySQL is the next engine behind the same interface.
 */
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { DatabaseHello } from '../api/db-wire.js';
import type { DatabaseConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';

/** What the audit log records of one session (db-audit.ts builds the events). */
export interface SessionAudit {
  /** db.session.start: TDB00I, or TDB00W with `err`'s message. */
  start(dbUser: string, dbName: string, err?: Error): Promise<void>;
  /** db.session.query (TDB02I). */
  query(query: string, parameters?: (string | null)[]): Promise<void>;
  /** db.session.query.failed (TDB02W): a statement refused before the database saw it, with why. */
  queryFailed(err: Error): Promise<void>;
  /**
   * MySQL's commands besides COM_QUERY, as Teleport records them: statement prepare (TMY00I, the
   * text), execute (TMY01I) and close (TMY03I) by statement ID, and init_db (TMY07I, `USE`), after
   * which the session's events name the new database.
   */
  mysql(e: MysqlCommandEvent): Promise<void>;
  /** db.session.end (TDB01I); once, after a start that succeeded. */
  end(): Promise<void>;
}

/** A MySQL command recorded in the audit log. */
export type MysqlCommandEvent =
  | { kind: 'prepare'; query: string }
  | { kind: 'execute'; statementId: number }
  | { kind: 'close'; statementId: number }
  | { kind: 'init_db'; schema: string };

/** One connection's context, built by the agent for the engine. */
export interface DatabaseSession {
  /** The audit session ID. */
  id: string;
  database: DatabaseConfig;
  hello: DatabaseHello;
  /** RBAC for the database user and name the client asked for; throws AccessDeniedError naming why. */
  authorize(dbUser: string, dbName: string): Promise<void>;
  /** TLS options to log in to the database as `dbUser` (client certificate, trust, server name check). */
  tlsOptions(dbUser: string): Promise<ConnectionOptions>;
  audit: SessionAudit;
  logger: Logger;
}

/** A database protocol. */
export interface Engine {
  /** The `protocol` value of the databases it serves (`postgres`, `mysql`). */
  readonly protocol: string;
  /** Tells the client `err` in its own protocol and ends the stream (before a session exists). */
  sendError(client: Duplex, err: Error): void;
  /**
   * Runs one session on `client` (positioned after the proxy's hello) to its end. Refusals and
   * failures go to the client in its own protocol and to the audit log; resolves when both sides
   * are closed, never rejects for the client's or the database's doing.
   */
  handleConnection(session: DatabaseSession, client: Duplex): Promise<void>;
  /**
   * What the engine learns of the database for its `db_server` heartbeat (fields of the
   * database's spec, e.g. MySQL's `mysql.server_version`, which the proxy greets clients with).
   */
  probe?(database: DatabaseConfig): Promise<Record<string, unknown>>;
  /** Relays a protocol-level cancel (PostgreSQL's CancelRequest, which follows on `client`) to the database. */
  cancel?(database: DatabaseConfig, client: Duplex): Promise<void>;
}
