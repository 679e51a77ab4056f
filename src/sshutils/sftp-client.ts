/**
 * The client side of SFTP over ssh2, as promises and streams: stat, directory listings, mkdir,
 * attributes, and files as Readable/Writable streams. Errors carry our kinds: a missing path is
 * NotFoundError, a refused one AccessDeniedError, anything else the server says BadParameterError.
 */
import type { Readable, Writable } from 'node:stream';
import type { Attributes, SFTPWrapper, Stats } from 'ssh2';
import { AccessDeniedError, BadParameterError, NotFoundError, type TeleportError } from '../api/errors.js';
import { SFTPFileReader, SFTPFileWriter } from './sftp-streams.js';

/** A remote file's attributes. `type` comes from the mode bits. */
export interface RemoteStat {
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits only (`0o755`). */
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  atime: number;
  mtime: number;
}

/** One directory entry. */
export interface RemoteEntry {
  name: string;
  stat: RemoteStat;
}

/** An SFTP session. `close` ends the subsystem channel and is safe to call twice. */
export interface SFTPSession {
  /** Follows symlinks. */
  stat(path: string): Promise<RemoteStat>;
  /** Entries of a directory without `.` and `..`. */
  readdir(path: string): Promise<RemoteEntry[]>;
  mkdir(path: string, mode?: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** Seconds since the epoch. */
  setTimes(path: string, atime: number, mtime: number): Promise<void>;
  /** The absolute form of `path` (`.` is the login's home directory). */
  realpath(path: string): Promise<string>;
  /**
   * The file's bytes, with many READs in flight; errors (a missing file) are emitted on the stream.
   * `sizeHint` (from a stat) saves asking past the end of a small file more than once.
   */
  createReadStream(path: string, opts?: { sizeHint?: number }): Readable;
  /**
   * Creates or truncates, with many WRITEs in flight; `mode` is set exactly (fchmod), times when
   * both are given. Resolves `finished` once the server has closed the file.
   */
  createWriteStream(path: string, opts?: { mode?: number; atime?: number; mtime?: number }): { stream: Writable; finished: Promise<void> };
  close(): void;
}

const S_IFMT = 0o170000;

function typeOf(mode: number): RemoteStat['type'] {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

function toStat(a: Attributes | Stats): RemoteStat {
  return { type: typeOf(a.mode), mode: a.mode & 0o7777, size: a.size, atime: a.atime, mtime: a.mtime };
}

/** Our error kind for an SFTP status (ssh2 puts the status code in `code`). */
export function sftpError(err: unknown, path: string): TeleportError {
  const code = (err as { code?: unknown }).code;
  const msg = (err as Error).message;
  // SSH_FX_NO_SUCH_FILE = 2, SSH_FX_PERMISSION_DENIED = 3 (draft-ietf-secsh-filexfer-02).
  if (code === 2 || code === 'ENOENT') return new NotFoundError(`${path}: no such file or directory`, { cause: err });
  if (code === 3 || code === 'EACCES') return new AccessDeniedError(`${path}: permission denied`, { cause: err });
  return new BadParameterError(`${path}: ${msg}`, { cause: err });
}

/** Wrap an ssh2 SFTP channel (internal to this folder). */
export function wrapSFTP(sftp: SFTPWrapper): SFTPSession {
  sftp.on('error', () => {});
  const call = <T>(path: string, f: (cb: (err: Error | undefined | null, v: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(sftpError(err, path)) : resolve(v))));
  let ended = false;
  return {
    stat: (path) => call<Stats>(path, (cb) => sftp.stat(path, cb)).then(toStat),
    readdir: async (path) => {
      const list = await call<{ filename: string; attrs: Attributes }[]>(path, (cb) => sftp.readdir(path, cb));
      return list.filter((e) => e.filename !== '.' && e.filename !== '..').map((e) => ({ name: e.filename, stat: toStat(e.attrs) }));
    },
    mkdir: (path, mode) => call<void>(path, (cb) => sftp.mkdir(path, mode === undefined ? {} : { mode }, (err) => cb(err, undefined))),
    chmod: (path, mode) => call<void>(path, (cb) => sftp.chmod(path, mode, (err) => cb(err, undefined))),
    setTimes: (path, atime, mtime) => call<void>(path, (cb) => sftp.utimes(path, atime, mtime, (err) => cb(err, undefined))),
    realpath: (path) => call<string>(path, (cb) => sftp.realpath(path, cb)),
    createReadStream: (path, opts = {}) =>
      new SFTPFileReader(sftp, path, { ...(opts.sizeHint !== undefined && { sizeHint: opts.sizeHint }), mapError: (err) => sftpError(err, path) }),
    createWriteStream: (path, opts = {}) => {
      const stream = new SFTPFileWriter(sftp, path, opts, { mapError: (err) => sftpError(err, path) });
      const finished = new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('close', () => resolve());
      });
      finished.catch(() => {});
      return { stream, finished };
    },
    close: () => {
      if (ended) return;
      ended = true;
      sftp.end();
    },
  };
}
