/**
 * JSON over HTTPS (with mutual TLS for the auth server, server-verified only for the proxy's web
 * API). Maps transport failures to ConnectionProblemError and `{ error: { code?, message } }`
 * bodies to typed errors (from the HTTP status when the server sends no code, as Teleport's web API).
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
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
   * proxy); TLS and verification run over it unchanged. Called once per request.
   */
  dial?: () => Promise<Duplex>;
}

/** Splits `host:port` (IPv6 in brackets). ConnectionProblemError when malformed. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  if (!m) throw new ConnectionProblemError(`invalid address "${addr}": expected host:port`);
  return { host: m[1], port: Number(m[2]) };
}

/** Result of a call: the parsed body and the server's certificate (for pin checks). */
export interface CallResult<T> {
  body: T;
  peer?: PeerCertificate;
}

/** One JSON request. Throws the typed error the server sent, or ConnectionProblemError. */
export async function call<T>(opts: TransportOptions, method: string, path: string, body?: unknown): Promise<CallResult<T>> {
  const { host, port } = splitHostPort(opts.addr);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  // SNI may not be an IP address (RFC 6066; Node warns about it on every call).
  const sni = opts.serverName ?? (isIP(host) ? undefined : host);
  const tlsOpts = {
    ...(sni !== undefined && { servername: sni }),
    ...(opts.credentials && { key: opts.credentials.keyPem, cert: opts.credentials.certPem }),
    ...((opts.caPems ?? opts.credentials?.caPems) && { ca: opts.caPems ?? opts.credentials?.caPems }),
    rejectUnauthorized: !opts.insecure,
  };
  let socket: TLSSocket | undefined;
  if (opts.dial) {
    let raw: Duplex;
    try {
      raw = await opts.dial();
    } catch (err) {
      throw err instanceof ConnectionProblemError ? err : new ConnectionProblemError(`cannot reach the ${peer_(opts)}: ${(err as Error).message}`, { cause: err });
    }
    socket = tlsConnect({ socket: raw, ...tlsOpts });
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method,
        path,
        ...tlsOpts,
        // node:https ignores createConnection whenever an agent is set (agent: false included).
        ...(socket ? { createConnection: () => socket } : { agent: false }),
        timeout: opts.timeoutMs ?? 30_000,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate?.(true);
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
      },
    );
    req.on('timeout', () => req.destroy(new ConnectionProblemError(`timed out talking to the ${peer_(opts)} at ${opts.addr}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof ConnectionProblemError) return reject(err);
      reject(new ConnectionProblemError(describeNetError(opts, err), { cause: err }));
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
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
  const { host, port } = splitHostPort(opts.addr);
  const tlsOpts = {
    ...((opts.serverName ?? (isIP(host) ? undefined : host)) !== undefined && { servername: opts.serverName ?? host }),
    ...(opts.credentials && { key: opts.credentials.keyPem, cert: opts.credentials.certPem }),
    ...((opts.caPems ?? opts.credentials?.caPems) && { ca: opts.caPems ?? opts.credentials?.caPems }),
    rejectUnauthorized: !opts.insecure,
  };
  let socket: TLSSocket | undefined;
  if (opts.dial) {
    let raw: Duplex;
    try {
      raw = await opts.dial();
    } catch (err) {
      throw err instanceof ConnectionProblemError ? err : new ConnectionProblemError(`cannot reach the ${peer_(opts)}: ${(err as Error).message}`, { cause: err });
    }
    socket = tlsConnect({ socket: raw, ...tlsOpts });
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method,
        path,
        ...tlsOpts,
        ...(socket ? { createConnection: () => socket } : { agent: false }),
        timeout: opts.timeoutMs ?? 30_000,
        ...(signal && { signal }),
        headers: {
          accept: '*/*',
          ...(body && { 'content-type': body.contentType, 'content-length': bodyParts(body).reduce((n, b) => n + b.length, 0) }),
        },
      },
      (res) => {
        const status = res.statusCode ?? 500;
        if (status < 400) {
          // A stream may be read slowly (a paused player): only the connection's end ends it.
          req.setTimeout(0);
          resolve(res);
          return;
        }
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
      },
    );
    req.on('timeout', () => req.destroy(new ConnectionProblemError(`timed out talking to the ${peer_(opts)} at ${opts.addr}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof ConnectionProblemError) return reject(err);
      if (err.name === 'AbortError') return reject(new ConnectionProblemError('the request was cancelled', { cause: err }));
      reject(new ConnectionProblemError(describeNetError(opts, err), { cause: err }));
    });
    if (body) for (const b of bodyParts(body)) req.write(b);
    req.end();
  });
}

const bodyParts = (body: RawBody): Buffer[] => (Array.isArray(body.data) ? body.data : [body.data]);
