/**
 * Watch streams for proxies and agents (see api/watch-wire.ts): a backend watcher on the prefixes of
 * the requested kinds, its changes turned into resource events the caller may read, with pings
 * while nothing happens. Authorization is per kind with the caller's rules (`list` and `read`;
 * `read_no_secrets` for cert authorities, which are always sent without private keys); a user's
 * node events are filtered by the node labels its roles reach, deletes included.
 */
import { AccessDeniedError, BadParameterError, ConnectionProblemError } from '../api/errors.js';
import type { CertAuthority, Node } from '../api/types/index.js';
import { nodeLabels } from '../api/types/index.js';
import { WATCH_KINDS, type ResourceHeader, type WatchLine } from '../api/watch-wire.js';
import type { BackendEvent } from '../backend/index.js';
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import { decodeItem, prefixesOfKind, refOfKey, type KeyRef, type Services } from '../services/index.js';
import { withoutSecrets } from './authorities.js';
import { authorize, type Caller } from './caller.js';

/** How often an idle stream sends a ping line. */
export const WATCH_PING_MS = 10_000;

/** Options of the watch streams; `after` schedules pings (tests inject it). */
export interface ResourceWatchesOptions {
  services: Services;
  pingMs?: number;
  after?: (ms: number, cb: () => void) => () => void;
  logger?: Logger;
}

const realAfter = (ms: number, cb: () => void): (() => void) => {
  const t = setTimeout(cb, ms);
  t.unref();
  return () => clearTimeout(t);
};

/** The open watch streams of one auth server. */
export class ResourceWatches {
  private readonly streams = new Set<AbortController>();
  private closed = false;

  constructor(private readonly opts: ResourceWatchesOptions) {}

  /** Number of open streams (for tests and metrics). */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Checks the request, then returns the stream's lines (NDJSON, one event a line). Throws
   * BadParameterError for an empty or unknown kind, AccessDeniedError when the caller may not read
   * one of them, ConnectionProblemError once closed. The stream ends when `signal` aborts; it throws
   * LimitExceededError when the consumer fell too far behind, ConnectionProblemError on shutdown.
   */
  open(caller: Caller, kinds: string[], signal?: AbortSignal): AsyncIterable<Buffer> {
    if (this.closed) throw new ConnectionProblemError('the auth server is shutting down');
    const wanted = [...new Set(kinds.map((k) => k.trim()).filter(Boolean))];
    if (wanted.length === 0) throw new BadParameterError(`a watch needs at least one kind in "kinds" (one of ${WATCH_KINDS.join(', ')})`);
    for (const k of wanted) {
      if (!(WATCH_KINDS as readonly string[]).includes(k)) throw new BadParameterError(`kind "${k}" cannot be watched (supported: ${WATCH_KINDS.join(', ')})`);
      try {
        authorize(caller, k, 'list');
        authorize(caller, k, k === 'cert_authority' ? 'read_no_secrets' : 'read');
      } catch (err) {
        throw new AccessDeniedError(`access denied to watch ${k}: ${(err as Error).message}`, { cause: err });
      }
    }
    return this.lines(caller, wanted, signal);
  }

  /** Ends every open stream (with a ConnectionProblemError line) and refuses new ones. Safe twice. */
  close(): void {
    this.closed = true;
    for (const s of [...this.streams]) s.abort();
  }

  private async *lines(caller: Caller, kinds: string[], signal?: AbortSignal): AsyncGenerator<Buffer> {
    const { services } = this.opts;
    const pingMs = this.opts.pingMs ?? WATCH_PING_MS;
    const after = this.opts.after ?? realAfter;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.streams.add(stop);
    const watcher = services.backend.watch({ prefixes: kinds.flatMap((k) => prefixesOfKind(k) ?? []), signal: stop.signal });
    const it = watcher[Symbol.asyncIterator]();
    const filter = new NodeFilter(caller, services);
    const wanted = new Set(kinds);
    try {
      let next = it.next();
      for (;;) {
        let cancel = (): void => undefined;
        const ping = new Promise<'ping'>((resolve) => (cancel = after(pingMs, () => resolve('ping'))));
        const r = await Promise.race([next, ping]);
        cancel();
        if (r === 'ping') {
          yield line({ type: 'ping' });
          continue;
        }
        if (r.done) break;
        if (r.value.type === 'init') await filter.seed(wanted.has('node'));
        next = it.next();
        const out = this.translate(r.value, wanted, filter, pingMs);
        if (out) yield line(out);
      }
      if (watcher.error) throw watcher.error;
      if (this.closed && !signal?.aborted) throw new ConnectionProblemError('the auth server is shutting down');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.streams.delete(stop);
      watcher.close();
    }
  }

  private translate(ev: BackendEvent, wanted: Set<string>, filter: NodeFilter, pingMs: number): WatchLine | undefined {
    if (ev.type === 'init') return { type: 'init', ping_interval_ms: pingMs };
    const ref = refOfKey(ev.type === 'put' ? ev.item.key : ev.key);
    if (!ref || !wanted.has(ref.kind)) return undefined;
    if (ev.type === 'delete') return filter.deleted(ref) ? { type: 'delete', resource: header(ref) } : undefined;
    let resource: { kind: string; metadata: { name: string } };
    try {
      resource = decodeItem(ev.item);
    } catch (err) {
      // A value no reader could use is skipped, as a list would fail on it; the log names it.
      (this.opts.logger ?? silentLogger).warn({ key: ev.item.key, err: (err as Error).message }, 'watch skipped an invalid stored resource');
      return undefined;
    }
    if (ref.kind === 'cert_authority') return { type: 'put', resource: withoutSecrets(resource as CertAuthority) as never };
    if (ref.kind === 'node') {
      const seen = filter.put(resource as Node);
      if (seen === 'hidden') return undefined;
      if (seen === 'gone') return { type: 'delete', resource: header(ref) };
    }
    return { type: 'put', resource: resource as never };
  }
}

const line = (l: WatchLine): Buffer => Buffer.from(JSON.stringify(l) + '\n');

function header(ref: KeyRef): ResourceHeader {
  return { kind: ref.kind, ...(ref.subKind !== undefined && { sub_kind: ref.subKind }), metadata: { name: ref.name } };
}

/**
 * Which nodes a user's stream has shown: a user sees puts of the nodes its roles reach, a delete
 * when one it saw goes away or out of reach, and nothing of the others. Hosts see every node.
 */
class NodeFilter {
  private visible?: Set<string>;

  constructor(
    private readonly caller: Caller,
    private readonly services: Services,
  ) {}

  /** Called at `init`: remembers which existing nodes the user may see (their later deletes are shown). */
  async seed(watchingNodes: boolean): Promise<void> {
    if (!watchingNodes || this.caller.systemRole) return;
    this.visible = new Set((await this.services.nodes.list()).filter((n) => this.reaches(n)).map((n) => n.metadata.name));
  }

  put(n: Node): 'shown' | 'hidden' | 'gone' {
    if (!this.visible) return 'shown';
    const name = n.metadata.name;
    if (this.reaches(n)) {
      this.visible.add(name);
      return 'shown';
    }
    return this.visible.delete(name) ? 'gone' : 'hidden';
  }

  deleted(ref: KeyRef): boolean {
    if (ref.kind !== 'node' || !this.visible) return true;
    return this.visible.delete(ref.name);
  }

  private reaches(n: Node): boolean {
    return this.caller.checker.canSeeNode({ labels: nodeLabels(n) });
  }
}
