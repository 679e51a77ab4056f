/**
 * Per-session MFA for database sessions: when the cluster or a role sets `require_session_mfa`,
 * `tsh db connect` and `tsh proxy db --tunnel` answer an MFA challenge and present a one-minute
 * certificate routed to the database and marked MFA-verified (Teleport's flow), instead of the
 * `tsh db login` certificate, which the database service refuses then.
 */
import type { RouteToDatabase } from '../../tlsca/index.js';
import type { Invocation } from '../framework/index.js';
import { sessionMFACerts } from './mfa-session.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** A database certificate and its key, as a tunnel presents them. */
export interface DbClientCert {
  certPem: string;
  keyPem: string;
  /** When the certificate expires (epoch ms). */
  expires: number;
}

/** Renew an MFA certificate this long before it expires, so no connection starts with one about to lapse. */
const RENEW_BEFORE_MS = 10_000;

/**
 * An MFA-verified certificate for one session with the database of `route`, or undefined when the
 * cluster requires no MFA check. Throws what the ceremony or auth refuses (a wrong code, no device).
 */
export async function dbSessionMFACert(inv: Invocation, ctx: TshCtx, route: RouteToDatabase): Promise<DbClientCert | undefined> {
  const proxy = await connectProxy(inv, ctx);
  try {
    const target = {
      route_to_database: { service_name: route.serviceName, protocol: route.protocol, ...(route.username && { username: route.username }), ...(route.database && { database: route.database }) },
    };
    const certs = await sessionMFACerts(inv, proxy, async () => target);
    if (!certs) return undefined;
    return { certPem: certs.tls, keyPem: proxy.identity.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), expires: Date.parse(certs.expires) };
  } finally {
    proxy.close();
  }
}

/**
 * For a long-running tunnel: the first MFA certificate now (undefined when none is required), then
 * a getter that asks for a new one (one ceremony at a time) when a connection arrives after it
 * lapsed; `login` (the `tsh db login` certificate) once the cluster stops requiring MFA.
 */
export async function dbMFACertSource(inv: Invocation, ctx: TshCtx, route: RouteToDatabase, login: DbClientCert): Promise<(() => Promise<DbClientCert>) | undefined> {
  const first = await dbSessionMFACert(inv, ctx, route);
  if (!first) return undefined;
  const now = ctx.sys.now ?? Date.now;
  let current: Promise<DbClientCert> = Promise.resolve(first);
  return async () => {
    const cert = await current.catch(() => undefined);
    if (cert && cert.expires - now() > RENEW_BEFORE_MS) return cert;
    const next = current.then(
      (c) => (c.expires - now() > RENEW_BEFORE_MS ? c : renew()),
      () => renew(),
    );
    current = next;
    return next;
  };

  async function renew(): Promise<DbClientCert> {
    inv.io.stderr.write(`The MFA-verified certificate for database "${route.serviceName}" has expired; a new connection needs another MFA check.\n`);
    return (await dbSessionMFACert(inv, ctx, route)) ?? login;
  }
}
