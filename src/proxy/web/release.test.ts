import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRelease, releaseName } from './scripts.js';

const root = mkdtempSync(join(tmpdir(), 'tp-release-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('findRelease', () => {
  it('serves the archive beside the checkout, and one built again while the proxy runs', async () => {
    await expect(findRelease(root)).rejects.toThrow(/npm run release/);
    mkdirSync(join(root, 'release'));
    const path = join(root, 'release', releaseName());
    writeFileSync(path, 'first');
    expect(await findRelease(root)).toEqual({ path, sha256: sha('first') });
    writeFileSync(path, 'second');
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    // The install scripts carry this sha256: a stale one would make every install fail its check.
    expect((await findRelease(root)).sha256).toBe(sha('second'));
  });
});
