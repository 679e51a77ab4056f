import { chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PATH, acceptsClientVariable, buildEnvironment, isSafeVariable, loginDefsPath, readUserEnvironmentFile } from './environment.js';
import type { OSUser } from './os-user.js';

const user: OSUser = { name: 'bob', uid: 4242, gid: 4242, home: '/home/bob', shell: '/bin/zsh' };

describe('client variables', () => {
  it.each([
    ['LANG', false, true],
    ['LC_ALL', false, true],
    ['TERM', false, true],
    ['FOO', false, false],
    ['FOO', true, true],
    ['LD_PRELOAD', true, false],
    ['ld_library_path', true, false],
    ['BAD NAME', true, false],
    ['1X', true, false],
  ])('%s with permit_user_env=%s accepted: %s', (name, permit, want) => {
    expect(acceptsClientVariable(name, permit)).toBe(want);
  });
  it('never lets loader variables through', () => {
    expect(isSafeVariable('DYLD_INSERT_LIBRARIES')).toBe(false);
  });
});

describe('buildEnvironment', () => {
  const base = {
    user,
    path: '/usr/bin:/bin',
    remoteAddress: '::ffff:10.0.0.9',
    remotePort: 51000,
    localAddress: '::ffff:10.0.0.1',
    localPort: 3022,
    sessionId: 'sid',
    teleportUser: 'alice',
    hostId: 'uuid',
    clusterName: 'c1',
  };
  it('sets the login basics and the variables the node vouches for, which the client cannot override', () => {
    const env = buildEnvironment({ ...base, term: 'xterm', client: { LANG: 'C', SSH_SESSION_ID: 'forged', HOME: '/tmp' }, userFile: { EDITOR: 'vi' }, agentSocket: '/tmp/a.sock' });
    expect(env).toMatchObject({
      LANG: 'C',
      PATH: '/usr/bin:/bin',
      HOME: '/tmp',
      USER: 'bob',
      LOGNAME: 'bob',
      SHELL: '/bin/zsh',
      EDITOR: 'vi',
      TERM: 'xterm',
      SSH_CLIENT: '10.0.0.9 51000 3022',
      SSH_CONNECTION: '10.0.0.9 51000 10.0.0.1 3022',
      SSH_SESSION_ID: 'sid',
      SSH_TELEPORT_USER: 'alice',
      SSH_TELEPORT_HOST_UUID: 'uuid',
      SSH_TELEPORT_CLUSTER_NAME: 'c1',
      SSH_AUTH_SOCK: '/tmp/a.sock',
    });
  });
  it('has no TERM without a terminal', () => {
    expect(buildEnvironment({ ...base, client: {}, userFile: {} }).TERM).toBeUndefined();
  });
});

describe('files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'node-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads PATH from login.defs for users and root', async () => {
    const defs = join(dir, 'login.defs');
    await writeFile(defs, '# x\nENV_SUPATH\tPATH=/usr/sbin:/usr/bin\nENV_PATH PATH=/usr/local/bin:/usr/bin\n');
    expect(await loginDefsPath(0, defs)).toBe('/usr/sbin:/usr/bin');
    expect(await loginDefsPath(1000, defs)).toBe('/usr/local/bin:/usr/bin');
    expect(await loginDefsPath(1000, join(dir, 'missing'))).toBe(DEFAULT_PATH);
  });

  it.skipIf(process.getuid?.() !== 0)('reads ~/.tsh/environment only when the user owns it and it is no symlink', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, '.tsh'), { recursive: true });
    const file = join(home, '.tsh', 'environment');
    await writeFile(file, '# comment\n\nA=1\nB = 2\nnoequals\nLD_PRELOAD=/x\nC=x=y\n');
    const u = { ...user, home };
    // Owned by root, not the user: ignored.
    expect(await readUserEnvironmentFile(u)).toEqual({});
    await chown(file, u.uid, u.gid);
    expect(await readUserEnvironmentFile(u)).toEqual({ A: '1', B: ' 2', C: 'x=y' });
    await rm(file);
    await symlink('/etc/hostname', file);
    expect(await readUserEnvironmentFile(u)).toEqual({});
  });
});
