/**
 * The conformance suite every RecordingStore passes (directory, S3): parts assembled in part order
 * whatever the upload order, a part uploaded twice counts once (its last upload), a missing part
 * refused, completion once only, uploads to a complete recording refused, streamed reads of a
 * recording larger than S3's part size, and unknown or malformed session IDs.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCode } from '../../api/errors.js';
import type { RecordingStore } from '../recording-store.js';

/** A store and how to dispose of it. */
export type RecordingStoreFactory = () => Promise<{ store: RecordingStore; cleanup(): Promise<void> }>;

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    for (const c of ['not_found', 'already_exists', 'bad_parameter'] as const) if (isCode(err, c)) return c;
    throw err;
  }
}

/** Registers the suite for `name`. */
export function runRecordingStoreSuite(name: string, make: RecordingStoreFactory): void {
  describe(`recording store conformance: ${name}`, () => {
    let store: RecordingStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await make());
    });
    afterAll(async () => {
      await store?.close();
      await store?.close();
      await cleanup?.();
    });

    it('assembles parts in part order, whatever order they arrived in, and streams them back', async () => {
      const sid = randomUUID();
      await store.uploadPart(sid, 3, Buffer.from('three'));
      await store.uploadPart(sid, 1, Buffer.from('one-'));
      await store.uploadPart(sid, 2, Buffer.from('stale'));
      await store.uploadPart(sid, 2, Buffer.from('two-'));
      await store.complete(sid, 3);
      expect((await readAll(await store.open(sid))).toString()).toBe('one-two-three');
      expect(store.url(sid)).toContain(sid);
    });

    it('refuses a missing part, a second completion and uploads after completion', async () => {
      const sid = randomUUID();
      await store.uploadPart(sid, 1, Buffer.from('a'));
      await store.uploadPart(sid, 3, Buffer.from('c'));
      expect(await codeOf(store.complete(sid, 3))).toBe('bad_parameter');
      await store.uploadPart(sid, 2, Buffer.from('b'));
      await store.complete(sid, 3);
      expect(await codeOf(store.complete(sid, 3))).toBe('already_exists');
      expect(await codeOf(store.uploadPart(sid, 4, Buffer.from('d')))).toBe('already_exists');
      expect((await readAll(await store.open(sid))).toString()).toBe('abc');
    });

    it('streams a recording larger than one S3 part unchanged', async () => {
      const sid = randomUUID();
      const parts = [randomBytes(4 * 1024 * 1024), randomBytes(3 * 1024 * 1024), randomBytes(100)];
      for (let i = 0; i < parts.length; i++) await store.uploadPart(sid, i + 1, parts[i]);
      await store.complete(sid, parts.length);
      const want = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
      const got = createHash('sha256');
      let size = 0;
      for await (const c of await store.open(sid)) {
        got.update(c as Buffer);
        size += (c as Buffer).length;
      }
      expect(size).toBe(7 * 1024 * 1024 + 100);
      expect(got.digest('hex')).toBe(want);
    });

    it('answers NotFound for an unknown session and refuses malformed IDs and part numbers', async () => {
      expect(await codeOf(store.open(randomUUID()))).toBe('not_found');
      expect(await codeOf(store.open('../etc/passwd'))).toBe('bad_parameter');
      expect(await codeOf(store.uploadPart('a/b', 1, Buffer.from('x')))).toBe('bad_parameter');
      expect(await codeOf(store.uploadPart(randomUUID(), 0, Buffer.from('x')))).toBe('bad_parameter');
      expect(await codeOf(store.complete(randomUUID(), 1))).toBe('bad_parameter');
    });
  });
}
