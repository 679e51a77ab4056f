/**
 * The proxy's half of an app request once the user is known: the app's agent is resolved and
 * dialed through the route core (in memory, tunnel or TCP), the hello sent, and the request relayed
 * over HTTP/1.1 on that stream, kept alive per app session. The client's forgeable headers
 * (`teleport-jwt-assertion`, every `X-Forwarded-*`) and the app session cookies are dropped, and
 * the proxy's own `X-Forwarded-For/Host/Proto` set. Websocket upgrades are relayed as bytes.
 */
import { Agent, request, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { APP_SESSION_COOKIE, APP_SUBJECT_COOKIE, APP_HELLO_VERSION, JWT_HEADER, encodeAppHello, type AppHello, type AppSessionWire } from '../../api/app-wire.js';
import { NotFoundError } from '../../api/errors.js';
import type { AgentServer } from '../../api/types/index.js';
import type { Router } from '../route/index.js';

/** Headers of one hop, never relayed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Idle keep-alive streams to agents per session (as many as a browser or a load test keeps busy). */
const MAX_FREE_PER_SESSION = 256;
/** How long an idle stream to an agent is kept for the next request. */
const IDLE_STREAM_MS = 30_000;

/** The client behind a request, as the proxy saw it. */
export interface ClientInfo {
  /** `ip:port`. */
  addr: string;
  ip: string;
  /** The Host header as sent (the app's public address, with the port the client used). */
  host: string;
  proto: 'https' | 'http';
}

/** The headers the agent gets: forgeable and hop-by-hop ones dropped, the proxy's X-Forwarded-* set. */
export function relayHeaders(req: IncomingMessage, client: ClientInfo, upgrade = false): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connection = req.headers.connection;
  const connectionTokens = connection === undefined ? undefined : new Set(connection.toLowerCase().split(',').map((t) => t.trim()));
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || connectionTokens?.has(name) || name === JWT_HEADER || name.startsWith('x-forwarded-') || name === 'forwarded') continue;
    if (name === 'cookie') {
      const kept = stripAppCookies(String(value));
      if (kept) out.cookie = kept;
      continue;
    }
    out[name] = value;
  }
  out['x-forwarded-for'] = client.ip;
  out['x-forwarded-host'] = client.host;
  out['x-forwarded-proto'] = client.proto;
  if (upgrade) {
    out.connection = 'Upgrade';
    if (req.headers.upgrade) out.upgrade = req.headers.upgrade;
  }
  return out;
}

/** The hello that tells the agent who is behind a stream or request. */
function helloOf(session: AppSessionWire, client: ClientInfo): AppHello {
  return {
    v: APP_HELLO_VERSION,
    app: session.app_name,
    user: session.user,
    roles: session.roles,
    traits: session.traits,
    session_id: session.session_id,
    expires: session.expires,
    client_addr: client.addr,
    public_addr: client.host,
  };
}

/** The Cookie header without Teleport's app session cookies (the app never sees them). */
export function stripAppCookies(header: string): string {
  return header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && !c.startsWith(`${APP_SESSION_COOKIE}=`) && !c.startsWith(`${APP_SUBJECT_COOKIE}=`))
    .join('; ');
}

/** Streams to agents, pooled per app session. */
export class AgentRelay {
  private readonly pools = new Map<string, { agent: Agent; expires: number }>();

  constructor(private readonly o: { router: Router; now: () => number }) {}

  /** A stream to the agent of `session`'s app with the hello sent. Throws NotFoundError / ConnectionProblemError. */
  async dial(session: AppSessionWire, client: ClientInfo): Promise<Duplex> {
    const { target } = await this.o.router.resolve('app', (servers) => {
      const found = servers.find((s) => s.metadata.name === session.app_name);
      if (!found) throw new NotFoundError(`app "${session.app_name}" is not served by any agent now`);
      return found;
    });
    const stream = await this.o.router.dial(target, { clientAddr: client.addr });
    stream.on('error', () => {});
    stream.write(encodeAppHello(helloOf(session, client)));
    return stream;
  }

  /**
   * Relays `req` to the app and the answer back; rejects (before anything is sent) when the agent
   * cannot be reached. With `server` (the app's heartbeat, when the caller has it) and its agent in
   * this process, the request is handed to the agent as it is, without a stream between them.
   */
  forward(req: IncomingMessage, res: ServerResponse, session: AppSessionWire, client: ClientInfo, server?: AgentServer): Promise<void> {
    if (server) {
      const local = this.o.router.localHandler<AppHello>(this.o.router.targetOf('app', server));
      if (local) return local(req, res, relayHeaders(req, client), helloOf(session, client));
    }
    const agent = this.agentFor(session, client);
    return new Promise<void>((resolve, reject) => {
      const up = request({ agent, method: req.method, path: req.url ?? '/', headers: relayHeaders(req, client), host: 'app', port: 0 });
      let answered = false;
      up.on('error', (err) => {
        if (!answered) return reject(err);
        res.destroy();
        resolve();
      });
      up.on('response', (upRes) => {
        answered = true;
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(upRes.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
        upRes.on('error', () => res.destroy());
        res.on('close', () => {
          if (!upRes.complete) upRes.destroy();
          resolve();
        });
      });
      req.pipe(up);
      req.on('error', () => up.destroy());
    });
  }

  /** Relays an Upgrade request (websockets) as bytes. Rejects when the agent cannot be reached. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, session: AppSessionWire, client: ClientInfo): Promise<void> {
    const stream = await this.dial(session, client);
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
    for (const [name, value] of Object.entries(relayHeaders(req, client, true))) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${String(v)}`);
    }
    stream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) stream.write(head);
    stream.pipe(socket);
    socket.pipe(stream);
    const end = () => {
      stream.destroy();
      socket.destroy();
    };
    stream.once('close', end);
    socket.once('close', end);
    socket.on('error', end);
  }

  /** Closes every pooled stream. */
  close(): void {
    for (const p of this.pools.values()) p.agent.destroy();
    this.pools.clear();
  }

  private agentFor(session: AppSessionWire, client: ClientInfo): Agent {
    const now = this.o.now();
    for (const [id, p] of this.pools) {
      if (p.expires <= now) {
        p.agent.destroy();
        this.pools.delete(id);
      }
    }
    const key = `${session.session_id}|${client.host}`;
    let p = this.pools.get(key);
    if (!p) {
      const agent = new Agent({ keepAlive: true, maxFreeSockets: MAX_FREE_PER_SESSION });
      // Node's Agent takes an asynchronous createConnection through its callback.
      (agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
        this.dial(session, client).then(
          (s) => cb(null, s),
          (err: Error) => cb(err),
        );
        return undefined;
      };
      // Agent streams are not sockets: no TCP keep-alive or ref counting to set on them.
      // An idle stream is closed after a while (tunnel channels are not kept open forever).
      const idle = new WeakMap<object, NodeJS.Timeout>();
      Object.assign(agent, {
        keepSocketAlive: (s: Duplex) => {
          idle.set(s, setTimeout(() => s.destroy(), IDLE_STREAM_MS).unref());
          return true;
        },
        reuseSocket: (s: Duplex) => clearTimeout(idle.get(s)),
      });
      p = { agent, expires: Date.parse(session.expires) };
      this.pools.set(key, p);
    }
    return p.agent;
  }
}
