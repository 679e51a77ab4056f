import { describe, expect, it } from 'vitest';
import { parseResources, toJSON, toYAML } from '../api/types/index.js';
import { PRESET_LABEL, PRESET_ROLE_NAMES, presetRoles } from './presets.js';

describe('presetRoles', () => {
  const roles = presetRoles();

  it('has every preset, labelled as preset, with the documented versions', () => {
    expect(roles.map((r) => r.metadata.name)).toEqual([...PRESET_ROLE_NAMES]);
    for (const r of roles) expect(r.metadata.labels).toEqual(PRESET_LABEL);
    expect(roles.map((r) => r.version)).toEqual(['v7', 'v7', 'v7', 'v3']);
  });

  it.each(roles.map((r) => [r.metadata.name, r] as const))('%s round-trips through YAML and JSON', (_n, role) => {
    expect(parseResources(toYAML([role]))).toEqual([role]);
    expect(parseResources(toJSON([role]))).toEqual([role]);
  });

  it('auditor login is a random no-login-<uuid>', () => {
    const a = presetRoles()[2].spec.allow.logins![0];
    const b = presetRoles()[2].spec.allow.logins![0];
    expect(a).toMatch(/^no-login-[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it('access prints its session rule with the participants where-clause', () => {
    expect(toYAML([roles[0]])).toContain('where: contains(session.participants, user.metadata.name)');
  });

  it('editor covers the kinds this system stores', () => {
    const kinds = roles[1].spec.allow.rules!.flatMap((r) => r.resources);
    for (const k of ['role', 'user', 'token', 'cert_authority', 'cluster_auth_preference', 'cluster_name', 'github', 'node', 'lock', 'auth_connector']) {
      expect(kinds).toContain(k);
    }
  });
});
