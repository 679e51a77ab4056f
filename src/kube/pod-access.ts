/**
 * `kubernetes_resources` for pods (Teleport's per-resource Kubernetes RBAC, the part the issue
 * asks for): a request naming pods is allowed when a role that reaches the cluster has an entry of
 * kind `pod` (or `*`) whose namespace, name (globs or `^regex$`) and verbs match it, and no role
 * denies it the same way. Exec, attach, port-forward and logs check the verb `exec`,
 * `portforward` or `get` of the pod. A list is allowed when an entry reaches its namespace (`*`
 * for every namespace); its items are not filtered by name. Other kinds are left to the API
 * server's own RBAC.
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { matchLabels, matchesAny } from '../rbac/index.js';
import type { RequestInfo } from './request-info.js';

type Entry = NonNullable<NonNullable<Role['spec']['allow']>['kubernetes_resources']>[number];

/** The verb a pod request is checked with. */
function podVerb(info: RequestInfo): string {
  switch (info.subresource) {
    case 'exec':
    case 'attach':
      return 'exec';
    case 'portforward':
      return 'portforward';
    case 'log':
      return 'get';
    default:
      return info.verb;
  }
}

function covers(e: Entry, namespace: string, name: string, verb: string): boolean {
  if (e.kind !== undefined && e.kind !== '*' && e.kind !== 'pod') return false;
  const ns = e.namespace ?? '*';
  // A cluster-wide list needs an entry for every namespace; a namespaced one, an entry for it.
  if (namespace === '' ? ns !== '*' : !matchesAny(namespace, [ns])) return false;
  if (name !== '' && !matchesAny(name, [e.name ?? '*'])) return false;
  const verbs = e.verbs ?? ['*'];
  return verbs.includes('*') || verbs.includes(verb);
}

/**
 * Throws AccessDeniedError naming the pod, namespace and verb unless the roles (traits applied)
 * that reach a cluster with `labels` allow a pod request. Requests for other resources pass.
 */
export function checkPodAccess(roles: readonly Role[], labels: Readonly<Record<string, string>>, info: RequestInfo): void {
  if (info.resource !== 'pods' || info.apiGroup !== '') return;
  const verb = podVerb(info);
  const what = info.name ? `pod "${info.namespace}/${info.name}"` : info.namespace ? `pods in namespace "${info.namespace}"` : 'pods in every namespace';
  for (const r of roles) {
    if (!matchLabels(r.spec.deny?.kubernetes_labels, labels).matched) continue;
    for (const e of r.spec.deny?.kubernetes_resources ?? []) {
      if (covers(e, info.namespace, info.name, verb)) throw new AccessDeniedError(`access to ${what} denied: role ${r.metadata.name} denies it (kubernetes_resources, verb ${verb})`);
    }
  }
  const reaching = roles.filter((r) => matchLabels(r.spec.allow?.kubernetes_labels, labels).matched);
  if (reaching.some((r) => (r.spec.allow?.kubernetes_resources ?? []).some((e) => covers(e, info.namespace, info.name, verb)))) return;
  throw new AccessDeniedError(`access to ${what} denied: no kubernetes_resources entry of roles ${reaching.map((r) => r.metadata.name).join(', ')} allows verb ${verb}`);
}
