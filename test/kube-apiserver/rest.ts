/**
 * The REST verbs on pods, configmaps and namespaces: get, list (JSON or Table), watch (a stream of
 * JSON events from a resourceVersion), create, update, patch (merge and strategic merge, which are the
 * same for these kinds) and delete, with the API server's validation messages and Status errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from './request-info.js';
import { KNOWN_FIELDS } from './openapi.js';
import { alreadyExists, badRequest, failure, notFound, writeJSON, writeStatus } from './status.js';
import { RESOURCES, StoreError, type KubeObject, type ObjectStore, type WatchEvent } from './store.js';
import { TABLE_TYPE, toTable, wantsTable } from './table.js';

/** The largest request body the server reads (the real server's 3 MiB). */
export const MAX_BODY = 3 * 1024 * 1024;

/** Reads the body as JSON, or answers 413/400 and returns undefined. */
export async function readJSON(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  // The real server also reads protobuf (what `kubectl create <kind>`'s typed client sends); the stand-in
  // reads JSON only and says so as the server does for a type it does not know.
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  if (!['application/json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].includes(type)) {
    writeStatus(res, failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/strategic-merge-patch+json`));
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) {
      writeStatus(res, failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY}`));
      req.destroy();
      return undefined;
    }
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    writeStatus(res, badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message}`));
    return undefined;
  }
}

function storeError(res: ServerResponse, e: unknown): void {
  if (!(e instanceof StoreError)) throw e;
  const reason = e.code === 404 ? 'NotFound' : e.code === 410 ? 'Expired' : /already exists/.test(e.message) ? 'AlreadyExists' : 'Conflict';
  writeStatus(res, failure(e.code, reason, e.message));
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function validate(info: RequestInfo, body: unknown, res: ServerResponse, strict = false): KubeObject | undefined {
  const r = RESOURCES[info.resource];
  const o = body as KubeObject;
  if (!o || typeof o !== 'object' || typeof o.metadata !== 'object' || o.metadata === null) {
    writeStatus(res, badRequest('Object has no metadata'));
    return undefined;
  }
  const unknown = strict ? Object.keys(o).filter((k) => !KNOWN_FIELDS[info.resource].includes(k)) : [];
  if (unknown.length > 0) {
    writeStatus(res, badRequest(`${r.kind} in version "v1" cannot be handled as a ${r.kind}: strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`));
    return undefined;
  }
  if (o.kind !== r.kind || o.apiVersion !== 'v1') {
    writeStatus(res, badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (v1)`));
    return undefined;
  }
  if (r.namespaced) {
    if (o.metadata.namespace !== undefined && o.metadata.namespace !== info.namespace) {
      writeStatus(res, badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      return undefined;
    }
    o.metadata.namespace = info.namespace;
  }
  const name = o.metadata.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    const msg = typeof name === 'string' && name !== ''
      ? `${r.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`
      : `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`;
    writeStatus(res, failure(422, 'Invalid', msg, { name: typeof name === 'string' ? name : '', kind: r.kind }));
    return undefined;
  }
  if (info.name !== undefined && info.name !== name) {
    writeStatus(res, badRequest(`the name of the object (${name}) does not match the name on the URL (${info.name})`));
    return undefined;
  }
  return o;
}

/** Serves one resource request (RBAC already passed). `defaults` fills a created pod's spec/status. */
export async function serveREST(
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  query: URLSearchParams,
  store: ObjectStore,
  defaults: (info: RequestInfo, o: KubeObject) => KubeObject,
): Promise<void> {
  const dryRun = query.getAll('dryRun').includes('All');
  const strict = query.get('fieldValidation') === 'Strict';
  try {
    switch (info.verb) {
      case 'get': {
        const o = store.get(info.resource, info.namespace, info.name!);
        if (!o) return writeStatus(res, notFound(info.resource, info.name!));
        if (wantsTable(req)) return writeJSON(res, toTable(info.resource, [o], o.metadata.resourceVersion ?? ''), 200, TABLE_TYPE);
        return writeJSON(res, o);
      }
      case 'list': {
        const items = store.list(info.resource, info.namespace);
        const rv = store.resourceVersion;
        if (wantsTable(req)) return writeJSON(res, toTable(info.resource, items, rv), 200, TABLE_TYPE);
        return writeJSON(res, { kind: `${RESOURCES[info.resource].kind}List`, apiVersion: 'v1', metadata: { resourceVersion: rv }, items });
      }
      case 'watch':
        return watch(req, res, info, query, store);
      case 'create': {
        const o = validate(info, await readJSON(req, res), res, strict);
        if (!o) return;
        if (dryRun) {
          if (store.get(info.resource, info.namespace, o.metadata.name)) return writeStatus(res, alreadyExists(info.resource, o.metadata.name));
          return writeJSON(res, defaults(info, o), 201);
        }
        return writeJSON(res, store.create(info.resource, defaults(info, o)), 201);
      }
      case 'update': {
        const o = validate(info, await readJSON(req, res), res, strict);
        if (!o) return;
        return writeJSON(res, dryRun ? o : store.update(info.resource, o));
      }
      case 'patch': {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
          return writeStatus(res, failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`));
        }
        const patch = await readJSON(req, res);
        if (patch === undefined) return;
        const old = store.get(info.resource, info.namespace, info.name!);
        if (!old) return writeStatus(res, notFound(info.resource, info.name!));
        const next = mergePatch(old, patch) as KubeObject;
        if (!validate(info, next, res, strict)) return;
        next.metadata.resourceVersion = old.metadata.resourceVersion;
        return writeJSON(res, dryRun ? next : store.update(info.resource, next));
      }
      case 'delete': {
        if (dryRun) {
          const o = store.get(info.resource, info.namespace, info.name!);
          return o ? writeJSON(res, o) : writeStatus(res, notFound(info.resource, info.name!));
        }
        const gone = store.delete(info.resource, info.namespace, info.name!);
        if (info.resource === 'pods') return writeJSON(res, gone);
        return writeJSON(res, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: gone.metadata.name, kind: info.resource, uid: gone.metadata.uid } });
      }
      default:
        return writeStatus(res, failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
    }
  } catch (e) {
    storeError(res, e);
  }
}

function watch(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: ObjectStore): void {
  const table = wantsTable(req);
  const matches = (e: WatchEvent) =>
    e.resource === info.resource &&
    (info.namespace === undefined || e.object.metadata.namespace === info.namespace) &&
    (info.name === undefined || e.object.metadata.name === info.name) &&
    fieldSelector(query.get('fieldSelector'), e.object);
  const since = query.get('resourceVersion');
  let backlog: WatchEvent[];
  if (since && since !== '0') backlog = store.eventsSince(info.resource, Number(since));
  else backlog = store.list(info.resource, info.namespace).map((object) => ({ type: 'ADDED' as const, resource: info.resource, object }));
  res.writeHead(200, { 'Content-Type': table ? TABLE_TYPE : 'application/json', 'Transfer-Encoding': 'chunked' });
  const send = (e: WatchEvent) => {
    if (!matches(e)) return;
    const object = table ? toTable(info.resource, [e.object], e.object.metadata.resourceVersion ?? '') : e.object;
    res.write(`${JSON.stringify({ type: e.type, object })}\n`);
  };
  backlog.forEach(send);
  store.events.on('event', send);
  const timeout = Number(query.get('timeoutSeconds') ?? '1800');
  const timer = setTimeout(() => res.end(), Math.max(1, timeout) * 1000);
  res.on('close', () => {
    clearTimeout(timer);
    store.events.off('event', send);
  });
}

/** `metadata.name=x` and `metadata.namespace=y` field selectors (what kubectl uses for a single-object watch). */
function fieldSelector(sel: string | null, o: KubeObject): boolean {
  if (!sel) return true;
  return sel.split(',').every((term) => {
    const [k, v] = term.split('=') as [string, string | undefined];
    if (k === 'metadata.name') return o.metadata.name === v;
    if (k === 'metadata.namespace') return o.metadata.namespace === v;
    return true;
  });
}
