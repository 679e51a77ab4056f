/**
 * Kubernetes access by role (Teleport's RoleSet.CheckAccess for a KubernetesCluster and
 * CheckKubeGroupsAndUsers): a role whose deny `kubernetes_labels` match the cluster's labels
 * denies it (deny wins); otherwise some role's allow `kubernetes_labels` must match. The
 * Kubernetes users and groups a user may impersonate are those of the roles whose allow labels
 * match the cluster, less those any matching role denies. Roles must have their trait templates
 * applied (applyRoleTraits).
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { matchLabels } from './label-match.js';

/** Teleport's refusal when a role reaches a cluster but names no Kubernetes principal. */
export const KUBE_NO_PRINCIPALS =
  "Your user's Teleport role does not allow Kubernetes access. Please ask cluster administrator to ensure your role has appropriate kubernetes_groups and kubernetes_users set.";

/** Whether some role's `kubernetes_labels` reach the cluster and no role's deny labels match it (listings, the default cluster). */
export function canSeeKubeCluster(roles: readonly Role[], labels: Readonly<Record<string, string>>): boolean {
  if (roles.some((r) => matchLabels(r.spec.deny?.kubernetes_labels, labels).matched)) return false;
  return roles.some((r) => matchLabels(r.spec.allow?.kubernetes_labels, labels).matched);
}

/**
 * Throws AccessDeniedError naming the cluster and the rule that decided unless `roles` allow the
 * cluster with `labels`.
 */
export function checkKubeClusterAccess(roles: readonly Role[], cluster: string, labels: Readonly<Record<string, string>>): void {
  for (const r of roles) {
    if (matchLabels(r.spec.deny?.kubernetes_labels, labels).matched) {
      throw new AccessDeniedError(`access to Kubernetes cluster "${cluster}" denied (role ${r.metadata.name} denies it by kubernetes_labels)`);
    }
  }
  if (!roles.some((r) => matchLabels(r.spec.allow?.kubernetes_labels, labels).matched)) {
    throw new AccessDeniedError(`access to Kubernetes cluster "${cluster}" denied (no role allows it: kubernetes_labels)`);
  }
}

/** The Kubernetes users and groups a user may take on a cluster. */
export interface KubePrincipals {
  users: string[];
  groups: string[];
}

/**
 * The users and groups of the roles allowing the cluster, less the ones denied, sorted. Throws
 * AccessDeniedError (Teleport's text) when there are none of either.
 */
export function kubePrincipals(roles: readonly Role[], labels: Readonly<Record<string, string>>): KubePrincipals {
  const users = new Set<string>();
  const groups = new Set<string>();
  const deniedUsers = new Set<string>();
  const deniedGroups = new Set<string>();
  for (const r of roles) {
    if (matchLabels(r.spec.allow?.kubernetes_labels, labels).matched) {
      for (const u of r.spec.allow?.kubernetes_users ?? []) if (u !== '') users.add(u);
      for (const g of r.spec.allow?.kubernetes_groups ?? []) if (g !== '') groups.add(g);
    }
    // Deny lists apply whatever the labels, as Teleport's deny conditions do.
    for (const u of r.spec.deny?.kubernetes_users ?? []) deniedUsers.add(u);
    for (const g of r.spec.deny?.kubernetes_groups ?? []) deniedGroups.add(g);
  }
  const out = {
    users: [...users].filter((u) => !deniedUsers.has(u)).sort(),
    groups: [...groups].filter((g) => !deniedGroups.has(g)).sort(),
  };
  if (out.users.length === 0 && out.groups.length === 0) throw new AccessDeniedError(KUBE_NO_PRINCIPALS);
  return out;
}
