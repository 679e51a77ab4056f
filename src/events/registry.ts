/**
 * The audit event registry: every event type and code this cluster may record, with Teleport's
 * names and codes (`lib/events/api.go`, `codes.go`). The one place they are listed: events are built
 * only through `auditEvent(type, code, ...)`, whose arguments TypeScript checks against this table,
 * and events arriving from other processes are checked against it at runtime (`checkEventCode`).
 * registry.test.ts scans the source so that an emit site cannot bypass it.
 */

/** One registered (type, code) pair and its title as Teleport's UI shows it. */
export interface RegistryEntry {
  readonly type: string;
  readonly code: string;
  readonly title: string;
}

const e = <T extends string, C extends string>(type: T, code: C, title: string) => ({ type, code, title }) as const;

/** The registry. A type may have several codes (success `I`, failure `W`/`E`, stop `S`); a code may serve several types. */
export const EVENT_REGISTRY = [
  // Users and authentication
  e('user.login', 'T1000I', 'Local Login'),
  e('user.login', 'T1000W', 'Local Login Failed'),
  e('user.login', 'T1001I', 'SSO Login'),
  e('user.login', 'T1001W', 'SSO Login Failed'),
  e('user.create', 'T1002I', 'User Created'),
  e('user.update', 'T1003I', 'User Updated'),
  e('user.delete', 'T1004I', 'User Deleted'),
  e('user.password_change', 'T1005I', 'User Password Updated'),
  e('mfa.add', 'T1006I', 'MFA Device Added'),
  e('mfa.delete', 'T1007I', 'MFA Device Deleted'),
  e('session.rejected', 'T1006W', 'Session Rejected'),
  e('auth', 'T3007W', 'Auth Attempt Failed'),
  e('cert.create', 'TC000I', 'Certificate Issued'),
  e('reset_password_token.create', 'T6000I', 'Reset Password Token Created'),
  e('recovery_token.create', 'T6001I', 'Recovery Token Created'),
  e('privilege_token.create', 'T6002I', 'Privilege Token Created'),
  // Sessions
  e('session.start', 'T2000I', 'Session Started'),
  e('session.join', 'T2001I', 'User Joined'),
  e('resize', 'T2002I', 'Terminal Resize'),
  e('session.leave', 'T2003I', 'User Disconnected'),
  e('session.end', 'T2004I', 'Session Ended'),
  e('session.upload', 'T2005I', 'Session Uploaded'),
  e('session.data', 'T2006I', 'Session Data'),
  e('session.connect', 'T2010I', 'Session Connected'),
  e('session.recording.access', 'T2012I', 'Session Recording Accessed'),
  // SSH channels and requests
  e('subsystem', 'T3001I', 'Subsystem Requested'),
  e('subsystem', 'T3001E', 'Subsystem Request Failed'),
  e('exec', 'T3002I', 'Command Execution'),
  e('exec', 'T3002E', 'Command Execution Failed'),
  e('port', 'T3003I', 'Port Forwarding Start'),
  e('port', 'T3003E', 'Port Forwarding Failure'),
  e('port', 'T3003S', 'Port Forwarding Stop'),
  e('port.local', 'T3003I', 'Port Forwarding Start'),
  e('port.local', 'T3003E', 'Port Forwarding Failure'),
  e('port.local', 'T3003S', 'Port Forwarding Stop'),
  e('port.remote', 'T3003I', 'Port Forwarding Start'),
  e('port.remote', 'T3003E', 'Port Forwarding Failure'),
  e('port.remote', 'T3003S', 'Port Forwarding Stop'),
  e('scp', 'T3004I', 'SCP Download'),
  e('scp', 'T3004E', 'SCP Download Failed'),
  e('scp', 'T3005I', 'SCP Upload'),
  e('scp', 'T3005E', 'SCP Upload Failed'),
  e('scp', 'T3010E', 'SCP Disallowed'),
  e('client.disconnect', 'T3006I', 'Client Disconnected'),
  e('x11-forward', 'T3008I', 'X11 Forwarding Requested'),
  e('x11-forward', 'T3008W', 'X11 Forwarding Request Failed'),
  e('agent-forward', 'T3013I', 'Agent Forwarding Requested'),
  e('agent-forward', 'T3013W', 'Agent Forwarding Request Failed'),
  e('sftp', 'TS020E', 'SFTP Disallowed'),
  e('sftp_summary', 'TS021I', 'File Transfer Completed'),
  // Resources
  e('role.created', 'T9000I', 'User Role Created'),
  e('role.deleted', 'T9001I', 'User Role Deleted'),
  e('role.updated', 'T9002I', 'User Role Updated'),
  e('join_token.create', 'TJT00I', 'Join Token Created'),
  e('instance.join', 'TJ002I', 'Instance Joined'),
  e('instance.join', 'TJ002E', 'Instance Join Failed'),
  e('bot.join', 'TJ001I', 'Bot Joined'),
  e('bot.join', 'TJ001E', 'Bot Join Failed'),
  e('lock.created', 'TLK00I', 'Lock Created'),
  e('lock.deleted', 'TLK01I', 'Lock Deleted'),
  e('github.created', 'T8000I', 'GitHub Auth Connector Created'),
  e('github.deleted', 'T8001I', 'GitHub Auth Connector Deleted'),
  e('github.updated', 'T80002I', 'GitHub Auth Connector Updated'),
  e('oidc.created', 'T8100I', 'OIDC Auth Connector Created'),
  e('oidc.deleted', 'T8101I', 'OIDC Auth Connector Deleted'),
  e('oidc.updated', 'T8102I', 'OIDC Auth Connector Updated'),
  e('saml.created', 'T8200I', 'SAML Connector Created'),
  e('saml.deleted', 'T8201I', 'SAML Connector Deleted'),
  e('saml.updated', 'T8202I', 'SAML Connector Updated'),
  e('trusted_cluster.create', 'T7000I', 'Trusted Cluster Created'),
  e('trusted_cluster.delete', 'T7001I', 'Trusted Cluster Deleted'),
  e('trusted_cluster_token.create', 'T7002I', 'Trusted Cluster Token Created'),
  e('access_request.create', 'T5000I', 'Access Request Created'),
  e('access_request.update', 'T5001I', 'Access Request Updated'),
  e('access_request.review', 'T5002I', 'Access Request Reviewed'),
  e('access_request.delete', 'T5003I', 'Access Request Deleted'),
  // Cluster configuration
  e('auth_preference.update', 'TCAUTH001I', 'Cluster Authentication Preferences Updated'),
  e('cluster_networking_config.update', 'TCNET002I', 'Cluster Networking Configuration Updated'),
  e('session_recording_config.update', 'TCREC003I', 'Session Recording Configuration Updated'),
  // Kubernetes, applications, databases (for the services of later releases)
  e('kube.request', 'T3009I', 'Kubernetes Request'),
  e('app.session.start', 'T2007I', 'App Session Started'),
  e('app.session.chunk', 'T2008I', 'App Session Data'),
  e('app.session.request', 'T2009I', 'App Session Request'),
  e('app.session.end', 'T2011I', 'App Session Ended'),
  e('db.session.start', 'TDB00I', 'Database Session Started'),
  e('db.session.start', 'TDB00W', 'Database Session Denied'),
  e('db.session.end', 'TDB01I', 'Database Session Ended'),
  e('db.session.query', 'TDB02I', 'Database Query'),
  e('db.session.query.failed', 'TDB02W', 'Database Query Failed'),
  e('db.session.mysql.statements.prepare', 'TMY00I', 'MySQL Statement Prepare'),
  e('db.session.mysql.statements.execute', 'TMY01I', 'MySQL Statement Execute'),
  e('db.session.mysql.statements.close', 'TMY03I', 'MySQL Statement Close'),
  e('db.session.mysql.init_db', 'TMY07I', 'MySQL Change Database'),
] as const;

type Entry = (typeof EVENT_REGISTRY)[number];

/** Every registered event type. */
export type EventType = Entry['type'];

/** The codes registered for event type `T`. */
export type CodeOf<T extends EventType> = Extract<Entry, { type: T }>['code'];

const CODES = new Map<string, Set<string>>();
for (const entry of EVENT_REGISTRY) {
  const set = CODES.get(entry.type) ?? new Set<string>();
  set.add(entry.code);
  CODES.set(entry.type, set);
}

/** True when `type` is registered. */
export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && CODES.has(type);
}

/** True when (type, code) is a registered pair. */
export function isRegisteredPair(type: unknown, code: unknown): boolean {
  return typeof type === 'string' && typeof code === 'string' && CODES.get(type)?.has(code) === true;
}

/** The title of a (type, code) pair, or undefined when it is not registered. */
export function eventTitle(type: string, code: string): string | undefined {
  return EVENT_REGISTRY.find((x) => x.type === type && x.code === code)?.title;
}
