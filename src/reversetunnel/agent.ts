/**
 * One agent tunnel: an SSH connection from a host to one proxy's tunnel port, logged in with the
 * host certificate. It checks the proxy's host certificate (this cluster's host CA, role Proxy,
 * principals naming the proxy its `hello` claims to be), answers dial requests on transport
 * channels with the caller's handler, relays discovery to the caller, and pings; three silent
 * heartbeat periods close it. See protocol.ts.
 */
import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { AccessDeniedError, ConnectionProblemError, TeleportError, errorCode } from '../api/errors.js';
import { splitHostPort } from '../api/client/index.js';
import type { Logger } from '../log/index.js';
import { verifyCertificate } from '../sshca/index.js';
import { connectSSH, type ForwardedConnection, type HostKeyInfo, type SSHClient } from '../sshutils/index.js';
import { readFrame, readLines, writeFrame, writeLine } from './frames.js';
import {
  CONTROL_SUBSYSTEM,
  REMOTE_AUTH_SERVER,
  ROLE_EXTENSION,
  TRANSPORT_BIND,
  parseControlMessage,
  parseDialRequest,
  type ControlMessage,
  type DialRequest,
} from './protocol.js';
import { DEAD_AFTER, DEFAULT_HEARTBEAT_MS } from './tunnel-server.js';
import { every, type Timers } from './timers.js';

/** How long a proxy may take from TCP connect to its `hello`. */
const CONNECT_TIMEOUT_MS = 15_000;

/** Who the agent is and whom it trusts. */
export interface AgentCredentials {
  /** `<host_uuid>.<cluster>`: the SSH login and the certificate's principal. */
  serverId: string;
  clusterName: string;
  hostKey: KeyObject;
  /** The host's OpenSSH host certificate line. */
  hostCert: string;
  /** Plain public key blobs of the host CA(s) the proxy's certificate must be signed by. */
  hostCAKeys(): Buffer[];
}

/** The client behind a dial, as the proxy saw it. */
export interface DialPeer {
  remoteAddress: string;
  remotePort: number;
}

/**
 * Decides a dial request: returns what takes the channel once the agent has said yes, or throws a
 * typed error that goes back to the proxy (NotImplementedError for a service this agent lacks).
 */
export type DialHandler = (req: DialRequest, peer: DialPeer) => (stream: Duplex) => void;

/** Options of one tunnel. */
export interface TunnelAgentOptions extends AgentCredentials {
  /** The proxy's tunnel address, `host:port`. */
  addr: string;
  /**
   * A byte stream to the tunnel server at `addr`; absent or resolving undefined: a TCP connection.
   * (Through the web port it is TLS with ALPN `teleport-reversetunnel`; the SSH inside still checks
   * the proxy's certificate.)
   */
  dial?(addr: string): Promise<Duplex | undefined>;
  handler: DialHandler;
  /** Host UUIDs of every proxy, each time a proxy sends its list. */
  onDiscovery(proxyIds: string[]): void;
  timers: Timers;
  heartbeatMs?: number;
  connectTimeoutMs?: number;
  logger: Logger;
}

/** A connected tunnel; `closed` resolves once it is gone, whichever side ended it. */
export class TunnelAgent {
  private lastSeen: number;
  private stopPing?: () => void;
  private isClosed = false;
  readonly closed: Promise<void>;

  private constructor(
    private readonly o: TunnelAgentOptions,
    private readonly client: SSHClient,
    private readonly control: Duplex,
    /** The proxy's host UUID, checked against its certificate. */
    readonly proxyId: string,
  ) {
    this.lastSeen = o.timers.now();
    this.closed = client.closed.then(() => {
      this.isClosed = true;
      this.stopPing?.();
    });
  }

  /**
   * Connects to the proxy at `o.addr`, waits for its hello and registers the transport forward.
   * Rejects with AccessDeniedError when either side refuses the other's certificate, else
   * ConnectionProblemError.
   */
  static async connect(o: TunnelAgentOptions): Promise<TunnelAgent> {
    const { host, port } = splitHostPort(o.addr);
    let proxyCert: HostKeyInfo['cert'];
    let refused: string | undefined;
    const sock = o.dial ? await o.dial(o.addr) : undefined;
    const client = await connectSSH({
      ...(sock ? { sock } : { host, port }),
      username: o.serverId,
      privateKey: o.hostKey,
      cert: o.hostCert,
      timeoutMs: o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      verifyHostKey: (k) => {
        try {
          if (!k.cert) throw new AccessDeniedError('the proxy presented a plain host key, not a host certificate');
          verifyCertificate(k.cert, { trustedCAs: o.hostCAKeys(), now: o.timers.now(), type: 'host' });
          const role = k.cert.extensions[ROLE_EXTENSION];
          if (role !== 'Proxy') throw new AccessDeniedError(`the tunnel server's certificate has role "${role ?? ''}", not Proxy`);
          proxyCert = k.cert;
          return true;
        } catch (err) {
          refused = (err as Error).message;
          return false;
        }
      },
    }).catch((err: unknown) => {
      if (refused) throw new AccessDeniedError(`refusing the proxy at ${o.addr}: ${refused}`, { cause: err });
      throw err;
    });
    try {
      const control = (await client.subsystem(CONTROL_SUBSYSTEM)) as Duplex;
      const reader = new ControlReader(control);
      const proxyId = checkHello(await reader.first(o.timers, o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS), o, proxyCert!.principals);
      const agent = new TunnelAgent(o, client, control, proxyId);
      await agent.init(reader);
      return agent;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Ends the tunnel. Safe to call twice. */
  close(): void {
    this.stopPing?.();
    this.client.close();
  }

  /** A byte stream to the auth API through this proxy (TLS runs over it end to end). */
  dialAuth(): Promise<Duplex> {
    if (this.isClosed) return Promise.reject(new ConnectionProblemError(`the tunnel to proxy ${this.proxyId} is closed`));
    return this.client.forwardOut(REMOTE_AUTH_SERVER, 0);
  }

  private async init(reader: ControlReader): Promise<void> {
    const { o, control } = this;
    reader.take(
      (m) => {
        this.lastSeen = o.timers.now();
        if (m.type === 'discovery') o.onDiscovery(m.proxies.map((p) => p.metadata.name));
      },
      (err) => {
        if (!this.isClosed) o.logger.info({ proxy_id: this.proxyId, err: err.message }, 'the tunnel control channel failed');
        this.close();
      },
    );
    await this.client.forwardIn(TRANSPORT_BIND.addr, TRANSPORT_BIND.port, (stream, info) => void this.serveTransport(stream, info));
    const period = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.stopPing = every(o.timers, period, () => {
      if (o.timers.now() - this.lastSeen > DEAD_AFTER * period) {
        o.logger.info({ proxy_id: this.proxyId }, 'the proxy missed its heartbeats, closing the tunnel');
        this.close();
      } else {
        writeLine(control, { type: 'ping' });
      }
    });
  }

  private async serveTransport(stream: Duplex, info: ForwardedConnection): Promise<void> {
    const log = this.o.logger;
    stream.on('error', () => {});
    let req: DialRequest;
    try {
      req = parseDialRequest(await readFrame(stream, CONNECT_TIMEOUT_MS));
    } catch (err) {
      log.info({ proxy_id: this.proxyId, err: (err as Error).message }, 'refused a malformed dial request');
      refuse(stream, err);
      return;
    }
    const peer = clientPeer(req.client_addr) ?? { remoteAddress: info.originHost, remotePort: info.originPort };
    let take: (stream: Duplex) => void;
    try {
      take = this.o.handler(req, peer);
    } catch (err) {
      log.info({ proxy_id: this.proxyId, type: req.type, address: req.address, err: (err as Error).message }, 'refused a dial request');
      refuse(stream, err);
      return;
    }
    writeFrame(stream, { ok: true });
    take(stream);
  }
}

/**
 * The agent's side of the control channel: lines parsed from the start (so nothing is lost between
 * the hello and the agent taking over), queued until a handler is set.
 */
class ControlReader {
  private readonly queue: ControlMessage[] = [];
  private handler?: (m: ControlMessage) => void;
  private failure?: Error;
  private wake?: () => void;

  constructor(stream: Duplex) {
    readLines(
      stream,
      (line) => this.push(parseControlMessage(line)),
      (err) => this.fail(err),
    );
    stream.once('close', () => this.fail(new ConnectionProblemError('the proxy closed the control channel')));
  }

  /** The first message, within `timeoutMs` on `timers`. */
  first(timers: Timers, timeoutMs: number): Promise<ControlMessage> {
    return new Promise((resolve, reject) => {
      const cancel = timers.after(timeoutMs, () => reject(new ConnectionProblemError(`no hello from the proxy within ${timeoutMs} ms`)));
      const check = () => {
        if (this.queue.length > 0) {
          cancel();
          resolve(this.queue.shift()!);
        } else if (this.failure) {
          cancel();
          reject(this.failure);
        } else {
          this.wake = check;
        }
      };
      check();
    });
  }

  /** Hands every queued and later message to `handler`, and a failure to `onError` (once). */
  take(handler: (m: ControlMessage) => void, onError: (err: Error) => void): void {
    this.handler = handler;
    this.wake = () => {
      if (this.failure) onError(this.failure);
    };
    for (const m of this.queue.splice(0)) handler(m);
    if (this.failure) onError(this.failure);
  }

  private push(m: ControlMessage): void {
    if (this.handler) return this.handler(m);
    this.queue.push(m);
    this.notify();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** Checks the proxy's hello against its certificate; resolves with its host UUID. */
function checkHello(m: ControlMessage, o: TunnelAgentOptions, principals: string[]): string {
  if (m.type !== 'hello') throw new ConnectionProblemError(`the proxy at ${o.addr} did not start with hello`);
  if (m.cluster_name !== o.clusterName) throw new AccessDeniedError(`the proxy at ${o.addr} serves cluster "${m.cluster_name}", not "${o.clusterName}"`);
  if (!principals.includes(`${m.proxy_id}.${o.clusterName}`)) {
    throw new AccessDeniedError(`the proxy at ${o.addr} claims to be ${m.proxy_id}, which its certificate does not name`);
  }
  return m.proxy_id;
}

function clientPeer(addr: string): DialPeer | undefined {
  if (addr === '') return undefined;
  try {
    const { host, port } = splitHostPort(addr);
    return { remoteAddress: host, remotePort: port };
  } catch {
    return undefined;
  }
}

function refuse(stream: Duplex, err: unknown): void {
  const code = errorCode(err);
  const message = err instanceof TeleportError ? err.message : 'internal error in the agent';
  writeFrame(stream, { ok: false, error: { code, message } });
  stream.end();
}
