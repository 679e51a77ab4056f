// Local login does not tell by its cost whether a user exists: an unknown user, a user without a
// password and a wrong password each cost one password hash check (counted with an injected
// verifier, not timed).
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { AccessDeniedError } from '../api/errors.js';
import type { User } from '../api/types/index.js';
import { MemoryBackend } from '../backend/index.js';
import { createServices, type Services } from '../services/index.js';
import { authenticateLocal, hashPassword, type PasswordVerifier } from './local-login.js';

const PASSWORD = 'correct horse battery';

describe('authenticateLocal', () => {
  let services: Services;
  let hashes: string[];
  const counting: PasswordVerifier = async (hash, password) => {
    hashes.push(hash);
    const { verify } = await import('@node-rs/argon2');
    return verify(hash, password);
  };
  const user = (name: string): User => ({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles: ['access'] } }) as User;

  beforeEach(async () => {
    hashes = [];
    services = createServices(new MemoryBackend({ clock: new FakeClock() }));
    await services.users.upsert(user('alice'));
    await services.passwords.set('alice', await hashPassword(PASSWORD));
    await services.users.upsert(user('sso-only'));
  });

  it('checks one hash for a wrong password, an unknown user and a user without a password', async () => {
    const stored = await services.passwords.get('alice');
    await expect(authenticateLocal(services, { user: 'alice', password: 'wrong password!' }, 'off', { verify: counting })).rejects.toThrow(AccessDeniedError);
    expect(hashes).toEqual([stored]);

    for (const name of ['nobody', 'sso-only']) {
      hashes = [];
      const err = await authenticateLocal(services, { user: name, password: 'wrong password!' }, 'off', { verify: counting }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AccessDeniedError);
      expect((err as Error).message).toBe('invalid username, password or second factor');
      // A real argon2 hash, not the stored one, checked once.
      expect(hashes).toHaveLength(1);
      expect(hashes[0]).toMatch(/^\$argon2id\$/);
      expect(hashes[0]).not.toBe(stored);
    }
  });

  it('logs in with the right password (one check)', async () => {
    const u = await authenticateLocal(services, { user: 'alice', password: PASSWORD }, 'off', { verify: counting });
    expect(u.metadata.name).toBe('alice');
    expect(hashes).toHaveLength(1);
  });
});
