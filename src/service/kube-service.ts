/**
 * The `kubernetes_service` of a process: the Kubernetes agent (src/kube) for the clusters of its
 * kubeconfig (or the pod's service account), with its access to the cluster over the auth API,
 * its `kube_server` heartbeats, and the way the proxy reaches it: in memory when the proxy runs in
 * this process, through the host's reverse tunnels (tunnel type `kube`) when it joined through a
 * proxy, or at `listen_addr` (mutual TLS, src/kube/listener.ts) when it joined auth directly. Also the 2019 form,
 * `proxy_service.kubernetes.kubeconfig_file`: the same agent in the proxy's process, its cluster
 * named after the Teleport cluster.
 */
import { join } from 'node:path';
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import { requireSessionMFAReader } from './session-mfa-preference.js';
import { BadParameterError } from '../api/errors.js';
import type { AgentServer } from '../api/types/index.js';
import { formatAddr, type TeleportConfig } from '../config/index.js';
import type { RemoteEmitter } from '../events/index.js';
import { tlsServerOptions } from '../httpserver/index.js';
import { KubeAgent, KubeListener, clustersFromKubeconfig, inClusterCredentials, type KubeAccessPoint, type KubeClusterSource, type ServedKubeCluster } from '../kube/index.js';
import type { Logger } from '../log/index.js';
import { NodeRecorder } from '../recordings/index.js';
import { connectAgent, connectDirect, exposeAgent, rolesByName, startHeartbeats, type AgentConnection, type DirectAgentConnection } from './agent-plumbing.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';
import { advertiseAddr } from './ssh-services.js';
import { proxyToJoinThrough } from './tunnel-services.js';

/** The table entry: after auth (uses it in-process) and the proxy (reaches it in memory, or joins through it). */
export const kubeServiceFactory: ServiceFactory = { name: 'kube', section: 'kubernetes_service', after: ['auth', 'proxy'], create: (ctx) => new KubeService(ctx) };

/** The auth API as the Kubernetes agent uses it. */
export function authKubeAccess(client: AuthClient, clock: Clock): KubeAccessPoint {
  return {
    requireSessionMFA: requireSessionMFAReader(client, clock),
    roles: (names) => rolesByName(client, names),
    heartbeat: async (server: AgentServer, ttlMs: number) => {
      await client.heartbeatAgentServer('kube_server', server, ttlMs);
    },
  };
}

/**
 * The clusters a config serves: kubernetes_service's kubeconfig contexts or in-cluster cluster,
 * then the legacy proxy kubeconfig's current cluster named `clusterName`. Throws
 * BadParameterError for an unusable kubeconfig or a name served twice.
 */
export async function kubeClustersOf(config: TeleportConfig, clusterName: string, env: { inCluster?: Parameters<typeof inClusterCredentials>[1] } = {}): Promise<ServedKubeCluster[]> {
  const k = config.kube;
  const labels = k.labels;
  const out: ServedKubeCluster[] = [];
  const add = (s: KubeClusterSource, l: Record<string, string>) => {
    if (out.some((c) => c.name === s.name)) throw new BadParameterError(`Kubernetes cluster "${s.name}" is served twice (kubernetes_service and proxy_service.kubernetes): rename a kubeconfig context`);
    out.push({ name: s.name, labels: l, credentials: s.credentials });
  };
  if (k.kubeconfigFile) for (const s of await clustersFromKubeconfig(k.kubeconfigFile)) add(s, labels);
  else if (k.kubeClusterName) add(await inClusterCredentials(k.kubeClusterName, env.inCluster), labels);
  const legacy = config.services.proxy ? config.proxy.kubernetes.kubeconfigFile : undefined;
  if (legacy) {
    // Teleport's 2019 proxy served the kubeconfig's (first) cluster under the Teleport cluster's name.
    const [first] = await clustersFromKubeconfig(legacy);
    add({ name: clusterName, credentials: first.credentials }, {});
  }
  return out;
}

class KubeService implements Service {
  readonly name = 'kube';
  private agent?: KubeAgent;
  private recorder?: NodeRecorder;
  private listener?: KubeListener;
  private emitter?: RemoteEmitter;
  private readonly stops: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger } = this.ctx;
    const log = logger.child({ component: 'kube:service' });
    const conn = await this.connect(log);
    const useTunnel = conn.link !== undefined;
    const access = authKubeAccess(conn.client, clock);
    const clusterName = conn.clusterName || this.ctx.clusterName || conn.link?.clusterName || '';
    const clusters = await kubeClustersOf(config, clusterName);
    // Exec and attach sessions with a TTY are recorded as the node's are, spooled apart from an SSH node's of this host.
    const recorder = new NodeRecorder({
      dataDir: join(config.teleport.dataDir, 'kube'),
      target: conn.client,
      clusterName,
      serverId: hostId,
      serverHostname: config.teleport.nodename,
      clock,
      logger: logger.child({ component: 'kube' }),
    });
    await recorder.start();
    this.recorder = recorder;
    const agent = new KubeAgent({ clusters, access, audit: conn.audit, hostId, hostname: config.teleport.nodename, clock, logger: logger.child({ component: 'kube' }), recorder });
    this.agent = agent;
    // In memory to a proxy of this process, or through the tunnel of a host that joined through a proxy.
    if (useTunnel || config.services.proxy) this.stops.push(exposeAgent(this.ctx, conn, 'kube', (stream) => agent.serve(stream)));
    // Joined directly to auth: proxies dial the address heartbeated (public_addr, else the bound one).
    let addr: string | undefined;
    const listen = config.kube.listenAddr;
    if (listen && conn.identity) {
      this.listener = new KubeListener({
        host: listen.host,
        port: listen.port,
        tls: { keyPem: conn.identity.keyPem, certPem: conn.identity.certPem, hostCAs: conn.identity.caPems },
        clusterName,
        serve: (stream) => agent.serve(stream),
        tlsOptions: tlsServerOptions(config.teleport.cipherSuites),
        logger: logger.child({ component: 'kube:listener' }),
      });
      addr = advertiseAddr(config.kube.publicAddrs, config, await this.listener.start());
    }
    this.stops.push(await startHeartbeats({ servers: () => agent.servers({ useTunnel, ...(addr && { addr }) }), heartbeat: access.heartbeat, clock, log, field: 'kube_cluster' }));
    log.info({ clusters: clusters.map((c) => c.name), via: useTunnel ? 'reverse tunnel' : addr ? `listener ${addr}` : 'in-process proxy' }, 'Kubernetes service is serving');
    return {};
  }

  /**
   * The service's way to the cluster, as Teleport's: next to auth (reached in memory by this
   * process's proxy, and at listen_addr when set); through a proxy it joins (its tunnel, even with
   * listen_addr); else directly to auth_servers, reached at listen_addr.
   */
  private async connect(log: Logger): Promise<AgentConnection & Partial<Pick<DirectAgentConnection, 'identity' | 'clusterName'>>> {
    const { config, localAuth } = this.ctx;
    const listen = config.kube.listenAddr;
    const extraNames = config.kube.publicAddrs.map((a) => a.host);
    if (localAuth && listen) {
      if (!config.services.proxy) return this.direct(await connectDirect(this.ctx, 'Kube', extraNames));
      const [conn, direct] = await Promise.all([connectAgent(this.ctx, 'kubernetes_service', 'Kubernetes agent', { withProxyNeedsAuth: true }), connectDirect(this.ctx, 'Kube', extraNames)]);
      return { ...conn, identity: direct.identity };
    }
    if (localAuth || config.services.proxy) return connectAgent(this.ctx, 'kubernetes_service', 'Kubernetes agent', { withProxyNeedsAuth: true });
    const proxyAddr = await proxyToJoinThrough(config);
    if (proxyAddr) {
      if (listen) log.info({ listen_addr: formatAddr(listen) }, 'not listening on kubernetes_service.listen_addr: this service joined through a proxy and is reached through its reverse tunnel');
      return connectAgent(this.ctx, 'kubernetes_service', 'Kubernetes agent', { proxyAddr });
    }
    if (!listen) {
      throw new BadParameterError(
        'kubernetes_service must be reachable by the proxy: set teleport.proxy_server (or auth_servers to the proxy\'s address) to join through its reverse tunnel, or kubernetes_service.listen_addr to join auth directly and be dialed there',
      );
    }
    return this.direct(await connectDirect(this.ctx, 'Kube', extraNames));
  }

  private direct(d: DirectAgentConnection): DirectAgentConnection {
    this.emitter = d.emitter;
    return d;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const stop of this.stops.splice(0)) stop();
      await this.listener?.close();
      this.agent?.close();
      await this.recorder?.close();
      await this.emitter?.close();
    })();
    return this.closing;
  }
}
