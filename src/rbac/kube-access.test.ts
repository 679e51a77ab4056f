import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types/index.js';
import { canSeeKubeCluster, checkKubeClusterAccess, kubeClusterLabels, kubeUsersAndGroups } from './kube-access.js';
import { applyRoleTraits } from './traits.js';

const role = (name: string, allow: Record<string, unknown>, deny: Record<string, unknown> = {}): Role =>
  ({ kind: 'role', version: 'v7', metadata: { name }, spec: { allow, deny, options: {} } }) as unknown as Role;

const traits = { kubernetes_groups: ['system:masters'], groups: ['devs', 'ops'], kubernetes_users: [] as string[] };
const dev = role('dev', { kubernetes_labels: { env: ['dev', 'staging'] }, kubernetes_groups: ['{{internal.kubernetes_groups}}', '{{external.groups}}'], kubernetes_users: ['{{internal.kubernetes_users}}', 'viewer'] });
const prodGuest = role('prod-guest', { kubernetes_labels: { env: ['prod'] }, kubernetes_groups: ['guest'] });
const noProdSecret = role('no-prod-secret', {}, { kubernetes_labels: { env: ['prod'], tier: ['secret'] } });
const roles = [dev, prodGuest, noProdSecret].map((r) => applyRoleTraits(r, { traits }));

describe('kube cluster access', () => {
  it('expands trait templates into users and groups of the roles that allow the cluster', () => {
    expect(kubeUsersAndGroups(roles, { env: 'dev' })).toEqual({ users: ['viewer'], groups: ['devs', 'ops', 'system:masters'] });
    expect(kubeUsersAndGroups(roles, { env: 'prod' })).toEqual({ users: [], groups: ['guest'] });
    expect(kubeUsersAndGroups(roles, { env: 'other' })).toEqual({ users: [], groups: [] });
  });

  it('takes every role when no cluster is named, and removes the denied values', () => {
    expect(kubeUsersAndGroups(roles)).toEqual({ users: ['viewer'], groups: ['devs', 'guest', 'ops', 'system:masters'] });
    const noMasters = role('no-masters', {}, { kubernetes_labels: { env: ['staging'] }, kubernetes_groups: ['system:masters'], kubernetes_users: ['viewer'] });
    const all = [...roles, noMasters];
    expect(kubeUsersAndGroups(all, { env: 'staging' })).toEqual({ users: [], groups: ['devs', 'ops'] });
    // The deny role's labels do not match env=dev: its lists do not apply there.
    expect(kubeUsersAndGroups(all, { env: 'dev' }).groups).toContain('system:masters');
  });

  it('lists a cluster the allow labels reach unless deny labels match', () => {
    expect(canSeeKubeCluster(roles, { env: 'prod' })).toBe(true);
    expect(canSeeKubeCluster(roles, { env: 'prod', tier: 'secret' })).toBe(false);
    expect(canSeeKubeCluster(roles, { env: 'qa' })).toBe(false);
    expect(canSeeKubeCluster([], { env: 'dev' })).toBe(false);
  });

  it('refuses with the deciding rule named', () => {
    expect(() => checkKubeClusterAccess(roles, 'vault', { env: 'prod', tier: 'secret' })).toThrow(/access to kubernetes cluster "vault" denied: role no-prod-secret denies it/);
    expect(() => checkKubeClusterAccess(roles, 'qa', { env: 'qa' })).toThrow(/access to kubernetes cluster "qa" denied: no role allows it \(kubernetes_labels of roles dev, prod-guest, no-prod-secret\)/);
    expect(() => checkKubeClusterAccess(roles, 'dev-cluster', { env: 'dev' })).not.toThrow();
  });

  it('reads the served cluster labels over the heartbeat labels', () => {
    const server = { metadata: { name: 'dev-cluster', labels: { env: 'x', host: 'a' } }, spec: { cluster: { kind: 'kube_cluster', metadata: { name: 'dev-cluster', labels: { env: 'dev' } } } } };
    expect(kubeClusterLabels(server)).toEqual({ env: 'dev', host: 'a' });
    expect(kubeClusterLabels({ metadata: { name: 'c' }, spec: {} })).toEqual({});
  });
});
