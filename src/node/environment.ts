/**
 * The environment of a session's process, as Teleport builds it: a login's basics (LANG, PATH from
 * /etc/login.defs, HOME, USER, LOGNAME, SHELL), what the client may set, the user's
 * `~/.tsh/environment` when `permit_user_env` is on, then the variables the node vouches for
 * (SSH_CLIENT, SSH_CONNECTION, TERM, SSH_SESSION_ID, SSH_TELEPORT_*, SSH_AUTH_SOCK).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { OSUser } from './os-user.js';

/** Teleport's PATH when /etc/login.defs says nothing. */
export const DEFAULT_PATH = '/bin:/usr/bin:/usr/local/bin:/sbin';
/** OpenSSH's and Teleport's cap on lines read from an environment file. */
const MAX_ENV_FILE_LINES = 1000;
const MAX_ENV_FILE_BYTES = 64 * 1024;

// Never passed to a process, whoever asks: they change what the dynamic loader runs.
const UNSAFE = new Set([
  'LD_ASSUME_KERNEL', 'LD_AUDIT', 'LD_BIND_NOW', 'LD_BIND_NOT', 'LD_DYNAMIC_WEAK', 'LD_LIBRARY_PATH', 'LD_ORIGIN_PATH',
  'LD_POINTER_GUARD', 'LD_PREFER_MAP_32BIT_EXEC', 'LD_PRELOAD', 'LD_PROFILE', 'LD_RUNPATH', 'LD_RPATH',
  'LD_USE_LOAD_BIAS', 'DYLD_INSERT_LIBRARIES', 'DYLD_LIBRARY_PATH',
]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a variable may be set at all (a sane name, not a loader variable). */
export function isSafeVariable(name: string): boolean {
  return NAME.test(name) && name.length <= 256 && !UNSAFE.has(name.toUpperCase());
}

/**
 * Whether a client's `env` request is honoured: locale and terminal type always (as OpenSSH's
 * default AcceptEnv), anything else safe only when the node permits user environment.
 */
export function acceptsClientVariable(name: string, permitUserEnv: boolean): boolean {
  if (!isSafeVariable(name)) return false;
  if (name === 'LANG' || name.startsWith('LC_') || name === 'TERM' || name === 'COLORTERM') return true;
  return permitUserEnv;
}

/** Everything the environment is built from. */
export interface EnvironmentInput {
  user: OSUser;
  /** The PATH for this user (see loginDefsPath). */
  path: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  sessionId: string;
  teleportUser: string;
  hostId: string;
  clusterName: string;
  /** TERM from the pty request, when a terminal is allocated. */
  term?: string;
  /** Variables from accepted `env` requests. */
  client: Readonly<Record<string, string>>;
  /** Variables from `~/.tsh/environment` (only read when permit_user_env is on). */
  userFile: Readonly<Record<string, string>>;
  agentSocket?: string;
}

/** The process environment; later sources win, and the node's own variables win over all. */
export function buildEnvironment(e: EnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    PATH: e.path,
    HOME: e.user.home,
    USER: e.user.name,
    LOGNAME: e.user.name,
    SHELL: e.user.shell,
  };
  for (const src of [e.client, e.userFile]) {
    for (const [k, v] of Object.entries(src)) if (isSafeVariable(k)) env[k] = v;
  }
  const remote = stripMappedV4(e.remoteAddress);
  env.SSH_CLIENT = `${remote} ${e.remotePort} ${e.localPort}`;
  env.SSH_CONNECTION = `${remote} ${e.remotePort} ${stripMappedV4(e.localAddress)} ${e.localPort}`;
  if (e.term !== undefined) env.TERM = e.term || 'xterm';
  env.SSH_SESSION_ID = e.sessionId;
  env.SSH_TELEPORT_HOST_UUID = e.hostId;
  env.SSH_TELEPORT_CLUSTER_NAME = e.clusterName;
  env.SSH_TELEPORT_USER = e.teleportUser;
  if (e.agentSocket) env.SSH_AUTH_SOCK = e.agentSocket;
  return env;
}

function stripMappedV4(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/**
 * PATH for a login from /etc/login.defs (`ENV_SUPATH` for root, `ENV_PATH` otherwise), or
 * DEFAULT_PATH when the file or the setting is missing.
 */
export async function loginDefsPath(uid: number, file = '/etc/login.defs'): Promise<string> {
  const text = await readSmallFile(file, undefined);
  if (text === undefined) return DEFAULT_PATH;
  const key = uid === 0 ? 'ENV_SUPATH' : 'ENV_PATH';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const [k, v] = line.split(/\s+/, 2);
    if (k !== key || !v) continue;
    return v.startsWith('PATH=') ? v.slice(5) : v;
  }
  return DEFAULT_PATH;
}

/**
 * `~/.tsh/environment` of `user`: `NAME=value` lines, `#` comments, no expansion, at most 1000
 * lines. Only a regular file owned by the user and not a symlink is read (we are root: the user
 * must not make us read someone else's file); anything else yields no variables.
 */
export async function readUserEnvironmentFile(user: OSUser): Promise<Record<string, string>> {
  const text = await readSmallFile(join(user.home, '.tsh', 'environment'), user.uid);
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const raw of text.split('\n').slice(0, MAX_ENV_FILE_LINES)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq).trim();
    if (isSafeVariable(name)) out[name] = line.slice(eq + 1);
  }
  return out;
}

async function readSmallFile(path: string, ownerUid: number | undefined): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || (ownerUid !== undefined && st.uid !== ownerUid)) return undefined;
    const buf = Buffer.alloc(Math.min(st.size, MAX_ENV_FILE_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}
