/**
 * The composition root: runs the services a config enables (service-table.ts), in dependency
 * order, plus the diag listener and pid file; stops them in reverse. The CLI wires SIGTERM to
 * `close()`, and SIGHUP to a restart with the new config (as Teleport's graceful restart, which
 * also picks up renewed certificate and key files the config names).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemClock } from '../api/clock.js';
import { makeDirAll, type TeleportConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Clock } from '../api/clock.js';
import type { AuthServer, JoinMethodOptions } from '../auth/index.js';
import { LocalAgents, type Router } from '../proxy/index.js';
import { openAgentLink, type AgentLink } from './agent-link.js';
import { DiagServer } from './diag-server.js';
import { ensureHostId } from './host-id.js';
import { ec2HostIdFromIMDS } from './join-ec2.js';
import type { ProxyReads } from './proxy-reads.js';
import { proxyPublicAddr, proxySSHPublicAddr } from './proxy-service.js';
import type { ProcessAddresses, ProcessContext, Service } from './service.js';
import { SERVICE_TABLE, plan } from './service-table.js';

export type { ProcessAddresses } from './service.js';

/** Options of a process. */
export interface ProcessOptions {
  config: TeleportConfig;
  logger: Logger;
  clock?: Clock;
  /** How this process's auth server checks EC2, IAM and Kubernetes joins (default: the real AWS and Kubernetes; tests point it at stand-ins). */
  joinMethods?: JoinMethodOptions;
}

/** One running teleport process. */
export class TeleportProcess {
  private readonly services: Service[] = [];
  private diag?: DiagServer;
  private link?: Promise<AgentLink>;
  private ready = false;
  private closed = false;
  private readonly ctx: ProcessContext;
  readonly addresses: ProcessAddresses = {};

  constructor(private readonly opts: ProcessOptions) {
    const hostId = () => this.hostId;
    this.ctx = {
      config: opts.config,
      logger: opts.logger,
      clock: opts.clock ?? systemClock,
      get hostId() {
        return hostId();
      },
      addresses: this.addresses,
      clusterName: '',
      localAgents: new LocalAgents(),
      agentLink: (proxyAddr) => (this.link ??= this.openLink(proxyAddr)),
      proxyPublicAddr: () => this.proxyPublicAddr(),
      ...(opts.joinMethods && { joinMethods: opts.joinMethods }),
    };
  }

  /** This host's UUID, once started. */
  hostId = '';

  /** The cluster's name, once auth started or a service joined. */
  get clusterName(): string {
    return this.ctx.clusterName;
  }

  /** The route core of this process's proxy, once it started (what each protocol's proxy side dials agents with). */
  get router(): Router | undefined {
    return this.ctx.router;
  }

  /** The auth server of this process, once its service started. */
  get authServer(): AuthServer | undefined {
    return this.ctx.localAuth?.server;
  }

  /** What this process's proxy reads of the cluster, once it started. */
  get proxyReads(): ProxyReads | undefined {
    return this.ctx.proxyReads;
  }

  /** The host's link through a proxy (tunnels, dial-handler registry), when an agent service opened one. */
  agentLink(): Promise<AgentLink> | undefined {
    return this.link;
  }

  /**
   * Starts every enabled service in dependency order. NotImplementedError for an enabled section
   * this release has no service for; on any failure, stops what had started and rethrows.
   */
  async start(): Promise<ProcessAddresses> {
    const { config } = this.opts;
    const factories = plan(config, SERVICE_TABLE);
    try {
      const dataDir = config.teleport.dataDir;
      await makeDirAll(dataDir, 0o700);
      // A host joining with the EC2 method is named after its instance, as Teleport names it.
      const ec2 = config.teleport.joinParams?.method === 'ec2' && !config.services.auth;
      this.hostId = await ensureHostId(dataDir, ec2 ? () => ec2HostIdFromIMDS() : undefined);
      if (config.teleport.diagAddr) {
        this.diag = new DiagServer({ host: config.teleport.diagAddr.host, port: config.teleport.diagAddr.port, ready: () => this.ready });
        this.addresses.diag = await this.diag.start();
      }
      if (config.teleport.pidFile) {
        await makeDirAll(dirname(config.teleport.pidFile), 0o755);
        await writeFile(config.teleport.pidFile, `${process.pid}\n`);
      }
      for (const factory of factories) {
        const service = factory.create(this.ctx);
        this.services.push(service);
        Object.assign(this.addresses, await service.start());
      }
      this.ready = true;
      return this.addresses;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** `host:port` clients reach the proxy's SSH listener at: ssh_public_addr, else the bound address. */
  proxySSHPublicAddr(): string {
    return proxySSHPublicAddr(this.opts.config, this.addresses, this.proxyPublicAddr());
  }

  /** `host:port` users reach the proxy at: the first public_addr, else the bound web address. */
  proxyPublicAddr(): string {
    return proxyPublicAddr(this.opts.config, this.addresses);
  }

  /** Stops the services in reverse order, then the host's tunnels and diag. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    for (const s of this.services.reverse()) await s.close();
    const link = await this.link?.catch(() => undefined);
    await link?.close();
    await this.diag?.close();
    // After a reload by handover the file names the successor: leave it to that process.
    const pid = this.opts.config.teleport.pidFile;
    const written = pid ? await readFile(pid, 'utf8').catch(() => '') : '';
    if (pid && written.trim() === String(process.pid)) await rm(pid, { force: true });
  }

  private async openLink(proxyAddr: string): Promise<AgentLink> {
    const { config, logger } = this.opts;
    const link = await openAgentLink({
      config,
      hostId: this.hostId,
      proxyAddr,
      // A host serving databases only joins with a db token, as Teleport's database agents do.
      role: hostJoinRole(config),
      additionalPrincipals: config.ssh.publicAddrs.map((a) => a.host),
      clock: this.ctx.clock,
      logger,
    });
    this.ctx.clusterName ||= link.clusterName;
    return link;
  }
}

/**
 * The system role a host joins through a proxy with: Db, Kube or App for a host running only that
 * agent service (joined with a `--type=db` / `--type=kube` / `--type=app` token, as Teleport's agents are), else
 * Node (whose role may heartbeat every agent kind of its own host).
 */
export function hostJoinRole(config: TeleportConfig): 'Node' | 'Db' | 'Kube' | 'App' {
  const s = config.services;
  if (s.ssh) return 'Node';
  if (s.db && !s.kube && !s.app) return 'Db';
  if (s.kube && !s.db && !s.app) return 'Kube';
  if (s.app && !s.db && !s.kube) return 'App';
  return 'Node';
}
