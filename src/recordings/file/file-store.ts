/**
 * Recordings in a directory on the auth server (`audit_sessions_uri: file:///path`, default
 * `<data_dir>/log/upload/sessions/default`): parts staged as `multi/<sid>/<n>.part` (each written
 * to a temporary name and renamed, so a torn part never counts), completed into `<sid>.rec` by
 * streaming the parts into a temporary file that is fsynced and renamed into place.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { AlreadyExistsError, BadParameterError, NotFoundError } from '../../api/errors.js';
import { exists, syncDir, syncFile } from '../../disk/index.js';
import { checkPartNumber, checkSessionId, type RecordingStore } from '../recording-store.js';

const partName = (n: number): string => `${String(n).padStart(7, '0')}.part`;

/** A directory of recordings. */
export class FileRecordingStore implements RecordingStore {
  constructor(private readonly dir: string) {}

  private final(sid: string): string {
    return join(this.dir, `${sid}.rec`);
  }

  private staging(sid: string): string {
    return join(this.dir, 'multi', sid);
  }

  async uploadPart(sid: string, part: number, data: Buffer): Promise<void> {
    checkSessionId(sid);
    checkPartNumber(part);
    if (await exists(this.final(sid))) throw new AlreadyExistsError(`the recording of session ${sid} is already complete`);
    const dir = this.staging(sid);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `${partName(part)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, join(dir, partName(part)));
  }

  async complete(sid: string, parts: number): Promise<void> {
    checkSessionId(sid);
    checkPartNumber(parts);
    const target = this.final(sid);
    if (await exists(target)) throw new AlreadyExistsError(`the recording of session ${sid} is already complete`);
    const dir = this.staging(sid);
    const have = new Set(await readdir(dir).catch(() => [] as string[]));
    for (let n = 1; n <= parts; n++) {
      if (!have.has(partName(n))) throw new BadParameterError(`part ${n} of the recording of session ${sid} was never uploaded`);
    }
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      const out = createWriteStream(tmp, { mode: 0o600 });
      await pipeline(async function* () {
        for (let n = 1; n <= parts; n++) yield* createReadStream(join(dir, partName(n)), { highWaterMark: 1024 * 1024 });
      }, out);
      await syncFile(tmp);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(this.dir);
    await rm(dir, { recursive: true, force: true });
  }

  async open(sid: string): Promise<Readable> {
    checkSessionId(sid);
    const path = this.final(sid);
    if (!(await exists(path))) throw new NotFoundError(`Recording for session ${sid} not found.`);
    return createReadStream(path, { highWaterMark: 256 * 1024 });
  }

  url(sid: string): string {
    return pathToFileURL(this.final(sid)).href;
  }

  async close(): Promise<void> {}
}
