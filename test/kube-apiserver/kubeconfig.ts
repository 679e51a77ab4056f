/**
 * A kubeconfig for the stand-in (cluster with the CA inlined, one user with a client certificate or a
 * bearer token, one context), the file the product's kubernetes_service reads or a test's kubectl uses.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** How the kubeconfig's user authenticates. */
export type KubeconfigCredentials = { certPem: string; keyPem: string } | { token: string };

/** The kubeconfig YAML for `server` with `caPem`, context and cluster named `name`. */
export function kubeconfigYAML(o: { server: string; caPem: string; name?: string; credentials: KubeconfigCredentials; namespace?: string }): string {
  const name = o.name ?? 'standin';
  const user: Record<string, string> =
    'token' in o.credentials
      ? { token: o.credentials.token }
      : { 'client-certificate-data': Buffer.from(o.credentials.certPem).toString('base64'), 'client-key-data': Buffer.from(o.credentials.keyPem).toString('base64') };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [{ name, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') } }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name, ...(o.namespace ? { namespace: o.namespace } : {}) } }],
  });
}

/** Writes `kubeconfigYAML(o)` to `path` (mode 0600) and returns the path. */
export async function writeKubeconfig(path: string, o: Parameters<typeof kubeconfigYAML>[0]): Promise<string> {
  await writeFile(path, kubeconfigYAML(o), { mode: 0o600 });
  return path;
}
