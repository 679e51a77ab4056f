/**
 * The agent's requests to an API server: a plain request forwarded with the service's credentials
 * and the impersonation headers (the response streamed back, watches and `logs -f` included), and
 * an upgrade (exec, attach, port-forward over websocket or SPDY) sent as its request head over a
 * TLS connection of its own, whose bytes are relayed from then on.
 */
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { checkServerIdentity as defaultCheck, connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ConnectionProblemError } from '../api/errors.js';
import type { KubeCredentials } from './credentials.js';
import type { Impersonation } from './impersonation.js';

/** Headers of one hop only, never forwarded (RFC 9110 7.6.1), besides those the agent sets itself. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'authorization']);
/** How long the API server may take to answer an upgrade. */
const UPGRADE_TIMEOUT_MS = 30_000;

/** TLS options for the API server of `c`. */
export function tlsOptionsOf(c: KubeCredentials): ConnectionOptions {
  const host = c.server.hostname.replace(/^\[|\]$/g, '');
  const isIP = /^[\d.]+$|:/.test(host);
  const name = c.serverName ?? (isIP ? undefined : host);
  return {
    host,
    port: Number(c.server.port || 443),
    ...(name !== undefined && { servername: name }),
    ...(c.caPems && { ca: c.caPems }),
    ...(c.certPem && { cert: c.certPem, key: c.keyPem }),
    rejectUnauthorized: !c.insecureSkipVerify,
    ...(c.serverName && { checkServerIdentity: (_h: string, cert: Parameters<NonNullable<ConnectionOptions['checkServerIdentity']>>[1]) => defaultCheck(c.serverName!, cert) }),
  };
}

/** The headers sent upstream: the client's less hop-by-hop, credentials and impersonation; then ours. */
export async function upstreamHeaders(req: IncomingMessage, c: KubeCredentials, imp: Impersonation, clientAddr: string, keepUpgrade: boolean): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name.startsWith('impersonate-') || name === 'x-forwarded-for') continue;
    if (HOP.has(name) && !(keepUpgrade && (name === 'connection' || name === 'upgrade'))) continue;
    out.push([raw[i], raw[i + 1]]);
  }
  out.push(['Host', c.server.host]);
  const token = c.token && (await c.token());
  if (token) out.push(['Authorization', `Bearer ${token}`]);
  out.push(['Impersonate-User', imp.user]);
  for (const g of imp.groups) out.push(['Impersonate-Group', g]);
  out.push(['X-Forwarded-For', clientAddr.replace(/:\d+$/, '')]);
  return out;
}

/** The path on the API server: its URL's path prefix, then the client's path and query. */
export function upstreamPath(c: KubeCredentials, url: string): string {
  const prefix = c.server.pathname.replace(/\/+$/, '');
  return `${prefix}${url.startsWith('/') ? url : `/${url}`}`;
}

/** One keep-alive HTTPS agent per API server. */
export function httpsAgentOf(c: KubeCredentials): HttpsAgent {
  return new HttpsAgent({ ...tlsOptionsOf(c), keepAlive: true, maxSockets: 256 });
}

/** Sends `req` (its body streamed) to the API server; resolves with the response. */
export function forwardRequest(req: IncomingMessage, c: KubeCredentials, agent: HttpsAgent, headers: [string, string][]): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const hdrs: OutgoingHttpHeaders = {};
    for (const [k, v] of headers) {
      const key = k.toLowerCase();
      const prev = hdrs[key];
      hdrs[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    const up = httpsRequest({ ...tlsOptionsOf(c), agent, method: req.method, path: upstreamPath(c, req.url ?? '/'), headers: hdrs, setHost: false });
    up.once('response', resolve);
    up.once('error', (err) => reject(new ConnectionProblemError(`cannot reach the Kubernetes API server at ${c.server.host}: ${err.message}`, { cause: err })));
    req.once('aborted', () => up.destroy());
    req.pipe(up);
  });
}

/** Response headers to pass back (hop-by-hop removed). */
export function downstreamHeaders(res: IncomingMessage): [string, string][] {
  const out: [string, string][] = [];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding' || name === 'trailer' || name === 'upgrade') continue;
    out.push([raw[i], raw[i + 1]]);
  }
  return out;
}

/** The API server's answer to an upgrade: its status, the head's bytes, and the socket (bytes after the head unshifted). */
export interface UpgradeAnswer {
  status: number;
  head: Buffer;
  socket: TLSSocket;
}

/** Opens a TLS connection to the API server and sends the upgrade request's head (and `early` bytes); resolves once the response head arrived. */
export function openUpgrade(req: IncomingMessage, c: KubeCredentials, headers: [string, string][], early: Buffer): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ ...tlsOptionsOf(c), ALPNProtocols: ['http/1.1'] });
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no answer within ${UPGRADE_TIMEOUT_MS} ms`)), UPGRADE_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionProblemError(`cannot reach the Kubernetes API server at ${c.server.host}: ${err.message}`, { cause: err }));
    };
    sock.once('error', fail);
    sock.once('secureConnect', () => {
      const lines = [`${req.method} ${upstreamPath(c, req.url ?? '/')} HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`), '', ''];
      sock.write(lines.join('\r\n'));
      if (early.length > 0) sock.write(early);
    });
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) fail(new Error('response head over 64 KiB'));
        return;
      }
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('error', fail);
      sock.pause();
      const head = buf.subarray(0, end + 4);
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) sock.unshift(rest);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'))?.[1] ?? 0);
      resolve({ status, head, socket: sock });
    };
    sock.on('data', onData);
  });
}
