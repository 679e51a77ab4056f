/**
 * A role's `max_connections`: each SSH connection of the user holds a lease on the cluster-wide
 * `connection` semaphore named after the user (src/auth/semaphores.ts), taken at login, renewed
 * while the connection lives (every half `session_control_timeout`, on the node's ticker and its
 * injected clock) and given back when it closes. A login over the limit is refused with Teleport's
 * text; a connection whose lease is lost (auth forgot it after it lapsed) is closed.
 */
import type { SemaphoreLeaseWire } from '../api/client/auth-client.js';
import type { Clock } from '../api/clock.js';
import { AccessDeniedError, isCode } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import type { SSHConnection } from '../sshutils/index.js';
import type { NodeAccessPoint } from './access-point.js';
import type { Ticker } from './ticker.js';

/** A lease held for one connection. */
export interface ConnectionLease {
  lease: SemaphoreLeaseWire;
  timeoutMs: number;
}

/** Teleport's refusal when the user's connections are all taken. */
export function tooManyConnections(user: string, max: number): string {
  return `too many concurrent ssh connections for user "${user}" (max=${max})`;
}

/**
 * Take a lease for a login of `user` limited to `max` connections. Returns the lease, or the
 * refusal text when the limit is reached. An access point without semaphores cannot enforce the
 * limit: the login is refused rather than let through unchecked (AccessDeniedError).
 */
export async function takeConnectionLease(access: NodeAccessPoint, user: string, max: number, holder: string, timeoutMs: number): Promise<ConnectionLease | { refusal: string }> {
  if (!access.acquireSemaphore) throw new AccessDeniedError('max_connections is set for this user but this node cannot count connections across the cluster');
  try {
    const lease = await access.acquireSemaphore({ semaphore_kind: 'connection', semaphore_name: user, max_leases: max, holder, expires_ms: timeoutMs });
    return { lease, timeoutMs };
  } catch (err) {
    if (isCode(err, 'limit_exceeded')) return { refusal: tooManyConnections(user, max) };
    throw err;
  }
}

/** Options of keepConnectionLease. */
export interface KeepLeaseOptions {
  conn: SSHConnection;
  held: ConnectionLease;
  access: NodeAccessPoint;
  clock: Clock;
  ticker: Ticker;
  logger: Logger;
}

/** Renew the lease while the connection lives; cancel it when the connection closes. */
export function keepConnectionLease(o: KeepLeaseOptions): void {
  let lease = o.held.lease;
  let renewing = false;
  let done = false;
  const renewAt = () => Date.parse(lease.expires) - o.held.timeoutMs / 2;
  const stop = o.ticker.add(() => {
    if (done || renewing || o.clock.now() < renewAt()) return;
    renewing = true;
    o.access.renewSemaphore!(lease, o.held.timeoutMs).then(
      (renewed) => {
        lease = renewed;
        renewing = false;
      },
      (err: Error) => {
        renewing = false;
        if (!isCode(err, 'not_found') || done) {
          o.logger.warn({ err: err.message, user: lease.semaphore_name }, 'renewing the max_connections lease failed; retrying');
          return;
        }
        // Auth no longer counts this connection: keeping it would let the user past the limit.
        o.logger.warn({ user: lease.semaphore_name }, 'the max_connections lease was lost: closing the connection');
        done = true;
        stop();
        o.conn.close();
      },
    );
  });
  o.conn.onClose(() => {
    if (done) return;
    done = true;
    stop();
    o.access.cancelSemaphore?.(lease).catch((err: Error) => o.logger.warn({ err: err.message, user: lease.semaphore_name }, 'returning the max_connections lease failed; it lapses by itself'));
  });
}
