/**
 * OpenAPI v3, just enough for kubectl apply: the /openapi/v3 index pointing at api/v1, whose document
 * has the PATCH operations (with their group-version-kind and the `fieldValidation` query parameter,
 * which is how kubectl learns that the server validates fields, so it does not download schemas to
 * validate itself) and the kinds' schemas with their patch strategies. /openapi/v2 is not served
 * (kubectl needs it only when v3 is missing).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESOURCES, type Resource } from './store.js';
import { writeJSON } from './status.js';

const gvk = (kind: string) => [{ group: '', kind, version: 'v1' }];
const query = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const stringMap = { type: 'object', additionalProperties: { type: 'string', default: '' } };

const OBJECT_META = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    generateName: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
    managedFields: { type: 'array', items: { type: 'object' } },
    ownerReferences: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge' },
  },
};

const CONTAINER = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', default: '' },
    image: { type: 'string' },
    command: { type: 'array', items: { type: 'string', default: '' } },
    args: { type: 'array', items: { type: 'string', default: '' } },
    stdin: { type: 'boolean' },
    tty: { type: 'boolean' },
    ports: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge' },
    env: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' },
  },
};

function kindSchema(kind: string, props: Record<string, unknown>): unknown {
  return {
    type: 'object',
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')], default: {} }, ...props },
    'x-kubernetes-group-version-kind': gvk(kind),
  };
}

function pathsFor(resource: Resource): Record<string, unknown> {
  const r = RESOURCES[resource];
  const base = r.namespaced ? `/api/v1/namespaces/{namespace}/${resource}` : `/api/v1/${resource}`;
  const op = (action: string, extra: object = {}) => ({
    tags: ['core_v1'],
    operationId: `${action}${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref(`io.k8s.api.core.v1.${r.kind}`) } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: '', kind: r.kind, version: 'v1' },
    ...extra,
  });
  const writes = [query('dryRun'), query('fieldManager'), query('fieldValidation')];
  return {
    [base]: { get: op('list'), post: op('post', { parameters: writes }) },
    [`${base}/{name}`]: {
      get: op('get'),
      put: op('put', { parameters: writes }),
      patch: op('patch', { parameters: [...writes, { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }] }),
      delete: op('delete', { parameters: [query('dryRun')] }),
    },
  };
}

const CORE_V1 = JSON.stringify({
  openapi: '3.0.0',
  info: { title: 'Kubernetes', version: 'v1.32.4' },
  paths: Object.assign({}, ...(Object.keys(RESOURCES) as Resource[]).map(pathsFor)),
  components: {
    schemas: {
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': OBJECT_META,
      'io.k8s.api.core.v1.Container': CONTAINER,
      'io.k8s.api.core.v1.ConfigMap': kindSchema('ConfigMap', { data: stringMap, binaryData: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } }, immutable: { type: 'boolean' } }),
      'io.k8s.api.core.v1.Pod': kindSchema('Pod', {
        spec: {
          type: 'object',
          properties: { containers: { type: 'array', items: { allOf: [ref('io.k8s.api.core.v1.Container')], default: {} }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' }, nodeName: { type: 'string' } },
        },
        status: { type: 'object' },
      }),
      'io.k8s.api.core.v1.Namespace': kindSchema('Namespace', { spec: { type: 'object' }, status: { type: 'object' } }),
    },
  },
});
const HASH = createHash('sha512').update(CORE_V1).digest('hex').toUpperCase();

/** The top-level fields each kind has (what `fieldValidation=Strict` checks). */
export const KNOWN_FIELDS: Record<Resource, string[]> = {
  configmaps: ['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable'],
  pods: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
  namespaces: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
};

/** Answers an OpenAPI path and returns true, or returns false for any other path. */
export function serveOpenAPI(_req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path === '/openapi/v3') {
    writeJSON(res, { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${HASH}` } } });
    return true;
  }
  if (path === '/openapi/v3/api/v1') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(CORE_V1), Etag: `"${HASH}"` });
    res.end(CORE_V1);
    return true;
  }
  return false;
}
