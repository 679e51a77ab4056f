/**
 * Agents that run in the proxy's own process (`teleport start` with auth, proxy and ssh), reached
 * through an in-memory pipe instead of loopback TCP (half the socket writes and reads per byte
 * relayed). An agent service registers a dialer per kind and host UUID; the route core asks here
 * first.
 */
import type { Duplex } from 'node:stream';
import type { RouteKind } from './target.js';

/** What an in-process dial carries: the resource asked for and the client behind the request. */
export interface LocalDialRequest {
  /** The target's name (a node's UUID, a database's name...). */
  name: string;
  /** The client's `ip:port`, when known. */
  clientAddr?: string;
}

/** Opens a stream already connected to the in-process service. */
export type LocalDialer = (req: LocalDialRequest) => Duplex;

/** The in-process agents of one process. */
export class LocalAgents {
  private readonly dialers = new Map<string, LocalDialer>();

  /** Registers the dialer of `kind` on host `hostId`; returns the function that removes it. */
  register(kind: RouteKind, hostId: string, dialer: LocalDialer): () => void {
    const key = `${kind}/${hostId}`;
    this.dialers.set(key, dialer);
    return () => {
      if (this.dialers.get(key) === dialer) this.dialers.delete(key);
    };
  }

  /** A stream to the in-process service of `kind` on `hostId`; undefined when none runs here. */
  dial(kind: RouteKind, hostId: string, req: LocalDialRequest): Duplex | undefined {
    return this.dialers.get(`${kind}/${hostId}`)?.(req);
  }
}
