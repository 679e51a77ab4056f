/**
 * The proxy's hello to a database agent, version 1: the first bytes of every stream the proxy
 * opens to a database service (in memory, or through the host's reverse tunnel, both opened only
 * by the cluster's proxies). A 4-byte big-endian length, then that many bytes of JSON
 * (DatabaseHello); the client's protocol bytes follow as the client sent them (for PostgreSQL the
 * StartupMessage onwards). The proxy has verified the user's certificate; the agent authorizes.
 */
import { BadParameterError } from './errors.js';
import { encodeHelloFrame, type HelloFormat } from './hello-frame.js';

/** The hello's version; an agent refuses any other. */
export const DB_HELLO_VERSION = 1;
/** Largest hello accepted (roles and traits of one user). */
export const MAX_DB_HELLO_BYTES = 64 * 1024;

/** Who connects to which database, as the proxy established it. */
export interface DatabaseHello {
  v: number;
  /** The database's name (its db_server heartbeat's name). */
  database: string;
  protocol: string;
  /** The Teleport user, from the client certificate. */
  user: string;
  roles: string[];
  traits: Record<string, string[]>;
  /** The route's defaults from `tsh db login` (the client's startup values win). */
  route_user?: string;
  route_database?: string;
  /** The client, `ip:port`. */
  client_addr: string;
  /** The audit session ID of this connection. */
  session_id: string;
  /**
   * A PostgreSQL CancelRequest for a session of this database, routed by the proxy from the
   * backend key it saw: the agent relays the packet that follows to the database and closes.
   */
  cancel?: boolean;
  /** The MFA device the client's certificate was issued after (per-session MFA), when it was. */
  mfa_verified?: string;
}

/** The database hello's framing. */
export const DATABASE_HELLO: HelloFormat<DatabaseHello> = { what: 'database hello', maxBytes: MAX_DB_HELLO_BYTES, check: (x) => checkDatabaseHello(x) };

/** The hello as bytes. */
export function encodeDatabaseHello(h: DatabaseHello): Buffer {
  return encodeHelloFrame(DATABASE_HELLO, h);
}

/** Checks a decoded hello's shape. Throws BadParameterError naming the field. */
export function checkDatabaseHello(x: unknown): DatabaseHello {
  const h = x as Partial<DatabaseHello> | null;
  if (!h || typeof h !== 'object') throw new BadParameterError('database hello is not an object');
  if (h.v !== DB_HELLO_VERSION) throw new BadParameterError(`database hello version ${String(h.v)} is not ${DB_HELLO_VERSION}`);
  for (const k of ['database', 'protocol', 'user', 'client_addr', 'session_id'] as const) {
    if (typeof h[k] !== 'string' || h[k] === '') throw new BadParameterError(`database hello lacks ${k}`);
  }
  if (!Array.isArray(h.roles) || !h.roles.every((r) => typeof r === 'string')) throw new BadParameterError('database hello roles must be strings');
  const traits = h.traits ?? {};
  if (typeof traits !== 'object' || Object.values(traits).some((v) => !Array.isArray(v) || !v.every((s) => typeof s === 'string'))) {
    throw new BadParameterError('database hello traits must map names to lists of strings');
  }
  return { ...(h as DatabaseHello), traits };
}
