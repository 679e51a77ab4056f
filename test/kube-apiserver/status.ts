/**
 * Kubernetes `Status` bodies as the API server writes them (metav1.Status), and the messages the real
 * server puts in them, so kubectl prints `Error from server (Forbidden): ...` the same way.
 */
import type { ServerResponse } from 'node:http';

/** A metav1.Status object. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
  code: number;
}

/** A Failure status with `reason` and HTTP `code`. */
export function failure(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

/** `pods "x" not found` (404 NotFound). */
export function notFound(resource: string, name: string): Status {
  return failure(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
}

/** `configmaps "x" already exists` (409 AlreadyExists). */
export function alreadyExists(resource: string, name: string): Status {
  return failure(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
}

/** The RBAC denial text: `configmaps is forbidden: User "u" cannot list resource "configmaps" in API group "" in the namespace "ns"`. */
export function forbidden(o: { user: string; verb: string; resource: string; subresource?: string; name?: string; namespace?: string; group?: string; reason?: string }): Status {
  const what = o.name ? `${o.resource} "${o.name}"` : o.resource;
  const full = o.subresource ? `${o.resource}/${o.subresource}` : o.resource;
  const scope = o.namespace ? `in the namespace "${o.namespace}"` : 'at the cluster scope';
  const reason = o.reason ? `: ${o.reason}` : '';
  const message = `${what} is forbidden: User "${o.user}" cannot ${o.verb} resource "${full}" in API group "${o.group ?? ''}" ${scope}${reason}`;
  const details: Status['details'] = { kind: o.resource };
  if (o.name) details.name = o.name;
  return failure(403, 'Forbidden', message, details);
}

/** 401 Unauthorized as the authentication filter answers. */
export function unauthorized(): Status {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** 400 BadRequest. */
export function badRequest(message: string): Status {
  return failure(400, 'BadRequest', message);
}

/** Writes `s` as JSON with its code. */
export function writeStatus(res: ServerResponse, s: Status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(s);
  res.writeHead(s.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes `obj` as a 200 (or `code`) JSON answer. */
export function writeJSON(res: ServerResponse, obj: unknown, code = 200, contentType = 'application/json'): void {
  const body = JSON.stringify(obj);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
