import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCode } from '../api/errors.js';
import { asUser, lookupOSUser, type UserDatabase } from './os-user.js';

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

// A user only the test's passwd file knows: found means the file was read, not getent.
describe('lookupOSUser from the passwd file', () => {
  let dir: string;
  const db = (nsswitch: string): UserDatabase => ({ passwd: join(dir, 'passwd'), nsswitch: join(dir, nsswitch) });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'os-user-'));
    await writeFile(
      join(dir, 'passwd'),
      ['# comment', 'filesonly:x:4242:4343:Files Only:/home/filesonly:/bin/bash', 'noshell:x:4244:4244::/nohome:', 'bad:x:uid:1:::/bin/sh', ''].join('\n'),
    );
    await writeFile(join(dir, 'files-first'), '# NSS\ngroup: files\npasswd:         files systemd # then systemd\n');
    await writeFile(join(dir, 'sss-first'), 'passwd: sss files\n');
    await writeFile(join(dir, 'compat'), 'passwd: compat\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads an account from the file when NSS asks the file first', async () => {
    expect(await lookupOSUser('filesonly', db('files-first'))).toEqual({ name: 'filesonly', uid: 4242, gid: 4343, home: '/home/filesonly', shell: '/bin/bash' });
    expect(await lookupOSUser('noshell', db('files-first'))).toEqual({ name: 'noshell', uid: 4244, gid: 4244, home: '/nohome', shell: '/bin/sh' });
  });
  it('asks getent for names the file does not have', async () => {
    expect(await lookupOSUser('root', db('files-first'))).toMatchObject({ name: 'root', uid: 0, home: '/root' });
    for (const name of ['nosuchuser1', 'bad', 'filesonl']) {
      const err = await lookupOSUser(name, db('files-first')).catch((e: unknown) => e);
      expect((err as Error).message).toBe(`user: unknown user ${name}`);
    }
  });
  it.each(['sss-first', 'compat', 'missing'])('asks getent, not the file, when nsswitch.conf is %s', async (nsswitch) => {
    const err = await lookupOSUser('filesonly', db(nsswitch)).catch((e: unknown) => e);
    expect(isCode(err, 'not_found')).toBe(true);
    expect(await lookupOSUser('root', db(nsswitch))).toMatchObject({ name: 'root', uid: 0 });
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
