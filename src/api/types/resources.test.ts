import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../errors.js';
import { caKeyBytes, caKeyString, validateCertAuthority } from './cert-authority.js';
import { validateAuthPreference, validateClusterName } from './cluster-config.js';
import { validateGithubConnector } from './github.js';
import { validateNode } from './node.js';
import { nodeLabels } from './node-labels.js';
import { validateToken } from './token.js';
import { validateUser } from './user.js';

const doc = (kind: string, version: string, spec: unknown, name = 'x') => ({ kind, version, metadata: { name }, spec });

describe('user', () => {
  it('defaults roles and traits, accepts single-string traits', () => {
    const u = validateUser(doc('user', 'v2', { traits: { logins: 'root', empty: null } }, 'bob'));
    expect(u.spec.roles).toEqual([]);
    expect(u.spec.traits).toEqual({ logins: ['root'], empty: [] });
    expect(validateUser(doc('user', 'v2', undefined, 'bob')).spec.traits).toEqual({});
  });
  it.each([
    [{ role: ['x'] }, 'spec: unknown field "role"'],
    [{ roles: 'access' }, 'spec.roles'],
    [{ status: { is_locked: 'perhaps' } }, 'spec.status.is_locked'],
    [{ expires: 'tomorrow' }, 'spec.expires: "tomorrow" is not an RFC 3339 time'],
  ])('refuses %j', (spec, msg) => {
    expect(() => validateUser(doc('user', 'v2', spec, 'bob'))).toThrow(msg);
  });
  it('refuses a name with a slash', () => {
    expect(() => validateUser(doc('user', 'v2', {}, 'a/b'))).toThrow(BadParameterError);
  });
});

describe('token', () => {
  it('canonicalises roles and defaults join_method to token', () => {
    const t = validateToken(doc('token', 'v2', { roles: ['node', 'APP'] }));
    expect(t.spec.roles).toEqual(['Node', 'App']);
    expect(t.spec.join_method).toBe('token');
  });
  it('keeps per-method objects as given and defaults ec2 IID TTL', () => {
    const t = validateToken(doc('token', 'v2', { roles: ['Node'], join_method: 'ec2', allow: [{ aws_account: '123', aws_regions: ['us-east-1'] }] }));
    expect(t.spec.aws_iid_ttl).toBe('5m0s');
    const g = validateToken(doc('token', 'v2', { roles: ['Bot'], bot_name: 'ci', join_method: 'github', github: { allow: [{ repository: 'o/r' }] } }));
    expect(g.spec.github).toEqual({ allow: [{ repository: 'o/r' }] });
  });
  it.each([
    [{ roles: [] }, 'spec.roles: a token needs at least one role'],
    [{ roles: ['wizard'] }, 'unknown system role "wizard"'],
    [{ roles: ['Node'], join_method: 'carrier-pigeon' }, 'unknown join method'],
    [{ roles: ['Node'], join_method: 'iam' }, 'spec.allow: the "iam" join method needs at least one allow rule'],
    [{ roles: ['Bot'] }, 'spec.bot_name'],
    [{ roles: ['Node'], allow: [{ aws_acount: '1' }] }, 'spec.allow[0]: unknown field "aws_acount"'],
  ])('refuses %j', (spec, msg) => {
    expect(() => validateToken(doc('token', 'v2', spec))).toThrow(msg);
  });
});

describe('cert_authority', () => {
  it('defaults sub_kind to the type and keeps base64 keys', () => {
    const ca = validateCertAuthority(doc('cert_authority', 'v2', { cluster_name: 'c', type: 'user', active_keys: { ssh: [{ public_key: caKeyString(new Uint8Array([1, 2, 255])) }] } }));
    expect(ca.sub_kind).toBe('user');
    expect([...caKeyBytes(ca.spec.active_keys.ssh![0].public_key)]).toEqual([1, 2, 255]);
  });
  it.each([
    [{ cluster_name: 'c', type: 'martian' }, 'spec.type'],
    [{ cluster_name: 'c', type: 'host', active_keys: { ssh: [{ public_key: 'not base64!' }] } }, 'spec.active_keys.ssh[0].public_key: must be base64'],
    [{ cluster_name: 'c', type: 'host', rotation: { phase: 'sideways' } }, 'spec.rotation.phase'],
  ])('refuses %j', (spec, msg) => {
    expect(() => validateCertAuthority(doc('cert_authority', 'v2', spec))).toThrow(msg);
  });
});

describe('cluster config', () => {
  it('cap defaults type local and second_factor otp; the name is fixed', () => {
    const cap = validateAuthPreference({ kind: 'cluster_auth_preference', version: 'v2', spec: { allow_passwordless: 'yes' } });
    expect(cap.metadata.name).toBe('cluster-auth-preference');
    expect(cap.spec).toMatchObject({ type: 'local', second_factor: 'otp', allow_passwordless: true });
    expect(() => validateAuthPreference(doc('cluster_auth_preference', 'v2', {}, 'other'))).toThrow('must be "cluster-auth-preference"');
    expect(() => validateAuthPreference(doc('cluster_auth_preference', 'v2', { second_factor: 'sms' }, 'cluster-auth-preference'))).toThrow('spec.second_factor');
  });
  it('cluster_name needs a cluster name', () => {
    expect(validateClusterName(doc('cluster_name', 'v2', { cluster_name: 'a.example' }, 'cluster-name')).spec.cluster_name).toBe('a.example');
    expect(() => validateClusterName(doc('cluster_name', 'v2', {}, 'cluster-name'))).toThrow('spec.cluster_name');
  });
});

describe('github', () => {
  it('needs a team mapping and http(s) URLs', () => {
    expect(() => validateGithubConnector(doc('github', 'v3', { client_id: 'a' }))).toThrow('must map at least one team');
    expect(() =>
      validateGithubConnector(doc('github', 'v3', { redirect_url: 'ftp://x', teams_to_roles: [{ organization: 'o', team: 't', roles: ['r'] }] })),
    ).toThrow('spec.redirect_url');
  });
});

describe('node', () => {
  it('merges static and command labels and normalises the period', () => {
    const n = validateNode({ kind: 'node', version: 'v2', metadata: { name: 'u', labels: { env: 'prod' } }, spec: { hostname: 'h', cmd_labels: { arch: { command: ['uname'], period: '90s', result: 'arm64' } } } });
    expect(n.spec.cmd_labels!.arch.period).toBe('1m30s');
    expect(nodeLabels(n)).toEqual({ env: 'prod', arch: 'arm64' });
    expect(() => validateNode(doc('node', 'v2', { hostname: 'h', cmd_labels: { a: { command: [], period: '1m' } } }))).toThrow('spec.cmd_labels.a.command');
  });
});
