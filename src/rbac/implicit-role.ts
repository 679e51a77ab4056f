/**
 * The implicit role every role set carries (`default-implicit-role`, facts §3.1): read access to the
 * resources any logged-in user needs (nodes, cluster name, auth preference, ...), nothing else.
 */
import type { Role } from '../api/types/index.js';
import { DEFAULT_NAMESPACE, VERBS_READ_NO_SECRETS, VERBS_RO } from '../api/types/index.js';

/** Name of the implicit role; it never appears in roleNames() or certificates. */
export const IMPLICIT_ROLE_NAME = 'default-implicit-role';

/** Kinds the implicit role can list and read. */
export const IMPLICIT_READ_KINDS: readonly string[] = [
  'node',
  'proxy',
  'auth_server',
  'reverse_tunnel',
  'cluster_auth_preference',
  'cluster_name',
  'ssh_session',
  'app_server',
  'remote_cluster',
  'kube_service',
  // The heartbeats of Kubernetes clusters (Teleport's newer name for kube_service); auth filters them by kubernetes_labels.
  'kube_server',
  'db_server',
];

/**
 * Build the implicit role. It has no max_session_ttl or cert_format (so it never tightens or loosens
 * those) and disables port forwarding (so it never grants it).
 */
export function implicitRole(): Role {
  return {
    kind: 'role',
    version: 'v7',
    metadata: { name: IMPLICIT_ROLE_NAME, namespace: DEFAULT_NAMESPACE },
    spec: {
      options: { port_forwarding: false },
      allow: {
        namespaces: [DEFAULT_NAMESPACE],
        rules: [
          { resources: [...IMPLICIT_READ_KINDS], verbs: [...VERBS_RO] },
          { resources: ['cert_authority'], verbs: [...VERBS_READ_NO_SECRETS] },
        ],
      },
      deny: { namespaces: [DEFAULT_NAMESPACE] },
    },
  };
}
