/**
 * The stand-in's object store: namespaces (cluster scope), pods and configmaps (namespaced), each
 * with a uid, creationTimestamp and a cluster-wide increasing resourceVersion, and watch events kept
 * so that a watch from a list's resourceVersion sees what changed after it (as etcd's watch does).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** The kinds the stand-in serves, by plural resource name. */
export const RESOURCES = {
  namespaces: { kind: 'Namespace', namespaced: false, singular: 'namespace', shortNames: ['ns'] },
  pods: { kind: 'Pod', namespaced: true, singular: 'pod', shortNames: ['po'] },
  configmaps: { kind: 'ConfigMap', namespaced: true, singular: 'configmap', shortNames: ['cm'] },
} as const;

/** One of the served resources. */
export type Resource = keyof typeof RESOURCES;

/** A watch event. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: Resource;
  object: KubeObject;
}

/** Thrown by the store; `code` is the HTTP status the API answers with. */
export class StoreError extends Error {
  constructor(
    readonly code: 404 | 409 | 410,
    message: string,
  ) {
    super(message);
  }
}

const HISTORY = 1000;

/** In-memory objects of the served resources. */
export class ObjectStore {
  private rv = 1;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: { rv: number; event: WatchEvent }[] = [];
  /** Emits `event` (WatchEvent) after each change. */
  readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  private key(resource: Resource, namespace: string | undefined, name: string): string {
    return `${resource}/${RESOURCES[resource].namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  /** The latest resourceVersion (what a list reports). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** One object, or undefined. */
  get(resource: Resource, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(this.key(resource, namespace, name));
    return o && structuredClone(o);
  }

  /** Objects of `resource`, in one namespace or all (namespace undefined), sorted by namespace and name. */
  list(resource: Resource, namespace?: string): KubeObject[] {
    const prefix = `${resource}/`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (namespace !== undefined && RESOURCES[resource].namespaced && o.metadata.namespace !== namespace) continue;
      out.push(structuredClone(o));
    }
    return out.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** Stores a new object; throws 409 when it exists, 404 when its namespace does not. */
  create(resource: Resource, obj: KubeObject): KubeObject {
    const ns = RESOURCES[resource].namespaced ? obj.metadata.namespace : undefined;
    if (RESOURCES[resource].namespaced && !this.objects.has(this.key('namespaces', undefined, ns ?? ''))) {
      throw new StoreError(404, `namespaces "${ns ?? ''}" not found`);
    }
    const k = this.key(resource, ns, obj.metadata.name);
    if (this.objects.has(k)) throw new StoreError(409, `${resource} "${obj.metadata.name}" already exists`);
    const stored = structuredClone(obj);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return this.put(resource, k, stored, 'ADDED');
  }

  /** Replaces an existing object (keeping uid and creationTimestamp); 404 when missing, 409 on a stale resourceVersion. */
  update(resource: Resource, obj: KubeObject): KubeObject {
    const k = this.key(resource, obj.metadata.namespace, obj.metadata.name);
    const old = this.objects.get(k);
    if (!old) throw new StoreError(404, `${resource} "${obj.metadata.name}" not found`);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw new StoreError(409, `Operation cannot be fulfilled on ${resource} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const stored = structuredClone(obj);
    stored.metadata.uid = old.metadata.uid;
    stored.metadata.creationTimestamp = old.metadata.creationTimestamp;
    return this.put(resource, k, stored, 'MODIFIED');
  }

  /** Deletes an object and returns it; 404 when missing. */
  delete(resource: Resource, namespace: string | undefined, name: string): KubeObject {
    const k = this.key(resource, namespace, name);
    const old = this.objects.get(k);
    if (!old) throw new StoreError(404, `${resource} "${name}" not found`);
    this.objects.delete(k);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record({ type: 'DELETED', resource, object: gone });
    return structuredClone(gone);
  }

  /** Events of `resource` after resourceVersion `since`; 410 Gone when history no longer reaches back that far. */
  eventsSince(resource: Resource, since: number): WatchEvent[] {
    if (this.history.length > 0 && this.history[0]!.rv > since + 1 && since < this.rv) {
      throw new StoreError(410, `too old resource version: ${since} (${this.history[0]!.rv - 1})`);
    }
    return this.history.filter((h) => h.rv > since && h.event.resource === resource).map((h) => structuredClone(h.event));
  }

  private put(resource: Resource, k: string, obj: KubeObject, type: WatchEvent['type']): KubeObject {
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, obj);
    this.record({ type, resource, object: structuredClone(obj) });
    return structuredClone(obj);
  }

  private record(event: WatchEvent): void {
    this.history.push({ rv: this.rv, event });
    if (this.history.length > HISTORY) this.history.shift();
    this.events.emit('event', event);
  }
}
