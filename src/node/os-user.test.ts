import { describe, expect, it } from 'vitest';
import { isCode } from '../api/errors.js';
import { asUser, lookupOSUser } from './os-user.js';

describe('lookupOSUser', () => {
  it('finds root', async () => {
    expect(await lookupOSUser('root')).toMatchObject({ name: 'root', uid: 0, gid: 0, home: '/root' });
  });
  it.each(['nosuchuser1', '-rf', 'a b', '', 'x'.repeat(300), 'root:x'])('refuses %j with Teleport\'s message', async (name) => {
    const err = await lookupOSUser(name).catch((e: unknown) => e);
    expect(isCode(err, 'not_found')).toBe(true);
    expect((err as Error).message).toBe(`user: unknown user ${name}`);
  });
});

describe('asUser', () => {
  const bob = { name: 'bob', uid: 1001, gid: 1002, home: '/home/bob', shell: '/bin/sh' };
  it('switches with setpriv and the user\'s groups when root', () => {
    const c = asUser(bob, ['/bin/sh', '-c', 'id'], { uid: 0 })!;
    expect(c.file).toMatch(/setpriv$/);
    expect(c.args).toEqual(['--reuid', '1001', '--regid', '1002', '--init-groups', '--', '/bin/sh', '-c', 'id']);
  });
  it('runs directly as oneself, and not at all as someone else without root', () => {
    expect(asUser(bob, ['/bin/sh'], { uid: 1001 })).toEqual({ file: '/bin/sh', args: [] });
    expect(asUser(bob, ['/bin/sh'], { uid: 1003 })).toBeUndefined();
  });
});
