/**
 * The web terminal: `GET /webapi/sites/:site/connect/ws?params=<TerminalRequest>` upgraded to a
 * websocket. The session cookie is checked at the upgrade and the bearer token arrives as the first
 * text frame (Teleport's newer flow; the legacy `/connect?access_token=` form is accepted too). The
 * proxy then opens an SSH session to the node as the user, with the web session's certificate,
 * checks the node's host certificate against the cluster's host CA, and relays the PTY in
 * protobuf envelopes (see src/api/web-terminal.ts). The node records and audits the session as it
 * does for `tsh ssh`.
 */
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Clock } from '../../api/clock.js';
import { AccessDeniedError, BadParameterError, NotFoundError, TeleportError, httpStatus } from '../../api/errors.js';
import { nodeLabels, type Node } from '../../api/types/index.js';
import {
  ENVELOPE,
  TERM_MAX,
  TERM_MIN,
  decodeEnvelope,
  encodeEnvelope,
  parseResizePayload,
  type TerminalRequest,
  type WebSocketAuthStatus,
} from '../../api/web-terminal.js';
import type { TerminalSessionMetadata } from '../../api/web-wire.js';
import type { Logger } from '../../log/index.js';
import { hostVerifier } from '../../sshca/index.js';
import { connectSSH, type SSHClient, type SSHProcess } from '../../sshutils/index.js';
import { NeedLoginError, type WebAuth, type WebContext } from './auth.js';
import { checkSite } from './nodes.js';
import { resolveNode } from '../ssh/index.js';
import { Router, nodeTarget } from '../route/index.js';
import type { WebUIAuth } from './ui-auth.js';

/** How long a new socket has to send its bearer token (Teleport's wsIODeadline). */
const AUTH_DEADLINE_MS = 4_000;
/** Websocket pings keep load balancers from closing idle terminals. */
const PING_MS = 30_000;
/** Stop reading from the node while this much is queued for the browser. */
const HIGH_WATER = 1 << 20;

/** Options of the terminal endpoint. */
export interface WebTerminalsOptions {
  auth: WebUIAuth;
  webAuth: WebAuth;
  clock: Clock;
  logger: Logger;
  /** SSH handshake timeout with nodes. */
  dialTimeoutMs?: number;
  /** The proxy's route core: dials nodes in this process, through their reverse tunnel or by TCP. Without it: TCP only. */
  router?: Router;
}

const PATH_RE = /^\/webapi\/sites\/([^/]+)\/connect(\/ws)?$/;
const SID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOIN_MODES = ['observer', 'moderator', 'peer'];
/** The login a joining connection uses (Teleport's SSHSessionJoinPrincipal); the node decides the join. */
const JOIN_LOGIN = '-teleport-internal-join';

/** Parses and bounds the `params` query value. */
export function parseTerminalRequest(raw: string | null): TerminalRequest {
  if (!raw) throw new BadParameterError('missing params');
  let v: Partial<TerminalRequest>;
  try {
    v = JSON.parse(raw) as Partial<TerminalRequest>;
  } catch (err) {
    throw new BadParameterError('params is not valid JSON', { cause: err });
  }
  const joining = v.sid !== undefined && v.sid !== '';
  if (joining) {
    if (typeof v.sid !== 'string' || !SID_RE.test(v.sid)) throw new BadParameterError(`params.sid: '${String(v.sid)}' is not a valid session ID (must be GUID)`);
    if (v.mode !== undefined && v.mode !== '' && !JOIN_MODES.includes(String(v.mode))) {
      throw new BadParameterError(`params.mode: invalid participant mode "${String(v.mode)}": expected observer, moderator or peer`);
    }
  } else {
    if (typeof v.server_id !== 'string' || v.server_id === '') throw new BadParameterError('params.server_id is missing');
    if (typeof v.login !== 'string' || !/^[A-Za-z0-9._@+-][A-Za-z0-9._@+$-]{0,63}$/.test(v.login)) throw new BadParameterError('params.login is not a valid login');
  }
  const w = Number(v.term?.w ?? 80);
  const h = Number(v.term?.h ?? 25);
  const ok = (n: number) => Number.isInteger(n) && n >= TERM_MIN && n <= TERM_MAX;
  if (!ok(w) || !ok(h)) throw new BadParameterError(`params.term: width and height must be between ${TERM_MIN} and ${TERM_MAX}`);
  if (joining) return { server_id: String(v.server_id ?? ''), login: JOIN_LOGIN, term: { w, h }, sid: v.sid!.toLowerCase(), mode: String(v.mode || 'observer') };
  const mfa = v.mfa && typeof v.mfa === 'object' ? v.mfa : undefined;
  return { server_id: v.server_id!, login: v.login!, term: { w, h }, ...(mfa && { mfa }) };
}

/** Live terminal sockets; `close()` ends them all. */
export class WebTerminals {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly live = new Set<WebSocket>();
  private readonly router: Router;

  constructor(private readonly opts: WebTerminalsOptions) {
    this.router = opts.router ?? new Router({ clusterName: opts.auth.clusterName, reads: { nodes: async () => [] } });
  }

  /** Takes an upgrade request if it is a terminal path; false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: URLSearchParams): boolean {
    const m = PATH_RE.exec(path);
    if (!m) return false;
    socket.on('error', () => {});
    this.accept(req, socket, head, decodeURIComponent(m[1]), Boolean(m[2]), query).catch((err: unknown) => {
      const status = err instanceof NeedLoginError ? 401 : err instanceof TeleportError ? httpStatus(err.code) : 500;
      if (status === 500) this.opts.logger.error({ err }, 'web terminal upgrade failed');
      const text = err instanceof TeleportError ? err.message : 'internal server error';
      const body = JSON.stringify({ error: { message: text } });
      socket.end(`HTTP/1.1 ${status} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    return true;
  }

  /** Ends every terminal. Safe to call twice. */
  async close(): Promise<void> {
    for (const ws of this.live) ws.terminate();
    this.live.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, site: string, newFlow: boolean, query: URLSearchParams): Promise<void> {
    const { auth, webAuth } = this.opts;
    checkSite(auth, site);
    checkOrigin(req);
    const params = parseTerminalRequest(query.get('params'));
    const ctx = await webAuth.authenticate(req, newFlow ? { bearer: false } : { bearer: true, token: query.get('access_token') ?? '' });
    const ws = await new Promise<WebSocket>((resolve) => this.wss.handleUpgrade(req, socket, head, resolve));
    this.live.add(ws);
    ws.on('close', () => this.live.delete(ws));
    ws.on('error', () => {});
    if (newFlow && !(await this.authenticateSocket(ws, ctx))) return;
    await this.run(ws, ctx, params, req);
  }

  /** Reads `{token}` as the first frame and answers create_session_response. */
  private async authenticateSocket(ws: WebSocket, ctx: WebContext): Promise<boolean> {
    const first = await new Promise<RawData | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), AUTH_DEADLINE_MS);
      ws.once('message', (data) => {
        clearTimeout(timer);
        resolve(data);
      });
      ws.once('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    let token: unknown;
    try {
      token = first && (JSON.parse(rawText(first)) as { token?: unknown }).token;
    } catch {
      token = undefined;
    }
    try {
      this.opts.webAuth.checkBearer(ctx.session, typeof token === 'string' ? token : undefined);
    } catch {
      sendJSON(ws, { type: 'create_session_response', status: 'error', message: 'invalid token' });
      ws.close(4001, 'invalid token');
      return false;
    }
    sendJSON(ws, { type: 'create_session_response', status: 'ok' });
    return true;
  }

  private async run(ws: WebSocket, ctx: WebContext, params: TerminalRequest, req: IncomingMessage): Promise<void> {
    const { auth, logger } = this.opts;
    const sid = params.sid ?? randomUUID();
    const log = logger.child({ session_id: sid, user: ctx.session.user, login: params.login, ...(params.sid && { join_mode: params.mode }) });
    const fail = (message: string) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeEnvelope(ENVELOPE.error, message));
      ws.close(1000);
    };
    let client: SSHClient | undefined;
    let proc: SSHProcess | undefined;
    let closed = false;
    ws.on('close', () => {
      closed = true;
      proc?.stdin.end();
      client?.close();
    });
    let node: Node;
    let sessionLogin = params.login;
    try {
      if (params.sid) {
        const found = await this.findSession(ctx, params.sid);
        node = found.node;
        sessionLogin = found.login;
      } else node = await this.findNode(ctx, params);
      client = await this.dial(ctx, node, params.login, clientAddr(req), params.mfa);
      if (closed) return client.close();
      const env: Record<string, string> = { TELEPORT_SESSION: sid, ...(params.sid && { TELEPORT_SSH_JOIN_MODE: params.mode ?? 'observer' }) };
      proc = await client.shell({ pty: { term: 'xterm-256color', cols: params.term.w, rows: params.term.h }, env });
    } catch (err) {
      client?.close();
      if (!(err instanceof TeleportError)) log.error({ err }, 'web terminal failed to start');
      return fail(err instanceof TeleportError ? err.message : 'internal error starting the session');
    }
    if (closed) {
      proc.stdin.end();
      return;
    }
    const addr = node.spec.addr ?? '';
    const meta: TerminalSessionMetadata = {
      session: {
        id: sid,
        login: sessionLogin,
        server_id: node.metadata.name,
        server_hostname: node.spec.hostname,
        server_addr: addr,
        cluster_name: auth.clusterName,
        created: new Date(this.opts.clock.now()).toISOString(),
        terminal_params: params.term,
      },
    };
    ws.send(encodeEnvelope(ENVELOPE.session, JSON.stringify(meta)));
    log.info({ node: node.metadata.name }, 'web terminal session started');

    const p = proc;
    const forward = (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(encodeEnvelope(ENVELOPE.raw, chunk));
      if (ws.bufferedAmount > HIGH_WATER && !p.stdout.isPaused()) {
        p.stdout.pause();
        const wait = setInterval(() => {
          if (ws.bufferedAmount <= HIGH_WATER / 2 || ws.readyState !== ws.OPEN) {
            clearInterval(wait);
            p.stdout.resume();
          }
        }, 20);
      }
    };
    p.stdout.on('data', forward);
    p.stderr.on('data', forward);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      let env;
      try {
        env = decodeEnvelope(new Uint8Array(rawBuffer(data)));
      } catch {
        return fail('malformed terminal frame');
      }
      if (env.type === ENVELOPE.raw) p.stdin.write(Buffer.from(env.payload));
      else if (env.type === ENVELOPE.resize) {
        const size = parseResizePayload(env.payload);
        if (size) p.resize(size.cols, size.rows);
      } else if (env.type === ENVELOPE.close) ws.close(1000);
    });
    const ping = setInterval(() => ws.ping(), PING_MS);
    const status = await p.exit;
    clearInterval(ping);
    client?.close();
    log.info({ exit: status }, 'web terminal session ended');
    if (ws.readyState === ws.OPEN) {
      ws.send(encodeEnvelope(ENVELOPE.close, JSON.stringify(status)));
      ws.close(1000);
    }
  }

  /**
   * The node running live session `sid` and the session's login, from the session trackers the user
   * may see. A node the user may not list (an observer needs no node access) is reached by the
   * tracker's host UUID and address. NotFoundError when the session is not listed.
   */
  private async findSession(ctx: WebContext, sid: string): Promise<{ node: Node; login: string }> {
    const tracker = (await ctx.api.listSessionTrackers()).find((t) => t.spec.session_id === sid && t.spec.kind === 'ssh');
    if (!tracker) throw new NotFoundError(`session "${sid}" not found or it has ended`);
    const t = tracker.spec;
    const listed = (await ctx.api.listNodes()).find((n) => n.metadata.name === t.host_id);
    const node: Node = listed ?? {
      kind: 'node',
      version: 'v2',
      metadata: { name: t.host_id },
      spec: { hostname: t.hostname, addr: t.address, ...(t.address === '' && { use_tunnel: true }) },
    };
    return { node, login: t.login };
  }

  /** The node `params.server_id` names among the nodes the user may see, with the login allowed on it. */
  private async findNode(ctx: WebContext, params: TerminalRequest): Promise<Node> {
    const { auth } = this.opts;
    const target = params.server_id;
    const i = target.lastIndexOf(':');
    const [host, port] = i > 0 && /^\d+$/.test(target.slice(i + 1)) ? [target.slice(0, i), target.slice(i + 1)] : [target, ''];
    const node = resolveNode(await ctx.api.listNodes(), host, port, auth.clusterName);
    if (!ctx.caller.checker.canAccessNode({ labels: nodeLabels(node) }, params.login)) {
      throw new AccessDeniedError(`access denied to ${params.login} connecting to ${node.spec.hostname || node.metadata.name}`);
    }
    return node;
  }

  private async dial(ctx: WebContext, node: Node, login: string, from: string, mfa?: TerminalRequest['mfa']): Promise<SSHClient> {
    const { auth, clock } = this.opts;
    const timeoutMs = this.opts.dialTimeoutMs ?? 15_000;
    const target = nodeTarget(node);
    const sock = await this.router.dial(target, { timeoutMs, clientAddr: from });
    const name = node.spec.hostname || node.metadata.name;
    // The same check tsh makes: a host certificate of this cluster naming the node's UUID.
    const verifier = hostVerifier({ trustedCAs: await auth.hostCAKeys(), now: () => clock.now(), host: { hostId: node.metadata.name, clusterName: auth.clusterName } }, `node "${name}"`);
    try {
      return await connectSSH({
        sock,
        username: login,
        privateKey: createPrivateKey(ctx.session.priv),
        // require_session_mfa: a one-minute certificate for this node, after the browser's MFA answer.
        cert: mfa ? await sessionMFACert(ctx, node.metadata.name, login, mfa) : ctx.session.ssh_cert,
        timeoutMs,
        verifyHostKey: (k) => verifier.verify(k),
      });
    } catch (err) {
      sock.destroy();
      const refused = verifier.refusal();
      if (refused) throw refused;
      if (err instanceof AccessDeniedError) throw new AccessDeniedError(`access denied to ${login} connecting to ${name}`, { cause: err });
      throw err;
    }
  }
}

/** Browsers send Origin with websocket handshakes: one from another site is refused (cross-site websocket hijacking). */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new AccessDeniedError('malformed Origin header');
  }
  if (host !== req.headers.host) throw new AccessDeniedError(`websocket from origin ${origin} refused: the web UI must be opened from this proxy`);
}

/** The browser's `ip:port`, which a tunnelled node records as the session's remote address. */
function clientAddr(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.includes(':') ? `[${ip}]:${req.socket.remotePort ?? 0}` : `${ip}:${req.socket.remotePort ?? 0}`;
}

function rawBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function rawText(data: RawData): string {
  return rawBuffer(data).toString('utf8');
}

function sendJSON(ws: WebSocket, v: WebSocketAuthStatus): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(v));
}

/** A per-session MFA certificate of the session's key for `node`, from auth as the session's user. */
async function sessionMFACert(ctx: WebContext, node: string, login: string, mfa: NonNullable<TerminalRequest['mfa']>): Promise<string> {
  const publicKey = createPublicKey(createPrivateKey(ctx.session.priv)).export({ type: 'spki', format: 'pem' }).toString();
  return (await ctx.api.sessionMFACerts({ ...mfa, public_key: publicKey, node, login })).ssh;
}
