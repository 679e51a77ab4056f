/**
 * What a user certificate says about Kubernetes (Teleport's generateUserCert with
 * CheckOrSetKubeCluster and CheckKubeGroupsAndUsers): the cluster it routes to, which must be
 * registered by a kube_server heartbeat and reached by the roles' `kubernetes_labels`, and the
 * `kubernetes_users`/`kubernetes_groups` the roles grant there (for every cluster when none is named).
 */
import { AccessDeniedError, BadParameterError, NotFoundError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { checkKubeClusterAccess, kubeClusterLabels, kubeUsersAndGroups } from '../rbac/index.js';
import type { Services } from '../services/index.js';

/** The Kubernetes fields of a user certificate. */
export interface KubeCertFields {
  kubernetesCluster?: string;
  kubernetesUsers: string[];
  kubernetesGroups: string[];
}

/**
 * The fields for a certificate of a user with `roles` (trait templates applied), routed to
 * `cluster` when given. Throws BadParameterError for a malformed name, NotFoundError for a cluster
 * no agent serves, AccessDeniedError when the roles do not reach it or grant it no user or group.
 */
export async function kubeCertFields(services: Services, roles: readonly Role[], cluster?: string): Promise<KubeCertFields> {
  if (cluster === undefined || cluster === '') {
    const all = kubeUsersAndGroups(roles);
    return { kubernetesUsers: all.users, kubernetesGroups: all.groups };
  }
  if (typeof cluster !== 'string' || cluster.length > 253 || /[\u0000-\u001f\u007f]/.test(cluster)) {
    throw new BadParameterError('kubernetes_cluster must be a Kubernetes cluster name of at most 253 printable characters');
  }
  const servers = (await services.agentServers('kube_server').list()).filter((s) => s.metadata.name === cluster);
  if (servers.length === 0) {
    throw new NotFoundError(`kubernetes cluster "${cluster}" is not registered in this teleport cluster; you can list registered kubernetes clusters using 'tsh kube ls'`);
  }
  const labels = kubeClusterLabels(servers[0]);
  checkKubeClusterAccess(roles, cluster, labels);
  const { users, groups } = kubeUsersAndGroups(roles, labels);
  if (users.length === 0 && groups.length === 0) {
    // Teleport's words: without either, the Kubernetes service would have nobody to impersonate.
    throw new AccessDeniedError(`this user cannot request kubernetes access to "${cluster}", has no assigned groups or users (kubernetes_groups, kubernetes_users of the roles)`);
  }
  return { kubernetesCluster: cluster, kubernetesUsers: users, kubernetesGroups: groups };
}
