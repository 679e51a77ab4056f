import { describe, expect, it } from 'vitest';
import { checkHeaderValues, impersonationFor } from './impersonation.js';
import { requestInfo } from './request-info.js';

const allowed = { users: ['alice', 'viewer'], groups: ['devs', 'guest'] };

describe('impersonation', () => {
  it('takes all the allowed groups plus system:authenticated, and the one user', () => {
    expect(impersonationFor([], { users: ['viewer'], groups: ['devs'] }, 'alice')).toEqual({ user: 'viewer', groups: ['devs', 'system:authenticated'] });
    // No kubernetes_users: the Teleport user stands in.
    expect(impersonationFor([], { users: [], groups: ['devs'] }, 'alice')).toEqual({ user: 'alice', groups: ['devs', 'system:authenticated'] });
  });

  it('narrows to what the client asks inside the roles', () => {
    const h = ['Impersonate-User', 'viewer', 'impersonate-group', 'guest', 'Accept', 'application/json'];
    expect(impersonationFor(h, allowed, 'alice')).toEqual({ user: 'viewer', groups: ['guest', 'system:authenticated'] });
    expect(impersonationFor(['Impersonate-User', '', 'Impersonate-User', 'alice'], allowed, 'alice').user).toBe('alice');
  });

  it('refuses what the roles do not grant, other Impersonate headers, several users, and no principal at all', () => {
    expect(() => impersonationFor(['Impersonate-User', 'root'], allowed, 'alice')).toThrow('impersonation request has been denied, user header "root" is not allowed in roles');
    expect(() => impersonationFor(['Impersonate-User', 'alice', 'Impersonate-Group', 'system:masters'], allowed, 'alice')).toThrow('group header "system:masters" value is not allowed in roles');
    expect(() => impersonationFor(['Impersonate-User', 'alice', 'Impersonate-Extra-Scopes', 'x'], allowed, 'alice')).toThrow('header "Impersonate-Extra-Scopes" is not supported');
    expect(() => impersonationFor(['Impersonate-User', 'alice', 'Impersonate-User', 'viewer'], allowed, 'alice')).toThrow('only one Impersonate-User header');
    expect(() => impersonationFor([], allowed, 'alice')).toThrow('please select a user to impersonate');
    expect(() => impersonationFor([], { users: [], groups: [] }, 'alice')).toThrow("Your user's Teleport role does not allow Kubernetes access");
  });

  it('refuses CR, LF and NUL in header values', () => {
    expect(() => checkHeaderValues(['X-A', 'ok', 'X-B', 'a\r\nInjected: 1'])).toThrow(/header "X-B" has a value with CR, LF or NUL/);
    expect(() => checkHeaderValues(['X-A', 'a\0b'])).toThrow(/CR, LF or NUL/);
    expect(() => checkHeaderValues(['X-A', 'fine'])).not.toThrow();
  });
});

describe('request info', () => {
  it('reads the verb and resource of core, group, namespaced and subresource paths', () => {
    expect(requestInfo('GET', '/api/v1/pods?limit=500')).toMatchObject({ verb: 'list', resource: 'pods', namespace: '', apiGroup: '' });
    expect(requestInfo('GET', '/api/v1/namespaces/default/pods/web-1')).toMatchObject({ verb: 'get', namespace: 'default', resource: 'pods', name: 'web-1' });
    expect(requestInfo('GET', '/api/v1/namespaces/default/pods?watch=true')).toMatchObject({ verb: 'watch' });
    expect(requestInfo('POST', '/api/v1/namespaces/ns/pods/p/exec?command=sh')).toMatchObject({ verb: 'create', subresource: 'exec', name: 'p' });
    expect(requestInfo('DELETE', '/apis/apps/v1/namespaces/ns/deployments')).toMatchObject({ verb: 'deletecollection', apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments' });
    expect(requestInfo('GET', '/api/v1/namespaces/kube-system')).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: '' });
    expect(requestInfo('GET', '/version')).toMatchObject({ verb: 'get', resource: '' });
  });
});
