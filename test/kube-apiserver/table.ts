/**
 * Server-side printing: the meta.k8s.io/v1 `Table` the API server returns when kubectl's Accept
 * header asks for `as=Table` (kubectl prints its columns as they come; the NAMESPACE column of
 * `-A` comes from each row's PartialObjectMetadata).
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject, Resource } from './store.js';

/** The content type of a Table answer. */
export const TABLE_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** Whether the request's Accept header asks for a Table. */
export function wantsTable(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').split(',').some((a) => /as=Table/.test(a) && /g=meta\.k8s\.io/.test(a));
}

/** Go's `duration.HumanDuration`, which the server uses for AGE. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}

const col = (name: string, type: string, description: string, priority = 0, format = '') => ({ name, type, format, description, priority });
const NAME = col('Name', 'string', 'Name must be unique within a namespace.');
const AGE = col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
NAME.format = 'name';

const COLUMNS: Record<Resource, ReturnType<typeof col>[]> = {
  pods: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
  ],
  configmaps: [NAME, col('Data', 'string', 'Data contains the configuration data.'), AGE],
  namespaces: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
};

function cells(resource: Resource, o: KubeObject, now: number): unknown[] {
  const age = o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>';
  if (resource === 'pods') {
    const spec = (o.spec ?? {}) as { containers?: unknown[]; nodeName?: string };
    const status = (o.status ?? {}) as { phase?: string; podIP?: string; containerStatuses?: { ready?: boolean; restartCount?: number }[] };
    const total = spec.containers?.length ?? 0;
    const ready = (status.containerStatuses ?? []).filter((c) => c.ready).length;
    const restarts = (status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
    return [o.metadata.name, `${ready}/${total}`, status.phase ?? 'Pending', String(restarts), age, status.podIP ?? '<none>', spec.nodeName ?? '<none>'];
  }
  if (resource === 'configmaps') {
    const n = Object.keys((o.data ?? {}) as object).length + Object.keys((o.binaryData ?? {}) as object).length;
    return [o.metadata.name, n, age];
  }
  return [o.metadata.name, ((o.status ?? {}) as { phase?: string }).phase ?? 'Active', age];
}

/** A Table of `objects` (one row each, with PartialObjectMetadata) at list resourceVersion `rv`. */
export function toTable(resource: Resource, objects: KubeObject[], rv: string): unknown {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: rv },
    columnDefinitions: COLUMNS[resource],
    rows: objects.map((o) => ({
      cells: cells(resource, o, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
