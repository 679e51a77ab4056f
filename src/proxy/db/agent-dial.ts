/**
 * What both database fronts do once the client's TLS is up: check its certificate against the user
 * CA, read the route to the database from it, resolve the database's agent, dial it through the route
 * core and send the hello. The front then forwards the client's first protocol message and relays.
 */
import { randomUUID, type X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../api/clock.js';
import { DB_HELLO_VERSION, encodeDatabaseHello, type DatabaseHello } from '../../api/db-wire.js';
import { AccessDeniedError, BadParameterError, NotFoundError } from '../../api/errors.js';
import { identityFromCertificate, verifyChain, type Identity } from '../../tlsca/index.js';
import type { RoutedConnection } from '../mux/index.js';
import type { RouteTarget, Router } from '../route/index.js';

/** What a front needs to reach an agent. */
export interface AgentDialOptions {
  router: Router;
  /** The cluster's user CA certificates (PEM), which sign users' X.509 certificates. */
  userTLSCAs(): Promise<string[]>;
  clock: Clock;
}

/** The protocols a front serves, with the name users read and where their client takes the certificate from. */
const PROTOCOLS = {
  postgres: { name: 'PostgreSQL', certHint: 'sslcert/sslkey' },
  mysql: { name: 'MySQL', certHint: 'ssl-cert, ssl-key' },
} as const;

/** The agent's stream (hello sent), the target it was resolved to and the hello. */
export interface DialedAgent {
  agent: Duplex;
  target: RouteTarget;
  hello: DatabaseHello;
}

/**
 * Verifies the client and dials the agent of the database its certificate is routed to. Throws
 * AccessDeniedError (no or untrusted certificate, no route), BadParameterError (a route of another
 * protocol), NotFoundError (no such database) and the route core's ConnectionProblemError.
 */
export async function dialDatabaseAgent(o: AgentDialOptions, tls: TLSSocket, conn: RoutedConnection, protocol: keyof typeof PROTOCOLS): Promise<DialedAgent> {
  const identity = await verifyClient(o, tls, PROTOCOLS[protocol].certHint);
  const route = identity.routeToDatabase;
  if (!route?.serviceName) throw new AccessDeniedError('this certificate carries no database route: run "tsh db login <database>" first');
  if (route.protocol && route.protocol !== protocol) throw new BadParameterError(`database "${route.serviceName}" speaks ${route.protocol}, not ${PROTOCOLS[protocol].name}`);
  const { target } = await o.router.resolve('db', (servers) => {
    const found = servers.find((d) => d.metadata.name === route.serviceName);
    if (!found) throw new NotFoundError(`database "${route.serviceName}" not found`);
    return found;
  });
  const clientAddr = `${conn.remoteAddress}:${conn.remotePort}`;
  // ConnectionProblemError naming the database when its agent cannot be reached.
  const agent = await o.router.dial(target, { clientAddr });
  agent.on('error', () => {});
  const hello: DatabaseHello = {
    v: DB_HELLO_VERSION,
    database: route.serviceName,
    protocol,
    user: identity.username,
    roles: identity.groups,
    traits: (identity.traits ?? {}) as Record<string, string[]>,
    ...(route.username && { route_user: route.username }),
    ...(route.database && { route_database: route.database }),
    client_addr: clientAddr,
    session_id: randomUUID(),
    ...(identity.mfaVerified && { mfa_verified: identity.mfaVerified }),
  };
  agent.write(encodeDatabaseHello(hello));
  return { agent, target, hello };
}

/** The client's certificate, checked against the user CA now; its identity. */
async function verifyClient(o: AgentDialOptions, tls: TLSSocket, certHint: string): Promise<Identity> {
  const peer: X509Certificate | undefined = tls.getPeerX509Certificate?.();
  if (!peer) throw new AccessDeniedError(`no client certificate: run "tsh db login <database>" and connect with the certificate it writes (${certHint})`);
  verifyChain(peer.toString(), await o.userTLSCAs(), new Date(o.clock.now()));
  return identityFromCertificate(peer);
}

/** Relays both ways until either side ends; both are destroyed then. */
export function pipeBoth(a: Duplex, b: Duplex): void {
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.pipe(b);
  b.pipe(a);
  a.once('close', end);
  b.once('close', end);
  a.once('error', end);
  b.once('error', end);
}
