/** The host's UUID, kept in `<data_dir>/host_uuid` as Teleport does: created once, then read. */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadParameterError } from '../api/errors.js';
import { makeDirAll } from '../config/index.js';

/**
 * Reads the host UUID, creating it (and data_dir, with makeDirAll: never Node's recursive mkdir, which spins on /proc paths) on first start:
 * `firstId()` when given (an EC2 host joining with the EC2 method is `<account>-<instance id>`), else a random UUID.
 */
export async function ensureHostId(dataDir: string, firstId?: () => Promise<string>): Promise<string> {
  const path = join(dataDir, 'host_uuid');
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(id)) throw new BadParameterError(`${path} does not hold a valid host UUID; remove it to get a new one`);
    return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await makeDirAll(dataDir, 0o700);
  const id = firstId ? await firstId() : randomUUID();
  await writeFile(path, id + '\n', { mode: 0o600 });
  return id;
}
