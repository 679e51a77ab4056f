import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types/index.js';
import { checkPodAccess } from './pod-access.js';
import { requestInfo } from './request-info.js';

const role = (name: string, allow: Record<string, unknown>, deny: Record<string, unknown> = {}): Role =>
  ({ kind: 'role', version: 'v7', metadata: { name }, spec: { allow, deny, options: {} } }) as unknown as Role;
const labels = { env: 'dev' };
const check = (roles: Role[], method: string, url: string) => () => checkPodAccess(roles, labels, requestInfo(method, url));

describe('kubernetes_resources for pods', () => {
  const web = role('web-only', { kubernetes_labels: { env: 'dev' }, kubernetes_resources: [{ kind: 'pod', namespace: 'default', name: 'web-*', verbs: ['get', 'list', 'exec'] }] });

  it('allows the pods, namespaces and verbs an entry names', () => {
    expect(check([web], 'GET', '/api/v1/namespaces/default/pods/web-1')).not.toThrow();
    expect(check([web], 'POST', '/api/v1/namespaces/default/pods/web-1/exec?command=sh')).not.toThrow();
    expect(check([web], 'GET', '/api/v1/namespaces/default/pods')).not.toThrow();
    // Other kinds are the API server's to decide.
    expect(check([web], 'GET', '/api/v1/namespaces/default/configmaps')).not.toThrow();
  });

  it('refuses other pods, namespaces, verbs and the all-namespaces list', () => {
    expect(check([web], 'GET', '/api/v1/namespaces/kube-system/pods/dns-1')).toThrow('access to pod "kube-system/dns-1" denied: no kubernetes_resources entry of roles web-only allows verb get');
    expect(check([web], 'GET', '/api/v1/namespaces/default/pods/db-1')).toThrow(/pod "default\/db-1" denied/);
    expect(check([web], 'DELETE', '/api/v1/namespaces/default/pods/web-1')).toThrow(/verb delete/);
    expect(check([web], 'GET', '/api/v1/namespaces/default/pods/web-1/portforward')).toThrow(/verb portforward/);
    expect(check([web], 'GET', '/api/v1/pods')).toThrow(/pods in every namespace denied/);
  });

  it('lets deny entries win, and ignores roles that do not reach the cluster', () => {
    const all = role('all', { kubernetes_labels: { '*': '*' }, kubernetes_resources: [{ kind: '*', namespace: '*', name: '*', verbs: ['*'] }] });
    const noExec = role('no-exec', {}, { kubernetes_labels: { env: 'dev' }, kubernetes_resources: [{ kind: 'pod', namespace: '*', name: '*', verbs: ['exec'] }] });
    expect(check([all], 'GET', '/api/v1/pods')).not.toThrow();
    expect(check([all, noExec], 'POST', '/api/v1/namespaces/a/pods/b/attach')).toThrow('denied: role no-exec denies it (kubernetes_resources, verb exec)');
    const prod = role('prod', { kubernetes_labels: { env: 'prod' }, kubernetes_resources: [{ kind: 'pod', namespace: '*', name: '*', verbs: ['*'] }] });
    expect(check([web, prod], 'GET', '/api/v1/namespaces/kube-system/pods/dns-1')).toThrow(/roles web-only allows/);
  });
});
