import { describe, expect, it } from 'vitest';
import { isCode } from '../api/errors.js';
import type { SSHCertificate } from '../sshca/index.js';
import { certRoles, certTraits } from './authorize.js';

const cert = (extensions: Record<string, string>) => ({ extensions }) as unknown as SSHCertificate;

describe('certificate roles and traits', () => {
  it('reads Teleport\'s teleport-roles and teleport-traits', () => {
    expect(certRoles(cert({ 'teleport-roles': '{"version":"v1","roles":["access","editor"]}' }))).toEqual(['access', 'editor']);
    expect(certTraits(cert({ 'teleport-traits': '{"logins":["root"],"kubernetes_groups":null}' }))).toEqual({ logins: ['root'] });
    expect(certTraits(cert({}))).toEqual({});
  });
  it.each([
    [{}],
    [{ 'teleport-roles': 'nope' }],
    [{ 'teleport-roles': '{"version":"v1","roles":[]}' }],
    [{ 'teleport-roles': '{"version":"v1","roles":[1]}' }],
    [{ 'teleport-roles': 'null' }],
  ])('refuses bad roles %j', (ext) => {
    let err: unknown;
    try {
      certRoles(cert(ext));
    } catch (e) {
      err = e;
    }
    expect(isCode(err, 'access_denied')).toBe(true);
  });
  it.each(['[]', '"x"', '{"a":"b"}', '{"a":[1]}', 'nope'])('refuses bad traits %s', (raw) => {
    expect(() => certTraits(cert({ 'teleport-traits': raw }))).toThrow();
  });
});
