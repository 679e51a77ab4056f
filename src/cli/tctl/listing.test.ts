import { describe, expect, it } from 'vitest';
import { labelFilter, writeListing } from './listing.js';

describe('tctl listings', () => {
  it('keeps the items whose labels hold every pair of the filter', () => {
    const wanted = labelFilter('env=prod,team=db');
    expect(wanted({ env: 'prod', team: 'db', extra: 'x' })).toBe(true);
    expect(wanted({ env: 'prod' })).toBe(false);
    expect(wanted({ env: 'dev', team: 'db' })).toBe(false);
    expect(labelFilter(undefined)({})).toBe(true);
  });

  it('prints JSON, YAML or the table the format asks for', () => {
    const items = [{ name: 'a', n: 1 }];
    const print = (format: unknown): string => {
      let text = '';
      writeListing({ write: (s) => (text += s) }, format, items, ['Name', 'N'], (xs) => xs.map((x) => [x.name, String(x.n)]));
      return text;
    };
    expect(JSON.parse(print('json'))).toEqual(items);
    expect(print('yaml')).toMatch(/name: a/);
    const table = print(undefined).split('\n');
    expect(table[0]).toMatch(/^Name\s+N\s*$/);
    expect(table[2]).toMatch(/^a\s+1\s*$/);
  });
});
