/**
 * Host accounts: who a login is on this machine (uid, gid, home, shell) from the system's user
 * database (`getent passwd`, so NSS sources count too), and how to run a program as them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NotFoundError } from '../api/errors.js';

/** A host account as `getent passwd` reports it. */
export interface OSUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

const DEFAULT_SHELL = '/bin/sh';
// Names getent is asked about: what useradd accepts, nothing that could be taken for an option.
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}\$?$/;

/**
 * Look up `login`. Throws NotFoundError with Teleport's text ("user: unknown user X") when the
 * account does not exist or the name cannot be an account name.
 */
export async function lookupOSUser(login: string): Promise<OSUser> {
  if (!SAFE_NAME.test(login)) throw unknownUser(login);
  const out = await new Promise<string | undefined>((resolve) => {
    execFile('getent', ['passwd', login], { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
  const line = out?.split('\n').find((l) => l.startsWith(`${login}:`));
  if (!line) throw unknownUser(login);
  const [name, , uid, gid, , home, shell] = line.split(':');
  const u = Number(uid);
  const g = Number(gid);
  if (!Number.isInteger(u) || !Number.isInteger(g)) throw unknownUser(login);
  return { name, uid: u, gid: g, home: home || '/', shell: shell?.trim() || DEFAULT_SHELL };
}

function unknownUser(login: string): NotFoundError {
  return new NotFoundError(`user: unknown user ${login}`);
}

/** The argv that runs `argv` as `user`, given who we are. */
export interface UserCommand {
  file: string;
  args: string[];
}

/**
 * The command line that runs `argv` as `user`: through `setpriv` (the user's uid, gid and own
 * supplementary groups, as a login gets them) when we are root, unchanged when we already are that
 * user, and undefined when we cannot switch to them.
 */
export function asUser(user: OSUser, argv: string[], self: { uid: number } = { uid: process.getuid?.() ?? -1 }): UserCommand | undefined {
  if (self.uid === user.uid) return { file: argv[0], args: argv.slice(1) };
  if (self.uid !== 0) return undefined;
  return {
    file: SETPRIV,
    args: ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--', ...argv],
  };
}

// util-linux's setpriv; an absolute path so the user's PATH plays no part in finding it.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? 'setpriv';
