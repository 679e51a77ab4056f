/** One line saying what an audit event means, for the table; the full JSON is one click away. */
import type { AuditEvent } from '@api/audit-wire';

const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

const CHANGES: Record<string, string> = { create: 'created', created: 'created', update: 'updated', updated: 'updated', delete: 'deleted', deleted: 'deleted' };

/** A short human description of `e`. */
export function describeEvent(e: AuditEvent): string {
  const user = s(e.user) ?? 'someone';
  const host = s(e.server_hostname) ?? s(e.server_id) ?? 'a server';
  const failed = e.code.endsWith('W') || e.code.endsWith('E') || e.success === false;
  const [noun, verb] = e.event.split('.');
  if ((noun === 'role' || noun === 'user' || noun === 'github') && verb in CHANGES && noun !== undefined) {
    return `${user} ${CHANGES[verb]} ${noun} ${s(e.name) ?? ''}`.trim();
  }
  switch (e.event) {
    case 'user.login':
      return failed ? `${user} failed to log in${s(e.error) ? `: ${s(e.error)}` : ''}` : `${user} logged in (${s(e.method) ?? 'local'})`;
    case 'session.start':
      return `${user} started a session on ${host} as ${s(e.login) ?? '?'}`;
    case 'session.end':
      return `${user} ended a session on ${host}`;
    case 'session.join':
      return `${user} joined a session on ${host}`;
    case 'session.leave':
      return `${user} left a session on ${host}`;
    case 'session.upload':
      return `Recording of session ${s(e.sid) ?? ''} stored`;
    case 'session.recording.access':
      return `${user} played session ${s(e.sid) ?? ''}`;
    case 'exec':
      return `${user} ran "${s(e.command) ?? ''}" on ${host}`;
    case 'resize':
      return `${user} resized the terminal to ${s(e.size) ?? '?'}`;
    case 'auth':
      return `Failed authentication as ${user}${s(e.error) ? `: ${s(e.error)}` : ''}`;
    case 'cert.create':
      return `Certificate issued to ${s((e.identity as { user?: string } | undefined)?.user) ?? user}`;
    case 'mfa.add':
      return `${user} added an MFA device`;
    case 'user.password_change':
      return `${user} changed their password`;
    case 'client.disconnect':
      return `${host} disconnected ${user}${s(e.reason) ? `: ${s(e.reason)}` : ''}`;
    default:
      return [e.event, s(e.user) && `by ${e.user}`, s(e.server_hostname) && `on ${e.server_hostname}`].filter(Boolean).join(' ');
  }
}
