/**
 * The etcd backend (an HA choice: several auth servers share one etcd cluster), on `etcd3`. Items
 * live under `prefix` in byte order; revisions are etcd revisions; conditional writes are etcd
 * transactions comparing the key's mod_revision; expiring keys carry a lease. One etcd watch per
 * instance over the prefix feeds this process's watchers, so every instance sees every write.
 */
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import type { IKeyValue, IOptions, IRequestOp, IWatchResponse, Watcher as EtcdWatcher } from 'etcd3';
import { systemClock } from '../../api/clock.js';
import type { Clock } from '../../api/clock.js';
import { BadParameterError, ConnectionProblemError, TeleportError } from '../../api/errors.js';
import { silentLogger } from '../../log/index.js';
import type { Logger } from '../../log/index.js';
import { rangeEnd } from '../backend.js';
import type { Backend, Item, ItemInput, Lease, Watcher, WatchOptions } from '../backend.js';
import { ExpiryIndex } from '../expiry-index.js';
import { FeedCursor } from '../feed-cursor.js';
import { ConditionalWrites } from '../conditional-writes.js';
import { checkItem, checkKey, checkRange, isExpired } from '../key-order.js';
import { enforce, notFound, preconditions } from '../preconditions.js';
import type { Precondition } from '../preconditions.js';
import { DEFAULT_SWEEP_INTERVAL_MS, startSweeper } from '../sweeper.js';
import type { Sweeper } from '../sweeper.js';
import { WatchFanout } from '../watch-fanout.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { LeasePool } from './lease-pool.js';

/** Options for EtcdBackend.open, after teleport.yaml's `storage` section was validated. */
export interface EtcdBackendOptions {
  /** `peers`: client URLs, `https://host:2379` (or `http://` with `insecure`). */
  peers: string[];
  /**
   * `prefix`: every key is stored as prefix + key (a leading `/` is added when missing). As in
   * Teleport, clusters sharing one etcd need prefixes where none begins with another (`/a/` and `/b/`).
   */
  prefix: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCaFile?: string;
  /** `insecure`: no CA required (plain `http://` peers, or the system's roots). */
  insecure?: boolean;
  username?: string;
  /** Read from `password_file` by the caller. */
  password?: string;
  dialTimeoutMs?: number;
  /** `etcd_max_client_msg_size_bytes`: the largest request this client sends. */
  maxClientMsgSizeBytes?: number;
  clock?: Clock;
  sweepIntervalMs?: number;
  watchBufferLimit?: number;
  logger?: Logger;
}

/** Default time to reach etcd before an operation fails. */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000;
/** A write waits at most this long for its own event to reach local watchers. */
const WRITE_WAIT_MS = 3000;
const PAGE = 1000;
const WATCH_RETRY_MIN_MS = 100;
const WATCH_RETRY_MAX_MS = 2000;

interface Backoff {
  readonly duration: number;
  next(): Backoff;
}

/** Watch reconnect delays: doubling up to a cap, half of each random, so instances do not reconnect in step. */
function watchBackoff(ms: number): Backoff {
  return { duration: ms / 2 + (Math.random() * ms) / 2, next: () => watchBackoff(Math.min(ms * 2, WATCH_RETRY_MAX_MS)) };
}

interface Current {
  raw: IKeyValue;
  item: Item;
  live: boolean;
}

/** Checks the options the way Teleport does; throws BadParameterError naming the setting. */
export function checkEtcdOptions(o: EtcdBackendOptions): { prefix: string } {
  if (!o.prefix) throw new BadParameterError('etcd: missing "prefix" parameter');
  if (!o.peers || o.peers.length === 0) throw new BadParameterError('etcd: missing "peers" parameter');
  for (const p of o.peers) {
    if (!/^https?:\/\/[^/]+\/?$/.test(p)) throw new BadParameterError(`etcd: peer "${p}" must be a URL such as https://10.0.0.1:2379`);
  }
  if (!o.insecure && !o.tlsCaFile) throw new BadParameterError('etcd: missing "tls_ca_file" parameter');
  if (Boolean(o.tlsCertFile) !== Boolean(o.tlsKeyFile)) {
    throw new BadParameterError('etcd: "tls_cert_file" and "tls_key_file" go together');
  }
  return { prefix: o.prefix.startsWith('/') ? o.prefix : `/${o.prefix}` };
}

function readPem(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BadParameterError(`etcd: cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Turns client failures into ConnectionProblemError (an oversized request into BadParameterError). */
function toBackendError(err: unknown, what: string): unknown {
  if (err instanceof TeleportError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/request is too large|message larger than max/i.test(msg)) {
    return new BadParameterError(`etcd backend: ${what}: value too large for etcd (${msg})`, { cause: err });
  }
  return new ConnectionProblemError(`etcd backend: ${what}: ${msg}`, { cause: err });
}

/** A Backend on an etcd cluster under one key prefix. */
export class EtcdBackend extends ConditionalWrites implements Backend {
  readonly clock: Clock;
  private readonly prefix: Buffer;
  /** Every key of this backend is in [nsStart, nsEnd): those that begin with the prefix. */
  private readonly nsStart: Buffer;
  private readonly nsEnd: Buffer;
  private readonly fanout: WatchFanout;
  private readonly expiring = new ExpiryIndex<string>();
  private readonly leases: LeasePool;
  private readonly logger: Logger;
  private readonly cursor = new FeedCursor(0n);
  private etcdWatch: EtcdWatcher | undefined;
  private feedUp = false;
  private sweeper: Sweeper | undefined;
  private closed = false;
  private sweeping = false;

  private constructor(
    private readonly client: Etcd3,
    prefix: string,
    opts: EtcdBackendOptions,
  ) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.prefix = Buffer.from(prefix, 'utf8');
    this.nsStart = this.prefix;
    this.nsEnd = Buffer.from(rangeEnd(prefix), 'utf8');
    this.fanout = new WatchFanout({ bufferLimit: opts.watchBufferLimit });
    this.leases = new LeasePool(this.clock, async (ttl) => (await client.leaseClient.leaseGrant({ TTL: ttl })).ID);
  }

  /**
   * Connects, reads the expiring keys under the prefix and starts the watch. Throws
   * BadParameterError for invalid options or unreadable TLS files, ConnectionProblemError when no
   * peer answers within the dial timeout.
   */
  static async open(opts: EtcdBackendOptions): Promise<EtcdBackend> {
    const { prefix } = checkEtcdOptions(opts);
    const ca = readPem(opts.tlsCaFile, 'tls_ca_file');
    const cert = readPem(opts.tlsCertFile, 'tls_cert_file');
    const key = readPem(opts.tlsKeyFile, 'tls_key_file');
    const dialTimeout = opts.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    const options: IOptions = {
      hosts: opts.peers,
      dialTimeout,
      // Every call gives up after the dial timeout instead of waiting for a peer forever.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + dialTimeout }),
      grpcOptions: {
        'grpc.max_receive_message_length': -1,
        ...(opts.maxClientMsgSizeBytes ? { 'grpc.max_send_message_length': opts.maxClientMsgSizeBytes } : {}),
      },
    };
    options.faultHandling = { watchBackoff: watchBackoff(WATCH_RETRY_MIN_MS) };
    if (ca || cert) options.credentials = { rootCertificate: ca as Buffer, privateKey: key, certChain: cert };
    if (opts.username) options.auth = { username: opts.username, password: opts.password ?? '' };
    const client = new Etcd3(options);
    const b = new EtcdBackend(client, prefix, opts);
    try {
      await b.startFeed();
    } catch (err) {
      await b.close();
      throw toBackendError(err, `cannot reach ${opts.peers.join(', ')}`);
    }
    b.sweeper = startSweeper(opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, () => void b.sweep());
    return b;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConnectionProblemError('etcd backend is closed');
  }

  private enc(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key, 'utf8')]);
  }

  /** The etcd range for keys in [start, end), or undefined when it is empty. */
  private bounds(start: string, end: string): [Buffer, Buffer] | undefined {
    const lo = this.enc(start);
    const hi = this.enc(end);
    return Buffer.compare(lo, hi) < 0 ? [lo, hi] : undefined;
  }

  private dec(key: Buffer): string {
    return key.subarray(this.prefix.length).toString('utf8');
  }

  private current(raw: IKeyValue | undefined): Current | undefined {
    if (!raw) return undefined;
    const env = decodeEnvelope(raw.value);
    const item: Item = { key: this.dec(raw.key), value: env.value, revision: env.revision ?? raw.mod_revision };
    if (env.expires !== undefined) item.expires = env.expires;
    return { raw, item, live: !isExpired(env.expires, this.clock.now()) };
  }

  /** Runs one etcd call with errors mapped; `what` names the operation in messages. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    try {
      return await fn();
    } catch (err) {
      throw toBackendError(err, what);
    }
  }

  /** Waits until the watch delivered revision `rev` to local watchers (see FeedCursor). */
  private async delivered(rev: string): Promise<void> {
    if (this.feedUp) await this.cursor.waitFor(BigInt(rev), WRITE_WAIT_MS);
  }

  /**
   * Reads every key under the prefix (to learn which ones expire), then watches from the next
   * revision: nothing written in between is missed.
   */
  private async startFeed(): Promise<void> {
    this.expiring.clear();
    let revision: string | undefined;
    let from = this.nsStart;
    for (;;) {
      const res = await this.client.kv.range({ key: from, range_end: this.nsEnd, limit: PAGE, revision });
      revision ??= res.header.revision;
      for (const kv of res.kvs) this.track(kv);
      if (!res.more || res.kvs.length === 0) break;
      from = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
    this.cursor.advance(BigInt(revision));
    const start = (BigInt(revision) + 1n).toString();
    const w = await this.client.watch().inRange({ start: this.nsStart, end: this.nsEnd }).startRevision(start).create();
    this.etcdWatch = w;
    this.feedUp = true;
    w.on('data', (res: IWatchResponse) => this.onWatchData(res));
    w.on('disconnected', (err: Error) => {
      this.feedUp = false;
      if (!this.closed) this.logger.warn({ component: 'backend:etcd', error: err.message }, 'watch disconnected; resuming');
    });
    w.on('connected', () => {
      this.feedUp = true;
    });
    w.on('error', (err: Error) => this.onWatchLost(w, err));
  }

  private track(kv: IKeyValue): void {
    const cur = this.current(kv)!;
    this.expiring.set(cur.item.key, cur.item.expires, kv.mod_revision);
  }

  private onWatchData(res: IWatchResponse): void {
    if (this.closed) return;
    for (const ev of res.events) {
      if (ev.type === 'Delete') {
        const key = this.dec(ev.kv.key);
        this.expiring.delete(key);
        this.fanout.emit({ type: 'delete', key });
      } else {
        this.track(ev.kv);
        this.fanout.emit({ type: 'put', item: this.current(ev.kv)!.item });
      }
    }
    this.cursor.advance(BigInt(res.header.revision));
  }

  /** The watch was cancelled (history compacted past it): watchers restart, the feed starts over. */
  private onWatchLost(w: EtcdWatcher, err: Error): void {
    if (this.closed || this.etcdWatch !== w) return;
    this.logger.warn({ component: 'backend:etcd', error: err.message }, 'watch cancelled; watchers restart');
    this.etcdWatch = undefined;
    this.feedUp = false;
    this.fanout.closeAll();
    void w.cancel().catch(() => undefined);
    const retry = (): void => {
      if (this.closed) return;
      this.startFeed().catch((e: unknown) => {
        this.logger.warn({ component: 'backend:etcd', error: (e as Error).message }, 'cannot restart watch');
        setTimeout(retry, 1000).unref();
      });
    };
    retry();
  }

  /**
   * Reads `key`, lets `decide` turn its current state into one operation (or throw a typed error),
   * and commits that operation only if the key did not change meanwhile; retries on a race.
   */
  private async conditional(what: string, key: string, decide: (cur: Current | undefined) => Promise<IRequestOp>): Promise<string> {
    const k = this.enc(key);
    let raw = (await this.call(what, () => this.client.kv.range({ key: k }))).kvs[0];
    for (;;) {
      const cur = this.current(raw);
      const op = await decide(cur?.live ? cur : undefined);
      const res = await this.call(what, () =>
        this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: raw?.mod_revision ?? '0' }],
          success: [op],
          failure: [{ request_range: { key: k } }],
        }),
      );
      if (res.succeeded) {
        await this.delivered(res.header.revision);
        return res.header.revision;
      }
      raw = res.responses[0]?.response_range?.kvs[0];
    }
  }

  private async putOp(k: Buffer, item: ItemInput, revision?: string): Promise<IRequestOp> {
    const lease = await this.call('lease grant', () => this.leases.leaseFor(item.expires));
    const value = encodeEnvelope({ value: item.value, expires: item.expires, revision });
    return { request_put: { key: k, value, ...(lease ? { lease } : {}) } };
  }

  /** Writes `item` once `pre` holds for the key's current state (committed only if it did not change meanwhile). */
  protected async writeIf(what: string, item: ItemInput, pre: Precondition): Promise<Lease> {
    const k = this.enc(item.key);
    const revision = await this.conditional(what, item.key, async (cur) => {
      enforce(pre, cur?.item);
      return this.putOp(k, item);
    });
    return { key: item.key, revision };
  }

  /** Deletes the precondition's key once `pre` holds. */
  protected async removeIf(what: string, pre: Precondition): Promise<void> {
    await this.conditional(what, pre.key, async (cur) => {
      enforce(pre, cur?.item);
      return { request_delete_range: { key: cur!.raw.key } };
    });
  }

  async get(key: string): Promise<Item> {
    checkKey(key);
    const res = await this.call('get', () => this.client.kv.range({ key: this.enc(key) }));
    const cur = this.current(res.kvs[0]);
    if (!cur?.live) throw notFound(key);
    return cur.item;
  }

  async put(item: ItemInput): Promise<Lease> {
    checkItem(item);
    const op = (await this.putOp(this.enc(item.key), item)).request_put!;
    const res = await this.call('put', () => this.client.kv.put(op));
    await this.delivered(res.header.revision);
    return { key: item.key, revision: res.header.revision };
  }

  async deleteRange(startKey: string, endKey: string): Promise<void> {
    checkRange(startKey, endKey);
    this.ensureOpen();
    const range = this.bounds(startKey, endKey);
    if (!range) return;
    const res = await this.call('deleteRange', () => this.client.kv.deleteRange({ key: range[0], range_end: range[1] }));
    if (Number(res.deleted) > 0) await this.delivered(res.header.revision);
  }

  async getRange(startKey: string, endKey: string, limit?: number): Promise<Item[]> {
    checkRange(startKey, endKey, limit);
    this.ensureOpen();
    const out: Item[] = [];
    const range = this.bounds(startKey, endKey);
    if (!range) return out;
    let from = range[0];
    const end = range[1];
    const max = limit ? limit : Infinity;
    let revision: string | undefined;
    for (;;) {
      // Pages read at the first page's revision, so a range is one consistent snapshot.
      const page = Math.min(PAGE, Number.isFinite(max) ? max - out.length + 16 : PAGE);
      const res = await this.call('getRange', () => this.client.kv.range({ key: from, range_end: end, limit: page, revision }));
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        const cur = this.current(kv)!;
        if (cur.live) out.push(cur.item);
        if (out.length >= max) return out;
      }
      if (!res.more || res.kvs.length === 0) return out;
      from = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
  }

  async keepAlive(lease: Lease, expires: number): Promise<void> {
    const pre = preconditions.keepAlive(lease, expires);
    await this.conditional('keepAlive', lease.key, async (cur) => {
      enforce(pre, cur?.item);
      return this.putOp(cur!.raw.key, { ...cur!.item, expires }, cur!.item.revision);
    });
  }

  watch(options: WatchOptions): Watcher {
    this.ensureOpen();
    return this.fanout.watch(options);
  }

  /**
   * Deletes the keys whose expiry passed on the clock, each only if unchanged since its expiring
   * version was seen; watchers hear of it through the etcd watch. Several instances may race here:
   * one delete wins. Called by the sweeper; safe to call directly.
   */
  async sweep(): Promise<void> {
    if (this.closed || this.sweeping) return;
    const due = this.expiring.due(this.clock.now());
    if (due.length === 0) return;
    this.sweeping = true;
    try {
      for (const d of due) {
        if (this.closed) return;
        const k = this.enc(d.key);
        const res = await this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: d.token }],
          success: [{ request_delete_range: { key: k } }],
        });
        // Lost to a newer write: the watch brings the key's new state; stop trying this version.
        if (res.succeeded) this.expiring.delete(d.key);
        else this.expiring.forget(d.key, d.token);
      }
    } catch (err) {
      if (!this.closed) this.logger.warn({ component: 'backend:etcd', error: (err as Error).message }, 'expiry sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper?.stop();
    this.fanout.closeAll();
    this.cursor.close();
    const w = this.etcdWatch;
    this.etcdWatch = undefined;
    await w?.cancel().catch(() => undefined);
    this.client.close();
  }
}
