/**
 * Conformance cases for range reads and range deletes: ordering (UTF-8 byte order), [start, end)
 * bounds, limits, prefix ranges through `rangeEnd`.
 */
import { describe, expect, it } from 'vitest';
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import { rangeEnd } from '../backend.js';
import type { Backend } from '../backend.js';
import type { SuiteContext } from './suite-context.js';

async function putAll(b: Backend, keys: string[]): Promise<void> {
  for (const k of keys) await b.put({ key: k, value: `v:${k}` });
}

const keysOf = (items: { key: string }[]): string[] => items.map((i) => i.key);

/** Registers the range cases against `ctx.backend`. */
export function rangeCases(ctx: SuiteContext): void {
  describe('ranges', () => {
    it('returns items in ascending key order whatever the write order, with values and revisions', async () => {
      const b = ctx.backend;
      await putAll(b, ['/n/c', '/n/a', '/n/b2', '/n/b', '/n/b10']);
      const items = await b.getRange('/n/', rangeEnd('/n/'));
      expect(keysOf(items)).toEqual(['/n/a', '/n/b', '/n/b10', '/n/b2', '/n/c']);
      for (const item of items) {
        expect(item.value).toBe(`v:${item.key}`);
        expect(item.revision).toBe((await b.get(item.key)).revision);
      }
    });

    it('orders keys by UTF-8 bytes (code points), not UTF-16 units', async () => {
      const b = ctx.backend;
      // U+E000 sorts before U+1F600 in UTF-8 but after its surrogate pair in UTF-16.
      const ordered = ['/o/A', '/o/a', '/o/é', '/o/日', '/o/\ue000', '/o/\uffee', '/o/😀'];
      await putAll(b, [...ordered].reverse());
      expect(keysOf(await b.getRange('/o/', rangeEnd('/o/')))).toEqual(ordered);
    });

    it('includes the start key and excludes the end key', async () => {
      const b = ctx.backend;
      await putAll(b, ['/k/1', '/k/2', '/k/3', '/k/4']);
      expect(keysOf(await b.getRange('/k/2', '/k/4'))).toEqual(['/k/2', '/k/3']);
      expect(keysOf(await b.getRange('/k/2', '/k/2'))).toEqual([]);
      expect(keysOf(await b.getRange('/k/4', '/k/1'))).toEqual([]);
      expect(keysOf(await b.getRange('/k/0', '/k/1\u0000'))).toEqual(['/k/1']);
    });

    it('honours limit (0 or absent means no limit)', async () => {
      const b = ctx.backend;
      await putAll(b, ['/l/a', '/l/b', '/l/c', '/l/d']);
      expect(keysOf(await b.getRange('/l/', rangeEnd('/l/'), 2))).toEqual(['/l/a', '/l/b']);
      expect(keysOf(await b.getRange('/l/', rangeEnd('/l/'), 1))).toEqual(['/l/a']);
      expect(await b.getRange('/l/', rangeEnd('/l/'), 0)).toHaveLength(4);
      expect(await b.getRange('/l/', rangeEnd('/l/'), 10)).toHaveLength(4);
      await expect(b.getRange('/l/', rangeEnd('/l/'), -1)).rejects.toBeInstanceOf(BadParameterError);
      await expect(b.getRange('/l/', rangeEnd('/l/'), 1.5)).rejects.toBeInstanceOf(BadParameterError);
    });

    it('a prefix range does not leak into sibling prefixes', async () => {
      const b = ctx.backend;
      await putAll(b, ['/roles/dev', '/roles/dev/params', '/roles/devops', '/roles/dex', '/roles/de', '/rolesx']);
      expect(keysOf(await b.getRange('/roles/dev/', rangeEnd('/roles/dev/')))).toEqual(['/roles/dev/params']);
      expect(keysOf(await b.getRange('/roles/dev', rangeEnd('/roles/dev')))).toEqual([
        '/roles/dev',
        '/roles/dev/params',
        '/roles/devops',
      ]);
      expect(keysOf(await b.getRange('/roles/', rangeEnd('/roles/')))).toHaveLength(5);
    });

    it('the whole keyspace is ["", rangeEnd(""))', async () => {
      const b = ctx.backend;
      await putAll(b, ['/a', '/z/z', 'no-leading-slash']);
      expect(keysOf(await b.getRange('', rangeEnd('')))).toEqual(['/a', '/z/z', 'no-leading-slash']);
    });

    it('deleteRange deletes [start, end) and nothing else', async () => {
      const b = ctx.backend;
      await putAll(b, ['/d/a', '/d/b', '/d/c', '/d/c/x', '/e/a']);
      await b.deleteRange('/d/b', '/d/c/');
      expect(keysOf(await b.getRange('', rangeEnd('')))).toEqual(['/d/a', '/d/c/x', '/e/a']);
      await b.deleteRange('/d/', rangeEnd('/d/'));
      expect(keysOf(await b.getRange('', rangeEnd('')))).toEqual(['/e/a']);
      await expect(b.get('/d/a')).rejects.toBeInstanceOf(NotFoundError);
      await b.deleteRange('/nothing/', rangeEnd('/nothing/')); // an empty range is not an error
    });

    it('returned items are copies: mutating them changes nothing stored', async () => {
      const b = ctx.backend;
      await b.put({ key: '/m', value: 'orig' });
      const [item] = await b.getRange('/m', '/m\u0000');
      item.value = 'mutated';
      (await b.get('/m')).value = 'mutated too';
      expect((await b.get('/m')).value).toBe('orig');
    });
  });
}
