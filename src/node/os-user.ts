/**
 * Host accounts: who a login is on this machine (uid, gid, home, shell) from the system's user
 * database (the passwd file when NSS reads it first, else `getent passwd`, so NSS sources count
 * too), and how to run a program as them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

/** Where the system's user database is read from; tests point these at files of their own. */
export interface UserDatabase {
  /** The local account file (`files` in nsswitch.conf). */
  passwd: string;
  /** NSS configuration: which sources `getent passwd` asks, in order. */
  nsswitch: string;
}

/** The system's own files. */
export const SYSTEM_USER_DATABASE: UserDatabase = { passwd: '/etc/passwd', nsswitch: '/etc/nsswitch.conf' };

/**
 * Look up `login`. Throws NotFoundError with Teleport's text ("user: unknown user X") when the
 * account does not exist or the name cannot be an account name. When NSS asks the passwd file
 * first (the usual `passwd: files ...`), an account found there is read from it in-process, as
 * getpwnam would answer; otherwise, and for names not in the file, `getent passwd` answers.
 * (Spawning blocks the event loop until the child has exec'd: on a loaded machine that stalled
 * every connection of the process for a few hundred ms per login; see bench/sessions.mjs.)
 */
export async function lookupOSUser(login: string, db: UserDatabase = SYSTEM_USER_DATABASE): Promise<OSUser> {
  if (!SAFE_NAME.test(login)) throw unknownUser(login);
  const local = (await filesFirst(db.nsswitch)) ? await readText(db.passwd) : undefined;
  const fromFile = local === undefined ? undefined : parsePasswd(local, login);
  if (fromFile) return fromFile;
  const out = await new Promise<string | undefined>((resolve) => {
    execFile('getent', ['passwd', login], { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
  const user = out === undefined ? undefined : parsePasswd(out, login);
  if (!user) throw unknownUser(login);
  return user;
}

/** The account `login` in passwd-format `text` (getent's output or /etc/passwd), if a well-formed line names it. */
function parsePasswd(text: string, login: string): OSUser | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${login}:`));
  if (!line) return undefined;
  const [name, , uid, gid, , home, shell] = line.split(':');
  const u = Number(uid);
  const g = Number(gid);
  if (uid === '' || gid === '' || !Number.isInteger(u) || !Number.isInteger(g)) return undefined;
  return { name, uid: u, gid: g, home: home || '/', shell: shell?.trim() || DEFAULT_SHELL };
}

/** True when nsswitch.conf's `passwd:` line names `files` first (not `compat`, whose +/- entries mean more). */
async function filesFirst(nsswitch: string): Promise<boolean> {
  const text = await readText(nsswitch);
  const line = text?.split('\n').find((l) => /^\s*passwd\s*:/.test(l));
  const first = line?.replace(/#.*/, '').split(':')[1]?.trim().split(/\s+/)[0];
  return first === 'files';
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
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
