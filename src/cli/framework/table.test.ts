import { describe, expect, it } from 'vitest';
import { makeHeadlessTable, makeTable, makeTableWithTruncatedColumn } from './table.js';
import { tabwrite } from './tabwriter.js';

// Expected strings are derived by hand from Go's tabwriter algorithm (minwidth 5, padding 1):
// a column is max(5, widest cell in code points + 1) wide; every cell, the last one included, is
// padded to it; the dash row has as many dashes as the column's longest cell has bytes.
const pad = (s: string, n: number): string => s + ' '.repeat(n - [...s].length);

describe('tabwrite', () => {
  it('aligns column blocks separately and leaves the cell after the last tab alone', () => {
    const text = 'a\tb\tc\naaaa\tb\n\nx\ty\n';
    expect(tabwrite(text, { minwidth: 0, padding: 1, padchar: ' ' })).toBe('a    b c\naaaa b\n\nx y\n');
  });

  it('applies minwidth and keeps text without a trailing newline', () => {
    expect(tabwrite('ab\tc\td', { minwidth: 4, padding: 1, padchar: '.' })).toBe('ab..c...d');
  });
});

describe('makeTable', () => {
  const cases: Array<{ name: string; headers: string[]; rows: string[][]; want: string[] }> = [
    {
      name: 'two columns, widths from the widest cell plus one',
      headers: ['User', 'Roles'],
      rows: [
        ['alice', 'access,editor'],
        ['bob', 'auditor'],
      ],
      // col 0: max(5, 5+1) = 6; col 1: max(5, 13+1) = 14
      want: [
        pad('User', 6) + pad('Roles', 14),
        pad('-----', 6) + pad('-------------', 14),
        pad('alice', 6) + pad('access,editor', 14),
        pad('bob', 6) + pad('auditor', 14),
      ],
    },
    {
      name: 'narrow columns take minwidth 5',
      headers: ['ID', 'X'],
      rows: [['1', 'a']],
      want: ['ID   X    ', '--   -    ', '1    a    '],
    },
    {
      name: 'unicode: dashes count bytes, alignment counts code points',
      headers: ['Node Name', 'Labels'],
      rows: [
        ['n1', '⟵ Tunnel'],
        ['node-two', 'env=prod'],
      ],
      // '⟵ Tunnel' is 10 bytes, 8 code points: 10 dashes, so column 1 is 11 wide
      want: [
        'Node Name ' + 'Labels     ',
        '--------- ' + '---------- ',
        'n1        ' + '⟵ Tunnel   ',
        'node-two  ' + 'env=prod   ',
      ],
    },
    {
      name: 'empty cells are padded too',
      headers: ['Name', 'Value'],
      rows: [
        ['a', ''],
        ['', 'b'],
      ],
      want: ['Name Value ', '---- ----- ', 'a          ', '     b     '],
    },
    {
      name: 'short rows are padded with empty cells, long rows cut',
      headers: ['A', 'B'],
      rows: [['x'], ['y', 'z', 'dropped']],
      want: ['A    B    ', '-    -    ', pad('x', 5) + pad('', 5), 'y    z    '],
    },
  ];
  it.each(cases)('$name', ({ headers, rows, want }) => {
    expect(makeTable(headers, rows)).toBe(want.map((l) => `${l}\n`).join(''));
  });

  it('prints no header when every title is empty', () => {
    expect(makeTable(['', ''], [['a', 'b']])).toBe('a    b    \n');
  });
});

describe('makeHeadlessTable', () => {
  it('prints rows only (tctl status)', () => {
    const rows = [
      ['Cluster', 'example.com'],
      ['Version', '15.0.0'],
      ['host CA', 'never updated'],
      ['CA pin', 'sha256:abc'],
    ];
    expect(makeHeadlessTable(2, rows)).toBe(
      [
        'Cluster example.com   ',
        'Version 15.0.0        ',
        'host CA never updated ',
        'CA pin  sha256:abc    ',
      ]
        .map((l) => `${l}\n`)
        .join(''),
    );
  });
});

describe('makeTableWithTruncatedColumn', () => {
  it('caps other columns at (width-16)/(n-1) and gives the rest to the truncated column', () => {
    const out = makeTableWithTruncatedColumn(
      ['Node Name', 'Address', 'Labels'],
      [['server-number-one-long', '10.0.0.1:3022', 'env=prod,team=platform,region=us-east-1']],
      'Labels',
      40,
    );
    // maxColWidth = (40-16)/2 = 12; both other columns exceed it: totalLen = 2*(12+4) = 32;
    // Labels keeps 40-32-4 = 4 bytes. Cells become 15, 15 and 7 long; columns 16, 16, 8.
    expect(out).toBe(
      [
        pad('Node Name', 16) + pad('Address', 16) + pad('Labels', 8),
        pad('-'.repeat(15), 16) + pad('-'.repeat(15), 16) + pad('-'.repeat(7), 8),
        pad('server-numbe...', 16) + pad('10.0.0.1:302...', 16) + pad('env=...', 8),
      ]
        .map((l) => `${l}\n`)
        .join(''),
    );
  });

  it('leaves short cells alone and never splits a character', () => {
    const out = makeTableWithTruncatedColumn(['Name', 'Labels'], [['a', 'ééééééééééééééééééééééééééééééééééé']], 'Labels', 30);
    // Name: 4 bytes, totalLen 5; Labels gets 30-5-4 = 21 bytes: 10 two-byte characters.
    expect(out.split('\n')[2]).toBe(pad('a', 5) + pad(`${'é'.repeat(10)}...`, 24));
  });
});
