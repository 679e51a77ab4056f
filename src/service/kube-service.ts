/**
 * The `kubernetes_service` of a process: the Kubernetes agent (src/kube) for the clusters of its
 * kubeconfig (or the pod's service account), with its access to the cluster over the auth API,
 * its `kube_server` heartbeats, and the way the proxy reaches it: in memory when the proxy runs in
 * this process, else through the host's reverse tunnels (tunnel type `kube`). Also the 2019 form,
 * `proxy_service.kubernetes.kubeconfig_file`: the same agent in the proxy's process, its cluster
 * named after the Teleport cluster.
 */
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { AuthClient } from '../api/client/index.js';
import { BadParameterError, isCode } from '../api/errors.js';
import type { AgentServer, Role } from '../api/types/index.js';
import { formatAddr, type TeleportConfig } from '../config/index.js';
import type { AuditEmitter } from '../events/index.js';
import { KubeAgent, clustersFromKubeconfig, inClusterCredentials, type KubeAccessPoint, type KubeClusterSource, type ServedKubeCluster } from '../kube/index.js';
import { NodeRecorder } from '../recordings/index.js';
import { every, realTimers } from '../reversetunnel/index.js';
import type { AgentLink } from './agent-link.js';
import { memoryPipe } from './memory-pipe.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';
import { loopbackFor } from './ssh-services.js';
import { proxyToJoinThrough } from './tunnel-services.js';

/** Teleport's heartbeat period and the time a heartbeat stays listed. */
const HEARTBEAT_MS = 60_000;
const HEARTBEAT_TTL_MS = 10 * 60_000;

/** The table entry: after auth (uses it in-process) and the proxy (reaches it in memory, or joins through it). */
export const kubeServiceFactory: ServiceFactory = { name: 'kube', section: 'kubernetes_service', after: ['auth', 'proxy'], create: (ctx) => new KubeService(ctx) };

/** The auth API as the Kubernetes agent uses it. */
export function authKubeAccess(client: AuthClient): KubeAccessPoint {
  return {
    async roles(names: string[]): Promise<Role[]> {
      const out: Role[] = [];
      for (const name of names) {
        try {
          out.push(await client.getResource<Role>('role', name));
        } catch (err) {
          if (!isCode(err, 'not_found')) throw err;
        }
      }
      return out;
    },
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
  private stopHeartbeat?: () => void;
  private agent?: KubeAgent;
  private recorder?: NodeRecorder;
  private readonly unregister: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger, localAuth } = this.ctx;
    const log = logger.child({ component: 'kube:service' });
    let client: AuthClient;
    let audit: AuditEmitter;
    let link: AgentLink | undefined;
    if (localAuth || config.services.proxy) {
      if (!localAuth || !config.services.proxy) {
        throw new BadParameterError('kubernetes_service in a process with auth_service or proxy_service needs both in the same process; or run kubernetes_service on a host that joins through the proxy (proxy_server)');
      }
      const c = await localAuth.server.hostCredentials('Node');
      client = new AuthClient({ addr: formatAddr(loopbackFor(localAuth.addr)), clusterName: this.ctx.clusterName, credentials: { keyPem: c.keyPem, certPem: c.tls, caPems: c.tlsCAs } });
      audit = localAuth.server.auth.auditLog;
    } else {
      const proxyAddr = await proxyToJoinThrough(config);
      if (!proxyAddr) {
        throw new BadParameterError("kubernetes_service is reached through a proxy: set teleport.proxy_server (or auth_servers to the proxy's public address) so the Kubernetes agent can open its reverse tunnel");
      }
      link = await this.ctx.agentLink(proxyAddr);
      client = link.client;
      audit = link.emitter;
    }
    const useTunnel = link !== undefined;
    const access = authKubeAccess(client);
    const clusters = await kubeClustersOf(config, this.ctx.clusterName);
    // Exec and attach sessions with a TTY are recorded as the node's are, spooled apart from an SSH node's of this host.
    const recorder = new NodeRecorder({
      dataDir: join(config.teleport.dataDir, 'kube'),
      target: client,
      clusterName: this.ctx.clusterName || (link?.clusterName ?? ''),
      serverId: hostId,
      serverHostname: config.teleport.nodename,
      clock,
      logger: logger.child({ component: 'kube' }),
    });
    await recorder.start();
    this.recorder = recorder;
    const agent = new KubeAgent({ clusters, access, audit, hostId, hostname: config.teleport.nodename, clock, logger: logger.child({ component: 'kube' }), recorder });
    this.agent = agent;
    if (link) {
      this.unregister.push(link.handlers.register('kube', () => (stream: Duplex) => agent.serve(stream)));
    } else {
      this.unregister.push(
        this.ctx.localAgents.register('kube', hostId, () => {
          const [proxySide, agentSide] = memoryPipe();
          agent.serve(agentSide);
          return proxySide;
        }),
      );
    }
    const beat = async () => {
      for (const server of agent.servers(useTunnel)) {
        try {
          await access.heartbeat(server, HEARTBEAT_TTL_MS);
        } catch (err) {
          log.warn({ kube_cluster: server.metadata.name, err: (err as Error).message }, 'Kubernetes heartbeat failed');
        }
      }
    };
    await beat();
    this.stopHeartbeat = every(realTimers(clock, { unref: true }), HEARTBEAT_MS, () => void beat());
    log.info({ clusters: clusters.map((c) => c.name), via: useTunnel ? 'reverse tunnel' : 'in-process proxy' }, 'Kubernetes service is serving');
    return {};
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopHeartbeat?.();
      for (const u of this.unregister.splice(0)) u();
      this.agent?.close();
      await this.recorder?.close();
    })();
    return this.closing;
  }
}
