import { describe, expect, it } from 'vitest';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import { newRole, type Role } from '../api/types/index.js';
import { implicitRole } from './implicit-role.js';
import { checkJoin, joinModes, parseParticipantMode, type JoinTarget } from './join-sessions.js';
import { presetRoles } from './presets.js';

const target: JoinTarget = { sessionId: 'sid-1', kind: 'ssh', owner: 'alice', ownerRoles: ['access', 'dev-team'] };
const joiner = (...roles: Role[]) => ({ user: 'bob', roles: [...roles, implicitRole()] });
const policyRole = (join: Record<string, unknown>[], version = 'v7') => newRole('joiner', { allow: { join_sessions: join } }, { version });
const presets = Object.fromEntries(presetRoles({ uuid: () => '0' }).map((r) => [r.metadata.name, r])) as Record<string, Role>;

describe('joinModes', () => {
  it.each([
    ['exact role, ssh kind', [{ name: 'p', roles: ['access'], kinds: ['ssh'], modes: ['observer'] }], ['observer']],
    ['glob over the owner roles', [{ name: 'p', roles: ['dev-*'], kinds: ['*'], modes: ['observer', 'peer'] }], ['observer', 'peer']],
    ['* matches any owner role', [{ name: 'p', roles: ['*'], kinds: ['ssh'], modes: ['moderator'] }], ['moderator']],
    ['other kind only', [{ name: 'p', roles: ['*'], kinds: ['k8s'], modes: ['observer'] }], []],
    ['role the owner lacks', [{ name: 'p', roles: ['editor'], kinds: ['ssh'], modes: ['peer'] }], []],
    ['glob is anchored', [{ name: 'p', roles: ['acc'], kinds: ['ssh'], modes: ['peer'] }], []],
    ['regex characters are literal', [{ name: 'p', roles: ['acces.'], kinds: ['ssh'], modes: ['peer'] }], []],
    ['unknown modes are dropped', [{ name: 'p', roles: ['access'], kinds: ['ssh'], modes: ['spy', 'observer'] }], ['observer']],
    [
      'policies merge',
      [
        { name: 'a', roles: ['access'], kinds: ['ssh'], modes: ['peer'] },
        { name: 'b', roles: ['dev-team'], kinds: ['ssh'], modes: ['observer'] },
      ],
      ['observer', 'peer'],
    ],
  ])('%s', (_name, policies, want) => {
    expect(joinModes(joiner(policyRole(policies)), target)).toEqual(want);
  });

  it('lets the owner join their own session in every mode without a policy', () => {
    expect(joinModes({ user: 'alice', roles: [presets.access] }, target)).toEqual(['observer', 'moderator', 'peer']);
  });

  it('gives roles older than v5 the pre-RFD peer mode for SSH only', () => {
    const v4 = newRole('old', { allow: { logins: ['x'] } }, { version: 'v4' });
    expect(joinModes(joiner(v4), target)).toEqual(['peer']);
    expect(joinModes(joiner(v4), { ...target, kind: 'k8s' })).toEqual([]);
  });

  it('grants nothing to the preset roles (Teleport gives the auditor no join_sessions)', () => {
    expect(joinModes(joiner(presets.auditor), target)).toEqual([]);
    expect(joinModes(joiner(presets.access, presets.editor), target)).toEqual([]);
  });
});

describe('checkJoin', () => {
  it('passes an allowed mode', () => {
    expect(() => checkJoin(joiner(policyRole([{ roles: ['*'], kinds: ['*'], modes: ['observer'] }])), target, 'observer')).not.toThrow();
  });

  it('names the allowed modes when the mode asked for is not among them', () => {
    const run = () => checkJoin(joiner(policyRole([{ roles: ['*'], kinds: ['*'], modes: ['observer'] }])), target, 'peer');
    expect(run).toThrow(AccessDeniedError);
    expect(run).toThrow('insufficient permissions to join session sid-1: your roles allow joining it only as observer, not as peer');
  });

  it('says no rule covers the owner roles when none applies', () => {
    const run = () => checkJoin(joiner(presets.auditor), target, 'observer');
    expect(run).toThrow('insufficient permissions to join session sid-1: no allow.join_sessions rule of your roles covers ssh sessions of users with the roles access, dev-team in mode observer');
  });
});

describe('parseParticipantMode', () => {
  it('defaults to peer and refuses unknown modes', () => {
    expect(parseParticipantMode(undefined)).toBe('peer');
    expect(parseParticipantMode('')).toBe('peer');
    expect(parseParticipantMode('observer')).toBe('observer');
    expect(() => parseParticipantMode('spy')).toThrow(BadParameterError);
    expect(() => parseParticipantMode('spy')).toThrow('Unrecognized session participant mode: spy');
  });
});
