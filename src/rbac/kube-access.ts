/**
 * Kubernetes cluster access by role (Teleport's RoleSet.CheckAccess with a kube cluster and
 * CheckKubeGroupsAndUsers): which clusters a user's `kubernetes_labels` reach (deny wins), and the
 * Kubernetes users and groups the roles grant for one. Shared by the auth server (the
 * certificate's kubernetes_users/groups, the kube_server listing) and the Kubernetes service
 * (impersonation). Roles must have their trait templates applied (applyRoleTraits).
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { matchLabels } from './label-match.js';

/** The Kubernetes users and groups a set of roles grants. */
export interface KubeUsersAndGroups {
  users: string[];
  groups: string[];
}

/** The shape of a kube_server heartbeat this file reads (`spec.cluster` is the served kube_cluster). */
interface KubeServerLike {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { cluster?: unknown; [field: string]: unknown };
}

/** The labels of the Kubernetes cluster a kube_server heartbeat carries, over the heartbeat's own. */
export function kubeClusterLabels(server: KubeServerLike): Record<string, string> {
  const cluster = server.spec.cluster as { metadata?: { labels?: unknown } } | undefined;
  const own = cluster?.metadata?.labels;
  return { ...(server.metadata.labels ?? {}), ...(own && typeof own === 'object' ? (own as Record<string, string>) : {}) };
}

/** The role whose deny `kubernetes_labels` match `labels`, if any. */
function denyingRole(roles: readonly Role[], labels: Readonly<Record<string, string>>): Role | undefined {
  return roles.find((r) => matchLabels(r.spec.deny?.kubernetes_labels, labels).matched);
}

/** Whether the roles reach a cluster with `labels`: some allow `kubernetes_labels` match and no deny ones do. */
export function canSeeKubeCluster(roles: readonly Role[], labels: Readonly<Record<string, string>>): boolean {
  if (denyingRole(roles, labels)) return false;
  return roles.some((r) => matchLabels(r.spec.allow?.kubernetes_labels, labels).matched);
}

/**
 * Throws AccessDeniedError naming the cluster and the deciding rule unless the roles reach the
 * cluster `name` with `labels`.
 */
export function checkKubeClusterAccess(roles: readonly Role[], name: string, labels: Readonly<Record<string, string>>): void {
  const deny = denyingRole(roles, labels);
  if (deny) throw new AccessDeniedError(`access to kubernetes cluster "${name}" denied: role ${deny.metadata.name} denies it (deny kubernetes_labels)`);
  if (!roles.some((r) => matchLabels(r.spec.allow?.kubernetes_labels, labels).matched)) {
    throw new AccessDeniedError(`access to kubernetes cluster "${name}" denied: no role allows it (kubernetes_labels of roles ${roles.map((r) => r.metadata.name).join(', ') || '(none)'})`);
  }
}

/**
 * The `kubernetes_users` and `kubernetes_groups` of the roles that allow a cluster with `labels`
 * (every role when `labels` is undefined: a certificate not routed to one cluster), less the exact
 * values of the deny lists of the roles whose deny `kubernetes_labels` match (every role's when
 * undefined). Sorted, without duplicates or empty values; adds neither the Teleport user nor
 * `system:authenticated` (the Kubernetes service does, when it impersonates).
 */
export function kubeUsersAndGroups(roles: readonly Role[], labels?: Readonly<Record<string, string>>): KubeUsersAndGroups {
  const users = new Set<string>();
  const groups = new Set<string>();
  const allows = (r: Role) => labels === undefined || matchLabels(r.spec.allow?.kubernetes_labels, labels).matched;
  for (const r of roles) {
    if (!allows(r)) continue;
    for (const u of r.spec.allow?.kubernetes_users ?? []) if (u !== '') users.add(u);
    for (const g of r.spec.allow?.kubernetes_groups ?? []) if (g !== '') groups.add(g);
  }
  // Teleport deletes the deny lists' exact values, of the roles whose deny kubernetes_labels match.
  const denies = (r: Role) => labels === undefined || matchLabels(r.spec.deny?.kubernetes_labels, labels).matched;
  for (const r of roles) {
    if (!denies(r)) continue;
    for (const u of r.spec.deny?.kubernetes_users ?? []) users.delete(u);
    for (const g of r.spec.deny?.kubernetes_groups ?? []) groups.delete(g);
  }
  return { users: [...users].sort(), groups: [...groups].sort() };
}
