/**
 * For tests: an auth server stand-in with a watch feed and list calls whose state, reachability and
 * open streams the test controls (test-only; not exported from the folder).
 */
import { ConnectionProblemError } from '../../api/errors.js';
import { watchKey, type WatchEvent, type WatchedResource } from '../../api/watch-wire.js';

/** One open watch stream: events pushed by the test, ended by `fail` or the consumer's abort. */
class Stream {
  private queue: (WatchEvent | Error)[] = [{ type: 'init' }];
  private wake?: () => void;

  push(e: WatchEvent | Error): void {
    this.queue.push(e);
    this.wake?.();
  }

  async *events(signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (signal.aborted) return;
        const e = this.queue.shift();
        if (e instanceof Error) throw e;
        if (e) {
          yield e;
          continue;
        }
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/** The stand-in. `down` refuses watches and loads; `breakAll()` fails every open stream. */
export class FakeWatchAuth {
  down = false;
  watchCalls = 0;
  loadCalls = 0;
  readonly state = new Map<string, WatchedResource>();
  private readonly streams = new Set<Stream>();

  /** Changes the state and tells every open stream. */
  put(r: WatchedResource): void {
    this.state.set(watchKey(r), r);
    for (const s of this.streams) s.push({ type: 'put', resource: r });
  }

  remove(kind: string, name: string, subKind?: string): void {
    const h = { kind, ...(subKind !== undefined && { sub_kind: subKind }), metadata: { name } };
    this.state.delete(watchKey(h));
    for (const s of this.streams) s.push({ type: 'delete', resource: h });
  }

  /** Changes the state without telling the streams (a change made while a watcher was away). */
  putQuietly(r: WatchedResource): void {
    this.state.set(watchKey(r), r);
  }

  breakAll(): void {
    for (const s of this.streams) s.push(new ConnectionProblemError('connection reset'));
    this.streams.clear();
  }

  get open(): number {
    return this.streams.size;
  }

  watch = (_kinds: readonly string[], opts: { signal: AbortSignal }): AsyncIterable<WatchEvent> => {
    this.watchCalls++;
    if (this.down) {
      return (async function* (): AsyncGenerator<WatchEvent> {
        throw new ConnectionProblemError('connection refused');
      })();
    }
    const s = new Stream();
    this.streams.add(s);
    opts.signal.addEventListener('abort', () => this.streams.delete(s));
    return s.events(opts.signal);
  };

  load = async (kind: string): Promise<WatchedResource[]> => {
    this.loadCalls++;
    if (this.down) throw new ConnectionProblemError('connection refused');
    return [...this.state.values()].filter((r) => r.kind === kind);
  };
}

/** A node resource as the cache sees it. */
export const node = (name: string, labels: Record<string, string> = {}): WatchedResource => ({ kind: 'node', metadata: { name, labels }, spec: { hostname: name } }) as WatchedResource;
