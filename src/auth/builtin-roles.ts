/**
 * The roles behind system identities (certificates signed by the host CA): what the local admin,
 * nodes and proxies may do through the auth API. Expressed as ordinary roles so one RoleSet
 * evaluates everyone, and built per host: a host's writes carry a `where` clause naming its own
 * host UUID, so a node may write only its own `node` record and session trackers, a proxy only its
 * own `proxy` record, on every route alike (Teleport's builtin roles, lib/auth/authz, limited to
 * the caller's own records as Teleport's presence handlers do).
 */
import type { Role } from '../api/types/index.js';

const RO = ['list', 'read'];
/** The heartbeat kinds of agents besides SSH nodes (api/types/agent-server.ts). */
const AGENT_SERVER_KINDS = ['db_server', 'kube_server', 'app_server'];
const NO_SECRETS = ['list', 'read_no_secrets'];

type Rule = { resources: string[]; verbs: string[]; where?: string };

function role(name: string, rules: Rule[]): Role {
  return {
    kind: 'role',
    version: 'v7',
    metadata: { name: `builtin-${name}` },
    spec: { allow: { rules }, deny: {}, options: {} },
  } as unknown as Role;
}

/** Host IDs are `[A-Za-z0-9._-]` (auth-service.ts checks at issuance), so quoting them needs no escapes. */
function quoted(hostId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(hostId)) throw new Error(`host ID ${JSON.stringify(hostId)} cannot appear in a rule`);
  return `"${hostId}"`;
}

/** The rules of each system role, for the host `hostId`. */
const RULES: Record<string, (hostId: string) => Rule[]> = {
  Admin: () => [{ resources: ['*'], verbs: ['*'] }],
  Auth: () => [{ resources: ['*'], verbs: ['*'] }],
  Node: (hostId) => {
    const h = quoted(hostId);
    return [
      { resources: ['node'], verbs: RO },
      // Its own heartbeat only: the record named by its host UUID.
      { resources: ['node'], verbs: ['create', 'update'], where: `equals(resource.metadata.name, ${h})` },
      // Heartbeats of the databases, Kubernetes clusters and applications its agent serves: its own host only.
      { resources: AGENT_SERVER_KINDS, verbs: RO },
      { resources: AGENT_SERVER_KINDS, verbs: ['create', 'update'], where: `equals(resource.spec.host_id, ${h})` },
      // Renewal of its own host certificate, with the role it has (the names are checked in host-names.ts).
      { resources: ['host_cert'], verbs: ['create'], where: `equals(resource.host_id, ${h}) && equals(resource.role, "Node")` },
      { resources: ['session_tracker'], verbs: RO },
      { resources: ['session_tracker'], verbs: ['create', 'update', 'delete'], where: `equals(resource.spec.host_id, ${h})` },
      // Leases on max_connections semaphores for its own connections.
      { resources: ['semaphore'], verbs: ['create', 'update', 'delete'], where: `equals(resource.holder, ${h})` },
      { resources: ['event'], verbs: ['create'], where: `equals(resource.server_id, ${h})` },
      // Client certificates its database service logs in to databases with (Teleport's Db role).
      { resources: ['database_certificate'], verbs: ['create'] },
      // The identity JWTs its application service puts on requests (Teleport's App role).
      { resources: ['app_token'], verbs: ['create'] },
      // Recording parts of its sessions, and completing the recordings of sessions it served.
      { resources: ['session'], verbs: ['create'] },
      { resources: ['session'], verbs: ['update'], where: `equals(resource.server_id, ${h})` },
      { resources: ['cert_authority'], verbs: NO_SECRETS },
      { resources: ['cluster_name', 'cluster_auth_preference', 'cluster_networking_config', 'role', 'user', 'namespace', 'proxy', 'db', 'app'], verbs: RO },
    ];
  },
  // A host that joined for its database service only (`tctl tokens add --type=db`).
  Db: (hostId) => {
    const h = quoted(hostId);
    return [
      { resources: AGENT_SERVER_KINDS, verbs: RO },
      { resources: ['db_server'], verbs: ['create', 'update'], where: `equals(resource.spec.host_id, ${h})` },
      { resources: ['host_cert'], verbs: ['create'], where: `equals(resource.host_id, ${h}) && equals(resource.role, "Db")` },
      { resources: ['database_certificate'], verbs: ['create'] },
      { resources: ['event'], verbs: ['create'], where: `equals(resource.server_id, ${h})` },
      { resources: ['cert_authority'], verbs: NO_SECRETS },
      { resources: ['cluster_name', 'cluster_auth_preference', 'cluster_networking_config', 'role', 'user', 'namespace', 'proxy', 'db'], verbs: RO },
    ];
  },
  // A host that joined for its application service only (`tctl tokens add --type=app`).
  App: (hostId) => {
    const h = quoted(hostId);
    return [
      { resources: AGENT_SERVER_KINDS, verbs: RO },
      { resources: ['app_server'], verbs: ['create', 'update'], where: `equals(resource.spec.host_id, ${h})` },
      { resources: ['host_cert'], verbs: ['create'], where: `equals(resource.host_id, ${h}) && equals(resource.role, "App")` },
      { resources: ['app_token'], verbs: ['create'] },
      { resources: ['event'], verbs: ['create'], where: `equals(resource.server_id, ${h})` },
      { resources: ['cert_authority'], verbs: NO_SECRETS },
      { resources: ['cluster_name', 'cluster_auth_preference', 'cluster_networking_config', 'role', 'user', 'namespace', 'proxy', 'app'], verbs: RO },
    ];
  },
  // A host that joined for its Kubernetes service only (`tctl tokens add --type=kube`).
  Kube: (hostId) => {
    const h = quoted(hostId);
    return [
      { resources: AGENT_SERVER_KINDS, verbs: RO },
      { resources: ['kube_server'], verbs: ['create', 'update'], where: `equals(resource.spec.host_id, ${h})` },
      { resources: ['host_cert'], verbs: ['create'], where: `equals(resource.host_id, ${h}) && equals(resource.role, "Kube")` },
      { resources: ['event'], verbs: ['create'], where: `equals(resource.server_id, ${h})` },
      // Recordings of the exec and attach sessions it serves.
      { resources: ['session'], verbs: ['create'] },
      { resources: ['session'], verbs: ['update'], where: `equals(resource.server_id, ${h})` },
      { resources: ['cert_authority'], verbs: NO_SECRETS },
      { resources: ['cluster_name', 'cluster_auth_preference', 'cluster_networking_config', 'role', 'user', 'namespace', 'proxy'], verbs: RO },
    ];
  },
  Proxy: (hostId) => {
    const h = quoted(hostId);
    return [
      { resources: ['proxy'], verbs: RO },
      { resources: ['proxy'], verbs: ['create', 'update', 'delete'], where: `equals(resource.metadata.name, ${h})` },
      { resources: ['host_cert'], verbs: ['create'], where: `equals(resource.host_id, ${h}) && equals(resource.role, "Proxy")` },
      { resources: ['node', 'session_tracker', ...AGENT_SERVER_KINDS], verbs: RO },
      { resources: ['event'], verbs: ['create'], where: `equals(resource.server_id, ${h})` },
      { resources: ['event', 'session'], verbs: RO },
      // Browser sessions of the web UI it serves (web-session-routes.ts).
      { resources: ['web_session'], verbs: ['create', 'read', 'update', 'delete'] },
      // SSO logins of the browsers it serves (src/auth/sso/routes.ts).
      { resources: ['github_request', 'oidc_request', 'saml_request'], verbs: ['create', 'update'] },
      // Application sessions of the browsers and app certificates it authenticates (app-sessions.ts).
      { resources: ['app_session'], verbs: ['list', 'read', 'delete'] },
      { resources: ['cert_authority'], verbs: NO_SECRETS },
      { resources: ['cluster_name', 'cluster_auth_preference', 'cluster_networking_config', 'role', 'user', 'namespace', 'github', 'token', 'user_token'], verbs: RO },
    ];
  },
};

/** The system roles this cluster knows. */
export const BUILTIN_ROLE_NAMES: readonly string[] = Object.keys(RULES);

/** The role of a system identity for host `hostId`, or undefined for roles this cluster does not know. */
export function builtinRole(systemRole: string, hostId: string): Role | undefined {
  const rules = Object.hasOwn(RULES, systemRole) ? RULES[systemRole] : undefined;
  return rules && role(systemRole, rules(hostId));
}
