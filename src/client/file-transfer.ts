/**
 * `tsh scp` over SFTP: files and (with `recursive`) directory trees from this machine to a node or
 * back, with OpenSSH scp's target rules (into an existing directory, else to the named path),
 * modes carried over, times too with `preserve`, and progress reported per file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, stat, utimes } from 'node:fs/promises';
import { basename as localBase, join as localJoin } from 'node:path';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadParameterError, NotFoundError, isCode } from '../api/errors.js';
import type { RemoteStat, SFTPSession } from '../sshutils/index.js';

/** A file or directory on either side. Times in seconds since the epoch. */
export type FileInfo = RemoteStat;

/** One side of a copy: this machine's file system or the node's over SFTP. */
export interface FileSide {
  /** For messages: `local` or the node's name. */
  readonly name: string;
  /** Undefined when the path does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, mode: number): Promise<void>;
  read(path: string): Readable;
  write(path: string, mode: number): { stream: Writable; finished: Promise<void> };
  setAttrs(path: string, attrs: { mode?: number; atime?: number; mtime?: number }): Promise<void>;
  join(dir: string, name: string): string;
  basename(path: string): string;
}

/** Progress of one file: called as bytes move, and once more at the end. */
export type ProgressFn = (p: { path: string; transferred: number; total: number; done: boolean }) => void;

/** Options of a copy. */
export interface CopyOptions {
  recursive: boolean;
  /** Keep access/modification times (modes are always carried over, as scp does). */
  preserve: boolean;
  onProgress?: ProgressFn;
}

const S_IFMT = 0o170000;

function kind(mode: number): FileInfo['type'] {
  const t = mode & S_IFMT;
  return t === 0o100000 ? 'file' : t === 0o040000 ? 'directory' : t === 0o120000 ? 'symlink' : 'other';
}

/** This machine's file system. */
export function localSide(): FileSide {
  return {
    name: 'local',
    async stat(path) {
      try {
        const s = await stat(path);
        return { type: kind(s.mode), mode: s.mode & 0o7777, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw localError(err, path);
      }
    },
    readdir: async (path) => (await readdir(path).catch((err: unknown) => Promise.reject(localError(err, path)))).sort(),
    mkdir: async (path, mode) => {
      await mkdir(path, { mode }).catch((err: unknown) => Promise.reject(localError(err, path)));
    },
    read: (path) => createReadStream(path),
    write: (path, mode) => {
      const stream = createWriteStream(path, { mode });
      const finished = new Promise<void>((resolve, reject) => {
        stream.once('error', (err) => reject(localError(err, path)));
        stream.once('close', () => resolve());
      });
      finished.catch(() => {});
      return { stream, finished };
    },
    setAttrs: async (path, a) => {
      if (a.mode !== undefined) await chmod(path, a.mode);
      if (a.atime !== undefined && a.mtime !== undefined) await utimes(path, a.atime, a.mtime);
    },
    join: localJoin,
    basename: localBase,
  };
}

function localError(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new NotFoundError(`${path}: no such file or directory`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new BadParameterError(`${path}: permission denied`, { cause: err });
  return new BadParameterError(`${path}: ${(err as Error).message}`, { cause: err });
}

/** The node's file system over an SFTP session. */
export function remoteSide(sftp: SFTPSession, name: string): FileSide {
  return {
    name,
    async stat(path) {
      try {
        return await sftp.stat(path);
      } catch (err) {
        if (isCode(err, 'not_found')) return undefined;
        throw err;
      }
    },
    readdir: async (path) => (await sftp.readdir(path)).map((e) => e.name).sort(),
    mkdir: (path, mode) => sftp.mkdir(path, mode),
    read: (path) => sftp.createReadStream(path),
    write: (path, mode) => sftp.createWriteStream(path, { mode }),
    setAttrs: async (path, a) => {
      if (a.mode !== undefined) await sftp.chmod(path, a.mode);
      if (a.atime !== undefined && a.mtime !== undefined) await sftp.setTimes(path, a.atime, a.mtime);
    },
    join: (dir, n) => posix.join(dir, n),
    basename: (p) => posix.basename(p),
  };
}

/**
 * Copy `sources` from `from` to `dest` on `to`. With several sources `dest` must be an existing
 * directory. Throws NotFoundError for a missing source, BadParameterError for a directory without
 * `recursive` or an unusable destination; what was copied before the failure stays.
 */
export async function copyFiles(from: FileSide, sources: string[], to: FileSide, dest: string, opts: CopyOptions): Promise<void> {
  if (sources.length === 0) throw new BadParameterError('nothing to copy');
  const destInfo = await to.stat(dest);
  const intoDir = destInfo?.type === 'directory';
  if (sources.length > 1 && !intoDir) {
    throw new BadParameterError(`${dest} is not a directory on ${to.name}: copying several sources needs an existing directory as the target`);
  }
  for (const src of sources) {
    const info = await from.stat(src);
    if (!info) throw new NotFoundError(`${src}: no such file or directory (on ${from.name})`);
    const target = intoDir ? to.join(dest, from.basename(trimSlashes(src))) : dest;
    await copyOne(from, src, info, to, target, opts);
  }
}

function trimSlashes(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' ? p : t;
}

async function copyOne(from: FileSide, src: string, info: FileInfo, to: FileSide, dest: string, opts: CopyOptions): Promise<void> {
  if (info.type === 'directory') {
    if (!opts.recursive) throw new BadParameterError(`${src} is a directory: use -r to copy directories`);
    const existing = await to.stat(dest);
    if (existing && existing.type !== 'directory') throw new BadParameterError(`${dest} exists on ${to.name} and is not a directory`);
    // Writable for us while we fill it; the source's mode is applied afterwards.
    if (!existing) await to.mkdir(dest, info.mode | 0o700);
    for (const name of await from.readdir(src)) {
      const childSrc = from.join(src, name);
      const child = await from.stat(childSrc);
      if (!child || (child.type !== 'file' && child.type !== 'directory')) continue;
      await copyOne(from, childSrc, child, to, to.join(dest, name), opts);
    }
    await to.setAttrs(dest, { mode: info.mode, ...(opts.preserve && { atime: info.atime, mtime: info.mtime }) });
    return;
  }
  if (info.type !== 'file') throw new BadParameterError(`${src} is not a regular file`);
  const existing = await to.stat(dest);
  if (existing?.type === 'directory') throw new BadParameterError(`${dest} is a directory on ${to.name}`);
  const out = to.write(dest, info.mode);
  let transferred = 0;
  const input = from.read(src);
  input.on('data', (chunk: Buffer) => {
    transferred += chunk.length;
    opts.onProgress?.({ path: src, transferred, total: info.size, done: false });
  });
  await pipeline(input, out.stream);
  await out.finished;
  opts.onProgress?.({ path: src, transferred, total: info.size, done: true });
  await to.setAttrs(dest, { ...(opts.preserve && { mode: info.mode, atime: info.atime, mtime: info.mtime }) });
}
