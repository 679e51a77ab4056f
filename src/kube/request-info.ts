/**
 * What a Kubernetes API request is about, read from its method and path as the API server's
 * RequestInfoFactory does: `/api/v1/...` (core group) or `/apis/<group>/<version>/...`, an
 * optional `namespaces/<ns>/`, the resource, its name and a subresource (`exec`, `attach`,
 * `portforward`, `log`, ...), and the Kubernetes verb. Used for audit fields and for telling
 * exec and attach apart from the rest.
 */

/** A request's resource fields; empty strings where the path names none. */
export interface RequestInfo {
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`; for non-resource paths the lower-case method. */
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
}

/** The RequestInfo of `method` on `url` (path and query). */
export function requestInfo(method: string, url: string): RequestInfo {
  const u = new URL(url, 'http://x');
  const parts = u.pathname.split('/').filter((p) => p !== '').map(safeDecode);
  const out: RequestInfo = { verb: method.toLowerCase(), apiGroup: '', apiVersion: '', namespace: '', resource: '', name: '', subresource: '' };
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    out.apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    out.apiGroup = parts[1];
    out.apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return out;
  }
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    out.namespace = rest[1];
    // `/api/v1/namespaces/<ns>` is the namespace itself.
    if (rest.length === 2) {
      out.resource = 'namespaces';
      out.name = rest[1];
      out.namespace = '';
      rest = [];
    } else {
      rest = rest.slice(2);
    }
  }
  if (rest.length > 0) {
    out.resource = rest[0];
    out.name = rest[1] ?? '';
    out.subresource = rest.slice(2).join('/');
  }
  if (!out.resource) return out;
  const watch = u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1';
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      out.verb = watch ? 'watch' : out.name ? 'get' : 'list';
      break;
    case 'POST':
      out.verb = 'create';
      break;
    case 'PUT':
      out.verb = 'update';
      break;
    case 'PATCH':
      out.verb = 'patch';
      break;
    case 'DELETE':
      out.verb = out.name ? 'delete' : 'deletecollection';
      break;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True for a pod's `exec` or `attach` subresource. */
export function isExecOrAttach(info: RequestInfo): boolean {
  return info.resource === 'pods' && info.apiGroup === '' && (info.subresource === 'exec' || info.subresource === 'attach');
}
