/**
 * Reading a request the way the API server's RequestInfo resolver does: /api/v1 paths into verb,
 * resource, subresource, namespace and name, the attributes RBAC is asked about.
 */
import { RESOURCES, type Resource } from './store.js';

/** A resource request. */
export interface RequestInfo {
  verb: string;
  resource: Resource;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** The RequestInfo of `method path?query`, or undefined when it is no resource path of /api/v1. */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'api' || parts[1] !== 'v1' || parts.length < 3) return undefined;
  let rest = parts.slice(2);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2]! in RESOURCES) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (extra.length > 0 || !resource || !(resource in RESOURCES)) return undefined;
  const res = resource as Resource;
  // /api/v1/namespaces/{name}[/status] is the namespace itself.
  if (namespace !== undefined && res !== 'namespaces' && !RESOURCES[res].namespaced) return undefined;
  if (res === 'namespaces' && namespace !== undefined) return undefined;
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name === undefined ? (watch ? 'watch' : 'list') : watch ? 'watch' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      return undefined;
  }
  // exec, attach and portforward need `create` even over a websocket GET (as 1.30+ servers check).
  if (subresource && ['exec', 'attach', 'portforward'].includes(subresource)) verb = 'create';
  const info: RequestInfo = { verb, resource: res };
  if (subresource) info.subresource = subresource;
  if (namespace !== undefined) info.namespace = namespace;
  if (name !== undefined) info.name = name;
  return info;
}
