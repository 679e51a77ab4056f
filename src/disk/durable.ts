/**
 * The fsyncs that make a write survive a crash: a file's data before it is renamed into place, and
 * the directory after, so the rename (or a new file) is on disk too.
 */
import { open } from 'node:fs/promises';

/** Flushes the data of the file at `path` to disk (fdatasync). Throws what opening or syncing throws. */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * Flushes the directory `dir` (its entries: files created, renamed or removed in it). Never throws:
 * some filesystems refuse fsync on directories, and the files' own data is synced regardless.
 */
export async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Not every filesystem syncs directories.
  }
}
