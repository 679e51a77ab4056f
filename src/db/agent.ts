/**
 * The database service's core (Teleport's lib/srv/db Server): serves the streams the proxy opens
 * to its databases (the hello, then the client's protocol), authorizes each connection by the
 * user's roles, gives the engine of the database's protocol the session, and heartbeats one
 * `db_server` per database it proxies.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { Clock } from '../api/clock.js';
import { DATABASE_HELLO, type DatabaseHello } from '../api/db-wire.js';
import { readHelloFrame } from '../api/hello-frame.js';
import { AccessDeniedError, BadParameterError, NotFoundError } from '../api/errors.js';
import type { AgentServer, Role } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import type { DatabaseConfig } from '../config/index.js';
import type { AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { applyRoleTraits, checkDatabaseAccess, checkSessionMFA } from '../rbac/index.js';
import { sessionAudit } from './db-audit.js';
import type { Engine } from './engine.js';
import { databaseTLSOptions } from './db-tls.js';

/** How long a database client certificate is asked for, and when it is renewed. */
const CLIENT_CERT_TTL_MS = 12 * 3600_000;
const CLIENT_CERT_RENEW_MS = 3600_000;
/** How long the hello may take to arrive. */
const HELLO_TIMEOUT_MS = 15_000;
/** What a refused client without a per-session MFA certificate is told to do. */
const SESSION_MFA_HINT = 'connect with "tsh db connect" or through "tsh proxy db --tunnel", which ask for an MFA check (certificates from "tsh db login" alone are not MFA-verified)';

/** What the agent needs from the cluster (the auth API, narrowed). */
export interface DatabaseAccessPoint {
  /** The roles named, those that exist. */
  roles(names: string[]): Promise<Role[]>;
  /** A `db` CA certificate for `publicKeyPem` with CN `dbUser`: `{ cert, ca_certs }`. */
  databaseCert(publicKeyPem: string, dbUser: string, ttlMs: number): Promise<{ cert: string; ca_certs: string[] }>;
  heartbeat(server: AgentServer, ttlMs: number): Promise<void>;
  /** The cluster auth preference's `require_session_mfa` (per-session MFA). */
  requireSessionMFA(): Promise<unknown>;
}

/** Options of the agent. */
export interface DatabaseAgentOptions {
  databases: DatabaseConfig[];
  engines: Engine[];
  access: DatabaseAccessPoint;
  audit: AuditEmitter;
  hostId: string;
  hostname: string;
  clock: Clock;
  logger: Logger;
  /** Reads `tls.ca_cert_file` (injected for tests); default the file system. */
  readFile?: (path: string) => Promise<string>;
}

/** The database service of one host. */
export class DatabaseAgent {
  private readonly engines = new Map<string, Engine>();
  private readonly certs = new Map<string, { at: number; pem: Promise<{ cert: string; ca_certs: string[] }> }>();
  private key?: { privateKey: KeyObject; publicPem: string };
  /** What each database's engine last learned of it (its probe), merged into its heartbeat's spec. */
  private readonly learned = new Map<string, Record<string, unknown>>();
  /** The `db` resources (tctl create) this agent's `resources` selectors match, served beside the static ones. */
  private dynamic: DatabaseConfig[] = [];

  /** Throws BadParameterError for a database whose protocol has no engine. */
  constructor(private readonly o: DatabaseAgentOptions) {
    for (const e of o.engines) this.engines.set(e.protocol, e);
    for (const d of o.databases) {
      if (!this.engines.has(d.protocol)) throw new BadParameterError(`db_service: database "${d.name}" has protocol "${d.protocol}", which this release has no engine for`);
    }
  }

  /** The databases served: the static ones, then the dynamic ones whose names no static one takes. */
  databases(): DatabaseConfig[] {
    const taken = new Set(this.o.databases.map((d) => d.name));
    return [...this.o.databases, ...this.dynamic.filter((d) => !taken.has(d.name))];
  }

  /**
   * Replaces the dynamic databases (those a protocol has no engine for are left out, logged).
   * Returns the names no longer served, whose heartbeats the caller removes.
   */
  setDynamic(databases: DatabaseConfig[]): string[] {
    const staticNames = new Set(this.o.databases.map((d) => d.name));
    const next = databases.filter((d) => {
      if (staticNames.has(d.name)) {
        if (!this.dynamic.some((x) => x.name === d.name)) this.o.logger.warn({ db: d.name }, 'db resource has the name of a database in teleport.yaml; the one in teleport.yaml is served');
        return true;
      }
      if (this.engines.has(d.protocol)) return true;
      this.o.logger.warn({ db: d.name, protocol: d.protocol }, 'db resource has a protocol this agent has no engine for; not served');
      return false;
    });
    const kept = new Set(next.map((d) => d.name));
    const gone = this.dynamic.filter((d) => !kept.has(d.name)).map((d) => d.name);
    for (const name of gone) this.learned.delete(name);
    this.dynamic = next;
    return gone;
  }

  /** The db_server heartbeats of this agent (no address: the proxy reaches it in memory or through the tunnel). */
  servers(useTunnel: boolean): AgentServer[] {
    return this.databases().map((d) => ({
      kind: 'db_server',
      version: 'v3',
      metadata: { name: d.name },
      spec: {
        host_id: this.o.hostId,
        hostname: this.o.hostname,
        version: VERSION,
        ...(useTunnel && { use_tunnel: true }),
        database: {
          kind: 'db',
          version: 'v3',
          metadata: { name: d.name, description: d.description, labels: d.staticLabels },
          // What the engine learned of the database (MySQL's real version) wins over what is configured.
          spec: { protocol: d.protocol, uri: d.uriText, tls: { mode: d.tls.mode }, ...(d.mysql?.serverVersion && { mysql: { server_version: d.mysql.serverVersion } }), ...this.learned.get(d.name) },
        },
      },
    }));
  }

  /**
   * Asks each database's engine what it can learn of it (MySQL: the server version), for the next
   * heartbeat. A database that cannot be reached keeps what was learned before (logged).
   */
  async refresh(): Promise<void> {
    await Promise.all(
      this.databases().map(async (d) => {
        const probe = this.engines.get(d.protocol)?.probe;
        if (!probe) return;
        try {
          this.learned.set(d.name, await probe.call(this.engines.get(d.protocol), d));
        } catch (err) {
          this.o.logger.info({ db: d.name, err: (err as Error).message }, 'could not reach the database to learn its version');
        }
      }),
    );
  }

  /**
   * Serves one stream the proxy opened: the hello, then the client's protocol. Every failure is
   * told to the client in its protocol when the hello named one, else the stream is ended.
   */
  serve(stream: Duplex): void {
    stream.on('error', () => {});
    this.run(stream).catch((err: unknown) => {
      this.o.logger.info({ err: (err as Error).message }, 'database connection ended');
      stream.destroy();
    });
  }

  private async run(stream: Duplex): Promise<void> {
    const hello = await readHello(stream);
    const engine = this.engines.get(hello.protocol);
    if (!engine) throw new BadParameterError(`no ${hello.protocol} engine on this agent`);
    const database = this.databases().find((d) => d.name === hello.database);
    if (!database || database.protocol !== hello.protocol) {
      engine.sendError(stream, new NotFoundError(`database "${hello.database}" is not served by this agent`));
      return;
    }
    if (hello.cancel) {
      if (!engine.cancel) throw new BadParameterError(`${hello.protocol} has no cancel requests`);
      this.o.logger.info({ db: database.name, user: hello.user }, 'relaying a cancel request');
      await engine.cancel(database, stream);
      return;
    }
    const id = hello.session_id;
    const logger = this.o.logger.child({ sid: id, db: database.name, user: hello.user });
    await engine.handleConnection(
      {
        id,
        database,
        hello,
        authorize: (dbUser, dbName) => this.authorize(hello, database, dbUser, dbName),
        tlsOptions: (dbUser) => this.tlsOptions(database, dbUser),
        audit: sessionAudit({ emitter: this.o.audit, sessionId: id, database, hello, serverId: this.o.hostId, hostname: this.o.hostname, logger, clock: this.o.clock }),
        logger,
      },
      stream,
    );
  }

  private async authorize(hello: DatabaseHello, database: DatabaseConfig, dbUser: string, dbName: string): Promise<void> {
    if (dbUser === '') throw new AccessDeniedError('no database user given: pass --db-user to tsh db login, or user= to the client');
    const roles = (await this.o.access.roles(hello.roles)).map((r) => applyRoleTraits(r, { traits: hello.traits }));
    if (roles.length === 0) throw new AccessDeniedError(`user "${hello.user}" has no roles on this cluster`);
    // Database names are not enforced for MySQL, as in Teleport (a session's USE moves freely).
    checkDatabaseAccess(roles, { labels: database.staticLabels, dbUser, dbName, enforceNames: database.protocol !== 'mysql' });
    checkSessionMFA({ capValue: await this.o.access.requireSessionMFA(), roles, mfaVerified: hello.mfa_verified, hint: SESSION_MFA_HINT });
  }

  private async tlsOptions(database: DatabaseConfig, dbUser: string): Promise<ConnectionOptions> {
    const key = (this.key ??= newClientKey());
    const now = this.o.clock.now();
    let entry = this.certs.get(dbUser);
    if (!entry || now - entry.at > CLIENT_CERT_TTL_MS - CLIENT_CERT_RENEW_MS) {
      const pem = this.o.access.databaseCert(key.publicPem, dbUser, CLIENT_CERT_TTL_MS);
      entry = { at: now, pem };
      this.certs.set(dbUser, entry);
      pem.catch(() => this.certs.delete(dbUser));
    }
    const { cert, ca_certs } = await entry.pem;
    return databaseTLSOptions({ database, key: key.privateKey, cert, dbCAs: ca_certs, readFile: this.o.readFile });
  }
}

function newClientKey(): { privateKey: KeyObject; publicPem: string } {
  // RSA as Teleport's database client keys: every PostgreSQL and MySQL TLS stack takes it.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Reads the proxy's hello from the front of `stream`; the bytes after it are put back. */
export function readHello(stream: Duplex): Promise<DatabaseHello> {
  return readHelloFrame(stream, DATABASE_HELLO, HELLO_TIMEOUT_MS);
}

