import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../errors.js';
import { roleMaxSessionTTLms, validateRole } from './role.js';

const role = (version: string, spec: unknown, name = 'r') => ({ kind: 'role', version, metadata: { name }, spec });

describe('role defaults per version', () => {
  it('v3 with logins defaults node_labels to *:* and app/kube/db labels to *:*', () => {
    const r = validateRole(role('v3', { allow: { logins: ['root'] } }));
    expect(r.spec.allow.node_labels).toEqual({ '*': ['*'] });
    expect(r.spec.allow.app_labels).toEqual({ '*': ['*'] });
    expect(r.spec.allow.kubernetes_labels).toEqual({ '*': ['*'] });
    expect(r.spec.allow.db_labels).toEqual({ '*': ['*'] });
    expect(r.spec.allow.kubernetes_resources).toEqual([{ kind: 'pod', namespace: '*', name: '*' }]);
  });

  it('v3 without logins defaults node_labels to empty', () => {
    const r = validateRole(role('v3', {}));
    expect(r.spec.allow.node_labels).toEqual({});
  });

  it.each(['v4', 'v5', 'v6', 'v7'])('%s leaves label selectors unset (match nothing)', (v) => {
    const r = validateRole(role(v, { allow: { logins: ['root'] } }));
    expect(r.spec.allow.node_labels).toBeUndefined();
    expect(r.spec.allow.app_labels).toBeUndefined();
    expect(r.spec.allow.kubernetes_resources).toBeUndefined();
  });

  it.each([
    ['v5', [{ kind: 'pod', namespace: '*', name: '*' }]],
    ['v6', [{ kind: 'pod', namespace: '*', name: '*', verbs: ['*'] }]],
    ['v7', [{ kind: '*', namespace: '*', name: '*', verbs: ['*'] }]],
  ])('%s kubernetes_resources default when kube labels are set', (v, want) => {
    const r = validateRole(role(v, { allow: { kubernetes_labels: { env: 'dev' } } }));
    expect(r.spec.allow.kubernetes_resources).toEqual(want);
  });

  it('sets option defaults for every version and namespaces [default]', () => {
    const r = validateRole(role('v7', {}));
    expect(r.spec.options).toMatchObject({
      cert_format: 'standard',
      max_session_ttl: '30h0m0s',
      forward_agent: false,
      enhanced_recording: ['command', 'network'],
      record_session: { desktop: true, default: 'best_effort' },
      desktop_clipboard: true,
      desktop_directory_sharing: true,
      ssh_file_copy: true,
      create_desktop_user: false,
      create_db_user: false,
    });
    expect(r.spec.allow.namespaces).toEqual(['default']);
    expect(r.spec.deny.namespaces).toEqual(['default']);
    expect(roleMaxSessionTTLms(r)).toBe(30 * 3600_000);
  });

  it('normalises durations to Go strings and accepts yes/no booleans and nanosecond numbers', () => {
    const r = validateRole(role('v7', { options: { max_session_ttl: '8h', forward_agent: 'yes', client_idle_timeout: 90e9, port_forwarding: 'no' } }));
    expect(r.spec.options.max_session_ttl).toBe('8h0m0s');
    expect(r.spec.options.client_idle_timeout).toBe('1m30s');
    expect(r.spec.options.forward_agent).toBe(true);
    expect(r.spec.options.port_forwarding).toBe(false);
  });

  it('normalises single-string label values to lists', () => {
    const r = validateRole(role('v7', { allow: { node_labels: { env: 'prod', team: ['a', 'b'] } } }));
    expect(r.spec.allow.node_labels).toEqual({ env: ['prod'], team: ['a', 'b'] });
  });

  it('does not modify its input', () => {
    const input = role('v7', { allow: { logins: ['x'] } });
    const copy = structuredClone(input);
    validateRole(input);
    expect(input).toEqual(copy);
  });
});

describe('role validation errors', () => {
  it.each([
    ['wildcard login', { allow: { logins: ['*'] } }, 'spec.allow.logins: wildcard matcher "*" is not allowed'],
    ['wildcard aws_role_arns', { allow: { aws_role_arns: ['*'] } }, 'spec.allow.aws_role_arns'],
    ['wildcard azure_identities', { allow: { azure_identities: ['*'] } }, 'spec.allow.azure_identities'],
    ['wildcard gcp_service_accounts', { allow: { gcp_service_accounts: ['*'] } }, 'spec.allow.gcp_service_accounts'],
    ['wildcard db_roles', { allow: { db_roles: ['*'] } }, 'spec.allow.db_roles'],
    ['*:<value> selector', { allow: { node_labels: { '*': 'prod' } } }, 'selector *:prod is not supported'],
    ['*:<value> selector in deny', { deny: { app_labels: { '*': ['x'] } } }, 'spec.deny.app_labels: selector *:x'],
    ['rule without resources', { allow: { rules: [{ verbs: ['list'] }] } }, 'spec.allow.rules[0].resources'],
    ['rule without verbs', { allow: { rules: [{ resources: ['role'], verbs: [] }] } }, 'spec.allow.rules[0].verbs: a rule needs'],
    ['unknown verb', { allow: { rules: [{ resources: ['role'], verbs: ['frobnicate'] }] } }, 'unknown verb "frobnicate"'],
    ['bad where', { allow: { rules: [{ resources: ['role'], verbs: ['list'], where: 'contains(user.spec.roles' }] } }, 'spec.allow.rules[0].where: where: parse error at position'],
    ['unclosed template', { allow: { logins: ['{{internal.logins'] } }, 'spec.allow.logins[0]'],
    ['unknown template namespace', { allow: { logins: ['{{foo.bar}}'] } }, 'unsupported variable namespace "foo"'],
    ['unknown spec key', { allow: {}, bogus: 1 }, 'spec: unknown field "bogus"'],
    ['unknown allow key', { allow: { login: ['x'] } }, 'spec.allow: unknown field "login"'],
    ['unknown options key', { options: { max_ttl: '1h' } }, 'spec.options: unknown field "max_ttl"'],
    ['bad duration', { options: { max_session_ttl: 'forever' } }, 'spec.options.max_session_ttl: invalid duration "forever"'],
    ['bad boolean', { options: { forward_agent: 'maybe' } }, 'spec.options.forward_agent: "maybe" is not a boolean'],
    ['deny impersonate where', { deny: { impersonate: { users: ['a'], where: 'true' } } }, 'spec.deny.impersonate.where'],
  ])('%s', (_name, spec, msg) => {
    expect(() => validateRole(role('v7', spec))).toThrow(BadParameterError);
    expect(() => validateRole(role('v7', spec))).toThrow(msg);
  });

  it.each(['', 'has space', 'a/b', 'a,b', '{{x}}'])('refuses role name %j', (name) => {
    expect(() => validateRole(role('v7', {}, name))).toThrow(BadParameterError);
  });

  it('allows * in deny logins', () => {
    expect(validateRole(role('v7', { deny: { logins: ['*'] } })).spec.deny.logins).toEqual(['*']);
  });

  it('refuses unsupported versions and unknown top-level keys', () => {
    expect(() => validateRole(role('v9', {}))).toThrow('unsupported role version "v9"');
    expect(() => validateRole({ ...role('v7', {}), extra: 1 })).toThrow('unknown top-level field "extra"');
  });
});
