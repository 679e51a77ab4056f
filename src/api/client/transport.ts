/**
 * JSON over HTTPS (with mutual TLS for the auth server, server-verified only for the proxy's web
 * API). Maps transport failures to ConnectionProblemError and `{ error: { code?, message } }`
 * bodies to typed errors (from the HTTP status when the server sends no code, as Teleport's web API).
 */
import type { IncomingMessage } from 'node:http';
import { Agent, request, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { ConnectionProblemError, errorFromWire } from '../errors.js';

/** The client certificate a caller presents, and the CAs it trusts for the server. */
export interface ClientCredentials {
  keyPem: string;
  certPem: string;
  /** Host CA certificates (PEM) the auth server's certificate must chain to. */
  caPems: string[];
}

/** Where and how to connect. */
export interface TransportOptions {
  /** `host:port` of the server. */
  addr: string;
  /** What the server is, for messages: `auth server` (default) or `proxy`. */
  peerName?: string;
  /** Sent as SNI (`<hex>.teleport.cluster.local` for auth); default the host of `addr`. */
  serverName?: string;
  credentials?: ClientCredentials;
  /** CAs to trust for the server when calling without a client certificate. */
  caPems?: string[];
  /** Skip server verification: only for the first contact of a joiner, which then checks CA pins itself. */
  insecure?: boolean;
  timeoutMs?: number;
  /** Message when the server's certificate is not trusted (default: not signed by the cluster's host CA). */
  untrustedHint?: string;
  /**
   * Open the byte stream to the server instead of dialing `addr` (e.g. an SSH channel through the
   * proxy); TLS and verification run over it unchanged. Called once per connection: per request
   * without a `pool`, per pooled connection with one.
   */
  dial?: () => Promise<Duplex>;
  /** Connections to reuse between requests (see ConnectionPool); without it each request has its own. */
  pool?: ConnectionPool;
}

/** How long a pooled connection may sit idle (the server's `Keep-Alive: timeout` hint shortens it). */
const POOL_IDLE_MS = 30_000;

/** Agent whose connections are TLS over `dial()`'s streams; `createConnection` answers through its callback. */
class DialAgent extends Agent {
  constructor(
    private readonly dialer: () => Promise<Duplex>,
    private readonly describe: (err: unknown) => ConnectionProblemError,
  ) {
    super({ keepAlive: true, timeout: POOL_IDLE_MS, maxFreeSockets: 4 });
  }

  override createConnection(options: ConnectionOptions, cb: (err: Error | null, socket?: Duplex) => void): undefined {
    this.dialer().then(
      (raw) => cb(null, tlsConnect({ ...options, socket: raw })),
      (err: unknown) => cb(err instanceof ConnectionProblemError ? err : this.describe(err)),
    );
    return undefined;
  }
}

/**
 * What a client reuses between requests: its TLS context (keys, certificate and CAs parsed once)
 * and a keep-alive agent, so that a run of requests (a node's recording parts, heartbeats) pays for
 * one TLS handshake instead of one each. Build it from the same options the requests use. Idle
 * connections do not keep the process alive; `close()` drops them (safe to call twice).
 */
export class ConnectionPool {
  readonly secureContext: SecureContext;
  readonly agent: Agent;

  constructor(opts: Pick<TransportOptions, 'credentials' | 'caPems' | 'dial' | 'peerName'>) {
    const ca = opts.caPems ?? opts.credentials?.caPems;
    this.secureContext = createSecureContext({
      ...(opts.credentials && { key: opts.credentials.keyPem, cert: opts.credentials.certPem }),
      ...(ca && { ca }),
    });
    const peer = opts.peerName ?? 'auth server';
    this.agent = opts.dial
      ? new DialAgent(opts.dial, (err) => new ConnectionProblemError(`cannot reach the ${peer}: ${(err as Error).message}`, { cause: err }))
      : new Agent({ keepAlive: true, timeout: POOL_IDLE_MS, maxFreeSockets: 4 });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Splits `host:port` (IPv6 in brackets). ConnectionProblemError when malformed. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  if (!m) throw new ConnectionProblemError(`invalid address "${addr}": expected host:port`);
  return { host: m[1], port: Number(m[2]) };
}

/**
 * Result of a call: the parsed body and, for a call without a client certificate (the first
 * contact of a joiner), the server's certificate for pin checks.
 */
export interface CallResult<T> {
  body: T;
  peer?: PeerCertificate;
}

/** One JSON request. Throws the typed error the server sent, or ConnectionProblemError. */
export async function call<T>(opts: TransportOptions, method: string, path: string, body?: unknown): Promise<CallResult<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = {
    accept: 'application/json',
    ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
  };
  const res = await send(opts, method, path, headers, payload === undefined ? [] : [payload]);
  // Only pin checks read it, and building it (the whole chain) is not free.
  const peer = opts.credentials ? undefined : (res.socket as TLSSocket).getPeerCertificate?.(true);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (err) => reject(new ConnectionProblemError(`reading the response from ${opts.addr} failed: ${err.message}`, { cause: err })));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch (err) {
        reject(new ConnectionProblemError(`${opts.addr} did not answer like a Teleport ${peer_(opts)} (HTTP ${res.statusCode})`, { cause: err }));
        return;
      }
      const e = (parsed as { error?: { code?: string; message?: string } }).error;
      if ((res.statusCode ?? 500) >= 400 || e) {
        reject(errorFromWire(e?.code ?? codeOfStatus(res.statusCode ?? 500), e?.message ?? `HTTP ${res.statusCode}`));
        return;
      }
      resolve({ body: parsed as T, ...(peer && { peer }) });
    });
  });
}

/** The TLS options of a request: the pool's context, or keys and CAs parsed for this one. */
function tlsOptions(opts: TransportOptions, host: string): ConnectionOptions {
  const sni = opts.serverName ?? (isIP(host) ? undefined : host);
  const ca = opts.caPems ?? opts.credentials?.caPems;
  return {
    // SNI may not be an IP address (RFC 6066; Node warns about it on every call).
    ...(sni !== undefined && { servername: sni }),
    ...(opts.pool
      ? { secureContext: opts.pool.secureContext }
      : { ...(opts.credentials && { key: opts.credentials.keyPem, cert: opts.credentials.certPem }), ...(ca && { ca }) }),
    rejectUnauthorized: !opts.insecure,
  };
}

/**
 * Sends one request and resolves with its response (any status) once the headers arrived; with
 * `untimed`, a successful response is exempt from the idle timeout. A pooled connection the server
 * closed while it sat idle (reset before any answer) is replaced once.
 */
async function send(
  opts: TransportOptions,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body: (Buffer | string)[],
  { signal, untimed = false }: { signal?: AbortSignal; untimed?: boolean } = {},
): Promise<IncomingMessage> {
  const { host, port } = splitHostPort(opts.addr);
  const tls = tlsOptions(opts, host);
  let socket: TLSSocket | undefined;
  if (opts.dial && !opts.pool) {
    let raw: Duplex;
    try {
      raw = await opts.dial();
    } catch (err) {
      throw err instanceof ConnectionProblemError ? err : new ConnectionProblemError(`cannot reach the ${peer_(opts)}: ${(err as Error).message}`, { cause: err });
    }
    socket = tlsConnect({ socket: raw, ...tls });
  }
  const base: RequestOptions = {
    host,
    port,
    method,
    path,
    ...tls,
    // node:https ignores createConnection whenever an agent is set (agent: false included).
    ...(opts.pool ? { agent: opts.pool.agent } : socket ? { createConnection: () => socket } : { agent: false }),
    timeout: opts.timeoutMs ?? 30_000,
    ...(signal && { signal }),
    headers,
  };
  const attempt = (retry: boolean): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      let answered = false;
      const req = request(base, (res) => {
        answered = true;
        // A stream may be read slowly (a paused player): only the connection's end ends it.
        if (untimed && (res.statusCode ?? 500) < 400) req.setTimeout(0);
        resolve(res);
      });
      req.on('timeout', () => req.destroy(new ConnectionProblemError(`timed out talking to the ${peer_(opts)} at ${opts.addr}`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (retry && !answered && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return resolve(attempt(false));
        if (err instanceof ConnectionProblemError) return reject(err);
        if (err.name === 'AbortError') return reject(new ConnectionProblemError('the request was cancelled', { cause: err }));
        reject(new ConnectionProblemError(describeNetError(opts, err), { cause: err }));
      });
      for (const b of body) req.write(b);
      req.end();
    });
  return attempt(opts.pool !== undefined);
}

const peer_ = (opts: TransportOptions): string => opts.peerName ?? 'auth server';

/** The error kind for a status when the body carries no code. */
function codeOfStatus(status: number): string {
  if (status === 401 || status === 403) return 'access_denied';
  if (status === 404) return 'not_found';
  if (status === 400) return 'bad_parameter';
  if (status === 409) return 'already_exists';
  if (status === 429) return 'limit_exceeded';
  return 'internal';
}

function describeNetError(opts: TransportOptions, err: NodeJS.ErrnoException): string {
  const addr = opts.addr;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `cannot connect to the ${peer_(opts)} at ${addr}: connection refused (is teleport running there?)`;
    case 'ENOTFOUND':
      return `cannot resolve the ${peer_(opts)} address ${addr}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_SIGNATURE_FAILURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return opts.untrustedHint ?? `the server at ${addr} presented a certificate not signed by this cluster's host CA (${err.code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the server at ${addr} presented a certificate for another name: ${err.message}`;
    default:
      return `request to the ${peer_(opts)} at ${addr} failed: ${err.message}`;
  }
}

/** A raw request body: one buffer, or several sent in order. */
export interface RawBody {
  data: Buffer | Buffer[];
  contentType: string;
}

/**
 * One request whose body is raw bytes and/or whose response is read as a stream. Resolves once a
 * 2xx status arrived, with the unread response (iterate it; the idle timeout no longer applies,
 * so a reader may pause); throws the typed error of an error response, or ConnectionProblemError.
 * Aborting `signal` destroys the request and the response.
 */
export async function callStream(opts: TransportOptions, method: string, path: string, body?: RawBody, signal?: AbortSignal): Promise<IncomingMessage> {
  const parts = body ? bodyParts(body) : [];
  const headers = {
    accept: '*/*',
    ...(body && { 'content-type': body.contentType, 'content-length': parts.reduce((n, b) => n + b.length, 0) }),
  };
  const res = await send(opts, method, path, headers, parts, { ...(signal && { signal }), untimed: true });
  const status = res.statusCode ?? 500;
  if (status < 400) return res;
  return new Promise((_, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (err) => reject(new ConnectionProblemError(`reading the response from ${opts.addr} failed: ${err.message}`, { cause: err })));
    res.on('end', () => {
      let e: { code?: string; message?: string } | undefined;
      try {
        e = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: string; message?: string } }).error;
      } catch {
        // Not JSON: the status says enough.
      }
      reject(errorFromWire(e?.code ?? codeOfStatus(status), e?.message ?? `HTTP ${status}`));
    });
  });
}

const bodyParts = (body: RawBody): Buffer[] => (Array.isArray(body.data) ? body.data : [body.data]);
