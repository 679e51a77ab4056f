/**
 * The agent side's one registry of dial handlers, keyed by tunnel type: each service a host runs
 * (the SSH node, and the database, Kubernetes and application services) registers the handler of
 * its type, and the host's tunnels answer every transport channel through `handle`. A host keeps
 * one tunnel per proxy whatever it serves.
 */
import { AlreadyExistsError, BadParameterError, NotImplementedError } from '../api/errors.js';
import type { DialHandler } from './agent.js';
import type { TunnelType } from './protocol.js';

/** The registry of one host. */
export class DialHandlers {
  private readonly byType = new Map<TunnelType, DialHandler>();

  /** `serverId`: the host's `<host_uuid>.<cluster>`; a request naming another server is refused. */
  constructor(private readonly serverId: string) {}

  /**
   * Registers the handler of `type`; returns the function that removes it. AlreadyExistsError
   * when the type has one (one service per type and host).
   */
  register(type: TunnelType, handler: DialHandler): () => void {
    if (this.byType.has(type)) throw new AlreadyExistsError(`a ${type} dial handler is already registered on this agent`);
    this.byType.set(type, handler);
    return () => {
      if (this.byType.get(type) === handler) this.byType.delete(type);
    };
  }

  /** The tunnel types served, sorted. */
  types(): TunnelType[] {
    return [...this.byType.keys()].sort();
  }

  /**
   * The DialHandler the host's tunnels run: BadParameterError for a request addressed to another
   * server, NotImplementedError for a type no service of this host registered, else what the
   * type's handler decides.
   */
  readonly handle: DialHandler = (req, peer) => {
    if (req.server_id !== '' && req.server_id !== this.serverId) throw new BadParameterError(`this agent is ${this.serverId}, not ${req.server_id}`);
    const handler = this.byType.get(req.type);
    if (!handler) throw new NotImplementedError(`this agent serves no ${req.type} service at ${req.address}`);
    return handler(req, peer);
  };
}
