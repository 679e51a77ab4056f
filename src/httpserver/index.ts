/**
 * What our HTTP servers (auth API, proxy web API, diag) share: bounded request bodies, the request
 * target as typed errors, JSON and streamed responses and the error-to-status mapping, the TLS settings of every
 * TLS server, large YAML parsed off the event loop, and listening/closing.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCode, httpStatus } from '../api/errors.js';
import { RequestTooLargeError } from './body.js';
import { bindListener, type HandoverPolicy } from '../handover/index.js';

export { RequestTooLargeError, readBody, readJSONBody, readJSONObject } from './body.js';
export { decodePathSegment, requestURL } from './request-url.js';
export { StreamBody, sendStream } from './stream-response.js';
export { HSTS_HEADER, TLS12_CIPHER_SUITES, TLS13_CIPHER_SUITES, TLS_SERVER_OPTIONS, tlsServerOptions, type TLSServerOptions } from './tls-options.js';
export { OFF_LOOP_THRESHOLD, YAMLWorker, type YAMLWorkerOptions } from './yaml-worker.js';

/** Writes `body` as JSON with `status`. */
export function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The HTTP status of a thrown error: its code's status (errors.ts), 413 for a body over its limit. */
export function errorStatus(err: unknown): number {
  return err instanceof RequestTooLargeError ? 413 : httpStatus(errorCode(err));
}

/**
 * Before an error response: a request whose body was not read to its end (refused before reading,
 * or past its limit) gets `connection: close`, so the rest of its body is not read and discarded.
 */
export function closeIfUnread(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
}

/**
 * Starts `server` listening on host:port (0 picks a port), on the socket a predecessor handed
 * over when there is one (src/handover); resolves with the bound address. `policy`: what its
 * connections do when a successor takes over (see HandoverPolicy).
 */
export async function listen(server: Server, port: number, host: string, policy: HandoverPolicy = 'drain'): Promise<{ host: string; port: number }> {
  await bindListener(server, host, port, policy);
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
}

/** Closes `server` and every open connection; resolves when it has stopped. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
