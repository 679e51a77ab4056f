/**
 * Agents that run in the proxy's own process (`teleport start` with auth, proxy and ssh), reached
 * through an in-memory pipe instead of loopback TCP (half the socket writes and reads per byte
 * relayed). An agent service registers a dialer per kind and host UUID; the route core asks here
 * first. An agent that speaks HTTP on its streams (applications) may also register a request
 * handler: the proxy then hands it the request it has already parsed, instead of writing it into a
 * pipe for the agent to parse a second time.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
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

/**
 * An in-process agent's entry for one HTTP request the proxy has authenticated: `meta` says who and
 * for what (for apps, the hello the stream would carry), `headers` are the ones to relay (the
 * client's forgeable ones already replaced). Resolves once the answer is sent; never rejects
 * (failures are answered as error pages).
 */
export type LocalRequestHandler<M> = (req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders, meta: M) => Promise<void>;

/** The in-process agents of one process. */
export class LocalAgents {
  private readonly dialers = new Map<string, LocalDialer>();
  private readonly handlers = new Map<string, LocalRequestHandler<never>>();

  /** Registers the dialer of `kind` on host `hostId`; returns the function that removes it. */
  register(kind: RouteKind, hostId: string, dialer: LocalDialer): () => void {
    const key = `${kind}/${hostId}`;
    this.dialers.set(key, dialer);
    return () => {
      if (this.dialers.get(key) === dialer) this.dialers.delete(key);
    };
  }

  /** Registers the request handler of `kind` on host `hostId` (beside its dialer); returns the function that removes it. */
  registerHandler<M>(kind: RouteKind, hostId: string, handler: LocalRequestHandler<M>): () => void {
    const key = `${kind}/${hostId}`;
    this.handlers.set(key, handler as LocalRequestHandler<never>);
    return () => {
      if (this.handlers.get(key) === handler) this.handlers.delete(key);
    };
  }

  /** The request handler of the in-process service of `kind` on `hostId`; undefined when none runs here. */
  handler<M>(kind: RouteKind, hostId: string): LocalRequestHandler<M> | undefined {
    return this.handlers.get(`${kind}/${hostId}`) as LocalRequestHandler<M> | undefined;
  }

  /** A stream to the in-process service of `kind` on `hostId`; undefined when none runs here. */
  dial(kind: RouteKind, hostId: string, req: LocalDialRequest): Duplex | undefined {
    return this.dialers.get(`${kind}/${hostId}`)?.(req);
  }
}
