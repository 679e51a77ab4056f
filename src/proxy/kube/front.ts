/**
 * The proxy's Kubernetes front (Teleport's kube proxy in its proxy role): on `kube_listen_addr`
 * (the legacy `proxy_service.kubernetes` listener) and on the web port by SNI
 * `kube-teleport-proxy-alpn.*`, TLS with the client's certificate asked for. Per connection: the
 * certificate is checked against the cluster's user CA, its Kubernetes cluster read (none: the
 * first cluster by name the roles reach), the cluster's `kubernetes_labels` checked (deny wins),
 * its kube_server resolved and dialed through the route core (in memory, tunnel, or mutual TLS to
 * the service's listen_addr with the proxy's host certificate: agent-tls.ts), the
 * hello sent (src/kube/wire.ts), and the connection's bytes relayed both ways: the agent
 * impersonates, forwards and audits each request. Refusals reach kubectl as a Kubernetes Status.
 */
import type { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../api/clock.js';
import { AccessDeniedError, NotFoundError } from '../../api/errors.js';
import type { AgentServer, Role } from '../../api/types/index.js';
import { KUBE_HELLO_VERSION, encodeKubeHello } from '../../kube/wire.js';
import { rawStatusResponse, writeStatus } from '../../kube/status.js';
import type { Logger } from '../../log/index.js';
import { applyRoleTraits, canSeeKubeCluster, checkKubeClusterAccess, kubeClusterLabels } from '../../rbac/index.js';
import { identityFromCertificate, verifyChain, type Identity } from '../../tlsca/index.js';
import type { ProtocolHandler, RoutedConnection } from '../mux/index.js';
import type { Router } from '../route/index.js';
import { kubeServiceTLS, type ProxyHostTLS } from './agent-tls.js';

/** Bound on each request of a refused connection. */
const REFUSAL_STEP_MS = 10_000;

/** What the Kubernetes front needs. */
export interface KubeFrontOptions {
  router: Router;
  /** The cluster's user CA certificates (PEM), which sign users' X.509 certificates. */
  userTLSCAs(): Promise<string[]>;
  /** The roles named, those that exist. */
  roles(names: string[]): Promise<Role[]>;
  /** The proxy's host identity, presented to Kubernetes services dialed at their listen_addr. */
  hostTLS: ProxyHostTLS;
  clock: Clock;
  logger: Logger;
}

/** The handler to register for `kube` in the proxy's ProtocolRegistry. */
export function kubeFront(o: KubeFrontOptions): ProtocolHandler {
  const log = o.logger.child({ component: 'proxy:kube' });
  return (stream, conn) => {
    stream.on('error', () => {});
    stream.pause();
    connect(o, stream as TLSSocket, conn).then(
      ({ agent, cluster, user }) => {
        log.debug({ user, cluster, remote_addr: `${conn.remoteAddress}:${conn.remotePort}` }, 'Kubernetes connection relayed');
        relay(stream, agent);
      },
      (err: unknown) => {
        log.info({ remote_addr: `${conn.remoteAddress}:${conn.remotePort}`, listener: conn.listener, err: (err as Error).message }, 'Kubernetes connection refused');
        refuse(stream, err);
      },
    );
  };
}

/** Verifies the client, picks and checks its cluster, dials the agent and sends the hello. */
async function connect(o: KubeFrontOptions, tls: TLSSocket, conn: RoutedConnection): Promise<{ agent: Duplex; cluster: string; user: string }> {
  const identity = await verifyClient(o, tls);
  const roles = (await o.roles(identity.groups)).map((r) => applyRoleTraits(r, { traits: identity.traits ?? {} }));
  const servers = await o.router.servers('kube');
  const cluster = identity.kubernetesCluster || defaultCluster(servers, roles, identity.username);
  const { server, target } = await o.router.resolve('kube', (all) => {
    const serving = all.filter((s) => s.metadata.name === cluster);
    if (serving.length === 0) throw new NotFoundError(`kubernetes cluster "${cluster}" not found`);
    // Several agents may serve one cluster: any of them will do.
    return serving[Math.floor(Math.random() * serving.length)];
  });
  checkKubeClusterAccess(roles, cluster, kubeClusterLabels(server));
  const clientAddr = `${conn.remoteAddress}:${conn.remotePort}`;
  const agent = await o.router.dial(target, { clientAddr, overTCP: (socket, t) => kubeServiceTLS(o.hostTLS, o.router.clusterName, socket, t) });
  agent.on('error', () => {});
  agent.write(
    encodeKubeHello({
      v: KUBE_HELLO_VERSION,
      cluster,
      user: identity.username,
      roles: identity.groups,
      traits: (identity.traits ?? {}) as Record<string, string[]>,
      client_addr: clientAddr,
      teleport_cluster: identity.teleportCluster ?? o.router.clusterName,
      ...(identity.mfaVerified && identity.kubernetesCluster === cluster && { mfa_verified: identity.mfaVerified }),
    }),
  );
  return { agent, cluster, user: identity.username };
}

/** The first cluster by name the roles reach; AccessDeniedError when there is none. */
function defaultCluster(servers: AgentServer[], roles: Role[], user: string): string {
  const names = [...new Set(servers.filter((s) => canSeeKubeCluster(roles, kubeClusterLabels(s))).map((s) => s.metadata.name))].sort();
  if (names.length === 0) throw new AccessDeniedError(`user "${user}" has no access to any Kubernetes cluster of this Teleport cluster`);
  return names[0];
}

/** The client's certificate, checked against the user CA now; its identity. */
async function verifyClient(o: KubeFrontOptions, tls: TLSSocket): Promise<Identity> {
  const peer: X509Certificate | undefined = tls.getPeerX509Certificate?.();
  if (!peer) throw new AccessDeniedError('no client certificate: log in with "tsh kube login <cluster>" and use the kubeconfig it writes');
  try {
    verifyChain(peer.toString(), await o.userTLSCAs(), new Date(o.clock.now()));
  } catch (err) {
    throw new AccessDeniedError(`the client certificate is not valid for this cluster (${(err as Error).message}): log in again with "tsh kube login"`, { cause: err });
  }
  return identityFromCertificate(peer);
}

/** Relays both ways until either side ends; both are destroyed then. */
function relay(client: Duplex, agent: Duplex): void {
  const end = (): void => {
    client.destroy();
    agent.destroy();
  };
  client.pipe(agent);
  agent.pipe(client);
  client.resume();
  client.once('close', end);
  agent.once('close', end);
}

/** Serves HTTP on `stream` answering every request with the Status of `err`, then closes. */
function refuse(stream: Duplex, err: unknown): void {
  const server = createHttpServer((req, res) => {
    req.resume();
    writeStatus(res, err, true, req);
  });
  server.headersTimeout = REFUSAL_STEP_MS;
  server.requestTimeout = REFUSAL_STEP_MS;
  // An exec or port-forward on a refused connection gets the Status too.
  server.on('upgrade', (_req, socket: Duplex) => socket.end(rawStatusResponse(err)));
  server.emit('connection', stream);
  stream.resume();
}
