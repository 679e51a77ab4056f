import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { checkSessionMFA, isSessionMFARequired, SESSION_MFA_REQUIRED_MESSAGE } from './session-mfa.js';

const role = (require_session_mfa?: unknown): Role => ({ kind: 'role', version: 'v7', metadata: { name: 'r' }, spec: { options: { require_session_mfa }, allow: {} } }) as unknown as Role;

describe('per-session MFA check', () => {
  it.each([
    [undefined, [role()], false],
    [true, [role()], true],
    ['yes', [], true],
    [false, [role(), role(true)], true],
    [undefined, [role('session')], true],
    [undefined, [role('hardware_key')], false],
    ['off', [role(false)], false],
  ])('cluster %j with roles %# asks for MFA: %j', (cap, roles, want) => {
    expect(isSessionMFARequired(cap, roles)).toBe(want);
  });

  it('refuses a certificate without mfa-verified in Teleport\'s words, with the hint; accepts one with it', () => {
    expect(() => checkSessionMFA({ capValue: true, roles: [], mfaVerified: undefined, hint: 'run tsh db connect' })).toThrow(new AccessDeniedError(`${SESSION_MFA_REQUIRED_MESSAGE}: run tsh db connect`));
    expect(() => checkSessionMFA({ capValue: true, roles: [], mfaVerified: '' })).toThrow(AccessDeniedError);
    expect(() => checkSessionMFA({ capValue: true, roles: [], mfaVerified: 'device-id' })).not.toThrow();
    expect(() => checkSessionMFA({ capValue: undefined, roles: [role()], mfaVerified: undefined })).not.toThrow();
  });
});
