/**
 * How nodes and proxies in other processes record events: through the auth API (`POST /v1/events`),
 * in the background. Events queue in a bounded buffer and go out in batches; a batch the auth server
 * cannot be reached for is retried a few times, then dropped with an error in the log — the actions
 * being recorded never wait for the auth server (Teleport's asynchronous emitter does the same).
 */
import type { AuditEventInput } from '../api/audit-wire.js';
import { MAX_EMIT_BATCH } from '../api/audit-wire.js';
import type { Clock } from '../api/clock.js';
import { errorCode } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import type { AuditEmitter } from './audit-log.js';
import { completeEvent } from './event.js';

/** The narrow view of the auth client this needs. */
export interface EventSender {
  emitAuditEvents(events: AuditEventInput[]): Promise<void>;
}

/** Options of a RemoteEmitter. */
export interface RemoteEmitterOptions {
  sender: EventSender;
  clock: Clock;
  logger: Logger;
  /** Events waiting at most; more are dropped (default 1024). */
  bufferLimit?: number;
  /** Real-time waits before each retry of a failed batch (default 0.5 s, 2 s, 5 s). */
  retryDelaysMs?: number[];
}

interface Pending {
  event: AuditEventInput;
  done: () => void;
}

/** Sends events to the auth server in the background. `close()` flushes for a moment, safe twice. */
export class RemoteEmitter implements AuditEmitter {
  private readonly queue: Pending[] = [];
  private sending?: Promise<void>;
  private closed = false;
  /** Set by close(): retries stop waiting and give up. */
  private closing = false;
  private retryTimer?: { timer: NodeJS.Timeout; wake: () => void };
  private dropped = 0;

  constructor(private readonly opts: RemoteEmitterOptions) {}

  /** Queues the event (stamped with uid and time here, where it happened); settles once sent or dropped. */
  emit(input: AuditEventInput): Promise<void> {
    const event = completeEvent(input, this.opts.clock);
    if (this.closed || this.queue.length >= (this.opts.bufferLimit ?? 1024)) {
      this.dropped++;
      this.opts.logger.error({ event: event.event, uid: event.uid, dropped: this.dropped }, 'audit event buffer is full or closed: event dropped');
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.queue.push({ event, done });
      this.kick();
    });
  }

  /** Starts the sender unless it runs; it restarts itself for events queued while it was finishing. */
  private kick(): void {
    if (this.sending) return;
    this.sending = (async () => {
      try {
        await this.drain();
      } finally {
        this.sending = undefined;
        if (this.queue.length > 0 && !this.closed) this.kick();
      }
    })();
  }

  /** Waits up to `timeoutMs` for queued events to go out, then stops accepting more. */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer.timer);
      this.retryTimer.wake();
    }
    const pending = this.sending;
    if (pending) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    for (const p of this.queue.splice(0)) p.done();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_EMIT_BATCH);
      await this.sendWithRetries(batch.map((p) => p.event));
      for (const p of batch) p.done();
    }
  }

  private async sendWithRetries(events: AuditEventInput[]): Promise<void> {
    const delays = this.opts.retryDelaysMs ?? [500, 2000, 5000];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.sender.emitAuditEvents(events);
        return;
      } catch (err) {
        const code = errorCode(err);
        // A refusal will not change on retry: the events are wrong for this host.
        const retryable = code === 'connection_problem' || code === 'internal' || code === 'limit_exceeded';
        if (!retryable || attempt >= delays.length || this.closing) {
          this.opts.logger.error({ err: (err as Error).message, code, count: events.length, first: events[0]?.event }, 'audit events could not be sent to the auth server: dropped');
          return;
        }
        await new Promise<void>((wake) => (this.retryTimer = { timer: setTimeout(wake, delays[attempt]), wake }));
        this.retryTimer = undefined;
      }
    }
  }
}
