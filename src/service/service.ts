/**
 * The one shape of every service a process runs (auth, proxy, ssh; later db, kube, app), the
 * factory that builds it from its config section, and what the services of one process share.
 * Adding a service is adding a factory to the table (service-table.ts), not editing the process.
 */
import type { Clock } from '../api/clock.js';
import type { AuthServer, JoinMethodOptions } from '../auth/index.js';
import type { EnabledServices, NetAddr, TeleportConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { LocalAgents, Router } from '../proxy/index.js';
import type { ProtocolRegistry } from '../proxy/mux/index.js';
import type { Services } from '../services/index.js';
import type { AgentLink } from './agent-link.js';
import type { ProxyReads } from './proxy-reads.js';

/** Addresses the process bound, for printing and for tests (which listen on port 0). */
export interface ProcessAddresses {
  auth?: NetAddr;
  proxyWeb?: NetAddr;
  proxySSH?: NetAddr;
  /** The proxy's reverse tunnel listener (3024); unset when tunnels come through the web port. */
  proxyTunnel?: NetAddr;
  /** The proxy's separate protocol listeners (`postgres_listen_addr`, `mysql_listen_addr`, `kube_listen_addr`). */
  proxyPostgres?: NetAddr;
  proxyMySQL?: NetAddr;
  proxyKube?: NetAddr;
  /** Unset for a node reached only through reverse tunnels. */
  nodeSSH?: NetAddr;
  /** The proxy (web address) a node reached through reverse tunnels joined through. */
  nodeTunnelProxy?: string;
  diag?: NetAddr;
}

/** A config section's key in `config.services` (`auth_service` is `auth`, ...). */
export type ServiceName = keyof EnabledServices;

/**
 * One running service. `start()` resolves with the addresses it bound (merged into the process's
 * ProcessAddresses); `close()` stops it, is safe to call twice and after a failed or missing start.
 */
export interface Service {
  readonly name: ServiceName;
  start(): Promise<Partial<ProcessAddresses>>;
  close(): Promise<void>;
  /**
   * Applies `next` without a restart when the change allows; resolves false when the process must
   * restart for it. Absent (every service today): a SIGHUP restarts the process, which also
   * re-reads the certificate and key files the config names.
   */
  reload?(next: TeleportConfig): Promise<boolean>;
}

/** Builds one kind of service from its config section. */
export interface ServiceFactory {
  name: ServiceName;
  /** The section as teleport.yaml spells it, for messages (`ssh_service`). */
  section: string;
  /** Services started before this one when the same process runs them (its dependencies). */
  after: readonly ServiceName[];
  create(ctx: ProcessContext): Service;
}

/** The auth server of this process, for services that use it in-process instead of over the API. */
export interface LocalAuth {
  server: AuthServer;
  services: Services;
  /** Where its API listens. */
  addr: NetAddr;
}

/**
 * What the services of one process share. Services started earlier publish here what later ones
 * use (the auth server; the proxy's public address); the process owns and closes `agent`.
 */
export interface ProcessContext {
  readonly config: TeleportConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** This host's UUID (data_dir/host_uuid). */
  readonly hostId: string;
  /** How the auth server checks the secretless join methods (ProcessOptions.joinMethods). */
  readonly joinMethods?: JoinMethodOptions;
  /** Every address bound so far. */
  readonly addresses: ProcessAddresses;
  /** The cluster's name, once auth started or a service joined. */
  clusterName: string;
  /** Set by the auth service once it listens. */
  localAuth?: LocalAuth;
  /** Agents of this process the proxy of this process reaches through in-memory pipes. */
  readonly localAgents: LocalAgents;
  /** Set by the proxy service: its route core, which every protocol's proxy side dials agents through. */
  router?: Router;
  /** Set by the proxy service: what it reads of the cluster (local backend or watch-fed cache). */
  proxyReads?: ProxyReads;
  /**
   * Set by the proxy service: the handlers its web port and protocol listeners route to by
   * protocol (src/proxy/mux). A database, Kubernetes or application proxy registers its handler here.
   */
  proxyProtocols?: ProtocolRegistry;
  /**
   * The host's link to the cluster through the proxy at `proxyAddr` (joined identity, one tunnel
   * per proxy, the dial-handler registry): opened by the first agent service that asks, shared
   * by the rest.
   */
  agentLink(proxyAddr: string): Promise<AgentLink>;
  /** `host:port` users reach this process's proxy at (its first public_addr, else the bound web address). */
  proxyPublicAddr(): string;
}
