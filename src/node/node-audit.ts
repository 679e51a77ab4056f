/**
 * The node's audit events, with Teleport's names, codes and fields: failed logins (`auth`), session
 * start and end (from the session hook), what ran (`exec`, `scp`, `subsystem`), port forwards
 * (`port.local`, `port.remote`, refusals as `port`) and disconnections by the monitor
 * (`client.disconnect`). Every event carries the server's metadata (server_id, server_hostname,
 * server_addr, server_labels) and, where there is one, the connection's addresses.
 */
import type { AuditEventInput } from '../api/audit-wire.js';
import type { Clock } from '../api/clock.js';
import { DEFAULT_NAMESPACE, auditEvent, type AuditEmitter } from '../events/index.js';
import type { AuthContext, ExitStatus, SSHConnection } from '../sshutils/index.js';
import type { NodeIdentity } from './authorize.js';
import { scpTransfer } from './file-copy.js';
import type { SessionEvent, SessionPartyEvent, SessionStartEvent } from './session-events.js';

/** What the node says about itself in events. */
export interface NodeAuditOptions {
  emitter: AuditEmitter;
  clusterName: string;
  serverId: string;
  hostname: string;
  /** The address the node advertises (heartbeat `spec.addr`). */
  addr(): string;
  labels(): Record<string, string>;
  clock: Clock;
}

/** Where the session began, kept for its end event. */
interface OpenSession {
  start: SessionStartEvent;
  index: number;
}

/** Translates what happens on the node into audit events; every method returns at once and never throws. */
export class NodeAudit {
  private readonly sessions = new Map<string, OpenSession>();

  constructor(private readonly o: NodeAuditOptions) {}

  /** A signed login with a certificate was refused (plain keys and unsigned probes are not recorded). */
  authFailed(ctx: AuthContext, reason: string): void {
    if (!ctx.cert) return;
    this.emit(
      auditEvent('auth', 'T3007W', {
        user: ctx.cert.keyId,
        login: ctx.username,
        success: false,
        error: reason,
        'addr.remote': hostPort(ctx.remoteAddress, ctx.remotePort),
        ...this.server(),
      }),
    );
  }

  /** The session hook: start and end, and for exec/scp/subsystem what ran and how it ended. */
  session(e: SessionEvent): void {
    if (e.type === 'session.start') {
      this.sessions.set(e.sessionId, { start: e, index: 0 });
      this.emit(auditEvent('session.start', 'T2000I', { ...this.sessionFields(e), ei: 0, time: iso(e.time) }));
      return;
    }
    if (e.type !== 'session.end') {
      this.party(e);
      return;
    }
    const open = this.sessions.get(e.sessionId) ?? { start: { ...e, type: 'session.start' as const }, index: 0 };
    this.sessions.delete(e.sessionId);
    const base = this.sessionFields(open.start);
    const ran = this.ranEvent(open.start, e.exit);
    if (ran) this.emit({ ...ran, ...base, ei: ++open.index, time: iso(e.time) });
    this.emit(
      auditEvent('session.end', 'T2004I', {
        ...base,
        ei: ++open.index,
        time: iso(e.time),
        participants: e.participants ?? [e.user],
        interactive: open.start.tty,
        enhanced_recording: false,
        session_start: iso(open.start.time),
        session_stop: iso(e.time),
      }),
    );
  }

  /** session.join (T2001I) / session.leave (T2003I) with the joiner's user and connection, in the session's event order. */
  private party(e: SessionPartyEvent): void {
    const open = this.sessions.get(e.sessionId);
    const fields = {
      sid: e.sessionId,
      user: e.user,
      login: e.login,
      'addr.remote': e.remoteAddr,
      'addr.local': e.localAddr,
      ...this.server(),
      ...(open && { ei: ++open.index }),
      time: iso(e.time),
    };
    this.emit(e.type === 'session.join' ? auditEvent('session.join', 'T2001I', fields) : auditEvent('session.leave', 'T2003I', fields));
  }

  /** A direct-tcpip (`ssh -L`) connection opened, failed or closed. */
  localForward(conn: SSHConnection, dest: string, phase: 'start' | 'stop' | 'failed', error?: string): void {
    const code = phase === 'start' ? 'T3003I' : phase === 'stop' ? 'T3003S' : 'T3003E';
    this.emit(auditEvent('port.local', code, { ...this.connFields(conn), addr: dest, ...status(phase, error) }));
  }

  /** A remote forward (`ssh -R`) listener started, failed or stopped. */
  remoteForward(conn: SSHConnection, listen: string, phase: 'start' | 'stop' | 'failed', error?: string): void {
    const code = phase === 'start' ? 'T3003I' : phase === 'stop' ? 'T3003S' : 'T3003E';
    this.emit(auditEvent('port.remote', code, { ...this.connFields(conn), addr: listen, ...status(phase, error) }));
  }

  /** Port forwarding refused by configuration or roles. */
  forwardRefused(conn: SSHConnection, addr: string, reason: string): void {
    this.emit(auditEvent('port', 'T3003E', { ...this.connFields(conn), addr, success: false, error: reason }));
  }

  /** The node closed the client's connection (idle timeout, expired certificate). */
  /** `session.rejected` (T1006W): a login refused by a limit (max_connections), with the limit. */
  sessionRejected(ctx: AuthContext, user: string, reason: string, maximum: number): void {
    this.emit(
      auditEvent('session.rejected', 'T1006W', {
        user,
        login: ctx.username,
        reason,
        maximum,
        'addr.remote': hostPort(ctx.remoteAddress, ctx.remotePort),
        ...this.server(),
      }),
    );
  }

  clientDisconnected(conn: SSHConnection, reason: string): void {
    this.emit(auditEvent('client.disconnect', 'T3006I', { ...this.connFields(conn), reason }));
  }

  private ranEvent(start: SessionStartEvent, exit: ExitStatus): AuditEventInput | undefined {
    const failed = exit.code !== 0;
    const exitCode = exit.code !== undefined ? String(exit.code) : '';
    const exitError = exit.signal !== undefined ? `signal: ${exit.signal}` : failed ? `exit status ${exitCode}` : undefined;
    const outcome = { exitCode, ...(exitError && { exitError }) };
    if (start.kind === 'subsystem') {
      return failed
        ? auditEvent('subsystem', 'T3001E', { name: start.command ?? '', exitError: exitError ?? '' })
        : auditEvent('subsystem', 'T3001I', { name: start.command ?? '' });
    }
    if (start.kind !== 'exec') return undefined;
    const command = start.command ?? '';
    const scp = scpTransfer(command);
    if (scp) {
      const fields = { command, path: scp.path, action: scp.action, ...outcome };
      if (scp.action === 'download') return failed ? auditEvent('scp', 'T3004E', fields) : auditEvent('scp', 'T3004I', fields);
      return failed ? auditEvent('scp', 'T3005E', fields) : auditEvent('scp', 'T3005I', fields);
    }
    return failed ? auditEvent('exec', 'T3002E', { command, ...outcome }) : auditEvent('exec', 'T3002I', { command, ...outcome });
  }

  private sessionFields(e: SessionStartEvent): Record<string, unknown> {
    return {
      sid: e.sessionId,
      user: e.user,
      login: e.login,
      'addr.remote': e.remoteAddr,
      'addr.local': e.localAddr,
      proto: 'ssh',
      session_recording: 'node',
      ...(e.command !== undefined && { initial_command: [e.command] }),
      ...this.server(),
    };
  }

  private connFields(conn: SSHConnection): Record<string, unknown> {
    const id = conn.identity as NodeIdentity | undefined;
    return {
      user: id?.teleportUser ?? '',
      login: id?.login ?? conn.username,
      'addr.remote': hostPort(conn.remoteAddress, conn.remotePort),
      'addr.local': hostPort(conn.localAddress, conn.localPort),
      ...this.server(),
    };
  }

  private server(): Record<string, unknown> {
    const labels = this.o.labels();
    return {
      namespace: DEFAULT_NAMESPACE,
      server_id: this.o.serverId,
      server_hostname: this.o.hostname,
      server_addr: this.o.addr(),
      ...(Object.keys(labels).length > 0 && { server_labels: labels }),
    };
  }

  private emit(e: AuditEventInput): void {
    void this.o.emitter.emit({ time: iso(this.o.clock.now()), ...e, cluster_name: this.o.clusterName });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function status(phase: 'start' | 'stop' | 'failed', error?: string): Record<string, unknown> {
  return phase === 'failed' ? { success: false, error: error ?? '' } : { success: true };
}

function hostPort(host: string, port: number): string {
  const h = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}
