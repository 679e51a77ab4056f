import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../api/errors.js';
import type { Role, User } from '../api/types/index.js';
import { HOUR } from '../api/duration.js';
import { newRole, validateUser } from '../api/types/index.js';
import { presetRoles } from './presets.js';
import { RoleSet } from './role-set.js';
import type { RuleContext } from './rules.js';
import { applyRoleTraits } from './traits.js';

const alice: User = validateUser({
  kind: 'user',
  version: 'v2',
  metadata: { name: 'alice' },
  spec: { roles: ['access', 'editor'], traits: { logins: ['alice', 'ubuntu'] } },
});
const presets = Object.fromEntries(presetRoles({ uuid: () => '0000' }).map((r) => [r.metadata.name, r])) as Record<string, Role>;
const setOf = (...roles: Role[]) => new RoleSet(roles.map((r) => applyRoleTraits(r, alice)));
const ctx: RuleContext = { user: alice };

describe('checkAccessToRule', () => {
  it.each([
    // [roles, kind, verb, allowed]
    [['editor'], 'role', 'create', true],
    [['editor'], 'user', 'delete', true],
    [['editor'], 'token', 'create', true],
    [['editor'], 'github', 'update', true],
    [['access'], 'role', 'create', false],
    [['access'], 'user', 'list', false],
    [['access'], 'event', 'list', true],
    [['access'], 'event', 'delete', false],
    [['auditor'], 'event', 'read', true],
    [['auditor'], 'session', 'read', true],
    [['auditor'], 'role', 'read', false],
    [['admin'], 'role', 'update', true],
    [[], 'node', 'list', true], // implicit role
    [[], 'cluster_name', 'read', true],
    [[], 'cluster_auth_preference', 'read', true],
    [[], 'cert_authority', 'read_no_secrets', true],
    [[], 'cert_authority', 'read', false],
    [[], 'node', 'create', false],
  ] as const)('%j %s %s -> %s', (names, kind, verb, allowed) => {
    const rs = setOf(...names.map((n) => presets[n]));
    expect(rs.hasAccessToRule(ctx, kind, verb)).toBe(allowed);
    if (!allowed) {
      expect(() => rs.checkAccessToRule(ctx, kind, verb)).toThrow(AccessDeniedError);
      expect(() => rs.checkAccessToRule(ctx, kind, verb)).toThrow(`access denied to perform action "${verb}" on "${kind}"`);
    }
  });

  it('deny beats allow', () => {
    const noRoles = newRole('no-roles', { deny: { rules: [{ resources: ['role'], verbs: ['create', 'delete'] }] } });
    const rs = setOf(presets.editor, noRoles);
    expect(rs.hasAccessToRule(ctx, 'role', 'create')).toBe(false);
    expect(rs.hasAccessToRule(ctx, 'role', 'update')).toBe(true);
  });

  it('wildcard resource and verb; read grants read_no_secrets but not the reverse', () => {
    const all = newRole('all', { allow: { rules: [{ resources: ['*'], verbs: ['*'] }] } });
    expect(setOf(all).hasAccessToRule(ctx, 'anything', 'delete')).toBe(true);
    const reader = newRole('reader', { allow: { rules: [{ resources: ['cert_authority'], verbs: ['read'] }] } });
    expect(setOf(reader).hasAccessToRule(ctx, 'cert_authority', 'read_no_secrets')).toBe(true);
    const nosecret = newRole('ns', { allow: { rules: [{ resources: ['token'], verbs: ['read_no_secrets'] }] } });
    expect(setOf(nosecret).hasAccessToRule(ctx, 'token', 'read')).toBe(false);
    const denyAll = newRole('deny-all', { deny: { rules: [{ resources: ['*'], verbs: ['*'] }] } });
    expect(setOf(all, denyAll).hasAccessToRule(ctx, 'node', 'list')).toBe(false);
  });

  it('access preset: sessions only where the user participated', () => {
    const rs = setOf(presets.access);
    expect(rs.hasAccessToRule({ user: alice, session: { participants: ['alice', 'bob'] } }, 'session', 'read')).toBe(true);
    expect(rs.hasAccessToRule({ user: alice, session: { participants: ['bob'] } }, 'session', 'read')).toBe(false);
    expect(rs.hasAccessToRule({ user: alice }, 'session', 'list')).toBe(false);
  });

  it('where clauses on deny rules use the resource', () => {
    const r = newRole('r', {
      allow: { rules: [{ resources: ['node'], verbs: ['update'] }] },
      deny: { rules: [{ resources: ['node'], verbs: ['update'], where: 'equals(resource.metadata.labels["env"], "prod")' }] },
    });
    const rs = setOf(r);
    expect(rs.hasAccessToRule({ user: alice, resource: { metadata: { name: 'n', labels: { env: 'prod' } } } }, 'node', 'update')).toBe(false);
    expect(rs.hasAccessToRule({ user: alice, resource: { metadata: { name: 'n', labels: { env: 'dev' } } } }, 'node', 'update')).toBe(true);
  });
});

describe('node access', () => {
  const dev = newRole('dev', { allow: { logins: ['{{internal.logins}}'], node_labels: { env: ['dev', 'staging'] } } });
  const prodRoot = newRole('prod-root', { allow: { logins: ['root'], node_labels: { env: 'prod' } } });
  const rs = setOf(dev, prodRoot);

  it.each([
    [{ env: 'dev' }, 'alice', true],
    [{ env: 'staging' }, 'ubuntu', true],
    [{ env: 'dev' }, 'root', false], // root only from prod-root, whose labels do not match
    [{ env: 'prod' }, 'root', true],
    [{ env: 'prod' }, 'alice', false], // alice only from dev, whose labels do not match
    [{}, 'alice', false],
  ])('%j as %s -> %s', (labels, login, ok) => {
    expect(rs.canAccessNode({ labels }, login)).toBe(ok);
    if (!ok) expect(() => rs.checkAccessToNode({ labels }, login)).toThrow(AccessDeniedError);
  });

  it('namespace must match', () => {
    expect(rs.canAccessNode({ labels: { env: 'dev' }, namespace: 'other' }, 'alice')).toBe(false);
  });

  it('deny by labels or by login wins', () => {
    const denyProd = newRole('deny-prod', { deny: { node_labels: { env: 'prod' } } });
    expect(setOf(prodRoot, denyProd).canAccessNode({ labels: { env: 'prod' } }, 'root')).toBe(false);
    const denyRoot = newRole('deny-root', { deny: { logins: ['root'] } });
    const both = setOf(prodRoot, dev, denyRoot);
    expect(both.canAccessNode({ labels: { env: 'prod' } }, 'root')).toBe(false);
    expect(both.canAccessNode({ labels: { env: 'dev' } }, 'alice')).toBe(true);
    expect(both.logins()).toEqual(['alice', 'ubuntu']);
  });

  it('v3 roles with logins match every node; v7 roles without node_labels match none', () => {
    const v3 = newRole('v3', { allow: { logins: ['ops'] } }, { version: 'v3' });
    const v7 = newRole('v7', { allow: { logins: ['ops'] } });
    expect(setOf(v3).canAccessNode({ labels: { any: 'thing' } }, 'ops')).toBe(true);
    expect(setOf(v7).canAccessNode({ labels: { any: 'thing' } }, 'ops')).toBe(false);
  });

  it('logins(): union of allow minus deny; deny * removes all', () => {
    expect(rs.logins()).toEqual(['alice', 'ubuntu', 'root']);
    expect(setOf(dev, newRole('none', { deny: { logins: ['*'] } })).logins()).toEqual([]);
  });

  it('the auditor cannot log in anywhere useful', () => {
    expect(setOf(presets.auditor).logins()).toEqual(['no-login-0000']);
  });
});

describe('options', () => {
  const mk = (name: string, options: Record<string, unknown>) => newRole(name, { options });

  it('adjustSessionTTL takes the minimum max_session_ttl', () => {
    expect(setOf(mk('a', { max_session_ttl: '8h' }), mk('b', { max_session_ttl: '2h' })).adjustSessionTTL(12 * HOUR)).toBe(2 * HOUR);
    expect(setOf(mk('a', { max_session_ttl: '8h' })).adjustSessionTTL(1 * HOUR)).toBe(1 * HOUR);
    expect(setOf(presets.access).adjustSessionTTL(40 * HOUR)).toBe(30 * HOUR);
  });

  it('forward_agent and port forwarding: any role allowing is enough', () => {
    expect(setOf(mk('a', { forward_agent: true }), mk('b', {})).canForwardAgents()).toBe(true);
    expect(setOf(mk('b', {})).canForwardAgents()).toBe(false);
    expect(setOf(mk('a', { port_forwarding: false })).canPortForward()).toBe(false);
    expect(setOf(mk('a', { port_forwarding: false }), mk('b', {})).canPortForward()).toBe(true);
    expect(setOf(mk('a', { ssh_port_forwarding: { local: { enabled: false }, remote: { enabled: false } } })).canPortForward()).toBe(false);
    expect(new RoleSet([]).canPortForward()).toBe(false);
  });

  it('certificateFormat: oldssh wins over standard', () => {
    expect(setOf(mk('a', {})).certificateFormat()).toBe('standard');
    expect(setOf(mk('a', {}), mk('b', { cert_format: 'oldssh' })).certificateFormat()).toBe('oldssh');
  });

  it('disconnectExpiredCert: strictest wins', () => {
    expect(setOf(mk('a', {})).disconnectExpiredCert()).toBe(false);
    expect(setOf(mk('a', {}), mk('b', { disconnect_expired_cert: true })).disconnectExpiredCert()).toBe(true);
    expect(setOf(mk('a', {})).disconnectExpiredCert(true)).toBe(true);
  });

  it('clientIdleTimeoutMs and maxSessions: smallest non-zero', () => {
    const rs = setOf(mk('a', { client_idle_timeout: '30m', max_sessions: 5 }), mk('b', { client_idle_timeout: '10m', max_sessions: 0 }), mk('c', {}));
    expect(rs.clientIdleTimeoutMs()).toBe(10 * 60_000);
    expect(rs.clientIdleTimeoutMs(5 * 60_000)).toBe(5 * 60_000);
    expect(rs.maxSessions()).toBe(5);
    expect(setOf(mk('c', {})).maxSessions()).toBe(0);
  });

  it('roleNames excludes the implicit role', () => {
    expect(setOf(presets.access, presets.editor).roleNames()).toEqual(['access', 'editor']);
  });
});
