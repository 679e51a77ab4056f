/**
 * The audit of application sessions on one agent, with Teleport's names and codes:
 * `app.session.start` (T2007I) when a session's first request or connection reaches this agent,
 * `app.session.chunk` (T2008I) with the method, path, query and status of the requests since the
 * last chunk (batched: flushed every few seconds, at a size bound, and at the end), and
 * `app.session.end` (T2011I) once the session has been idle (no request in flight, no websocket or
 * TCP connection open) for a grace period; activity after that starts it again.
 */
import { randomUUID } from 'node:crypto';
import type { AppHello } from '../api/app-wire.js';
import { auditEvent, type AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';

/** One request as a chunk records it. */
export interface AppRequestRecord {
  method: string;
  path: string;
  raw_query: string;
  status_code: number;
  time: string;
}

/** What the audit needs to know of the app. */
export interface AuditedApp {
  name: string;
  uri: string;
  publicAddr: string;
}

/** Options of the session audit. */
export interface AppAuditOptions {
  emitter: AuditEmitter;
  serverId: string;
  hostname: string;
  logger: Logger;
  /** How often pending requests are flushed as a chunk; default 5 s. */
  chunkMs?: number;
  /** Requests in one chunk at most. */
  chunkMax?: number;
  /** How long an idle session waits before its end is recorded; default 5 s. */
  endGraceMs?: number;
}

interface Tracked {
  hello: AppHello;
  app: AuditedApp;
  open: number;
  pending: AppRequestRecord[];
  flushTimer?: NodeJS.Timeout;
  endTimer?: NodeJS.Timeout;
}

/** The sessions this agent has seen, by session ID. Emit failures are logged, never thrown. */
export class AppAudit {
  private readonly sessions = new Map<string, Tracked>();

  constructor(private readonly o: AppAuditOptions) {}

  /** A request, websocket or TCP connection of the session began: the session starts on the first. */
  begin(hello: AppHello, app: AuditedApp): void {
    let s = this.sessions.get(hello.session_id);
    if (!s) {
      s = { hello, app, open: 0, pending: [] };
      this.sessions.set(hello.session_id, s);
      this.emit(auditEvent('app.session.start', 'T2007I', { ...this.common(s), public_addr: hello.public_addr, success: true }));
    }
    if (s.endTimer) clearTimeout(s.endTimer);
    s.endTimer = undefined;
    s.open++;
  }

  /** A request of the session was answered. */
  request(sessionId: string, r: AppRequestRecord): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    s.pending.push(r);
    if (s.pending.length >= (this.o.chunkMax ?? 100)) return this.flush(s);
    s.flushTimer ??= setTimeout(() => this.flush(s), this.o.chunkMs ?? 5_000).unref();
  }

  /** A request, websocket or TCP connection of the session finished: with none left, the end is recorded after the grace period. */
  finish(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    s.open = Math.max(0, s.open - 1);
    if (s.open > 0) return;
    s.endTimer = setTimeout(() => this.end(s), this.o.endGraceMs ?? 5_000).unref();
  }

  /** Records every session's pending chunk and end (the agent stops). */
  closeAll(): void {
    for (const s of [...this.sessions.values()]) this.end(s);
  }

  private end(s: Tracked): void {
    if (s.endTimer) clearTimeout(s.endTimer);
    this.flush(s);
    this.sessions.delete(s.hello.session_id);
    this.emit(auditEvent('app.session.end', 'T2011I', { ...this.common(s), public_addr: s.hello.public_addr }));
  }

  private flush(s: Tracked): void {
    if (s.flushTimer) clearTimeout(s.flushTimer);
    s.flushTimer = undefined;
    if (s.pending.length === 0) return;
    const requests = s.pending.splice(0);
    this.emit(auditEvent('app.session.chunk', 'T2008I', { ...this.common(s), session_chunk_id: randomUUID(), requests }));
  }

  private common(s: Tracked): Record<string, unknown> {
    return {
      sid: s.hello.session_id,
      user: s.hello.user,
      server_id: this.o.serverId,
      server_hostname: this.o.hostname,
      'addr.remote': s.hello.client_addr,
      app_name: s.app.name,
      app_uri: s.app.uri,
      app_public_addr: s.app.publicAddr,
    };
  }

  private emit(ev: ReturnType<typeof auditEvent>): void {
    this.o.emitter.emit(ev).catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message, event: ev.event }, 'could not record an app audit event'));
  }
}
