/**
 * Refusals in Kubernetes' own form: a `Status` object (`kind: Status`, `status: Failure`, a
 * `reason` and `code`), which kubectl prints as `Error from server (<Reason>): <message>`. Used by
 * the proxy's Kubernetes front (no certificate, no such cluster, labels deny) and by the agent
 * (impersonation refused, bad headers, the API server unreachable).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCode, type ErrorCode } from '../api/errors.js';

/** A Kubernetes `metav1.Status` of failure. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
}

/** The HTTP status and Kubernetes reason of each of our error codes. */
const REASONS: Record<ErrorCode, [number, string]> = {
  not_found: [404, 'NotFound'],
  already_exists: [409, 'AlreadyExists'],
  compare_failed: [409, 'Conflict'],
  access_denied: [403, 'Forbidden'],
  bad_parameter: [400, 'BadRequest'],
  connection_problem: [503, 'ServiceUnavailable'],
  limit_exceeded: [429, 'TooManyRequests'],
  not_implemented: [501, 'NotImplemented'],
  internal: [500, 'InternalError'],
};

/** The Status of `err` (our typed errors by code; anything else an internal error). */
export function statusOf(err: unknown): KubeStatus {
  const [code, reason] = REASONS[errorCode(err)];
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err instanceof Error ? err.message : String(err), reason, code };
}

/**
 * Whether a request is kubectl's discovery (`/api`, `/apis`, `/version`, `/openapi/...`, or an
 * Accept asking for aggregated discovery). kubectl does not decode a Status answering discovery
 * (it prints `Error from server (Forbidden): unknown`), while it prints a text body as is.
 */
export function isDiscovery(req: IncomingMessage): boolean {
  const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
  if (path === '/api' || path === '/apis' || path === '/version' || path.startsWith('/openapi')) return true;
  return String(req.headers.accept ?? '').includes('apidiscovery.k8s.io');
}

/**
 * Answers `res` with the Status of `err` (closing the connection when `close`); a discovery
 * request of `req` gets the message as text, which kubectl prints.
 */
export function writeStatus(res: ServerResponse, err: unknown, close = false, req?: IncomingMessage): KubeStatus {
  const status = statusOf(err);
  const plain = req !== undefined && isDiscovery(req);
  const body = plain ? `${status.message}\n` : JSON.stringify(status);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  res.writeHead(status.code, {
    'content-type': plain ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(close && { connection: 'close' }),
  });
  res.end(body);
  return status;
}

/** A whole HTTP/1.1 response carrying the Status of `err`, for a stream that is not an HTTP server's (a parse error). */
export function rawStatusResponse(err: unknown): Buffer {
  const status = statusOf(err);
  const body = JSON.stringify(status);
  return Buffer.from(
    `HTTP/1.1 ${status.code} ${status.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    'utf8',
  );
}
