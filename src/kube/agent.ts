/**
 * The Kubernetes service's core (Teleport's lib/kube/proxy forwarder in its kubernetes_service
 * role): serves the streams the proxy opens (the hello, then the client's HTTP), authorizes each
 * request by the user's roles (kubernetes_labels of the cluster), impersonates the Kubernetes users
 * and groups the roles grant, forwards to the API server with the service's own credentials, audits
 * every request (`kube.request`) and exec (`exec`), and passes upgrades (exec, attach,
 * port-forward; websocket and SPDY) through. Heartbeats one `kube_server` per cluster.
 */
import type { Agent as HttpsAgent } from 'node:https';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../api/clock.js';
import { AccessDeniedError, BadParameterError, NotFoundError } from '../api/errors.js';
import type { AgentServer, Role } from '../api/types/index.js';
import { VERSION } from '../api/version.js';
import type { AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { SessionRecorder } from '../node/index.js';
import { applyRoleTraits, checkKubeClusterAccess, checkSessionMFA, kubeUsersAndGroups, type KubeUsersAndGroups } from '../rbac/index.js';
import { KubeAudit, execCommand, podFields, wantsTTY, type ExecExit } from './audit.js';
import { execTap, negotiatedProtocol, type ExecTap } from './exec-tap.js';
import type { KubeCredentials } from './credentials.js';
import { downstreamHeaders, forwardRequest, httpsAgentOf, openUpgrade, upstreamHeaders } from './forward.js';
import { checkHeaderValues, impersonationFor, type Impersonation } from './impersonation.js';
import { checkPodAccess } from './pod-access.js';
import { isExecOrAttach, requestInfo, type RequestInfo } from './request-info.js';
import { rawStatusResponse, statusOf, writeStatus } from './status.js';
import { readKubeHello, type KubeHello } from './wire.js';

/** How long the roles read for a user are reused (a role edit reaches requests within this). */
const ROLES_CACHE_MS = 5_000;
/** Largest request head the agent parses (Node's default is 16 KiB). */
const MAX_HEADER_BYTES = 64 * 1024;
/** What a refused client without a per-session MFA certificate is told to do. */
const SESSION_MFA_HINT = 'use a kubeconfig from "tsh kube login", whose exec plugin (tsh kube credentials) asks for an MFA check';

/** What the agent needs from the cluster (the auth API, narrowed). */
export interface KubeAccessPoint {
  /** The roles named, those that exist. */
  roles(names: string[]): Promise<Role[]>;
  heartbeat(server: AgentServer, ttlMs: number): Promise<void>;
  /** The cluster auth preference's `require_session_mfa` (per-session MFA). */
  requireSessionMFA(): Promise<unknown>;
}

/** A cluster the agent serves. */
export interface ServedKubeCluster {
  name: string;
  labels: Record<string, string>;
  credentials: KubeCredentials;
}

/** Options of the agent. */
export interface KubeAgentOptions {
  clusters: ServedKubeCluster[];
  access: KubeAccessPoint;
  audit: AuditEmitter;
  hostId: string;
  hostname: string;
  /** The Teleport cluster's name (audit `cluster_name` is set by the log). */
  clock: Clock;
  logger: Logger;
  /** Records exec and attach sessions with a TTY (the cluster's recording mode decides). */
  recorder?: SessionRecorder;
}

/** One connection's context on the agent. */
interface Conn {
  hello: KubeHello;
  cluster: ServedKubeCluster;
  /** The roles (traits applied) and the cluster's grants, decided once per ROLES_CACHE_MS for the connection's requests. */
  authz?: { at: number; roles: Role[]; grants: KubeUsersAndGroups };
}

/** The Kubernetes service of one host. */
export class KubeAgent {
  private readonly http: Server;
  private readonly conns = new WeakMap<object, Conn>();
  private readonly agents = new Map<string, HttpsAgent>();
  private readonly roleCache = new Map<string, { at: number; roles: Promise<Role[]> }>();
  readonly audit: KubeAudit;

  constructor(private readonly o: KubeAgentOptions) {
    this.audit = new KubeAudit({ emitter: o.audit, serverId: o.hostId, hostname: o.hostname, logger: o.logger });
    this.http = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void this.onRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    this.http.on('clientError', (err: Error, socket: Duplex) => {
      this.o.logger.info({ err: err.message }, 'malformed Kubernetes request');
      if (socket.writable) socket.end(rawStatusResponse(new BadParameterError(`malformed request: ${err.message}`)));
      else socket.destroy();
    });
    this.http.keepAliveTimeout = 0;
  }

  /** The clusters served. */
  clusters(): ServedKubeCluster[] {
    return this.o.clusters;
  }

  /**
   * The kube_server heartbeats of this agent: with `addr` when it listens (proxies dial it there),
   * else none and the proxy reaches it in memory or through the tunnel.
   */
  servers(reach: { useTunnel: boolean; addr?: string }): AgentServer[] {
    const { useTunnel, addr } = reach;
    return this.o.clusters.map((c) => ({
      kind: 'kube_server',
      version: 'v3',
      metadata: { name: c.name, labels: c.labels },
      spec: {
        host_id: this.o.hostId,
        hostname: this.o.hostname,
        version: VERSION,
        ...(addr && { addr }),
        ...(useTunnel && { use_tunnel: true }),
        cluster: { kind: 'kube_cluster', version: 'v3', metadata: { name: c.name, labels: c.labels }, spec: {} },
      },
    }));
  }

  /** Serves one stream the proxy opened: the hello, then HTTP. */
  serve(stream: Duplex): void {
    stream.on('error', () => {});
    readKubeHello(stream).then(
      (hello) => {
        const cluster = this.o.clusters.find((c) => c.name === hello.cluster);
        if (!cluster) {
          stream.end(rawStatusResponse(new NotFoundError(`kubernetes cluster "${hello.cluster}" is not served by this agent`)));
          return;
        }
        this.conns.set(stream, { hello, cluster });
        socketLike(stream);
        this.http.emit('connection', stream);
        stream.resume();
      },
      (err: unknown) => {
        this.o.logger.info({ err: (err as Error).message }, 'kubernetes stream ended before its hello');
        stream.destroy();
      },
    );
  }

  private connOf(req: IncomingMessage): Conn {
    const c = this.conns.get(req.socket);
    if (!c) throw new AccessDeniedError('no hello on this connection');
    return c;
  }

  /** The roles of the hello, traits applied (cached briefly). */
  private async rolesOf(hello: KubeHello): Promise<Role[]> {
    const key = hello.roles.join('\n');
    const now = this.o.clock.now();
    let hit = this.roleCache.get(key);
    if (!hit || now - hit.at > ROLES_CACHE_MS) {
      hit = { at: now, roles: this.o.access.roles(hello.roles) };
      this.roleCache.set(key, hit);
      hit.roles.catch(() => this.roleCache.delete(key));
    }
    return (await hit.roles).map((r) => applyRoleTraits(r, { traits: hello.traits }));
  }

  /** Authorizes a request and decides its impersonation. */
  private async authorize(conn: Conn, req: IncomingMessage, info: RequestInfo): Promise<Impersonation> {
    checkHeaderValues(req.rawHeaders);
    let authz = conn.authz;
    // A keep-alive connection's requests share one decision: roles read, traits applied and the
    // cluster's labels checked once per ROLES_CACHE_MS, not per request.
    if (!authz || this.o.clock.now() - authz.at > ROLES_CACHE_MS) {
      const at = this.o.clock.now();
      const roles = await this.rolesOf(conn.hello);
      if (roles.length === 0) throw new AccessDeniedError(`user "${conn.hello.user}" has no roles on this cluster`);
      checkKubeClusterAccess(roles, conn.cluster.name, conn.cluster.labels);
      checkSessionMFA({ capValue: await this.o.access.requireSessionMFA(), roles, mfaVerified: conn.hello.mfa_verified, hint: SESSION_MFA_HINT });
      authz = { at, roles, grants: kubeUsersAndGroups(roles, conn.cluster.labels) };
      conn.authz = authz;
    }
    checkPodAccess(authz.roles, conn.cluster.labels, info);
    return impersonationFor(req.rawHeaders, authz.grants, conn.hello.user);
  }

  private agentOf(c: ServedKubeCluster): HttpsAgent {
    let a = this.agents.get(c.name);
    if (!a) {
      a = httpsAgentOf(c.credentials);
      this.agents.set(c.name, a);
    }
    return a;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let conn: Conn;
    try {
      conn = this.connOf(req);
    } catch (err) {
      writeStatus(res, err, true);
      return;
    }
    const info = requestInfo(req.method ?? 'GET', req.url ?? '/');
    let imp: Impersonation | undefined;
    try {
      imp = await this.authorize(conn, req, info);
      const headers = await upstreamHeaders(req, conn.cluster.credentials, imp, conn.hello.client_addr, false);
      const up = await forwardRequest(req, conn.cluster.credentials, this.agentOf(conn.cluster), headers);
      res.writeHead(up.statusCode ?? 502, downstreamHeaders(up).flat());
      up.pipe(res);
      res.once('close', () => up.destroy());
      const code = up.statusCode ?? 0;
      res.once('finish', () => void this.audit.request(conn, req, info, code, imp));
    } catch (err) {
      const status = writeStatus(res, err, false, req);
      this.o.logger.info({ user: conn.hello.user, cluster: conn.cluster.name, path: req.url, err: status.message }, 'Kubernetes request refused');
      void this.audit.request(conn, req, info, status.code, imp, status.message);
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => {});
    socket.pause();
    let conn: Conn;
    try {
      conn = this.connOf(req);
    } catch (err) {
      socket.end(rawStatusResponse(err));
      return;
    }
    const info = requestInfo(req.method ?? 'GET', req.url ?? '/');
    const exec = isExecOrAttach(info);
    let imp: Impersonation | undefined;
    try {
      imp = await this.authorize(conn, req, info);
      const headers = await upstreamHeaders(req, conn.cluster.credentials, imp, conn.hello.client_addr, true);
      const answer = await openUpgrade(req, conn.cluster.credentials, headers, head);
      const up = answer.socket;
      up.on('error', () => {});
      if (answer.status !== 101) {
        // A refusal (pod not found, forbidden): its body follows; relay it and end.
        socket.write(answer.head);
        up.pipe(socket);
        socket.once('close', () => up.destroy());
        up.resume();
        if (exec) void this.audit.exec(conn, req, info, imp, answer.status);
        else void this.audit.request(conn, req, info, answer.status, imp);
        return;
      }
      const session = exec ? this.audit.startSession(conn, req, info, imp) : undefined;
      if (!exec) void this.audit.request(conn, req, info, 101, imp);
      // Every exec's exit status is read off its stream for the audit; a TTY's output is recorded too.
      let exit: ExecExit | undefined;
      const onExit = (code: number, error?: string) => (exit = { code, ...(error !== undefined && { error }) });
      const recording = session && wantsTTY(req.url ?? '/') ? await this.record(conn, req, info, session.id, answer.head, onExit) : undefined;
      const tap = recording?.tap ?? (session ? execTap(negotiatedProtocol(answer.head), { output: () => {}, resize: () => {}, exit: onExit }) : undefined);
      // The client speaks once it has the answer: the tap is in place by then.
      socket.write(answer.head);
      if (tap) {
        up.on('data', (chunk: Buffer) => tap.fromServer(chunk));
        socket.on('data', (chunk: Buffer) => tap.fromClient(chunk));
      }
      up.pipe(socket);
      socket.pipe(up);
      up.resume();
      let closed = false;
      const end = () => {
        if (closed) return;
        closed = true;
        up.destroy();
        socket.destroy();
        void recording?.end();
        void session?.end(exit);
      };
      up.once('close', end);
      socket.once('close', end);
    } catch (err) {
      const status = statusOf(err);
      this.o.logger.info({ user: conn.hello.user, cluster: conn.cluster.name, path: req.url, err: status.message }, 'Kubernetes upgrade refused');
      socket.end(rawStatusResponse(err));
      if (exec) void this.audit.exec(conn, req, info, imp, status.code, status.message);
      else void this.audit.request(conn, req, info, status.code, imp, status.message);
    }
  }

  /**
   * Begins recording an exec or attach with a TTY whose stream is up: output and resizes read
   * from the stream's frames (exec-stream.ts). Undefined when the mode records nothing or the
   * negotiated protocol is not one the tap reads.
   */
  private async record(conn: Conn, req: IncomingMessage, info: RequestInfo, sessionId: string, head: Buffer, onExit: (code: number, error?: string) => void): Promise<{ tap: ExecTap; end(): Promise<void> } | undefined> {
    if (!this.o.recorder) return undefined;
    const url = req.url ?? '/';
    const protocol = negotiatedProtocol(head);
    try {
      const rec = await this.o.recorder.begin({
        sessionId,
        kind: info.subresource === 'exec' ? 'exec' : 'shell',
        ...(info.subresource === 'exec' && { command: execCommand(url) }),
        user: conn.hello.user,
        login: conn.hello.user,
        remoteAddr: conn.hello.client_addr,
        localAddr: conn.cluster.credentials.server.host,
        tty: true,
        cols: 80,
        rows: 24,
        strict: false,
        fields: { proto: 'kube', kubernetes_cluster: conn.cluster.name, ...podFields(info, url) },
      });
      if (!rec) return undefined;
      let exitCode = 0;
      const tap = execTap(protocol, {
        output: (data) => void rec.write(data),
        resize: (cols, rows) => rec.resize(cols, rows),
        exit: (code, error) => {
          exitCode = code;
          onExit(code, error);
        },
      });
      if (!tap) {
        this.o.logger.info({ protocol, sid: sessionId }, 'exec stream protocol not readable by the recorder; session not recorded');
        await rec.discard();
        return undefined;
      }
      return { tap, end: () => rec.end({ code: exitCode }) };
    } catch (err) {
      this.o.logger.warn({ sid: sessionId, err: (err as Error).message }, 'cannot record the Kubernetes session');
      return undefined;
    }
  }

  /** Drops idle API server connections. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

/** Gives a stream that is not a socket the socket methods Node's HTTP server calls. */
function socketLike(stream: Duplex): void {
  const s = stream as Duplex & Record<string, unknown>;
  for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive']) {
    if (typeof s[m] !== 'function') s[m] = () => stream;
  }
}
