/**
 * `tsh scp` over SFTP: files and (with `recursive`) directory trees from this machine to a node or
 * back, with OpenSSH scp's target rules (into an existing directory, else to the named path),
 * modes carried over, times too with `preserve`, and progress reported per file. The files of a
 * tree are copied several at a time, so that the round trips of opening and closing small files
 * overlap (each file's bytes have many requests in flight of their own: see sshutils).
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

/** A directory entry with what it points to (symlinks followed; dangling ones left out). */
export interface FileEntry {
  name: string;
  info: FileInfo;
}

/** What a copied file gets besides its bytes: its mode, and its times with `preserve`. */
export interface WriteAttrs {
  mode: number;
  times?: { atime: number; mtime: number };
}

/** One side of a copy: this machine's file system or the node's over SFTP. */
export interface FileSide {
  /** For messages: `local` or the node's name. */
  readonly name: string;
  /** Undefined when the path does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Entries sorted by name, without `.` and `..`. */
  list(path: string): Promise<FileEntry[]>;
  mkdir(path: string, mode: number): Promise<void>;
  /** `size` is what a stat said: a hint for how far to read ahead. */
  read(path: string, size?: number): Readable;
  /** `finished` settles once the file is complete with its attributes (or failed). */
  write(path: string, attrs: WriteAttrs): { stream: Writable; finished: Promise<void> };
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

/** Files of a tree copied at once. */
export const PARALLEL_FILES = 8;

const S_IFMT = 0o170000;

function kind(mode: number): FileInfo['type'] {
  const t = mode & S_IFMT;
  return t === 0o100000 ? 'file' : t === 0o040000 ? 'directory' : t === 0o120000 ? 'symlink' : 'other';
}

/** This machine's file system. */
export function localSide(): FileSide {
  const statLocal = async (path: string): Promise<FileInfo | undefined> => {
    try {
      const s = await stat(path);
      return { type: kind(s.mode), mode: s.mode & 0o7777, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw localError(err, path);
    }
  };
  return {
    name: 'local',
    stat: statLocal,
    async list(path) {
      const names = (await readdir(path).catch((err: unknown) => Promise.reject(localError(err, path)))).sort();
      const entries = await Promise.all(names.map(async (name) => ({ name, info: await statLocal(localJoin(path, name)) })));
      return entries.filter((e): e is FileEntry => e.info !== undefined);
    },
    mkdir: async (path, mode) => {
      await mkdir(path, { mode }).catch((err: unknown) => Promise.reject(localError(err, path)));
    },
    read: (path) => createReadStream(path),
    write: (path, attrs) => {
      const stream = createWriteStream(path, { mode: attrs.mode });
      const finished = new Promise<void>((resolve, reject) => {
        stream.once('error', (err) => reject(localError(err, path)));
        stream.once('close', () => resolve());
      }).then(async () => {
        if (!attrs.times) return;
        await chmod(path, attrs.mode);
        await utimes(path, attrs.times.atime, attrs.times.mtime);
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
  const statRemote = async (path: string): Promise<FileInfo | undefined> => {
    try {
      return await sftp.stat(path);
    } catch (err) {
      if (isCode(err, 'not_found')) return undefined;
      throw err;
    }
  };
  return {
    name,
    stat: statRemote,
    async list(path) {
      // A listing carries each entry's attributes (not following symlinks): only links need a stat.
      const entries = (await sftp.readdir(path)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const followed = await Promise.all(
        entries.map(async (e) => ({ name: e.name, info: e.stat.type === 'symlink' ? await statRemote(posix.join(path, e.name)) : e.stat })),
      );
      return followed.filter((e): e is FileEntry => e.info !== undefined);
    },
    mkdir: (path, mode) => sftp.mkdir(path, mode),
    read: (path, size) => sftp.createReadStream(path, size === undefined ? {} : { sizeHint: size }),
    write: (path, attrs) => sftp.createWriteStream(path, { mode: attrs.mode, ...attrs.times }),
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
 * `recursive` or an unusable destination; what was copied before the failure stays (files of a
 * tree already under way finish, no new one starts).
 */
export async function copyFiles(from: FileSide, sources: string[], to: FileSide, dest: string, opts: CopyOptions): Promise<void> {
  if (sources.length === 0) throw new BadParameterError('nothing to copy');
  const destInfo = await to.stat(dest);
  const intoDir = destInfo?.type === 'directory';
  if (sources.length > 1 && !intoDir) {
    throw new BadParameterError(`${dest} is not a directory on ${to.name}: copying several sources needs an existing directory as the target`);
  }
  const pool = filePool(PARALLEL_FILES);
  for (const src of sources) {
    const info = await from.stat(src);
    if (!info) throw new NotFoundError(`${src}: no such file or directory (on ${from.name})`);
    const target = intoDir ? to.join(dest, from.basename(trimSlashes(src))) : dest;
    await (await start({ from, to, opts, pool }, src, info, target, false)).done;
  }
}

function trimSlashes(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' ? p : t;
}

/** Work under way: `done` settles when it has finished (a wrapper, since awaiting a promise would wait for it). */
interface Started {
  done: Promise<void>;
}

/** Runs at most `size` tasks at once; after the first failure no new task starts. */
function filePool(size: number): { run(task: () => Promise<void>): Promise<Started> } {
  let running = 0;
  let failure: unknown;
  // Tasks are started one at a time (start() awaits run()), so at most one waits for a slot.
  let waiting: (() => void) | undefined;
  return {
    async run(task) {
      if (running >= size) await new Promise<void>((resolve) => (waiting = resolve));
      if (failure !== undefined) throw failure;
      running++;
      const done = task().finally(() => {
        running--;
        const wake = waiting;
        waiting = undefined;
        wake?.();
      });
      // Handled at once (a task can fail long before its directory awaits it); kept to stop new ones.
      done.catch((err: unknown) => (failure ??= err));
      return { done };
    },
  };
}

interface CopyRun {
  from: FileSide;
  to: FileSide;
  opts: CopyOptions;
  pool: ReturnType<typeof filePool>;
}

/**
 * Starts copying `src` to `dest`: returns once its files are started (a tree's files on the pool,
 * directories created in order), with a promise that settles when all of it is done. `fresh`: the
 * parent was created by this copy, so `dest` cannot exist yet.
 */
async function start(run: CopyRun, src: string, info: FileInfo, dest: string, fresh: boolean): Promise<Started> {
  const { from, to, opts } = run;
  if (info.type === 'directory') {
    if (!opts.recursive) throw new BadParameterError(`${src} is a directory: use -r to copy directories`);
    const existing = fresh ? undefined : await to.stat(dest);
    if (existing && existing.type !== 'directory') throw new BadParameterError(`${dest} exists on ${to.name} and is not a directory`);
    // Writable for us while we fill it; the source's mode is applied afterwards.
    if (!existing) await to.mkdir(dest, info.mode | 0o700);
    const children: Promise<void>[] = [];
    for (const { name, info: child } of await from.list(src)) {
      if (child.type !== 'file' && child.type !== 'directory') continue;
      children.push((await start(run, from.join(src, name), child, to.join(dest, name), !existing)).done);
    }
    const done = Promise.all(children).then(() => to.setAttrs(dest, { mode: info.mode, ...(opts.preserve && { atime: info.atime, mtime: info.mtime }) }));
    done.catch(() => {});
    return { done };
  }
  if (info.type !== 'file') throw new BadParameterError(`${src} is not a regular file`);
  return run.pool.run(() => copyFile(run, src, info, dest, fresh));
}

async function copyFile({ from, to, opts }: CopyRun, src: string, info: FileInfo, dest: string, fresh: boolean): Promise<void> {
  if (!fresh) {
    const existing = await to.stat(dest);
    if (existing?.type === 'directory') throw new BadParameterError(`${dest} is a directory on ${to.name}`);
  }
  const out = to.write(dest, { mode: info.mode, ...(opts.preserve && { times: { atime: info.atime, mtime: info.mtime } }) });
  let transferred = 0;
  const input = from.read(src, info.size);
  input.on('data', (chunk: Buffer) => {
    transferred += chunk.length;
    opts.onProgress?.({ path: src, transferred, total: info.size, done: false });
  });
  await pipeline(input, out.stream);
  await out.finished;
  opts.onProgress?.({ path: src, transferred, total: info.size, done: true });
}
