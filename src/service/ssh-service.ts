/**
 * The `ssh_service` of a process: the SSH node, listening on `ssh_service.listen_addr` (joined to
 * the local auth server or over the auth API), or, on a host that reaches the cluster through a
 * proxy, served through the host's reverse tunnels with no listener (tunnel type `node`). A node
 * next to a proxy in the same process is also reached by it in memory.
 */
import { createPrivateKey } from 'node:crypto';
import { isIP, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { splitHostPort } from '../api/client/index.js';
import { NotImplementedError } from '../api/errors.js';
import type { TeleportConfig } from '../config/index.js';
import type { RemoteEmitter } from '../events/index.js';
import { NodeService } from '../node/index.js';
import type { LocalDialer } from '../proxy/index.js';
import type { NodeRecorder } from '../recordings/index.js';
import { LOCAL_NODE } from '../reversetunnel/index.js';
import { CachedAccessPoint } from './cached-access-point.js';
import { memoryPipe } from './memory-pipe.js';
import { startNodeRecorder } from './recordings.js';
import type { ProcessAddresses, ProcessContext, Service, ServiceFactory } from './service.js';
import { AuthAccessPoint, loopbackFor, nodeAdvertiseAddr, sshAlgorithms, startNode } from './ssh-services.js';
import { proxyToJoinThrough } from './tunnel-services.js';

/** The table entry: after auth (joins it in-process) and the proxy (a tunnelled node may join through it). */
export const sshServiceFactory: ServiceFactory = { name: 'ssh', section: 'ssh_service', after: ['auth', 'proxy'], create: (ctx) => new SSHService(ctx) };

class SSHService implements Service {
  readonly name = 'ssh';
  private node?: NodeService;
  private recorder?: NodeRecorder;
  private emitter?: RemoteEmitter;
  private readonly unregister: (() => void)[] = [];
  private closing?: Promise<void>;

  constructor(private readonly ctx: ProcessContext) {}

  async start(): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger, localAuth } = this.ctx;
    // A node that reaches the cluster through a proxy joins there and serves through reverse tunnels.
    const proxyAddr = localAuth ? undefined : await proxyToJoinThrough(config);
    if (proxyAddr) return this.startTunnelled(proxyAddr);
    const local = localAuth && { server: localAuth.server, addr: localAuth.addr };
    const { service, address, recorder, emitter } = await startNode({ config, hostId, clock, logger, ...(local && { local }) });
    this.node = service;
    this.recorder = recorder;
    this.emitter = emitter;
    this.unregister.push(this.ctx.localAgents.register('node', hostId, localNodeDialer(service, config, address)));
    return { nodeSSH: { host: address.address, port: address.port } };
  }

  private async startTunnelled(proxyAddr: string): Promise<Partial<ProcessAddresses>> {
    const { config, hostId, clock, logger } = this.ctx;
    const link = await this.ctx.agentLink(proxyAddr);
    const { identity, client, clusterName } = link;
    this.recorder = await startNodeRecorder({ config, hostId, clusterName, client, clock, logger });
    const node = new NodeService({
      host: '',
      port: 0,
      useTunnel: true,
      hostId,
      nodeName: config.teleport.nodename,
      hostKey: createPrivateKey(identity.keyPem),
      hostCert: identity.sshCert,
      config: config.ssh,
      access: new CachedAccessPoint({ direct: new AuthAccessPoint(client, clusterName, clock), client, logger: logger.child({ component: 'node:cache' }) }),
      clock,
      logger: logger.child({ component: 'node' }),
      recorder: this.recorder,
      audit: link.emitter,
      algorithms: sshAlgorithms(config),
    });
    this.node = node;
    await node.start();
    this.unregister.push(
      link.handlers.register('node', (req, peer) => {
        if (req.address !== LOCAL_NODE) throw new NotImplementedError(`this agent serves no node service at ${req.address}`);
        return (stream: Duplex) => node.serveConnection(stream, peer);
      }),
    );
    return { nodeTunnelProxy: link.proxyAddr };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const u of this.unregister.splice(0)) u();
      await this.node?.close();
      await this.recorder?.close();
      await this.emitter?.close();
    })();
    return this.closing;
  }
}

/**
 * Connects the proxy of this process to `node` through an in-memory pipe instead of loopback TCP
 * (half the socket writes and reads per byte relayed). The node sees the connection as it would
 * the proxy's TCP connection to its advertised address from this host: from and to that address
 * (the bound one when the advertised host is a name), source port 0.
 */
export function localNodeDialer(node: NodeService, config: TeleportConfig, bound: AddressInfo): LocalDialer {
  const advertised = splitHostPort(nodeAdvertiseAddr(config, bound));
  const host = isIP(advertised.host) ? advertised.host : loopbackFor({ host: bound.address, port: bound.port }).host;
  const port = isIP(advertised.host) ? advertised.port : bound.port;
  return () => {
    const [proxySide, nodeSide] = memoryPipe();
    node.serveConnection(nodeSide, { remoteAddress: host, remotePort: 0, localAddress: host, localPort: port });
    return proxySide;
  };
}
