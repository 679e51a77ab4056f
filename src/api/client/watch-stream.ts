/**
 * The client end of the auth API's watch stream (see ../watch-wire.ts): reads NDJSON lines from a
 * streamed response, turns them into events, consumes pings, and gives up on a connection that has
 * been silent for several ping intervals, so a dead auth server is noticed even without a reset.
 */
import type { IncomingMessage } from 'node:http';
import { ConnectionProblemError, TeleportError, errorFromWire } from '../errors.js';
import type { WatchEvent, WatchLine } from '../watch-wire.js';

/** A line missing for this many announced ping intervals means the connection is dead. */
const MISSED_PINGS = 3;
/** Silence allowed before the server announced its ping interval. */
const FIRST_LINE_MS = 30_000;

/** Options of `readWatchStream`. */
export interface WatchStreamOptions {
  signal?: AbortSignal;
  /** For messages: the server's address. */
  addr: string;
  /** Overrides the silence limit (tests). */
  idleMs?: number;
}

/**
 * The events of one watch response. Ends when `signal` aborts; throws ConnectionProblemError when
 * the stream breaks, goes silent or ends without being asked to, and the server's typed error when
 * it ended the stream with one (LimitExceededError: this watcher fell behind; re-sync and watch again).
 */
export async function* readWatchStream(res: IncomingMessage, opts: WatchStreamOptions): AsyncGenerator<WatchEvent> {
  let idleMs = opts.idleMs ?? FIRST_LINE_MS;
  let silent = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      res.destroy();
    }, idleMs);
    timer.unref();
  };
  const it = (res.setEncoding('utf8') as AsyncIterable<string>)[Symbol.asyncIterator]();
  let rest = '';
  try {
    for (;;) {
      // The timer runs only while waiting for the server: a consumer may take its time between events.
      arm();
      let r: IteratorResult<string>;
      try {
        r = await it.next();
      } finally {
        clearTimeout(timer);
      }
      if (r.done) break;
      const lines = (rest + r.value).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) {
        if (text === '') continue;
        const l = parseLine(text, opts.addr);
        if (l.type === 'ping') continue;
        if (l.type === 'init' && 'ping_interval_ms' in l && l.ping_interval_ms > 0 && opts.idleMs === undefined) idleMs = l.ping_interval_ms * MISSED_PINGS;
        yield l.type === 'init' ? { type: 'init' } : l;
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) return;
    if (err instanceof TeleportError) throw err;
    if (silent) throw new ConnectionProblemError(`the watch stream from ${opts.addr} went silent for ${idleMs} ms`, { cause: err });
    throw new ConnectionProblemError(`the watch stream from ${opts.addr} broke: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
    res.destroy();
  }
  if (opts.signal?.aborted) return;
  if (silent) throw new ConnectionProblemError(`the watch stream from ${opts.addr} went silent for ${idleMs} ms`);
  throw new ConnectionProblemError(`the auth server at ${opts.addr} ended the watch stream`);
}

function parseLine(text: string, addr: string): WatchLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ConnectionProblemError(`the watch stream from ${addr} carried a malformed line`, { cause: err });
  }
  const o = v as { type?: unknown; error?: { code?: string; message?: string } };
  if (o.type === undefined && o.error && typeof o.error === 'object') throw errorFromWire(o.error.code ?? 'internal', o.error.message ?? 'watch stream failed');
  if (o.type !== 'init' && o.type !== 'put' && o.type !== 'delete' && o.type !== 'ping') {
    throw new ConnectionProblemError(`the watch stream from ${addr} carried an event of unknown type ${JSON.stringify(o.type)}`);
  }
  if ((o.type === 'put' || o.type === 'delete') && !isHeader((o as { resource?: unknown }).resource)) {
    throw new ConnectionProblemError(`the watch stream from ${addr} carried a ${o.type} without a resource kind and name`);
  }
  return o as WatchLine;
}

function isHeader(r: unknown): boolean {
  const h = r as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
  return typeof h?.kind === 'string' && typeof h.metadata?.name === 'string';
}
