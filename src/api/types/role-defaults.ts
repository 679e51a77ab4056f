/**
 * Version-specific role defaults, as Teleport's RoleV6.CheckAndSetDefaults applies them (facts §3.1).
 */
import type { KubernetesResource, Role, RoleConditions, RoleVersion } from './role-schema.js';

/** Teleport's MaxCertDuration, the default `max_session_ttl`. */
export const DEFAULT_MAX_SESSION_TTL = '30h0m0s';
/** The only namespace Teleport uses. */
export const DEFAULT_NAMESPACE = 'default';
/** The wildcard used in selectors, rules and resources. */
export const WILDCARD = '*';

const LABEL_FIELDS = [
  'node_labels',
  'app_labels',
  'cluster_labels',
  'kubernetes_labels',
  'db_labels',
  'windows_desktop_labels',
  'db_service_labels',
  'group_labels',
  'workload_identity_labels',
] as const;

/** Names of every label-selector field in allow/deny. */
export const ROLE_LABEL_FIELDS: readonly (keyof RoleConditions)[] = LABEL_FIELDS;

function hasKubeMatchers(c: RoleConditions): boolean {
  return Object.keys(c.kubernetes_labels ?? {}).length > 0 || Boolean(c.kubernetes_labels_expression);
}

function defaultKubeResources(version: RoleVersion): KubernetesResource[] {
  switch (version) {
    case 'v3':
    case 'v4':
    case 'v5':
      return [{ kind: 'pod', namespace: WILDCARD, name: WILDCARD }];
    case 'v6':
      return [{ kind: 'pod', namespace: WILDCARD, name: WILDCARD, verbs: [WILDCARD] }];
    default:
      return [{ kind: WILDCARD, namespace: WILDCARD, name: WILDCARD, verbs: [WILDCARD] }];
  }
}

/**
 * Fill in defaults in place: options for every version; v3's wildcard label selectors; default
 * `kubernetes_resources` per version when kube labels are set; namespaces `[default]`.
 */
export function setRoleDefaults(role: Role): Role {
  const version = role.version as RoleVersion;
  const o = role.spec.options;
  o.cert_format ??= 'standard';
  o.max_session_ttl ??= DEFAULT_MAX_SESSION_TTL;
  if (o.max_session_ttl === '0s') o.max_session_ttl = DEFAULT_MAX_SESSION_TTL;
  o.forward_agent ??= false;
  o.enhanced_recording ??= ['command', 'network'];
  o.record_session ??= {};
  o.record_session.desktop ??= true;
  o.record_session.default ??= 'best_effort';
  o.desktop_clipboard ??= true;
  o.desktop_directory_sharing ??= true;
  o.ssh_file_copy ??= true;
  o.create_desktop_user ??= false;
  o.create_db_user ??= false;
  o.pin_source_ip ??= false;
  o.idp ??= { saml: { enabled: true } };

  const allow = role.spec.allow;
  if (version === 'v3') {
    allow.node_labels ??= (allow.logins ?? []).length > 0 ? { [WILDCARD]: [WILDCARD] } : {};
    allow.app_labels ??= { [WILDCARD]: [WILDCARD] };
    allow.kubernetes_labels ??= { [WILDCARD]: [WILDCARD] };
    allow.db_labels ??= { [WILDCARD]: [WILDCARD] };
  }
  if ((allow.kubernetes_resources ?? []).length === 0 && hasKubeMatchers(allow)) {
    allow.kubernetes_resources = defaultKubeResources(version);
  }
  if (version === 'v6' || version === 'v7') {
    for (const r of allow.kubernetes_resources ?? []) {
      if (!r.verbs || r.verbs.length === 0) r.verbs = [WILDCARD];
    }
  }
  allow.namespaces ??= [DEFAULT_NAMESPACE];
  role.spec.deny.namespaces ??= [DEFAULT_NAMESPACE];
  return role;
}
