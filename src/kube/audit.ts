/**
 * The audit events of the Kubernetes service, with Teleport's names, codes and fields:
 * `kube.request` (T3009I) for every request but exec and attach (verb, request_path,
 * response_code, the resource), `exec` (T3002I; T3002E when refused or when the command exited
 * non-zero, with its exit code) for exec, and `session.start` / `session.end` (T2000I / T2004I,
 * proto kube, `interactive` and `initial_command`) around an exec or attach that got its stream,
 * with a TTY or without (Teleport audits both; only a TTY's is recorded). Emit failures are logged, never thrown into the relay.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { auditEvent, type AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { Impersonation } from './impersonation.js';
import type { RequestInfo } from './request-info.js';
import type { KubeHello } from './wire.js';

/** What the audit needs of a request's connection. */
export interface AuditedConn {
  hello: KubeHello;
  cluster: { name: string; labels: Record<string, string> };
}

/** How an exec's command ended, as the API server's status said; undefined when the stream ended without one. */
export interface ExecExit {
  code: number;
  error?: string;
}

/** An exec or attach session underway. */
export interface KubeSession {
  id: string;
  /** Emits `exec` (an exec's command, exit code and error) and `session.end`; safe twice. */
  end(exit?: ExecExit): Promise<void>;
}

/** The pod fields of an exec or attach request. */
export function podFields(info: RequestInfo, url: string): Record<string, unknown> {
  const q = new URL(url, 'http://x').searchParams;
  return {
    kubernetes_pod_name: info.name,
    kubernetes_pod_namespace: info.namespace,
    kubernetes_container_name: q.get('container') ?? '',
  };
}

/** The command of an exec request (its `command` parameters), or '' for attach. */
export function execCommand(url: string): string {
  return new URL(url, 'http://x').searchParams.getAll('command').join(' ');
}

/** Whether an exec or attach asked for a TTY. */
export function wantsTTY(url: string): boolean {
  const v = new URL(url, 'http://x').searchParams.get('tty');
  return v === 'true' || v === '1';
}

/** Emits the events of one agent. */
export class KubeAudit {
  constructor(private readonly o: { emitter: AuditEmitter; serverId: string; hostname: string; logger: Logger }) {}

  private common(conn: AuditedConn, imp: Impersonation | undefined): Record<string, unknown> {
    return {
      user: conn.hello.user,
      login: conn.hello.user,
      server_id: this.o.serverId,
      server_hostname: this.o.hostname,
      'addr.remote': conn.hello.client_addr,
      proto: 'kube',
      kubernetes_cluster: conn.cluster.name,
      kubernetes_labels: conn.cluster.labels,
      ...(imp && { kubernetes_users: [imp.user], kubernetes_groups: imp.groups }),
    };
  }

  private async emit(ev: ReturnType<typeof auditEvent>): Promise<void> {
    try {
      await this.o.emitter.emit(ev);
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message, event: ev.event }, 'could not record a Kubernetes audit event');
    }
  }

  /** `kube.request` of a request answered with `code`. */
  request(conn: AuditedConn, req: IncomingMessage, info: RequestInfo, code: number, imp?: Impersonation, error?: string): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    return this.emit(
      auditEvent('kube.request', 'T3009I', {
        ...this.common(conn, imp),
        verb: req.method ?? '',
        request_path: path,
        response_code: code,
        resource_api_group: info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion ? `core/${info.apiVersion}` : '',
        resource_namespace: info.namespace,
        resource_kind: info.resource,
        resource_name: info.name,
        ...(error && { error }),
      }),
    );
  }

  /** `exec` of an exec or attach that did not get its stream (refused here or by the API server). */
  exec(conn: AuditedConn, req: IncomingMessage, info: RequestInfo, imp: Impersonation | undefined, code: number, error?: string): Promise<void> {
    const url = req.url ?? '/';
    return this.emit(
      auditEvent('exec', 'T3002E', {
        ...this.common(conn, imp),
        ...podFields(info, url),
        command: execCommand(url),
        exitCode: String(code),
        exitError: error ?? `the API server answered ${code}`,
      }),
    );
  }

  /** `session.start` of an exec or attach whose stream is up; `end()` emits `exec` and `session.end`. */
  startSession(conn: AuditedConn, req: IncomingMessage, info: RequestInfo, imp: Impersonation, id = randomUUID()): KubeSession {
    const url = req.url ?? '/';
    const isExec = info.subresource === 'exec';
    const fields = { ...this.common(conn, imp), ...podFields(info, url), sid: id, namespace: 'default', interactive: wantsTTY(url), ...(isExec && { initial_command: [execCommand(url)] }) };
    const started = new Date();
    void this.emit(auditEvent('session.start', 'T2000I', fields));
    let ended = false;
    return {
      id,
      end: async (exit?: ExecExit) => {
        if (ended) return;
        ended = true;
        if (isExec) {
          // Teleport's exec event: T3002I when the command exited 0, else T3002E with its exit code and error.
          const ok = exit?.code === 0;
          const ran = { ...fields, command: execCommand(url), exitCode: exit ? String(exit.code) : '' };
          await this.emit(
            ok
              ? auditEvent('exec', 'T3002I', ran)
              : auditEvent('exec', 'T3002E', { ...ran, exitError: exit?.error ?? 'the session ended before the command reported its exit status' }),
          );
        }
        await this.emit(auditEvent('session.end', 'T2004I', { ...fields, session_start: started.toISOString(), session_stop: new Date().toISOString(), participants: [conn.hello.user] }));
      },
    };
  }
}
